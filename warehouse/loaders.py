"""Batch loads into the warehouse: each call is one transaction over registered Arrow relations.

Python only shapes the records into Arrow tables (``staging_*`` relations), counts them, and runs the ``.sql``
files in ``warehouse/sql`` (skipping the ones a load has nothing for); all table logic lives in SQL. Loads are
idempotent by natural keys: loading the same batch twice leaves every core table identical (timestamps and
attempt numbers live in ``ops`` only). They are set-based and incremental: ``load_batches`` loads a load
task's batches with a dozen statements whatever their number, and touches the listings, products and facts
the batches concern, not the whole tables, so its cost does not grow with the warehouse's history.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dramatrack_config.catalog import Catalog
from transforms.app_identity import normalize_app_name
from transforms.records import (
    APP_STORE,
    GOOGLE_PLAY,
    AppLookup,
    AppRecord,
    ChartEntry,
    PlayAppDetails,
    discovered_app_key,  # noqa: F401 - re-exported for the loaders' callers
)
from warehouse.sql_runner import run_sql as _run
from warehouse.sql_runner import select as _select
from warehouse.sql_runner import transaction

CATALOG_REASON = "listed in catalog/apps.yaml"


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
        ("verified", pa.bool_()), ("evidence", _S), ("name_key", _S), ("publisher_key", _S),
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


def _columns_table(columns: Iterable[Sequence[Any]], schema: pa.Schema) -> pa.Table:
    arrays = [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A staged Arrow table as ``schema``: its columns by name, cast (a value that does not fit raises Arrow's
    error), a column it lacks (staged before the field existed) all nulls."""
    columns = [table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
               for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


@functools.cache
def _empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def _records_table(records: Sequence[Any] | pa.Table, schema: pa.Schema) -> pa.Table:
    if isinstance(records, pa.Table):
        return _conform(records, schema)
    if not records:
        return _empty(schema)
    # one attribute at a time: cheaper than transposing a tuple per record
    return _columns_table((list(map(attrgetter(name), records)) for name in schema.names), schema)


def _dicts_table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    if not rows:
        return _empty(schema)
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


@functools.lru_cache(maxsize=1 << 16)
def _name_key(name: str | None) -> str | None:
    return normalize_app_name(name or "") or None


@functools.lru_cache(maxsize=1 << 16)
def _publisher_key(publisher: str | None) -> str | None:
    return normalize_publisher(publisher) or None


_APP_FIELDS = APP_RECORD_SCHEMA.names[:-2]  # the AppRecord fields; name_key and publisher_key are derived


def _mapped(column: pa.ChunkedArray, fn: Any) -> pa.Array:
    """``fn`` of every value of a string column, called once per distinct value (not per row)."""
    encoded = pc.dictionary_encode(column.combine_chunks(), null_encoding="encode")
    images = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], _S)
    return images.take(encoded.indices)


_APP_FIELDS_SCHEMA = pa.schema(APP_RECORD_SCHEMA.field(name) for name in _APP_FIELDS)


def _stacked_records(values: Sequence[Sequence[Any] | pa.Table], schema: pa.Schema) -> tuple[pa.Table, list[int]]:
    """Every batch's records of one kind as one table of ``schema``, and each batch's number of rows. Staged
    Arrow tables are concatenated first and shaped once (not once per batch)."""
    counts = [len(v) for v in values]
    if values and all(isinstance(v, pa.Table) for v in values):
        return _conform(pa.concat_tables(values, promote_options="permissive"), schema), counts
    tables = [_records_table(v, schema) for v in values]
    return (pa.concat_tables(tables) if tables else _empty(schema)), counts


def _with_keys(apps: pa.Table) -> pa.Table:
    """Records with their name and publisher keys (computed once per distinct name and publisher)."""
    return (apps.append_column(APP_RECORD_SCHEMA.field("name_key"), _mapped(apps["name"], _name_key))
                .append_column(APP_RECORD_SCHEMA.field("publisher_key"), _mapped(apps["publisher"], _publisher_key)))


def _play_details_table(details: Sequence[PlayAppDetails] | pa.Table) -> pa.Table:
    if isinstance(details, pa.Table):
        histogram = details["histogram"] if "histogram" in details.column_names else None
        if histogram is not None:
            lengths = pc.list_value_length(histogram)
            wrong = pc.fill_null(pc.not_equal(lengths, 5), False)
            if pc.any(wrong).as_py():
                row = pc.index(wrong, True).as_py()
                raise ValueError(f"{details['app_id'][row].as_py()}: rating histogram must have 5 counts, "
                                 f"got {lengths[row].as_py()}")
            details = details.drop_columns(["histogram"])
            for stars in range(1, 6):
                details = details.append_column(f"histogram_{stars}", pc.list_element(histogram, stars - 1))
        return _conform(details, PLAY_DETAILS_SCHEMA)
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


class _Relations:
    """Arrow tables registered on a connection as relations (``staging_*``, ...), unregistered on exit."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.names: set[str] = set()

    def add(self, name: str, table: pa.Table) -> pa.Table:
        self.conn.register(name, table)  # replaces a relation registered under the same name
        self.names.add(name)
        return table


@contextmanager
def _registered(conn: duckdb.DuckDBPyConnection, relations: Mapping[str, pa.Table]) -> Iterator[_Relations]:
    registered = _Relations(conn)
    try:
        for name, table in relations.items():
            registered.add(name, table)
        yield registered
    finally:
        for name in registered.names:
            try:
                conn.unregister(name)
            except duckdb.TransactionException:
                pass  # an aborted transaction: its rollback drops the relations registered in it


# --- products across stores (shared by sync_catalog and load_batches) -----------------------------------

SEED_SCHEMA = pa.schema(
    [("store", _S), ("store_app_id", _S), ("own_app_key", _S), ("name_key", _S), ("publisher_key", _S),
     ("app_key", _S)]
)  # fmt: skip
PRODUCT_SCHEMA = pa.schema([("app_key", _S)])
FACT_LISTING_SCHEMA = pa.schema(
    [("store", _S), ("store_app_id", _S), ("first_date", pa.date32()), ("last_date", pa.date32())]
)
BATCH_SCHEMA = pa.schema(
    [("pos", pa.int32()), ("batch_id", _S), ("source", _S), ("snapshot_date", pa.date32()), ("country", _S),
     ("row_counts", _S), ("warc_paths", _S), ("items", pa.list_(_S))]
)  # fmt: skip
STAGED_APPS_SCHEMA = APP_RECORD_SCHEMA.append(pa.field("pos", pa.int32())).append(
    pa.field("snapshot_date", pa.date32())
)


def _products_table(keys: Iterable[str | None]) -> pa.Table:
    """batch_products: products to re-derive besides those the batches have records of."""
    return _columns_table([sorted({k for k in keys if k is not None})], PRODUCT_SCHEMA)


def _resolve(
    conn: duckdb.DuckDBPyConnection,
    relations: _Relations,
    seeds: pa.Table | None,
    new_listings: Iterable[tuple[str, str]] = (),
) -> pa.Table:
    """Re-resolve products (every listing when ``seeds`` is None, else the ones connected to the seeds), apply
    the changes and move the facts of listings whose product changed; returns the changed listings."""
    relations.add("resolve_seeds", SEED_SCHEMA.empty_table() if seeds is None else seeds)
    resolved = _select(conn, "resolve_products.sql", {"all": seeds is None})
    if resolved.num_rows:
        relations.add("resolved_listings", resolved)
        _run(conn, "apply_resolution.sql")
        new = set(new_listings)  # a listing created by this load has no facts yet
        rows = zip(
            *(resolved[c].to_pylist() for c in ("store", "store_app_id", "old_app_key", "app_key")),
            strict=True,
        )
        if any(old != key and (store, sid) not in new for store, sid, old, key in rows):
            _run(conn, "repoint_facts.sql")
    return resolved


def _adopt_orphan_listings(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Facts loaded before their listing existed widen its seen dates; returns the products of the listings
    concerned. Run before resolving: the first day seen decides which key a name match keeps."""
    return [app_key for (app_key,) in _run(conn, "adopt_orphan_listings.sql").fetchall()]


def _adopt_orphan_facts(conn: duckdb.DuckDBPyConnection, products: Sequence[str]) -> None:
    """... and then join the listing's product (after resolving, so they take the product it ends in)."""
    if products:
        _run(conn, "adopt_orphan_facts.sql")


# --- public API ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """One validated batch to load: the keyword arguments of :func:`load_batch`. Each kind of record may also
    be an Arrow table of the record type's fields (the staged Parquet as read), which the loader takes as is."""

    batch_id: str
    source: str
    snapshot_date: date
    country: str | None
    chart_entries: Sequence[ChartEntry] | pa.Table
    lookups: Sequence[AppLookup] | pa.Table
    apps: Sequence[AppRecord] | pa.Table
    fetch_log_rows: Sequence[Mapping[str, Any]]
    play_details: Sequence[PlayAppDetails] | pa.Table = ()
    items: Sequence[str] = ()  # item batch ids (app pages) that load with the batch: their quarantines resolve


def sync_catalog(conn: duckdb.DuckDBPyConnection, catalog: Catalog) -> dict[str, int]:
    """Upsert the catalog apps (status 'catalog', short drama), their store ids (``ios_id`` and
    ``android_package``) and the catalog's ``overrides`` (replaced wholesale), in one transaction.

    Idempotent. A store id first discovered in the charts is re-pointed to its catalog app, together with
    the chart entries and metrics that referenced it; products are then re-resolved across stores
    (``warehouse/sql/resolve_products.sql``) and re-derived (``derive_products.sql``) for what the change
    touches: the listings connected to a changed catalog store id, override or catalog app. A catalog the
    warehouse is already in sync with changes nothing and costs one query (``stage_catalog.sql``). Returns
    the counts synced.
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
        "staging_apps": STAGED_APPS_SCHEMA.empty_table(),
    }
    with _registered(conn, relations) as registered, transaction(conn):
        changes = _select(conn, "stage_catalog.sql")
        if changes.num_rows:
            _run(conn, "upsert_catalog.sql")
            _run(conn, "replace_overrides.sql")
            _update_products(conn, registered, changes)
    return {"apps": len(apps), "app_store_ids": len(ids), "overrides": len(overrides)}


def _update_products(conn: duckdb.DuckDBPyConnection, relations: _Relations, changes: pa.Table) -> None:
    """After sync_catalog's upserts: re-resolve what the catalog changes touch and re-derive its products."""
    seeds: list[list[Any]] = [[] for _ in SEED_SCHEMA.names]
    products: list[str | None] = []
    new: list[tuple[str, str]] = []
    for change in changes.to_pylist():
        kind = change["kind"]
        # a changed listing with its former own key and name group; a catalog app (its status may change);
        # a listing whose override changed, with the override it had
        extra_key = {"app": change["app_key"], "override": change["old_app_key"]}.get(kind)
        for column, value in zip(
            seeds,
            (change["store"], change["store_app_id"], change["old_own_app_key"], change["old_name_key"],
             change["old_publisher_key"], extra_key),
            strict=True,
        ):  # fmt: skip
            column.append(value)
        if kind == "app":
            products.append(change["app_key"])
        elif kind == "listing":
            products += [change["app_key"], change["old_app_key"]]
            if change["is_new"]:
                new.append((change["store"], change["store_app_id"]))
    adopted = _adopt_orphan_listings(conn) if new else []
    resolved = _resolve(conn, relations, _columns_table(seeds, SEED_SCHEMA), new)
    products += resolved["old_app_key"].to_pylist() + resolved["app_key"].to_pylist()
    _adopt_orphan_facts(conn, adopted)
    products += adopted
    relations.add("batch_products", _products_table(products))
    _run(conn, "derive_products.sql")


def resolve_all_products(conn: duckdb.DuckDBPyConnection) -> None:
    """Re-resolve every listing and re-derive every product, in one transaction. Loads and catalog syncs keep
    products resolved incrementally; this recomputes them from scratch (a repair, or a check that the
    incremental path ends in the same place). Touches the fact tables only for listings whose product
    changed."""
    with (
        _registered(conn, {"staging_apps": STAGED_APPS_SCHEMA.empty_table()}) as registered,
        transaction(conn),
    ):
        adopted = _adopt_orphan_listings(conn)
        _resolve(conn, registered, None)
        _adopt_orphan_facts(conn, adopted)
        keys = [k for (k,) in _run(conn, "product_keys.sql").fetchall()]
        registered.add("batch_products", _products_table(keys))
        _run(conn, "derive_products.sql")


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
    an ``ops.load_batches`` 'loaded' row and releases the open quarantines of the batch. On any error
    everything is rolled back. ``app_metrics`` in the counts covers lookups and Play details.

    Incremental, so a load costs the same however much history the warehouse holds (see
    :func:`load_batches`, which this is for one batch).
    """
    batch = Batch(batch_id=batch_id, source=source, snapshot_date=snapshot_date, country=country,
                  chart_entries=chart_entries, lookups=lookups, apps=apps, fetch_log_rows=fetch_log_rows,
                  play_details=play_details)  # fmt: skip
    return load_batches(conn, [batch])[0]


def load_batches(conn: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> list[dict[str, int]]:
    """Load validated batches in ONE transaction, with the same result as :func:`load_batch` on each in
    turn (so for one batch it is exactly that); return each batch's row counts.

    Set-based: a handful of statements for all the batches (a load task's day of one source), instead of a
    dozen per batch. Incremental: products are re-resolved only when a listing's identity (own key, name or
    publisher key, or a first day seen moved earlier by a back-fill) changed or an app became a catalog app,
    and then only for the listings connected to it
    (same product key, or same name and publisher: ``resolve_products.sql``); products are re-derived only
    for the batches' listings; facts already loaded are touched only when a listing that had facts changed
    product, or facts loaded before their listing existed can now be resolved. So a load costs the same
    however much history the warehouse holds, and ends where re-resolving everything
    (:func:`resolve_all_products`) would. Of two batches with the same scope, the later one's data stands,
    as if loaded after the other; a batch's unresolved chart entries are counted once all the batches'
    listings are in. On any error everything is rolled back (``load_report`` then loads the batches one by
    one, so the ones before a failing batch still load).
    """
    batches = list(batches)
    for b in batches:
        if not isinstance(b.snapshot_date, date):
            raise TypeError(f"snapshot_date must be a date, got {type(b.snapshot_date).__name__}")
    if not batches:
        return []
    with transaction(conn):
        return _load(conn, batches)


LISTING_SCHEMA = pa.schema([("store", _S), ("store_app_id", _S)])


def _key(table: pa.Table) -> pa.Array:
    """(store, store_app_id) of every row as one string (the separator is in neither)."""
    return pc.binary_join_element_wise(table["store"], table["store_app_id"], "\x1f")


class _Staging:
    """The batches of one load shaped for SQL: the staging relations (all the batches' rows of a kind in one
    relation, each row with its batch's place in load order, ``pos``, and its day, ``snapshot_date``) and
    what the loader needs to know about each batch. Records arrive as Python records or as Arrow tables (the
    staged Parquet, read by ``load_report``); either way the work here is on Arrow columns, not per row."""

    def __init__(self, batches: Sequence[Batch]) -> None:
        self.batches = batches
        self.lookups = [_records_table(b.lookups, APP_LOOKUP_SCHEMA) for b in batches]
        self.details = [_play_details_table(b.play_details) for b in batches]
        fetch_log = self._stack([_fetch_log_table([r for b in batches for r in b.fetch_log_rows])],
                                FETCH_LOG_SCHEMA, [len(b.fetch_log_rows) for b in batches])
        pos = fetch_log["pos"]
        fetch_log = fetch_log.append_column("batch_id", pa.array([b.batch_id for b in batches], _S).take(pos))
        fetch_log = fetch_log.append_column("source", pa.array([b.source for b in batches], _S).take(pos))
        entries, self.entry_counts = _stacked_records([b.chart_entries for b in batches], CHART_ENTRY_SCHEMA)
        apps, app_counts = _stacked_records([b.apps for b in batches], _APP_FIELDS_SCHEMA)
        tables = {
            "staging_chart_entries": self._stack([entries], CHART_ENTRY_SCHEMA, self.entry_counts),
            "staging_app_lookups": self._stack(self.lookups, APP_LOOKUP_SCHEMA),
            "staging_play_details": self._stack(self.details, PLAY_DETAILS_SCHEMA),
            "staging_apps": _with_keys(self._stack([apps], _APP_FIELDS_SCHEMA, app_counts)),
            "staging_fetch_log": fetch_log,
        }
        if len({b.snapshot_date for b in batches}) > 1:  # several days: each day's rows together (stable)
            chart_entries = tables["staging_chart_entries"]
            tables["staging_chart_entries"] = chart_entries.take(pc.sort_indices(
                chart_entries, [("snapshot_date", "ascending"), ("pos", "ascending")]))
        self.apps = tables["staging_apps"]
        self.relations = {name: table for name, table in tables.items() if table.num_rows}
        # the listings (store, store_app_id) each batch has records of, once per batch
        identified = self.apps.filter(pc.is_valid(self.apps["store_app_id"]))
        self.identified_records = identified.num_rows
        self.listing_ids = identified.group_by(["pos", "store", "store_app_id"], use_threads=False).aggregate([])
        days = [b.snapshot_date for b in batches]
        self.days = {"first_date": min(days), "last_date": max(days)}
        self.one_day = len(set(days)) == 1

    def _stack(self, tables: Sequence[pa.Table], schema: pa.Schema, rows: Sequence[int] | None = None) -> pa.Table:
        """The batches' tables one after the other, with ``pos`` and ``snapshot_date``; ``rows``: the rows of
        each batch when ``tables`` already holds them one after the other."""
        rows = [t.num_rows for t in tables] if rows is None else rows
        pos = pa.array(np.repeat(np.arange(len(rows), dtype=np.int32), rows), pa.int32())
        table = pa.concat_tables(tables) if tables else _empty(schema)
        table = table.append_column("pos", pos)
        days = pa.array([b.snapshot_date for b in self.batches], pa.date32())
        return table.append_column("snapshot_date", days.take(pos))

    def has(self, relation: str) -> bool:
        return relation in self.relations

    def duplicated_records(self) -> bool:
        """Whether a batch holds several records of one listing."""
        return self.listing_ids.num_rows < self.identified_records

    def unidentified_records(self) -> bool:
        """Whether a record has no store id."""
        return self.apps.num_rows > self.identified_records

    def catalog_records(self) -> set[str]:
        """The products the batches have a record with status 'catalog' of."""
        catalog = self.apps.filter(pc.equal(self.apps["status"], "catalog"))
        return set(pc.unique(catalog["app_key"]).to_pylist())

    def listed(self) -> pa.Table:
        """The listings the batches have records of."""
        return self.listing_ids.select(["store", "store_app_id"]).group_by(
            ["store", "store_app_id"], use_threads=False).aggregate([])

    def superseded(self, relation: str, scope: Sequence[str]) -> bool:
        """Whether a scope (the values of the ``scope`` columns of a staging relation) is in several batches,
        so a later one replaces it."""
        table = self.relations.get(relation)
        if table is None or len(self.batches) < 2:
            return False
        batches = table.group_by(list(scope), use_threads=False).aggregate([("pos", "min"), ("pos", "max")])
        return pc.any(pc.not_equal(batches["pos_min"], batches["pos_max"])).as_py()

    def unlisted_facts(self) -> pa.Table:
        """The listings a batch has facts of (chart entries, lookups, app pages) but no record of, with the
        first and last day of such facts."""
        facts = []
        for relation, store, column in (("staging_chart_entries", None, "store_app_id"),
                                        ("staging_app_lookups", APP_STORE, "track_id"),
                                        ("staging_play_details", GOOGLE_PLAY, "app_id")):
            table = self.relations.get(relation)
            if table is None:
                continue
            stores = table["store"] if store is None else pa.array([store] * table.num_rows, _S)
            facts.append(pa.table({"pos": table["pos"], "store": stores, "store_app_id": table[column],
                                   "snapshot_date": table["snapshot_date"]}))
        if not facts:
            return FACT_LISTING_SCHEMA.empty_table()
        fact = pa.concat_tables(facts)
        fact = fact.filter(pc.is_valid(fact["store_app_id"]))
        if self.listing_ids.num_rows:
            fact = fact.join(self.listing_ids, ["pos", "store", "store_app_id"], join_type="left anti",
                             use_threads=False)
        days = fact.group_by(["store", "store_app_id"], use_threads=False).aggregate(
            [("snapshot_date", "min"), ("snapshot_date", "max")])
        table = pa.Table.from_arrays(
            [days["store"], days["store_app_id"], days["snapshot_date_min"], days["snapshot_date_max"]],
            schema=FACT_LISTING_SCHEMA,
        )
        return table.sort_by([("store", "ascending"), ("store_app_id", "ascending")])

    def unresolved_entries(self, listed: pa.Table) -> list[int]:
        """Per batch, its chart entries of listings not in ``listed``."""
        unresolved = [0] * len(self.batches)
        entries = self.relations.get("staging_chart_entries")
        if entries is None:
            return unresolved
        missing = pc.invert(pc.fill_null(pc.is_in(_key(entries), value_set=_key(listed)), False))
        for row in pc.value_counts(entries["pos"].filter(missing)).to_pylist():
            unresolved[row["values"]] = row["counts"]
        return unresolved

    def _per_batch(self, table: pa.Table) -> list[int]:
        """The number of rows of ``table`` (with a ``pos`` column) per batch."""
        counts = [0] * len(self.batches)
        for row in pc.value_counts(table["pos"]).to_pylist():
            counts[row["values"]] = row["counts"]
        return counts

    def counts(self, listed: pa.Table) -> list[dict[str, int]]:
        """Each batch's row counts (``listed``: the listings that exist once the batches are loaded)."""
        unresolved = self.unresolved_entries(listed)
        keyed = self.apps.filter(pc.is_valid(self.apps["app_key"]))
        products = self._per_batch(keyed.group_by(["pos", "app_key"], use_threads=False).aggregate([]))
        listings = self._per_batch(self.listing_ids)
        return [
            {
                "chart_entries": self.entry_counts[i],
                "chart_entries_unresolved": unresolved[i],
                "app_metrics": _distinct_rows(lookups) + _distinct_rows(details),
                "apps": products[i],
                "app_store_ids": listings[i],
                "fetch_log": len(b.fetch_log_rows),
            }
            for i, (b, lookups, details) in enumerate(zip(self.batches, self.lookups, self.details, strict=True))
        ]

    def batches_table(self, counts: Sequence[Mapping[str, int]]) -> pa.Table:
        """staging_batches: the batches, with their row counts and WARC paths as JSON."""
        bs = self.batches
        columns = [
            list(range(len(bs))), [b.batch_id for b in bs], [b.source for b in bs], [b.snapshot_date for b in bs],
            [b.country for b in bs], [_json(c) for c in counts], [_json(_warc_paths(b.fetch_log_rows)) for b in bs],
            [list(b.items) for b in bs],
        ]  # fmt: skip
        return _columns_table(columns, BATCH_SCHEMA)


def _load(conn: duckdb.DuckDBPyConnection, batches: Sequence[Batch]) -> list[dict[str, int]]:
    """The body of :func:`load_batches`, inside its transaction."""
    staging = _Staging(batches)
    with _registered(conn, staging.relations) as registered:
        products: list[str | None] = []  # products to re-derive (besides those the batches have records of)
        listed = [staging.listed()]
        seeds: pa.Table | None = None
        new_ids: list[tuple[str, str]] = []
        adopted: list[str] = []
        if staging.has("staging_apps"):
            params = {"deduplicate": staging.duplicated_records(), "one_day": staging.one_day}
            listings = _select(conn, "stage_listings.sql", params)
            promoted = {k for keys in listings["promoted"].to_pylist() if keys for k in keys}
            if params["deduplicate"] or staging.unidentified_records():
                promoted |= staging.catalog_records()  # records the query cannot tell about: assume so
            if promoted and len(batches) > 1:  # an app becomes a catalog app: load the batches one by one
                return [counts for b in batches for counts in _load(conn, [b])]
            if promoted:
                _run(conn, "promote_catalog_apps.sql")
                listings = _select(conn, "stage_listings.sql", params)
            registered.add("batch_listings", listings)
            _run(conn, "upsert_listings.sql")
            products += listings["app_key"].to_pylist()
            seeds = _resolve_seeds(listings, promoted)
            new = listings.filter(listings["is_new"])
            new_ids = list(zip(new["store"].to_pylist(), new["store_app_id"].to_pylist(), strict=True))
            if new_ids:  # their facts loaded earlier may date them earlier than this load
                adopted = _adopt_orphan_listings(conn)
                products += adopted
        # The seen dates are final before products are resolved: the first day seen decides which key a
        # cross-store name match keeps, so a listing dated earlier by facts alone is re-resolved too.
        unlisted = staging.unlisted_facts()
        if unlisted.num_rows:
            registered.add("batch_fact_listings", unlisted)
            widened = _run(conn, "widen_listing_seen.sql").fetchall()
            listed.append(_columns_table([[r[0] for r in widened], [r[1] for r in widened]], LISTING_SCHEMA))
            products += [app_key for _, _, app_key, _ in widened]
            seeds = _with_seeds(seeds, _dated_earlier(unlisted, widened))
        if seeds is not None:
            resolved = _resolve(conn, registered, seeds, new_ids)
            products += resolved["old_app_key"].to_pylist() + resolved["app_key"].to_pylist()
        _adopt_orphan_facts(conn, adopted)
        if staging.has("staging_chart_entries"):
            charts = staging.superseded(
                "staging_chart_entries", ("snapshot_date", "store", "country", "chart", "genre")
            )
            _run(conn, "load_chart_entries.sql", {**staging.days, "superseded": charts})
        if staging.has("staging_app_lookups"):
            storefronts = staging.superseded("staging_app_lookups", ("snapshot_date", "country"))
            _run(conn, "load_app_metrics.sql", {**staging.days, "superseded": storefronts})
        if staging.has("staging_play_details"):
            pages = staging.superseded("staging_play_details", ("snapshot_date", "country", "app_id"))
            _run(conn, "load_play_metrics.sql", {**staging.days, "superseded": pages})
        if staging.has("staging_fetch_log"):
            indexed = staging.superseded("staging_fetch_log", ("warc_path", "warc_offset"))
            _run(conn, "index_fetch_log.sql", {"repeated": indexed})
        if products or staging.has("staging_apps"):
            registered.add("batch_products", _products_table(products))
            if not staging.has("staging_apps"):
                registered.add("staging_apps", STAGED_APPS_SCHEMA.empty_table())
            _run(conn, "derive_products.sql")
        counts = staging.counts(pa.concat_tables(listed))
        registered.add("staging_batches", staging.batches_table(counts))
        _run(conn, "record_loads.sql")
        _run(conn, "release_quarantines.sql")
    return counts


def _distinct_rows(table: pa.Table) -> int:
    return table.group_by(table.column_names).aggregate([]).num_rows if table.num_rows else 0


def _resolve_seeds(listings: pa.Table, promoted: Iterable[str]) -> pa.Table | None:
    """What must be re-resolved after the listings were upserted (None: nothing): the listings whose identity
    changed, with their former own key and name group, and the products that became catalog apps."""
    changed = listings.filter(listings["identity_changed"])
    keys = sorted(promoted)
    if not changed.num_rows and not keys:
        return None
    pad = [None] * len(keys)
    columns = [changed[c].to_pylist() + pad for c in
               ("store", "store_app_id", "old_own_app_key", "old_name_key", "old_publisher_key")]  # fmt: skip
    return _columns_table([*columns, [None] * changed.num_rows + keys], SEED_SCHEMA)


def _dated_earlier(unlisted: pa.Table, widened: Sequence[tuple]) -> list[tuple[str, str]]:
    """The listings whose first day seen is now the first day of their facts in the batches (they were dated
    later before, or were first seen in this load: re-resolving those too is harmless)."""
    first = dict(zip(zip(unlisted["store"].to_pylist(), unlisted["store_app_id"].to_pylist(), strict=True),
                     unlisted["first_date"].to_pylist(), strict=True))  # fmt: skip
    return [(store, sid) for store, sid, _, seen in widened if seen == first.get((store, sid))]


def _with_seeds(seeds: pa.Table | None, listings: Sequence[tuple[str, str]]) -> pa.Table | None:
    """``seeds`` plus the given listings by id (their identity is unchanged: no former key or name group)."""
    if not listings:
        return seeds
    none = [None] * len(listings)
    extra = _columns_table([[s for s, _ in listings], [i for _, i in listings], none, none, none, none],
                           SEED_SCHEMA)  # fmt: skip
    return extra if seeds is None else pa.concat_tables([seeds, extra])


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
        _run(conn, "quarantine_batch.sql", params)
        _run(conn, "load_fetch_log.sql", params)
        _run(conn, "record_batch.sql", {**params, "status": "quarantined", "row_counts": _json(counts)})
