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
from warehouse.estimates.fit import (
    calibrate,
    curve_scale,
    head_correction,
    pooled,
    prior_scale,
    rating_count_var,
    ratings_per_download,
    scale_denominator,
)

SQL = Path(__file__).resolve().parent / "sql"

IOS_GROUND_TRUTH = "app_store user_rating_count growth per storefront / ratings-per-download ratio"
PLAY_GROUND_TRUTH = (
    "google_play real_installs growth (global) of short-drama listings, times the tracked countries' weight "
    "in the category, split over them in proportion to weight x prior curve"
)
PAPER_SCALE = {"downloads": 52958.0, "revenue": 126666.0}  # Garg & Telang 2013: only when nothing else exists

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
    ("residuals", pa.list_(pa.float64())), ("flagged", pa.bool_()),
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


def _run_with(conn: duckdb.DuckDBPyConnection, name: str, **tables: pa.Table) -> None:
    """Run ``sql/name`` with the given Arrow tables registered under their names for the statement's duration."""
    for table_name, table in tables.items():
        conn.register(table_name, table)
    try:
        run_sql(conn, SQL / name)
    finally:
        for table_name in tables:
            conn.unregister(table_name)


def _estimates_and_checks(conn: duckdb.DuckDBPyConnection) -> None:
    """(Re)write the refresh weeks' app estimates from the params, then the published checks on them."""
    run_sql(conn, SQL / "app_estimates.sql")
    run_sql(conn, SQL / "check_published.sql")


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
    """One curve's observations: one per listing and week (its growth pairs of the week, averaged)."""

    keys: list[str]
    dates: list[date]
    ranks: np.ndarray
    values: np.ndarray  # measured downloads per day
    days: np.ndarray | None = None  # growth pairs (days) averaged into each value


def _observations(points: list[tuple[str, date, str, int, float]], a0: float) -> _Obs:
    """(listing, day, key, rank, downloads/day) points → one observation per listing and week: its mean daily
    downloads over the growth pairs of the week (zero-growth days included) at its effective rank, the rank
    whose prior-curve value is the mean of its days' (mean r^(-a0))^(-1/a0): an app moving between ranks
    averages downloads, not ranks.

    Daily rating growth of a small app is a handful of ratings, often zero: dropping the zero days and taking
    logs of the rest biased the tail of the curve up (a top-paid curve came out 2x too high). A week's sum keeps
    the zeros and averages the Poisson noise; the band's day-to-day part is the curve's scatter floor."""
    by_listing: dict[str, list[tuple[date, str, int, float]]] = defaultdict(list)
    for listing, day, key, rank, value in sorted(points):
        by_listing[listing].append((day, key, rank, value))
    keys, dates, ranks, values, days = [], [], [], [], []
    for _, rows in sorted(by_listing.items()):
        keys.append(rows[-1][1])
        dates.append(rows[-1][0])
        ranks.append((math.fsum(r[2] ** -a0 for r in rows) / len(rows)) ** (-1.0 / a0))
        values.append(math.fsum(r[3] for r in rows) / len(rows))
        days.append(len(rows))
    return _Obs(keys=keys, dates=dates, ranks=np.asarray(ranks, dtype=np.float64),
                values=np.asarray(values, dtype=np.float64), days=np.asarray(days, dtype=np.float64))


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
    held_scales: dict[tuple, float] = {}
    rows = _fit_weeks(conn, settings, priors, report, held_scales) if weeks else []  # none: clear the weeks
    _run_with(conn, "write_params.sql", staged_estimate_params=pa.Table.from_pylist(rows, schema=PARAMS_SCHEMA))
    _estimates_and_checks(conn)
    if weeks and _hold_flagged_weeks(conn, settings, held_scales):
        _estimates_and_checks(conn)
    if weeks and _follow_downloads(conn, settings):
        _estimates_and_checks(conn)
    columns = {r["column_name"] for r in _rows(conn, "reported_metrics_columns.sql")}
    needed = {"app_name", "metric", "value", "currency", "period"}
    if columns and needed <= columns:
        run_sql(conn, SQL / "check_reported.sql")
        report.reported_check = "done"
    elif columns:
        report.reported_check = f"skipped: core.reported_metrics lacks {sorted(needed - columns)}"
    return report


def _fit_weeks(conn, settings, priors, report: EstimatesReport, held_scales: dict) -> list[dict[str, Any]]:
    """Fit every curve of the refresh weeks; ``held_scales`` receives each curve's published-totals scale at its
    final a (what a flagged week is held to)."""
    curves = _rows(conn, "curves.sql")
    ratio_rows = _rows(conn, "obs_play_ratio.sql")
    play = _rows(conn, "obs_play.sql")
    ios = _rows(conn, "obs_ios.sql")
    scale_points: dict[tuple, list[tuple[int, float | None]]] = defaultdict(list)
    scale_days: dict[tuple, set] = defaultdict(set)
    for r in _rows(conn, "scale_weights.sql"):
        key = (r["window_start"], r["store"], r["country"], r["chart"], r["genre"])
        scale_points[key].append((r["depth"], r["rank"]))
    for c in curves:
        scale_days[(c["window_start"], c["store"], c["country"], c["chart"], c["genre"])] = c["n_days"]
    figures = _rows(conn, "scale_figures.sql")
    weights = {(r["country"], r["store"], r["measure"]): r["weight"] for r in _rows(conn, "country_weights.sql")}

    out: list[dict[str, Any]] = []
    for week in sorted({c["window_start"] for c in curves}):
        week_end = week + timedelta(days=6)
        base = {"window_start": week, "window_end": week_end}
        week_curves = [c for c in curves if c["window_start"] == week]

        # 1. iOS ratings per download, from Google Play's exact installs and ratings of the same week
        rho, rho_row = _ratio(week, [r for r in ratio_rows if r["window_start"] == week], settings)
        rho_sd = rho_row.get("sigma") or 0.0
        week_rows: list[dict[str, Any]] = [base | rho_row]
        report.methods[("ratings_per_download", rho_row["method"])] += 1

        # 2. the published totals of the week and the checks against them (like with like: tracked countries)
        published = {(f["metric"], f["scope"]): f for f in figures if f["window_start"] == week}
        week_rows.extend(base | c for c in _check_rows(week_curves, published, weights))

        def b_scale(c: dict[str, Any], a: float, published=published, week=week) -> tuple[float | None, dict]:
            """The published-totals scale of curve ``c`` at exponent ``a`` and what it was made of."""
            fig = published.get((c["measure"], "global"))
            w = weights.get((c["country"], c["store"], c["measure"]))
            key = (week, c["store"], c["country"], c["chart"], c["genre"])
            denom = scale_denominator(scale_points.get(key, []), a, settings["tail_fraction"], scale_days[key])
            info = {"scale_figures": [fig["figure_id"]] if fig else [], "country_weight": w,
                    "scale_daily_total": fig["daily"] * w if fig and w is not None else None}
            if fig is None or w is None or denom <= 0:
                info["scale_reason"] = ("no published figure" if fig is None else "no country weight" if w is None
                                        else "no short-drama app of the category in this chart")
                return None, info
            return prior_scale(fig["daily"] * w, denom), info

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
                    (r["store_app_id"], r["snapshot_date"], r["obs_key"], r["rank"], r["ratings_per_day"] / rho)
                )

        fitted: dict[tuple, dict[str, Any]] = {}
        pending = []
        for c in week_curves:
            key = (c["store"], c["country"], c["chart"], c["genre"])
            a0, sd0 = priors[(c["store"], c["measure"])]
            obs = _observations(points[key], a0) if key in points else None
            prior_b, scale_info = b_scale(c, a0)
            row = base | {
                "store": c["store"], "country": c["country"], "chart": c["chart"], "genre": c["genre"],
                "measure": c["measure"], "a_prior": a0, "a_prior_sd": sd0, "b_scale": prior_b,
            }  # fmt: skip
            inputs: dict[str, Any] = {
                "ground_truth": None if c["measure"] == "revenue" else
                (IOS_GROUND_TRUTH if c["store"] == "app_store" else PLAY_GROUND_TRUTH),
                **scale_info, "chart_days": c["n_days"], "chart_depth": c["depth"],
                "settings": {k: settings[k] for k in ("min_points", "min_rank_span", "band_z", "tail_fraction",
                                                      "b_prior_log_sd", "calibration_log_sd", "min_curve_log_sd")},
            }  # fmt: skip
            if c["store"] == "app_store" and c["measure"] == "downloads":
                inputs["rho"] = rho
            fit = _try_fit(obs, a0, sd0, settings) if c["measure"] == "downloads" else None
            if fit is not None:
                scale_b, _ = b_scale(c, fit.a)
                positive = obs.values > 0
                is_ios = c["store"] == "app_store"
                count_var = rating_count_var(obs.values[positive] * obs.days[positive] * rho) if is_ios else 0.0
                cs = curve_scale(
                    obs.ranks[positive], obs.values[positive], [k for k, p in zip(obs.keys, positive.tolist(), strict=True) if p], fit.a,
                    measurement_sd=rho_sd if is_ios else 0.0,
                    calibration_sd=settings["calibration_log_sd"], min_scatter=settings["min_curve_log_sd"],
                    b_scale=scale_b, b_prior_sd=settings["b_prior_log_sd"],
                    count_var=count_var,
                    unseen_sd=0.0 if is_ios else settings["play_split_log_sd"],
                )
                row |= {"method": "fit", "a": fit.a, "b": cs.b, "sigma": cs.sigma, "a_fit": fit.a_fit,
                        "b_fit": fit.b_fit, "a_fit_se": _finite(fit.a_fit_se), "r2": fit.r2, "b_scale": scale_b}
                inputs |= {"scatter": cs.scatter, "b_data": math.exp(cs.log_b_data), "se_log_b": cs.se_log_b,
                           "scale_prior_weight": cs.prior_weight, "apps": cs.apps,
                           "measurement_sd": rho_sd if is_ios else 0.0}
                if is_ios:
                    inputs["rating_count_var"] = count_var
                else:
                    inputs["split_log_sd"] = settings["play_split_log_sd"]
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
                row |= _pooled(row, peers, lambda a, c=c: b_scale(c, a)[0])
            else:
                b = row["b_scale"] if row["b_scale"] is not None else PAPER_SCALE[c["measure"]]
                if row["b_scale"] is None:
                    row["inputs"]["scale_figures"] = ["Garg & Telang 2013 b (no published scale for this curve)"]
                sigma = settings["revenue_log_sigma"] if c["measure"] == "revenue" else settings["prior_log_sigma"]
                row |= {"method": "prior", "a": row["a_prior"], "b": b, "sigma": sigma}
        for row in week_rows:
            if row["measure"] in ("downloads", "revenue") and row["method"] in ("fit", "pooled", "prior"):
                report.methods[(row["measure"], row["method"])] += 1
                held_scales[(week, row["store"], row["country"], row["chart"], row["genre"], row["measure"])] = (
                    b_scale(row, row["a"])[0])
                if row.get("obs_keys") and row.get("residuals") is None:  # fits have theirs (head rows)
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
        week_rows.extend(base | r for r in _head_rows(week_rows, settings))
        out.extend(week_rows)
    for row in out:
        row.pop("_n", None)
        row["inputs"] = _json(row["inputs"])
        row.setdefault("n_obs", 0)
        row.setdefault("n_zero", 0)
    return out


def _head_rows(week_rows: list[dict[str, Any]], settings: dict[str, float]) -> list[dict[str, Any]]:
    """One ``head_correction`` row per chart (store, chart, genre): the chart's fitted download curves' mean log
    residual per head rank bucket, pooled over countries (fit.head_correction), which app_estimates.sql applies to
    the ranked rows of that chart's fitted and pooled curves. Per chart, not per store: the head overshoot
    differs between charts (an Entertainment chart's steep fit overshoots its first rank far more than the
    overall chart's), and one store-wide factor under-corrected the one and over-corrected the other."""
    out = []
    charts = sorted({(r["store"], r["chart"], r["genre"]) for r in week_rows
                     if (r.get("measure"), r.get("method")) == ("downloads", "fit") and r.get("residuals")})
    for store, chart, genre in charts:
        ranks, res = [], []
        for row in week_rows:
            if ((row["store"], row["chart"], row["genre"], row["measure"], row.get("method"))
                    == (store, chart, genre, "downloads", "fit") and row.get("residuals")):
                pairs = [(r, e) for r, e in zip(row["obs_ranks"], row["residuals"], strict=True) if e is not None]
                ranks += [r for r, _ in pairs]
                res += [e for _, e in pairs]
        buckets = head_correction(ranks, res, settings["head_prior_n"])
        if not any(n for _, _, n in buckets):
            continue
        out.append({
            "store": store, "country": "all", "chart": chart, "genre": genre, "measure": "downloads",
            "method": "head_correction", "n_obs": sum(n for _, _, n in buckets), "n_zero": 0,
            "obs_ranks": [lo for lo, _, _ in buckets], "residuals": [h for _, h, _ in buckets],
            "inputs": {"ground_truth": "residuals of this week's fitted download curves of the chart, over every "
                                       "country, at the head (effective ranks 1, 2-3, 4-10), shrunk toward 0",
                       "n_per_bucket": [n for _, _, n in buckets], "settings": {"head_prior_n": settings["head_prior_n"]},
                       "applied_to": "ranked rows of the chart's fit and pooled curves: est, low, high x "
                                     "exp(residuals[bucket])"},
        })  # fmt: skip
    return out


def _pooled(row: dict[str, Any], peers: list[dict[str, Any]], scale_at) -> dict[str, Any]:
    """A curve from the same chart's fits in other countries that week (fit.pooled): their a, and their scale
    relative to their own published-totals scale applied to this country's (countries differ in size: pooling b
    itself would give a small market the scale of a large one). Without published scales: their b."""
    shape = ([p["a"] for p in peers], [p["sigma"] for p in peers], [p["_n"] for p in peers])
    own = None
    if all(p.get("b_scale") for p in peers):
        a, ratio, sigma = pooled(shape[0], [p["b"] / p["b_scale"] for p in peers], shape[1], shape[2])
        own = scale_at(a)
    if own is None:
        a, ratio, sigma = pooled(shape[0], [p["b"] for p in peers], shape[1], shape[2])
    row["inputs"]["pooled_from"] = [p["country"] for p in peers]
    return {"method": "pooled", "a": a, "b": ratio * own if own is not None else ratio, "sigma": sigma,
            "b_scale": own if own is not None else row["b_scale"]}


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


def _check_rows(curves: list[dict[str, Any]], published: dict, weights: dict) -> list[dict[str, Any]]:
    """The week's published checks, per measure, store (all | app_store | google_play) and geography (tracked |
    us): the published daily figure times the weight of exactly the countries and stores the estimates cover."""
    rows = []
    covered = {(c["measure"], c["store"], c["country"]) for c in curves}
    for measure in ("downloads", "revenue"):
        fig = published.get((measure, "global"))
        if fig is None:
            continue
        for store in ("all", "app_store", "google_play"):
            for geo in ("tracked", "us"):
                cells = [(s, c) for m, s, c in covered if m == measure and store in ("all", s)
                         and (geo == "tracked" or c == "us")]
                if not cells:
                    continue
                share = math.fsum(weights.get((c, s, measure), 0.0) for s, c in sorted(cells))
                figs, reference = [fig], fig["daily"] * share
                us_fig = published.get((measure, "us"))
                if geo == "us" and store == "all" and us_fig is not None:  # the published US figure itself
                    figs, reference = [us_fig], us_fig["daily"]
                    share = 1.0
                rows.append({
                    "store": store, "country": geo, "chart": "market_totals", "genre": "all", "measure": measure,
                    "method": "check_published", "reference_value": reference, "n_obs": 0, "n_zero": 0,
                    "inputs": {"figures": [x["figure_id"] for x in figs], "vendors": [x["vendor"] for x in figs],
                               "tracked_share": share, "countries": sorted({c for _, c in cells}),
                               "note": "estimated_value: the estimates' daily short-drama total over these countries "
                                       "and stores; reference_value: the published daily figure x tracked_share"},
                })  # fmt: skip
    return rows


def _hold_flagged_weeks(conn: duckdb.DuckDBPyConnection, settings: dict[str, float], held_scales: dict) -> bool:
    """Flag the refresh weeks whose estimated total of a store disagrees with the published one by more than
    ``flag_factor`` (or moved by more than it since the previous week while the published reference did not),
    and hold that store's fitted and pooled curves of the week to the published scale. True if any was held."""
    factor = settings["flag_factor"]
    checks = _rows(conn, "check_rows.sql")
    weeks = sorted({r["window_start"] for r in _rows(conn, "curves.sql")})
    by_key = {(r["window_start"], r["store"], r["country"], r["measure"]): r for r in checks}
    flagged: list[dict[str, Any]] = []
    for week in weeks:
        for r in (r for r in checks if r["window_start"] == week and r["country"] == "tracked"):
            est, ref = r["estimated_value"], r["reference_value"]
            if not est or not ref:
                continue
            ratio = est / ref
            reason = None
            if ratio > factor or ratio < 1 / factor:
                reason = (f"estimated {r['store']} {r['measure']} total {est:,.0f}/day is {ratio:.2f}x the published "
                          f"figure's share for the tracked countries ({ref:,.0f}/day; flag factor {factor:g})")
            prev = by_key.get((week - timedelta(days=7), r["store"], "tracked", r["measure"]))
            if reason is None and prev and prev["estimated_value"] and prev["reference_value"]:
                move = ratio / (prev["estimated_value"] / prev["reference_value"])
                if move > factor or move < 1 / factor:
                    reason = (f"estimated {r['store']} {r['measure']} total moved {move:.2f}x from the previous week "
                              f"while the published reference did not (flag factor {factor:g})")
            if reason:
                flagged.append({"window_start": week, "store": r["store"], "measure": r["measure"],
                                "country": "tracked", "reason": reason})
    if not flagged:
        return False
    # the stores to hold: those flagged on their own; both when only their sum was
    stores = {(f["window_start"], f["measure"]): set() for f in flagged}
    for f in flagged:
        if f["store"] != "all":
            stores[(f["window_start"], f["measure"])].add(f["store"])
    for held_stores in stores.values():
        if not held_stores:
            held_stores |= {"app_store", "google_play"}
    held = []
    for (week, store, country, chart, genre, measure), b in sorted(held_scales.items()):
        if b is not None and store in stores.get((week, measure), set()):
            reason = "; ".join(f["reason"] for f in flagged if f["window_start"] == week and f["measure"] == measure)
            held.append({"window_start": week, "store": store, "country": country, "chart": chart, "genre": genre,
                         "measure": measure, "b": b, "sigma": settings["prior_log_sigma"],
                         "reason": f"held to the published scale: {reason}"})
    _run_with(conn, "hold_curves.sql", flagged_checks=pa.Table.from_pylist(flagged),
              held_curves=pa.Table.from_pylist(held, schema=pa.schema([
        ("window_start", pa.date32()), ("store", pa.string()), ("country", pa.string()), ("chart", pa.string()),
        ("genre", pa.string()), ("measure", pa.string()), ("b", pa.float64()), ("sigma", pa.float64()),
        ("reason", pa.string())])))
    return True


def _follow_downloads(conn: duckdb.DuckDBPyConnection, settings: dict[str, float]) -> bool:
    """Scale each refresh week's revenue curves of a store by that store's market factor: its estimated downloads
    over the tracked countries / the published downloads figure's share for them (check_published), to the power
    ``revenue_follows_downloads`` and capped at ``flag_factor``. Revenue has no public signal of its own; the
    download signals say how far this week's market is from the published one, and revenue per download is held
    at the published ratio. True if any curve was rescaled."""
    power = settings.get("revenue_follows_downloads", 0.0)
    if not power:
        return False
    factor_cap = settings["flag_factor"]
    weeks = {r["window_start"] for r in _rows(conn, "curves.sql")}
    factors = []
    for r in _rows(conn, "check_rows.sql"):
        if (r["window_start"] not in weeks or r["country"] != "tracked" or r["measure"] != "downloads"
                or r["store"] == "all" or not r["estimated_value"] or not r["reference_value"]):
            continue
        ratio = r["estimated_value"] / r["reference_value"]
        factor = min(max(ratio**power, 1 / factor_cap), factor_cap)
        factors.append({"window_start": r["window_start"], "store": r["store"], "factor": factor,
                        "source": f"estimated {r['store']} downloads {r['estimated_value']:,.0f}/day vs published "
                                  f"share {r['reference_value']:,.0f}/day (ratio {ratio:.3f}, power {power:g})"})
    if not factors:
        return False
    _run_with(conn, "follow_downloads.sql", market_factors=pa.Table.from_pylist(factors, schema=pa.schema([
        ("window_start", pa.date32()), ("store", pa.string()), ("factor", pa.float64()), ("source", pa.string())])))
    return True
