"""Alerts for estimate weeks flagged by the published check (warehouse/estimates/run.py): one per week and
target, through the same notifier and ``ops.alerts`` as failed validations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dramatrack.alerts.message import Alert, estimates_flagged_alert
from dramatrack.settings import Settings


def flagged_week_alerts(conn: Any, weeks: list[str], now: datetime | None = None) -> list[Alert]:
    """One alert per week among ``weeks`` (ISO dates of Mondays) with a flagged published check."""
    from warehouse.connection import run_sql

    cursor = run_sql(conn, "alert_flagged_estimates.sql", {"weeks": weeks})
    cols = [d[0] for d in cursor.description]
    by_week: dict[str, list[dict[str, Any]]] = {}
    for row in cursor.fetchall():
        r = dict(zip(cols, row, strict=True))
        by_week.setdefault(r["week"], []).append(r)
    now = now or datetime.now(UTC)
    return [estimates_flagged_alert(week, checks, now) for week, checks in sorted(by_week.items())]


def alert_flagged_weeks(settings: Settings, weeks: list[str], conn_targets: dict[str, Any] | None = None
                        ) -> dict[str, dict[str, str]]:
    """Dispatch the alerts of the flagged weeks among ``weeks``; ``{week: {target: status}}``."""
    from dramatrack.alerts.dispatch import dispatch_alert, with_warehouse

    alerts = with_warehouse(settings, lambda conn: flagged_week_alerts(conn, weeks))
    return {a.snapshot_dates[0]: dispatch_alert(a, settings, conn_targets=conn_targets) for a in alerts}
