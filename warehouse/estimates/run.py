"""The estimation step of a marts build: fit every chart curve of the refresh weeks, write
``core.estimate_params``, then ``core.app_estimates`` and the checks (``warehouse/estimates/sql``).

Runs inside the build's transaction, after ``warehouse/estimates/sql/scope.sql`` has made the TEMP tables
(``refresh_weeks``, ``refresh_mode``). The SQL reads and writes; Python only fits (``fit.py``). The method is
in docs/methodology.md. Deterministic: the observations are read in a fixed order and every sum that
could depend on order is exact (``math.fsum`` here, DECIMAL in SQL).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.connection import run_sql
from warehouse.estimates.fit import calibrate, pooled, prior_scale, ratings_per_download

SQL = Path(__file__).resolve().parent / "sql"

IOS_GROUND_TRUTH = "app_store user_rating_count growth per storefront / ratings-per-download ratio"
PLAY_GROUND_TRUTH = (
    "google_play real_installs growth (global), split over the tracked countries in proportion "
    "to the prior curve"
)

PARAMS_SCHEMA = pa.schema([
    ("window_start", pa.date32()), ("window_end", pa.date32()), ("store", pa.string()), ("country", pa.string()),
    ("chart", pa.string()), ("genre", pa.string()), ("measure", pa.string()), ("method", pa.string()),
    ("a", pa.float64()), ("b", pa.float64()), ("sigma", pa.float64()), ("a_prior", pa.float64()),
    ("a_prior_sd", pa.float64()), ("b_scale", pa.float64()), ("a_fit", pa.float64()), ("b_fit", pa.float64()),
    ("a_fit_se", pa.float64()), ("r2", pa.float64()), ("n_obs", pa.int32()), ("n_zero", pa.int32()),
    ("rank_min", pa.float64()), ("rank_max", pa.float64()), ("reference_value", pa.float64()),
    ("estimated_value", pa.float64()), ("inputs", pa.string()), ("obs_keys", pa.list_(pa.string())),
    ("obs_dates", pa.list_(pa.date32())),
    ("obs_ranks", pa.list_(pa.float64())), ("obs_values", pa.list_(pa.float64())),
    ("residuals", pa.list_(pa.float64())),
])  # fmt: skip


@dataclass
class EstimatesReport:
    """What one estimation step did."""

    weeks: list[date] = field(default_factory=list)
    methods: Counter = field(default_factory=Counter)  # (measure, method) -> curves
    reported_check: str = "skipped: core.reported_metrics does not exist"

    def as_dict(self) -> dict[str, Any]:
        return {
            "weeks": [w.isoformat() for w in self.weeks],
            "curves": {f"{m}:{k}": n for (m, k), n in sorted(self.methods.items())},
            "reported_check": self.reported_check,
        }


def _rows(conn: duckdb.DuckDBPyConnection, name: str) -> list[dict[str, Any]]:
    cursor = run_sql(conn, SQL / name)
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


@dataclass
class _Obs:
    """One curve's observations: one per listing and day (a growth pair ending that day)."""

    keys: list[str]
    dates: list[date]
    ranks: np.ndarray
    values: np.ndarray  # measured downloads per day


def _observations(points: list[tuple[str, date, str, int, float]]) -> _Obs:
    """(listing, day, key, rank, downloads/day) points → observations in (listing, day) order."""
    points = sorted(points)
    return _Obs(
        keys=[p[2] for p in points],
        dates=[p[1] for p in points],
        ranks=np.asarray([p[3] for p in points], dtype=np.float64),
        values=np.asarray([p[4] for p in points], dtype=np.float64),
    )


def _residuals(obs: _Obs | None, a: float, b: float) -> list[float | None] | None:
    if obs is None or not obs.keys:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.log(obs.values) - (math.log(b) - a * np.log(obs.ranks))
    return [float(x) if math.isfinite(x) else None for x in res]


def refresh_estimates(conn: duckdb.DuckDBPyConnection) -> EstimatesReport:
    """Fit the refresh weeks, write their params, app estimates and checks. Call inside a transaction."""
    report = EstimatesReport()
    knobs = _rows(conn, "settings.sql")
    settings = {r["name"]: r["value"] for r in knobs if r["kind"] == "setting"}
    priors = {(r["name"], r["measure"]): (r["value"], r["sd"]) for r in knobs if r["kind"] == "prior"}
    weeks = sorted({r["window_start"] for r in _rows(conn, "curves.sql")})
    report.weeks = weeks
    if weeks:
        rows = _fit_weeks(conn, settings, priors, report)
        table = pa.Table.from_pylist(rows, schema=PARAMS_SCHEMA)
        conn.register("staged_estimate_params", table)
        try:
            run_sql(conn, SQL / "write_params.sql")
        finally:
            conn.unregister("staged_estimate_params")
    else:  # nothing captured in the refresh weeks: clear them
        conn.register("staged_estimate_params", pa.Table.from_pylist([], schema=PARAMS_SCHEMA))
        try:
            run_sql(conn, SQL / "write_params.sql")
        finally:
            conn.unregister("staged_estimate_params")
    run_sql(conn, SQL / "app_estimates.sql")
    run_sql(conn, SQL / "check_published.sql")
    columns = {r["column_name"] for r in _rows(conn, "reported_metrics_columns.sql")}
    needed = {"app_name", "metric", "value", "currency", "period"}
    if columns and needed <= columns:
        run_sql(conn, SQL / "check_reported.sql")
        report.reported_check = "done"
    elif columns:
        report.reported_check = f"skipped: core.reported_metrics lacks {sorted(needed - columns)}"
    return report


def _fit_weeks(conn, settings, priors, report: EstimatesReport) -> list[dict[str, Any]]:
    curves = _rows(conn, "curves.sql")
    ratio_rows = _rows(conn, "obs_play_ratio.sql")
    play = _rows(conn, "obs_play.sql")
    ios = _rows(conn, "obs_ios.sql")
    weights = _rows(conn, "scale_weights.sql")
    figures = _rows(conn, "scale_figures.sql")

    out: list[dict[str, Any]] = []
    for week in sorted({c["window_start"] for c in curves}):
        week_end = week + timedelta(days=6)
        base = {"window_start": week, "window_end": week_end}

        # 1. iOS ratings per download, from Google Play's exact installs and ratings of the same week
        rho, rho_row = _ratio(week, [r for r in ratio_rows if r["window_start"] == week], settings)
        week_rows: list[dict[str, Any]] = [base | rho_row]
        report.methods[("ratings_per_download", rho_row["method"])] += 1

        # 2. scales from published totals (prior-only curves) and the published checks
        scales, checks = _scales(
            week,
            [w for w in weights if w["window_start"] == week],
            [f for f in figures if f["window_start"] == week],
            priors,
        )
        week_rows.extend(base | c for c in checks)

        # 3. observations per curve
        points: dict[tuple, list] = defaultdict(list)
        for r in play:
            if r["window_start"] == week:
                points[(r["store"], r["country"], r["chart"], r["genre"])].append(
                    (r["store_app_id"], r["snapshot_date"], r["obs_key"], r["rank"], r["downloads"])
                )
        for r in ios:
            if r["window_start"] == week:
                points[(r["store"], r["country"], r["chart"], r["genre"])].append(
                    (
                        r["store_app_id"],
                        r["snapshot_date"],
                        r["obs_key"],
                        r["rank"],
                        r["ratings_per_day"] / rho,
                    )
                )

        week_curves = [c for c in curves if c["window_start"] == week]
        fitted: dict[tuple, dict[str, Any]] = {}
        pending = []
        for c in week_curves:
            key = (c["store"], c["country"], c["chart"], c["genre"])
            a0, sd0 = priors[(c["store"], c["measure"])]
            obs = _observations(points[key]) if key in points else None
            scale = scales[c["measure"]]["us" if c["country"] == "us" else "non_us"]
            row = base | {
                "store": c["store"], "country": c["country"], "chart": c["chart"], "genre": c["genre"],
                "measure": c["measure"], "a_prior": a0, "a_prior_sd": sd0, "b_scale": scale["b"],
            }  # fmt: skip
            inputs: dict[str, Any] = {
                "ground_truth": None if c["measure"] == "revenue" else
                (IOS_GROUND_TRUTH if c["store"] == "app_store" else PLAY_GROUND_TRUTH),
                "scale_figures": scale["figures"], "scale_daily_total": scale["total"],
                "chart_days": c["n_days"], "chart_depth": c["depth"],
                "settings": {k: settings[k] for k in ("min_points", "min_rank_span", "band_z", "tail_fraction")},
            }  # fmt: skip
            if c["store"] == "app_store" and c["measure"] == "downloads":
                inputs["rho"] = rho
            fit = _try_fit(obs, a0, sd0, settings) if c["measure"] == "downloads" else None
            if fit is not None:
                row |= {
                    "method": "fit",
                    "a": fit.a,
                    "b": fit.b,
                    "sigma": fit.sigma,
                    "a_fit": fit.a_fit,
                    "b_fit": fit.b_fit,
                    "a_fit_se": _finite(fit.a_fit_se),
                    "r2": fit.r2,
                }
                fitted[key] = row | {"_n": fit.n}
            else:
                inputs["reason"] = (
                    "no revenue ground truth: prior shape, published scale"
                    if c["measure"] == "revenue"
                    else _too_few(obs, settings)
                )
                pending.append((c, row))
            row |= _obs_columns(obs)
            row["inputs"] = inputs
            week_rows.append(row)

        # 4. curves without a fit of their own: pooled over the same chart in other countries, else prior
        for c, row in pending:
            peers = [
                f
                for k, f in sorted(fitted.items())
                if (k[0], k[2], k[3]) == (c["store"], c["chart"], c["genre"]) and k[1] != c["country"]
            ]
            if c["measure"] == "downloads" and peers:
                a, b, sigma = pooled(
                    [p["a"] for p in peers],
                    [p["b"] for p in peers],
                    [p["sigma"] for p in peers],
                    [p["_n"] for p in peers],
                )
                row |= {"method": "pooled", "a": a, "b": b, "sigma": sigma}
                row["inputs"]["pooled_from"] = [p["country"] for p in peers]
            else:
                row |= {
                    "method": "prior",
                    "a": row["a_prior"],
                    "b": row["b_scale"],
                    "sigma": settings["prior_log_sigma"],
                }
        for row in week_rows:
            if row["measure"] in ("downloads", "revenue") and row["method"] in ("fit", "pooled", "prior"):
                report.methods[(row["measure"], row["method"])] += 1
                if row.get("obs_keys"):
                    row["residuals"] = _residuals(
                        _Obs(
                            row["obs_keys"],
                            row["obs_dates"],
                            np.asarray(row["obs_ranks"]),
                            np.asarray(row["obs_values"]),
                        ),
                        row["a"],
                        row["b"],
                    )
        out.extend(week_rows)
    for row in out:
        row.pop("_n", None)
        row["inputs"] = _json(row["inputs"])
        row.setdefault("n_obs", 0)
        row.setdefault("n_zero", 0)
    return out


def _obs_columns(obs: _Obs | None) -> dict[str, Any]:
    if obs is None or not obs.keys:
        return {"n_obs": 0, "n_zero": 0}
    positive = obs.values > 0
    return {
        "n_obs": int(positive.sum()), "n_zero": int((~positive).sum()),
        "rank_min": float(obs.ranks.min()), "rank_max": float(obs.ranks.max()),
        "obs_keys": obs.keys, "obs_dates": obs.dates, "obs_ranks": obs.ranks.tolist(),
        "obs_values": obs.values.tolist(),
    }  # fmt: skip


def _too_few(obs: _Obs | None, settings: dict[str, float]) -> str:
    if obs is None or not obs.keys:
        return "no ground-truth observations"
    n = int((obs.values > 0).sum())
    return (
        f"too few observations for a fit of its own: {n} with growth (min_points {settings['min_points']:g}, "
        f"min_rank_span {settings['min_rank_span']:g})"
    )


def _try_fit(obs: _Obs | None, a0: float, sd0: float, settings: dict[str, float]):
    if obs is None:
        return None
    positive = obs.values > 0
    if int(positive.sum()) < settings["min_points"]:
        return None
    ranks = obs.ranks[positive]
    if ranks.max() / ranks.min() < settings["min_rank_span"]:
        return None
    return calibrate(obs.ranks, obs.values, a_prior=a0, a_prior_sd=sd0)


def _ratio(
    week: date, rows: list[dict[str, Any]], settings: dict[str, float]
) -> tuple[float, dict[str, Any]]:
    """The week's ratings-per-download ratio: median over Google Play listings of ratings gained / installs gained."""
    usable = [r for r in rows if r["installs_gained"] >= settings["rho_min_installs"]]
    positive = [r for r in usable if r["ratings_gained"] > 0]
    row: dict[str, Any] = {
        "store": "app_store",
        "country": "all",
        "chart": "all",
        "genre": "all",
        "measure": "ratings_per_download",
        "n_obs": len(positive),
        "n_zero": len(usable) - len(positive),
    }
    inputs: dict[str, Any] = {
        "ground_truth": "google_play ratings gained / real_installs gained per listing over the week; median",
        "settings": {k: settings[k] for k in ("rho_min_listings", "rho_min_installs", "rho_prior")},
        "assumption": "iOS users rate at the same rate per download as Google Play users",
    }
    if len(positive) >= settings["rho_min_listings"]:
        rho, sd = ratings_per_download(
            [r["ratings_gained"] for r in positive], [r["installs_gained"] for r in positive]
        )
        ratios = [r["ratings_gained"] / r["installs_gained"] for r in positive]
        row |= {
            "method": "fit",
            "b": rho,
            "sigma": sd,
            "obs_keys": [r["store_app_id"] for r in positive],
            "obs_values": ratios,
            "residuals": [math.log(x / rho) for x in ratios],
        }
    else:
        rho = settings["rho_prior"]
        inputs["reason"] = (
            f"{len(positive)} Google Play listings with growth (min {settings['rho_min_listings']:g})"
        )
        row |= {"method": "prior", "b": rho}
    row["inputs"] = inputs
    return rho, row


def _scales(
    week: date, weights: list[dict[str, Any]], figures: list[dict[str, Any]], priors
) -> tuple[dict, list]:
    """b of the prior-only curves from the published totals, per measure and US / non-US; and the check rows."""
    w = {(r["measure"], r["is_us"]): r["weight_per_day"] for r in weights}
    f = {(r["metric"], r["scope"]): r for r in figures}
    scales: dict[str, dict[str, dict[str, Any]]] = {}
    checks = []

    def scale(total: float | None, weight: float, ids: list[str], measure: str) -> dict[str, Any]:
        if total is not None and weight > 0:
            return {"b": prior_scale(total, weight), "total": total, "figures": ids}
        # no tracked short-drama app ranked this week: the paper's (historical) US iPhone scale
        ref = {"downloads": 52958.0, "revenue": 126666.0}[measure]
        return {"b": ref, "total": None, "figures": ["Garg & Telang 2013 b (no short-drama ranks this week)"]}

    dl = f.get(("downloads", "global"))
    dl_weight = w.get(("downloads", True), 0.0) + w.get(("downloads", False), 0.0)
    s = scale(dl and dl["daily"], dl_weight, [dl["figure_id"]] if dl else [], "downloads")
    scales["downloads"] = {"us": s, "non_us": s}
    if dl:
        checks.append(_check_row("downloads", "global", dl["daily"], [dl]))

    g, us = f.get(("revenue", "global")), f.get(("revenue", "us"))
    rev_all = w.get(("revenue", True), 0.0) + w.get(("revenue", False), 0.0)
    if g and us and g["daily"] > us["daily"]:
        scales["revenue"] = {
            "us": scale(us["daily"], w.get(("revenue", True), 0.0), [us["figure_id"]], "revenue"),
            "non_us": scale(
                g["daily"] - us["daily"],
                w.get(("revenue", False), 0.0),
                [g["figure_id"], us["figure_id"]],
                "revenue",
            ),
        }
        checks.append(_check_row("revenue", "us", us["daily"], [us]))
        checks.append(_check_row("revenue", "non_us", g["daily"] - us["daily"], [g, us]))
    else:
        s = scale(g and g["daily"], rev_all, [g["figure_id"]] if g else [], "revenue")
        scales["revenue"] = {"us": s, "non_us": s}
    if g:
        checks.append(_check_row("revenue", "global", g["daily"], [g]))
    return scales, checks


def _check_row(measure: str, scope: str, daily: float, figures: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "store": "all", "country": scope, "chart": "market_totals", "genre": "all", "measure": measure,
        "method": "check_published", "reference_value": daily, "n_obs": 0, "n_zero": 0,
        "inputs": {"figures": [x["figure_id"] for x in figures], "vendors": [x["vendor"] for x in figures],
                   "note": "estimated_value covers the tracked countries' short-drama apps only"},
    }  # fmt: skip
