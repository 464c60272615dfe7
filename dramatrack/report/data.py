"""The report's data: named read-only queries (``warehouse/queries/report_*.sql``) on the analysts' snapshot."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from warehouse import connection
from warehouse.queries import run_query

STORES = ("app_store", "google_play", "both")


class ReportError(Exception):
    """A problem the user can fix (no snapshot, unknown geography, empty marts): one line, no traceback."""


@dataclass(frozen=True)
class Selection:
    """What the report shows: a store (or both) and a geography (a country, a region, or global)."""

    store: str = "both"
    geo_level: str = "global"
    geo: str = "global"
    weeks: int = 12
    top_apps: int = 8
    heat_apps: int = 20
    movers: int = 15

    def params(self) -> dict[str, Any]:
        return {"store": self.store, "geo_level": self.geo_level, "geo": self.geo, "weeks": self.weeks,
                "top_apps": self.top_apps, "heat_apps": self.heat_apps, "movers": self.movers}  # fmt: skip


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict[str, Any]]:
        """JSON-ready dicts (dates as ISO strings, decimals as floats)."""
        return [{c: _jsonable(v) for c, v in zip(self.columns, row, strict=True)} for row in self.rows]


@dataclass
class ReportData:
    selection: Selection
    snapshot_path: Path
    snapshot_mtime: dt.datetime
    last_day: str | None
    share: Table
    trends: Table
    heatmap: Table
    movers: Table
    reference: Table = field(default_factory=lambda: Table([], []))  # published downloads per week, scaled
    flags: Table = field(default_factory=lambda: Table([], []))  # estimates flagged in the weeks shown
    notes: list[str] = field(default_factory=list)
    chart_notes: dict[str, list[str]] = field(default_factory=dict)  # shown next to one chart


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def run_named(conn: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> Table:
    """Run ``warehouse/queries/<name>.sql`` (one statement) with the named parameters it uses."""
    columns, rows = run_query(conn, name, params)
    return Table(columns, rows)


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the snapshot; a :class:`ReportError` if it is missing or unreadable."""
    try:
        return connection.open_snapshot(path)
    except FileNotFoundError as exc:
        raise ReportError(f"no analytics snapshot at {path}: run the pipeline (`dramatrack demo` or `dramatrack run`) "
                          "to build the marts and publish it") from exc  # fmt: skip
    except duckdb.Error as exc:
        raise ReportError(f"cannot open the analytics snapshot {path}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def resolve_selection(conn: duckdb.DuckDBPyConnection, *, store: str, geo: str, weeks: int,
                      **sizes: int) -> tuple[Selection, str | None]:
    """Check the store and map ``geo`` (a country code, a region, or ``global``) to the mart's geo_level."""
    if store not in STORES:
        raise ReportError(f"unknown store {store!r}; one of {', '.join(STORES)}")
    if weeks < 1:
        raise ReportError("--weeks must be at least 1")
    try:
        geos = run_named(conn, "report_geos")
    except duckdb.CatalogException as exc:
        raise ReportError(f"the snapshot has no usable marts ({_first_line(exc)}); rebuild them") from exc
    if not geos.rows:
        raise ReportError("marts.market_share_top is empty in the snapshot: load some days and build the marts")
    wanted = geo.strip().lower()
    levels = {g: level for level, g, _, _ in geos.rows}
    if wanted not in levels:
        regions = sorted(g for g, level in levels.items() if level == "region")
        countries = sorted(g for g, level in levels.items() if level == "country")
        raise ReportError(f"no data for {geo!r}: use global, a region ({', '.join(regions)}) "
                          f"or a country ({', '.join(countries)})")  # fmt: skip
    last_day = geos.rows[0][3]
    selection = Selection(store=store, geo_level=levels[wanted], geo=wanted, weeks=weeks, **sizes)
    return selection, (last_day.isoformat() if last_day else None)


def load_report_data(conn: duckdb.DuckDBPyConnection, selection: Selection, snapshot_path: Path,
                     last_day: str | None, step=lambda name: None) -> ReportData:
    """Run the report queries; ``step(name)`` is called after each (progress)."""
    params = selection.params()
    tables = {}
    for key, name in (("share", "report_share_weekly"), ("trends", "report_download_trends"),
                      ("heatmap", "report_rank_heatmap"), ("movers", "report_movers"),
                      ("reference", "report_published_downloads")):  # fmt: skip
        tables[key] = run_named(conn, name, params)
        step(name)
    tables["flags"] = estimate_flags(conn, selection)
    step("report_estimate_flags")
    mtime = dt.datetime.fromtimestamp(snapshot_path.stat().st_mtime, tz=dt.UTC)
    data = ReportData(selection=selection, snapshot_path=snapshot_path, snapshot_mtime=mtime, last_day=last_day,
                      **tables)  # fmt: skip
    if not data.share.rows:
        data.notes.append("No weekly market share for this selection.")
    if not data.trends.rows:
        data.notes.append("No download estimates for this selection.")
    data.chart_notes["download_trends"] = flag_notes(data.flags)
    return data


def estimate_flags(conn: duckdb.DuckDBPyConnection, selection: Selection) -> Table:
    """The estimator's flags in the weeks shown; empty while core.estimate_params has no ``flagged`` column."""
    (has_column,) = run_named(conn, "report_estimate_flag_column").rows[0]
    if not has_column:
        return Table(["iso_week", "week_start", "measure", "flag_reason", "scopes"], [])
    return run_named(conn, "report_estimate_flags", selection.params())


def flag_notes(flags: Table) -> list[str]:
    """One line per flagged week, measure and reason."""
    return [f"Flagged estimates, {r['iso_week']} {r['measure']} (scope {r['scopes']}): {r['flag_reason']}"
            for r in flags.records()]
