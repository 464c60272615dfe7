"""Market events: a planted rank jump makes ``app_deep_dive`` run for exactly the app that moved.

Two days of the App Store sample capture (us, gb) in which NetShort is planted at #79 of the us top-free chart on
day 1 and #40 on day 2 (nothing else moves 20 ranks or enters a chart). Both days go through the DAGs with
``dag.test`` (``EmbeddedAirflow.run_chain``, which chains runs through their asset events). Every source URL
points at a loopback server; the ingest replays the capture, the deep dive fetches live (``deep_dive_fetch =
live``) from the loopback server, which therefore sees exactly the deep dive's requests.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dramatrack.settings import get_settings
from tests.loopback_server import LoopbackServer, Reply

COUNTRIES = ["us", "gb"]
START = date(2026, 11, 1)
JUMPER = "NetShort"  # catalog app: ios 6504849169, android com.netshort.abroad
JUMP_FROM, JUMP_TO = 79, 40  # planted: #79 on day 1, #40 on day 2


def _plant_jump(monkeypatch) -> None:
    """Day 2's charts are day 1's, but for us RSS v2 top-free: NetShort at #79 on day 1 and #40 on day 2 (the apps
    in between shift by one)."""
    from sample_data import generate_capture

    original = generate_capture._chart_apps

    def planted(apps, tags, country, day_index, settings, *rest):
        # both days show day 1's charts (nothing moves or enters by itself), but for the planted jump
        chosen = original(apps, tags, country, 0, settings, *rest)
        if day_index in (0, 1) and country == "us" and tags["kind"] == "rss_v2" and tags["chart"] == "top-free":
            jumper = next(a for a in chosen if a.name.startswith(JUMPER))
            chosen.remove(jumper)
            chosen.insert((JUMP_FROM if day_index == 0 else JUMP_TO) - 1, jumper)
        return chosen

    monkeypatch.setattr(generate_capture, "_chart_apps", planted)


@pytest.fixture(scope="module")
def server():
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def chain(tmp_path_factory, airflow_db, server):
    from sample_data.market import build_market, play_app, with_ratings
    from sample_data.payloads import render_lookup
    from sample_data.play_payloads import render_details_page

    data_dir = tmp_path_factory.mktemp("market_events")
    base = server.url("").rstrip("/")
    env = {
        "DRAMATRACK_DATA_DIR": str(data_dir),
        "DRAMATRACK_COUNTRIES": ",".join(COUNTRIES),
        "DRAMATRACK_APPSTORE_RSS_BASE_URL": base,
        "DRAMATRACK_ITUNES_BASE_URL": base,
        "DRAMATRACK_GOOGLE_PLAY_BASE_URL": base,
        "DRAMATRACK_NEWS_BASE_URL": base,
        "DRAMATRACK_NEWS_EDITIONS": "en-US:US,zh-CN:CN",
        "DRAMATRACK_RESPECT_ROBOTS_TXT": "false",
        "DRAMATRACK_REQUESTS_PER_SECOND_PER_HOST": "1000",
        "DRAMATRACK_HOST_RATE_OVERRIDES": "{}",
        "DRAMATRACK_MAX_RETRIES": "1",
        "DRAMATRACK_BACKOFF_BASE_SECONDS": "0.01",
        "DRAMATRACK_DEEP_DIVE_FETCH": "live",
        "DRAMATRACK_CATALOG_CANDIDATES_PATH": str(data_dir / "candidates.yaml"),
    }
    mp = pytest.MonkeyPatch()
    for key, value in env.items():
        mp.setenv(key, value)
    get_settings.cache_clear()
    settings = get_settings()
    _plant_jump(mp)
    from sample_data.generate_capture import generate

    capture = data_dir / "capture"
    generate(capture, START, 2, COUNTRIES, settings=settings, sources=("app_store",))

    # What the loopback "stores" answer to the deep dive (anything else: 404 "not scripted").
    from extractors.appstore_urls import lookup_url
    from extractors.google_play_urls import details_url

    market = {m.app.name.split(" - ")[0]: m for m in build_market()}
    netshort = market[JUMPER]
    expected = {
        "lookup": lookup_url(base, "us", ["6504849169"]),
        "details": details_url(base, "com.netshort.abroad", "us", settings.play_language),
    }
    server.script(expected["lookup"][len(base):],
                  Reply(200, render_lookup("us", [with_ratings(netshort, "us", 1)]),
                        headers={"Content-Type": "text/javascript"}))
    server.script(expected["details"][len(base):],
                  Reply(200, render_details_page(play_app(netshort, 1, START)),
                        headers={"Content-Type": "text/html"}))
    server.script("/rss/search", Reply(200, b"<?xml version='1.0'?><rss><channel><title>t</title></channel></rss>",
                                       headers={"Content-Type": "application/rss+xml"}))

    from dramatrack.local_airflow import EmbeddedAirflow

    airflow = EmbeddedAirflow()
    results = {}
    seen_before = {}
    for i in range(2):
        day = START + timedelta(days=i)
        seen_before[day] = len(server.requests)
        conf = {"date": day.isoformat(), "countries": COUNTRIES, "replay": str(capture)}
        results[day] = airflow.run_chain(["appstore_ingest"], day, conf)
    again = airflow.run_chain(["appstore_ingest"], START + timedelta(days=1), conf)
    yield {"settings": settings, "airflow": airflow, "results": results, "again": again, "server": server,
           "base": base, "expected": expected, "seen_before": seen_before, "data_dir": data_dir}
    mp.undo()
    get_settings.cache_clear()


def _by_dag(results) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in results:
        out.setdefault(r.dag_id, []).append(r)
    return out


def test_the_first_day_has_no_market_event(chain):
    day1 = _by_dag(chain["results"][START])
    assert [r.state for r in day1["marts_build"]] == ["success"]
    assert "app_deep_dive" not in day1  # a chart's first day has nothing to compare with
    assert chain["airflow"].emitted(day1["marts_build"][0]).keys() == {"dramatrack://warehouse/marts"}


def test_market_events_list_exactly_the_app_that_jumped(chain):
    from dramatrack.assets import MARKET_EVENTS

    day2 = _by_dag(chain["results"][START + timedelta(days=1)])
    assert all(r.state == "success" for rs in day2.values() for r in rs), {
        d: [(r.state, r.failed_tasks) for r in rs] for d, rs in day2.items()}
    emitted = chain["airflow"].emitted(day2["marts_build"][0])
    [extra] = emitted[MARKET_EVENTS.uri]
    assert extra["app_keys"] == ["netshort"]
    [event] = extra["events"]
    assert (event["kind"], event["store"], event["country"], event["chart"], event["genre"]) == (
        "rank_jump", "app_store", "us", "top-free", "all")
    assert (event["prev_rank"], event["rank"], event["rank_change"]) == (JUMP_FROM, JUMP_TO, JUMP_FROM - JUMP_TO)
    assert event["batch_id"] == "app_store:2026-11-02:us"
    [app] = extra["apps"]
    assert app["countries"] == ["us"]
    assert {(x["store"], x["store_app_id"]) for x in app["listings"]} == {
        ("app_store", "6504849169"), ("google_play", "com.netshort.abroad")}
    # the event carries the batch, its WARC file, counts, day and countries
    assert extra["batch_ids"] == ["app_store:2026-11-02:us"] and extra["countries"] == ["us"]
    assert extra["snapshot_dates"] == ["2026-11-02"] and extra["row_counts"]["rank_jump"] == 1
    assert len(extra["warc_paths"]) == 1 and Path(extra["warc_paths"][0]).is_file()
    assert extra["threshold"] == 20


def test_the_deep_dive_fetched_exactly_its_pages(chain):
    from extractors.warc_archive import iter_responses

    day2 = _by_dag(chain["results"][START + timedelta(days=1)])
    assert [r.state for r in day2["app_deep_dive"]] == ["success"]
    server, base = chain["server"], chain["base"]
    seen = [r for r in server.requests[chain["seen_before"][START + timedelta(days=1)]:]]
    news = [r.path for r in seen if r.path.startswith("/rss/search")]
    assert len(news) == 1 and "NetShort" in news[0] and "gl=US" in news[0]
    stores = sorted(r.path for r in seen if not r.path.startswith("/rss/search"))
    assert stores == sorted(u[len(base):] for u in chain["expected"].values())
    # archived to WARC, one file per store (and one for the news)
    emitted = chain["airflow"].emitted(day2["app_deep_dive"][0])
    [extra] = emitted["dramatrack://raw/deep_dive"]
    assert extra["app_keys"] == ["netshort"]
    archived = sorted(r.url for p in extra["warc_paths"] for r in iter_responses(p))
    assert archived == sorted([*chain["expected"].values(), base + news[0]])
    assert extra["row_counts"]["app_store"] == {"requests": 1, "responses": 1}
    assert extra["row_counts"]["google_play"] == {"requests": 1, "responses": 1}


def test_a_market_event_notice_was_sent_once_and_nothing_is_announced_twice(chain):
    settings = chain["settings"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        alerts = conn.execute("SELECT kind, target, summary FROM ops.alerts WHERE kind = 'market_event'").fetchall()
        recorded = conn.execute("SELECT app_key, kind, rank FROM ops.market_events").fetchall()
    assert [(k, t) for k, t, _ in alerts] == [("market_event", "ops")]
    assert "NetShort" in alerts[0][2] and "1 rank jump" in alerts[0][2]
    assert recorded == [("netshort", "rank_jump", JUMP_TO)]
    # the same day again: the marts rebuild, but the event was announced already: no deep dive
    again = _by_dag(chain["again"])
    assert [r.state for r in again["marts_build"]] == ["success"]
    assert "app_deep_dive" not in again
    # a catalog app is never a candidate; apps.yaml is never written
    assert not (chain["data_dir"] / "candidates.yaml").exists()


def test_candidates_are_added_beside_the_catalog_without_touching_it(tmp_path):
    from dramatrack.market_events import update_candidates

    catalog = tmp_path / "apps.yaml"
    catalog.write_text("apps: []\n")
    path = tmp_path / "candidates.yaml"
    app = {"app_key": "ios_123", "name": "ReelMagic", "status": "candidate", "countries": ["us"],
           "listings": [{"store": "app_store", "store_app_id": "123"}]}
    event = {"app_key": "ios_123", "snapshot_date": "2026-11-02", "kind": "new_entrant", "store": "app_store",
             "country": "us", "chart": "top-free", "genre": "all", "rank": 30, "prev_rank": None}
    evidence = {"app_store:123": {"name": "ReelMagic: Vertical Short Drama", "publisher": "Magic Ltd",
                                  "genre": "Entertainment"}}
    catalog_app = dict(app, app_key="reelshort", status="catalog")
    assert update_candidates(path, [app, catalog_app], [event], evidence, ["reelshort"]) == ["ios_123"]
    assert update_candidates(path, [app], [dict(event, snapshot_date="2026-11-03")], evidence, []) == []
    import yaml

    doc = yaml.safe_load(path.read_text())
    [entry] = doc["candidates"]
    assert entry["name"] == "ReelMagic: Vertical Short Drama" and entry["ios_id"] == "123"
    assert entry["first_event"]["snapshot_date"] == "2026-11-02"
    assert entry["last_event"]["snapshot_date"] == "2026-11-03" and entry["events_seen"] == 2
    assert catalog.read_text() == "apps: []\n"
    assert json.loads(json.dumps(doc))  # plain data
    assert os.path.getsize(path) > 0
