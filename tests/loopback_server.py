"""A scriptable threaded HTTP server on 127.0.0.1 for network tests (never touches the internet).

Each path gets a sequence of :class:`Reply` objects, served in order; the last one repeats. A reply can
delay, reset the connection, or stream a large body with or without ``Content-Length``. The server records
every request and counts requests in flight (overall and per ``Host`` header).

    with LoopbackServer() as server:
        server.script("/x", Reply(429, headers={"Retry-After": "2"}), Reply(200, b"ok"))
        url = server.url("/x")                    # http://127.0.0.1:<port>/x
        other = server.url("/x", host="localhost")  # same server, a different host for the client
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dramatrack.settings import Settings

_FILL_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``delay``: seconds to wait before the status line. ``reset``: abort the connection (TCP RST) instead
    of answering. ``body_size``: send that many filler bytes instead of ``body``. ``content_length=False``:
    no ``Content-Length``; the body ends when the server closes the connection. ``drop_after``: announce the
    full length but send only that many body bytes, then close the connection.
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = ()
    delay: float = 0.0
    reset: bool = False
    body_size: int | None = None
    content_length: bool = True
    drop_after: int | None = None

    def header_items(self) -> list[tuple[str, str]]:
        return list(self.headers.items()) if isinstance(self.headers, Mapping) else list(self.headers)


@dataclass(frozen=True)
class SeenRequest:
    """A request the server received."""

    method: str
    path: str
    host: str
    headers: dict[str, str]
    body: bytes
    started: float = field(default=0.0, compare=False)


NOT_SCRIPTED = Reply(404, b"not scripted")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def _handle(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        seen = SeenRequest(self.command, self.path, host, dict(self.headers.items()), body, time.monotonic())
        owner._begin(seen)
        ended = False

        def end() -> None:
            # Called just before the last bytes go out: once the client has the whole response it may
            # start its next request, which must not be counted as overlapping with this one.
            nonlocal ended
            if not ended:
                ended = True
                owner._end(host)

        try:
            self._reply(self._reply_for(seen), end)
        except OSError:
            self.close_connection = True  # the client went away (expected after a timeout or a size cap)
        finally:
            end()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _handle

    def _reply_for(self, seen: SeenRequest) -> Reply:
        """The reply to ``seen`` (the scripted one for its path; subclasses decide otherwise)."""
        return self.server.owner._next_reply(seen.path)

    def _reply(self, reply: Reply, end: Callable[[], None]) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        if reply.reset:
            end()
            # SO_LINGER 0 makes close() send a RST instead of a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        headers = reply.header_items()
        names = {k.lower() for k, _ in headers}
        size = reply.body_size if reply.body_size is not None else len(reply.body)
        self.send_response_only(reply.status)
        if "date" not in names:
            self.send_header("Date", formatdate(usegmt=True))
        if "server" not in names:
            self.send_header("Server", "loopback")
        for key, value in headers:
            self.send_header(key, value)
        if reply.content_length:
            if "content-length" not in names:
                self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        if self.command == "HEAD" or size == 0:
            end()
        self.end_headers()
        if self.command == "HEAD":
            return
        end()
        if reply.drop_after is not None:
            self.wfile.write((reply.body or b"x" * size)[: reply.drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        if reply.body_size is None:
            self.wfile.write(reply.body)
        else:
            remaining = reply.body_size
            while remaining > 0:
                n = min(remaining, _FILL_CHUNK)
                self.wfile.write(b"x" * n)
                remaining -= n
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer

    def handle_error(self, request, client_address) -> None:
        pass  # resets and abandoned connections are part of the tests


class LoopbackServer:
    """A threaded HTTP server on a loopback address (127.0.0.1 unless ``bind`` says another 127.x address;
    a free port) whose replies are scripted per path."""

    def __init__(self, bind: str = "127.0.0.1") -> None:
        self.bind = bind
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Reply]] = {}
        self.requests: list[SeenRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.in_flight_by_host: dict[str, int] = {}
        self.max_in_flight_by_host: dict[str, int] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle
    def start(self) -> LoopbackServer:
        self._server = _Server((self.bind, 0), _Handler)
        self._server.owner = self
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="loopback-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addressing
    @property
    def port(self) -> int:
        assert self._port is not None, "server never started"
        return self._port  # still known after stop(), so replay tests can rebuild the same URLs

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        """An absolute URL on this server (``host`` may be ``localhost`` to look like another host)."""
        return f"http://{host or self.bind}:{self.port}{path}"

    # -- scripting and inspection
    def script(self, path: str, *replies: Reply) -> None:
        """Serve ``replies`` in order for ``path`` (the request target, query included); the last repeats."""
        if not replies:
            raise ValueError("script at least one reply")
        with self._lock:
            self._scripts[path] = list(replies)

    def hits(self, path: str) -> int:
        """How many requests arrived for ``path``."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            queue = self._scripts.get(path)
            if queue is None:
                queue = self._scripts.get(path.split("?", 1)[0])
            if not queue:
                return NOT_SCRIPTED
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _begin(self, seen: SeenRequest) -> None:
        with self._lock:
            self.requests.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            n = self.in_flight_by_host.get(seen.host, 0) + 1
            self.in_flight_by_host[seen.host] = n
            self.max_in_flight_by_host[seen.host] = max(self.max_in_flight_by_host.get(seen.host, 0), n)

    def _end(self, host: str) -> None:
        with self._lock:
            self.in_flight -= 1
            self.in_flight_by_host[host] -= 1


# -- client-side helpers shared by the network tests -----------------------------------------------------


class RecordingSleep:
    """A ``sleep`` replacement that records every requested wait without waiting (thread-safe)."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.calls.append(seconds)


def make_settings(tmp_path, **overrides) -> Settings:
    """Settings for loopback tests: both loopback names allowed, tiny backoff, no robots.txt unless asked."""
    values = {
        "data_dir": tmp_path,
        "allowed_hosts": ["127.0.0.1", "localhost"],
        "requests_per_second_per_host": 1000.0,
        "rate_jitter": 0.0,
        "max_concurrency_per_host": 2,
        "max_workers": 8,
        "max_retries": 2,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 10.0,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_response_bytes": 10_000,
        "respect_robots_txt": False,
    }
    values.update(overrides)
    return Settings(**values)
