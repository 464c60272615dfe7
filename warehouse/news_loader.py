"""News batch loads: stories, app mentions and reported figures into core, one transaction per batch.

Like ``warehouse.loaders``, Python only shapes the staged records into Arrow relations (``staging_news_*``);
the upserts live in ``warehouse/sql/news_*.sql``. Loads never delete and are order-independent: loading the
same batch twice, or a day's batches in any order, leaves every core table identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.connection import run_sql, transaction
from warehouse.loaders import _fetch_log_table, _json, _records_table, _registered, _warc_paths

_S = pa.string()

NEWS_ARTICLE_SCHEMA = pa.schema(
    [
        ("canonical_url", _S), ("url", _S), ("title", _S), ("publisher", _S), ("publisher_url", _S),
        ("published_at", _S), ("language", _S), ("lang", _S), ("summary", _S), ("source_feed", _S),
        ("guid", _S), ("edition", _S), ("fetched_at", _S), ("deliveries", pa.int32()), ("source_feeds", _S),
    ]
)  # fmt: skip

NEWS_MENTION_SCHEMA = pa.schema([("canonical_url", _S), ("app_key", _S), ("field", _S), ("matched", _S)])

NEWS_METRIC_SCHEMA = pa.schema(
    [
        ("canonical_url", _S), ("figure_key", _S), ("subject", _S), ("subject_key", _S), ("app_key", _S),
        ("app_name", _S), ("metric", _S), ("value", pa.float64()), ("currency", _S), ("period", _S),
        ("sentence", _S), ("unit_text", _S), ("source_text", _S),
    ]
)  # fmt: skip

NEWS_REJECTED_SCHEMA = pa.schema([*NEWS_METRIC_SCHEMA, pa.field("rejected_reason", _S)])


def load_news_batch(
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_id: str,
    source: str,
    snapshot_date: date,
    country: str | None,
    articles: Sequence[Any],
    mentions: Sequence[Any],
    metrics: Sequence[Any],
    fetch_log_rows: Sequence[Mapping[str, Any]],
    items: Sequence[str] = (),
) -> dict[str, int]:
    """Load one validated news batch in ONE transaction; return its row counts.

    Upserts the stories (``news_upsert_articles.sql``), adds their mentions and figures (those the plausibility
    suite rejected, marked with ``rejected_reason``, into ``core.reported_metrics_rejected``), indexes the fetch
    log (duplicates ignored), appends an ``ops.load_batches`` 'loaded' row and releases the open quarantines of
    the batch and of its ``items`` (the item batch ids of the searches and feeds that loaded). ``country`` is the
    edition (en-US). On any error everything is rolled back.
    """
    if not isinstance(snapshot_date, date):
        raise TypeError(f"snapshot_date must be a date, got {type(snapshot_date).__name__}")
    passed = [m for m in metrics if not getattr(m, "rejected_reason", None)]
    rejected = [m for m in metrics if getattr(m, "rejected_reason", None)]
    relations = {
        "staging_news_articles": _records_table(articles, NEWS_ARTICLE_SCHEMA),
        "staging_news_mentions": _records_table(mentions, NEWS_MENTION_SCHEMA),
        "staging_news_metrics": _records_table(passed, NEWS_METRIC_SCHEMA),
        "staging_news_rejected": _records_table(rejected, NEWS_REJECTED_SCHEMA),
        "staging_fetch_log": _fetch_log_table(fetch_log_rows),
    }
    params = {"batch_id": batch_id, "source": source, "snapshot_date": snapshot_date, "country": country}
    with _registered(conn, relations), transaction(conn):
        run_sql(conn, "news_upsert_articles.sql", params)
        run_sql(conn, "news_upsert_mentions.sql")
        run_sql(conn, "news_upsert_metrics.sql")
        run_sql(conn, "news_upsert_rejected.sql", {"batch_id": batch_id})
        run_sql(conn, "load_fetch_log.sql", params)
        result = run_sql(conn, "news_batch_counts.sql")
        counts = dict(zip([d[0] for d in result.description], result.fetchone(), strict=True))
        run_sql(conn, "record_batch.sql", {**params, "status": "loaded", "row_counts": _json(counts),
                                           "warc_paths": _json(_warc_paths(fetch_log_rows))})
        run_sql(conn, "release_quarantine.sql", {"batch_id": batch_id, "items": list(items)})
    return {k: int(v) for k, v in counts.items()}
