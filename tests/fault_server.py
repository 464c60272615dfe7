"""A fault-injection server: every source's real wire format on 127.0.0.1, misbehaving on request.

It answers the exact requests the fetch plans make (``extractors.appstore``, ``extractors.google_play``,
and Google News RSS searches) from the seeded synthetic market (``sample_data.market``), rendered with the
same functions the sample capture uses, so a clean day through it loads like a real day. Point every
source at it with :meth:`FaultServer.settings` (all base URLs → ``http://127.0.0.1:PORT``).

Faults are injected per (source, country) and hit one *target* request kind of that country (by default
the source's first chart: App Store RSS v2 top-free, Google Play top-free Entertainment, every news search),
optionally narrowed to one app page (``app_id``) or one news search (``query``). A news edition ``xx-CC:CC``
is the country ``cc`` (its ``gl``)::

    with FaultServer(start=date(2026, 11, 1)) as server:
        server.inject("app_store", "gb", "http_429")
        settings = server.settings(tmp_path, countries=["us", "gb"])
        ...
        server.day = date(2026, 11, 2)      # the market moves on: the next day's charts

Transient faults (429, 5xx bursts, reset, timeout, truncated body, drip) misbehave for the first ``times``
matching requests and then answer cleanly; the others misbehave every time.

Every request is recorded (``server.requests``) with its arrival time, and :meth:`FaultServer.hits_for` counts
the hits of a target. Paths no source uses are served like :class:`LoopbackServer`'s scripts
(``server.script(path, reply)``), including :class:`DripReply` and :class:`HoldReply`.

Timing: a healthy answer gets generous timeouts (:data:`READ_TIMEOUT`; the deadline is the caller's), so a
loaded machine only makes a day slower. A fault that must end by a timeout never races it: a stalled answer
(:class:`HoldReply`) waits until the client hangs up, and a drip sends a byte every :data:`DRIP_INTERVAL`
(50x inside the read timeout), so only the client's deadline ends it. The simulated world is built before the
first request, and answers are rendered one at a time, so no request waits while every thread builds it.

News answers are a Google News RSS search per (edition, query, day): two stories of the day shared by every
search of the edition, the previous day's two (a feed keeps recent stories, so a day re-delivers the stories
an earlier day loaded), and one story of the query's own; links carry the country, so editions never share a
story.
"""

from __future__ import annotations

import json
import re
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from dramatrack.settings import Settings
from sample_data.market import build_market, play_app, play_package, ranked, with_ratings
from sample_data.payloads import render_legacy_rss, render_lookup, render_rss_v2
from sample_data.play_payloads import chart_payload, render_batchexecute, render_details_page
from tests.loopback_server import LoopbackServer, Reply, SeenRequest, _Handler, _Server

SOURCES = ("app_store", "google_play", "news")
OFF_ALLOWLIST_URL = "http://exfiltrate.example.net/collect"
HOSTILE_ID = "<script>alert(1)</script>'); DROP TABLE core.apps;--"


@dataclass(frozen=True)
class Fault:
    """One kind of misbehaviour: ``times`` is how many matching requests misbehave (None: every one)."""

    name: str
    description: str
    times: int | None = None


FAULTS: dict[str, Fault] = {f.name: f for f in [
    Fault("http_429", "429 Too Many Requests with Retry-After: 1, once", times=1),
    Fault("http_5xx_burst", "a burst of 500 then 503, then a clean answer", times=2),
    Fault("http_503_persistent", "503 on every attempt (longer than the retry budget)"),
    Fault("connection_reset", "TCP reset instead of an answer, once", times=1),
    Fault("read_timeout", "no status line until the client's read timeout gives up, once", times=1),
    Fault("truncated_body", "Content-Length announced, half the body sent, connection closed, once", times=1),
    Fault("truncated_body_persistent", "the body breaks off half-way on every attempt"),
    Fault("missing_data_block", "changed layout: the data block (results / RPC envelope / channel) is gone"),
    Fault("renamed_fields", "changed layout: the fields the parser reads are renamed or moved"),
    Fault("empty_chart", "a well-formed chart (feed) with no entries"),
    Fault("duplicated_entries", "the same app (item) twice in one chart (feed)"),
    Fault("oversized_body", "a body over max_response_bytes, with Content-Length"),
    Fault("oversized_streamed", "a body over max_response_bytes, no Content-Length (streamed until close)"),
    Fault("redirect_off_allowlist", "302 to a host that is not in allowed_hosts"),
    Fault("wrong_charset", "UTF-8 body (non-ASCII names), Content-Type claims charset=iso-8859-1"),
    Fault("missing_charset", "UTF-8 body (non-ASCII names), Content-Type without charset"),
    Fault("html_instead_of_json", "200 with an HTML error page where JSON (XML for news) was expected"),
    Fault("hostile_id", "an app id carrying HTML/JS and SQL (`<script>…'); DROP TABLE core.apps;--`)"),
    Fault("drip", "the body trickles out one byte per 0.1 s (every read well inside the read timeout), once",
          times=1),
    Fault("http_429_date", "429 with Retry-After as an HTTP-date 2 s after the answer's Date header, once", times=1),
    Fault("out_of_range", "a count beyond 64 bits (2^63): lookup userRatingCount, Play realInstalls, price micros"),
    Fault("renamed_counts", "changed layout: the count fields (ratings, installs) renamed in every answer"),
]}
READ_TIMEOUT = 5.0  # the client's read timeout in settings(): a healthy answer's first byte comes well inside it
CONNECT_TIMEOUT = 10.0
DRIP_INTERVAL = 0.1  # 50x inside READ_TIMEOUT: only the deadline cuts a drip, busy or not
HOLD_LIMIT = 120.0  # a HoldReply gives up waiting for the client to hang up after this long
LISTEN_BACKLOG = 128  # connections waiting for accept() (socketserver's 5 drops SYNs of a burst)
TOO_BIG = 2**63  # one past int64
RETRY_AFTER_DATE = ("Mon, 02 Nov 2026 06:00:00 GMT", "Mon, 02 Nov 2026 06:00:02 GMT")  # (Date, Retry-After)

DEFAULT_TARGET = {"app_store": "rss_v2", "google_play": "chart", "news": "feed"}
# The one request of a country a chart target hits: App Store RSS v2 top-free; Play top-free ENTERTAINMENT.
_CHART_TARGET = {"app_store": ("top-free", "all"), "google_play": ("top-free", "ENTERTAINMENT")}
CONTENT_TYPES = {"rss_v2": "application/json; charset=utf-8", "legacy_rss": "text/javascript; charset=utf-8",
                 "lookup": "text/javascript; charset=utf-8", "chart": "application/json; charset=utf-8",
                 "details": "text/html; charset=utf-8", "feed": "application/rss+xml; charset=UTF-8"}
_PLAY_COLLECTION = {"top-free": "topselling_free", "top-grossing": "topgrossing", "top-paid": "topselling_paid"}
_PLAY_CHART = {v: k for k, v in _PLAY_COLLECTION.items()}
_LEGACY_CHART = {"topfreeapplications": "top-free", "toppaidapplications": "top-paid",
                 "topgrossingapplications": "top-grossing"}
NAME_SUFFIX = " · Ünïcødé ✓ ‏ع"  # non-ASCII (Latin-1 range, beyond it, a right-to-left mark and Arabic)
HTML_ERROR_PAGE = (b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
                   b"<body><h1>Sorry!</h1><p>Something went wrong, please try again later.</p></body></html>")


@dataclass(frozen=True)
class RequestInfo:
    """What a request asks for: its source, kind (rss_v2, legacy_rss, lookup, chart, details, feed), country."""

    source: str
    kind: str
    country: str
    chart: str | None = None
    genre: str | None = None
    ids: tuple[str, ...] = ()
    app_id: str | None = None
    limit: int = 0
    query: str | None = None  # a news search's q

    def is_target(self, target: str) -> bool:
        if target != self.kind:
            return False
        if self.kind in ("rss_v2", "chart"):
            return (self.chart, self.genre) == _CHART_TARGET[self.source]
        return True


@dataclass
class _Injection:
    fault: Fault
    target: str
    app_id: str | None = None
    query: str | None = None
    hits: int = 0

    def matches(self, info: RequestInfo) -> bool:
        return (info.is_target(self.target) and (self.app_id is None or info.app_id == self.app_id)
                and (self.query is None or info.query == self.query))


@dataclass(frozen=True)
class DripReply(Reply):
    """An answer whose body trickles out one byte every ``interval`` seconds (``Content-Length`` announced):
    every read completes inside any read timeout above ``interval``, the whole body takes ``len × interval``."""

    interval: float = DRIP_INTERVAL


@dataclass(frozen=True)
class HoldReply(Reply):
    """No answer at all: the server waits, sending nothing, until the client hangs up (its read timeout or its
    deadline), at most ``limit`` seconds. The stall ends by the client's clock, never by a race with ours."""

    limit: float = HOLD_LIMIT


class _FaultHandler(_Handler):
    def _reply_for(self, seen: SeenRequest) -> Reply:
        return self.server.owner.respond(seen)

    def _reply(self, reply: Reply, end: Callable[[], None]) -> None:
        if isinstance(reply, HoldReply):
            self._hold(reply.limit)
            return
        if not isinstance(reply, DripReply):
            super()._reply(reply, end)
            return
        headers = reply.header_items()
        names = {k.lower() for k, _ in headers}
        self.send_response_only(reply.status)
        if "date" not in names:
            self.send_header("Date", formatdate(usegmt=True))
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.flush()
        end()
        for i in range(len(reply.body)):  # OSError once the client has given up: handled by the caller
            time.sleep(reply.interval)
            self.wfile.write(reply.body[i:i + 1])
            self.wfile.flush()

    def _hold(self, limit: float) -> None:
        """Send nothing until the client closes the connection (it becomes readable: end-of-file), or ``limit``."""
        self.close_connection = True
        until = time.monotonic() + limit
        while (left := until - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 1.0))
            if readable:
                return


class _FaultTCPServer(_Server):
    request_queue_size = LISTEN_BACKLOG


class FaultServer(LoopbackServer):
    """Real-format App Store, Google Play and news answers on 127.0.0.1, with per-request faults."""

    def __init__(self, start: date, *, countries: tuple[str, ...] = ("us",)) -> None:
        super().__init__()
        self.start_day = start
        self.day = start
        self.market_countries = tuple(countries)
        self.max_response_bytes = 512 * 1024
        self.oversize_bytes: int | None = None  # size of an oversized_* body (default: the cap + 1 KiB)
        self.hostile_names: dict[str, str] = {}  # track id -> the name every response (both stores) shows
        self.name_suffix = ""  # appended to every app's name (e.g. non-ASCII text), in both stores
        self.news_items: list[dict] | None = None  # items of every news feed (None: a default pair)
        self.robots_reply: Reply | None = None  # what /robots.txt answers (None: allow everything)
        self._market = build_market()
        self._by_id = {m.app.track_id: m for m in self._market}
        self._by_package = {play_package(m): m for m in self._market}
        self._injections: dict[tuple[str, str], list[_Injection]] = {}
        self._fault_lock = threading.Lock()
        self._render_lock = threading.Lock()  # one answer rendered at a time (see start())
        self._infos: dict[int, RequestInfo | None] = {}  # id(SeenRequest) -> what it asked for

    # -- lifecycle (the handler is this module's, the rest is LoopbackServer's)
    def start(self) -> FaultServer:
        # The simulated world (economy, rankings, iOS rating counts, Play installs) is built lazily, by the first
        # answer that needs each part: built here, before any client waits with a timeout. Built by the first
        # requests instead, every server thread built it at once (the iOS ratings 66 times over for the first
        # lookups of a 45-country day), and on a loaded machine every attempt of a clean day timed out.
        # Rendering holds a lock for the same reason: whatever is still cold (a day's rankings) is built once.
        self._warm_up()
        self._server = _FaultTCPServer(("127.0.0.1", 0), _FaultHandler)
        self._server.owner = self
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-server", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> FaultServer:
        return self.start()

    def _warm_up(self) -> None:
        """Render one answer of every kind (the lazily built parts of the simulated world get built)."""
        first = next(m for m in self._market if m.index >= 0 and m.app.user_rating_count is not None)
        for info in (RequestInfo("app_store", "rss_v2", "us", chart="top-free", genre="all", limit=1),
                     RequestInfo("app_store", "legacy_rss", "us", chart="top-grossing", genre="6016", limit=1),
                     RequestInfo("app_store", "lookup", "us", ids=(first.app.track_id,)),
                     RequestInfo("google_play", "chart", "us", chart="top-free", genre="ENTERTAINMENT", limit=1),
                     RequestInfo("google_play", "details", "us", app_id=play_package(first))):
            self._clean(info)

    # -- configuration
    def settings(self, data_dir: Path, countries: list[str], **overrides) -> Settings:
        """Settings pointing every source at this server: generous timeouts (a healthy answer is never cut on a
        busy machine), tiny backoff, no rate limit."""
        base = self.url("").rstrip("/")
        values = {
            "data_dir": data_dir,
            "countries": countries,
            "appstore_rss_base_url": base,
            "itunes_base_url": base,
            "google_play_base_url": base,
            "news_base_url": base,
            "allowed_hosts": ["127.0.0.1"],
            "respect_robots_txt": False,
            "requests_per_second_per_host": 10_000.0,
            "host_rate_overrides": {},
            "rate_jitter": 0.0,
            # 8 answers in flight at once: on a loaded machine more only queue on the one GIL the server and the
            # client share, and each answer then takes longer (a clean 45-country day: slowest attempt 1.1 s with 8,
            # 1.6 s with 32, load 12)
            "max_concurrency_per_host": 8,
            "max_workers": 8,
            "max_retries": 3,
            "backoff_base_seconds": 0.01,
            "backoff_max_seconds": 2.0,
            "connect_timeout": CONNECT_TIMEOUT,
            "read_timeout": READ_TIMEOUT,
            "max_response_bytes": self.max_response_bytes,
            "rss_v2_limit": 15,
            "legacy_rss_limit": 15,
            "play_chart_count": 15,
            "play_max_details_per_country": 4,
            # the matrix injects a page's fault in one country: every country fetches its own pages
            "play_details_plan": "per_country",
            "news_editions": ["en-US:US"],
            "news_topics": ["short drama app", "micro drama"],
            "news_feeds": [],  # industry feeds are other hosts: none here
        }
        values.update(overrides)
        self.market_countries = tuple(values["countries"])
        return Settings(**values)

    def inject(self, source: str, country: str, fault: str, *, target: str | None = None,
               app_id: str | None = None, query: str | None = None) -> None:
        """Make ``source``'s ``target`` requests for ``country`` misbehave with ``fault`` (only the app page
        ``app_id`` / the news search ``query`` when given)."""
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        with self._fault_lock:
            self._injections.setdefault((source, country), []).append(
                _Injection(FAULTS[fault], target or DEFAULT_TARGET[source], app_id, query))

    def reset_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self.requests.clear()
            self._infos.clear()

    def clear_faults(self) -> None:
        with self._fault_lock:
            self._injections.clear()

    def hits_for(self, source: str, country: str) -> list[SeenRequest]:
        """The recorded requests that hit ``source``'s fault target for ``country`` (in arrival order)."""
        out = []
        with self._lock:
            seen = [(req, self._infos.get(id(req))) for req in self.requests]
        for req, info in seen:
            if info is None or info.source != source or info.country != country:
                continue
            injections = self._injections.get((source, country)) or []
            probe = injections[0] if injections else _Injection(FAULTS["http_429"], DEFAULT_TARGET[source])
            if probe.matches(info):
                out.append(req)
        return out

    @property
    def day_index(self) -> int:
        return (self.day - self.start_day).days

    # -- request routing
    def classify(self, req: SeenRequest) -> RequestInfo | None:
        parts = urlsplit(req.path)
        path, query = parts.path, parse_qs(parts.query)
        segs = [s for s in path.split("/") if s]
        if path == "/lookup":
            ids = tuple(i for i in (query.get("id") or [""])[0].split(",") if i)
            return RequestInfo("app_store", "lookup", (query.get("country") or [""])[0], ids=ids)
        if len(segs) == 7 and segs[:2] == ["api", "v2"] and segs[3] == "apps":
            return RequestInfo("app_store", "rss_v2", segs[2], chart=segs[4], genre="all", limit=int(segs[5]))
        if len(segs) >= 5 and segs[1] == "rss" and segs[2] in _LEGACY_CHART:
            fields = dict(s.split("=", 1) for s in segs[3:] if "=" in s)
            return RequestInfo("app_store", "legacy_rss", segs[0], chart=_LEGACY_CHART[segs[2]],
                               genre=fields.get("genre", "all"), limit=int(fields.get("limit", "100")))
        if path.endswith("/data/batchexecute"):
            chart, genre, count = _play_chart_args(req.body)
            return RequestInfo("google_play", "chart", (query.get("gl") or [""])[0], chart=chart, genre=genre,
                               limit=count)
        if path == "/store/apps/details":
            return RequestInfo("google_play", "details", (query.get("gl") or [""])[0],
                               app_id=(query.get("id") or [""])[0])
        if segs[:1] == ["rss"]:
            country = (query.get("gl") or [""])[0].lower() or (query.get("ceid") or ["US:"])[0][:2].lower()
            return RequestInfo("news", "feed", country, query=(query.get("q") or [None])[0])
        return None

    def respond(self, req: SeenRequest) -> Reply:
        if req.path == "/robots.txt":
            return self.robots_reply or Reply(200, b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        try:
            info = self.classify(req)
        except (ValueError, KeyError, IndexError, TypeError):
            return Reply(400, b"bad request")
        with self._lock:
            self._infos[id(req)] = info
        if info is None:
            return self._next_reply(req.path)  # a scripted path (404 when none)
        fault, hit = self._matching(info)
        with self._render_lock:
            return self._fault_reply(fault, hit, info, lambda content_fault=None: self._clean(info, content_fault))

    def _matching(self, info: RequestInfo) -> tuple[str | None, int]:
        """The fault this request gets (None: a clean answer) and which matching hit it is (1, 2, ...)."""
        with self._fault_lock:
            for injection in self._injections.get((info.source, info.country), ()):
                if not injection.matches(info):
                    continue
                injection.hits += 1
                times = injection.fault.times
                if times is None or injection.hits <= times:
                    return injection.fault.name, injection.hits
        return None, 0

    # -- faults
    def _fault_reply(self, fault: str | None, hit: int, info: RequestInfo, clean: Callable[..., Reply]) -> Reply:
        if fault is None:
            return clean()
        if fault == "http_429":
            return Reply(429, b"Too Many Requests", headers={"Retry-After": "1", "Content-Type": "text/plain"})
        if fault == "http_429_date":  # measured on the server's clock (its Date), whatever ours says
            date, retry_after = RETRY_AFTER_DATE
            return Reply(429, b"Too Many Requests", headers={"Date": date, "Retry-After": retry_after,
                                                             "Content-Type": "text/plain"})
        if fault == "http_5xx_burst":
            return Reply(500 if hit == 1 else 503, b"server error", headers={"Content-Type": "text/plain"})
        if fault == "http_503_persistent":
            return Reply(503, b"Service Unavailable", headers={"Content-Type": "text/plain", "Retry-After": "0"})
        if fault == "connection_reset":
            return Reply(reset=True)
        if fault == "read_timeout":
            return HoldReply()
        if fault == "drip":
            full = clean()
            return DripReply(full.status, full.body, headers=full.headers)
        if fault in ("truncated_body", "truncated_body_persistent"):
            full = clean()
            return replace(full, drop_after=max(1, len(full.body) // 2))
        oversize = self.oversize_bytes or self.max_response_bytes + 1024
        if fault == "oversized_body":
            return Reply(200, body_size=oversize, headers=_ctype(info))
        if fault == "oversized_streamed":
            return Reply(200, body_size=oversize, content_length=False, headers=_ctype(info))
        if fault == "redirect_off_allowlist":
            return Reply(302, b"", headers={"Location": OFF_ALLOWLIST_URL})
        if fault == "html_instead_of_json":
            return Reply(200, HTML_ERROR_PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
        if fault in ("wrong_charset", "missing_charset"):
            reply = clean()
            ctype = _ctype(info)["Content-Type"].split(";")[0]
            ctype += "; charset=iso-8859-1" if fault == "wrong_charset" else ""
            return replace(reply, headers={**dict(reply.header_items()), "Content-Type": ctype})
        return clean(fault)  # content faults: layout changes, empty chart, duplicates, hostile id

    # -- clean (or content-faulted) answers in each source's real format
    def _clock(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 6, 0, tzinfo=UTC)

    def _name(self, market_app) -> str | None:
        """The name this app is served under, when it is not its market name."""
        name = self.hostile_names.get(market_app.app.track_id)
        if name is None and self.name_suffix:
            name = market_app.app.name + self.name_suffix
        return name

    def _sample(self, market_app):
        name = self._name(market_app)
        return replace(market_app.app, name=name) if name else market_app.app

    def _clean(self, info: RequestInfo, content_fault: str | None = None) -> Reply:
        renderer = {"rss_v2": self._rss_v2, "legacy_rss": self._legacy, "lookup": self._lookup,
                    "chart": self._play_chart, "details": self._play_details, "feed": self._news}[info.kind]
        status, body = renderer(info, content_fault)
        headers = _ctype(info)
        if info.kind == "feed":  # the stage step dates a story's delivery by Date: a fixed one per day
            headers["Date"] = format_datetime(self._clock() + timedelta(hours=4), usegmt=True)
        return Reply(status, body, headers=headers)

    def _chart_apps(self, info: RequestInfo, pool: str, content_fault: str | None, store: str = "app_store") -> list:
        chosen = ranked(self._market, pool, info.country, self.day_index, info.limit,
                        grossing=info.chart == "top-grossing", store=store)
        if content_fault == "empty_chart":
            return []
        if content_fault == "duplicated_entries" and len(chosen) > 6:
            chosen = chosen[:5] + [chosen[4]] + chosen[6:]
        return chosen

    def _rss_v2(self, info: RequestInfo, content_fault: str | None) -> tuple[int, bytes]:
        pool = "free" if info.chart == "top-free" else "paid"
        apps = [self._sample(m) for m in self._chart_apps(info, pool, content_fault)]
        doc = json.loads(render_rss_v2(info.country, info.chart, apps, self._clock()))
        if content_fault == "missing_data_block":
            del doc["feed"]["results"]
        elif content_fault == "renamed_fields":
            doc["feed"]["results"] = [{("title" if k == "name" else "appId" if k == "id" else k): v
                                       for k, v in r.items()} for r in doc["feed"]["results"]]
        elif content_fault == "hostile_id" and len(doc["feed"]["results"]) > 2:
            doc["feed"]["results"][2]["id"] = HOSTILE_ID
        return 200, json.dumps(doc, ensure_ascii=False).encode("utf-8")

    def _legacy(self, info: RequestInfo, content_fault: str | None) -> tuple[int, bytes]:
        apps = [self._sample(m) for m in self._chart_apps(info, "ent", content_fault)]
        return 200, render_legacy_rss(info.country, info.chart, info.genre, apps, self._clock())

    def _lookup(self, info: RequestInfo, content_fault: str | None) -> tuple[int, bytes]:
        found = []
        for track_id in info.ids:
            m = self._by_id.get(track_id)
            if m is not None:
                app = with_ratings(m, info.country, self.day_index)
                name = self._name(m)
                found.append(replace(app, name=name) if name else app)
        if content_fault == "duplicated_entries" and found:
            found.append(found[0])
        body = render_lookup(info.country, found)
        if content_fault == "missing_data_block":
            body = json.dumps({"resultCount": len(found)}).encode()  # the results array is gone
        elif content_fault == "renamed_fields":
            body = body.replace(b'"trackId"', b'"track_id"').replace(b'"trackName"', b'"track_name"')
        elif content_fault == "renamed_counts":  # the rating fields renamed in every result
            body = body.replace(b'"userRatingCount"', b'"ratingCount"').replace(b'"averageUserRating"',
                                                                                b'"ratingAverage"')
        elif content_fault == "out_of_range" and found:
            doc = json.loads(body)
            doc["results"][0]["userRatingCount"] = TOO_BIG
            body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        elif content_fault == "hostile_id" and found:
            doc = json.loads(body)
            doc["results"][0]["trackId"] = HOSTILE_ID
            body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        return 200, body

    def _play_listing(self, m):
        listing = play_app(m, self.day_index, self.start_day)
        name = self._name(m)
        return replace(listing, title=name) if name else listing

    def _play_chart(self, info: RequestInfo, content_fault: str | None) -> tuple[int, bytes]:
        pool = "ent" if info.genre == "ENTERTAINMENT" else "free"
        listings = [self._play_listing(m) for m in self._chart_apps(info, pool, content_fault, "google_play")]
        collection = _PLAY_COLLECTION[info.chart]
        payload = chart_payload(listings, collection, info.genre)
        if content_fault == "missing_data_block":
            body = render_batchexecute(payload)
            return 200, b")]}'\n\n" + body.split(b"\n", 4)[-1]  # every chunk but the wrb.fr envelope
        apps_node = payload[0][1][0][28][0] if listings else []
        if content_fault == "renamed_fields":
            for app in apps_node:
                node = app[0]
                node[0], node[3], node[14] = None, node[0], node[3]  # package / title / developer moved
        elif content_fault == "hostile_id" and len(apps_node) > 2:
            apps_node[2][0][0][0] = HOSTILE_ID
        elif content_fault == "out_of_range" and apps_node:
            apps_node[0][0][8][1][0][0] = TOO_BIG  # the price offer's micros
        return 200, render_batchexecute(payload)

    def _play_details(self, info: RequestInfo, content_fault: str | None) -> tuple[int, bytes]:
        m = self._by_package.get(info.app_id or "")
        if m is None:
            return 404, b"<!doctype html><title>Not Found</title>"
        listing = self._play_listing(m)
        if content_fault == "out_of_range":
            listing = replace(listing, real_installs=TOO_BIG)
        elif content_fault == "renamed_counts":  # no rating block, and the exact installs moved out of [13]
            listing = replace(listing, score=None)
        page = render_details_page(listing)
        if content_fault == "renamed_counts":
            band = rb'"[^"]*\+",\d+,'  # [13]: ["10,000,000+", 10000000, <exact installs>, "10M+"]
            page = re.sub(b"(" + band + b")" + str(listing.real_installs).encode(), rb"\1null", page, count=1)
        if content_fault == "missing_data_block":
            page = page.replace(b"AF_initDataCallback({key: 'ds:5'", b"AF_dataServiceRequests({key: 'ds:5'")
        elif content_fault == "hostile_id":  # the page names another (hostile) package everywhere
            hostile = json.dumps(HOSTILE_ID)[1:-1]
            for ch in "=&<>'":
                hostile = hostile.replace(ch, f"\\u{ord(ch):04x}")
            page = page.replace(info.app_id.encode(), hostile.encode())
        elif content_fault == "renamed_fields":  # the app block's fields moved one slot down
            page = page.replace(b"AF_initDataCallback({key: 'ds:5', hash: '4', data:[",
                                b"AF_initDataCallback({key: 'ds:5', hash: '4', data:[null,")
        return 200, page

    def _news(self, info: RequestInfo, content_fault: str | None) -> tuple[int, bytes]:
        if self.news_items is not None:
            items = list(self.news_items)
        else:
            items = default_news_items(self.day, info.country) + default_news_items(
                self.day - timedelta(days=1), info.country) + [query_story(self.day, info.country, info.query)]
        if content_fault == "empty_chart":
            items = []
        elif content_fault == "duplicated_entries" and items:
            items = items + items[:1]
        return 200, render_news_rss(items, missing_channel=content_fault == "missing_data_block",
                                    link_tag="url" if content_fault == "renamed_fields" else "link")


def _ctype(info: RequestInfo) -> dict[str, str]:
    return {"Content-Type": CONTENT_TYPES[info.kind]}


def _play_chart_args(body: bytes) -> tuple[str, str, int]:
    """(chart, category, count) of a ``vyAe2`` batchexecute form body."""
    freq = parse_qs(body.decode("ascii"))["f.req"][0]
    args = json.loads(json.loads(freq)[0][0][1])
    count = args[0][1][0][1][1]
    _, collection, genre = args[0][2]
    return _PLAY_CHART[collection], genre, count


# -- news ------------------------------------------------------------------------------------------------


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# Headlines of the day's two shared stories: day n uses pair n % 2, so a day and the one before never carry
# titles similar enough for the stage step's dedupe to merge them (it would, within 72 hours).
_HEADLINES = (
    ("ReelShort tops {C} short-drama downloads", "ReelShort took 29% of {C} short-drama revenue.",
     "DramaBox raises the bar for vertical drama", "DramaBox reached 10 million downloads."),
    ("Micro-drama spending in {C} hits a record", "ShortMax earned $12 million in October.",
     "GoodShort signs a studio deal for vertical series", "GoodShort reached 5 million users."),
)


def _pub_date(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def default_news_items(day: date, country: str = "us") -> list[dict]:
    """The day's two stories of a news edition (the first with a non-ASCII headline); links carry the country."""
    title_a, text_a, title_b, text_b = _HEADLINES[day.toordinal() % 2]
    big = country.upper()
    return [
        {"title": title_a.format(C=big) + NAME_SUFFIX + " - Example Daily",
         "link": f"https://news.example.com/{country}/a-{day.isoformat()}", "pubDate": _pub_date(day, 8),
         "source": "Example Daily", "description": text_a.format(C=big)},
        {"title": title_b + " - Sample Wire",
         "link": f"https://wire.example.org/{country}/b-{day.isoformat()}", "pubDate": _pub_date(day, 8),
         "source": "Sample Wire", "description": text_b},
    ]


def query_story(day: date, country: str, query: str | None) -> dict:
    """A story only the search ``query`` finds (so a search that fails or comes back empty shows in core)."""
    query = query or "news"
    slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-") or "q"
    return {"title": f"Roundup: {query} in {country.upper()} - Example Daily",
            "link": f"https://news.example.com/{country}/q/{slug}-{day.isoformat()}", "pubDate": _pub_date(day, 7),
            "source": "Example Daily", "description": f"What happened around {query} today."}


def render_news_rss(items: list[dict], *, missing_channel: bool = False, link_tag: str = "link") -> bytes:
    """A Google News RSS 2.0 search answer with ``items`` (title, link, pubDate, source, description)."""
    parts = []
    for item in items:
        parts.append(
            f"<item><title>{_xml_escape(item['title'])}</title>"
            f"<{link_tag}>{_xml_escape(item['link'])}</{link_tag}>"
            f"<pubDate>{item['pubDate']}</pubDate>"
            f"<description>{_xml_escape(item.get('description', ''))}</description>"
            f"<source url=\"https://{_xml_escape(item['source'].lower().replace(' ', ''))}.example\">"
            f"{_xml_escape(item['source'])}</source></item>")
    channel = ("<channel><title>\"short drama\" - Google News</title><link>https://news.google.com/</link>"
               "<language>en-US</language>" + "".join(parts) + "</channel>")
    doc = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><rss version="2.0">'
    doc += ("" if missing_channel else channel) + "</rss>"
    return doc.encode("utf-8")


# -- running days and checking the warehouse (shared by the reliability tests) -----------------------------

CORE_FACTS = ("core.chart_entries", "core.app_metrics")


def run_day(settings: Settings, day: date, countries: list[str], *, sources=("app_store", "google_play"),
            run_id: str | None = None, replay: str | Path | None = None) -> dict:
    """ingest → stage_and_validate → load_report for one day; returns manifests, report and load summary."""
    from dramatrack.pipeline.ingest import ingest
    from dramatrack.pipeline.validate_load import load_report, stage_and_validate

    manifests = [m for source in sources for m in ingest(settings, source, day, countries, replay=replay)]
    report_path = stage_and_validate(settings, manifests, run_id or f"test-{day.isoformat()}")
    summary = load_report(settings, report_path)
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    return {"manifests": manifests, "report_path": report_path, "report": report, "summary": summary}


def table_hashes(path: Path | str, schemas: tuple[str, ...] = ("core", "marts")) -> dict[str, str]:
    """``row count:md5`` of every table of ``schemas`` (order-independent)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            f"WHERE table_schema IN ({', '.join('?' for _ in schemas)}) ORDER BY 1", list(schemas)).fetchall()]
        return {name: conn.execute(
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') "
            f"FROM {name} t").fetchone()[0] for name in names}


def scope_hash(conn, table: str, where: str = "true", params: list | None = None) -> str:
    """``row count:md5`` of the rows of ``table`` matching ``where``."""
    return conn.execute(
        f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') "
        f"FROM {table} t WHERE {where}", params or []).fetchone()[0]


def primary_keys(conn) -> dict[str, list[str]]:
    """Every core / marts / ops table's primary-key columns."""
    rows = conn.execute(
        "SELECT schema_name || '.' || table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY' AND schema_name IN ('core', 'marts', 'ops')").fetchall()
    return {name: list(cols) for name, cols in rows}


def duplicate_keys(path: Path | str) -> dict[str, int]:
    """Tables whose primary key (or natural chart key) repeats, with the number of surplus rows (want: {})."""
    import duckdb

    out = {}
    with duckdb.connect(str(path), read_only=True) as conn:
        keys = primary_keys(conn)
        keys["core.chart_entries#app"] = ["snapshot_date", "store", "country", "chart", "genre", "store_app_id"]
        for name, cols in keys.items():
            table = name.split("#")[0]
            cols_sql = ", ".join(f'"{c}"' for c in cols)
            surplus = conn.execute(
                f"SELECT count(*) - count(DISTINCT ({cols_sql})) FROM {table}").fetchone()[0]
            if surplus:
                out[name] = surplus
    return out


def day_snapshot(path: Path | str, day: date) -> dict[str, str]:
    """Hashes of the fact rows loaded for ``day`` (chart entries, app metrics)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as conn:
        return {t: scope_hash(conn, t, "snapshot_date = ?", [day]) for t in CORE_FACTS}


def dimension_rows(path: Path | str) -> dict[str, set[tuple]]:
    """What a later day may only add to: (listing → product) and (product, first seen date).

    Descriptive fields (names, last seen dates) follow the latest snapshot by design, so they are left out.
    """
    import duckdb

    with duckdb.connect(str(path), read_only=True) as conn:
        return {
            "core.app_store_ids": set(conn.execute(
                "SELECT store, store_app_id, app_key, own_app_key FROM core.app_store_ids").fetchall()),
            "core.apps": set(conn.execute("SELECT app_key, first_seen_date FROM core.apps").fetchall()),
        }
