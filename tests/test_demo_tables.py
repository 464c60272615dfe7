"""The tables `dramatrack demo` prints, run on the snapshot of a simulated warehouse (3 countries x 17 days x both
stores, warehouse/estimates/simulate.py, 14 short-drama apps so every group has an Others row): each share table
holds one whole group of marts.market_share_top and sums to 100 %, and each title names the store, the chart,
the geography and the basis of what the rows are."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dramatrack_cli.demo_tables import DEMO_SHARE_GROUPS, demo_tables, share_table
from warehouse.connection import connect
from warehouse.estimates.simulate import days_from, load_market, simulate_market
from warehouse.marts import refresh_marts
from warehouse.queries import run_query
from warehouse.snapshot import publish_snapshot

COUNTRIES = ["us", "gb", "de"]
# Sunday 1 Nov to Tuesday 17 Nov 2026: ISO weeks W44 (1 day), W45, W46 (complete), W47 (2 days).
DAYS = days_from(date(2026, 11, 1), 17)
LATEST_COMPLETE_WEEK = ("2026-W46", date(2026, 11, 9))


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo_tables")
    market = simulate_market(DAYS, COUNTRIES, n_drama=14, n_other=50, depth=25, seed=11)
    conn = connect(root / "warehouse.duckdb")
    try:
        load_market(conn, market)
        refresh_marts(conn)
    finally:
        conn.close()
    return publish_snapshot(root / "warehouse.duckdb", root / "analytics.duckdb")


@pytest.fixture(scope="module")
def conn(snapshot):
    with duckdb.connect(str(snapshot), read_only=True) as c:
        yield c


@pytest.fixture(scope="module")
def tables(conn):
    return demo_tables(conn)


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_demo_prints_three_share_tables_then_coverage_and_quarantine(tables):
    assert [t.share_column is not None for t in tables] == [True, True, True, False, False]
    assert all(t.rows for t in tables[:4]), "a share or coverage table is empty on a built warehouse"


@pytest.mark.parametrize("group", DEMO_SHARE_GROUPS, ids=lambda g: f"{g.basis}-{g.store}-{g.geo}")
def test_each_share_table_sums_to_100_percent_of_the_one_group_it_names(conn, group):
    table = share_table(conn, group)
    shares = [row[table.columns.index(table.share_column)] for row in table.rows]
    assert len(shares) > 2 and table.rows[-1][1] == "Others"
    assert sum(shares) == pytest.approx(100, abs=0.05 * len(shares))  # each share rounded to 0.1
    # the query returned one group only (the old table summed three stores' rows: ~300 %)
    cols, rows = run_query(conn, "demo_share_latest_week", group.params())
    keys = {tuple(r[cols.index(k)] for k in ("basis", "store", "geo_level", "geo", "chart", "genre", "iso_week"))
            for r in rows}  # fmt: skip
    assert keys == {(group.basis, group.store, group.geo_level, group.geo, group.chart, group.genre,
                     LATEST_COMPLETE_WEEK[0])}  # fmt: skip
    # and the whole of it: every row of that group in the mart, whose shares sum to 1
    n, total = conn.execute(
        "SELECT count(*), sum(share) FROM marts.market_share_top WHERE grain = 'week' AND period_start = ? "
        "AND basis = ? AND store = ? AND geo_level = ? AND geo = ? AND chart = ? AND genre = ?",
        [LATEST_COMPLETE_WEEK[1], *group.params().values()]).fetchone()  # fmt: skip
    assert n == len(table.rows) and total == pytest.approx(1, abs=1e-9)


@pytest.mark.parametrize("group", DEMO_SHARE_GROUPS, ids=lambda g: f"{g.basis}-{g.store}-{g.geo}")
def test_each_share_title_names_store_chart_geography_basis_and_week(conn, group):
    title = _words(share_table(conn, group).title)
    stores = {"app_store": ["App Store"], "google_play": ["Google Play"], "both": ["App Store", "Google Play"]}
    for store in stores[group.store]:
        assert f"{store}" in title
    if group.store == "app_store":
        assert "Google Play" not in title
    basis = {"estimated_revenue": "revenue", "estimated_downloads": "downloads", "chart_presence": "chart presence"}
    assert f"Basis: {basis[group.basis]}" in title or f"Basis: estimated {basis[group.basis]}" in title
    charts = {"estimated_revenue": "top-grossing", "estimated_downloads": "top-free"}
    assert "Chart: " in title and charts.get(group.basis, group.chart) in title
    if group.genre == "6016":
        assert "Entertainment" in title
    tracked = conn.execute("SELECT count(DISTINCT country) FROM core.chart_entries").fetchone()[0]
    assert tracked == len(COUNTRIES)
    assert f"Geography: global: the {tracked} tracked countries" in title
    assert f"ISO week {LATEST_COMPLETE_WEEK[0]} (7 of 7 days" in title


def test_every_title_names_store_chart_geography_and_basis(tables):
    for table in tables:
        assert set(table.named) >= {"store", "chart", "geography", "basis"}
        title = _words(table.title)
        for what in ("store", "chart", "geography", "basis"):
            assert table.named[what] and _words(table.named[what]) in title, (what, title)


def test_the_printed_summary_shows_these_titles_and_not_the_old_one(snapshot, tables, capsys, monkeypatch):
    from dramatrack.settings import get_settings
    from dramatrack_cli.show import print_demo_summary

    monkeypatch.setenv("DRAMATRACK_DATA_DIR", str(snapshot.parent))
    get_settings.cache_clear()
    try:
        print_demo_summary(get_settings(), [], 1.0)
    finally:
        get_settings.cache_clear()
    out = _words(capsys.readouterr().out)
    for table in tables:
        assert _words(table.title) in out
    assert "marts.market_share: latest week" not in out


def test_the_named_average_query_stays_within_100_percent(conn):
    cols, rows = run_query(conn, "market_share_latest_week")
    assert rows and "avg_share_pct" in cols
    assert sum(r[cols.index("avg_share_pct")] for r in rows) <= 100 + 0.05 * len(rows)
