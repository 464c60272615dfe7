"""App Store fetch plan: per country, the four charts, then iTunes Lookups for every app seen plus the catalog.

Each country is one batch with its own WARC file. Countries run concurrently; the client keeps each host
polite. A chart or lookup that fails after retries is recorded in the batch manifest (the batch is then
quarantined by the loader, never half-loaded) and does not stop the other countries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dramatrack_config.settings import Settings
from extractors.appstore_urls import legacy_rss_url, lookup_url, rss_v2_url
from extractors.batches import BatchManifest, country_manifest, fetch_checked, fetch_countries
from extractors.http_client import FetchRequest, PoliteClient
from extractors.warc_archive import ArchivedResponse, WarcArchive
from transforms.appstore_rss import parse_appstore_rss
from transforms.errors import ParseError

SOURCE = "app_store"


# Storefronts the RSS v2 (marketing tools) feeds are not relied on for: the overall charts come from the legacy
# iTunes RSS there, which serves them (China: the legacy RSS and the lookups serve the cn storefront).
LEGACY_ONLY_COUNTRIES = frozenset({"cn"})


def chart_requests(settings: Settings, country: str) -> list[FetchRequest]:
    """The four App Store chart requests for one country, tagged for the stage step."""
    genre = settings.entertainment_genre_id
    if country in LEGACY_ONLY_COUNTRIES:
        overall = [("legacy_rss", chart, "all",
                    legacy_rss_url(settings.itunes_base_url, country, chart, None, settings.rss_v2_limit))
                   for chart in ("top-free", "top-paid")]
    else:
        overall = [("rss_v2", chart, "all",
                    rss_v2_url(settings.appstore_rss_base_url, country, chart, settings.rss_v2_limit))
                   for chart in ("top-free", "top-paid")]
    plan = [
        *overall,
        ("legacy_rss", "top-free", genre,
         legacy_rss_url(settings.itunes_base_url, country, "top-free", genre, settings.legacy_rss_limit)),
        ("legacy_rss", "top-grossing", genre,
         legacy_rss_url(settings.itunes_base_url, country, "top-grossing", genre, settings.legacy_rss_limit)),
    ]
    return [
        FetchRequest(url=url, tags={"source": SOURCE, "kind": kind, "country": country, "chart": chart, "genre": g})
        for kind, chart, g, url in plan
    ]


def lookup_requests(settings: Settings, country: str, track_ids: Sequence[str]) -> list[FetchRequest]:
    """iTunes Lookup requests in batches of ``settings.lookup_batch_size`` ids."""
    size = settings.lookup_batch_size
    out = []
    for i in range(0, len(track_ids), size):
        ids = list(track_ids[i : i + size])
        out.append(FetchRequest(url=lookup_url(settings.itunes_base_url, country, ids),
                                tags={"source": SOURCE, "kind": "lookup", "country": country}))
    return out


def ids_in_charts(responses: Sequence[ArchivedResponse]) -> tuple[list[str], list[str]]:
    """Track ids seen in the fetched charts, in first-seen order, and a note per chart that did not parse."""
    seen: dict[str, None] = {}
    problems = []
    for resp in responses:
        tags = resp.tags
        if resp.status != 200:
            continue
        try:
            entries = parse_appstore_rss(resp.body, country=tags["country"], chart=tags["chart"],
                                         genre=tags.get("genre"))
        except ParseError as exc:
            problems.append(exc.with_location(resp.url).one_line())
            continue
        for entry in entries:
            seen.setdefault(entry.store_app_id, None)
    return list(seen), problems


def fetch_country(client: PoliteClient, settings: Settings, country: str, snapshot_date: date,
                  catalog_ios_ids: Sequence[str], warc_path: Path) -> BatchManifest:
    """Fetch one country's charts and lookups into one WARC file; return its manifest."""
    with WarcArchive(warc_path) as archive:
        charts, errors = fetch_checked(client, chart_requests(settings, country), archive)
        ids, _ = ids_in_charts(charts)  # parse problems surface again (and quarantine) in the stage step
        ids += [track_id for track_id in catalog_ios_ids if track_id not in ids]
        _, lookup_errors = fetch_checked(client, lookup_requests(settings, country, ids), archive)
        responses = len(archive.entries)
    return country_manifest(SOURCE, snapshot_date, country, warc_path, responses, errors + lookup_errors)


def fetch_day(settings: Settings, snapshot_date: date, countries: Sequence[str], catalog_ios_ids: Sequence[str],
              *, client: PoliteClient, run_stamp: str | None = None) -> list[BatchManifest]:
    """Fetch every country for one day concurrently; one batch (and one WARC) per country."""
    return fetch_countries(
        settings, SOURCE, snapshot_date, list(countries),
        lambda country, path: fetch_country(client, settings, country, snapshot_date, catalog_ios_ids, path),
        run_stamp,
    )
