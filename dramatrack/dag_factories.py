"""DAG builders shared by several DAG files (wiring only: schedules, params, assets, retries)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, CronTriggerTimetable, Param, task


def _start_date() -> pendulum.DateTime:
    """Every DAG's start_date (``DRAMATRACK_DAG_START_DATE``, default 2000-01-01: a day before any store chart
    existed, so a back-fill of any past day runs; a logical date before start_date makes Airflow create the run
    and schedule no task). catchup=False everywhere: a scheduler unpausing a DAG creates at most the latest
    scheduled run since then."""
    from dramatrack.settings import get_settings

    day = get_settings().dag_start_date
    return pendulum.datetime(day.year, day.month, day.day, tz="UTC")


DAG_START_DATE = _start_date()


def ingest_schedule(source: str, cron: str) -> AssetOrTimeSchedule | str:
    """The cron as a floor, or any event of the source's watched assets (chart feed changed, inbox item); a
    source without watchers runs on the cron alone.

    ``DRAMATRACK_INGEST_FLOOR_CRON`` (``{"source": "cron"}``) overrides the cron where the DAG is parsed.
    """
    from dramatrack.assets import WATCHED
    from dramatrack.settings import get_settings

    floor = get_settings().ingest_floor_cron.get(source) or cron
    if source not in WATCHED:
        return floor
    feed, inbox = WATCHED[source]
    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(floor, timezone="UTC"), assets=feed | inbox)


def ingest_dag(*, dag_id: str, source: str, asset: Asset, schedule: str, doc_md: str,
               execution_timeout: timedelta = timedelta(hours=2), queue: str | None = None) -> DAG:
    """An ingest DAG: one task that fetches (or replays) and archives ``source`` and emits ``asset``.

    Runs daily at ``schedule`` (a cron, UTC) and whenever the source's watchers fire; a watcher-started run
    takes its day, countries and replay path from the event (``dramatrack.pipeline.tasks.ingest``).
    """
    with DAG(
        dag_id=dag_id,
        schedule=ingest_schedule(source, schedule),
        start_date=DAG_START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["dramatrack", source, "ingest"],
        doc_md=doc_md,
        params={
            "countries": Param(None, type=["null", "array"], description="ISO country codes; default: all configured"),
            "replay": Param(None, type=["null", "string"],
                            description="WARC file or folder to replay instead of fetching"),
            "date": Param(None, type=["null", "string"], description="Day to collect (YYYY-MM-DD); default logical date"),
        },
        default_args={"retries": 2, "retry_delay": timedelta(minutes=10), "retry_exponential_backoff": True},
    ) as dag:
        extra = {"queue": queue} if queue else {}

        @task(outlets=[asset], execution_timeout=execution_timeout, **extra)
        def fetch_and_archive(**context):
            from dramatrack.pipeline import tasks

            return (yield from tasks.ingest(source, context, asset))

        fetch_and_archive()
    return dag
