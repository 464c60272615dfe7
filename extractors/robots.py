"""robots.txt cache: one fetch per origin (scheme, host, port) per run, shared by all threads.

The rules follow RFC 9309 with the common 401/403 convention:

* 2xx: parsed with :mod:`urllib.robotparser`;
* 401, 403: everything disallowed;
* any other 4xx (404, 410, ...), or a 3xx without a Location: no robots.txt, everything allowed;
* 5xx, retries exhausted, unreachable, too many redirects or a redirect off the allowlist: everything
  disallowed for this run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

if TYPE_CHECKING:
    from extractors.warc_archive import ArchivedResponse


def robots_url(url: str) -> str:
    """The robots.txt URL governing ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/robots.txt"


def parser_for_response(response: ArchivedResponse | None) -> RobotFileParser:
    """Build the parser for a robots.txt response (``None`` means it could not be fetched)."""
    parser = RobotFileParser()
    status = response.status if response is not None else None
    if status is None or status >= 500 or status in (401, 403):
        parser.disallow_all = True
    elif 200 <= status < 300:
        parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
    else:
        parser.allow_all = True
    return parser


class RobotsCache:
    """Thread-safe robots.txt cache.

    ``fetch(url)`` returns the final response for a robots.txt URL, or raises any exception when it could
    not be obtained (treated as "disallow everything").
    """

    def __init__(self, fetch: Callable[[str], ArchivedResponse], user_agent: str):
        self._fetch = fetch
        self.user_agent = user_agent
        self._lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._parsers: dict[str, RobotFileParser] = {}

    def parser(self, url: str) -> RobotFileParser:
        """The (cached) parser for ``url``'s origin, fetching robots.txt on first use."""
        key = robots_url(url)
        with self._lock:
            cached = self._parsers.get(key)
            if cached is not None:
                return cached
            origin_lock = self._origin_locks.setdefault(key, threading.Lock())
        # One fetch per origin: the other threads asking for the same origin wait here.
        with origin_lock:
            with self._lock:
                cached = self._parsers.get(key)
            if cached is not None:
                return cached
            try:
                response = self._fetch(key)
            except Exception:  # an unobtainable robots.txt means "disallow", whatever the cause
                response = None
            parser = parser_for_response(response)
            with self._lock:
                self._parsers[key] = parser
            return parser

    def allowed(self, url: str) -> bool:
        """Whether our user agent may fetch ``url``."""
        return self.parser(url).can_fetch(self.user_agent, url)
