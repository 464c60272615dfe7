"""Market events: after a marts build, the short-drama apps that entered a tracked chart or jumped in it.

* :func:`detect_and_record` runs ``warehouse/queries/market_events.sql`` for the days the build covered,
  keeps what was not announced before (``ops.market_events``) and returns the ``MARKET_EVENTS`` extra:
  the events, and per app its store listings (both stores for one product) and storefronts — what
  ``app_deep_dive`` fetches;
* :func:`deep_dive_requests` builds those fetches with the fetch plans' own request builders;
* :func:`update_candidates` records new (non-catalog) apps in ``catalog/candidates.yaml`` (never apps.yaml);
* :func:`market_event_alert` is the "market event" notice sent through :mod:`dramatrack.alerts.dispatch`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dramatrack.settings import Settings

MARKET_EVENT = "market_event"
KINDS = ("new_entrant", "rank_jump")
EVENT_KEY = ("snapshot_date", "store", "country", "chart", "genre", "store_app_id", "kind")


def _rows(cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def detect(conn, dates: Sequence[str], threshold: int, lookback_days: int) -> list[dict[str, Any]]:
    """Every market event on ``dates`` (ISO days), announced before or not."""
    from warehouse.queries import run_named

    if not dates:
        return []
    cursor = run_named(conn, "market_events", {"dates": list(dates), "threshold": threshold, "lookback": lookback_days})
    return _rows(cursor)


def _key(event: Mapping[str, Any]) -> tuple:
    return tuple(str(event[k]) for k in EVENT_KEY)


def record_new(conn, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record the events not announced yet in ``ops.market_events``; return those (the rest were announced)."""
    from warehouse.connection import transaction
    from warehouse.queries import run_named

    if not events:
        return []
    dates = sorted({e["snapshot_date"] for e in events})
    announced = {tuple(map(str, row)) for row in
                 run_named(conn, "market_events_announced", {"dates": dates}).fetchall()}
    new = [e for e in events if _key(e) not in announced]
    with transaction(conn):
        for event in new:
            run_named(conn, "market_events_record", {k: event[k] for k in (
                "snapshot_date", "store", "country", "chart", "genre", "store_app_id", "kind", "app_key", "app_name",
                "app_status", "rank", "prev_rank", "prev_date", "rank_change", "batch_id")})
    return new


def listings(conn, app_keys: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """Every store listing of each product."""
    from warehouse.queries import run_named

    keys = sorted(set(app_keys))
    out: dict[str, list[dict[str, str]]] = {k: [] for k in keys}
    if keys:
        for app_key, store, store_app_id in run_named(conn, "app_listings", {"app_keys": keys}).fetchall():
            out[app_key].append({"store": store, "store_app_id": store_app_id})
    return out


def batch_warc_paths(conn, batch_ids: Iterable[str]) -> list[str]:
    """The WARC files of the batches (their latest load)."""
    from warehouse.queries import run_named

    ids = sorted(set(batch_ids))
    paths: list[str] = []
    if ids:
        for _, raw in run_named(conn, "batch_warc_paths", {"batch_ids": ids}).fetchall():
            paths += [p for p in json.loads(raw or "[]") if p not in paths]
    return paths


def apps_of(events: list[dict[str, Any]], listed: Mapping[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    """One entry per app (product) of the events: its listings, storefronts and what happened."""
    apps: dict[str, dict[str, Any]] = {}
    for e in events:
        app = apps.setdefault(e["app_key"], {
            "app_key": e["app_key"], "name": e["app_name"], "status": e["app_status"],
            "listings": list(listed.get(e["app_key"]) or []), "countries": [], "kinds": [], "events": 0,
        })
        # a listing seen in a chart but not (yet) mapped is still fetched
        listing = {"store": e["store"], "store_app_id": e["store_app_id"]}
        if listing not in app["listings"]:
            app["listings"].append(listing)
        for field, value in (("countries", e["country"]), ("kinds", e["kind"])):
            if value not in app[field]:
                app[field].append(value)
        app["events"] += 1
    for app in apps.values():
        app["listings"].sort(key=lambda item: (item["store"], item["store_app_id"]))
        app["countries"].sort()
        app["kinds"].sort()
    return [apps[k] for k in sorted(apps)]


def detect_and_record(settings: Settings, dates: Sequence[str] | None = None) -> dict[str, Any]:
    """Detect the market events of ``dates`` (default: the latest day loaded), record the new ones, and return
    the ``MARKET_EVENTS`` extra (``events`` empty when nothing new happened). Holds the warehouse writer."""
    from warehouse.connection import writer
    from warehouse.queries import run_named

    with writer(settings.warehouse_path) as conn:
        days = sorted({str(d)[:10] for d in dates or [] if d})
        if not days:
            latest = run_named(conn, "market_events_latest_day").fetchone()[0]
            days = [latest] if latest else []
        found = detect(conn, days, settings.rank_jump_threshold, settings.entrant_lookback_days)
        new = record_new(conn, found)
        apps = apps_of(new, listings(conn, {e["app_key"] for e in new}))
        batch_ids = sorted({e["batch_id"] for e in new})
        warcs = batch_warc_paths(conn, batch_ids)
    counts = {kind: sum(1 for e in new if e["kind"] == kind) for kind in KINDS}
    return {
        "snapshot_dates": sorted({e["snapshot_date"] for e in new}) or days,
        "days_checked": days,
        "countries": sorted({e["country"] for e in new}),
        "batch_ids": batch_ids,
        "warc_paths": warcs,
        "threshold": settings.rank_jump_threshold,
        "lookback_days": settings.entrant_lookback_days,
        "events": new,
        "apps": apps,
        "app_keys": [a["app_key"] for a in apps],
        "row_counts": {"events": len(new), **counts, "apps": len(apps), "already_announced": len(found) - len(new)},
    }


# --------------------------------------------------------------------------------------------------------
# The deep dive


def deep_dive_requests(settings: Settings, store: str, apps: Sequence[Mapping[str, Any]]) -> list:
    """The requests that fetch the apps' pages in one store: iTunes Lookups (App Store, one per storefront
    for all its apps) or details pages (Google Play), in every storefront an app had an event in."""
    by_country: dict[str, list[str]] = {}
    for app in apps:
        for listing in app.get("listings") or []:
            if listing["store"] != store:
                continue
            for country in app.get("countries") or []:
                ids = by_country.setdefault(country, [])
                if listing["store_app_id"] not in ids:
                    ids.append(listing["store_app_id"])
    requests = []
    for country in sorted(by_country):
        if store == "app_store":
            from extractors.appstore import lookup_requests

            batch = lookup_requests(settings, country, by_country[country])
        elif store == "google_play":
            from extractors.google_play import details_requests

            batch = details_requests(settings, country, by_country[country])
        else:
            raise ValueError(f"unknown store {store!r}")
        for req in batch:
            req.tags["deep_dive"] = True
        requests += batch
    return requests


def fetch_mode(settings: Settings, extras: Sequence[Mapping[str, Any]]) -> str:
    """``live`` | ``archive`` | ``off``: ``auto`` answers from the archive when every event came from replayed
    batches (a demo, a back-fill from a capture), so a replay never reaches the network."""
    if settings.deep_dive_fetch != "auto":
        return settings.deep_dive_fetch
    return "archive" if extras and all(e.get("replayed") for e in extras) else "live"


def evidence_from_warc(path: str | Path) -> dict[str, dict[str, Any]]:
    """What the deep dive's pages say, by store listing (``store:id``): name, publisher, genre, ..."""
    from extractors.warc_archive import iter_responses
    from transforms.errors import ParseError
    from transforms.google_play_details import parse_play_details
    from transforms.itunes_lookup import parse_itunes_lookup

    out: dict[str, dict[str, Any]] = {}
    for resp in iter_responses(path):
        if resp.status != 200:
            continue
        tags = resp.tags or {}
        try:
            if tags.get("kind") == "lookup":
                for lk in parse_itunes_lookup(resp.body, country=tags["country"]):
                    out.setdefault(f"app_store:{lk.track_id}", {
                        "store": "app_store", "store_app_id": lk.track_id, "name": lk.name,
                        "publisher": lk.seller or lk.artist, "bundle_id": lk.bundle_id, "genre": lk.primary_genre,
                        "description": (lk.description or "")[:300] or None, "ratings": lk.user_rating_count,
                        "country": lk.country, "url": resp.url, "fetched_at": resp.fetched_at.isoformat(),
                    })
            elif tags.get("kind") == "details":
                d = parse_play_details(resp.body, app_id=tags["app_id"], country=tags["country"])
                out.setdefault(f"google_play:{d.app_id}", {
                    "store": "google_play", "store_app_id": d.app_id, "name": d.title, "publisher": d.developer,
                    "genre": d.genre, "description": (d.description or "")[:300] or None,
                    "installs": d.real_installs or d.min_installs, "country": d.country, "url": resp.url,
                    "fetched_at": resp.fetched_at.isoformat(),
                })
        except ParseError:
            continue
    return out


def candidates_path(settings: Settings) -> Path:
    return settings.catalog_candidates_path or settings.catalog_path.with_name("candidates.yaml")


_CANDIDATES_HEADER = """\
# Candidate short-drama apps found by the app_deep_dive DAG (a market event: a new chart entrant or a rank
# jump of an app that is not in the catalog), with what their store pages said. Written by the pipeline;
# review an entry, then copy it into apps.yaml by hand (the pipeline never rewrites apps.yaml).
"""


def update_candidates(path: Path, apps: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]],
                      evidence: Mapping[str, Mapping[str, Any]], catalog_keys: Iterable[str]) -> list[str]:
    """Add the non-catalog apps to the candidates file (existing entries are kept; their ``last_event``
    and ``events_seen`` move on). Returns the app keys added."""
    import yaml

    catalog = set(catalog_keys)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        doc = {}
    entries = {c["app_key"]: c for c in doc.get("candidates") or [] if isinstance(c, dict) and c.get("app_key")}
    added = []
    for app in apps:
        key = app["app_key"]
        if key in catalog or app.get("status") == "catalog":
            continue
        own = [e for e in events if e["app_key"] == key]
        last = max(own, key=lambda e: (e["snapshot_date"], e["kind"])) if own else None
        event = {k: last[k] for k in ("snapshot_date", "kind", "store", "country", "chart", "genre", "rank",
                                      "prev_rank")} if last else None
        pages = [dict(evidence[f"{x['store']}:{x['store_app_id']}"]) for x in app.get("listings") or []
                 if f"{x['store']}:{x['store_app_id']}" in evidence]
        if key in entries:
            entries[key]["last_event"] = event
            entries[key]["events_seen"] = int(entries[key].get("events_seen") or 1) + len(own)
            if pages:
                entries[key]["evidence"] = pages
            continue
        ios = [x["store_app_id"] for x in app.get("listings") or [] if x["store"] == "app_store"]
        android = [x["store_app_id"] for x in app.get("listings") or [] if x["store"] == "google_play"]
        first_page = pages[0] if pages else {}
        entries[key] = {
            "app_key": key,
            "name": first_page.get("name") or app.get("name"),
            "publisher": first_page.get("publisher"),
            "ios_id": ios[0] if ios else None,
            "android_package": android[0] if android else None,
            "first_event": event,
            "last_event": event,
            "events_seen": len(own),
            "evidence": pages,
            "added_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        added.append(key)
    if added or entries:
        body = yaml.safe_dump({"candidates": [entries[k] for k in sorted(entries)]}, sort_keys=False,
                              allow_unicode=True, width=110)
        _write_atomic(path, _CANDIDATES_HEADER + body)
    return added


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------------------
# The notice


def _event_line(e: Mapping[str, Any]) -> str:
    if e["kind"] == "new_entrant":
        return f"{e['app_name']} ({e['app_key']}) entered at #{e['rank']}"
    return f"{e['app_name']} ({e['app_key']}) #{e['prev_rank']} -> #{e['rank']} ({int(e['rank_change']):+d})"


def market_event_alert(extra: Mapping[str, Any], deep_dive: Mapping[str, Any] | None = None, *,
                       now: datetime | None = None):
    """The "market event" notice: one line per event (as the alert's failures), keyed by the events."""
    from dramatrack.alerts.message import MAX_FAILURES, Alert, clean, make_alert_key

    events = list(extra.get("events") or [])
    failures = [{
        "batch_id": clean(e["batch_id"]), "country": clean(e["country"]), "snapshot_date": clean(e["snapshot_date"]),
        "expectation": e["kind"], "column": clean(f"{e['store']}/{e['chart']}/{e['genre']}"),
        "unexpected_count": abs(int(e["rank_change"])) if e.get("rank_change") is not None else int(e["rank"]),
        "examples": [clean(_event_line(e))],
    } for e in events]
    sources = sorted({e["store"] for e in events}) or ["market"]
    names = ", ".join(clean(a.get("name") or a["app_key"], 60) for a in extra.get("apps") or [])
    counts = {k: sum(1 for e in events if e["kind"] == k) for k in KINDS}
    fetched = ""
    if deep_dive:
        fetched = (f"; deep dive ({deep_dive.get('mode')}): {deep_dive.get('responses', 0)} page(s) fetched"
                   + (f", {len(deep_dive.get('candidates_added') or [])} new candidate(s)"
                      if deep_dive.get("candidates_added") else ""))
    summary = (f"{counts['new_entrant']} new short-drama entrant(s), {counts['rank_jump']} rank jump(s) of "
               f">= {extra.get('threshold')} on {', '.join(extra.get('snapshot_dates') or [])}: {names}{fetched}")
    shown = failures[:MAX_FAILURES]
    return Alert(
        alert_key=make_alert_key(MARKET_EVENT, extra.get("batch_ids") or [], [], scope=["|".join(_key(e)) for e in events]),
        kind=MARKET_EVENT,
        source=", ".join(sources),
        batch_ids=tuple(sorted({clean(e["batch_id"]) for e in events})),
        snapshot_dates=tuple(sorted({e["snapshot_date"] for e in events})),
        countries=tuple(sorted({e["country"] for e in events})),
        failures=tuple(shown),
        data_docs_url=None,
        summary=clean(summary, 1000),
        created_at=(now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
    )
