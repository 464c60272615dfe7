"""A batch's fill rates against recent days: a field the marts and estimates read (``FILL_RATE_FIELDS``) that
far fewer of the batch's rows carry than on the recent loaded days of its store and country is a layout change
(the field renamed or moved in most answers), even when the batch still clears the ``MIN_FILL_RATE`` floor.

Pure pandas; the baselines (median daily fill rate, number of days) come from the warehouse's snapshot
(``warehouse/queries/recent_fill_rates.sql``), looked up by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from expectations.suites import FILL_DRIFT_MIN_DAYS, FILL_DRIFT_MIN_ROWS, FILL_DRIFT_RATIO, FILL_RATE_FIELDS

if TYPE_CHECKING:
    import pandas as pd

Baselines = Mapping[str, Mapping[str, tuple[float, int]]]  # batch id -> field -> (median rate, days)


def fill_rate_drops(frame: pd.DataFrame, suite: str, baselines: Baselines,
                    group_column: str = "batch_id") -> dict[str, list[str]]:
    """Batch id -> one line per field whose fill rate in the batch is under ``FILL_DRIFT_RATIO`` × its baseline,
    e.g. ``app_store:2026-11-08:gb: user_rating_count filled in 30% of 39 rows, under 50% of its median of 100%
    over the last 7 loaded days (a layout change?)``. Batches under ``FILL_DRIFT_MIN_ROWS`` rows, and baselines of fewer than
    ``FILL_DRIFT_MIN_DAYS`` days, are not judged (too little to tell a change from noise)."""
    out: dict[str, list[str]] = {}
    if frame.empty:
        return out
    for batch_id, rows in frame.groupby(group_column, sort=True):
        recent = baselines.get(str(batch_id)) or {}
        if len(rows) < FILL_DRIFT_MIN_ROWS:
            continue
        for field in FILL_RATE_FIELDS[suite]:
            baseline, days = recent.get(field, (None, 0))
            if baseline is None or days < FILL_DRIFT_MIN_DAYS:
                continue
            rate = float(rows[field].notna().mean()) if field in rows.columns else 0.0
            if rate < FILL_DRIFT_RATIO * baseline:
                out.setdefault(str(batch_id), []).append(
                    f"{batch_id}: {field} filled in {rate:.0%} of {len(rows)} rows, under "
                    f"{FILL_DRIFT_RATIO:.0%} of its median of {baseline:.0%} over the last {days} loaded days "
                    "(a layout change?)")
    return out
