"""Airflow DAG — hourly news ingest: Google News RSS searches (every catalog app and the market topics) in each
configured edition (en-US, zh-CN by default) and the industry RSS/Atom feeds, archived to WARC.

One batch per edition per day (`news:<date>:<edition>`; the hourly runs of a day upsert the same batch).
Emits `raw_news` with the batch manifests; `stage_validate_load` runs on it, where the stories are
deduplicated, their app mentions and reported figures extracted, and a bad feed is quarantined alone.
Params: `replay` (a WARC file or folder), `date` (ISO day; default the logical date). `countries` does not
apply: editions come from `DRAMATRACK_NEWS_EDITIONS`.
"""

from __future__ import annotations

from datetime import timedelta

from dramatrack.assets import RAW_NEWS
from dramatrack.dag_factories import ingest_dag

dag = ingest_dag(dag_id="news_ingest", source="news", asset=RAW_NEWS, schedule="@hourly", doc_md=__doc__,
                 execution_timeout=timedelta(minutes=50), queue="default")
