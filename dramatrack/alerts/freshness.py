"""Freshness: a source whose latest loaded batch is older than its window (``settings.freshness_hours``) alerts.

Judged on ``ops.load_batches.loaded_at`` (when the pipeline last loaded a batch of the source). A source
with attempts but no loaded batch at all is stale; a source with no attempt at all (not running yet) is not
checked. Stale alerts are keyed per source per UTC day, so an hourly check alerts each target once a day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dramatrack.alerts.message import Alert, stale_source_alert
from dramatrack.settings import Settings


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stale_sources(conn: Any, settings: Settings, now: datetime) -> list[Alert]:
    """One alert per checked source with no batch loaded within its freshness window at ``now``."""
    from warehouse.connection import run_sql

    now = _aware(now) or datetime.now(UTC)
    rows = {r[0]: r[1:] for r in run_sql(conn, "alert_source_freshness.sql").fetchall()}
    alerts = []
    for source, hours in sorted(settings.freshness_hours.items()):
        if not hours or hours <= 0 or source not in rows:
            continue
        last_loaded_at, last_batch, last_date, _last_attempt = rows[source]
        last_loaded_at = _aware(last_loaded_at)
        if last_loaded_at is not None and now - last_loaded_at <= timedelta(hours=hours):
            continue
        alerts.append(stale_source_alert(source, hours, now, last_loaded_at=last_loaded_at,
                                         last_batch_id=last_batch, last_snapshot_date=last_date))
    return alerts


def check_freshness(settings: Settings, now: datetime | None = None,
                    conn_targets: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """Find the stale sources and dispatch their alerts; ``{source: {target: status}}``."""
    from dramatrack.alerts.dispatch import dispatch_alert, with_warehouse

    now = _aware(now) or datetime.now(UTC)
    alerts = with_warehouse(settings, lambda conn: stale_sources(conn, settings, now))
    return {a.source: dispatch_alert(a, settings, conn_targets=conn_targets) for a in alerts}
