"""Stage step: re-read a batch's WARC, parse every response into typed records, and classify the apps.

Parsing never happens on live bytes: the stage step reads only the archive, so a day can be re-staged
exactly as it was fetched. Problems (fetch failures, parse errors) are collected per batch, never raised:
a batch with problems is quarantined with them as its reasons, and the other batches go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from dramatrack.catalog import Catalog
from extractors.batches import BatchManifest
from extractors.warc_archive import iter_responses
from transforms.app_identity import catalog_name_index, normalize_app_name
from transforms.appstore_rss import parse_appstore_rss
from transforms.errors import ParseError
from transforms.google_play_chart import parse_play_chart
from transforms.google_play_details import parse_play_details
from transforms.itunes_lookup import parse_itunes_lookup
from transforms.records import AppLookup, ChartEntry, PlayAppDetails
from transforms.short_drama import classify_app
from warehouse.loaders import AppRecord, discovered_app_key

APP_STORE = "app_store"
GOOGLE_PLAY = "google_play"
NEWS = "news"


def item_batch_id(batch_id: str, item: str) -> str:
    """The batch id of one item (an app page) inside a batch: quarantined on its own when it fails."""
    return f"{batch_id}:{item}"


@dataclass
class StagedBatch:
    """Typed records of one batch, ready to validate and load."""

    manifest: BatchManifest
    chart_entries: list[ChartEntry] = field(default_factory=list)
    lookups: list[AppLookup] = field(default_factory=list)
    apps: list[AppRecord] = field(default_factory=list)
    play_details: list[PlayAppDetails] = field(default_factory=list)
    fetch_log_rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # item batch id -> problems of that item alone (an app page that failed); the rest of the batch loads
    item_problems: dict[str, list[str]] = field(default_factory=dict)
    parsed_items: list[str] = field(default_factory=list)  # news: searches and feeds fetched and parsed (may be empty)
    # News batches (dramatrack.pipeline.stage_news): one row per story, its app mentions, its reported figures
    articles: list = field(default_factory=list)
    mentions: list = field(default_factory=list)
    metrics: list = field(default_factory=list)

    @property
    def batch_id(self) -> str:
        return self.manifest.batch_id

    @property
    def snapshot_date(self) -> date:
        return date.fromisoformat(self.manifest.snapshot_date)

    def counts(self) -> dict[str, int]:
        return {"chart_entries": len(self.chart_entries), "lookups": len(self.lookups),
                "play_details": len(self.play_details), "apps": len(self.apps), "responses": len(self.fetch_log_rows)}

    def drop_items(self, item_ids: set[str]) -> None:
        """Remove the app pages of failed items, so the batch loads without them."""
        self.play_details = [d for d in self.play_details
                             if item_batch_id(self.batch_id, d.app_id) not in item_ids]


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


def _archived(staged: StagedBatch):
    """Every response of the batch's WARC files (indexed into the fetch log), or a problem if unreadable."""
    manifest = staged.manifest
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
            if resp.status == 200 and not resp.tags.get("truncated") and not resp.tags.get("incomplete"):
                yield resp  # non-200 attempts were retried; a final failure is already in the manifest


def _require_entries(staged: StagedBatch, entries: list[ChartEntry], url: str) -> None:
    """A planned chart that came back empty fails its batch: loading the other charts would be a half-load."""
    if not entries:
        staged.problems.append(f"{staged.manifest.source}: {url}: the chart is empty")


def stage_google_play_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Parse one Google Play batch from its WARC file(s); a bad app page fails only that app."""
    staged = StagedBatch(manifest=manifest, problems=list(manifest.fetch_errors))
    for app_id, error in manifest.item_errors:
        staged.item_problems.setdefault(item_batch_id(manifest.batch_id, app_id), []).append(error)
    for resp in _archived(staged):
        tags = resp.tags
        if tags.get("kind") == "chart":
            try:
                entries = parse_play_chart(resp.body, country=tags["country"], chart=tags["chart"],
                                           genre=tags["genre"])
                _require_entries(staged, entries, resp.url)
                staged.chart_entries += entries
            except ParseError as exc:
                staged.problems.append(exc.with_location(resp.url).one_line())
        elif tags.get("kind") == "details":
            try:
                staged.play_details.append(parse_play_details(resp.body, app_id=tags["app_id"],
                                                              country=tags["country"]))
            except ParseError as exc:
                item = item_batch_id(manifest.batch_id, tags["app_id"])
                staged.item_problems.setdefault(item, []).append(exc.with_location(resp.url).one_line())
    staged.apps = google_play_apps(staged.chart_entries, staged.play_details, catalog)
    return staged


def stage_appstore_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Parse one App Store batch from its WARC file(s)."""
    staged = StagedBatch(manifest=manifest, problems=list(manifest.fetch_errors))
    for resp in _archived(staged):
        tags = resp.tags
        try:
            if tags.get("kind") in ("rss_v2", "legacy_rss"):
                entries = parse_appstore_rss(resp.body, country=tags["country"],
                                             chart=tags["chart"], genre=tags.get("genre"))
                _require_entries(staged, entries, resp.url)
                staged.chart_entries += entries
            elif tags.get("kind") == "lookup":
                staged.lookups += parse_itunes_lookup(resp.body, country=tags["country"])
        except ParseError as exc:
            staged.problems.append(exc.with_location(resp.url).one_line())
    staged.apps = appstore_apps(staged.chart_entries, staged.lookups, catalog)
    return staged


def stage_news_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Parse one news batch (see :mod:`dramatrack.pipeline.stage_news`, imported lazily: it imports this module)."""
    from dramatrack.pipeline.stage_news import stage_news_batch as stage_news

    return stage_news(manifest, catalog)


STAGERS = {APP_STORE: stage_appstore_batch, GOOGLE_PLAY: stage_google_play_batch, NEWS: stage_news_batch}


def stage_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Stage a batch of any source."""
    return STAGERS[manifest.source](manifest, catalog)
