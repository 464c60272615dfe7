"""Deep dive on the apps of a market event (a new short-drama chart entrant or a rank jump).

Scheduled on `market_events` (emitted by `marts_build`). Fetches, at once, each app's App Store lookups and
Google Play details pages (the fetch plans' own request builders; every storefront the app had an event in,
and both stores of one product) and news searches (when extractors/news.py exists), each archived to WARC
under `<data_dir>/raw/deep_dive/<date>/`. Then records new (non-catalog) apps in `catalog/candidates.yaml`,
writes the deep-dive report and sends a "market event" notice (dramatrack.alerts, kind `market_event`).

`DRAMATRACK_DEEP_DIVE_FETCH`: `auto` (default: answer from the events' own archive when they came from
replayed batches, so a demo or back-fill never reaches the network; live otherwise), `live`, `archive`, `off`.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, task

from dramatrack.assets import DUCKDB_WRITER_POOL, MARKET_EVENTS, RAW_DEEP_DIVE
from dramatrack.dag_factories import DAG_START_DATE

with DAG(
    dag_id="app_deep_dive",
    schedule=MARKET_EVENTS,
    start_date=DAG_START_DATE,
    catchup=False,
    tags=["dramatrack", "market_events", "deep_dive"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
):

    # One task per store, on the store's queue (per-host politeness holds across Celery workers); they run
    # side by side, with the news searches.
    @task(queue="appstore", execution_timeout=timedelta(minutes=30))
    def fetch_app_store(**context) -> dict:
        from dramatrack.pipeline import tasks

        return tasks.deep_dive_fetch(context, "app_store")

    @task(queue="google_play", execution_timeout=timedelta(minutes=30))
    def fetch_google_play(**context) -> dict:
        from dramatrack.pipeline import tasks

        return tasks.deep_dive_fetch(context, "google_play")

    @task(execution_timeout=timedelta(minutes=30))
    def fetch_news(**context) -> dict:
        from dramatrack.pipeline import tasks

        return tasks.deep_dive_news(context)

    @task(pool=DUCKDB_WRITER_POOL, outlets=[RAW_DEEP_DIVE])
    def record_deep_dive(app_store: dict, google_play: dict, news: dict, **context):
        from dramatrack.pipeline import tasks

        return (yield from tasks.deep_dive_record(context, [app_store, google_play, news], RAW_DEEP_DIVE))

    record_deep_dive(fetch_app_store(), fetch_google_play(), fetch_news())
