"""Per-host politeness: a minimum (jittered) interval between request starts and a cap on requests in flight.

Each host gets its own schedule and semaphore, so requests to different hosts never wait for each other.
A request first takes a concurrency slot, then reserves the next start time under a short lock and
sleeps outside the lock until then.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class HostRateLimiter:
    """Thread-safe per-host rate and concurrency limiter."""

    def __init__(
        self,
        rate_for_host: Callable[[str], float],
        *,
        max_concurrency_per_host: int,
        jitter: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ):
        if max_concurrency_per_host < 1:
            raise ValueError("max_concurrency_per_host must be >= 1")
        if not 0 <= jitter <= 1:
            raise ValueError("jitter must be a fraction between 0 and 1")
        self._rate_for_host = rate_for_host
        self._max_concurrency = max_concurrency_per_host
        self._jitter = jitter
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._next_start: dict[str, float] = {}
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    @classmethod
    def from_settings(cls, settings, **kwargs) -> HostRateLimiter:
        """A limiter configured from a :class:`dramatrack_config.settings.Settings`."""
        return cls(
            settings.rate_for_host,
            max_concurrency_per_host=settings.max_concurrency_per_host,
            jitter=settings.rate_jitter,
            **kwargs,
        )

    def _semaphore(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._semaphores.get(host)
            if sem is None:
                sem = self._semaphores[host] = threading.BoundedSemaphore(self._max_concurrency)
            return sem

    def interval(self, host: str) -> float:
        """The un-jittered minimum interval between request starts for ``host``, in seconds."""
        return 1.0 / self._rate_for_host(host)

    def reserve(self, host: str) -> float:
        """Reserve the next start slot for ``host``; return how long to wait before starting."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start.get(host, now))
            spread = self._rng.uniform(-self._jitter, self._jitter) if self._jitter else 0.0
            self._next_start[host] = start + self.interval(host) * (1.0 + spread)
            return start - now

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one of ``host``'s concurrency slots, started no sooner than its rate allows."""
        host = host.lower()
        sem = self._semaphore(host)
        # Take the concurrency slot before reserving a start time, so a reservation is never wasted
        # by a thread that then queues on the semaphore.
        sem.acquire()
        try:
            wait = self.reserve(host)
            if wait > 0:
                self._sleep(wait)
            yield
        finally:
            sem.release()
