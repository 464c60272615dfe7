"""The task-level Airflow notifier that turns a failed validation into alerts.

Attach it to a task (``on_failure_callback=[ValidationAlertNotifier()]``), not to the DAG: a DAG-level
notifier crashes under ``dag.test()`` in Airflow 3.3 (apache/airflow#64649). DAG files import this module
at parse time, so only ``airflow.sdk`` is imported here; everything heavy is imported inside ``notify``.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseNotifier


class ValidationAlertNotifier(BaseNotifier):
    """Alert on the failed batches of the run's validation report (the XCom of ``report_task_id``).

    Sends once per target per failure: calling it again for the same failure (a retry, a re-run) finds the
    ``sent`` rows in ``ops.alerts`` and sends nothing.
    """

    template_fields = ()

    def __init__(self, report_task_id: str = "stage_and_validate") -> None:
        super().__init__()
        self.report_task_id = report_task_id

    def report_path(self, context: Any) -> str | None:
        ti = context.get("ti") or context.get("task_instance")
        if ti is None:
            return None
        path = ti.xcom_pull(task_ids=self.report_task_id)
        return str(path) if path else None

    def notify(self, context: Any) -> dict[str, str] | None:
        import json
        from pathlib import Path

        from dramatrack.alerts.dispatch import dispatch_alert
        from dramatrack.alerts.message import alerts_by_cause
        from dramatrack.settings import get_settings

        path = self.report_path(context)
        if not path or not Path(path).is_file():
            self.log.warning("no validation report from task %s: nothing to alert on", self.report_task_id)
            return None
        alerts = alerts_by_cause(json.loads(Path(path).read_text(encoding="utf-8")))
        if not alerts:
            self.log.info("every batch of the validation report passed: no alert")
            return None
        results: dict[str, str] = {}
        for alert in alerts:  # one alert per origin and cause, listing its batches and items
            sent = dispatch_alert(alert, get_settings())
            self.log.info("alert %s (%s): %s", alert.alert_key[:12], alert.summary[:120], sent)
            if len(alerts) == 1:
                return sent
            results.update({f"{alert.alert_key[:12]}:{target}": status for target, status in sent.items()})
        return results
