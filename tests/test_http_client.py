"""PoliteClient against a scripted loopback server: retries, limits, redirects, robots.txt, archiving."""

from __future__ import annotations

import pickle
import threading
import time
from datetime import UTC, datetime

import pytest

from extractors.http_client import FetchError, FetchRequest, PoliteClient, parse_retry_after
from extractors.rate_limit import HostRateLimiter
from extractors.warc_archive import ArchivedResponse, WarcArchive, iter_responses
from tests.loopback_server import LoopbackServer, RecordingSleep, Reply, make_settings

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def sleep():
    return RecordingSleep()


@pytest.fixture
def archive(tmp_path):
    with WarcArchive(tmp_path / "raw" / "batch.warc.gz") as arc:
        yield arc


def client_for(tmp_path, sleep, **overrides) -> PoliteClient:
    return PoliteClient(make_settings(tmp_path, **overrides), sleep=sleep)


# -- retries -----------------------------------------------------------------------------------------------


def test_429_with_retry_after_then_200(tmp_path, server, sleep, archive):
    server.script("/chart", Reply(429, b"slow down", headers={"Retry-After": "3"}), Reply(200, b'{"ok": 1}'))
    client = client_for(tmp_path, sleep)

    resp = client.fetch(server.url("/chart"), tags={"source": "test"}, archive=archive)

    assert resp.status == 200 and resp.body == b'{"ok": 1}'
    assert max(sleep.calls) >= 3
    assert [(e.status, e.tags) for e in archive.entries] == [
        (429, {"source": "test", "attempt": 1}),
        (200, {"source": "test", "attempt": 2}),
    ]
    path = archive.close()
    assert [(r.status, r.body) for r in iter_responses(path)] == [(429, b"slow down"), (200, b'{"ok": 1}')]
    assert server.requests[0].headers["User-Agent"] == client.settings.user_agent


def test_retry_after_http_date_is_honoured_and_capped(tmp_path, server, sleep, archive):
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    server.script(
        "/a",
        Reply(503, headers={"Date": date, "Retry-After": "Wed, 21 Oct 2015 07:28:04 GMT"}),
        Reply(503, headers={"Date": date, "Retry-After": "Wed, 21 Oct 2015 09:00:00 GMT"}),
        Reply(200, b"ok"),
    )
    client = client_for(tmp_path, sleep, backoff_max_seconds=30)

    assert client.fetch(server.url("/a"), archive=archive).status == 200
    assert len(sleep.calls) == 2
    assert 4 <= sleep.calls[0] < 30
    assert sleep.calls[1] == 30  # Retry-After is 92 minutes away: capped at backoff_max_seconds


def _answer(headers: dict[str, str], fetched_at: datetime) -> ArchivedResponse:
    """A 429 as the client archives it, received at ``fetched_at`` (the injected clock: no wall clock)."""
    return ArchivedResponse(url="http://127.0.0.1/x", method="GET", status=429, headers=list(headers.items()),
                            body=b"", fetched_at=fetched_at, warc_path="", warc_offset=0, warc_length=0,
                            request_body_sha1="")


RECEIVED = datetime(2026, 11, 2, 12, 0, 1, 980_000, tzinfo=UTC)  # our clock: 12:00:01.98


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),  # delta-seconds
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "1.5"}, 1.5),  # a decimal, read leniently
        # HTTP-date with the server's Date: measured on the server's clock, whatever ours says
        ({"Date": "Mon, 02 Nov 2026 12:00:00 GMT", "Retry-After": "Mon, 02 Nov 2026 12:00:02 GMT"}, 2.0),
        ({"Date": "Mon, 02 Nov 2026 11:59:00 GMT", "Retry-After": "Mon, 02 Nov 2026 11:59:03 GMT"}, 3.0),  # skew
        # HTTP-date, no Date header: against when we received it, to the whole second (a sub-second skew never
        # shortens the wait: 12:00:03 - 12:00:01 = 2 s, not 1.02 s)
        ({"Retry-After": "Mon, 02 Nov 2026 12:00:03 GMT"}, 2.0),
        ({"Retry-After": "Mon, 02 Nov 2026 12:00:02 GMT"}, 1.0),  # the case seen once: 0.02 s before the fix
        ({"Retry-After": "Mon, 02 Nov 2026 11:00:00 GMT"}, 0.0),  # in the past: no wait, never negative
        ({"Retry-After": "soon"}, None),
        ({"Date": "garbage", "Retry-After": "Mon, 02 Nov 2026 12:00:04 GMT"}, 3.0),  # unreadable Date: our clock
    ],
    ids=["seconds", "zero", "decimal", "date+Date", "date+Date-skewed", "date-noDate", "date-noDate-subsecond",
         "date-past", "garbage", "date-badDate"],
)
def test_parse_retry_after_forms(headers, expected):
    assert parse_retry_after(_answer(headers, RECEIVED)) == expected


@pytest.mark.parametrize("headers", [{"Retry-After": "2"},
                                     {"Date": "Mon, 02 Nov 2026 12:00:00 GMT",
                                      "Retry-After": "Mon, 02 Nov 2026 12:00:02 GMT"}], ids=["seconds", "http-date"])
def test_retry_after_is_waited_before_the_retry(tmp_path, server, sleep, headers):
    """Both forms through the client (an injected sleep records the wait: no wall clock): the retry waits
    what Retry-After asks (2 s, the jitter aside), never only the 0.01 s backoff."""
    server.script("/r", Reply(429, b"slow", headers=headers), Reply(200, b"ok"))
    client = client_for(tmp_path, sleep, backoff_max_seconds=30)
    assert client.fetch(server.url("/r")).status == 200
    assert len(sleep.calls) == 1 and 2.0 <= sleep.calls[0] < 2.1, sleep.calls


def test_503_503_then_200(tmp_path, server, sleep, archive):
    server.script("/a", Reply(503), Reply(503), Reply(200, b"third time"))
    resp = client_for(tmp_path, sleep).fetch(server.url("/a"), archive=archive)

    assert resp.status == 200 and resp.body == b"third time"
    assert [e.status for e in archive.entries] == [503, 503, 200]
    assert len(sleep.calls) == 2 and all(0 < s <= 10 for s in sleep.calls)


def test_persistent_500_raises_after_max_retries(tmp_path, server, sleep, archive):
    server.script("/broken", Reply(500, b"oops"))
    client = client_for(tmp_path, sleep, max_retries=3)

    with pytest.raises(FetchError) as info:
        client.fetch(server.url("/broken"), archive=archive)

    err = info.value
    assert err.status == 500 and err.response is archive.entries[-1]
    assert [e.tags["attempt"] for e in archive.entries] == [1, 2, 3, 4]
    assert server.hits("/broken") == 4
    assert str(err) == f"127.0.0.1: {server.url('/broken')}: HTTP 500; gave up after 4 attempts"
    # Exponential: each backoff is at least the previous base step.
    assert sleep.calls[0] >= 0.01 and sleep.calls[2] >= 0.04


def test_non_retryable_statuses_are_returned(tmp_path, server, sleep, archive):
    server.script("/missing", Reply(404, b"nope"))
    server.script("/forbidden", Reply(403))
    client = client_for(tmp_path, sleep)
    assert client.fetch(server.url("/missing"), archive=archive).status == 404
    assert client.fetch(server.url("/forbidden"), archive=archive).status == 403
    assert server.hits("/missing") == 1 and sleep.calls == []


def test_read_timeout_is_retried_then_fails(tmp_path, server, sleep, archive):
    server.script("/slow", Reply(200, b"late", delay=1.0))
    client = client_for(tmp_path, sleep, read_timeout=0.2, max_retries=2)

    with pytest.raises(FetchError) as info:
        client.fetch(server.url("/slow"), archive=archive)

    assert "read timeout" in info.value.reason and info.value.status is None
    assert server.hits("/slow") == 3
    assert archive.entries == []  # no response ever arrived


def test_read_timeout_then_success(tmp_path, server, sleep, archive):
    server.script("/slow", Reply(200, b"late", delay=1.0), Reply(200, b"fast"))
    resp = client_for(tmp_path, sleep, read_timeout=0.2).fetch(server.url("/slow"), archive=archive)
    assert resp.body == b"fast" and resp.tags["attempt"] == 2


def test_connection_reset_is_retried(tmp_path, server, sleep, archive):
    server.script("/flaky", Reply(reset=True), Reply(200, b"recovered"))
    resp = client_for(tmp_path, sleep).fetch(server.url("/flaky"), archive=archive)

    assert resp.body == b"recovered" and resp.tags["attempt"] == 2
    assert server.hits("/flaky") == 2 and len(archive.entries) == 1


def test_body_cut_short_is_archived_as_incomplete_and_retried(tmp_path, server, sleep, archive):
    server.script("/cut", Reply(200, b"0123456789" * 10, drop_after=25), Reply(200, b"whole"))
    resp = client_for(tmp_path, sleep).fetch(server.url("/cut"), archive=archive)

    assert resp.body == b"whole"
    first, second = archive.entries
    assert first.tags["incomplete"] is True and first.tags["attempt"] == 1 and "error" in first.tags
    # Whatever had reached the client (urllib3 may discard a partial read) is archived.
    assert (b"0123456789" * 10).startswith(first.body) and len(first.body) <= 25
    assert second.tags == {"attempt": 2}


def test_connection_refused_exhausts_retries(tmp_path, sleep):
    with LoopbackServer() as gone:
        url = gone.url("/x")
    with pytest.raises(FetchError) as info:
        client_for(tmp_path, sleep, max_retries=1).fetch(url)
    assert "gave up after 2 attempts" in str(info.value) and "\n" not in str(info.value)


# -- size cap ----------------------------------------------------------------------------------------------


def test_oversize_body_with_content_length_refused_early(tmp_path, server, sleep, archive):
    server.script("/big", Reply(200, body_size=50_000))
    with pytest.raises(FetchError, match="body exceeds 10000 bytes") as info:
        client_for(tmp_path, sleep).fetch(server.url("/big"), archive=archive)

    assert server.hits("/big") == 1  # not retried
    (entry,) = archive.entries
    assert entry.tags["truncated"] is True and len(entry.body) <= 10_000
    assert info.value.response is entry and info.value.status == 200


def test_oversize_body_without_content_length_archives_prefix(tmp_path, server, sleep, archive):
    server.script("/big", Reply(200, body_size=50_000, content_length=False))
    with pytest.raises(FetchError, match="body exceeds 10000 bytes"):
        client_for(tmp_path, sleep).fetch(server.url("/big"), archive=archive)

    (entry,) = archive.entries
    assert entry.tags == {"attempt": 1, "truncated": True}
    assert entry.body == b"x" * 10_000
    path = archive.close()
    assert [r.body for r in iter_responses(path)] == [b"x" * 10_000]


def test_body_at_the_limit_is_fine(tmp_path, server, sleep):
    server.script("/edge", Reply(200, body_size=10_000, content_length=False))
    assert len(client_for(tmp_path, sleep).fetch(server.url("/edge")).body) == 10_000


# -- allowlist and redirects -------------------------------------------------------------------------------


def test_redirect_to_allowed_host_is_followed(tmp_path, server, sleep, archive):
    server.script("/start", Reply(302, headers={"Location": server.url("/middle", host="localhost")}))
    server.script("/middle", Reply(301, headers={"Location": "/end"}))
    server.script("/end", Reply(200, b"arrived"))

    resp = client_for(tmp_path, sleep).fetch(server.url("/start"), archive=archive)

    assert resp.body == b"arrived" and resp.url == server.url("/end", host="localhost")
    assert [(e.status, e.tags.get("redirect_hop")) for e in archive.entries] == [(302, None), (301, 1), (200, 2)]
    assert [r.host for r in server.requests] == ["127.0.0.1", "localhost", "localhost"]


def test_redirect_off_the_allowlist_is_refused(tmp_path, server, sleep, archive):
    server.script("/start", Reply(302, headers={"Location": "https://evil.example/steal"}))
    with pytest.raises(FetchError) as info:
        client_for(tmp_path, sleep).fetch(server.url("/start"), archive=archive)

    message = str(info.value)
    assert server.url("/start") in message and "evil.example" in message and "\n" not in message
    assert info.value.status == 302 and [e.status for e in archive.entries] == [302]


def test_too_many_redirects(tmp_path, server, sleep):
    server.script("/loop", Reply(302, headers={"Location": "/loop"}))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        client_for(tmp_path, sleep).fetch(server.url("/loop"))
    assert server.hits("/loop") == 6


def test_post_303_becomes_get(tmp_path, server, sleep):
    server.script("/form", Reply(303, headers={"Location": "/result"}))
    server.script("/result", Reply(200, b"done"))
    resp = client_for(tmp_path, sleep).fetch(server.url("/form"), method="POST", data=b"a=1",
                                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.method == "GET" and resp.body == b"done"
    assert [(r.method, r.body) for r in server.requests] == [("POST", b"a=1"), ("GET", b"")]


def test_host_not_allowed_is_refused_before_any_request(tmp_path, server, sleep):
    client = client_for(tmp_path, sleep, allowed_hosts=["localhost"])
    with pytest.raises(FetchError, match="not in allowed_hosts") as info:
        client.fetch(server.url("/x"))
    assert info.value.host == "127.0.0.1"
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        client.fetch("file:///etc/passwd")
    assert server.requests == []


def test_fetch_without_archive(tmp_path, server, sleep):
    server.script("/x", Reply(200, b"body", headers={"X-Thing": "1"}))
    resp = client_for(tmp_path, sleep).fetch(server.url("/x"), tags={"k": "v"})
    assert resp.body == b"body" and resp.header("x-thing") == "1" and resp.warc_path == ""
    assert resp.tags == {"k": "v", "attempt": 1}


# -- robots.txt --------------------------------------------------------------------------------------------


def test_robots_txt_disallow_is_honoured_and_cached(tmp_path, server, sleep):
    server.script("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private\n"))
    server.script("/public", Reply(200, b"hello"))
    client = client_for(tmp_path, sleep, respect_robots_txt=True)

    with pytest.raises(FetchError, match="robots.txt disallows"):
        client.fetch(server.url("/private/page"))
    assert client.fetch(server.url("/public")).body == b"hello"
    assert client.fetch(server.url("/public")).status == 200
    assert server.hits("/robots.txt") == 1 and server.hits("/private/page") == 0
    # Another host is another robots.txt.
    client.fetch(server.url("/public", host="localhost"))
    assert server.hits("/robots.txt") == 2


def test_robots_txt_rule_for_our_user_agent(tmp_path, server, sleep):
    server.script("/robots.txt", Reply(200, b"User-agent: DramaTrack\nDisallow: /\n\nUser-agent: *\nAllow: /\n"))
    with pytest.raises(FetchError, match="robots.txt disallows"):
        client_for(tmp_path, sleep, respect_robots_txt=True).fetch(server.url("/anything"))


@pytest.mark.parametrize(
    ("reply", "allowed", "why"),
    [  # RFC 9309 2.3.1.3: a 4xx is "unavailable" (allow all); 2.3.1.4: 5xx / unreachable is disallow all.
        # A 429 is retried like a 5xx; one that outlasts the retries is treated as unreachable (as Google does).
        (Reply(404), True, None),
        (Reply(410), True, None),
        (Reply(401), True, None),
        (Reply(403), True, None),
        (Reply(429), False, "HTTP 429"),
        (Reply(500), False, "HTTP 500"),
        (Reply(503), False, "HTTP 503"),
        (Reply(reset=True), False, "could not be fetched"),
        (Reply(200, b"User-agent: *\nAllow: /\n", delay=2.0), False, "could not be fetched"),  # timeout
    ],
    ids=["404", "410", "401", "403", "429", "500", "503", "reset", "timeout"],
)
def test_robots_txt_status_rules(tmp_path, server, sleep, reply, allowed, why):
    server.script("/robots.txt", reply)
    server.script("/page", Reply(200, b"page"))
    client = client_for(tmp_path, sleep, respect_robots_txt=True, max_retries=1, read_timeout=0.5)
    if allowed:
        assert client.fetch(server.url("/page")).status == 200
    else:
        with pytest.raises(FetchError, match="robots.txt disallows") as err:
            client.fetch(server.url("/page"))
        message = str(err.value)
        assert why in message and "everything disallowed" in message, message
        assert f"{server.url('/robots.txt')} could not be fetched" in message, "the reason names robots.txt"
        assert server.hits("/page") == 0


def test_robots_txt_longest_match_wins(tmp_path, server, sleep):
    """RFC 9309 2.2.2: the most specific (longest) rule wins, so Allow: /store/apps/details beats
    Disallow: /store/ (the stdlib parser took the first matching rule and refused the app pages)."""
    server.script("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /store/\nAllow: /store/apps/details\n"))
    server.script("/store/apps/details?id=com.example.app", Reply(200, b"app page"))
    client = client_for(tmp_path, sleep, respect_robots_txt=True)
    assert client.fetch(server.url("/store/apps/details?id=com.example.app")).body == b"app page"
    with pytest.raises(FetchError, match=r"robots\.txt disallows .*/store/search.*: .*robots\.txt disallows"):
        client.fetch(server.url("/store/search?q=drama"))
    assert server.hits("/store/search?q=drama") == 0


def test_robots_txt_fetched_once_under_concurrency(tmp_path, server, sleep):
    server.script("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", delay=0.2))
    server.script("/p", Reply(200, b"ok"))
    client = client_for(tmp_path, sleep, respect_robots_txt=True, max_concurrency_per_host=4)
    results = client.fetch_many([FetchRequest(server.url("/p")) for _ in range(8)])
    assert all(r.status == 200 for r in results)
    assert server.hits("/robots.txt") == 1


# -- politeness and concurrency ----------------------------------------------------------------------------


def test_per_host_concurrency_limit_and_hosts_in_parallel(tmp_path, server, sleep):
    server.script("/slow", Reply(200, b"done", delay=0.15))
    client = client_for(tmp_path, sleep, max_concurrency_per_host=2, max_workers=8)
    batch = [FetchRequest(server.url("/slow", host=h)) for _ in range(6) for h in ("127.0.0.1", "localhost")]

    results = client.fetch_many(batch)

    assert all(r.status == 200 for r in results)
    assert server.max_in_flight_by_host == {"127.0.0.1": 2, "localhost": 2}
    assert server.max_in_flight >= 3  # the two hosts overlapped


def test_single_slot_per_host(tmp_path, server, sleep):
    server.script("/slow", Reply(200, b"done", delay=0.1))
    client = client_for(tmp_path, sleep, max_concurrency_per_host=1, max_workers=6)
    batch = [FetchRequest(server.url("/slow", host=h)) for _ in range(3) for h in ("127.0.0.1", "localhost")]
    client.fetch_many(batch)
    assert server.max_in_flight_by_host == {"127.0.0.1": 1, "localhost": 1}
    assert server.max_in_flight == 2


def test_retries_go_through_the_limiter(tmp_path, server):
    """An injected clock that moves only when the client sleeps: the spacing does not depend on how long the
    503 round trip took on a busy machine."""
    clock = {"now": 0.0}
    calls: list[float] = []

    def sleep(seconds: float) -> None:
        calls.append(seconds)
        clock["now"] += seconds

    server.script("/a", Reply(503), Reply(200))
    client = PoliteClient(make_settings(tmp_path, requests_per_second_per_host=2.0), sleep=sleep,
                          clock=lambda: clock["now"])
    client.fetch(server.url("/a"))
    # The retry's start was spaced by the host interval (0.5 s); backoff alone would be ~0.01-0.02 s.
    assert any(0.4 <= s <= 0.5 for s in calls), calls
    assert 0.5 <= clock["now"] < 0.55


def test_fetch_many_preserves_order_and_returns_errors_in_place(tmp_path, server, sleep, archive):
    server.script("/one", Reply(200, b"1", delay=0.2))
    server.script("/two", Reply(200, b"2"))
    server.script("/gone", Reply(404, b"?"))
    server.script("/down", Reply(500))
    batch = [
        FetchRequest(server.url("/one"), tags={"i": 0}),
        FetchRequest("http://not-allowed.example/x"),
        FetchRequest(server.url("/two", host="localhost")),
        FetchRequest(server.url("/down")),
        FetchRequest(server.url("/gone")),
        FetchRequest(server.url("/two"), method="POST", data=b"payload"),
    ]

    results = client_for(tmp_path, sleep, max_retries=1).fetch_many(batch, archive)

    assert [type(r).__name__ for r in results] == [
        "ArchivedResponse", "FetchError", "ArchivedResponse", "FetchError", "ArchivedResponse", "ArchivedResponse",
    ]
    assert results[0].body == b"1" and results[0].tags == {"i": 0, "attempt": 1}
    assert results[1].host == "not-allowed.example"
    assert results[3].status == 500 and results[4].status == 404
    assert results[5].method == "POST"
    assert sorted(r.body for r in server.requests if r.method == "POST") == [b"payload"]
    assert len(archive.entries) == 6  # 1 + 1 + 2 (500 twice) + 1 + 1


# -- the per-attempt total deadline -------------------------------------------------------------------------

DRIP = b"0123456789ab" * 3  # 36 bytes at one per 0.1 s: 3.6 s per attempt if nothing cuts it
DRIP_INTERVAL = 0.1  # far inside every read timeout here (0.5 s): only the deadline can cut a drip, even on a busy machine


@pytest.fixture
def drip_server():
    from datetime import date

    from tests.fault_server import FaultServer

    with FaultServer(start=date(2026, 11, 1)) as srv:
        yield srv


def _deadline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dramatrack-deadline"]


def test_a_dripping_body_is_cut_at_the_deadline(tmp_path, drip_server, sleep, archive):
    """Every read completes inside read_timeout (0.5 s), yet each attempt ends at the 1 s deadline."""
    from tests.fault_server import DripReply

    drip_server.script("/drip", DripReply(200, DRIP, interval=DRIP_INTERVAL))
    client = client_for(tmp_path, sleep, read_timeout=0.5, max_retries=1, http_response_deadline_seconds=1.0)
    watched: list[int] = []
    done = threading.Event()

    def sample() -> None:  # the watchdog thread exists while an attempt runs
        while not done.wait(0.05):
            watched.append(len(_deadline_threads()))

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as info:
            client.fetch(drip_server.url("/drip"), archive=archive)
    finally:
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()

    url = drip_server.url("/drip")
    assert str(info.value) == (f"127.0.0.1: {url}: deadline exceeded: no complete response within 1 s "
                               "(http_response_deadline_seconds); gave up after 2 attempts")
    assert info.value.status == 200  # headers had arrived: the archived partial response says so
    # A deadline never fires early (lower bounds are exact); the upper bounds only have to tell the deadline
    # from an uncut drip (3.6 s per attempt, 7.2 s in all), so they leave a wide margin for a busy machine.
    assert 1.9 <= elapsed < 6.5, f"{elapsed:.2f} s for two 1 s attempts (undisturbed: 7.2 s)"
    first, second = (r.started for r in drip_server.requests)
    assert 0.95 <= second - first < 3.4, "the first attempt ended at its deadline"
    assert [e.tags["attempt"] for e in archive.entries] == [1, 2]
    for entry in archive.entries:  # what had arrived is archived, marked incomplete with the reason
        assert entry.tags["incomplete"] is True and entry.tags["error"].startswith("deadline exceeded")
        assert DRIP.startswith(entry.body) and len(entry.body) < len(DRIP)
    assert max(watched) == 1 and _deadline_threads() == []


def test_the_deadline_also_bounds_the_wait_for_the_headers_on_a_reused_connection(tmp_path, server, sleep):
    """A pooled keep-alive connection is watched too: the status line that never comes is cut at 0.5 s."""
    server.script("/ok", Reply(200, b"fine"))
    server.script("/late", Reply(200, b"late", delay=3.0))
    client = client_for(tmp_path, sleep, read_timeout=5.0, max_retries=0, http_response_deadline_seconds=0.5)
    assert client.fetch(server.url("/ok")).body == b"fine"
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        client.fetch(server.url("/late"))
    elapsed = time.monotonic() - started
    assert "deadline exceeded" in info.value.reason and info.value.status is None
    assert 0.45 <= elapsed < 2.9, f"{elapsed:.2f} s (read timeout 5 s, server answers after 3 s)"
    assert client.fetch(server.url("/ok")).body == b"fine"  # the cut connection never went back to the pool


def test_the_deadline_is_retried_like_a_read_timeout(tmp_path, drip_server, sleep, archive):
    from tests.fault_server import DripReply

    drip_server.script("/drip", DripReply(200, DRIP * 100, interval=DRIP_INTERVAL), Reply(200, b"whole"))
    client = client_for(tmp_path, sleep, read_timeout=0.5, http_response_deadline_seconds=0.6)
    resp = client.fetch(drip_server.url("/drip"), archive=archive)
    assert resp.body == b"whole" and resp.tags["attempt"] == 2
    assert archive.entries[0].tags["incomplete"] is True and len(sleep.calls) == 1  # one backoff, then retry


def test_responses_within_the_deadline_are_unaffected(tmp_path, drip_server, sleep, archive):
    from tests.fault_server import DripReply

    drip_server.script("/slow-drip", DripReply(200, b"abc", interval=0.2))  # 0.6 s in all
    drip_server.script("/late", Reply(200, b"late", delay=0.5))
    drip_server.script("/big", Reply(200, b"x" * 9_000))
    drip_server.script("/stream", Reply(200, b"y" * 9_000, content_length=False))
    # 0.6 s of drip against a 6 s deadline: unaffected even when a busy machine doubles it
    client = client_for(tmp_path, sleep, read_timeout=3.0, max_retries=0, http_response_deadline_seconds=6.0)
    for path, body in (("/slow-drip", b"abc"), ("/late", b"late"), ("/big", b"x" * 9_000),
                       ("/stream", b"y" * 9_000)):
        resp = client.fetch(drip_server.url(path), archive=archive)
        assert resp.status == 200 and resp.body == body and "incomplete" not in resp.tags, path
    assert _deadline_threads() == []


def test_no_watchdog_thread_outlives_its_attempt(tmp_path, drip_server, sleep, archive):
    from tests.fault_server import DripReply

    drip_server.script("/ok", Reply(200, b"ok"))
    drip_server.script("/drip", DripReply(200, DRIP, interval=DRIP_INTERVAL))
    drip_server.script("/down", Reply(503))
    drip_server.script("/reset", Reply(reset=True))
    drip_server.script("/cut", Reply(200, b"0123456789", drop_after=4))
    drip_server.script("/big", Reply(200, body_size=50_000))
    paths = ["/ok", "/drip", "/down", "/reset", "/cut", "/big", "/missing"] * 3
    client = client_for(tmp_path, sleep, max_retries=1, read_timeout=0.5, http_response_deadline_seconds=0.4,
                        max_concurrency_per_host=8)
    before = {t.ident for t in threading.enumerate()}
    results = client.fetch_many([FetchRequest(drip_server.url(p)) for p in paths], archive)
    client.close()
    assert sum(isinstance(r, FetchError) and "deadline exceeded" in r.reason for r in results) == 3
    assert sum(isinstance(r, FetchError) for r in results) == 15 and len(drip_server.requests) == 33
    assert _deadline_threads() == []
    leaked = [t for t in threading.enumerate() if t.ident not in before and t.name.startswith("dramatrack")]
    assert leaked == []


# -- FetchError and the limiter in isolation ---------------------------------------------------------------


def test_fetch_error_is_one_line_and_pickles():
    err = FetchError("https://itunes.apple.com/lookup?id=1", "boom\nTraceback (most recent call last):\n  x",
                     status=503)
    assert str(err) == "itunes.apple.com: https://itunes.apple.com/lookup?id=1: boom Traceback (most recent call last): x"
    clone = pickle.loads(pickle.dumps(err))
    assert str(clone) == str(err) and clone.status == 503


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_requests_per_host():
    clock = FakeClock()
    limiter = HostRateLimiter(lambda host: {"slow": 2.0}.get(host, 10.0), max_concurrency_per_host=1,
                              sleep=clock.sleep, clock=clock)
    for _ in range(3):
        with limiter.slot("slow"):
            pass
    assert clock.sleeps == [0.5, 0.5]
    with limiter.slot("fast"):  # another host does not wait for "slow"
        pass
    assert clock.sleeps == [0.5, 0.5]


def test_rate_limiter_jitter_bounds():
    clock = FakeClock()
    limiter = HostRateLimiter(lambda host: 1.0, max_concurrency_per_host=1, jitter=0.25,
                              sleep=clock.sleep, clock=clock)
    for _ in range(50):
        with limiter.slot("h"):
            pass
    assert all(0.75 <= s <= 1.25 for s in clock.sleeps) and len(set(clock.sleeps)) > 1


def test_rate_limiter_concurrency_cap_with_threads():
    limiter = HostRateLimiter(lambda host: 1e6, max_concurrency_per_host=3)
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def work() -> None:
        with limiter.slot("h"):
            with lock:
                state["now"] += 1
                state["max"] = max(state["max"], state["now"])
            time.sleep(0.02)
            with lock:
                state["now"] -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["max"] == 3
