"""Ingest step: fetch (or replay) one source for one day and archive every response."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dramatrack.catalog import Catalog, load_catalog
from dramatrack.settings import Settings
from extractors.batches import BatchManifest

SOURCES = ("app_store", "google_play", "news")


def resolve_replay_path(replay: str | Path, source: str, snapshot_date: date) -> Path:
    """Where to replay a day from: ``PATH/<source>/<date>``, ``PATH/<date>`` or PATH itself (a file or folder)."""
    base = Path(replay)
    for candidate in (base / source / snapshot_date.isoformat(), base / snapshot_date.isoformat()):
        if candidate.is_dir():
            return candidate
    if not base.exists():
        raise FileNotFoundError(f"replay path {base} does not exist")
    return base


def _catalog_ids(source: str, catalog: Catalog) -> list[str]:
    if source == "app_store":
        return catalog.ios_ids()
    return [a.android_package for a in catalog.apps if a.android_package]


def ingest(settings: Settings, source: str, snapshot_date: date, countries: list[str] | None = None,
           replay: str | Path | None = None) -> list[BatchManifest]:
    """Fetch one source's charts and app data for one day (live, or from WARC files with ``replay``)."""
    from extractors import appstore, google_play_once, news
    from extractors.http_client import PoliteClient
    from extractors.replay import ReplayAdapter

    plans = {"app_store": appstore, "google_play": google_play_once, "news": news}
    if source not in plans:
        raise ValueError(f"unknown source {source!r}; known: {sorted(plans)}")
    plan = plans[source]
    adapter = None
    if replay is not None:
        adapter = ReplayAdapter.from_path(resolve_replay_path(replay, source, snapshot_date))
        # Answers come from memory: threads only contend for the GIL and each WARC's lock (a replayed day took
        # ~1.5x longer with the 8x8 default threads than with one). The same requests, archived the same way.
        settings = settings.model_copy(update={"max_workers": 1})
    catalog = load_catalog(settings.catalog_path)
    with PoliteClient(settings, replay=adapter) as client:
        if source == "news":  # one batch per configured edition: countries do not apply
            return plan.fetch_day(settings, snapshot_date, None, catalog, client=client)
        return plan.fetch_day(settings, snapshot_date, countries or settings.countries,
                              _catalog_ids(source, catalog), client=client)


def ingest_appstore(settings: Settings, snapshot_date: date, countries: list[str] | None = None,
                    replay: str | Path | None = None) -> list[BatchManifest]:
    """The App Store ingest (see :func:`ingest`)."""
    return ingest(settings, "app_store", snapshot_date, countries, replay)
