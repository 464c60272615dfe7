"""Google Play under the ``once`` crawl plan (extractors/crawl_plan.py): every country's charts first, then each
app page the countries want, fetched once a day in the storefront the plan assigns it to."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from dramatrack_config.settings import Settings
from extractors import google_play
from extractors.batches import country_manifest, fetch_checked
from extractors.crawl_plan import catalog_homes, charted_packages, pages_to_fetch, wanted_pages
from extractors.http_client import FetchError
from extractors.replay import replay_key
from extractors.warc_archive import WarcArchive
from transforms.errors import ParseError
from transforms.google_play_chart import parse_play_chart
from transforms.records import ChartEntry


def fetch_day(settings: Settings, snapshot_date: date, countries: Sequence[str], catalog_packages: Sequence[str],
              *, client, run_stamp: str | None = None) -> list:
    """Google Play's day under the configured plan (``play_details_plan``): ``once`` here, ``per_country`` in
    :func:`extractors.google_play.fetch_day`."""
    if settings.play_details_plan != "once":
        return google_play.fetch_day(settings, snapshot_date, countries, catalog_packages, client=client,
                                     run_stamp=run_stamp)
    skipped = [c for c in countries if c in google_play.NO_PLAY_COUNTRIES]
    if skipped:
        google_play.log.info("google_play: %s skipped (Google Play does not exist there)", ", ".join(skipped))
    return fetch_play_day_once(settings, snapshot_date, google_play.play_countries(countries), catalog_packages,
                               client=client, run_stamp=run_stamp)


def fetch_play_day_once(settings: Settings, snapshot_date: date, countries: Sequence[str],
                        catalog_packages: Sequence[str], *, client, run_stamp: str | None = None) -> list:
    """Google Play under the ``once`` plan: every country's charts first, then each wanted page once, archived in
    the batch (and WARC) of the country :func:`assign_pages` chose. One batch and one WARC per country, as before."""
    run_stamp = run_stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = settings.warc_dir / google_play.SOURCE / snapshot_date.isoformat()
    countries = list(countries)
    paths = {c: folder / f"{c}-{run_stamp}.warc.gz" for c in countries}
    archives = {c: WarcArchive(paths[c]) for c in countries}
    workers = max(1, min(len(countries), settings.max_workers))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            fetched = dict(zip(countries, pool.map(
                lambda c: fetch_checked(client, google_play.chart_requests(settings, c), archives[c]), countries),
                strict=True))
        entries: dict[str, list[ChartEntry]] = {}
        for country, (responses, _) in fetched.items():
            entries[country] = []
            for resp in responses:
                if resp.status != 200 or resp.tags.get("genre") not in google_play.DETAILS_CATEGORIES:
                    continue
                try:
                    entries[country] += parse_play_chart(resp.body, country=country, chart=resp.tags["chart"],
                                                         genre=resp.tags["genre"])
                except ParseError:
                    continue  # surfaces again, with the URL, in the stage step (and quarantines the batch)
        cap = settings.play_max_details_per_country
        wanted = {c: wanted_pages(catalog_packages, entries[c], cap) for c in countries}
        assigned = pages_to_fetch(settings, wanted, {c: charted_packages(entries[c]) for c in countries},
                                  catalog_homes(settings))

        elsewhere = _archived_pages(client.replay) if getattr(client, "replay", None) is not None else {}

        def details(country: str) -> list[tuple[str, str]]:
            item_errors = []
            requests = google_play.details_requests(settings, country, assigned[country])
            if elsewhere:  # replaying a subset of a day's countries: a page may be archived under another one
                requests = [_from_archive(r, client.replay, elsewhere) for r in requests]
            for request, result in zip(requests, client.fetch_many(requests, archives[country]), strict=True):
                app_id = request.tags["app_id"]
                if isinstance(result, FetchError):
                    item_errors.append((app_id, str(result)))
                elif result.status not in (200, 404):  # 404: not offered there, no snapshot, not an error
                    item_errors.append((app_id, f"{result.url}: HTTP {result.status}"))
            return item_errors

        with ThreadPoolExecutor(max_workers=workers) as pool:
            item_errors = dict(zip(countries, pool.map(details, countries), strict=True))
    finally:
        for archive in archives.values():
            archive.close()
    return [country_manifest(google_play.SOURCE, snapshot_date, c, paths[c], len(archives[c].entries),
                             fetched[c][1], item_errors[c]) for c in countries]


def _query_value(url: str, name: str) -> str | None:
    return (parse_qs(urlsplit(url).query).get(name) or [None])[0]


def _archived_pages(replay) -> dict[str, str]:
    """app id → the URL of an archived details page of it (any storefront), in replay mode."""
    out: dict[str, str] = {}
    for url in sorted(replay.archived_urls("GET")):
        app_id = _query_value(url, "id") if urlsplit(url).path.endswith("/store/apps/details") else None
        if app_id:
            out.setdefault(app_id, url)
    return out


def _from_archive(request, replay, elsewhere: dict[str, str]):
    """``request``, or, when the replay archive lacks it, the same app's page archived under another storefront
    (the page's figures are the same on every storefront's page); tagged with the storefront it came from."""
    other = elsewhere.get(request.tags["app_id"])
    if replay_key(request.method, request.url, request.data) in replay or other is None:
        return request
    storefront = (_query_value(other, "gl") or "").lower()
    return replace(request, url=other, tags={**request.tags, "storefront": storefront})
