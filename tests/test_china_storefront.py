"""The China storefront: `cn` is an App Store country (legacy RSS and lookups), Google Play skips it, and the marts
keep the domestic market apart: 红果短剧 ranks in the China storefront and in no overseas market-share row."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from dramatrack.pipeline.ingest import ingest
from dramatrack.pipeline.validate_load import build_marts_and_publish, load_report, stage_and_validate
from dramatrack.settings import Settings
from extractors import appstore, google_play
from sample_data.china import CHINA_SHORT_DRAMA_APPS
from sample_data.generate_capture import generate

START = date(2026, 11, 2)
DAYS = [START, START + timedelta(days=1)]
COUNTRIES = ["us", "cn"]
CHINA_IDS = [ios_id for _, _, ios_id, _ in CHINA_SHORT_DRAMA_APPS]


def test_cn_fetch_plan_uses_the_legacy_feeds_and_google_play_skips_it():
    settings = Settings(countries=["us", "cn"])
    cn = appstore.chart_requests(settings, "cn")
    assert {r.tags["kind"] for r in cn} == {"legacy_rss"}
    assert sorted((r.tags["chart"], r.tags["genre"]) for r in cn) == [
        ("top-free", "6016"), ("top-free", "all"), ("top-grossing", "6016"), ("top-paid", "all")]
    assert all("/cn/rss/" in r.url for r in cn) and not any("/genre=" in r.url for r in cn if r.tags["genre"] == "all")
    assert {r.tags["kind"] for r in appstore.chart_requests(settings, "us")} == {"rss_v2", "legacy_rss"}
    assert google_play.play_countries(["us", "cn", "jp"]) == ["us", "jp"]
    # no request, no batch, no error: the client is never used
    assert google_play.fetch_day(settings, START, ["cn"], ["com.storymatrix.drama"], client=None) == []


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("china")
    settings = Settings(data_dir=tmp / "data", countries=COUNTRIES, play_chart_count=30, alert_webhook_url=None,
                        alert_slack_webhook_url=None, alert_emails=[])
    capture = tmp / "capture"
    generate(capture, START, len(DAYS), COUNTRIES, settings=settings, sources=("app_store", "google_play"))
    assert not list(capture.glob("google_play/*/cn.warc.gz"))
    summaries = []
    for day in DAYS:
        for source in ("app_store", "google_play"):
            manifests = ingest(settings, source, day, replay=capture)
            assert sorted(m.country for m in manifests) == (COUNTRIES[::-1] if source == "app_store" else ["us"])
            report = stage_and_validate(settings, manifests, f"china-{source}-{day}")
            summaries.append(load_report(settings, report))
    build_marts_and_publish(settings)
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    yield {"conn": conn, "summaries": summaries}
    conn.close()


def _rows(conn, sql, params=None):
    cur = conn.execute(sql, params or [])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_every_batch_loads(warehouse):
    for s in warehouse["summaries"]:
        assert s["quarantined_batches"] == [], s


def test_hongguo_ranks_in_the_china_storefront(warehouse):
    conn = warehouse["conn"]
    ranks = _rows(conn, "SELECT country, chart, genre, min(rank) AS best FROM core.chart_entries "
                        "WHERE app_key = 'hongguo' GROUP BY ALL ORDER BY ALL")
    assert ranks and {r["country"] for r in ranks} == {"cn"}
    assert {(r["chart"], r["genre"]) for r in ranks} >= {("top-free", "6016"), ("top-free", "all")}
    assert min(r["best"] for r in ranks) <= 3
    [app] = _rows(conn, "SELECT * FROM core.apps WHERE app_key = 'hongguo'")
    assert (app["status"], app["market"], app["suspect"]) == ("catalog", "china", False)
    china = _rows(conn, "SELECT * FROM marts.market_share WHERE app_key = 'hongguo'")
    assert china and {(r["country"], r["market"]) for r in china} == {("cn", "china")}
    # a China short-drama app the catalog does not know is discovered there
    [found] = _rows(conn, "SELECT status, is_short_drama FROM core.apps WHERE app_key = 'ios_6790000001'")
    assert found == {"status": "candidate", "is_short_drama": True}


def test_no_china_app_in_any_overseas_market_share_row(warehouse):
    conn = warehouse["conn"]
    china_keys = [r["app_key"] for r in _rows(
        conn, "SELECT DISTINCT app_key FROM core.app_store_ids WHERE store_app_id IN (SELECT unnest(?::VARCHAR[]))",
        [CHINA_IDS])]
    assert "hongguo" in china_keys and len(china_keys) == len(CHINA_IDS)
    overseas = _rows(conn, "SELECT DISTINCT market, country FROM marts.market_share WHERE market = 'overseas'")
    assert overseas and {r["country"] for r in overseas} == {"us"}
    for table in ("marts.market_share", "marts.market_share_top"):
        leaked = _rows(conn, f"SELECT count(*) AS n FROM {table} WHERE market = 'overseas' "
                             "AND app_key IN (SELECT unnest(?::VARCHAR[]))", [china_keys])
        assert leaked[0]["n"] == 0, table
    # the global level is per market: the overseas world never includes cn, China is its own group
    top = _rows(conn, "SELECT DISTINCT geo, market, countries_in_group FROM marts.market_share_top "
                      "WHERE geo_level = 'global'")
    assert {(r["geo"], r["market"]) for r in top} == {("global", "overseas"), ("china", "china")}
    assert all(r["countries_in_group"] == 1 for r in top)
    assert _rows(conn, "SELECT count(*) AS n FROM marts.market_share WHERE market = 'overseas' "
                       "AND app_key = 'reelshort'")[0]["n"] > 0
