"""The marts step: estimates and marts from core, in full or incrementally, in one transaction.

Build order (all in one transaction; a failure leaves every table as it was):

1. ``warehouse/estimates/sql/scope.sql``: what to recompute (TEMP tables ``refresh_mode``, ``refresh_weeks``,
   ``refresh_share_periods``). A full build covers every week with data; an incremental one only what the
   changed snapshot dates can affect (see the file and docs/methodology.md).
2. ``warehouse.estimates.run.refresh_estimates``: the fits of the refresh weeks → ``core.estimate_params``,
   then ``core.app_estimates`` and the checks.
3. ``warehouse/marts/*.sql`` in name order: the chart-presence share ``marts.market_share``.
4. ``warehouse/marts/incremental/*.sql`` in name order: ``marts.download_trends``, ``marts.rank_movers``,
   ``marts.market_share_top`` (later files read earlier ones).

An incremental build gives exactly the tables a full build gives (tests/test_marts.py compares hashes).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import run_sql, transaction
from warehouse.estimates.run import refresh_estimates

MARTS_DIR = Path(__file__).resolve().parent / "marts"
INCREMENTAL_DIR = MARTS_DIR / "incremental"
ESTIMATES_SQL = Path(__file__).resolve().parent / "estimates" / "sql"
SQL_DIR = Path(__file__).resolve().parent / "sql"
DEFAULT_TOP_N = 10


@dataclass
class MartsBuild:
    """What one build did."""

    full: bool
    changed_dates: list[date]
    mart_files: list[str]  # warehouse/marts/*.sql run
    incremental_files: list[str]  # warehouse/marts/incremental/*.sql run
    estimates: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "full": self.full,
            "changed_dates": [d.isoformat() for d in self.changed_dates],
            "files": self.mart_files + [f"incremental/{n}" for n in self.incremental_files],
            "estimates": self.estimates,
            "seconds": round(self.seconds, 3),
        }


def _dates(changed_dates: Iterable[date | str]) -> list[date]:
    return sorted({d if isinstance(d, date) else date.fromisoformat(str(d)[:10]) for d in changed_dates})


def refresh_marts(
    conn: duckdb.DuckDBPyConnection,
    changed_dates: Iterable[date | str] | None = None,
    *,
    top_n: int = DEFAULT_TOP_N,
) -> MartsBuild:
    """Rebuild the estimates and marts: everything (``changed_dates=None``), or only the periods the given
    snapshot dates touch (the days, their ISO weeks and months, and the 7/28-day windows after them), plus
    the days loads re-keyed facts on since the last build (``ops.marts_pending_dates``, cleared here).

    ``top_n`` (apps per group of marts.market_share_top) must be the same for every build of a warehouse;
    after changing it, run a full build.
    """
    if top_n < 1:
        raise ValueError("top_n must be at least 1")
    full = changed_dates is None
    dates = [] if full else _dates(changed_dates)
    started = time.perf_counter()
    marts = sorted(MARTS_DIR.glob("*.sql"))
    incremental = sorted(INCREMENTAL_DIR.glob("*.sql"))
    with transaction(conn):
        if not full:  # days whose facts a load moved to another product change too
            pending = run_sql(conn, SQL_DIR / "marts_pending_dates.sql").fetchall()
            dates = _dates([*dates, *(d for (d,) in pending)])
        run_sql(conn, ESTIMATES_SQL / "scope.sql", {"full": full, "changed": dates, "top_n": top_n})
        estimates = refresh_estimates(conn)
        for path in marts + incremental:
            run_sql(conn, path)
        run_sql(conn, ESTIMATES_SQL / "scope_drop.sql")
        run_sql(conn, SQL_DIR / "marts_pending_dates_clear.sql")
    return MartsBuild(
        full=full, changed_dates=dates, mart_files=[p.name for p in marts],
        incremental_files=[p.name for p in incremental], estimates=estimates.as_dict(),
        seconds=time.perf_counter() - started,
    )  # fmt: skip


def build_marts(
    conn: duckdb.DuckDBPyConnection,
    changed_dates: Iterable[date | str] | None = None,
    *,
    top_n: int = DEFAULT_TOP_N,
) -> list[str]:
    """Rebuild the estimates and every mart (see :func:`refresh_marts`); return the ``warehouse/marts/*.sql``
    file names run (the steps in ``warehouse/marts/incremental`` are listed by ``refresh_marts``)."""
    return refresh_marts(conn, changed_dates, top_n=top_n).mart_files
