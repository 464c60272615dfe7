"""Daily App Store ingest: top charts and iTunes Lookups for every configured country, archived to WARC.

Emits `raw_app_store` with the batch manifests; `stage_validate_load` runs on it.
Params: `countries` (list, default all configured), `replay` (a WARC file or folder: answer from the
archive instead of the network), `date` (ISO day to collect; default the logical date).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task

from dramatrack.assets import RAW_APPSTORE

with DAG(
    dag_id="appstore_ingest",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["dramatrack", "app_store", "ingest"],
    doc_md=__doc__,
    params={
        "countries": Param(None, type=["null", "array"], description="ISO country codes; default: all configured"),
        "replay": Param(None, type=["null", "string"], description="WARC file or folder to replay instead of fetching"),
        "date": Param(None, type=["null", "string"], description="Day to collect (YYYY-MM-DD); default logical date"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10), "retry_exponential_backoff": True},
):

    @task(outlets=[RAW_APPSTORE], execution_timeout=timedelta(hours=2))
    def fetch_and_archive(**context):
        from dramatrack.pipeline import tasks

        return (yield from tasks.ingest(context, RAW_APPSTORE))

    fetch_and_archive()
