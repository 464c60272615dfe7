"""Warehouse with Google Play: Play batches, one product across both stores, overrides, cross-store marts."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

import pytest

from dramatrack.catalog import Catalog, CatalogApp, Override, load_catalog
from transforms.app_identity import normalize_app_name
from transforms.records import AppLookup, ChartEntry, PlayAppDetails
from warehouse.connection import connect
from warehouse.loaders import (
    AppRecord,
    Batch,
    discovered_app_key,
    load_batch,
    load_batches,
    normalize_publisher,
    resolve_all_products,
    sync_catalog,
)
from warehouse.marts import build_marts
from warehouse.migrate import MIGRATIONS_DIR, migrate

CORE_AND_MARTS = [
    "core.apps",
    "core.app_store_ids",
    "core.chart_entries",
    "core.app_metrics",
    "core.store_id_overrides",
    "core.chart_families",
    "marts.market_share",
]
DAYS = (date(2026, 11, 22), date(2026, 11, 23))
IOS_CHARTS = (("top-free", "all"), ("top-grossing", "6016"))
PLAY_CHARTS = (("top-free", "APPLICATION"), ("top-grossing", "ENTERTAINMENT"))
GP = "google_play"
IOS = "app_store"

# (store id, name, publisher, status, is_short_drama, catalog app_key)
IOS_MARKET = [
    ("1636235979", "ReelShort", "Crazy Maple Studio", "catalog", True, "reelshort"),
    ("6445905219", "DramaBox", "STORYMATRIX", "catalog", True, "dramabox"),
    ("7000000001", "FlickReels", "Flick Ltd", "candidate", True, None),
    ("7000000002", "MiniDrama Plus", "Mini Co", "candidate", True, None),
    ("7000000003", "VideoHub", "Hub Inc", "other", False, None),
    ("7000000005", "Twin Drama", "Twin Co", "candidate", True, None),
]
PLAY_MARKET = [
    ("com.newleaf.app.android.victor", "ReelShort - Short Movie & TV", "Crazy Maple Studio", "catalog", True,
     "reelshort"),
    ("com.storymatrix.drama", "DramaBox - Stream Drama Shorts", "STORYMATRIX", "catalog", True, "dramabox"),
    ("com.flick.reels", "FlickReels: Short Dramas", "Flick Ltd.", "candidate", True, None),  # = FlickReels
    ("com.minidrama.plus", "MiniDrama Plus", "Other Co", "candidate", True, None),  # other publisher
    ("com.video.hub", "VideoHub - Watch", "Hub, Inc.", "other", False, None),  # = VideoHub
    ("com.play.only", "PlayOnly Shorts", "Solo Studio", "candidate", True, None),
    ("com.twin.one", "Twin Drama", "Twin Co", "candidate", True, None),  # two Play apps: ambiguous
    ("com.twin.two", "Twin Drama", "Twin Co", "candidate", True, None),
]  # fmt: skip
FLICK = "gp_com_flick_reels"  # the smaller of gp_com_flick_reels / ios_7000000001
VIDEO = "gp_com_video_hub"


def make_catalog(*, android: bool = True, overrides: list[Override] | None = None) -> Catalog:
    return Catalog(
        apps=[
            CatalogApp(app_key="reelshort", name="ReelShort", publisher="Crazy Maple Studio", ios_id="1636235979",
                       android_package="com.newleaf.app.android.victor" if android else None),
            CatalogApp(app_key="dramabox", name="DramaBox", publisher="STORYMATRIX", ios_id="6445905219",
                       android_package="com.storymatrix.drama" if android else None),
            CatalogApp(app_key="shortmax", name="ShortMax", publisher="ShortTV", ios_id="6464002625"),
        ],
        overrides=overrides or [],
    )  # fmt: skip


def records(store: str, market, *, catalog_android: bool = True) -> list[AppRecord]:
    out = []
    for sid, name, pub, status, short, key in market:
        if key and store == GP and not catalog_android:  # the loader does not know the package yet
            key, status = None, "candidate"
        out.append(AppRecord(
            app_key=key or discovered_app_key(store, sid), name=key.title() if key else name, publisher=pub,
            store=store, store_app_id=sid, bundle_id=sid if store == GP else None, is_short_drama=short,
            status=status, classification_reason="test", verified=False,
        ))  # fmt: skip
    return out


def entries(store: str, market, charts, day: date, country: str) -> list[ChartEntry]:
    out = []
    shift = DAYS.index(day)
    for c, (chart, genre) in enumerate(charts):
        order = market[shift + c :] + market[: shift + c]
        for rank, (sid, name, pub, *_) in enumerate(order, start=1):
            play = store == GP
            out.append(ChartEntry(
                store=store, country=country, chart=chart, genre=genre, feed="batchexecute" if play else "rss_v2",
                rank=rank, store_app_id=sid, name=name, publisher=pub, price=0.0, currency="USD",
                score=4.0 + rank / 10 if play else None, installs_text="1,000,000+" if play else None,
            ))  # fmt: skip
    return out


def play_details(day: date, country: str) -> list[PlayAppDetails]:
    base = DAYS.index(day) * 1000
    return [
        PlayAppDetails(
            app_id=sid, country=country, title=name, developer=pub, genre="Entertainment",
            genre_id="ENTERTAINMENT", installs_text="10,000,000+", min_installs=10_000_000,
            real_installs=12_345_678 + base + i, score=4.25, ratings=5000 + base, reviews=700 + i,
            histogram=(1, 2, 3, 4, 4990 + base), updated="2026-11-01T07:00:00Z", released="Jun 1, 2022",
            version=f"2.{i}", description="Short dramas.",
        )
        for i, (sid, name, pub, *_) in enumerate(PLAY_MARKET)
    ]  # fmt: skip


def lookups(day: date, country: str) -> list[AppLookup]:
    return [
        AppLookup(
            country=country, track_id=tid, name=name, bundle_id=None, seller=pub, artist=pub, kind="software",
            primary_genre="Entertainment", primary_genre_id="6016", genre_ids=("6016",),
            user_rating_count=100 * (i + 1), average_user_rating=4.5, user_rating_count_current_version=None,
            average_user_rating_current_version=None, version="1.0", price=0.0, currency="USD",
            release_date=None, current_version_release_date=None, file_size_bytes=None, description=None,
        )
        for i, (tid, name, pub, *_) in enumerate(IOS_MARKET)
    ]  # fmt: skip


def fetch_rows(bid: str) -> list[dict]:
    return [{"url": f"https://x.example/{bid}", "method": "GET", "status": 200, "warc_path": f"raw/{bid}.warc.gz",
             "warc_offset": 0, "fetched_at": "2026-11-22T06:00:00+00:00", "tags": {"b": bid}}]  # fmt: skip


def ios_batch(day: date, country: str = "us") -> dict:
    bid = f"appstore-{day}-{country}"
    return dict(
        batch_id=bid, source="appstore", snapshot_date=day, country=country,
        chart_entries=entries(IOS, IOS_MARKET, IOS_CHARTS, day, country), lookups=lookups(day, country),
        apps=records(IOS, IOS_MARKET), fetch_log_rows=fetch_rows(bid),
    )  # fmt: skip


def play_batch(day: date, country: str = "us", *, catalog_android: bool = True) -> dict:
    bid = f"googleplay-{day}-{country}"
    return dict(
        batch_id=bid, source="googleplay", snapshot_date=day, country=country,
        chart_entries=entries(GP, PLAY_MARKET, PLAY_CHARTS, day, country), lookups=[],
        apps=records(GP, PLAY_MARKET, catalog_android=catalog_android), fetch_log_rows=fetch_rows(bid),
        play_details=play_details(day, country),
    )  # fmt: skip


def table(conn, name: str):
    t = conn.table(name).to_arrow_table()
    return t.sort_by([(c, "ascending") for c in t.column_names])


def rows(conn, name: str) -> list[dict]:
    return table(conn, name).to_pylist()


def contents(conn) -> dict:
    return {n: table(conn, n) for n in CORE_AND_MARTS}


def assert_same(a: dict, b: dict) -> None:
    for name in a:
        assert a[name].equals(b[name]), f"{name} differs"


def store_ids(conn) -> dict[tuple[str, str], str]:
    return {(r["store"], r["store_app_id"]): r["app_key"] for r in rows(conn, "core.app_store_ids")}


def fresh(tmp_path, name: str, catalog: Catalog | None = None):
    conn = connect(tmp_path / f"{name}.duckdb")
    sync_catalog(conn, catalog or make_catalog())
    return conn


@pytest.fixture
def db(tmp_path):
    conn = fresh(tmp_path, "wh")
    yield conn
    conn.close()


# --- Google Play batches ----------------------------------------------------------------------------------


def test_play_batch_loads_scores_installs_and_metrics(db):
    counts = load_batch(db, **play_batch(DAYS[0]))
    n = len(PLAY_MARKET)
    assert counts == {
        "chart_entries": 2 * n, "chart_entries_unresolved": 0, "app_metrics": n, "apps": n,
        "app_store_ids": n, "fetch_log": 1,
    }  # fmt: skip
    ce = [r for r in rows(db, "core.chart_entries") if r["store"] == GP]
    assert len(ce) == 2 * n and {r["genre"] for r in ce} == {"APPLICATION", "ENTERTAINMENT"}
    top = next(r for r in ce if r["genre"] == "ENTERTAINMENT" and r["rank"] == 2)
    assert (top["score"], top["installs_text"], top["feed"]) == (4.2, "1,000,000+", "batchexecute")
    metrics = {r["store_app_id"]: r for r in rows(db, "core.app_metrics")}
    m = metrics["com.newleaf.app.android.victor"]
    assert (m["store"], m["app_key"], m["name"], m["developer"], m["seller"]) == (
        GP, "reelshort", "ReelShort - Short Movie & TV", "Crazy Maple Studio", None,
    )  # fmt: skip
    assert (m["installs_text"], m["min_installs"], m["real_installs"]) == (
        "10,000,000+",
        10_000_000,
        12_345_678,
    )
    assert (m["user_rating_count"], m["average_user_rating"], m["review_count"], m["version"]) == (
        5000, 4.25, 700, "2.0",
    )  # fmt: skip
    assert [m[f"rating_histogram_{i}"] for i in range(1, 6)] == [1, 2, 3, 4, 4990]
    assert m["updated_at"].isoformat().startswith("2026-11-01") and m["released_text"] == "Jun 1, 2022"
    assert (m["genre_id"], m["primary_genre"], m["bundle_id"]) == (
        "ENTERTAINMENT",
        "Entertainment",
        m["store_app_id"],
    )


def test_play_loads_are_idempotent_and_keep_other_scopes(db):
    load_batch(db, **ios_batch(DAYS[0]))
    load_batch(db, **play_batch(DAYS[0]))
    build_marts(db)
    first = contents(db)
    load_batch(db, **play_batch(DAYS[0]))
    load_batch(db, **ios_batch(DAYS[0]))
    sync_catalog(db, make_catalog())
    build_marts(db)
    assert_same(first, contents(db))
    # a Play batch replaces only its own apps' metrics: the App Store metrics and the other Play app stay
    one = play_batch(DAYS[0])
    one["play_details"] = [d for d in one["play_details"] if d.app_id == "com.flick.reels"]
    load_batch(db, **one)
    assert_same(
        {"core.app_metrics": first["core.app_metrics"]}, {"core.app_metrics": table(db, "core.app_metrics")}
    )


# --- one product across stores ----------------------------------------------------------------------------


def test_catalog_ios_id_and_android_package_are_one_product(db):
    load_batch(db, **ios_batch(DAYS[0]))
    load_batch(db, **play_batch(DAYS[0]))
    ids = store_ids(db)
    assert ids[(IOS, "1636235979")] == ids[(GP, "com.newleaf.app.android.victor")] == "reelshort"
    assert ids[(GP, "com.storymatrix.drama")] == "dramabox"
    apps = {r["app_key"]: r for r in rows(db, "core.apps")}
    assert [k for k in apps if "reelshort" in k or "newleaf" in k] == ["reelshort"]
    assert (apps["reelshort"]["name"], apps["reelshort"]["status"]) == ("ReelShort", "catalog")
    assert {r["store"] for r in rows(db, "core.chart_entries") if r["app_key"] == "reelshort"} == {IOS, GP}


def test_a_discovered_play_listing_of_a_catalog_app_is_claimed_by_the_catalog(tmp_path):
    # the package is not in the catalog yet: first the loader keys it gp_..., then the catalog learns it
    conn = fresh(tmp_path, "a", make_catalog(android=False))
    load_batch(conn, **play_batch(DAYS[0], catalog_android=False))
    assert store_ids(conn)[(GP, "com.storymatrix.drama")] == "gp_com_storymatrix_drama"
    sync_catalog(conn, make_catalog())
    assert store_ids(conn)[(GP, "com.storymatrix.drama")] == "dramabox"
    assert "gp_com_storymatrix_drama" not in {r["app_key"] for r in rows(conn, "core.apps")}
    load_batch(conn, **play_batch(DAYS[0], catalog_android=False))  # a stale gp_ claim is refused
    assert store_ids(conn)[(GP, "com.storymatrix.drama")] == "dramabox"
    conn.close()


def test_a_discovered_play_listing_matching_a_catalog_app_by_name_joins_it(tmp_path):
    # no android_package in the catalog: 'ReelShort - Short Movie & TV' by Crazy Maple Studio on Play
    # matches the catalog's App Store listing 'ReelShort' by the same publisher
    conn = fresh(tmp_path, "a", make_catalog(android=False))
    load_batch(conn, **play_batch(DAYS[0], catalog_android=False))
    load_batch(conn, **ios_batch(DAYS[0]))
    ids = store_ids(conn)
    assert ids[(GP, "com.newleaf.app.android.victor")] == "reelshort"
    assert ids[(GP, "com.storymatrix.drama")] == "dramabox"
    assert not any(r["app_key"].startswith("gp_com_newleaf") for r in rows(conn, "core.apps"))
    conn.close()


def test_discovered_apps_with_same_name_and_publisher_merge_in_any_load_order(tmp_path):
    batches = [ios_batch(d) for d in DAYS] + [play_batch(d) for d in DAYS]
    orders = [batches, batches[::-1], [batches[2], batches[1], batches[0], batches[3]]]
    results = []
    for i, order in enumerate(orders):
        conn = fresh(tmp_path, f"o{i}")
        for b in order:
            load_batch(conn, **b)
        build_marts(conn)
        results.append(contents(conn))
        if i == 0:
            ids = store_ids(conn)
            by_key = {r["app_key"]: r for r in rows(conn, "core.apps")}
            listing = {(r["store"], r["store_app_id"]): r for r in rows(conn, "core.app_store_ids")}
        conn.close()
    for other in results[1:]:
        assert_same(results[0], other)

    assert ids[(IOS, "7000000001")] == ids[(GP, "com.flick.reels")] == FLICK
    assert ids[(IOS, "7000000003")] == ids[(GP, "com.video.hub")] == VIDEO
    assert listing[(IOS, "7000000001")]["mapped_by"] == "name_match"
    assert listing[(IOS, "7000000001")]["own_app_key"] == "ios_7000000001"
    assert "ios_7000000001" not in by_key and "ios_7000000003" not in by_key
    flick = by_key[FLICK]  # described by its App Store listing (same status and day: store order decides)
    assert (flick["name"], flick["status"], flick["is_short_drama"]) == ("FlickReels", "candidate", True)
    assert (flick["first_seen_date"], flick["last_seen_date"]) == DAYS
    # different publisher: no merge; one name on two Play apps: ambiguous, no merge
    assert (
        ids[(IOS, "7000000002")] == "ios_7000000002"
        and ids[(GP, "com.minidrama.plus")] == "gp_com_minidrama_plus"
    )
    assert ids[(IOS, "7000000005")] == "ios_7000000005"
    assert {ids[(GP, "com.twin.one")], ids[(GP, "com.twin.two")]} == {"gp_com_twin_one", "gp_com_twin_two"}
    entries_keys = {(r["store"], r["app_key"]) for r in results[0]["core.chart_entries"].to_pylist()}
    assert {(IOS, FLICK), (GP, FLICK)} <= entries_keys
    metric_keys = {
        (r["store"], r["store_app_id"]): r["app_key"] for r in results[0]["core.app_metrics"].to_pylist()
    }
    assert metric_keys[(IOS, "7000000001")] == metric_keys[(GP, "com.flick.reels")] == FLICK


def facts_of(conn, day: date) -> dict[str, list[dict]]:
    """The fact rows of one day (chart entries and metrics, both stores), sorted."""
    return {t: [r for r in rows(conn, t) if r["snapshot_date"] == day] for t in ("core.chart_entries",
                                                                                  "core.app_metrics")}


def test_a_listing_first_seen_later_joins_the_product_seen_first(tmp_path):
    """Issue 15 (the fault matrix's BritBox in ar): an App Store listing charted on D1; its Google Play listing
    first charts on D2, in one country. The name match must not re-key D1's rows (nor leave the App Store
    rows keyed differently depending on whether that one Play batch loaded): the newcomer joins the product
    seen first. Any load order ends in the same warehouse, and a full re-resolution agrees."""
    d1, d2 = ios_batch(DAYS[0]), [ios_batch(DAYS[1]), play_batch(DAYS[1], "id")]
    conn = fresh(tmp_path, "forward")
    load_batch(conn, **d1)
    before = facts_of(conn, DAYS[0])
    assert {r["app_key"] for r in before["core.chart_entries"] if r["store_app_id"] == "7000000001"} == {
        "ios_7000000001"}
    for b in d2:
        load_batch(conn, **b)
    assert facts_of(conn, DAYS[0]) == before, "a match made on D2 re-keyed D1's rows"
    ids = store_ids(conn)
    assert ids[(IOS, "7000000001")] == ids[(GP, "com.flick.reels")] == "ios_7000000001"
    assert ids[(IOS, "7000000003")] == ids[(GP, "com.video.hub")] == "ios_7000000003"
    mapped = {r["store_app_id"]: r["mapped_by"] for r in rows(conn, "core.app_store_ids")}
    assert (mapped["7000000001"], mapped["com.flick.reels"]) == ("own_key", "name_match")
    assert "gp_com_flick_reels" not in {r["app_key"] for r in rows(conn, "core.apps")}

    # the same days without the Play batch (quarantined): the App Store rows are exactly the same
    without = fresh(tmp_path, "without_play")
    for b in [d1, d2[0]]:
        load_batch(without, **b)
    assert facts_of(conn, DAYS[0]) == facts_of(without, DAYS[0])
    assert [r for r in rows(conn, "core.chart_entries") if r["store"] == IOS] == [
        r for r in rows(without, "core.chart_entries") if r["store"] == IOS]
    assert [r for r in rows(conn, "core.app_metrics") if r["store"] == IOS] == [
        r for r in rows(without, "core.app_metrics") if r["store"] == IOS]
    without.close()

    # newest day first (the D2 batches tie on the first day, so gp_ wins until D1 dates the App Store listing
    # earlier), all in one load, and a full re-resolution: one answer
    want = contents(conn)
    for name, load in (("backwards", lambda c: [load_batch(c, **b) for b in [*d2, d1]]),
                       ("together", lambda c: load_batches(c, [Batch(**b) for b in [*d2, d1]]))):
        other = fresh(tmp_path, name)
        load(other)
        assert_same(want, contents(other))
        resolve_all_products(other)
        assert_same(want, contents(other))
        other.close()
    conn.close()


@pytest.mark.parametrize("plan", ["backfill-last", "backfill-first", "backfill-first, then one load"])
def test_facts_alone_dating_a_listing_earlier_move_the_match_to_its_key(tmp_path, plan):
    """A back-filled batch with facts but no app records (the listings are known from later days) dates the
    App Store listing earlier: it becomes the product seen first, so the Play listing joins it, as when the
    facts came first and the listing adopted them (also when both listings are created in one load)."""
    bare = Batch(**dict(ios_batch(DAYS[0]), apps=[]))
    later = [Batch(**ios_batch(DAYS[1])), Batch(**play_batch(DAYS[1]))]
    loads = {"backfill-last": [[later[0]], [later[1]], [bare]], "backfill-first": [[bare], [later[0]], [later[1]]],
             "backfill-first, then one load": [[bare], later]}[plan]
    conn = fresh(tmp_path, "w")
    for batches in loads:
        load_batches(conn, batches)
    ids = store_ids(conn)
    assert ids[(IOS, "7000000001")] == ids[(GP, "com.flick.reels")] == "ios_7000000001"
    assert {r["app_key"] for r in rows(conn, "core.chart_entries") if r["store_app_id"] == "com.flick.reels"} == {
        "ios_7000000001"}
    before = contents(conn)
    resolve_all_products(conn)
    assert_same(before, contents(conn))
    conn.close()


def test_override_forces_a_mapping_and_null_blocks_a_name_merge(tmp_path):
    overrides = [
        Override(store=GP, store_app_id="com.minidrama.plus", app_key="ios_7000000002"),  # publishers differ
        Override(store=IOS, store_app_id="7000000001", app_key=None),  # never merge FlickReels by name
        Override(store=GP, store_app_id="com.play.only", app_key="shortmax"),  # onto a catalog app
    ]
    conn = fresh(tmp_path, "a", make_catalog(overrides=overrides))
    load_batch(conn, **ios_batch(DAYS[0]))
    load_batch(conn, **play_batch(DAYS[0]))
    ids = store_ids(conn)
    assert ids[(GP, "com.minidrama.plus")] == ids[(IOS, "7000000002")] == "ios_7000000002"
    assert (
        ids[(IOS, "7000000001")] == "ios_7000000001" and ids[(GP, "com.flick.reels")] == "gp_com_flick_reels"
    )
    assert ids[(GP, "com.play.only")] == "shortmax"
    assert ids[(IOS, "7000000003")] == VIDEO  # untouched merges still happen
    apps = {r["app_key"] for r in rows(conn, "core.apps")}
    assert {"ios_7000000002", "ios_7000000001", "gp_com_flick_reels", "shortmax"} <= apps
    assert not {"gp_com_minidrama_plus", "gp_com_play_only"} & apps
    by_mapping = {r["store_app_id"]: r["mapped_by"] for r in rows(conn, "core.app_store_ids")}
    assert by_mapping["com.minidrama.plus"] == "override" and by_mapping["7000000001"] == "own_key"

    # overrides loaded before the data, or dropped later, give the same tables as a fresh warehouse
    sync_catalog(conn, make_catalog())
    build_marts(conn)
    plain = fresh(tmp_path, "b")
    load_batch(plain, **play_batch(DAYS[0]))
    load_batch(plain, **ios_batch(DAYS[0]))
    build_marts(plain)
    got, want = contents(conn), contents(plain)
    assert_same({k: v for k, v in want.items()}, {k: v for k, v in got.items()})
    conn.close()
    plain.close()


def test_catalog_overrides_parse_and_validate(tmp_path):
    path = tmp_path / "apps.yaml"
    path.write_text(
        "apps:\n  - {app_key: reelshort, name: ReelShort, ios_id: '1636235979'}\n"
        "overrides:\n"
        "  - {store: google_play, store_app_id: com.example.reel, app_key: reelshort}\n"
        "  - {store: app_store, store_app_id: 7000000001, app_key: null}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(path)
    assert [(o.store, o.store_app_id, o.app_key) for o in catalog.overrides] == [
        (GP, "com.example.reel", "reelshort"), (IOS, "7000000001", None),
    ]  # fmt: skip
    assert make_catalog().overrides == []
    with pytest.raises(ValueError, match="contradicts"):
        make_catalog(overrides=[Override(store=IOS, store_app_id="1636235979", app_key="dramabox")])
    with pytest.raises(ValueError, match="duplicate override"):
        make_catalog(overrides=[Override(store=IOS, store_app_id="1", app_key=None)] * 2)
    with pytest.raises(ValueError):
        Override(store=GP, store_app_id="com.x")  # app_key must be given (null to block)


def test_name_and_publisher_keys():
    assert normalize_publisher("Crazy Maple Studio, Inc.") == normalize_publisher("crazy maple studio") != ""
    assert normalize_publisher("Hub, Inc.") == normalize_publisher("Hub Inc") == "hub"
    assert normalize_publisher("Co., Ltd.") == "co" and normalize_publisher(None) == ""
    assert normalize_publisher("ＳＴＯＲＹＭＡＴＲＩＸ") == "storymatrix"  # NFKC
    assert normalize_app_name("FlickReels: Short Dramas") == normalize_app_name("FlickReels") == "flickreels"


# --- marts ------------------------------------------------------------------------------------------------


def test_market_share_has_play_and_both_stores_groups_summing_to_one(db):
    for d in DAYS:
        load_batch(db, **ios_batch(d))
        load_batch(db, **play_batch(d))
    load_batch(db, **ios_batch(DAYS[0], "gb"))  # gb: App Store only, so no 'both' group there
    build_marts(db)
    share = rows(db, "marts.market_share")
    groups = defaultdict(list)
    for r in share:
        groups[
            (r["basis"], r["grain"], r["period_start"], r["store"], r["country"], r["chart"], r["genre"])
        ].append(r)
    for key, members in groups.items():
        assert math.isclose(sum(m["share"] for m in members), 1.0, abs_tol=1e-9), key
        assert all(m["apps_in_group"] == len(members) for m in members)
        assert all(m["stores_in_group"] == (2 if key[3] == "both" else 1) for m in members)
    day_groups = {(g[3], g[4], g[5], g[6]) for g in groups if g[1] == "day"}
    assert {(GP, "us", "top-free", "APPLICATION"), (GP, "us", "top-grossing", "ENTERTAINMENT")} <= day_groups
    both = {g for g in day_groups if g[0] == "both"}
    assert both == {("both", "us", "top-free", "overall"), ("both", "us", "top-grossing", "entertainment")}
    assert len([g for g in groups if g[1] == "week" and g[3] == "both"]) == 4  # two ISO weeks x two families

    # one 'both' day group by hand: an app's weight is the sum of its weights in the two charts
    short = {r["app_key"] for r in rows(db, "core.apps") if r["is_short_drama"]}
    keys = store_ids(db)
    weights: dict[str, float] = defaultdict(float)
    for store, market, charts in ((IOS, IOS_MARKET, IOS_CHARTS), (GP, PLAY_MARKET, PLAY_CHARTS)):
        for e in entries(store, market, charts, DAYS[0], "us"):
            key = keys[(store, e.store_app_id)]
            if e.chart == "top-grossing" and key in short:
                weights[key] += e.rank**-0.944
    got = {r["app_key"]: r for r in groups[("chart_presence", "day", DAYS[0], "both", "us", "top-grossing",
                                            "entertainment")]}  # fmt: skip
    assert set(got) == set(weights) and FLICK in got and "reelshort" in got
    total = sum(weights.values())
    for key, w in weights.items():
        assert math.isclose(got[key]["share"], w / total, rel_tol=1e-12), key
    assert got["reelshort"]["entries"] == 2 and got["reelshort"]["days_present"] == 1


# --- migration ----------------------------------------------------------------------------------------------


def test_migration_0002_backfills_existing_listings(tmp_path):
    only_first = tmp_path / "migrations"
    only_first.mkdir()
    (only_first / "0001_initial.sql").write_text((MIGRATIONS_DIR / "0001_initial.sql").read_text())
    import duckdb

    path = tmp_path / "old.duckdb"
    conn = duckdb.connect(str(path))
    assert migrate(conn, only_first) == [1]
    conn.execute("INSERT INTO core.apps VALUES ('ios_1', 'Old App', 'Old Co', true, 'candidate', 'x', "
                 "DATE '2026-01-01', DATE '2026-01-02', false)")  # fmt: skip
    conn.execute("INSERT INTO core.app_store_ids VALUES ('app_store', '1', 'ios_1', NULL)")
    assert migrate(conn)[:1] == [2]  # later migrations may follow
    [row] = rows(conn, "core.app_store_ids")
    assert (row["own_app_key"], row["mapped_by"], row["listing_name"], row["last_seen_date"]) == (
        "ios_1", "own_key", "Old App", date(2026, 1, 2),
    )  # fmt: skip
    assert len(rows(conn, "core.chart_families")) == 4
    conn.close()


def test_new_tables_and_columns_are_commented(db):
    new_tables = {"core.store_id_overrides", "core.chart_families"}
    new_columns = {
        ("core.app_metrics", c) for c in (
            "developer", "genre_id", "installs_text", "min_installs", "real_installs", "review_count",
            "rating_histogram_1", "rating_histogram_5", "updated_at", "released_text")
    } | {("core.chart_entries", "score"), ("core.chart_entries", "installs_text"),
         ("marts.market_share", "stores_in_group"), ("core.app_store_ids", "own_app_key"),
         ("core.app_store_ids", "name_key"), ("core.app_store_ids", "publisher_key")}  # fmt: skip
    tables = db.table_function("duckdb_tables").to_arrow_table().to_pylist()
    assert all(t["comment"] for t in tables if f"{t['schema_name']}.{t['table_name']}" in new_tables)
    columns = db.table_function("duckdb_columns").to_arrow_table().to_pylist()
    comments = {(f"{c['schema_name']}.{c['table_name']}", c["column_name"]): c["comment"] for c in columns}
    wanted = new_columns | {k for k in comments if k[0] in new_tables}
    assert [k for k in sorted(wanted) if not comments.get(k)] == []


@pytest.mark.parametrize("same_load", [True, False], ids=["same-load", "next-day"])
def test_a_name_only_record_never_downgrades_a_described_classification(tmp_path, same_load):
    """Issue 15 case 3: Kalos TV's gb app page failed, so the gb batch classified the listing from its name
    alone ('other'); the us page (a description) said 'candidate'. Evidence already seen stays: the listing
    and its product remain 'candidate' whatever order the batches load in; a described record still moves it."""
    from warehouse.loaders import Batch, load_batches

    conn = connect(tmp_path / "w.duckdb")
    migrate(conn)
    sync_catalog(conn, make_catalog())
    package, key = "com.kalos.tv", discovered_app_key(GP, "com.kalos.tv")

    def batch(country: str, day: date, status: str, short: bool, evidence: str) -> Batch:
        app = AppRecord(app_key=key, name="Kalos TV", publisher="Kalos", store=GP, store_app_id=package,
                        bundle_id=package, is_short_drama=short, status=status,
                        classification_reason=f"{evidence} says {status}", evidence=evidence)
        return Batch(batch_id=f"{GP}:{day}:{country}", source=GP, snapshot_date=day, country=country,
                     chart_entries=[], lookups=[], apps=[app], fetch_log_rows=[])

    def state() -> tuple:
        listing = conn.execute("SELECT listing_status, listing_is_short_drama, listing_evidence FROM "
                               "core.app_store_ids WHERE store_app_id = ?", [package]).fetchone()
        product = conn.execute("SELECT status, is_short_drama FROM core.apps WHERE app_key = ?", [key]).fetchone()
        return listing, product

    us, gb = batch("us", DAYS[0], "candidate", True, "description"), batch("gb", DAYS[0], "other", False, "name")
    if same_load:
        load_batches(conn, [us, gb])  # the gb batch loads later: before the fix its name-only record won
    else:
        load_batches(conn, [us])
        load_batches(conn, [batch("gb", DAYS[1], "other", False, "name")])  # a later day, page failed again
    assert state() == (("candidate", True, "description"), ("candidate", True))
    # a later description is evidence too: it may change the classification
    load_batches(conn, [batch("us", date(2026, 11, 24), "other", False, "description")])
    assert state() == (("other", False, "description"), ("other", False))


def test_staged_arrow_tables_load_exactly_as_the_records_do(tmp_path):
    """load_report hands the loader the staged Parquet as Arrow tables (no Python records): the same batches
    loaded both ways, several in one load_batches call, give the same tables and the same counts."""
    from dramatrack.pipeline.staged import StagedBatch
    from dramatrack.pipeline.staging_store import load_staged, save_staged
    from extractors.batches import BatchManifest
    from warehouse.loaders import Batch, load_batches

    days = [(DAYS[0], "us"), (DAYS[0], "gb"), (DAYS[1], "us")]
    kinds = [ios_batch(d, c) for d, c in days] + [play_batch(d, c) for d, c in days]

    def as_batch(kw: dict, arrow: bool) -> Batch:
        fields = ("chart_entries", "lookups", "apps", "play_details")
        if arrow:
            manifest = BatchManifest(batch_id=kw["batch_id"], source=kw["source"],
                                     snapshot_date=kw["snapshot_date"].isoformat(), country=kw["country"],
                                     warc_paths=(), responses=1)
            staged = load_staged(save_staged(StagedBatch(manifest=manifest, **{f: list(kw.get(f, [])) for f in fields}),
                                             tmp_path / "staging"), arrow=fields)
            assert all(not isinstance(getattr(staged, f), list) for f in fields)  # Arrow tables, not records
            kw = {**kw, **{f: getattr(staged, f) for f in fields}}
        return Batch(**kw)

    loaded = {}
    for arrow in (False, True):
        conn = fresh(tmp_path, f"arrow-{arrow}")
        counts = load_batches(conn, [as_batch(kw, arrow) for kw in kinds[:3]])
        counts += load_batches(conn, [as_batch(kw, arrow) for kw in kinds[3:]])
        loaded[arrow] = (counts, contents(conn))
        conn.close()
    assert loaded[True][0] == loaded[False][0]
    assert loaded[True][0][0]["chart_entries"] > 0 and loaded[True][0][3]["app_metrics"] > 0
    assert_same(loaded[True][1], loaded[False][1])
