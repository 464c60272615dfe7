"""Rebuild the marts whenever the core tables change, then publish the analysts' read-only snapshot.

Then look for market events on the days the build covered: short-drama apps that entered a tracked chart or
moved at least `rank_jump_threshold` ranks (dramatrack/market_events.py). New ones are emitted as one
`market_events` asset event listing the apps (`app_deep_dive` runs on it); with nothing new the task is
skipped and emits nothing.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, task

from dramatrack.assets import CORE_TABLES, DUCKDB_WRITER_POOL, MARKET_EVENTS, MARTS
from dramatrack.dag_factories import DAG_START_DATE

with DAG(
    dag_id="marts_build",
    schedule=CORE_TABLES,
    start_date=DAG_START_DATE,
    catchup=False,
    tags=["dramatrack", "marts"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
):

    @task(pool=DUCKDB_WRITER_POOL, outlets=[MARTS])
    def build_marts(**context):
        from dramatrack.pipeline import tasks

        return (yield from tasks.build_marts(context, MARTS))

    @task(pool=DUCKDB_WRITER_POOL, outlets=[MARKET_EVENTS])
    def detect_market_events(build_summary: dict):
        from dramatrack.pipeline import tasks

        return (yield from tasks.detect_market_events(build_summary, MARKET_EVENTS))

    detect_market_events(build_marts())
