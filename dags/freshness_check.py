"""Hourly freshness check: a source with no batch loaded within its window alerts (once per source per day).

Windows are ``DRAMATRACK_FRESHNESS_HOURS`` (``{"app_store": 36, "google_play": 36, "news": 6}`` by default);
targets and dedupe are those of every DramaTrack alert (docs/alerts.md). Records in ``ops.alerts``, so the
task holds the one-slot ``duckdb_writer`` pool.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, task

from dramatrack.assets import DUCKDB_WRITER_POOL
from dramatrack.dag_factories import DAG_START_DATE

with DAG(
    dag_id="freshness_check",
    schedule="@hourly",
    start_date=DAG_START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["dramatrack", "alerts"],
    doc_md=__doc__,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
):

    @task(pool=DUCKDB_WRITER_POOL)
    def check_freshness() -> dict:
        from dramatrack.alerts.freshness import check_freshness as run
        from dramatrack.settings import get_settings

        return run(get_settings())

    check_freshness()
