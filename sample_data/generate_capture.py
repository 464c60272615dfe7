"""Generate the sample capture: WARC files of App Store responses, exactly as the fetcher would archive them.

Usage::

    python -m sample_data.generate_capture --out data/sample_capture --start 2026-11-01 --days 14

For every day and country it walks the real fetch plan (``extractors.appstore``: the four chart URLs,
then iTunes Lookups in batches for every app seen plus the catalog), renders each response body in the
real format from the seeded market model (``sample_data.market``), and writes it with the project's
``WarcArchive`` to ``OUT/app_store/<date>/<country>.warc.gz``. Replaying that folder with
``dramatrack run --replay`` therefore goes through the same code path as a live fetch.

With ``--plant-defect`` one batch (default: mx on the 10th day) gets a duplicated rank in its
Entertainment top-grossing chart, so the demo shows a batch being quarantined while the rest loads.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dramatrack.catalog import load_catalog
from dramatrack.settings import Settings
from extractors import google_play, news
from extractors.appstore import chart_requests, ids_in_charts, lookup_requests
from extractors.warc_archive import WarcArchive
from sample_data import news_payloads
from sample_data.market import MarketApp, build_market, play_app, play_package, ranked, with_ratings
from sample_data.payloads import render_legacy_rss, render_lookup, render_rss_v2
from sample_data.play_payloads import render_chart, render_details_page

DEMO_COUNTRIES = ["us", "gb", "ca", "au", "de", "fr", "jp", "kr", "br", "mx", "ph", "in"]
CONTENT_TYPES = {"rss_v2": "application/json; charset=utf-8", "legacy_rss": "text/javascript; charset=utf-8",
                 "lookup": "text/javascript; charset=utf-8", "chart": "application/json; charset=utf-8",
                 "details": "text/html; charset=utf-8", "gnews": "application/xml; charset=UTF-8",
                 "feed": "application/rss+xml; charset=UTF-8"}
NEWS_STORIES_PER_DAY = {"en": 3, "zh": 2}  # per edition language; a few dozen feed items a day in all
PLAY_COLLECTIONS = {"top-free": "topselling_free", "top-grossing": "topgrossing"}


def _chart_apps(apps: list[MarketApp], tags: dict, country: str, day_index: int, settings: Settings) -> list:
    if tags["kind"] == "rss_v2":
        pool = "free" if tags["chart"] == "top-free" else "paid"
        chosen = ranked(apps, pool, country, day_index, settings.rss_v2_limit)
    else:
        chosen = ranked(apps, "ent", country, day_index, settings.legacy_rss_limit,
                        grossing=tags["chart"] == "top-grossing")
    return [m.app for m in chosen]


def _recorder(archive: WarcArchive, settings: Settings, day: date, hour: int):
    """Archive one request/response pair the way the client would."""
    clock = datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)

    def record(req, body: bytes, seq: int, status: int = 200):
        headers = [("Content-Type", CONTENT_TYPES[req.tags["kind"]]), ("Cache-Control", "max-age=300"),
                   ("Date", (clock + timedelta(seconds=seq)).strftime("%a, %d %b %Y %H:%M:%S GMT"))]
        request_headers = [("User-Agent", settings.user_agent), ("Accept-Encoding", "gzip, deflate"),
                           ("Accept", "*/*"), *(req.headers or {}).items()]
        return archive.record(method=req.method, url=req.url, request_headers=request_headers,
                              request_body=req.data, status=status, reason="OK" if status == 200 else "Not Found",
                              response_headers=headers, body=body, fetched_at=clock + timedelta(seconds=seq),
                              tags={**req.tags, "attempt": 1})

    return record, clock


def write_batch(archive: WarcArchive, settings: Settings, apps: list[MarketApp], country: str, day: date,
                day_index: int, catalog_ios_ids: list[str], plant_defect: bool = False,
                countries: tuple[str, ...] = ("us",)) -> None:
    """Archive one country's App Store day: the four charts, then the lookups the fetch plan asks for."""
    record, clock = _recorder(archive, settings, day, 6)
    by_id = {a.app.track_id: a for a in apps}

    chart_responses = []
    for seq, req in enumerate(chart_requests(settings, country)):
        chosen = _chart_apps(apps, req.tags, country, day_index, settings)
        if plant_defect and req.tags["chart"] == "top-grossing":
            chosen = chosen[:5] + [chosen[4]] + chosen[6:]  # the same app at ranks 5 and 6
        if req.tags["kind"] == "rss_v2":
            body = render_rss_v2(country, req.tags["chart"], chosen, clock)
        else:
            body = render_legacy_rss(country, req.tags["chart"], req.tags["genre"], chosen, clock)
        chart_responses.append(record(req, body, seq))
    ids, _ = ids_in_charts(chart_responses)
    ids += [i for i in catalog_ios_ids if i not in ids]
    for seq, req in enumerate(lookup_requests(settings, country, ids), start=10):
        wanted = req.url.split("id=", 1)[1].split("&", 1)[0].split(",")
        found = [with_ratings(by_id[i], countries, day_index) for i in wanted if i in by_id]
        record(req, render_lookup(country, found), seq)


def write_play_batch(archive: WarcArchive, settings: Settings, apps: list[MarketApp], country: str, day: date,
                     day_index: int, start: date, catalog_packages: list[str], countries: tuple[str, ...]) -> None:
    """Archive one country's Google Play day: the three charts, then every app page the plan asks for."""
    record, _ = _recorder(archive, settings, day, 7)
    by_package = {play_package(a): a for a in apps}
    chart_responses = []
    for seq, req in enumerate(google_play.chart_requests(settings, country)):
        tags = req.tags
        pool = "ent" if tags["genre"] == "ENTERTAINMENT" else "free"
        chosen = ranked(apps, pool, country, day_index, settings.play_chart_count,
                        grossing=tags["chart"] == "top-grossing")
        listings = [play_app(a, countries, day_index, start) for a in chosen]
        chart_responses.append(record(req, render_chart(listings, PLAY_COLLECTIONS[tags["chart"]], tags["genre"]), seq))
    packages = google_play.apps_to_detail(chart_responses, catalog_packages)
    for seq, req in enumerate(google_play.details_requests(settings, country, packages), start=10):
        app = by_package.get(req.tags["app_id"])
        if app is None:
            record(req, b"<!doctype html><title>Not Found</title>", seq, status=404)
        else:
            record(req, render_details_page(play_app(app, countries, day_index, start)), seq)


def write_news_batch(archive: WarcArchive, settings: Settings, catalog, edition: news.Edition, day: date,
                     start: date) -> None:
    """Archive one edition's news day: every search and feed of the fetch plan, rendered from the seeded stories
    (``sample_data.news_payloads``) visible that day."""
    record, clock = _recorder(archive, settings, day, 6)
    per_day = NEWS_STORIES_PER_DAY.get(edition.language, 2)
    visible = news_payloads.visible_stories(day, edition.code, per_day, start)
    for seq, req in enumerate(news.news_requests(settings, catalog, edition)):
        built = clock + timedelta(seconds=seq)
        if req.tags["kind"] == news.GNEWS:
            found = [s for s in visible if s.matches(req.tags["query"])]
            body = news_payloads.render_google_news(req.tags["query"], edition.hl, edition.gl,
                                                    f"{edition.gl}:{edition.ceid_language}", found, built)
        else:
            recent = [s for s in visible if s.in_feed and (day - s.published.date()).days < 2]
            body = news_payloads.render_industry_feed(req.url, edition.hl, recent, built)
        record(req, body, seq)


def generate(out: Path, start: date, days: int, countries: list[str], *, plant_defect: tuple[str, int] | None = None,
             settings: Settings | None = None,
             sources: tuple[str, ...] = ("app_store", "google_play", "news")) -> list[Path]:
    """Write the capture; return the WARC paths. Deterministic for the same arguments (but WARC record ids)."""
    settings = settings or Settings()
    catalog = load_catalog(settings.catalog_path)
    packages = [a.android_package for a in catalog.apps if a.android_package]
    apps = build_market()
    market = tuple(countries)
    paths = []
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        for country in countries:
            path = out / "app_store" / day.isoformat() / f"{country}.warc.gz"
            path.unlink(missing_ok=True)
            defect = plant_defect is not None and plant_defect == (country, day_index)
            with WarcArchive(path) as archive:
                write_batch(archive, settings, apps, country, day, day_index, catalog.ios_ids(), defect, market)
            paths.append(path)
            if "google_play" in sources:
                path = out / "google_play" / day.isoformat() / f"{country}.warc.gz"
                path.unlink(missing_ok=True)
                with WarcArchive(path) as archive:
                    write_play_batch(archive, settings, apps, country, day, day_index, start, packages, market)
                paths.append(path)
        if "news" in sources:  # one WARC per edition: OUT/news/<date>/<edition>.warc.gz
            for edition in news.editions(settings):
                path = out / "news" / day.isoformat() / f"{edition.code}.warc.gz"
                path.unlink(missing_ok=True)
                with WarcArchive(path) as archive:
                    write_news_batch(archive, settings, catalog, edition, day, start)
                paths.append(path)
    (out / "capture.json").write_text(json.dumps({
        "start": start.isoformat(), "days": days, "countries": countries,
        "planted_defect": list(plant_defect) if plant_defect else None,
        "sources": list(sources),
        "generator": "sample_data.generate_capture",
    }, indent=1), encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/sample_capture"))
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--countries", default=",".join(DEMO_COUNTRIES))
    parser.add_argument("--plant-defect", action="store_true", help="duplicate a rank in mx on the 10th day")
    args = parser.parse_args(argv)
    paths = generate(args.out, args.start, args.days, args.countries.split(","),
                     plant_defect=("mx", 9) if args.plant_defect else None)
    print(f"wrote {len(paths)} WARC files under {args.out}")


if __name__ == "__main__":
    main()
