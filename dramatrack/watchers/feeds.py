"""Chart-feed polling: has a source's chart changed since the watcher last fired?

A poll is one request per watched storefront (``feed_watch_countries``) for the source's first chart of the
fetch plan (App Store: the RSS v2 top-free feed; Google Play: the Entertainment top-free chart), built by the
fetch plan's own request builder. It is cheap:

* a **conditional GET** (``If-None-Match`` / ``If-Modified-Since`` from the last answer) — a ``304`` means
  unchanged and carries no body;
* otherwise the body is reduced to a **fingerprint**: the SHA-256 of the ranked app ids (so a feed that only
  regenerates — a new ``updated`` stamp, reordered JSON keys — is not a change). The RSS v2 ``updated``
  field is kept for the event.

The first fingerprint of a feed is its baseline (no event). A later different fingerprint is a change; the
watcher then fires once (at most once per ``feed_watch_cooldown_minutes``) and remembers the fingerprints it
fired for in its state file, so neither an unchanged feed nor a restarted triggerer fires again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from dramatrack.settings import Settings


@dataclass(frozen=True)
class WatchedFeed:
    key: str  # country/chart/genre
    country: str
    method: str
    url: str
    data: bytes | None
    headers: dict[str, str]
    tags: dict[str, Any]


def watched_feeds(settings: Settings, source: str) -> list[WatchedFeed]:
    """The feeds a source's watcher polls: the fetch plan's first chart request per watched storefront."""
    if source == "app_store":
        from extractors.appstore import chart_requests
    elif source == "google_play":
        from extractors.google_play import chart_requests
    else:
        raise ValueError(f"unknown source {source!r}")
    feeds = []
    for country in settings.feed_watch_countries:
        req = chart_requests(settings, country.lower())[0]
        tags = dict(req.tags or {})
        feeds.append(WatchedFeed(key=f"{country.lower()}/{tags.get('chart')}/{tags.get('genre')}",
                                 country=country.lower(), method=req.method, url=req.url, data=req.data,
                                 headers=dict(req.headers or {}), tags=tags))
    return feeds


def fingerprint(source: str, feed: WatchedFeed, body: bytes) -> tuple[str, str | None]:
    """``(sha256 of the ranked app ids, the feed's updated stamp)``; the raw body's hash if it does not parse."""
    ids: list[str] | None = None
    updated = None
    try:
        if source == "app_store":
            from transforms.appstore_rss import parse_appstore_rss

            entries = parse_appstore_rss(body, country=feed.country, chart=feed.tags["chart"],
                                         genre=feed.tags.get("genre"))
            try:
                updated = (json.loads(body).get("feed") or {}).get("updated")
            except (ValueError, AttributeError):
                updated = None
        else:
            from transforms.google_play_chart import parse_play_chart

            entries = parse_play_chart(body, country=feed.country, chart=feed.tags["chart"], genre=feed.tags["genre"])
        ids = [e.store_app_id for e in sorted(entries, key=lambda e: e.rank)]
    except Exception:  # a feed we cannot parse still changes when its bytes change
        ids = None
    material = "\n".join(ids).encode() if ids else body
    kind = "ids" if ids else "body"
    return f"{kind}:sha256:{hashlib.sha256(material).hexdigest()}", (str(updated) if updated else None)


async def poll_feed(client, settings: Settings, source: str, feed: WatchedFeed, known: dict[str, Any]) -> dict[str, Any]:
    """One conditional request. Returns ``{"status", "fingerprint", "updated", "etag", "last_modified"}``;
    ``fingerprint`` is the known one on a 304 and None on an error (the error is in ``"error"``)."""
    host = (urlsplit(feed.url).hostname or "").lower()
    if host not in {h.lower() for h in settings.all_allowed_hosts()}:
        return {"status": None, "fingerprint": None, "error": f"host {host!r} is not in allowed_hosts"}
    headers = {"User-Agent": settings.user_agent, **feed.headers}
    if known.get("fingerprint"):
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
    try:
        resp = await client.request(feed.method, feed.url, content=feed.data, headers=headers)
    except Exception as exc:  # transport errors: this poll tells nothing; the next one tries again
        return {"status": None, "fingerprint": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
    if resp.status_code == 304:
        return {**known, "status": 304}
    if resp.status_code != 200:
        return {"status": resp.status_code, "fingerprint": None, "error": f"HTTP {resp.status_code}"}
    body = resp.content[: settings.max_response_bytes]
    fp, updated = fingerprint(source, feed, body)
    return {"status": 200, "fingerprint": fp, "updated": updated, "etag": resp.headers.get("etag"),
            "last_modified": resp.headers.get("last-modified")}


def decide(state: dict[str, Any], observed: dict[str, dict[str, Any]], now: datetime,
           cooldown: timedelta) -> list[str]:
    """Update ``state`` with this poll's observations; return the feed keys that changed and fire now.

    ``state["fired"]`` maps a feed to the fingerprint last announced (or baselined): a feed seen for the first
    time is baselined silently; a feed whose fingerprint differs from it has changed. Within the cool-down
    after the last fire, changes wait (unannounced) for a later poll.
    """
    fired: dict[str, str] = state.setdefault("fired", {})
    feeds: dict[str, dict] = state.setdefault("feeds", {})
    changed = []
    for key, seen in observed.items():
        fp = seen.get("fingerprint")
        if not fp:
            continue
        feeds[key] = {k: seen.get(k) for k in ("fingerprint", "updated", "etag", "last_modified")}
        feeds[key]["checked_at"] = now.isoformat()
        if key not in fired:
            fired[key] = fp  # baseline: nothing to compare with yet
        elif fired[key] != fp:
            changed.append(key)
    last = state.get("last_fired_at")
    if changed and last and now - datetime.fromisoformat(last) < cooldown:
        return []
    for key in changed:
        fired[key] = observed[key]["fingerprint"]
    if changed:
        state["last_fired_at"] = now.isoformat()
    return changed


def change_event(source: str, feeds: list[WatchedFeed], changed: list[str], state: dict[str, Any],
                 now: datetime) -> dict[str, Any]:
    """The payload of a feed-change event: ingest ``source`` for today (UTC), every configured country."""
    by_key = {f.key: f for f in feeds}
    return {
        "kind": "feed_change",
        "source": source,
        "date": now.astimezone(UTC).date().isoformat(),
        "countries": None,
        "replay": None,
        "changed": [{"feed": k, "country": by_key[k].country, "url": by_key[k].url,
                     "fingerprint": state["fired"][k], "updated": state["feeds"][k].get("updated")} for k in changed],
        "detected_at": now.isoformat(),
    }
