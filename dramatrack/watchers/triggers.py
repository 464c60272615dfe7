"""The event triggers behind DramaTrack's watched assets (``dramatrack.assets``), run by the Airflow triggerer.

Each is a :class:`~airflow.triggers.base.BaseEventTrigger` (the kind an ``AssetWatcher`` accepts): ``run()``
polls forever and yields a :class:`~airflow.triggers.base.TriggerEvent` once per change. The triggerer turns
each event into an asset event whose extra is ``{"from_trigger": True, "payload": <the payload>}``; the
ingest task reads the payload's ``source``/``date``/``countries``/``replay``
(:func:`dramatrack.pipeline.tasks.watcher_requests`).

Only ``airflow.triggers.base`` is imported here: DAG files import this module at parse time. Settings are
read when ``run()`` starts, in the triggerer, so the serialized kwargs (which identify a trigger) stay the same
everywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

IDLE_SLEEP_SECONDS = 3600.0


def _settings(data_dir: str | None):
    from pathlib import Path

    from dramatrack.settings import Settings, get_settings

    return Settings(data_dir=Path(data_dir)) if data_dir else get_settings()


class ChartFeedTrigger(BaseEventTrigger):
    """Fires when a source's chart feed changed (see :mod:`dramatrack.watchers.feeds`).

    ``poll_seconds`` (default ``feed_watch_interval_seconds``; 0 = stay idle) and ``data_dir`` (default the
    settings') exist for tests.
    """

    def __init__(self, source: str, poll_seconds: float | None = None, data_dir: str | None = None):
        super().__init__()
        self.source = source
        self.poll_seconds = poll_seconds
        self.data_dir = data_dir

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"source": self.source, "poll_seconds": self.poll_seconds, "data_dir": self.data_dir})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from datetime import UTC, datetime, timedelta

        import httpx

        from dramatrack.watchers import feeds
        from dramatrack.watchers.state import load_state, save_state, state_path

        settings = _settings(self.data_dir)
        interval = settings.feed_watch_interval_seconds if self.poll_seconds is None else self.poll_seconds
        if interval <= 0:
            self.log.info("%s chart-feed watcher is off (feed_watch_interval_seconds = 0)", self.source)
            while True:
                await asyncio.sleep(IDLE_SLEEP_SECONDS)
        watched = feeds.watched_feeds(settings, self.source)
        path = state_path(settings.data_dir, f"{self.source}-chart-feed")
        cooldown = timedelta(minutes=settings.feed_watch_cooldown_minutes)
        timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
        self.log.info("%s chart-feed watcher: %d feed(s) every %.0f s, state in %s", self.source, len(watched),
                      interval, path)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while True:
                state = await asyncio.to_thread(load_state, path)
                observed = {}
                for feed in watched:
                    known = (state.get("feeds") or {}).get(feed.key) or {}
                    result = await feeds.poll_feed(client, settings, self.source, feed, known)
                    if result.get("error"):
                        self.log.warning("%s feed %s: %s", self.source, feed.key, result["error"])
                    observed[feed.key] = result
                now = datetime.now(UTC)
                changed = feeds.decide(state, observed, now, cooldown)
                await asyncio.to_thread(save_state, path, state)  # before the event: a restart never re-fires
                if changed:
                    self.log.info("%s chart feed(s) changed: %s", self.source, ", ".join(changed))
                    yield TriggerEvent(feeds.change_event(self.source, watched, changed, state, now))
                await asyncio.sleep(interval)


class InboxTrigger(BaseEventTrigger):
    """Fires once per inbox item of ``source`` (see :mod:`dramatrack.watchers.inbox`), and once per re-run
    request published on the Redis channel when ``inbox_redis_url`` is set."""

    def __init__(self, source: str, poll_seconds: float | None = None, data_dir: str | None = None):
        super().__init__()
        self.source = source
        self.poll_seconds = poll_seconds
        self.data_dir = data_dir

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"source": self.source, "poll_seconds": self.poll_seconds, "data_dir": self.data_dir})

    async def _subscribe(self, settings):
        try:
            import redis.asyncio as aioredis

            client = aioredis.Redis.from_url(settings.inbox_redis_url, socket_connect_timeout=5)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(settings.inbox_redis_channel)
            self.log.info("%s inbox watcher subscribed to Redis channel %s", self.source, settings.inbox_redis_channel)
            return client, pubsub
        except Exception as exc:  # no Redis right now: the folder still works; try again next poll
            self.log.warning("%s inbox watcher: cannot subscribe to Redis (%s)", self.source, type(exc).__name__)
            return None, None

    def _message_payload(self, message: dict) -> dict[str, Any] | None:
        from datetime import UTC, datetime

        from dramatrack.watchers.inbox import InboxError, request_from_message

        try:
            request = request_from_message(message.get("data") or b"")
        except InboxError as exc:
            self.log.warning("rejected a message on the inbox channel: %s", exc)
            return None
        if request["source"] != self.source:
            return None
        return {"kind": "redis_request", **request, "item": None, "received_at": datetime.now(UTC).isoformat()}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from dramatrack.watchers.inbox import inbox_dir, scan_inbox

        settings = _settings(self.data_dir)
        poll = self.poll_seconds or settings.inbox_poll_seconds
        self.log.info("%s inbox watcher: %s every %.1f s", self.source, inbox_dir(settings.data_dir), poll)
        loop = asyncio.get_running_loop()
        client = pubsub = None
        try:
            while True:
                events = await asyncio.to_thread(scan_inbox, settings.data_dir, self.source,
                                                 settle_seconds=settings.inbox_settle_seconds, log=self.log)
                for payload in events:
                    yield TriggerEvent(payload)
                if settings.inbox_redis_url and pubsub is None:
                    client, pubsub = await self._subscribe(settings)
                if pubsub is None:
                    await asyncio.sleep(poll)
                    continue
                deadline = loop.time() + poll
                try:
                    while (remaining := deadline - loop.time()) > 0:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=remaining)
                        if message is None:
                            continue
                        payload = self._message_payload(message)
                        if payload is not None:
                            yield TriggerEvent(payload)
                except Exception as exc:  # the connection dropped: resubscribe on the next poll
                    self.log.warning("%s inbox watcher lost Redis (%s)", self.source, type(exc).__name__)
                    await _close(client, pubsub)
                    client = pubsub = None
                    await asyncio.sleep(poll)
        finally:
            await _close(client, pubsub)


async def _close(client, pubsub) -> None:
    for closer in (getattr(pubsub, "aclose", None), getattr(client, "aclose", None)):
        if closer is not None:
            try:
                await closer()
            except Exception:
                pass
