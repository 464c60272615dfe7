"""The watchers' triggers fire once per change and never again for the same state.

The trigger's ``run()`` async generator is driven directly (as the triggerer would): the chart-feed watcher
against a loopback HTTP server, the inbox watcher against a temporary inbox (and a Redis channel when Redis
answers on 127.0.0.1:6379). A new trigger instance on the same data directory stands for a restarted
triggerer.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dramatrack.settings import get_settings
from tests.loopback_server import LoopbackServer, Reply

DAY = date(2026, 11, 1)


# ---------------------------------------------------------------------------------------------- helpers


class Driver:
    """Drives a trigger's ``run()`` generator: collects events while waiting for a condition."""

    def __init__(self, trigger):
        self.agen = trigger.run()
        self.pending: asyncio.Task | None = None
        self.events: list[dict] = []

    async def until(self, condition, timeout: float = 10.0) -> list[dict]:
        """Collect events until ``condition()`` holds (checked every 20 ms); return the new events."""
        start = len(self.events)
        deadline = time.monotonic() + timeout
        while True:
            if self.pending is None:
                self.pending = asyncio.ensure_future(self.agen.__anext__())
            done, _ = await asyncio.wait({self.pending}, timeout=0.02)
            if done:
                self.events.append(self.pending.result().payload)
                self.pending = None
                continue
            if condition():
                return self.events[start:]
            if time.monotonic() > deadline:
                raise TimeoutError("condition not reached")

    async def close(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
            try:
                await self.pending
            except (asyncio.CancelledError, StopAsyncIteration):
                pass
        await self.agen.aclose()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAMATRACK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAMATRACK_INBOX_SETTLE_SECONDS", "0")
    monkeypatch.setenv("DRAMATRACK_FEED_WATCH_COOLDOWN_MINUTES", "0")
    monkeypatch.setenv("DRAMATRACK_FEED_WATCH_COUNTRIES", "us")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


# ---------------------------------------------------------------------------------------------- chart feed


def _feed(order: list[int], updated: datetime) -> bytes:
    from sample_data.market import build_market, ranked
    from sample_data.payloads import render_rss_v2

    apps = [m.app for m in ranked(build_market(), "free", "us", 0, 20)]
    return render_rss_v2("us", "top-free", [apps[i] for i in order], updated)


@pytest.fixture
def feed_server(env):
    with LoopbackServer() as server:
        env.setenv("DRAMATRACK_APPSTORE_RSS_BASE_URL", server.url("").rstrip("/"))
        get_settings.cache_clear()
        from extractors.appstore import chart_requests

        path = chart_requests(get_settings(), "us")[0].url[len(server.url("").rstrip("/")):]
        yield server, path


def test_feed_watcher_fires_once_per_change_and_not_for_an_unchanged_feed(feed_server, tmp_path):
    from dramatrack.watchers.triggers import ChartFeedTrigger

    server, path = feed_server
    noon = datetime(2026, 11, 1, 12, tzinfo=UTC)
    first, moved = list(range(20)), [1, 0, *range(2, 20)]

    async def scenario():
        server.script(path, Reply(200, _feed(first, noon)))
        driver = Driver(ChartFeedTrigger(source="app_store", poll_seconds=0.05))
        try:
            # baseline, then unchanged polls: nothing
            assert await driver.until(lambda: server.hits(path) >= 4) == []
            # the feed regenerates (new `updated` stamp, same ranking): not a change
            server.script(path, Reply(200, _feed(first, noon + timedelta(hours=1))))
            seen = server.hits(path)
            assert await driver.until(lambda: server.hits(path) >= seen + 3) == []
            # the ranking changes: exactly one event, then nothing while it stays so
            server.script(path, Reply(200, _feed(moved, noon + timedelta(hours=2))))
            seen = server.hits(path)
            events = await driver.until(lambda: server.hits(path) >= seen + 5)
        finally:
            await driver.close()
        assert len(events) == 1, events
        [event] = events
        assert event["kind"] == "feed_change" and event["source"] == "app_store"
        now = datetime.now(UTC)  # the event's day, allowing for a run that crosses midnight UTC
        assert event["date"] in {now.date().isoformat(), (now - timedelta(minutes=10)).date().isoformat()}
        assert event["countries"] is None
        assert [c["feed"] for c in event["changed"]] == ["us/top-free/all"]
        assert "14:00:00" in event["changed"][0]["updated"]

        # a restarted triggerer (a new trigger, same data dir) does not fire again for the same feed
        restarted = Driver(ChartFeedTrigger(source="app_store", poll_seconds=0.05))
        try:
            seen = server.hits(path)
            assert await restarted.until(lambda: server.hits(path) >= seen + 4) == []
            # ...but does for the next change
            server.script(path, Reply(200, _feed(first, noon + timedelta(hours=3))))
            seen = server.hits(path)
            again = await restarted.until(lambda: server.hits(path) >= seen + 3)
        finally:
            await restarted.close()
        assert len(again) == 1

    asyncio.run(scenario())
    state = json.loads((tmp_path / "watchers" / "app_store-chart-feed.json").read_text())
    assert set(state["fired"]) == {"us/top-free/all"} and state["last_fired_at"]


def test_feed_watcher_polls_conditionally_and_treats_304_as_unchanged(feed_server):
    from dramatrack.watchers.triggers import ChartFeedTrigger

    server, path = feed_server
    body = _feed(list(range(20)), datetime(2026, 11, 1, tzinfo=UTC))
    server.script(path, Reply(200, body, headers={"ETag": '"v1"'}), Reply(304, headers={"ETag": '"v1"'}))

    async def scenario():
        driver = Driver(ChartFeedTrigger(source="app_store", poll_seconds=0.05))
        try:
            return await driver.until(lambda: server.hits(path) >= 5)
        finally:
            await driver.close()

    assert asyncio.run(scenario()) == []
    sent = [r.headers.get("If-None-Match") for r in server.requests if r.path == path]
    assert sent[0] is None and set(sent[1:]) == {'"v1"'}
    assert all(r.headers.get("User-Agent", "").startswith("DramaTrack/") for r in server.requests)


def test_feed_watcher_with_interval_zero_stays_idle(env, tmp_path):
    from dramatrack.watchers.triggers import ChartFeedTrigger

    env.setenv("DRAMATRACK_FEED_WATCH_INTERVAL_SECONDS", "0")
    get_settings.cache_clear()

    async def scenario():
        driver = Driver(ChartFeedTrigger(source="google_play"))
        deadline = time.monotonic() + 0.3
        try:
            return await driver.until(lambda: time.monotonic() > deadline)
        finally:
            await driver.close()

    assert asyncio.run(scenario()) == []
    assert not (tmp_path / "watchers").exists()


# ---------------------------------------------------------------------------------------------- inbox


def _drop(inbox: Path, name: str, content: bytes | str) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    tmp = inbox / f".{name}.part"
    tmp.write_bytes(content.encode() if isinstance(content, str) else content)
    return tmp.rename(inbox / name)  # an atomic drop


def _poll_for(seconds: float):
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() > deadline


def test_inbox_watcher_fires_once_per_item_and_never_again(env, tmp_path):
    from dramatrack.watchers.triggers import InboxTrigger
    from sample_data.generate_capture import generate

    inbox = tmp_path / "inbox"
    [warc] = generate(tmp_path / "capture", DAY, 1, ["gb"], sources=("app_store",))

    async def scenario():
        apple = Driver(InboxTrigger(source="app_store", poll_seconds=0.05))
        play = Driver(InboxTrigger(source="google_play", poll_seconds=0.05))
        try:
            _drop(inbox, "rerun.json", json.dumps({"source": "app_store", "date": "2026-11-01", "countries": ["US"]}))
            _drop(inbox, "play.json", json.dumps({"source": "google_play", "date": "2026-11-02"}))
            _drop(inbox, "broken.json", "{not json")
            _drop(inbox, "README.txt", "left alone")
            events = await apple.until(_poll_for(0.6))  # ~12 scans
            assert (inbox / "play.json").exists()  # the other source's request waits for its own watcher
            play_events = await play.until(_poll_for(0.3))
            shutil_copy(warc, inbox / "gb.warc.gz")
            events += await apple.until(_poll_for(0.6))
        finally:
            await apple.close()
            await play.close()
        restarted = Driver(InboxTrigger(source="app_store", poll_seconds=0.05))
        try:
            after_restart = await restarted.until(_poll_for(0.4))
        finally:
            await restarted.close()
        return events, play_events, after_restart

    events, play_events, after_restart = asyncio.run(scenario())
    assert [e["kind"] for e in events] == ["rerun_request", "warc_file"]
    request, dropped = events
    assert (request["source"], request["date"], request["countries"], request["replay"]) == (
        "app_store", "2026-11-01", ["us"], None)
    assert Path(request["item"]).parent == inbox / "done" and Path(request["item"]).name.endswith("-rerun.json")
    assert (dropped["source"], dropped["date"], dropped["countries"]) == ("app_store", "2026-11-01", ["gb"])
    assert dropped["replay"] == dropped["item"] and Path(dropped["replay"]).is_file()
    assert [(e["source"], e["date"], e["countries"]) for e in play_events] == [("google_play", "2026-11-02", None)]
    assert after_restart == []
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["README.txt"]
    rejected = sorted(p.name for p in (inbox / "rejected").iterdir())
    assert len(rejected) == 2 and rejected[0].endswith("-broken.json") and rejected[1].endswith(".error.txt")


def shutil_copy(src: Path, dst: Path) -> None:
    import shutil

    part = dst.with_name(f".{dst.name}.part")
    shutil.copyfile(src, part)
    part.rename(dst)


def test_inbox_waits_for_a_file_still_being_written(env, tmp_path):
    from dramatrack.watchers.inbox import scan_inbox

    inbox = tmp_path / "inbox"
    _drop(inbox, "late.json", json.dumps({"source": "app_store", "date": "2026-11-01"}))
    assert scan_inbox(tmp_path, "app_store", settle_seconds=60) == []
    assert len(scan_inbox(tmp_path, "app_store", settle_seconds=0)) == 1
    assert scan_inbox(tmp_path, "app_store", settle_seconds=0) == []


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_inbox_watcher_takes_requests_from_redis_pubsub(env):
    import redis

    from dramatrack.watchers.triggers import InboxTrigger

    channel = f"dramatrack:inbox:test-{secrets.token_hex(4)}"
    env.setenv("DRAMATRACK_INBOX_REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setenv("DRAMATRACK_INBOX_REDIS_CHANNEL", channel)
    get_settings.cache_clear()
    client = redis.Redis(host="127.0.0.1", port=6379)

    async def scenario():
        driver = Driver(InboxTrigger(source="google_play", poll_seconds=0.05))
        try:
            await driver.until(lambda: client.pubsub_numsub(channel)[0][1] >= 1)
            client.publish(channel, json.dumps({"source": "google_play", "date": "2026-11-03", "countries": ["jp"]}))
            client.publish(channel, json.dumps({"source": "app_store", "date": "2026-11-03"}))  # not ours
            client.publish(channel, "nonsense")
            return await driver.until(_poll_for(0.5))
        finally:
            await driver.close()

    events = asyncio.run(scenario())
    assert [(e["kind"], e["source"], e["date"], e["countries"]) for e in events] == [
        ("redis_request", "google_play", "2026-11-03", ["jp"])]


# ---------------------------------------------------------------------------------------------- ingest side


class _Event:
    def __init__(self, extra, timestamp):
        self.extra, self.timestamp = extra, timestamp


def test_ingest_reads_the_watcher_payloads_and_resolves_what_to_collect(env, tmp_path):
    from airflow.sdk.exceptions import AirflowFailException

    from dramatrack.pipeline.tasks import resolve_watcher_request, watcher_requests

    context = {"triggering_asset_events": {
        "inbox": [_Event({"from_trigger": True, "payload": {"kind": "rerun_request", "date": "2026-11-02"}}, 2)],
        "feed": [_Event({"from_trigger": True, "payload": {"kind": "feed_change", "date": "2026-11-24"}}, 1),
                 _Event({"some": "task event"}, 0)],
    }}
    assert [p["kind"] for p in watcher_requests(context)] == ["feed_change", "rerun_request"]

    settings = get_settings()
    today = date(2026, 11, 24)
    archived = settings.warc_dir / "app_store" / "2026-11-02"
    archived.mkdir(parents=True)
    (archived / "us.warc.gz").write_bytes(b"")
    rerun = {"kind": "rerun_request", "date": "2026-11-02", "countries": ["us"]}
    assert resolve_watcher_request(settings, "app_store", rerun, today) == (date(2026, 11, 2), ["us"], str(archived))
    todays = {"kind": "rerun_request", "date": "2026-11-24", "countries": None}
    assert resolve_watcher_request(settings, "app_store", todays, today) == (today, None, None)  # live back-fill
    feed = {"kind": "feed_change", "date": "2026-11-24", "countries": None}
    assert resolve_watcher_request(settings, "app_store", feed, today) == (today, None, None)
    with pytest.raises(AirflowFailException, match="no archive"):
        resolve_watcher_request(settings, "google_play", rerun, today)


# ---------------------------------------------------------------------------------------------- the graph


def test_the_asset_graph_is_drawn_from_the_dags(airflow_db, tmp_path):
    import importlib.util
    import shutil

    from dramatrack.local_airflow import DAGS_FOLDER

    spec = importlib.util.spec_from_file_location("make_asset_graph", DAGS_FOLDER.parent / "docs" / "make_asset_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dot = module.build_dot(module.load_dags(DAGS_FOLDER))
    for edge in ('"watch:app_store_inbox_watcher" -> "asset:app_store_inbox"',
                 '"asset:app_store_inbox" -> "dag:appstore_ingest"',
                 '"asset:google_play_chart_feed" -> "dag:google_play_ingest"',
                 '"dag:marts_build" -> "asset:market_events" [label="detect_market_events"]',
                 '"asset:market_events" -> "dag:app_deep_dive"',
                 '"cron:appstore_ingest" -> "dag:appstore_ingest"'):
        assert edge in dot, edge
    assert "ChartFeedTrigger" in dot and "InboxTrigger" in dot
    if shutil.which("dot"):
        png = module.render(dot, tmp_path / "graph.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
