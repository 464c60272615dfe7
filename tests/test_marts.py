"""The marts on a simulated warehouse (3 countries x 10 days x both stores, warehouse/estimates/simulate.py):
download trends, the extended market share, rank movers, incremental refresh = full rebuild, comments
and the generated docs/marts.md."""

from __future__ import annotations

import math
import shutil
import time
from collections import defaultdict
from datetime import date, timedelta

import pytest

from dramatrack.catalog import Catalog, CatalogApp
from transforms.records import ChartEntry, PlayAppDetails
from warehouse.connection import connect
from warehouse.docs_marts import DEFAULT_OUT, render
from warehouse.estimates.simulate import days_from, load_market, simulate_market
from warehouse.loaders import AppRecord, discovered_app_key, load_batch, sync_catalog
from warehouse.marts import build_marts, refresh_marts

COUNTRIES = ["us", "gb", "jp"]
START = date(2026, 11, 16)  # a Monday
DAYS = days_from(START, 11)  # the base warehouse has the first 10; the 11th is added later
MARTS = ["marts.download_trends", "marts.market_share", "marts.market_share_top", "marts.rank_movers"]


def table_hashes(conn) -> dict[str, str]:
    """A content hash of every core and marts table (order-independent), as tests/test_pipeline_chain.py."""
    names = conn.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('core', 'marts') ORDER BY 1"
    ).fetchall()
    return {
        name: conn.execute(f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') "
                           f"FROM {name} t").fetchall()[0][0]
        for (name,) in names
    }  # fmt: skip


def rows(conn, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """Base warehouse (10 days, full build), then copies: A adds day 11 incrementally, B rebuilds in full."""
    root = tmp_path_factory.mktemp("marts")
    market = simulate_market(DAYS, COUNTRIES, n_drama=12, n_other=80, depth=25, seed=3)
    base = root / "base.duckdb"
    conn = connect(base)
    load_market(conn, market, DAYS[:10])
    full_base = refresh_marts(conn)
    conn.close()
    shutil.copy(base, root / "a.duckdb")
    shutil.copy(base, root / "b.duckdb")

    a = connect(root / "a.duckdb")
    load_market(a, market, DAYS[10:])
    incremental = refresh_marts(a, changed_dates=[DAYS[10]])
    b = connect(root / "b.duckdb")
    load_market(b, market, DAYS[10:])
    full = refresh_marts(b)
    timing = {
        "full_10_days": full_base.seconds,
        "full_11_days": full.seconds,
        "incremental_day_11": incremental.seconds,
    }
    print(f"\nbuild timings (s): {timing}")
    yield {"a": a, "b": b, "market": market, "incremental": incremental, "full": full, "timing": timing,
           "root": root}  # fmt: skip
    a.close()
    b.close()


# --- incremental refresh -----------------------------------------------------------------------------------


def test_adding_a_day_incrementally_gives_the_full_rebuild(warehouses):
    inc, full = table_hashes(warehouses["a"]), table_hashes(warehouses["b"])
    assert set(MARTS) <= set(inc) and "core.estimate_params" in inc and "core.app_estimates" in inc
    assert inc == full, [k for k in inc if inc[k] != full.get(k)]
    assert warehouses["incremental"].estimates["weeks"] == ["2026-11-23"]  # only the week of day 11 refit
    assert warehouses["full"].estimates["weeks"] == ["2026-11-16", "2026-11-23"]


def test_a_rebuild_is_byte_identical(warehouses):
    b = warehouses["b"]
    before = table_hashes(b)
    assert build_marts(b) == ["90_news.sql", "market_share.sql"]
    assert table_hashes(b) == before
    refresh_marts(b, changed_dates=[])  # nothing changed: nothing to do
    assert table_hashes(b) == before


def test_back_filling_a_middle_day_incrementally_gives_the_full_rebuild(tmp_path):
    days = days_from(date(2026, 11, 26), 10)  # Thursday to Saturday: three ISO weeks and two months
    market = simulate_market(days, ["us"], n_drama=6, n_other=25, depth=20, seed=9)
    hole = days[4]  # Monday 2026-11-30: its growth pair reaches into the next snapshot too
    one = connect(tmp_path / "one.duckdb")
    load_market(one, market, [d for d in days if d != hole])
    build_marts(one)
    load_market(one, market, [hole])
    refresh_marts(one, changed_dates=[hole.isoformat()])
    two = connect(tmp_path / "two.duckdb")
    load_market(two, market)
    build_marts(two)
    h1, h2 = table_hashes(one), table_hashes(two)
    assert h1 == h2, [k for k in h1 if h1[k] != h2.get(k)]
    one.close()
    two.close()


# Two stores' top-free charts over four ISO weeks (store -> {day offset: listings in rank order}): letters are
# listings, named "App <letter>" by publisher <letter> in both stores (so the two listings of a letter are one
# product); K is a catalog app. Short drama: A, E, J, K. E is a new app first charted on day 16, back-filled
# on days 9 and 3; A (charted on Google Play from day 0) gets an App Store listing on day 17 (it joins A's
# product, gp_com_a: the product seen first), back-filled on day 3; J is charted on the back-filled day 9 only; the
# catalog lists K's App Store id from the start, charted on day 18.
CATALOG_K = "123456789"
NEW_LISTING_CHARTS = {
    "app_store": {i: "BCD" + "A" * (i in (3, 17, 26)) + "E" * (i in (3, 9, 16, 18)) + "J" * (i == 9)
                  + "K" * (i == 18) for i in range(28)},
    "google_play": {i: "AFGH" for i in range(28)},
}  # fmt: skip


def _listing_id(store: str, x: str) -> str:
    if x == "K":
        return CATALOG_K if store == "app_store" else "com.catalog.k"
    return x if store == "app_store" else f"com.{x.lower()}"


def _load_listing_days(conn, offsets: list[int], start: date, charts=NEW_LISTING_CHARTS) -> None:
    genre = {"app_store": "all", "google_play": "APPLICATION"}
    for i in offsets:
        for store, days in charts.items():
            ids = [_listing_id(store, x) for x in days[i]]
            entries = [ChartEntry(store=store, country="us", chart="top-free", genre=genre[store],
                                  feed="rss_v2" if store == "app_store" else "batchexecute", rank=r,
                                  store_app_id=sid, name=f"App {x}", publisher=x)
                       for r, (x, sid) in enumerate(zip(days[i], ids, strict=True), start=1)]  # fmt: skip
            apps = [AppRecord(app_key="cat_k" if x == "K" else discovered_app_key(store, sid),
                              name="Catalog Drama K" if x == "K" else f"App {x}", publisher=x, store=store,
                              store_app_id=sid, bundle_id=None, is_short_drama=x in "AEJK",
                              status="catalog" if x == "K" else "candidate", classification_reason="t")
                    for x, sid in zip(days[i], ids, strict=True)]  # fmt: skip
            load_batch(conn, batch_id=f"{store}-{i}", source="appstore" if store == "app_store" else "googleplay",
                       snapshot_date=start + timedelta(days=i), country="us", chart_entries=entries, lookups=[],
                       apps=apps, fetch_log_rows=[])  # fmt: skip


def test_new_listings_refresh_incrementally_to_the_full_rebuild(tmp_path):
    """A short-drama app's tail rows start on the first day a loaded batch saw one of its listings in the store.
    Syncing a catalog store id before it is charted, appending the day a new app or a new listing of a tracked
    app first appears, and back-filling a day before a listing's first appearance (weeks before it, or a
    listing seen on that day only) must each end where a full rebuild of the same days does."""
    start = date(2026, 10, 5)  # a Monday: days 0-6, 7-13, 14-20, 21-27 are four ISO weeks
    weeks = [start + timedelta(days=7 * w) for w in range(4)]
    catalog = Catalog(
        apps=[CatalogApp(app_key="cat_k", name="Catalog Drama K", publisher="K", ios_id=CATALOG_K)]
    )
    loaded = [i for i in range(16) if i not in (3, 9)]
    inc = connect(tmp_path / "incremental.duckdb")
    _load_listing_days(inc, loaded, start)
    build_marts(inc)
    steps = [
        ("catalog", [], []),  # K's store id: a listing no batch has seen (no snapshot day changed)
        ("load", [16], weeks[2:3]),  # E: a new app
        ("load", [17], weeks[2:3]),  # A: a new App Store listing of a tracked app
        ("load", [18], weeks[2:3]),  # K charted
        ("load", [9], weeks[1:3]),  # E before its first appearance (day 16); J seen on day 9 only
        ("load", list(range(19, 28)), weeks[2:4]),  # appended (A again on day 26)
        # E before day 9 (the days after it); A before day 17, found beyond max_gap_days (not up to day 26)
        ("load", [3], weeks[0:3]),
    ]
    for n, (kind, step, refit) in enumerate(steps):
        if kind == "catalog":
            sync_catalog(inc, catalog)
        else:
            _load_listing_days(inc, step, start)
            loaded += step
        build = refresh_marts(inc, changed_dates=[start + timedelta(days=i) for i in step])
        assert build.estimates["weeks"] == [w.isoformat() for w in refit], step
        full = connect(tmp_path / f"full{n}.duckdb")
        sync_catalog(full, catalog)
        _load_listing_days(full, sorted(loaded), start)
        build_marts(full)
        h_inc, h_full = table_hashes(inc), table_hashes(full)
        assert h_inc == h_full, (kind, step, [k for k in h_inc if h_inc[k] != h_full.get(k)])
        full.close()
    first = {
        (r["store"], r["app_key"]): ((r["first_day"] - start).days, r["tail_days"])
        for r in rows(inc, "SELECT store, app_key, min(snapshot_date) AS first_day, "
                      "count(DISTINCT snapshot_date) FILTER (WHERE basis = 'tail') AS tail_days "
                      "FROM core.app_estimates GROUP BY ALL")
    }  # fmt: skip
    a_key = "gp_com_a"
    assert rows(inc, "SELECT app_key FROM core.app_store_ids WHERE store_app_id = 'A'") == [
        {"app_key": a_key}
    ]
    # (first day with an estimate, days with a tail row) over days 0-27
    assert first[("app_store", "ios_E")] == (3, 25 - 4)  # from its first appearance; ranked on 4 days
    assert first[("app_store", a_key)] == (3, 25 - 3)  # A's App Store listing: from day 3, not day 0
    assert first[("google_play", a_key)] == (0, 0)  # charted every day
    assert first[("app_store", "ios_J")] == (9, 19 - 1)  # seen on day 9 only: tail rows from then on
    assert first[("app_store", "cat_k")] == (18, 10 - 1)  # a catalog listing: not before it was charted
    trends = rows(inc, "SELECT app_key, store, min(snapshot_date) AS first_day FROM marts.download_trends "
                       "GROUP BY ALL")  # fmt: skip
    assert {(r["store"], r["app_key"]): (r["first_day"] - start).days for r in trends} == {
        k: v[0] for k, v in first.items() if k[1] in (a_key, "ios_E", "ios_J", "cat_k")
    }
    inc.close()


# Short drama A charted on the App Store from day 1 (product ios_A); its Google Play listing first appears on
# day 12 and joins that product (a listing seen later joins the product seen first: nothing is re-keyed). Then
# day 0 is back-filled, where Google Play alone charted A: its listing is now the one seen first, so the product
# becomes gp_com_a and the facts of days 1-12 change product although only day 0 was loaded.
REKEY_CHARTS = {
    "app_store": {i: "BCD" + "A" * (i >= 1) for i in range(16)},
    "google_play": {i: "FGH" + "A" * (i == 0 or i >= 12) for i in range(16)},
}


def test_facts_re_keyed_by_a_load_are_refreshed_on_every_day_they_lie_on(tmp_path):
    start = date(2026, 10, 5)
    inc = connect(tmp_path / "incremental.duckdb")
    _load_listing_days(inc, list(range(1, 12)), start, REKEY_CHARTS)
    build_marts(inc)
    a_keys = "SELECT DISTINCT app_key FROM core.chart_entries WHERE store_app_id IN ('A', 'com.a')"
    assert rows(inc, a_keys) == [{"app_key": "ios_A"}]
    for step, loaded in (([12], range(1, 13)), ([0], range(13)), ([13, 14, 15], range(16))):
        _load_listing_days(inc, step, start, REKEY_CHARTS)
        if step == [12]:  # the Play listing joined ios_A: no fact of an earlier day moved
            assert rows(inc, a_keys) == [{"app_key": "ios_A"}]
            assert rows(inc, "SELECT count(*) AS n FROM ops.marts_pending_dates") == [{"n": 0}]
        if step == [0]:  # days 1-12 (the App Store's, and Google Play's day 12)
            assert rows(inc, "SELECT count(*) AS n FROM ops.marts_pending_dates") == [{"n": 12}]
        build = refresh_marts(inc, changed_dates=[start + timedelta(days=i) for i in step])
        assert rows(inc, "SELECT count(*) AS n FROM ops.marts_pending_dates") == [{"n": 0}]
        if step == [0]:  # the re-keyed days joined the refresh (with day 0, the loaded one)
            assert build.changed_dates == [start + timedelta(days=i) for i in range(13)]
        full = connect(tmp_path / f"full{step[0]}.duckdb")
        _load_listing_days(full, list(loaded), start, REKEY_CHARTS)
        build_marts(full)
        h_inc, h_full = table_hashes(inc), table_hashes(full)
        assert h_inc == h_full, (step, [k for k in h_inc if h_inc[k] != h_full.get(k)])
        full.close()
    assert rows(inc, a_keys) == [{"app_key": "gp_com_a"}]
    inc.close()


# --- download trends ---------------------------------------------------------------------------------------


def test_download_trends_has_a_row_per_tracked_app_store_country_and_day(warehouses):
    a = warehouses["a"]
    tracked = {
        (r["store"], r["app_key"])
        for r in rows(
            a,
            """
        SELECT DISTINCT ids.store, ids.app_key FROM core.app_store_ids AS ids
        JOIN core.apps AS a ON a.app_key = ids.app_key AND a.is_short_drama""",
        )
    }
    assert len(tracked) == 2 * 12 and len({k for _, k in tracked}) == 12  # one product in both stores
    expected = {(d, s, c, k) for d in DAYS for (s, k) in tracked for c in COUNTRIES}
    got = rows(a, "SELECT * FROM marts.download_trends")
    assert {(r["snapshot_date"], r["store"], r["country"], r["app_key"]) for r in got} == expected
    assert len(got) == len(expected)
    for r in got:
        assert r["est_downloads"] > 0 and r["est_revenue"] > 0  # unranked days are not zero downloads
        assert r["downloads_low"] <= r["est_downloads"] <= r["downloads_high"]
        assert r["region"] == {"us": "north_america", "gb": "europe", "jp": "east_asia"}[r["country"]]
        if r["downloads_basis"] == "tail":
            assert r["downloads_low"] == 0 and r["est_downloads"] == 0.5 * r["downloads_high"]
        assert (r["best_rank"] is None) == (r["charts_ranked"] == 0)
        assert r["days_7d"] == min(7, (r["snapshot_date"] - START).days + 1)
        assert (r["wow_change"] is None) == ((r["snapshot_date"] - START).days < 10)
    assert {r["downloads_basis"] for r in got} == {"ranked", "tail"}


def test_rolling_sums_and_week_over_week(warehouses):
    a = warehouses["a"]
    got = rows(a, "SELECT * FROM marts.download_trends ORDER BY app_key, store, country, snapshot_date")
    series = defaultdict(list)
    for r in got:
        series[(r["app_key"], r["store"], r["country"])].append(r)
    for days in series.values():
        for i, r in enumerate(days):
            last7 = [d["est_downloads"] for d in days[max(0, i - 6) : i + 1]]
            assert r["downloads_7d"] == pytest.approx(sum(last7), rel=1e-12)
            assert r["downloads_28d"] == pytest.approx(
                sum(d["est_downloads"] for d in days[: i + 1]), rel=1e-12
            )
            assert r["revenue_7d"] == pytest.approx(
                sum(d["est_revenue"] for d in days[max(0, i - 6) : i + 1]), rel=1e-12
            )
            if i == 10:
                prev = [d["est_downloads"] for d in days[0:4]]  # t-13..t-7 = the first 4 days
                assert r["wow_change"] == pytest.approx((sum(last7) / 7) / (sum(prev) / 4) - 1, rel=1e-9)


def test_install_milestones_are_reported_on_the_day_they_are_crossed(tmp_path):
    conn = connect(tmp_path / "wh.duckdb")
    app = AppRecord(
        app_key="gp_com_x",
        name="X Drama",
        publisher="X",
        store="google_play",
        store_app_id="com.x",
        bundle_id="com.x",
        is_short_drama=True,
        status="candidate",
        classification_reason="t",
    )
    installs = [(9_700_000, "5,000,000+", 5_000_000), (10_200_000, "10,000,000+", 10_000_000),
                (10_900_000, "10,000,000+", 10_000_000)]  # fmt: skip
    for i, (real, text, low) in enumerate(installs):
        day = date(2026, 11, 20) + timedelta(days=i)
        entries = [
            ChartEntry(
                store="google_play",
                country="us",
                chart="top-free",
                genre="APPLICATION",
                feed="batchexecute",
                rank=3,
                store_app_id="com.x",
                name="X Drama",
            )
        ]
        details = [PlayAppDetails(app_id="com.x", country="us", title="X Drama", developer="X", genre="Entertainment",
                                  genre_id="ENTERTAINMENT", installs_text=text, min_installs=low, real_installs=real,
                                  score=4.0, ratings=100, reviews=1, histogram=None, updated=None, released=None,
                                  version=None, description=None)]  # fmt: skip
        load_batch(
            conn,
            batch_id=f"b{i}",
            source="googleplay",
            snapshot_date=day,
            country="us",
            chart_entries=entries,
            lookups=[],
            apps=[app],
            fetch_log_rows=[],
            play_details=details,
        )
    build_marts(conn)
    got = {r["snapshot_date"].day: r for r in rows(conn, "SELECT * FROM marts.download_trends")}
    assert got[20]["milestones_crossed"] == []  # no earlier snapshot to compare with
    assert got[21]["milestones_crossed"] == ["band:10,000,000+", "installs:10M"]
    assert got[22]["milestones_crossed"] == [] and got[22]["real_installs"] == 10_900_000
    conn.close()


# --- market share ------------------------------------------------------------------------------------------


GROUP = ("basis", "grain", "period_start", "store", "geo_level", "geo", "chart", "genre")


def share_groups(conn) -> dict[tuple, list[dict]]:
    groups = defaultdict(list)
    for r in rows(conn, "SELECT * FROM marts.market_share_top"):
        groups[tuple(r[k] for k in GROUP)].append(r)
    return groups


def test_market_share_top_groups_sum_to_one_with_top_n_and_others(warehouses):
    groups = share_groups(warehouses["a"])
    combos = {(k[0], k[1], k[4]) for k in groups}
    assert combos == {
        (b, g, lv)
        for b in ("chart_presence", "estimated_downloads", "estimated_revenue")
        for g in ("day", "week", "month")
        for lv in ("country", "region", "global")
    }
    geos = {k[5] for k in groups}
    assert {"us", "gb", "jp", "north_america", "europe", "east_asia", "global"} == geos
    for key, members in groups.items():
        assert math.isclose(sum(m["share"] for m in members), 1.0, abs_tol=1e-9), key
        n = members[0]["apps_in_group"]
        assert sum(m["apps_in_row"] for m in members) == n
        assert len(members) == min(n, 10) + (1 if n > 10 else 0)
        assert sorted(m["position"] for m in members) == list(range(1, len(members) + 1))
        others = [m for m in members if m["app_key"] == "others"]
        assert (len(others) == 1) == (n > 10)
        ranked = sorted((m for m in members if m["app_key"] != "others"), key=lambda m: m["position"])
        assert all(x["value"] >= y["value"] for x, y in zip(ranked, ranked[1:], strict=False))
    assert any(m[0]["apps_in_group"] > 10 for m in groups.values())
    months = {k[2] for k in groups if k[1] == "month"}
    weeks = {k[2] for k in groups if k[1] == "week"}
    assert months == {date(2026, 11, 1)} and weeks == {date(2026, 11, 16), date(2026, 11, 23)}


def test_estimated_share_is_the_apps_downloads_over_the_total(warehouses):
    a = warehouses["a"]
    trends = rows(
        a,
        "SELECT * FROM marts.download_trends WHERE snapshot_date BETWEEN DATE '2026-11-16' "
        "AND DATE '2026-11-22'",
    )
    totals = defaultdict(float)
    for r in trends:
        if r["country"] in ("gb",):
            totals[r["app_key"]] += r["est_downloads"]
    grand = sum(totals.values())
    got = share_groups(a)[
        ("estimated_downloads", "week", date(2026, 11, 16), "both", "region", "europe", "all", "all")
    ]
    for m in got:
        if m["app_key"] != "others":
            assert m["share"] == pytest.approx(totals[m["app_key"]] / grand, rel=1e-9)
            assert m["value"] == pytest.approx(totals[m["app_key"]], rel=1e-9)
            assert m["stores_in_group"] == 2 and m["countries_in_group"] == 1


def test_top_n_is_configurable(warehouses, tmp_path):
    shutil.copy(warehouses["root"] / "base.duckdb", tmp_path / "c.duckdb")
    conn = connect(tmp_path / "c.duckdb")
    refresh_marts(conn, top_n=3)
    for key, members in share_groups(conn).items():
        n = members[0]["apps_in_group"]
        assert len(members) == min(n, 3) + (n > 3), key
        assert math.isclose(sum(m["share"] for m in members), 1.0, abs_tol=1e-9)
    conn.close()


def test_chart_presence_rows_of_the_existing_mart_are_unchanged(warehouses):
    a = warehouses["a"]
    assert {r["grain"] for r in rows(a, "SELECT DISTINCT grain FROM marts.market_share")} == {"day", "week"}
    sums = rows(
        a,
        "SELECT grain, period_start, store, country, chart, genre, sum(share) AS s "
        "FROM marts.market_share GROUP BY ALL",
    )
    assert sums and all(abs(r["s"] - 1) < 1e-9 for r in sums)
    day = rows(
        a,
        "SELECT app_key, weight_sum FROM marts.market_share WHERE grain = 'day' AND store = 'app_store' "
        "AND country = 'us' AND chart = 'top-free' AND genre = 'all' AND period_start = DATE '2026-11-20'",
    )
    top = {
        r["app_key"]: r["value"]
        for r in rows(
            a,
            """
        SELECT app_key, value FROM marts.market_share_top WHERE basis = 'chart_presence' AND grain = 'day'
          AND store = 'app_store' AND geo = 'us' AND chart = 'top-free' AND genre = 'all'
          AND period_start = DATE '2026-11-20' AND app_key <> 'others'""",
        )
    }
    for r in day:
        if r["app_key"] in top:
            assert top[r["app_key"]] == pytest.approx(r["weight_sum"], rel=1e-12)


# --- rank movers -------------------------------------------------------------------------------------------


def test_rank_movers_classify_moves_entrants_and_drop_outs(tmp_path):
    conn = connect(tmp_path / "wh.duckdb")
    charts = {0: "ABC", 1: "BAD", 2: "BAC", **{i: "BAC" for i in range(3, 10)}, 10: "BDC"}
    apps = {x: AppRecord(app_key=f"ios_{x}", name=f"App {x}", publisher=x, store="app_store", store_app_id=x,
                         bundle_id=None, is_short_drama=x in "AD", status="candidate", classification_reason="t")
            for x in "ABCD"}  # fmt: skip
    start = date(2026, 11, 1)
    for i, order in charts.items():
        entries = [
            ChartEntry(
                store="app_store",
                country="us",
                chart="top-free",
                genre="all",
                feed="rss_v2",
                rank=r,
                store_app_id=x,
                name=f"App {x}",
            )
            for r, x in enumerate(order, start=1)
        ]
        load_batch(
            conn,
            batch_id=f"b{i}",
            source="appstore",
            snapshot_date=start + timedelta(days=i),
            country="us",
            chart_entries=entries,
            lookups=[],
            apps=[apps[x] for x in order],
            fetch_log_rows=[],
        )
    build_marts(conn)
    got = {
        (r["snapshot_date"].day, r["store_app_id"]): r for r in rows(conn, "SELECT * FROM marts.rank_movers")
    }
    assert {got[(1, x)]["movement"] for x in "ABC"} == {"baseline"}
    assert (got[(2, "B")]["movement"], got[(2, "B")]["rank_change"], got[(2, "B")]["mover_position"]) == (
        "up",
        1,
        1,
    )
    assert (got[(2, "A")]["movement"], got[(2, "A")]["rank_change"]) == ("down", -1)
    assert (got[(2, "D")]["movement"], got[(2, "D")]["entrant_position"]) == ("new_entrant", 1)
    assert (got[(2, "C")]["movement"], got[(2, "C")]["prev_rank"], got[(2, "C")]["rank"]) == (
        "dropped",
        3,
        None,
    )
    assert (got[(3, "C")]["movement"], got[(3, "C")]["days_absent"]) == ("re_entry", 1)
    assert got[(4, "A")]["movement"] == "same" and got[(4, "A")]["mover_position"] is None
    # D: last seen on day 2, back on day 11 after 8 days absent → a new entrant again
    assert (got[(11, "D")]["movement"], got[(11, "D")]["days_absent"]) == ("new_entrant", 8)
    assert got[(11, "A")]["movement"] == "dropped" and got[(11, "D")]["is_short_drama"] is True
    assert got[(11, "D")]["app_name"] == "App D"
    conn.close()


def _load_chart_days(conn, charts: dict[str, dict[int, str]], offsets: list[int], start: date) -> None:
    """Load the given days (offsets from ``start``) of ``charts`` (chart -> {offset: listings in rank order})."""
    apps = {x: AppRecord(app_key=f"ios_{x}", name=f"App {x}", publisher=x, store="app_store", store_app_id=x,
                         bundle_id=None, is_short_drama=x in "AE", status="candidate", classification_reason="t")
            for x in "ABCDEFGH"}  # fmt: skip
    for i in offsets:
        for chart, days in charts.items():
            if i not in days:
                continue
            entries = [ChartEntry(store="app_store", country="us", chart=chart, genre="all", feed="rss_v2", rank=r,
                                  store_app_id=x, name=f"App {x}") for r, x in enumerate(days[i], start=1)]  # fmt: skip
            load_batch(conn, batch_id=f"{chart}-{i}", source="appstore", snapshot_date=start + timedelta(days=i),
                       country="us", chart_entries=entries, lookups=[], apps=[apps[x] for x in days[i]],
                       fetch_log_rows=[])  # fmt: skip


def test_rank_movers_refresh_across_long_gaps_gives_the_full_rebuild(tmp_path):
    """The incremental rank movers read a week of rows before the first changed day, plus what lies further
    back: a chart's capture before a gap longer than that, a listing's last appearance weeks ago, a listing
    never seen. Appending after a long gap and back-filling days in the middle of long gaps (one chart with
    gaps, one captured more often) must each end where a full rebuild of the same days does."""
    start = date(2026, 10, 5)
    top_free = {0: "ABCE", 1: "BACD", 2: "BADC", 14: "CBAD", 15: "ECBA", 22: "ABFC", 30: "GBCA", 40: "HADC",
                80: "EABC"}  # fmt: skip
    top_paid = {**{i: "ABC" for i in (0, 1, 2, 8, 9, 10, 11, 12, 13)}, 14: "DAB", 15: "BAD", 22: "ACE", 30: "CAB",
                40: "ABC"}  # fmt: skip
    charts = {"top-free": top_free, "top-paid": top_paid}
    # appended after 13 days; appended; back-filled in a 13-day gap; back-filled; appended; appended
    steps = [[15], [30], [14], [22], [40], [80]]
    loaded = [0, 1, 2, 8, 9, 10, 11, 12, 13]
    inc = connect(tmp_path / "incremental.duckdb")
    _load_chart_days(inc, charts, loaded, start)
    build_marts(inc)
    for n, step in enumerate(steps):
        _load_chart_days(inc, charts, step, start)
        refresh_marts(inc, changed_dates=[start + timedelta(days=i) for i in step])
        loaded += step
        full = connect(tmp_path / f"full{n}.duckdb")
        _load_chart_days(full, charts, sorted(loaded), start)
        build_marts(full)
        h_inc, h_full = table_hashes(inc), table_hashes(full)
        assert h_inc == h_full, (step, [k for k in h_inc if h_inc[k] != h_full.get(k)])
        full.close()
    got = {(r["chart"], (r["snapshot_date"] - start).days, r["store_app_id"]): r
           for r in rows(inc, "SELECT * FROM marts.rank_movers")}  # fmt: skip

    def seen(chart: str, day: int, listing: str) -> tuple:
        r = got[(chart, day, listing)]
        last = None if r["last_seen_date"] is None else (r["last_seen_date"] - start).days
        return r["movement"], (r["prev_date"] - start).days, last, r["days_absent"]

    # a chart captured again after a gap longer than a week compares with its capture before the gap
    assert seen("top-free", 14, "C") == ("up", 2, 2, 11)
    assert seen("top-free", 15, "D") == ("dropped", 14, 14, 0)
    # back after weeks: last seen before the week of rows read (E: day 0, then day 15; D: day 14; B: day 15)
    assert seen("top-free", 15, "E") == ("new_entrant", 14, 0, 14)
    assert seen("top-free", 40, "D") == ("new_entrant", 30, 14, 25)
    assert seen("top-free", 80, "E") == ("new_entrant", 40, 15, 64)  # over 5 weeks before the rows read
    assert seen("top-paid", 30, "B") == ("new_entrant", 22, 15, 14)
    assert seen("top-paid", 22, "C") == ("new_entrant", 15, 13, 8)
    # never seen before in the chart
    assert seen("top-free", 22, "F") == ("new_entrant", 15, None, None)
    assert seen("top-free", 40, "H") == ("new_entrant", 30, None, None)
    assert seen("top-paid", 22, "E") == ("new_entrant", 15, None, None)
    inc.close()


# --- comments and docs -------------------------------------------------------------------------------------


def test_every_mart_and_model_table_and_column_is_commented(warehouses):
    a = warehouses["a"]
    new = {"core.estimate_params", "core.app_estimates", "core.countries", "core.estimate_priors",
           "core.estimate_settings", "core.market_totals"}  # fmt: skip
    tables = {
        f"{r['schema_name']}.{r['table_name']}": r["comment"]
        for r in rows(a, "SELECT schema_name, table_name, comment FROM duckdb_tables()")
    }
    wanted = {t for t in tables if t.startswith("marts.")} | new
    assert set(MARTS) | new <= wanted
    assert [t for t in sorted(wanted) if not tables[t]] == []
    columns = rows(
        a, "SELECT schema_name || '.' || table_name AS t, column_name, comment FROM duckdb_columns()"
    )
    missing = [(c["t"], c["column_name"]) for c in columns if c["t"] in wanted and not c["comment"]]
    assert missing == []


def test_docs_marts_md_is_generated_from_the_comments(warehouses):
    text = render(warehouses["a"])
    assert DEFAULT_OUT.read_text(encoding="utf-8") == text, "regenerate: python -m warehouse.docs_marts"
    for table in MARTS + ["core.estimate_params", "core.app_estimates"]:
        assert f"### `{table}`" in text
    fresh = connect(":memory:")
    assert render(fresh) == text  # the comments come from the migrations, not from the data
    fresh.close()


def test_build_timings_are_reported(warehouses):
    timing = warehouses["timing"]
    assert all(t > 0 for t in timing.values())
    start = time.perf_counter()
    refresh_marts(warehouses["b"], changed_dates=[DAYS[10]])
    assert time.perf_counter() - start < 60
