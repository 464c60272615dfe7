"""Google Play pages fetched once a day, attached to every country that wants them.

Under the ``once`` crawl plan (``extractors/crawl_plan.py``) an app's details page is fetched in one storefront
only. What the pipeline reads from it (exact installs, install band, rating count, score, histogram, reviews,
title, developer, genre, version, description) is the same on every storefront's page, so each country batch of
the day that *wants* the page (catalog packages and the apps of its Entertainment charts, as the per-country plan
fetches them) gets a copy of the parsed page with its own country: the same ``core.app_metrics`` rows, catalog
checks and validation as when every country fetched it.

A batch that asked for the page itself (archived answer of any status, or a failed fetch) keeps what it got:
a page is attached only where no request for it was made, so a per-country capture is staged as before.
"""

from __future__ import annotations

from dataclasses import replace

from dramatrack.catalog import Catalog
from dramatrack.pipeline.stage import GOOGLE_PLAY, StagedBatch, google_play_apps
from extractors.crawl_plan import wanted_pages
from transforms.records import PlayAppDetails


def _requested(batch: StagedBatch) -> set[str]:
    """The app pages the batch's own fetch asked for (answered or not)."""
    asked = {str((row.get("tags") or {}).get("app_id")) for row in batch.fetch_log_rows
             if (row.get("tags") or {}).get("kind") == "details"}
    asked |= {app_id for app_id, _ in batch.manifest.item_errors}
    return asked


def attach_shared_pages(staged: list[StagedBatch], catalog: Catalog, max_pages: int) -> int:
    """Attach each day's parsed Play pages to the country batches that want them but did not fetch them
    (``max_pages``: ``play_max_details_per_country``); returns how many copies were attached."""
    packages = [a.android_package for a in catalog.apps if a.android_package]
    play = [b for b in staged if b.manifest.source == GOOGLE_PLAY]
    pages: dict[tuple[str, str], PlayAppDetails] = {}
    for batch in play:
        for page in batch.play_details:
            pages.setdefault((batch.manifest.snapshot_date, page.app_id), page)
    attached = 0
    for batch in play:
        have = {d.app_id for d in batch.play_details}
        asked = _requested(batch)
        extra = []
        for app_id in wanted_pages(packages, batch.chart_entries, max_pages):
            page = pages.get((batch.manifest.snapshot_date, app_id))
            if page is not None and app_id not in have and app_id not in asked:
                extra.append(replace(page, country=batch.manifest.country))
        if extra:
            batch.play_details += extra
            batch.apps = google_play_apps(batch.chart_entries, batch.play_details, catalog)
            attached += len(extra)
    return attached
