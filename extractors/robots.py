"""robots.txt cache: one fetch per origin (scheme, host, port) per run, shared by all threads.

The rules follow RFC 9309, parsed with Protego (longest match wins; on a tie, Allow):

* 2xx: the file's rules for our user agent (else ``*``);
* 4xx (any, 401 and 403 included: §2.3.1.3 "unavailable"), or a 3xx without a Location: no rules,
  everything allowed;
* 5xx, a timeout, unreachable, retries exhausted, too many redirects or a redirect off the allowlist
  (§2.3.1.4 "unreachable"): everything disallowed for this run.

Every verdict carries its reason, so a refused fetch says which robots.txt and why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

if TYPE_CHECKING:
    from extractors.warc_archive import ArchivedResponse


def robots_url(url: str) -> str:
    """The robots.txt URL governing ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/robots.txt"


@dataclass(frozen=True)
class RobotsRules:
    """How one origin's robots.txt reads: its parsed rules, or allow / disallow everything, and why."""

    url: str
    rules: Protego | None = None
    allow_all: bool = False
    why: str = ""

    def can_fetch(self, url: str, user_agent: str) -> bool:
        if self.rules is not None:
            return self.rules.can_fetch(url, user_agent)
        return self.allow_all

    def reason(self, url: str) -> str:
        """One line: why ``url`` is refused (names the robots.txt and the rule or status)."""
        if self.rules is not None:
            return f"{self.url} disallows {url}"
        return f"{self.url} {self.why}: everything disallowed (RFC 9309 2.3.1.4)"


def rules_for_response(response: ArchivedResponse | None, url: str, error: str | None = None) -> RobotsRules:
    """The rules of a robots.txt response (``None``: it could not be obtained, ``error`` says why)."""
    status = response.status if response is not None else None
    if status is None:
        return RobotsRules(url, why=f"could not be fetched ({error or 'no answer'})")
    if status >= 500:
        return RobotsRules(url, why=f"answered HTTP {status}")
    if 200 <= status < 300:
        return RobotsRules(url, rules=Protego.parse(response.body.decode("utf-8", errors="replace")))
    return RobotsRules(url, allow_all=True, why=f"answered HTTP {status}: no rules (RFC 9309 2.3.1.3)")


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
        self._rules: dict[str, RobotsRules] = {}

    def rules(self, url: str) -> RobotsRules:
        """The (cached) rules for ``url``'s origin, fetching robots.txt on first use."""
        key = robots_url(url)
        with self._lock:
            cached = self._rules.get(key)
            if cached is not None:
                return cached
            origin_lock = self._origin_locks.setdefault(key, threading.Lock())
        # One fetch per origin: the other threads asking for the same origin wait here.
        with origin_lock:
            with self._lock:
                cached = self._rules.get(key)
            if cached is not None:
                return cached
            error = None
            try:
                response = self._fetch(key)
            except Exception as exc:  # an unobtainable robots.txt means "disallow", whatever the cause
                response, error = None, str(exc)[:200]
            rules = rules_for_response(response, key, error)
            with self._lock:
                self._rules[key] = rules
            return rules

    def allowed(self, url: str) -> bool:
        """Whether our user agent may fetch ``url``."""
        return self.rules(url).can_fetch(url, self.user_agent)

    def refusal(self, url: str) -> str | None:
        """None when ``url`` may be fetched, else the one-line reason naming the robots.txt."""
        rules = self.rules(url)
        return None if rules.can_fetch(url, self.user_agent) else rules.reason(url)
