"""Ingest step: fetch (or replay) one source for one day and archive every response."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dramatrack.catalog import load_catalog
from dramatrack.settings import Settings
from extractors.batches import BatchManifest


def resolve_replay_path(replay: str | Path, source: str, snapshot_date: date) -> Path:
    """Where to replay a day from: ``PATH/<source>/<date>``, ``PATH/<date>`` or PATH itself (a file or folder)."""
    base = Path(replay)
    for candidate in (base / source / snapshot_date.isoformat(), base / snapshot_date.isoformat()):
        if candidate.is_dir():
            return candidate
    if not base.exists():
        raise FileNotFoundError(f"replay path {base} does not exist")
    return base


def ingest_appstore(settings: Settings, snapshot_date: date, countries: list[str] | None = None,
                    replay: str | Path | None = None) -> list[BatchManifest]:
    """Fetch the App Store charts and lookups of one day (live, or from WARC files with ``replay``)."""
    from extractors import appstore
    from extractors.http_client import PoliteClient
    from extractors.replay import ReplayAdapter

    catalog = load_catalog(settings.catalog_path)
    adapter = None
    if replay is not None:
        adapter = ReplayAdapter.from_path(resolve_replay_path(replay, appstore.SOURCE, snapshot_date))
    client = PoliteClient(settings, replay=adapter)
    return appstore.fetch_day(settings, snapshot_date, countries or settings.countries, catalog.ios_ids(),
                              client=client)
