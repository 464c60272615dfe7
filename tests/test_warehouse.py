"""Warehouse: migrations, idempotent batch loads, quarantine, marts and snapshot publishing."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from dramatrack.catalog import Catalog, CatalogApp
from transforms.records import AppLookup, ChartEntry
from warehouse.connection import connect, run_sql, writer
from warehouse.loaders import AppRecord, discovered_app_key, load_batch, quarantine_batch, sync_catalog
from warehouse.marts import build_marts
from warehouse.migrate import MigrationError, available_migrations, migrate
from warehouse.snapshot import publish_snapshot

CORE_AND_MARTS = [
    "core.apps",
    "core.app_store_ids",
    "core.chart_entries",
    "core.app_metrics",
    "marts.market_share",
]
OPS = ["ops.fetch_log", "ops.load_batches", "ops.quarantine"]

COUNTRIES = ("us", "gb", "jp")
DAYS = (date(2026, 11, 22), date(2026, 11, 23))  # a Sunday and a Monday: two ISO weeks
CHARTS = (("top-free", "all"), ("top-grossing", "6016"))

# (track id, name, publisher, status, is_short_drama); the first three are catalog apps.
MARKET = [
    ("1636235979", "ReelShort", "Crazy Maple Studio", "catalog", True),
    ("6445905219", "DramaBox", "STORYMATRIX", "catalog", True),
    ("6464002625", "ShortMax", "ShortTV", "catalog", True),
    ("7000000001", "FlickReels", "Flick Ltd", "candidate", True),
    ("7000000002", "MiniDrama Plus", "Mini Co", "candidate", True),
    ("7000000003", "VideoHub", "Hub Inc", "other", False),
    ("7000000004", "TunesNow", "Tunes Inc", "other", False),
    ("7000000005", "PhotoFun", "Photo Co", "other", False),
]
CATALOG_KEYS = {"1636235979": "reelshort", "6445905219": "dramabox", "6464002625": "shortmax"}


def make_catalog(extra: list[CatalogApp] | None = None) -> Catalog:
    apps = [
        CatalogApp(app_key=key, name=name, publisher=pub, ios_id=tid, verified=False)
        for tid, name, pub, _, _ in MARKET
        if (key := CATALOG_KEYS.get(tid))
    ]
    return Catalog(apps=apps + (extra or []))


def app_key_of(track_id: str) -> str:
    return CATALOG_KEYS.get(track_id) or discovered_app_key("app_store", track_id)


def app_records() -> list[AppRecord]:
    return [
        AppRecord(
            app_key=app_key_of(tid),
            name=name,
            publisher=pub,
            store="app_store",
            store_app_id=tid,
            bundle_id=f"com.example.{name.lower().replace(' ', '')}",
            is_short_drama=short,
            status=status,
            classification_reason="catalog" if status == "catalog" else "keyword test",
            verified=status == "catalog",
        )
        for tid, name, pub, status, short in MARKET
    ]


def chart_entries(day: date, country: str) -> list[ChartEntry]:
    out = []
    shift = DAYS.index(day) + COUNTRIES.index(country)
    for c, (chart, genre) in enumerate(CHARTS):
        order = MARKET[shift + c :] + MARKET[: shift + c]  # a different ranking per day/country/chart
        for rank, (tid, name, pub, _, _) in enumerate(order, start=1):
            out.append(
                ChartEntry(
                    store="app_store", country=country, chart=chart, genre=genre, feed="rss_v2", rank=rank,
                    store_app_id=tid, name=name, publisher=pub, genre_name="Entertainment",
                    release_date="2024-05-01", price=0.0, currency="USD",
                )
            )  # fmt: skip
    return out


def lookups(day: date, country: str) -> list[AppLookup]:
    base = DAYS.index(day) * 100
    return [
        AppLookup(
            country=country, track_id=tid, name=name, bundle_id=None, seller=pub, artist=pub,
            kind="software", primary_genre="Entertainment", primary_genre_id="6016", genre_ids=("6016",),
            user_rating_count=1000 * (i + 1) + base, average_user_rating=4.5,
            user_rating_count_current_version=10 + i, average_user_rating_current_version=4.4,
            version="1.0", price=0.0, currency="USD", release_date="2024-05-01T07:00:00Z",
            current_version_release_date="2026-11-01T07:00:00Z", file_size_bytes=1, description=None,
        )
        for i, (tid, name, pub, _, _) in enumerate(MARKET)
    ]  # fmt: skip


def fetch_rows(batch_id: str, day: date, country: str) -> list[dict]:
    at = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
    return [
        {
            "url": f"https://rss.example/{country}/{n}", "method": "GET", "status": 200,
            "fetched_at": (at + timedelta(seconds=n)).isoformat(), "warc_path": f"raw/{batch_id}.warc.gz",
            "warc_offset": 1000 * n, "warc_length": 900, "request_body_sha1": "da39a3ee",
            "tags": {"country": country, "n": n}, "content_type": "application/json",
            "body_bytes": 123, "body_sha1": "abc", "host": "rss.example",
        }
        for n in range(2)
    ]  # fmt: skip


def batch_id(day: date, country: str) -> str:
    return f"appstore-{day.isoformat()}-{country}"


def batch_kwargs(day: date, country: str, **overrides) -> dict:
    bid = batch_id(day, country)
    kwargs = dict(
        batch_id=bid, source="appstore", snapshot_date=day, country=country,
        chart_entries=chart_entries(day, country), lookups=lookups(day, country), apps=app_records(),
        fetch_log_rows=fetch_rows(bid, day, country),
    )  # fmt: skip
    kwargs.update(overrides)
    return kwargs


def load_all(conn, order=None) -> None:
    for day, country in order or [(d, c) for d in DAYS for c in COUNTRIES]:
        load_batch(conn, **batch_kwargs(day, country))


def table(conn, name: str):
    """A table's contents as a sorted Arrow table (order-independent comparison)."""
    t = conn.table(name).to_arrow_table()
    return t.sort_by([(c, "ascending") for c in t.column_names if c not in ("tags", "row_counts")])


def rows(conn, name: str) -> list[dict]:
    return table(conn, name).to_pylist()


def contents(conn, names) -> dict:
    return {n: table(conn, n) for n in names}


def assert_same(a: dict, b: dict) -> None:
    for name in a:
        assert a[name].equals(b[name]), f"{name} differs"


@pytest.fixture
def db(tmp_path):
    conn = connect(tmp_path / "wh" / "warehouse.duckdb")
    sync_catalog(conn, make_catalog())
    yield conn
    conn.close()


# --- migrations -----------------------------------------------------------------------------------------


def test_migrations_apply_once_and_refuse_newer_database(tmp_path):
    path = tmp_path / "new" / "warehouse.duckdb"
    conn = connect(path)  # creates the directory and migrates
    known = [m.version for m in available_migrations()]
    assert [r["version"] for r in rows(conn, "ops.schema_version")] == known
    assert migrate(conn) == []
    conn.close()
    with writer(path) as conn:  # reopening applies nothing and records nothing twice
        assert [r["version"] for r in rows(conn, "ops.schema_version")] == known
        run_sql(conn, "record_migration.sql", {"version": 9999, "name": "from_the_future"})
    with pytest.raises(MigrationError, match="newer"):
        connect(path)


def test_every_table_and_key_column_is_commented(db):
    tables = db.table_function("duckdb_tables").to_arrow_table().to_pylist()
    ours = {
        f"{t['schema_name']}.{t['table_name']}": t
        for t in tables
        if t["schema_name"] in ("core", "ops", "marts")
    }
    assert set(CORE_AND_MARTS + OPS) <= set(ours)
    assert all(t["comment"] for t in ours.values())
    constraints = db.table_function("duckdb_constraints").to_arrow_table().to_pylist()
    key_columns = {
        (f"{c['schema_name']}.{c['table_name']}", col)
        for c in constraints
        if c["constraint_type"] == "PRIMARY KEY" and c["schema_name"] in ("core", "ops", "marts")
        for col in c["constraint_column_names"]
    }
    columns = db.table_function("duckdb_columns").to_arrow_table().to_pylist()
    comments = {(f"{c['schema_name']}.{c['table_name']}", c["column_name"]): c["comment"] for c in columns}
    assert [k for k in sorted(key_columns) if not comments[k]] == []


# --- loads ----------------------------------------------------------------------------------------------


def test_loading_the_same_batches_twice_is_idempotent(db, tmp_path):
    load_all(db)
    build_marts(db)
    first = contents(db, CORE_AND_MARTS)
    assert first["core.chart_entries"].num_rows == len(DAYS) * len(COUNTRIES) * len(CHARTS) * len(MARKET)
    load_all(db)
    sync_catalog(db, make_catalog())
    build_marts(db)
    assert_same(first, contents(db, CORE_AND_MARTS))
    attempts = [r["attempt"] for r in rows(db, "ops.load_batches")]
    assert sorted(attempts) == [1] * 6 + [2] * 6
    assert len(rows(db, "ops.fetch_log")) == 12  # duplicates ignored

    # load order does not matter either
    other = connect(tmp_path / "other.duckdb")
    sync_catalog(other, make_catalog())
    load_all(other, order=[(d, c) for d in reversed(DAYS) for c in reversed(COUNTRIES)])
    build_marts(other)
    assert_same(first, contents(other, CORE_AND_MARTS))
    other.close()


def test_load_resolves_app_keys_and_counts_rows(db):
    counts = load_batch(db, **batch_kwargs(DAYS[0], "us"))
    assert counts == {
        "chart_entries": 16, "chart_entries_unresolved": 0, "app_metrics": 8, "apps": 8,
        "app_store_ids": 8, "fetch_log": 2,
    }  # fmt: skip
    keys = {r["store_app_id"]: r["app_key"] for r in rows(db, "core.chart_entries")}
    assert keys == {tid: app_key_of(tid) for tid, *_ in MARKET}
    metric_keys = {r["app_key"] for r in rows(db, "core.app_metrics")}
    assert metric_keys == {app_key_of(tid) for tid, *_ in MARKET}
    apps = {r["app_key"]: r for r in rows(db, "core.apps")}
    assert apps["reelshort"]["status"] == "catalog" and apps["reelshort"]["verified"]
    assert apps["ios_7000000001"]["status"] == "candidate"
    assert apps["ios_7000000001"]["first_seen_date"] == DAYS[0]
    load_batch(db, **batch_kwargs(DAYS[1], "us"))
    load_batch(db, **batch_kwargs(DAYS[0], "gb"))  # a backfill keeps the minimum / maximum
    apps = {r["app_key"]: r for r in rows(db, "core.apps")}
    assert (apps["ios_7000000001"]["first_seen_date"], apps["ios_7000000001"]["last_seen_date"]) == DAYS


def test_a_failing_load_leaves_nothing_half_loaded(db):
    load_batch(db, **batch_kwargs(DAYS[0], "us"))
    before = contents(db, CORE_AND_MARTS + OPS)
    entries = chart_entries(DAYS[1], "us")
    bad = entries + [entries[0]]  # the same rank twice: fails after apps were already upserted
    new_app = AppRecord(
        "ios_7999999999", "Brand New", None, "app_store", "7999999999", None, True, "candidate", "x"
    )
    with pytest.raises(duckdb.ConstraintException):
        load_batch(db, **batch_kwargs(DAYS[1], "us", chart_entries=bad, apps=app_records() + [new_app]))
    assert_same(before, contents(db, CORE_AND_MARTS + OPS))
    load_batch(db, **batch_kwargs(DAYS[1], "us"))  # the connection is still usable
    assert len(rows(db, "ops.load_batches")) == 2


def test_quarantine_leaves_core_untouched_and_reload_releases_it(db):
    load_batch(db, **batch_kwargs(DAYS[0], "us"))
    core_before = contents(db, CORE_AND_MARTS)
    bid = batch_id(DAYS[1], "us")
    failures = [
        {"expectation": "expect_column_values_to_not_be_null", "column": "name", "unexpected_count": 3,
         "examples": [None]},
    ]  # fmt: skip
    quarantine_batch(
        db, batch_id=bid, source="appstore", snapshot_date=DAYS[1], country="us", failed_expectations=failures,
        warc_paths=[f"raw/{bid}.warc.gz"], data_docs_url="file:///gx/index.html",
        fetch_log_rows=fetch_rows(bid, DAYS[1], "us"),
    )  # fmt: skip
    assert_same(core_before, contents(db, CORE_AND_MARTS))
    [q] = rows(db, "ops.quarantine")
    assert q["status"] == "open" and json.loads(q["failed_expectations"]) == failures
    assert json.loads(q["warc_paths"]) == [f"raw/{bid}.warc.gz"]
    assert {r["batch_id"] for r in rows(db, "ops.fetch_log")} == {batch_id(DAYS[0], "us"), bid}
    assert [(r["batch_id"], r["status"]) for r in rows(db, "ops.load_batches") if r["batch_id"] == bid] == [
        (bid, "quarantined")
    ]

    load_batch(db, **batch_kwargs(DAYS[1], "us"))
    [q] = rows(db, "ops.quarantine")
    assert q["status"] == "released" and q["released_at"] is not None
    history = sorted(
        (r["attempt"], r["status"]) for r in rows(db, "ops.load_batches") if r["batch_id"] == bid
    )
    assert history == [(1, "quarantined"), (2, "loaded")]


def test_catalog_app_is_never_downgraded(db):
    downgrade = [
        AppRecord("reelshort", "Impostor", "Nobody", "app_store", "1636235979", None, False, "other", "no"),
        AppRecord("ios_1636235979", "Impostor", None, "app_store", "1636235979", None, False, "other", "no"),
    ]
    load_batch(db, **batch_kwargs(DAYS[0], "us", apps=downgrade))
    apps = {r["app_key"]: r for r in rows(db, "core.apps")}
    assert (apps["reelshort"]["status"], apps["reelshort"]["is_short_drama"], apps["reelshort"]["name"]) == (
        "catalog", True, "ReelShort",
    )  # fmt: skip
    assert "ios_1636235979" not in apps  # its claim on the catalog listing was refused; the orphan is gone
    ids = {r["store_app_id"]: r["app_key"] for r in rows(db, "core.app_store_ids")}
    assert ids["1636235979"] == "reelshort"


def test_a_chart_discovered_app_added_to_the_catalog_is_merged(db):
    load_all(db)
    assert {r["app_key"] for r in rows(db, "core.apps")} >= {"ios_7000000001"}
    promoted = CatalogApp(app_key="flickreels", name="FlickReels", ios_id="7000000001")
    sync_catalog(db, make_catalog([promoted]))
    apps = {r["app_key"]: r for r in rows(db, "core.apps")}
    assert "ios_7000000001" not in apps
    assert (apps["flickreels"]["status"], apps["flickreels"]["first_seen_date"]) == ("catalog", DAYS[0])
    keys = {r["app_key"] for r in rows(db, "core.chart_entries") if r["store_app_id"] == "7000000001"}
    assert keys == {"flickreels"}
    before = contents(db, CORE_AND_MARTS)
    sync_catalog(db, make_catalog([promoted]))
    assert_same(before, contents(db, CORE_AND_MARTS))


# --- marts ----------------------------------------------------------------------------------------------


def test_market_share_sums_to_one_per_group_and_only_short_dramas(db):
    load_all(db)
    assert build_marts(db) == ["90_news.sql", "market_share.sql"]
    share = rows(db, "marts.market_share")
    short = {r["app_key"] for r in rows(db, "core.apps") if r["is_short_drama"]}
    assert {r["app_key"] for r in share} == short
    groups = defaultdict(list)
    for r in share:
        groups[
            (r["basis"], r["grain"], r["period_start"], r["store"], r["country"], r["chart"], r["genre"])
        ].append(r)
    assert {g[1] for g in groups} == {"day", "week"}
    assert len([g for g in groups if g[1] == "day"]) == len(DAYS) * len(COUNTRIES) * len(CHARTS)
    for key, members in groups.items():
        assert math.isclose(sum(m["share"] for m in members), 1.0, abs_tol=1e-9), key
        assert all(m["apps_in_group"] == len(members) == 5 for m in members)
        if key[1] == "week":
            assert key[2].isoweekday() == 1
            assert all(
                m["iso_week"] == f"{key[2].isocalendar()[0]}-W{key[2].isocalendar()[1]:02d}" for m in members
            )

    # one day group by hand: w(rank) = rank^-0.944 over the short-drama apps
    entries = [e for e in chart_entries(DAYS[0], "us") if e.chart == "top-free"]
    weights = {
        app_key_of(e.store_app_id): e.rank**-0.944 for e in entries if app_key_of(e.store_app_id) in short
    }
    total = sum(weights.values())
    got = {
        r["app_key"]: r
        for r in groups[("chart_presence", "day", DAYS[0], "app_store", "us", "top-free", "all")]
    }
    for key, w in weights.items():
        assert math.isclose(got[key]["share"], w / total, rel_tol=1e-12)
        assert got[key]["days_present"] == 1


def test_week_grain_sums_daily_weights(db):
    monday = date(2026, 11, 23)
    for day in (monday, monday + timedelta(days=1)):
        load_batch(db, **batch_kwargs(DAYS[1], "us", snapshot_date=day, batch_id=f"b-{day}"))
    build_marts(db)
    week = [r for r in rows(db, "marts.market_share") if r["grain"] == "week" and r["chart"] == "top-free"]
    days = [r for r in rows(db, "marts.market_share") if r["grain"] == "day" and r["chart"] == "top-free"]
    assert {r["iso_week"] for r in week} == {"2026-W48"}
    for r in week:
        daily = [d for d in days if d["app_key"] == r["app_key"]]
        assert math.isclose(r["weight_sum"], sum(d["weight_sum"] for d in daily), rel_tol=1e-12)
        assert r["days_present"] == 2 and r["entries"] == 2


# --- snapshot -------------------------------------------------------------------------------------------


def test_publish_snapshot_gives_a_readable_copy(tmp_path):
    wh = tmp_path / "data" / "warehouse.duckdb"
    snap = tmp_path / "data" / "analytics.duckdb"
    with writer(wh) as conn:
        sync_catalog(conn, make_catalog())
        load_batch(conn, **batch_kwargs(DAYS[0], "us"))
        build_marts(conn)
    publish_snapshot(wh, snap)
    reader = connect(snap, read_only=True)
    assert reader.table("core.chart_entries").to_arrow_table().num_rows == 16
    reader.close()

    with writer(wh) as conn:
        load_batch(conn, **batch_kwargs(DAYS[1], "us"))
    publish_snapshot(wh, snap)  # replaces the old snapshot in place
    reader = connect(snap, read_only=True)
    assert reader.table("core.chart_entries").to_arrow_table().num_rows == 32
    reader.close()
    assert sorted(p.name for p in snap.parent.iterdir()) == ["analytics.duckdb", "warehouse.duckdb"]
