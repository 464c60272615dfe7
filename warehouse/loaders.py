"""Batch loads into the warehouse: each call is one transaction over registered Arrow relations.

Python only shapes the records into Arrow tables (``staging_*`` relations) and runs the ``.sql`` files in
``warehouse/sql``; all table logic lives in SQL. Loads are idempotent by natural keys: loading the same
batch twice leaves every core table identical (timestamps and attempt numbers live in ``ops`` only).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from dramatrack.catalog import Catalog
from transforms.records import AppLookup, ChartEntry
from warehouse.connection import run_sql, transaction

APP_STORE = "app_store"
GOOGLE_PLAY = "google_play"
CATALOG_REASON = "listed in catalog/apps.yaml"


@dataclass(frozen=True, slots=True)
class AppRecord:
    """One product as the pipeline classified it, with one of its store listings."""

    app_key: str  # catalog app_key, or ios_<trackid> / gp_<package with dots as _>
    name: str
    publisher: str | None
    store: str  # "app_store" | "google_play"
    store_app_id: str
    bundle_id: str | None
    is_short_drama: bool
    status: str  # "catalog" | "candidate" | "other"
    classification_reason: str | None
    verified: bool = False


def discovered_app_key(store: str, store_app_id: str) -> str:
    """The app_key of an app found in the charts but not in the catalog."""
    if store == APP_STORE:
        return f"ios_{store_app_id}"
    if store == GOOGLE_PLAY:
        return "gp_" + store_app_id.replace(".", "_").lower()
    raise ValueError(f"unknown store {store!r}")


# --- Arrow shapes of the staging relations -------------------------------------------------------------

_S = pa.string()

CHART_ENTRY_SCHEMA = pa.schema(
    [
        ("store", _S), ("country", _S), ("chart", _S), ("genre", _S), ("feed", _S), ("rank", pa.int32()),
        ("store_app_id", _S), ("name", _S), ("publisher", _S), ("bundle_id", _S), ("genre_name", _S),
        ("release_date", _S), ("price", pa.float64()), ("currency", _S),
    ]
)  # fmt: skip

APP_LOOKUP_SCHEMA = pa.schema(
    [
        ("country", _S), ("track_id", _S), ("name", _S), ("bundle_id", _S), ("seller", _S),
        ("primary_genre", _S), ("version", _S), ("price", pa.float64()), ("currency", _S),
        ("user_rating_count", pa.int64()), ("average_user_rating", pa.float64()),
        ("user_rating_count_current_version", pa.int64()),
        ("average_user_rating_current_version", pa.float64()),
        ("current_version_release_date", _S),
    ]
)  # fmt: skip

APP_RECORD_SCHEMA = pa.schema(
    [
        ("app_key", _S), ("name", _S), ("publisher", _S), ("store", _S), ("store_app_id", _S),
        ("bundle_id", _S), ("is_short_drama", pa.bool_()), ("status", _S), ("classification_reason", _S),
        ("verified", pa.bool_()),
    ]
)  # fmt: skip

FETCH_LOG_SCHEMA = pa.schema(
    [
        ("warc_path", _S), ("warc_offset", pa.int64()), ("url", _S), ("method", _S), ("status", pa.int32()),
        ("host", _S), ("fetched_at", _S), ("content_type", _S), ("body_bytes", pa.int64()),
        ("body_sha1", _S), ("request_body_sha1", _S), ("warc_length", pa.int64()), ("tags", _S),
    ]
)  # fmt: skip

CATALOG_APP_SCHEMA = pa.schema(
    [
        ("app_key", _S),
        ("name", _S),
        ("publisher", _S),
        ("classification_reason", _S),
        ("verified", pa.bool_()),
    ]
)
STORE_ID_SCHEMA = pa.schema([("store", _S), ("store_app_id", _S), ("app_key", _S), ("bundle_id", _S)])


def _records_table(records: Sequence[Any], schema: pa.Schema) -> pa.Table:
    columns = {name: [getattr(r, name) for r in records] for name in schema.names}
    return pa.table(columns, schema=schema)


def _dicts_table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


def _fetch_log_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    shaped = []
    for row in rows:
        row = dict(row)
        fetched_at = row.get("fetched_at")
        if fetched_at is not None and not isinstance(fetched_at, str):
            row["fetched_at"] = fetched_at.isoformat()
        tags = row.get("tags")
        row["tags"] = None if tags is None else json.dumps(tags, sort_keys=True, default=str)
        shaped.append(row)
    return _dicts_table(shaped, FETCH_LOG_SCHEMA)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _warc_paths(fetch_log_rows: Iterable[Mapping[str, Any]], extra: Iterable[str] = ()) -> list[str]:
    return sorted({str(r["warc_path"]) for r in fetch_log_rows if r.get("warc_path")} | set(extra))


@contextmanager
def _registered(conn: duckdb.DuckDBPyConnection, relations: Mapping[str, pa.Table]) -> Iterator[None]:
    for name, table in relations.items():
        conn.register(name, table)
    try:
        yield
    finally:
        for name in relations:
            conn.unregister(name)


# --- public API ---------------------------------------------------------------------------------------


def sync_catalog(conn: duckdb.DuckDBPyConnection, catalog: Catalog) -> dict[str, int]:
    """Upsert the catalog apps (status 'catalog', short drama) and their store ids, in one transaction.

    Idempotent. A store id first discovered in the charts is re-pointed to its catalog app, together with
    the chart entries and metrics that referenced it.
    """
    apps = [
        {
            "app_key": a.app_key,
            "name": a.name,
            "publisher": a.publisher,
            "classification_reason": CATALOG_REASON,
            "verified": a.verified,
        }
        for a in catalog.apps
    ]
    ids: list[dict[str, Any]] = []
    for a in catalog.apps:
        if a.ios_id:
            ids.append(
                {"store": APP_STORE, "store_app_id": a.ios_id, "app_key": a.app_key, "bundle_id": None}
            )
        if a.android_package:
            ids.append(
                {
                    "store": GOOGLE_PLAY,
                    "store_app_id": a.android_package,
                    "app_key": a.app_key,
                    "bundle_id": a.android_package,
                }
            )
    relations = {
        "staging_catalog_apps": _dicts_table(apps, CATALOG_APP_SCHEMA),
        "staging_catalog_store_ids": _dicts_table(ids, STORE_ID_SCHEMA),
    }
    with _registered(conn, relations), transaction(conn):
        run_sql(conn, "upsert_catalog.sql")
        run_sql(conn, "refresh_app_keys.sql")
    return {"apps": len(apps), "app_store_ids": len(ids)}


def load_batch(
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_id: str,
    source: str,
    snapshot_date: date,
    country: str | None,
    chart_entries: Sequence[ChartEntry],
    lookups: Sequence[AppLookup],
    apps: Sequence[AppRecord],
    fetch_log_rows: Sequence[Mapping[str, Any]],
) -> dict[str, int]:
    """Load one validated batch in ONE transaction and return its row counts.

    Upserts apps and store ids (catalog apps never downgraded), replaces the batch's chart scope
    (snapshot_date, store, country, chart, genre) and metrics scope (snapshot_date, store, country),
    indexes the fetch log (duplicates ignored), appends an ``ops.load_batches`` 'loaded' row and releases an
    open quarantine of the batch. On any error everything is rolled back.
    """
    if not isinstance(snapshot_date, date):
        raise TypeError(f"snapshot_date must be a date, got {type(snapshot_date).__name__}")
    relations = {
        "staging_chart_entries": _records_table(chart_entries, CHART_ENTRY_SCHEMA),
        "staging_app_lookups": _records_table(lookups, APP_LOOKUP_SCHEMA),
        "staging_apps": _records_table(apps, APP_RECORD_SCHEMA),
        "staging_fetch_log": _fetch_log_table(fetch_log_rows),
    }
    params = {"batch_id": batch_id, "source": source, "snapshot_date": snapshot_date, "country": country}
    with _registered(conn, relations), transaction(conn):
        run_sql(conn, "upsert_apps.sql", params)
        run_sql(conn, "load_chart_entries.sql", params)
        run_sql(conn, "load_app_metrics.sql", params)
        run_sql(conn, "refresh_app_keys.sql")
        run_sql(conn, "load_fetch_log.sql", params)
        result = run_sql(conn, "batch_counts.sql", params)
        counts = dict(zip([d[0] for d in result.description], result.fetchone(), strict=True))
        run_sql(
            conn,
            "record_batch.sql",
            {
                **params,
                "status": "loaded",
                "row_counts": _json(counts),
                "warc_paths": _json(_warc_paths(fetch_log_rows)),
            },
        )
        run_sql(conn, "release_quarantine.sql", params)
    return {k: int(v) for k, v in counts.items()}


def quarantine_batch(
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_id: str,
    source: str,
    snapshot_date: date,
    country: str | None,
    failed_expectations: Sequence[Mapping[str, Any]],
    warc_paths: Sequence[str],
    data_docs_url: str | None,
    fetch_log_rows: Sequence[Mapping[str, Any]],
) -> None:
    """Record a batch that failed validation, in one transaction; core is not touched.

    Upserts ``ops.quarantine`` (status 'open'), appends an ``ops.load_batches`` 'quarantined' row and still
    indexes the batch's archived responses in ``ops.fetch_log`` so nothing is lost.
    """
    all_paths = _warc_paths(fetch_log_rows, warc_paths)
    params = {
        "batch_id": batch_id,
        "source": source,
        "snapshot_date": snapshot_date,
        "country": country,
        "failed_expectations": _json(list(failed_expectations)),
        "warc_paths": _json(all_paths),
        "data_docs_url": data_docs_url,
    }
    relations = {"staging_fetch_log": _fetch_log_table(fetch_log_rows)}
    counts = {"fetch_log": len(fetch_log_rows), "failed_expectations": len(failed_expectations)}
    with _registered(conn, relations), transaction(conn):
        run_sql(conn, "quarantine_batch.sql", params)
        run_sql(conn, "load_fetch_log.sql", params)
        run_sql(conn, "record_batch.sql", {**params, "status": "quarantined", "row_counts": _json(counts)})
