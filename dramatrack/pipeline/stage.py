"""Stage step: re-read a batch's WARC, parse every response into typed records, and classify the apps.

Each response is parsed by the endpoint its source and ``kind`` tag name (``dramatrack.pipeline.endpoints``).

Parsing never happens on live bytes: the stage step reads only the archive, so a day can be re-staged
exactly as it was fetched. Problems (fetch failures, parse errors) are collected per batch, never raised:
a batch with problems is quarantined with them as its reasons, and the other batches go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from dramatrack.catalog import Catalog
from dramatrack.pipeline.endpoints import stage_response
from dramatrack.pipeline.stage_news import stage_news_batch
from dramatrack.pipeline.staged import StagedBatch, archived_responses, item_batch_id
from extractors.batches import BatchManifest
from transforms.app_identity import catalog_name_index, normalize_app_name
from transforms.records import (
    APP_STORE,
    GOOGLE_PLAY,
    NEWS,
    AppLookup,
    AppRecord,
    ChartEntry,
    PlayAppDetails,
    discovered_app_key,
)
from transforms.short_drama import classify_app

__all__ = ["STAGERS", "StagedBatch", "appstore_apps", "classify_listings", "google_play_apps", "item_batch_id",
           "stage_appstore_batch", "stage_batch", "stage_google_play_batch", "stage_news_batch"]


@dataclass
class _Seen:
    name: str | None = None
    publisher: str | None = None
    bundle_id: str | None = None
    genre: str | None = None
    description: str | None = None

    def merge(self, **values: str | None) -> None:
        """Fill fields from a richer source (lookups/app pages override chart entries)."""
        for key, value in values.items():
            if value:
                setattr(self, key, value)


# Pure functions of their arguments, called for every listing of every batch: a day's batches list the same apps
# in a dozen storefronts, so most calls repeat one already made.
_classify_app = lru_cache(maxsize=4096)(classify_app)
_normalize_app_name = lru_cache(maxsize=4096)(normalize_app_name)


def classify_listings(store: str, seen: dict[str, _Seen], catalog: Catalog) -> list[AppRecord]:
    """One AppRecord per store listing, mapped to its product and classified (catalog, candidate, other)."""
    by_id = catalog.by_ios_id() if store == APP_STORE else catalog.by_android_package()
    catalog_by_key = {a.app_key: a for a in catalog.apps}
    id_attr = "ios_id" if store == APP_STORE else "android_package"
    # Catalog apps whose id in this store is not known yet are recognised by name (the id comes from the chart).
    by_name = catalog_name_index({a.app_key: a.all_names() for a in catalog.apps if not getattr(a, id_attr)})
    records = []
    for store_app_id in sorted(seen):
        info = seen[store_app_id]
        catalog_app = by_id.get(store_app_id)
        name_key = by_name.get(_normalize_app_name(info.name or ""))
        if catalog_app is None and name_key:
            catalog_app = catalog_by_key[name_key]
        verdict = _classify_app(info.name or "", info.publisher, info.genre, info.description,
                                catalog_match=catalog_app is not None)
        reason = verdict.reason
        if catalog_app is not None and store_app_id not in by_id:
            reason = f"catalog app matched by name {info.name!r} (store id from the chart)"
        records.append(AppRecord(
            app_key=catalog_app.app_key if catalog_app else discovered_app_key(store, store_app_id),
            name=catalog_app.name if catalog_app else (info.name or store_app_id),
            publisher=(catalog_app.publisher if catalog_app and catalog_app.publisher else info.publisher),
            store=store,
            store_app_id=store_app_id,
            bundle_id=info.bundle_id,
            is_short_drama=verdict.is_short_drama,
            status=verdict.status,
            classification_reason=reason,
            verified=bool(catalog_app and catalog_app.verified),
            evidence="catalog" if catalog_app else "description" if info.description else "name",
        ))
    return records


def appstore_apps(entries: list[ChartEntry], lookups: list[AppLookup], catalog: Catalog) -> list[AppRecord]:
    """App Store listings seen in the batch, classified."""
    seen: dict[str, _Seen] = {}
    for e in entries:
        seen.setdefault(e.store_app_id, _Seen()).merge(name=e.name, publisher=e.publisher, bundle_id=e.bundle_id,
                                                       genre=e.genre_name, description=e.summary)
    for lk in lookups:
        seen.setdefault(lk.track_id, _Seen()).merge(name=lk.name, publisher=lk.seller or lk.artist,
                                                    bundle_id=lk.bundle_id, genre=lk.primary_genre,
                                                    description=lk.description)
    return classify_listings(APP_STORE, seen, catalog)


def google_play_apps(entries: list[ChartEntry], details: list[PlayAppDetails], catalog: Catalog) -> list[AppRecord]:
    """Google Play listings seen in the batch, classified."""
    seen: dict[str, _Seen] = {}
    for e in entries:
        genre = "Entertainment" if e.genre == "ENTERTAINMENT" else None
        seen.setdefault(e.store_app_id, _Seen()).merge(name=e.name, publisher=e.publisher, genre=genre)
    for d in details:
        seen.setdefault(d.app_id, _Seen()).merge(name=d.title, publisher=d.developer, genre=d.genre,
                                                 description=d.description)
    return classify_listings(GOOGLE_PLAY, seen, catalog)


def stage_google_play_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Parse one Google Play batch from its WARC file(s); a bad app page fails only that app."""
    staged = StagedBatch(manifest=manifest, problems=list(manifest.fetch_errors))
    for app_id, error in manifest.item_errors:
        staged.item_problems.setdefault(item_batch_id(manifest.batch_id, app_id), []).append(error)
    for resp in archived_responses(staged):
        stage_response(staged, resp)
    staged.apps = google_play_apps(staged.chart_entries, staged.play_details, catalog)
    return staged


def stage_appstore_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Parse one App Store batch from its WARC file(s)."""
    staged = StagedBatch(manifest=manifest, problems=list(manifest.fetch_errors))
    for resp in archived_responses(staged):
        stage_response(staged, resp)
    staged.apps = appstore_apps(staged.chart_entries, staged.lookups, catalog)
    return staged


STAGERS = {APP_STORE: stage_appstore_batch, GOOGLE_PLAY: stage_google_play_batch, NEWS: stage_news_batch}


def stage_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Stage a batch of any source."""
    return STAGERS[manifest.source](manifest, catalog)
