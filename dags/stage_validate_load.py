"""Stage, validate (Great Expectations) and load every landed raw batch into the DuckDB core tables.

Scheduled on the raw assets. Failed batches are quarantined (`ops.quarantine`) and the run fails
visibly after the good batches have loaded. Loads hold the one-slot `duckdb_writer` pool.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, task

from dramatrack.alerts.notifier import ValidationAlertNotifier
from dramatrack.assets import CORE_TABLES, DUCKDB_WRITER_POOL, RAW_APPSTORE, RAW_GOOGLE_PLAY, RAW_NEWS
from dramatrack.dag_factories import DAG_START_DATE

with DAG(
    dag_id="stage_validate_load",
    schedule=RAW_APPSTORE | RAW_GOOGLE_PLAY | RAW_NEWS,
    start_date=DAG_START_DATE,
    catchup=False,
    tags=["dramatrack", "validate", "load"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
):

    @task
    def stage_and_validate(**context) -> str:
        from dramatrack.pipeline import tasks

        return tasks.stage_and_validate(context)

    @task(pool=DUCKDB_WRITER_POOL, outlets=[CORE_TABLES])
    def load(report_path: str):
        from dramatrack.pipeline import tasks

        return (yield from tasks.load(report_path, CORE_TABLES))

    @task(retries=0, on_failure_callback=[ValidationAlertNotifier()])
    def fail_on_quarantine(report_path: str) -> None:
        from dramatrack.pipeline import tasks

        tasks.fail_on_quarantine(report_path)

    report = stage_and_validate()
    load(report) >> fail_on_quarantine(report)
