"""The Airflow assets that chain the pipeline: a landed batch triggers the next stage.

Kept free of heavy imports: every DAG file imports this at parse time. The graph is drawn in
docs/orchestration.md (``docs/make_asset_graph.py`` builds it from the DAGs).

Watched assets (``watchers=``) are updated by triggers in the triggerer, not by tasks: the chart-feed
watchers fire when a source's chart changed, the inbox watchers when a WARC file or a re-run request was
dropped into ``<data_dir>/inbox/`` (docs/orchestration.md). The ingest DAGs run on them, with the daily cron
as a floor.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetWatcher

from dramatrack.watchers.triggers import ChartFeedTrigger, InboxTrigger

RAW_APPSTORE = Asset(uri="dramatrack://raw/app_store", name="raw_app_store")
RAW_GOOGLE_PLAY = Asset(uri="dramatrack://raw/google_play", name="raw_google_play")
RAW_NEWS = Asset(uri="dramatrack://raw/news", name="raw_news")
CORE_TABLES = Asset(uri="dramatrack://warehouse/core", name="warehouse_core")
MARTS = Asset(uri="dramatrack://warehouse/marts", name="warehouse_marts")

RAW_ASSETS = [RAW_APPSTORE, RAW_GOOGLE_PLAY, RAW_NEWS]


def _watched(source: str, what: str, trigger) -> Asset:
    return Asset(uri=f"dramatrack://watch/{source}/{what}", name=f"{source}_{what}",
                 watchers=[AssetWatcher(name=f"{source}_{what}_watcher", trigger=trigger)])


# A source's chart feed changed (ChartFeedTrigger), or its inbox received an item (InboxTrigger).
APPSTORE_FEED = _watched("app_store", "chart_feed", ChartFeedTrigger(source="app_store"))
GOOGLE_PLAY_FEED = _watched("google_play", "chart_feed", ChartFeedTrigger(source="google_play"))
APPSTORE_INBOX = _watched("app_store", "inbox", InboxTrigger(source="app_store"))
GOOGLE_PLAY_INBOX = _watched("google_play", "inbox", InboxTrigger(source="google_play"))
WATCHED = {"app_store": (APPSTORE_FEED, APPSTORE_INBOX), "google_play": (GOOGLE_PLAY_FEED, GOOGLE_PLAY_INBOX)}

# New short-drama entrants and rank jumps found after a marts build (dramatrack/market_events.py).
MARKET_EVENTS = Asset(uri="dramatrack://events/market", name="market_events")
# The store pages (and news) app_deep_dive fetched for the apps of a market event, archived to WARC.
RAW_DEEP_DIVE = Asset(uri="dramatrack://raw/deep_dive", name="raw_deep_dive")

# One Airflow pool with one slot serialises every DuckDB write (DuckDB allows one writer process per file).
DUCKDB_WRITER_POOL = "duckdb_writer"
