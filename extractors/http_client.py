"""The one polite HTTP client every extractor fetches through.

* Only hosts in ``settings.all_allowed_hosts()`` are contacted, including every redirect hop (max 5).
* robots.txt is honoured (when ``settings.respect_robots_txt``), per-host rate and concurrency limits hold.
* 429/5xx and transport errors are retried with jittered exponential backoff that honours ``Retry-After``.
* Bodies are streamed and capped at ``settings.max_response_bytes``.
* Every attempt has a total deadline (``settings.http_response_deadline_seconds``, connect to last body byte):
  ``read_timeout`` bounds each socket read only, so a watchdog shuts the attempt's socket down at the deadline
  and the attempt fails like a read timeout (retried).
* Every response received -- each attempt and each redirect hop -- is written to the WARC archive
  before anyone looks at it.

With ``replay=ReplayAdapter(...)`` the same code path answers from archived WARC files instead of the
network (no rate limiting, robots.txt or backoff sleeps: there is nobody to be polite to).
"""

from __future__ import annotations

import itertools
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests
import tenacity
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from extractors.rate_limit import HostRateLimiter
from extractors.replay import TRUNCATED_ATTR, ReplayAdapter, ReplayMissError
from extractors.robots import RobotsCache
from extractors.warc_archive import ArchivedResponse, WarcArchive, body_sha1

if TYPE_CHECKING:
    from dramatrack_config.settings import Settings

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_CHUNK_BYTES = 64 * 1024
# Never forwarded to a different host when following a redirect.
_CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")


class FetchError(Exception):
    """A fetch that did not produce a usable response; ``str()`` is one line: ``host: url: reason``."""

    def __init__(self, url: str, reason: str, *, status: int | None = None,
                 response: ArchivedResponse | None = None):
        self.url = " ".join(str(url).split())
        self.reason = " ".join(str(reason).split())
        self.status = status
        self.response = response
        self.host = urlsplit(self.url).hostname or ""
        super().__init__(self.url, self.reason)

    def __str__(self) -> str:
        return f"{self.host}: {self.url}: {self.reason}"


class _TransientError(Exception):
    """A transport failure worth retrying (connection refused/reset, timeout, broken body)."""

    def __init__(self, reason: str, response: ArchivedResponse | None = None):
        super().__init__(reason)
        self.reason = reason
        self.response = response


@dataclass(frozen=True)
class FetchRequest:
    """One request for :meth:`PoliteClient.fetch_many`."""

    url: str
    method: str = "GET"
    data: bytes | None = None
    headers: dict | None = None
    tags: dict | None = None


# -- the per-attempt total deadline ---------------------------------------------------------------------------


class _Watchdog:
    """The total deadline of one attempt: when it passes, every socket the attempt uses is shut down.

    ``read_timeout`` bounds each socket read, not the response: a server sending a byte just inside it holds
    an attempt as long as it likes, and a check between body chunks never runs while urllib3 blocks filling a
    chunk. A ``shutdown()`` from the timer thread wakes the blocked ``recv`` at once (it sees end-of-file), so
    the reading thread unwinds and :meth:`PoliteClient._attempt` reports the deadline. The sockets are
    registered by the connection classes below (a new connection when it is created, a pooled one when a
    request starts on it) for the attempt running in the current thread. Use as a context manager: leaving it
    cancels the timer and joins its thread, so no watchdog thread outlives its attempt.
    """

    _current = threading.local()

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.name = "dramatrack-deadline"

    def __enter__(self) -> _Watchdog:
        _Watchdog._current.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> bool:
        """Cancel the timer (and wait for its thread); return whether the deadline had already passed."""
        if getattr(_Watchdog._current, "watchdog", None) is self:
            _Watchdog._current.watchdog = None
        self._timer.cancel()
        if self._timer.ident is not None:
            self._timer.join()
        with self._lock:
            self._sockets.clear()
            return self.expired

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down at the deadline (at once if it has passed)."""
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                if all(s is not sock for s in self._sockets):
                    self._sockets.append(sock)
                return
        _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    @classmethod
    def watch_current(cls, sock: socket.socket | None) -> None:
        """Register ``sock`` with the attempt running in this thread, if any."""
        watchdog = getattr(cls._current, "watchdog", None)
        if watchdog is not None:
            watchdog.watch(sock)


class _NoDeadline:
    """Replay mode: nothing to wait for."""

    expired = False

    def __enter__(self) -> _NoDeadline:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def stop(self) -> bool:
        return False

    def watch(self, sock: socket.socket | None) -> None:
        pass


def _shutdown(sock: socket.socket) -> None:
    try:
        # The plain socket's shutdown, also for an SSLSocket (its own shutdown drops the SSL object under a
        # reader in another thread): the TCP stream ends, a blocked recv returns, TLS sees end-of-file.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or not connected


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _Watchdog.watch_current(sock)
        return sock

    def request(self, *args, **kwargs) -> None:  # type: ignore[override]
        _Watchdog.watch_current(self.sock)  # a pooled keep-alive connection (None: it connects now)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _Watchdog.watch_current(sock)  # the TCP socket: shutting it down also ends the TLS stream on top
        return sock

    def request(self, *args, **kwargs) -> None:  # type: ignore[override]
        _Watchdog.watch_current(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class _WatchedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections register their sockets with the running attempt's watchdog."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have their own connection classes
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


def _response_socket(resp: requests.Response) -> socket.socket | None:
    """The socket a streamed response is read from (urllib3 2), or None."""
    return getattr(getattr(resp.raw, "_connection", None), "sock", None)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.Timeout) or "Read timed out" in str(exc):
        return "read timeout"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:300]


_DELTA_SECONDS = re.compile(r"^[0-9]{1,9}(?:\.[0-9]{1,6})?$")


def parse_retry_after(response: ArchivedResponse) -> float | None:
    """Seconds to wait according to ``Retry-After`` (delta-seconds or HTTP-date), or None.

    An HTTP-date is measured against the response's own ``Date`` header when present, so clock skew between
    us and the server does not matter. Without one it is measured against when we received the response
    (``fetched_at``), truncated to the whole second: HTTP-dates have one-second resolution, so a server that
    asks for "until 12:00:02" at 12:00:00.9 of its clock must not get 0.02 s because our clock read 12:00:01.98.
    Pure: no wall clock is read.
    """
    value = (response.header("retry-after") or "").strip()
    if not value:
        return None
    if _DELTA_SECONDS.match(value):  # delta-seconds (a decimal is read leniently)
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    reference = response.fetched_at.replace(microsecond=0)
    date_header = response.header("date")
    if date_header:
        try:
            reference = parsedate_to_datetime(date_header)
        except (TypeError, ValueError, IndexError):
            pass
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    return max(0.0, (when - reference).total_seconds())


class PoliteClient:
    """Allowlisted, robots-aware, rate-limited, retrying, size-capped, archiving HTTP client."""

    def __init__(
        self,
        settings: Settings,
        *,
        replay: ReplayAdapter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self.replay = replay
        self._allowed_hosts = {h.lower() for h in settings.all_allowed_hosts()}
        self._session = requests.Session()
        self._session.headers["User-Agent"] = settings.user_agent
        self._timeout = (settings.connect_timeout, settings.read_timeout)
        self._rng = random.Random()
        self.limiter: HostRateLimiter | None
        self.robots: RobotsCache | None
        if replay is not None:
            self._session.trust_env = False  # no proxies or .netrc: nothing leaves the process
            self._session.mount("http://", replay)
            self._session.mount("https://", replay)
            self._backoff_sleep: Callable[[float], None] = lambda _seconds: None
            self.limiter = None
            self.robots = None
        else:
            pool = max(settings.max_workers, settings.max_concurrency_per_host)
            adapter = _WatchedAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
            self._session.mount("http://", adapter)
            self._session.mount("https://", adapter)
            self._backoff_sleep = sleep
            self.limiter = HostRateLimiter.from_settings(settings, sleep=sleep, clock=clock)
            self.robots = (
                RobotsCache(self._fetch_robots_txt, settings.user_agent) if settings.respect_robots_txt else None
            )

    # -- public API -------------------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        data: bytes | None = None,
        headers: dict | None = None,
        tags: dict | None = None,
        archive: WarcArchive | None = None,
    ) -> ArchivedResponse:
        """Fetch ``url`` (following allowed redirects); return the final archived response.

        Non-retryable statuses (200, 404, 403, ...) are returned; refusals, exhausted retries, oversized
        bodies and transport failures raise :class:`FetchError`.
        """
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self._fetch_chain(
            url, method.upper(), data, dict(headers or {}), dict(tags or {}), archive, check_robots=True
        )

    def fetch_many(
        self, requests: Iterable[FetchRequest], archive: WarcArchive | None = None
    ) -> list[ArchivedResponse | FetchError]:
        """Fetch concurrently (``settings.max_workers`` threads); results, or FetchErrors, in input order."""
        batch = list(requests)
        if not batch:
            return []

        def run(req: FetchRequest) -> ArchivedResponse | FetchError:
            try:
                return self.fetch(req.url, method=req.method, data=req.data, headers=req.headers,
                                  tags=req.tags, archive=archive)
            except FetchError as exc:
                return exc

        workers = min(self.settings.max_workers, len(batch))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dramatrack-fetch") as pool:
            return list(pool.map(run, batch))

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one logical fetch: redirect hops, each with its own retries --------------------------------------

    def _host_allowed(self, url: str) -> bool:
        return (urlsplit(url).hostname or "").lower() in self._allowed_hosts

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError(url, f"unsupported URL scheme {parts.scheme!r}")
        if not parts.hostname:
            raise FetchError(url, "URL has no host")
        if not self._host_allowed(url):
            raise FetchError(url, f"host {parts.hostname!r} is not in allowed_hosts")

    def _fetch_chain(
        self,
        url: str,
        method: str,
        data: bytes | None,
        headers: dict,
        tags: dict,
        archive: WarcArchive | None,
        *,
        check_robots: bool,
    ) -> ArchivedResponse:
        self._check_url(url)
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            refusal = self.robots.refusal(current) if check_robots and self.robots is not None else None
            if refusal:  # names the robots.txt and its rule or status ("… robots.txt answered HTTP 500: …")
                raise FetchError(url, f"robots.txt disallows {current}: {refusal}")
            hop_tags = {**tags, "redirect_hop": hop} if hop else tags
            response = self._fetch_with_retries(method, current, data, headers, hop_tags, archive)
            location = response.header("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            if hop == MAX_REDIRECTS:
                raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", status=response.status,
                                 response=response)
            target = urljoin(current, location.strip())
            target_host = urlsplit(target).hostname or ""
            if urlsplit(target).scheme.lower() not in ("http", "https") or not self._host_allowed(target):
                raise FetchError(
                    url,
                    f"redirect to {target} refused: host {target_host!r} is not in allowed_hosts",
                    status=response.status,
                    response=response,
                )
            # Browser semantics: 303 (and 301/302 after a POST) turn into a body-less GET.
            if (response.status == 303 and method != "HEAD") or (response.status in (301, 302) and method == "POST"):
                method, data = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
            if target_host.lower() != (urlsplit(current).hostname or "").lower():
                headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
            current = target
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch_with_retries(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: dict,
        tags: dict,
        archive: WarcArchive | None,
    ) -> ArchivedResponse:
        attempts = itertools.count(1)
        last: list[ArchivedResponse] = []

        def attempt() -> ArchivedResponse:
            try:
                response = self._attempt(method, url, data, headers, {**tags, "attempt": next(attempts)}, archive)
            except _TransientError as exc:
                if exc.response is not None:
                    last.append(exc.response)
                raise
            last.append(response)
            return response

        def give_up(state: tenacity.RetryCallState) -> ArchivedResponse:
            outcome = state.outcome
            previous = last[-1] if last else None
            status = previous.status if previous is not None else None
            if outcome is not None and outcome.failed:
                reason = getattr(outcome.exception(), "reason", str(outcome.exception()))
            else:
                reason = f"HTTP {status}"
            raise FetchError(url, f"{reason}; gave up after {state.attempt_number} attempts",
                             status=status, response=previous)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.settings.max_retries + 1),
            wait=self._wait,
            retry=(
                tenacity.retry_if_exception_type(_TransientError)
                | tenacity.retry_if_result(lambda r: r.status in RETRYABLE_STATUSES)
            ),
            sleep=self._backoff_sleep,
            retry_error_callback=give_up,
        )
        return retrying(attempt)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Jittered exponential backoff, at least ``Retry-After``, never above ``backoff_max_seconds``."""
        base = self.settings.backoff_base_seconds
        delay = base * 2.0 ** min(state.attempt_number - 1, 60) + self._rng.uniform(0, base)
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            retry_after = parse_retry_after(outcome.result())
            if retry_after is not None:
                delay = max(delay, retry_after)
        return min(delay, self.settings.backoff_max_seconds)

    # -- one attempt: exactly one HTTP exchange, archived --------------------------------------------------

    def _polite(self, url: str):
        """The per-host rate/concurrency slot (nothing in replay mode)."""
        if self.limiter is None:
            return nullcontext()
        return self.limiter.slot(urlsplit(url).hostname or "")

    def _deadline(self) -> _Watchdog | _NoDeadline:
        """The attempt's total deadline (none in replay mode)."""
        if self.replay is not None:
            return _NoDeadline()
        return _Watchdog(self.settings.http_response_deadline_seconds)

    def _deadline_reason(self) -> str:
        return (f"deadline exceeded: no complete response within {self.settings.http_response_deadline_seconds:g} s"
                " (http_response_deadline_seconds)")

    def _attempt(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: dict,
        tags: dict,
        archive: WarcArchive | None,
    ) -> ArchivedResponse:
        limit = self.settings.max_response_bytes
        with self._polite(url), self._deadline() as watchdog:
            try:
                resp = self._session.request(
                    method, url, data=data, headers=headers, timeout=self._timeout,
                    allow_redirects=False, stream=True,
                )
            except ReplayMissError:
                raise FetchError(url, f"{method} request is not in the replay archive") from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise _TransientError(self._deadline_reason() if watchdog.stop() else _describe(exc)) from exc
            except requests.RequestException as exc:
                if watchdog.stop():
                    raise _TransientError(self._deadline_reason()) from exc
                raise FetchError(url, _describe(exc)) from exc
            watchdog.watch(_response_socket(resp))  # already registered, unless a proxy made the connection
            fetched_at = datetime.now(UTC)
            body = bytearray()
            try:
                truncated = self._read_body(resp, method, body)
            except requests.RequestException as exc:
                # The headers arrived but the body broke off (or the deadline cut it): archive what came, retry.
                reason = self._deadline_reason() if watchdog.stop() else _describe(exc)
                partial = self._archive(resp, method, data, bytes(body), fetched_at,
                                        {**tags, "incomplete": True, "error": reason}, archive)
                raise _TransientError(reason, partial) from exc
            finally:
                if watchdog.stop():
                    resp.raw.close()  # the socket is shut down: never back into the pool
                resp.close()
        if watchdog.expired:
            # The body ended because the deadline shut the socket (a body without Content-Length then simply
            # looks complete), or the last byte came after it: incomplete either way.
            reason = self._deadline_reason()
            partial = self._archive(resp, method, data, bytes(body), fetched_at,
                                    {**tags, "incomplete": True, "error": reason}, archive)
            raise _TransientError(reason, partial)
        if truncated:
            archived = self._archive(resp, method, data, bytes(body), fetched_at, {**tags, "truncated": True}, archive)
            raise FetchError(url, f"body exceeds {limit} bytes", status=resp.status_code, response=archived)
        return self._archive(resp, method, data, bytes(body), fetched_at, tags, archive)

    def _read_body(self, resp: requests.Response, method: str, buf: bytearray) -> bool:
        """Stream the body into ``buf``, stopping at the size cap; return whether it was too big."""
        limit = self.settings.max_response_bytes
        declared = (resp.headers.get("Content-Length") or "").strip()
        if method != "HEAD" and resp.status_code not in (204, 304) and declared.isdigit() and int(declared) > limit:
            return True
        for chunk in resp.iter_content(chunk_size=min(_CHUNK_BYTES, limit + 1)):
            buf += chunk
            if len(buf) > limit:
                del buf[limit:]
                return True
        return bool(getattr(resp, TRUNCATED_ATTR, False))

    def _archive(
        self,
        resp: requests.Response,
        method: str,
        request_body: bytes | None,
        body: bytes,
        fetched_at: datetime,
        tags: dict,
        archive: WarcArchive | None,
    ) -> ArchivedResponse:
        url = resp.request.url if resp.request is not None else resp.url
        response_headers = list(resp.raw.headers.items()) if resp.raw is not None else list(resp.headers.items())
        if archive is None:
            return ArchivedResponse(
                url=url, method=method, status=resp.status_code, headers=response_headers, body=body,
                fetched_at=fetched_at, warc_path="", warc_offset=-1, warc_length=0,
                request_body_sha1=body_sha1(request_body), tags=dict(tags),
            )
        return archive.record(
            method=method,
            url=url,
            request_headers=list(resp.request.headers.items()) if resp.request is not None else [],
            request_body=request_body,
            status=resp.status_code,
            reason=resp.reason or "",
            response_headers=response_headers,
            body=body,
            fetched_at=fetched_at,
            tags=tags,
        )

    # -- robots.txt ---------------------------------------------------------------------------------------

    def _fetch_robots_txt(self, url: str) -> ArchivedResponse:
        """robots.txt through the same allowlist, limiter and retries (not archived, robots not consulted)."""
        return self._fetch_chain(url, "GET", None, {}, {"robots_txt": True}, None, check_robots=False)
