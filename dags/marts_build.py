"""Rebuild the marts whenever the core tables change, then publish the analysts' read-only snapshot."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task

from dramatrack.assets import CORE_TABLES, DUCKDB_WRITER_POOL, MARTS

with DAG(
    dag_id="marts_build",
    schedule=CORE_TABLES,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["dramatrack", "marts"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
):

    @task(pool=DUCKDB_WRITER_POOL, outlets=[MARTS])
    def build_marts(**context):
        from dramatrack.pipeline import tasks

        return (yield from tasks.build_marts(context, MARTS))

    build_marts()
