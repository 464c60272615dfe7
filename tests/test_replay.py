"""Fetch live from the loopback server into a WARC, stop the server, replay through the same client code."""

from __future__ import annotations

import pytest

from extractors.http_client import FetchError, FetchRequest, PoliteClient
from extractors.replay import ReplayAdapter
from extractors.warc_archive import WarcArchive, iter_responses
from tests.loopback_server import LoopbackServer, RecordingSleep, Reply, make_settings

pytestmark = pytest.mark.timeout(60)

# Bodies are archived decoded, so these describe the wire, not the archived body.
_WIRE_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}


def comparable(headers):
    return [(k.lower(), v) for k, v in headers if k.lower() not in _WIRE_HEADERS]


def observed(resp):
    return resp.method, resp.url, resp.status, comparable(resp.headers), resp.body, resp.request_body_sha1


def without_error(tags):
    return {k: v for k, v in tags.items() if k != "error"}  # the exception text differs, not the outcome


@pytest.fixture
def recorded(tmp_path):
    """Run a small batch live into ``live/batch.warc.gz``; return (requests, live results, warc path)."""
    with LoopbackServer() as server:
        server.script("/chart.json", Reply(200, b'{"feed": []}', headers={"Content-Type": "application/json",
                                                                        "X-Request-Id": "abc"}))
        server.script("/search", Reply(200, b"search results", headers={"Set-Cookie": "a=1"}))
        server.script("/limited", Reply(429, b"wait", headers={"Retry-After": "2"}), Reply(200, b"finally"))
        server.script("/submit", Reply(201, b"created"), Reply(201, b"created again"))
        server.script("/moved", Reply(301, headers={"Location": "/chart.json"}))
        server.script("/cut", Reply(200, b"abcdefghij" * 5, drop_after=7), Reply(200, b"complete"))
        server.script("/big", Reply(200, body_size=20_000))
        batch = [
            FetchRequest(server.url("/chart.json")),
            FetchRequest(server.url("/search?term=drama&country=us")),
            FetchRequest(server.url("/limited")),
            FetchRequest(server.url("/submit"), method="POST", data=b'{"id": 1}'),
            FetchRequest(server.url("/submit"), method="POST", data=b'{"id": 2}'),
            FetchRequest(server.url("/moved", host="localhost")),
            FetchRequest(server.url("/cut")),
            FetchRequest(server.url("/big")),
        ]
        client = PoliteClient(make_settings(tmp_path), sleep=RecordingSleep())
        path = tmp_path / "live" / "batch.warc.gz"
        live = []
        with WarcArchive(path) as archive:
            for i, r in enumerate(batch):
                try:
                    live.append(client.fetch(r.url, method=r.method, data=r.data, tags={"n": i}, archive=archive))
                except FetchError as exc:
                    live.append(exc)
        client.close()
    assert isinstance(live[-1], FetchError)  # /big exceeds max_response_bytes
    return batch, live, path


def test_replay_reproduces_the_live_batch(tmp_path, recorded):
    batch, live, live_path = recorded
    sleep = RecordingSleep()
    # robots.txt on: replay must not try to fetch it (it is not in the archive).
    settings = make_settings(tmp_path, respect_robots_txt=True)
    client = PoliteClient(settings, replay=ReplayAdapter.from_path(live_path), sleep=sleep)

    replay_path = tmp_path / "replay" / "batch.warc.gz"
    with WarcArchive(replay_path) as archive:
        replayed = []
        for i, r in enumerate(batch):
            try:
                replayed.append(client.fetch(r.url, method=r.method, data=r.data, tags={"n": i}, archive=archive))
            except FetchError as exc:
                replayed.append(exc)

    for got, want in zip(replayed, live, strict=True):
        if isinstance(want, FetchError):
            assert isinstance(got, FetchError) and got.reason == want.reason
        else:
            assert observed(got) == observed(want)
    assert replayed[3].body == b"created" and replayed[4].body == b"created again"
    assert sleep.calls == []  # no rate limiting or backoff sleeps in replay

    # Every replayed exchange -- both attempts of the 429 -> 200 and both redirect hops -- is in the new WARC,
    # and the two archives read back identically.
    live_records = list(iter_responses(live_path))
    replay_records = list(iter_responses(replay_path))
    assert [without_error(r.tags) for r in replay_records] == [without_error(r.tags) for r in live_records]
    assert [observed(r) for r in replay_records] == [observed(r) for r in live_records]
    statuses = [(r.url.rsplit("/", 1)[-1], r.status) for r in replay_records]
    assert ("limited", 429) in statuses and ("limited", 200) in statuses
    assert ("big", 200) in statuses and replay_records[-1].tags["truncated"] is True
    cut = [r for r in replay_records if r.url.endswith("/cut")]
    assert [(r.tags.get("incomplete"), r.body) for r in cut][1:] == [(None, b"complete")]
    assert cut[0].tags["incomplete"] is True and b"abcdefghij".startswith(cut[0].body)


def test_replay_queue_repeats_last_response_and_misses_fail(tmp_path, recorded):
    batch, _live, live_path = recorded
    adapter = ReplayAdapter.from_path(live_path.parent)  # a folder works too
    client = PoliteClient(make_settings(tmp_path), replay=adapter)

    limited = batch[2].url
    assert [client.fetch(limited).status for _ in range(3)] == [200, 200, 200]  # 429 then 200 (retried), 200...

    with pytest.raises(FetchError, match="not in the replay archive") as info:
        client.fetch(batch[0].url.replace("chart.json", "unknown"))
    assert "\n" not in str(info.value)
    with pytest.raises(FetchError, match="not in the replay archive"):
        client.fetch(batch[3].url, method="POST", data=b'{"id": 3}')  # same URL, different body
    with pytest.raises(FetchError, match="not in the replay archive"):
        client.fetch(batch[0].url, method="HEAD")


def test_replay_still_enforces_allowlist_and_fetch_many(tmp_path, recorded):
    batch, live, live_path = recorded
    client = PoliteClient(make_settings(tmp_path, allowed_hosts=["127.0.0.1"]), replay=ReplayAdapter([live_path]))
    results = client.fetch_many([batch[0], batch[5], batch[1]])
    assert results[0].body == live[0].body and results[2].body == live[1].body
    assert isinstance(results[1], FetchError) and "allowed_hosts" in results[1].reason


def test_replay_exhausted_retries_raise_like_live(tmp_path):
    with LoopbackServer() as server:
        server.script("/down", Reply(503, b"busy"))
        path = tmp_path / "down.warc.gz"
        with WarcArchive(path) as archive, pytest.raises(FetchError) as live_err:
            PoliteClient(make_settings(tmp_path), sleep=RecordingSleep()).fetch(server.url("/down"), archive=archive)
    with pytest.raises(FetchError) as replay_err:
        PoliteClient(make_settings(tmp_path), replay=ReplayAdapter.from_path(path)).fetch(server.url("/down"))
    assert str(replay_err.value) == str(live_err.value)
    assert replay_err.value.status == 503 and replay_err.value.response.body == b"busy"


def test_from_path_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ReplayAdapter.from_path(tmp_path / "nope.warc.gz")


def test_incomplete_body_replays_as_the_same_transport_error(tmp_path):
    path = tmp_path / "cut.warc.gz"
    url = "http://127.0.0.1:9/feed"
    with WarcArchive(path) as archive:
        archive.record(method="GET", url=url, request_headers=[], request_body=None, status=200, reason="OK",
                       response_headers=[("Content-Type", "text/plain")], body=b"abc",
                       tags={"attempt": 1, "incomplete": True})
    client = PoliteClient(make_settings(tmp_path, max_retries=1), replay=ReplayAdapter.from_path(path))
    with WarcArchive(tmp_path / "again.warc.gz") as again, pytest.raises(FetchError) as info:
        client.fetch(url, archive=again)
    assert "gave up after 2 attempts" in info.value.reason
    # Both attempts broke off again and were archived as incomplete (urllib3 may drop the partial read).
    assert [e.tags["incomplete"] for e in again.entries] == [True, True]
    assert all(b"abc".startswith(e.body) for e in again.entries)
