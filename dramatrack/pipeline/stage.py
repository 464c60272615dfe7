"""Stage step: re-read a batch's WARC, parse every response into typed records, and classify the apps.

Parsing never happens on live bytes: the stage step reads only the archive, so a day can be re-staged
exactly as it was fetched. Problems (fetch failures, parse errors) are collected per batch, never raised:
a batch with problems is quarantined with them as its reasons, and the other batches go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dramatrack.catalog import Catalog
from extractors.batches import BatchManifest
from extractors.warc_archive import iter_responses
from transforms.app_identity import catalog_name_index, normalize_app_name
from transforms.appstore_rss import parse_appstore_rss
from transforms.errors import ParseError
from transforms.itunes_lookup import parse_itunes_lookup
from transforms.records import AppLookup, ChartEntry
from transforms.short_drama import classify_app
from warehouse.loaders import AppRecord, discovered_app_key

APP_STORE = "app_store"


@dataclass
class StagedBatch:
    """Typed records of one batch, ready to validate and load."""

    manifest: BatchManifest
    chart_entries: list[ChartEntry] = field(default_factory=list)
    lookups: list[AppLookup] = field(default_factory=list)
    apps: list[AppRecord] = field(default_factory=list)
    fetch_log_rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def batch_id(self) -> str:
        return self.manifest.batch_id

    @property
    def snapshot_date(self) -> date:
        return date.fromisoformat(self.manifest.snapshot_date)

    def counts(self) -> dict[str, int]:
        return {"chart_entries": len(self.chart_entries), "lookups": len(self.lookups), "apps": len(self.apps),
                "responses": len(self.fetch_log_rows)}


def appstore_apps(entries: list[ChartEntry], lookups: list[AppLookup], catalog: Catalog) -> list[AppRecord]:
    """One AppRecord per App Store app seen in the batch, classified (catalog, candidate or other)."""
    catalog_ios = catalog.by_ios_id()
    catalog_by_key = {a.app_key: a for a in catalog.apps}
    # Catalog apps whose App Store id is not known yet are recognised by name (the id comes from the chart).
    by_name = catalog_name_index({a.app_key: a.all_names() for a in catalog.apps if not a.ios_id})
    by_id: dict[str, dict] = {}
    for entry in entries:
        info = by_id.setdefault(entry.store_app_id, {"name": entry.name, "publisher": entry.publisher,
                                                     "bundle_id": entry.bundle_id, "genre": entry.genre_name,
                                                     "description": entry.summary})
        info["genre"] = info["genre"] or entry.genre_name
        info["bundle_id"] = info["bundle_id"] or entry.bundle_id
    for lookup in lookups:
        info = by_id.setdefault(lookup.track_id, {})
        info.update(name=lookup.name, publisher=lookup.seller or lookup.artist, bundle_id=lookup.bundle_id,
                    genre=lookup.primary_genre, description=lookup.description)
    records = []
    for track_id in sorted(by_id):
        info = by_id[track_id]
        catalog_app = catalog_ios.get(track_id)
        name_key = by_name.get(normalize_app_name(info.get("name") or ""))
        if catalog_app is None and name_key:
            catalog_app = catalog_by_key[name_key]
        verdict = classify_app(info.get("name") or "", info.get("publisher"), info.get("genre"),
                               info.get("description"), catalog_match=catalog_app is not None)
        reason = verdict.reason
        if catalog_app is not None and track_id not in catalog_ios:
            reason = f"catalog app matched by name {info.get('name')!r} (store id from the chart)"
        records.append(AppRecord(
            app_key=catalog_app.app_key if catalog_app else discovered_app_key(APP_STORE, track_id),
            name=catalog_app.name if catalog_app else (info.get("name") or track_id),
            publisher=(catalog_app.publisher if catalog_app and catalog_app.publisher else info.get("publisher")),
            store=APP_STORE,
            store_app_id=track_id,
            bundle_id=info.get("bundle_id"),
            is_short_drama=verdict.is_short_drama,
            status=verdict.status,
            classification_reason=reason,
            verified=bool(catalog_app and catalog_app.verified),
        ))
    return records


def stage_appstore_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Parse one App Store batch from its WARC file(s)."""
    staged = StagedBatch(manifest=manifest, problems=list(manifest.fetch_errors))
    for path in manifest.warc_paths:
        try:
            responses = list(iter_responses(path))
        except (OSError, ValueError) as exc:
            staged.problems.append(f"{manifest.source}: {path}: unreadable WARC ({exc})")
            continue
        for resp in responses:
            row = resp.index_row()
            row.update(batch_id=manifest.batch_id, source=manifest.source)
            staged.fetch_log_rows.append(row)
            if resp.status != 200:
                continue  # a retried attempt; a final failure is already in fetch_errors
            tags = resp.tags
            try:
                if tags.get("kind") in ("rss_v2", "legacy_rss"):
                    staged.chart_entries += parse_appstore_rss(resp.body, country=tags["country"],
                                                               chart=tags["chart"], genre=tags.get("genre"))
                elif tags.get("kind") == "lookup":
                    staged.lookups += parse_itunes_lookup(resp.body, country=tags["country"])
            except ParseError as exc:
                staged.problems.append(exc.with_location(resp.url).one_line())
    staged.apps = appstore_apps(staged.chart_entries, staged.lookups, catalog)
    return staged
