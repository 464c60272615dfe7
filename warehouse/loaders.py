"""Batch loads into the warehouse: each call is one transaction over registered Arrow relations.

Python only shapes the records into Arrow tables (``staging_*`` relations) and runs the ``.sql`` files in
``warehouse/sql``; all table logic lives in SQL. Loads are idempotent by natural keys: loading the same
batch twice leaves every core table identical (timestamps and attempt numbers live in ``ops`` only).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from dramatrack.catalog import Catalog
from transforms.app_identity import normalize_app_name
from transforms.records import AppLookup, ChartEntry, PlayAppDetails
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


# Legal-entity words dropped from the end of a publisher name before comparing publishers across stores.
_LEGAL_SUFFIXES = frozenset(
    "inc incorporated ltd limited llc co corp corporation company pte pty plc gmbh ag sa sas sarl srl bv nv "
    "oy ab as kk lp llp".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalize_publisher(publisher: str | None) -> str:
    """A publisher name folded for cross-store matching: 'Crazy Maple Studio, Inc.' → 'crazymaplestudio'.

    NFKC, case-folded, alphanumeric words only; trailing legal-entity words (Inc, Ltd, Co, ...) are dropped
    while another word remains. Empty for a missing name (which never matches).
    """
    words = _WORD.findall(unicodedata.normalize("NFKC", publisher or "").casefold())
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return "".join(words)


# --- Arrow shapes of the staging relations -------------------------------------------------------------

_S = pa.string()

CHART_ENTRY_SCHEMA = pa.schema(
    [
        ("store", _S), ("country", _S), ("chart", _S), ("genre", _S), ("feed", _S), ("rank", pa.int32()),
        ("store_app_id", _S), ("name", _S), ("publisher", _S), ("bundle_id", _S), ("genre_name", _S),
        ("release_date", _S), ("price", pa.float64()), ("currency", _S), ("score", pa.float64()),
        ("installs_text", _S),
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
        ("verified", pa.bool_()), ("name_key", _S), ("publisher_key", _S),
    ]
)  # fmt: skip

PLAY_DETAILS_SCHEMA = pa.schema(
    [
        ("app_id", _S), ("country", _S), ("title", _S), ("developer", _S), ("genre", _S), ("genre_id", _S),
        ("installs_text", _S), ("min_installs", pa.int64()), ("real_installs", pa.int64()),
        ("score", pa.float64()), ("ratings", pa.int64()), ("reviews", pa.int64()),
        ("histogram_1", pa.int64()), ("histogram_2", pa.int64()), ("histogram_3", pa.int64()),
        ("histogram_4", pa.int64()), ("histogram_5", pa.int64()),
        ("updated", _S), ("released", _S), ("version", _S),
    ]
)  # fmt: skip

OVERRIDE_SCHEMA = pa.schema([("store", _S), ("store_app_id", _S), ("app_key", _S)])

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


def _apps_table(apps: Sequence[AppRecord]) -> pa.Table:
    rows = []
    for a in apps:
        row = {name: getattr(a, name) for name in APP_RECORD_SCHEMA.names if hasattr(a, name)}
        row["name_key"] = normalize_app_name(a.name or "") or None
        row["publisher_key"] = normalize_publisher(a.publisher) or None
        rows.append(row)
    return _dicts_table(rows, APP_RECORD_SCHEMA)


def _play_details_table(details: Sequence[PlayAppDetails]) -> pa.Table:
    rows = []
    for d in details:
        row = {name: getattr(d, name) for name in PLAY_DETAILS_SCHEMA.names if hasattr(d, name)}
        histogram = tuple(d.histogram) if d.histogram else (None,) * 5
        if len(histogram) != 5:
            raise ValueError(f"{d.app_id}: rating histogram must have 5 counts, got {len(histogram)}")
        for stars, count in enumerate(histogram, start=1):
            row[f"histogram_{stars}"] = count
        rows.append(row)
    return _dicts_table(rows, PLAY_DETAILS_SCHEMA)


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
    """Upsert the catalog apps (status 'catalog', short drama), their store ids (``ios_id`` and
    ``android_package``) and the catalog's ``overrides`` (replaced wholesale), in one transaction.

    Idempotent. A store id first discovered in the charts is re-pointed to its catalog app, together with
    the chart entries and metrics that referenced it; products are then re-resolved across stores
    (``warehouse/sql/resolve_products.sql``). Returns the counts synced.
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
    overrides = [
        {"store": o.store, "store_app_id": o.store_app_id, "app_key": o.app_key} for o in catalog.overrides
    ]
    relations = {
        "staging_catalog_apps": _dicts_table(apps, CATALOG_APP_SCHEMA),
        "staging_catalog_store_ids": _dicts_table(ids, STORE_ID_SCHEMA),
        "staging_overrides": _dicts_table(overrides, OVERRIDE_SCHEMA),
    }
    with _registered(conn, relations), transaction(conn):
        run_sql(conn, "upsert_catalog.sql")
        run_sql(conn, "replace_overrides.sql")
        _resolve_products(conn)
    return {"apps": len(apps), "app_store_ids": len(ids), "overrides": len(overrides)}


def _resolve_products(conn: duckdb.DuckDBPyConnection) -> None:
    """Apply overrides and cross-store name matches, then re-point facts and fix seen dates (in a transaction)."""
    run_sql(conn, "resolve_products.sql")
    run_sql(conn, "refresh_app_keys.sql")
    run_sql(conn, "widen_listing_seen.sql")


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
    play_details: Sequence[PlayAppDetails] = (),
) -> dict[str, int]:
    """Load one validated batch (App Store and/or Google Play) in ONE transaction; return its row counts.

    Upserts apps and store listings (catalog apps never downgraded) and re-resolves products across stores
    (overrides, then publisher + normalized-name matches: ``warehouse/sql/resolve_products.sql``); replaces
    the batch's chart scope (snapshot_date, store, country, chart, genre), its App Store metrics scope
    (snapshot_date, 'app_store', country) and its Google Play metrics scope (snapshot_date, 'google_play',
    country, store_app_id) per app in ``play_details``; indexes the fetch log (duplicates ignored), appends
    an ``ops.load_batches`` 'loaded' row and releases an open quarantine of the batch. On any error
    everything is rolled back. ``app_metrics`` in the counts covers lookups and Play details.
    """
    if not isinstance(snapshot_date, date):
        raise TypeError(f"snapshot_date must be a date, got {type(snapshot_date).__name__}")
    relations = {
        "staging_chart_entries": _records_table(chart_entries, CHART_ENTRY_SCHEMA),
        "staging_app_lookups": _records_table(lookups, APP_LOOKUP_SCHEMA),
        "staging_play_details": _play_details_table(play_details),
        "staging_apps": _apps_table(apps),
        "staging_fetch_log": _fetch_log_table(fetch_log_rows),
    }
    params = {"batch_id": batch_id, "source": source, "snapshot_date": snapshot_date, "country": country}
    with _registered(conn, relations), transaction(conn):
        run_sql(conn, "upsert_apps.sql", params)
        run_sql(conn, "resolve_products.sql")
        run_sql(conn, "load_chart_entries.sql", params)
        run_sql(conn, "load_app_metrics.sql", params)
        run_sql(conn, "load_play_metrics.sql", params)
        run_sql(conn, "refresh_app_keys.sql")
        run_sql(conn, "widen_listing_seen.sql")
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
