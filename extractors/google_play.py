"""Google Play fetch plan: per country, the top charts (batchexecute ``vyAe2``), then the details page of
every catalog Android app and every app seen in an Entertainment chart.

Each country is one batch with its own WARC file. Google answers 429 readily: the client keeps
play.google.com at about one request per second (``host_rate_overrides``), backs off honouring
Retry-After, and gives up after ``max_retries``. A chart that keeps failing fails the country's batch;
an app page that keeps failing fails only that app for the day (``item_errors``); neither blocks the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dramatrack_config.settings import Settings
from extractors.batches import BatchManifest, country_manifest, fetch_checked, fetch_countries
from extractors.google_play_urls import build_chart_request_body, chart_url, details_url
from extractors.http_client import FetchError, FetchRequest, PoliteClient
from extractors.warc_archive import ArchivedResponse, WarcArchive
from transforms.errors import ParseError
from transforms.google_play_chart import parse_play_chart

log = logging.getLogger(__name__)

SOURCE = "google_play"
# (store-neutral chart name, Play category)
PLAY_CHARTS = [("top-free", "ENTERTAINMENT"), ("top-grossing", "ENTERTAINMENT"), ("top-free", "APPLICATION")]
DETAILS_CATEGORIES = {"ENTERTAINMENT"}
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}


def chart_requests(settings: Settings, country: str) -> list[FetchRequest]:
    """The three chart requests (POST batchexecute) for one country."""
    url = chart_url(settings.google_play_base_url, country, settings.play_language)
    return [
        FetchRequest(
            url=url,
            method="POST",
            data=build_chart_request_body(chart, category, settings.play_chart_count),
            headers=FORM_HEADERS,
            tags={"source": SOURCE, "kind": "chart", "country": country, "chart": chart, "genre": category},
        )
        for chart, category in PLAY_CHARTS
    ]


def details_requests(settings: Settings, country: str, app_ids: Sequence[str]) -> list[FetchRequest]:
    """One GET per app details page, capped at ``play_max_details_per_country``."""
    return [
        FetchRequest(url=details_url(settings.google_play_base_url, app_id, country, settings.play_language),
                     tags={"source": SOURCE, "kind": "details", "country": country, "app_id": app_id})
        for app_id in list(app_ids)[: settings.play_max_details_per_country]
    ]


def apps_to_detail(responses: Sequence[ArchivedResponse], catalog_packages: Sequence[str]) -> list[str]:
    """Catalog packages first, then every app of an Entertainment chart, in first-seen order."""
    seen: dict[str, None] = dict.fromkeys(catalog_packages)
    for resp in responses:
        tags = resp.tags
        if resp.status != 200 or tags.get("genre") not in DETAILS_CATEGORIES:
            continue
        try:
            entries = parse_play_chart(resp.body, country=tags["country"], chart=tags["chart"], genre=tags["genre"])
        except ParseError:
            continue  # surfaces again, with the URL, in the stage step (and quarantines the batch)
        for entry in entries:
            seen.setdefault(entry.store_app_id, None)
    return list(seen)


def fetch_country(client: PoliteClient, settings: Settings, country: str, snapshot_date: date,
                  catalog_packages: Sequence[str], warc_path: Path) -> BatchManifest:
    """Fetch one country's charts and app pages into one WARC file; return its manifest."""
    item_errors: list[tuple[str, str]] = []
    with WarcArchive(warc_path) as archive:
        charts, errors = fetch_checked(client, chart_requests(settings, country), archive)
        requests = details_requests(settings, country, apps_to_detail(charts, catalog_packages))
        for request, result in zip(requests, client.fetch_many(requests, archive), strict=True):
            app_id = request.tags["app_id"]
            if isinstance(result, FetchError):
                item_errors.append((app_id, str(result)))
            elif result.status == 404:
                continue  # not offered in this storefront: no snapshot, not an error
            elif result.status != 200:
                item_errors.append((app_id, f"{result.url}: HTTP {result.status}"))
        responses = len(archive.entries)
    return country_manifest(SOURCE, snapshot_date, country, warc_path, responses, errors, item_errors)


# Storefronts Google Play does not exist in: the plan skips them (no request, no batch, no error).
NO_PLAY_COUNTRIES = frozenset({"cn"})


def play_countries(countries: Sequence[str]) -> list[str]:
    """The countries Google Play serves, of ``countries``."""
    return [c for c in countries if c not in NO_PLAY_COUNTRIES]


def fetch_day(settings: Settings, snapshot_date: date, countries: Sequence[str], catalog_packages: Sequence[str],
              *, client: PoliteClient, run_stamp: str | None = None) -> list[BatchManifest]:
    """Fetch every country for one day concurrently; one batch (and one WARC) per country (China skipped:
    Google Play does not exist there)."""
    skipped = [c for c in countries if c in NO_PLAY_COUNTRIES]
    if skipped:
        log.info("google_play: %s skipped (Google Play does not exist there)", ", ".join(skipped))
    return fetch_countries(
        settings, SOURCE, snapshot_date, play_countries(countries),
        lambda country, path: fetch_country(client, settings, country, snapshot_date, catalog_packages, path),
        run_stamp,
    )
