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

``capture.json`` (written last) records the arguments, a key over everything the bytes depend on (the
arguments, the settings, the catalog, the generator's and the fetch plans' source code, warcio's version) and
every file written with its size and SHA-256. ``make demo`` reuses a capture whose key and files still match
(:func:`reusable`) and otherwise generates it in a child process while the DAGs already run the first days
(:func:`start_capture`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dramatrack.catalog import load_catalog
from dramatrack.settings import REPO_ROOT, Settings
from extractors import crawl_plan, google_play, news
from extractors.appstore import chart_requests, lookup_requests
from extractors.warc_archive import WarcArchive
from sample_data import news_payloads
from sample_data.catalog_listings import CatalogAlignment
from sample_data.market import (
    DEFAULT_CONFIG,
    MarketApp,
    build_market,
    has_play_listing,
    play_app,
    play_package,
    ranked,
    sold_in,
    truth_table,
    with_ratings,
)
from sample_data.payloads import render_legacy_rss, render_lookup, render_rss_v2
from sample_data.play_payloads import render_chart, render_details_page
from sample_data.world import WorldConfig
from transforms.google_play_chart import parse_play_chart

DEMO_COUNTRIES = ["us", "gb", "ca", "au", "de", "fr", "jp", "kr", "br", "mx", "ph", "in"]
CONTENT_TYPES = {"rss_v2": "application/json; charset=utf-8", "legacy_rss": "text/javascript; charset=utf-8",
                 "lookup": "text/javascript; charset=utf-8", "chart": "application/json; charset=utf-8",
                 "details": "text/html; charset=utf-8", "gnews": "application/xml; charset=UTF-8",
                 "feed": "application/rss+xml; charset=UTF-8"}
NEWS_STORIES_PER_DAY = {"en": 3, "zh": 2}  # per edition language; a few dozen feed items a day in all
PLAY_COLLECTIONS = {"top-free": "topselling_free", "top-grossing": "topgrossing"}
MANIFEST = "capture.json"
TRUTH = "truth.parquet"  # the simulated world's true downloads and revenue: for evaluation only
FORMAT_VERSION = 1  # bump when the capture's layout changes in a way the source hashes below do not show
# Source code the capture's bytes depend on: the generator and market model, the fetch plans and WARC writer
# (extractors), the parsers the plan reads its charts with (transforms), the settings and catalog models.
KEY_SOURCES = ("sample_data", "extractors", "transforms", "dramatrack_config")


def _chart_apps(apps: list[MarketApp], tags: dict, country: str, day_index: int, settings: Settings,
                config: WorldConfig) -> list:
    if tags["genre"] == "all":  # the overall charts (RSS v2, or the legacy RSS where RSS v2 is not used)
        pool = "free" if tags["chart"] == "top-free" else "paid"
        chosen = ranked(apps, pool, country, day_index, settings.rss_v2_limit, config=config)
    else:
        chosen = ranked(apps, "ent", country, day_index, settings.legacy_rss_limit,
                        grossing=tags["chart"] == "top-grossing", config=config)
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
                config: WorldConfig = DEFAULT_CONFIG) -> None:
    """Archive one country's App Store day: the four charts, then the lookups the fetch plan asks for."""
    record, clock = _recorder(archive, settings, day, 6)
    by_id = {a.app.track_id: a for a in apps}

    charted: dict[str, None] = {}  # the ids the fetch plan reads off the charts (ids_in_charts), first-seen order
    for seq, req in enumerate(chart_requests(settings, country)):
        chosen = _chart_apps(apps, req.tags, country, day_index, settings, config)
        if plant_defect and req.tags["chart"] == "top-grossing":
            chosen = chosen[:5] + [chosen[4]] + chosen[6:]  # the same app at ranks 5 and 6
        if req.tags["kind"] == "rss_v2":
            body = render_rss_v2(country, req.tags["chart"], chosen, clock)
        else:
            body = render_legacy_rss(country, req.tags["chart"], req.tags["genre"], chosen, clock)
        record(req, body, seq)
        charted.update(dict.fromkeys(a.track_id for a in chosen))
    ids = list(charted) + [i for i in catalog_ios_ids if i not in charted]
    for seq, req in enumerate(lookup_requests(settings, country, ids), start=10):
        wanted = req.url.split("id=", 1)[1].split("&", 1)[0].split(",")
        found = [with_ratings(by_id[i], country, day_index, config) for i in wanted
                 if i in by_id and sold_in(by_id[i], country)]
        record(req, render_lookup(country, found), seq)


def write_play_day(out: Path, settings: Settings, apps: list[MarketApp], countries: list[str], day: date,
                   day_index: int, start: date, catalog_packages: list[str], config: WorldConfig = DEFAULT_CONFIG,
                   alignment: CatalogAlignment | None = None) -> list[Path]:
    """Archive one day's Google Play batches (one WARC per country): every country's three charts, then the app
    pages the crawl plan (``settings.play_details_plan``, ``extractors.crawl_plan``) asks each batch for."""
    package_of = alignment.package if alignment else play_package

    def listing_of(a: MarketApp):
        listing = play_app(a, day_index, start, config)
        return alignment.play_listing(a, listing) if alignment else listing

    by_package = {package_of(a): a for a in apps if has_play_listing(a, config)}
    paths = {c: out / "google_play" / day.isoformat() / f"{c}.warc.gz" for c in countries}
    archives = {}
    for country, path in paths.items():
        path.unlink(missing_ok=True)
        archives[country] = WarcArchive(path)
    try:
        entries: dict[str, list] = {}
        for country in countries:
            record, _ = _recorder(archives[country], settings, day, 7)
            entries[country] = []
            for seq, req in enumerate(google_play.chart_requests(settings, country)):
                tags = req.tags
                pool = "ent" if tags["genre"] == "ENTERTAINMENT" else "free"
                chosen = ranked(apps, pool, country, day_index, settings.play_chart_count,
                                grossing=tags["chart"] == "top-grossing", store="google_play", config=config)
                body = render_chart([listing_of(a) for a in chosen], PLAY_COLLECTIONS[tags["chart"]], tags["genre"])
                record(req, body, seq)
                entries[country] += parse_play_chart(body, country=country, chart=tags["chart"], genre=tags["genre"])
        wanted = {c: crawl_plan.wanted_pages(catalog_packages, entries[c], settings.play_max_details_per_country)
                  for c in countries}
        charted = {c: crawl_plan.charted_packages(entries[c]) for c in countries}
        pages = crawl_plan.pages_to_fetch(settings, wanted, charted, crawl_plan.catalog_homes(settings))
        for country in countries:
            record, _ = _recorder(archives[country], settings, day, 7)
            for seq, req in enumerate(google_play.details_requests(settings, country, pages[country]), start=10):
                app = by_package.get(req.tags["app_id"])
                if app is None:
                    record(req, b"<!doctype html><title>Not Found</title>", seq, status=404)
                else:
                    record(req, render_details_page(listing_of(app)), seq)
    finally:
        for archive in archives.values():
            archive.close()
    return list(paths.values())


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_digest() -> str:
    digest = hashlib.sha256()
    for entry in KEY_SOURCES:
        path = REPO_ROOT / entry
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(REPO_ROOT).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def capture_key(start: date, days: int, countries: list[str], *, plant_defect: tuple[str, int] | None = None,
                settings: Settings | None = None,
                sources: tuple[str, ...] = ("app_store", "google_play", "news"),
                world: WorldConfig = DEFAULT_CONFIG) -> str:
    """A hash of everything the capture's bytes depend on (but the WARC record ids, which are random)."""
    from importlib.metadata import version

    settings = settings or Settings()
    inputs = {
        "format": FORMAT_VERSION,
        "start": start.isoformat(), "days": days, "countries": list(countries),
        "plant_defect": list(plant_defect) if plant_defect else None, "sources": list(sources),
        "world": repr(world),
        # every setting (a few do not matter, which only costs a regeneration); the data dir does not
        "settings": settings.model_dump(mode="json", exclude={"data_dir"}),
        "catalog": _sha256(Path(settings.catalog_path)),
        "code": _source_digest(),
        "warcio": version("warcio"),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def reusable(out: Path, key: str) -> bool:
    """True when ``out`` holds a complete capture made with this key: its manifest names the key and every file
    it lists is there with the same size and SHA-256."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("key") != key or not files:
            return False
        for name, meta in files.items():
            path = out / name
            if path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


def generate(out: Path, start: date, days: int, countries: list[str], *, plant_defect: tuple[str, int] | None = None,
             settings: Settings | None = None,
             sources: tuple[str, ...] = ("app_store", "google_play", "news"),
             on_day: Callable[[date], None] | None = None, world: WorldConfig = DEFAULT_CONFIG) -> list[Path]:
    """Write the capture; return the WARC paths. Deterministic for the same arguments (but WARC record ids).

    ``on_day(day)`` is called once every file of that day is complete (days are written in order). The world's
    truth is written beside it (``TRUTH``, Parquet) for evaluation only: no pipeline code reads it.
    """
    settings = settings or Settings()
    key = capture_key(start, days, countries, plant_defect=plant_defect, settings=settings, sources=sources,
                      world=world)
    (out / MANIFEST).unlink(missing_ok=True)  # an interrupted run leaves no manifest: never reused
    catalog = load_catalog(settings.catalog_path)
    packages = [a.android_package for a in catalog.apps if a.android_package]
    alignment = CatalogAlignment(catalog)  # the catalog's ids, packages and publishers on the market's apps
    apps = alignment.market(build_market(world.seed))
    paths = []
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        for country in countries:
            path = out / "app_store" / day.isoformat() / f"{country}.warc.gz"
            path.unlink(missing_ok=True)
            defect = plant_defect is not None and plant_defect == (country, day_index)
            with WarcArchive(path) as archive:
                write_batch(archive, settings, apps, country, day, day_index, catalog.ios_ids(), defect, world)
            paths.append(path)
        if "google_play" in sources:  # the countries of a day together: the crawl plan spans them
            paths += write_play_day(out, settings, apps, google_play.play_countries(countries), day, day_index,
                                    start, packages, world, alignment)
        if "news" in sources:  # one WARC per edition: OUT/news/<date>/<edition>.warc.gz
            for edition in news.editions(settings):
                path = out / "news" / day.isoformat() / f"{edition.code}.warc.gz"
                path.unlink(missing_ok=True)
                with WarcArchive(path) as archive:
                    write_news_batch(archive, settings, catalog, edition, day, start)
                paths.append(path)
        if on_day is not None:
            on_day(day)
    import pyarrow.parquet as pq

    pq.write_table(truth_table(start, days, world, apps, alignment.package), out / TRUTH)
    files = {}
    for path in [*paths, out / TRUTH]:
        for file in (path, path.with_name(path.name + ".idx.jsonl")):
            if file.exists():
                files[file.relative_to(out).as_posix()] = {"bytes": file.stat().st_size, "sha256": _sha256(file)}
    (out / MANIFEST).write_text(json.dumps({
        "start": start.isoformat(), "days": days, "countries": countries,
        "planted_defect": list(plant_defect) if plant_defect else None,
        "sources": list(sources),
        "generator": "sample_data.generate_capture",
        "key": key,
        "files": files,
    }, indent=1), encoding="utf-8")
    return paths


class CaptureError(RuntimeError):
    """Generating the sample capture in the background failed."""


class CaptureJob:
    """The sample capture for a run of the DAGs: reused as it is, or being generated by a child process.

    ``wait_for(day)`` returns once every file of ``day`` is complete; ``finish()`` waits for the whole capture
    (its manifest) and raises if the generation failed.
    """

    def __init__(self, out: Path, reused: bool, process=None, queue=None):
        self.out, self.reused, self._process, self._queue = out, reused, process, queue
        self._done: set[str] = set()
        self._finished = reused or process is None

    def wait_for(self, day: date) -> None:
        while not self._finished and day.isoformat() not in self._done:
            self._next_message()

    def finish(self) -> None:
        while not self._finished:
            self._next_message()

    def _next_message(self) -> None:
        import queue as queue_module

        try:
            kind, value = self._queue.get(timeout=1.0)
        except queue_module.Empty:
            if not self._process.is_alive():
                try:  # the last message may have been queued just before the process exited
                    kind, value = self._queue.get(timeout=1.0)
                except queue_module.Empty:
                    raise CaptureError(f"generating the sample capture under {self.out} stopped "
                                       f"(exit code {self._process.exitcode})") from None
            else:
                return
        if kind == "day":
            self._done.add(value)
        elif kind == "done":
            self._process.join()
            self._finished = True
        else:
            self._process.join()
            raise CaptureError(f"generating the sample capture under {self.out} failed:\n{value}")

    def stop(self) -> None:
        """Stop an unfinished generation (the demo was interrupted); its capture has no manifest."""
        if not self._finished and self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._finished = True


def _generate_child(queue, out: Path, start: date, days: int, countries: list[str], kwargs: dict) -> None:
    try:
        generate(out, start, days, countries, on_day=lambda day: queue.put(("day", day.isoformat())), **kwargs)
        queue.put(("done", None))
    except BaseException:
        queue.put(("error", traceback.format_exc()))
        raise SystemExit(1) from None
    finally:
        queue.close()
        queue.join_thread()


def start_capture(out: Path, start: date, days: int, countries: list[str], *,
                  plant_defect: tuple[str, int] | None = None, settings: Settings | None = None,
                  sources: tuple[str, ...] = ("app_store", "google_play", "news"),
                  background: bool = True, world: WorldConfig = DEFAULT_CONFIG) -> CaptureJob:
    """Reuse the capture under ``out`` when it was made with the same inputs (:func:`capture_key`); otherwise
    (re)generate it, in a forked child process when ``background`` (the caller waits for each day with
    ``wait_for``), or here and now. Call this before the process starts threads (it forks)."""
    import multiprocessing

    settings = settings or Settings()
    kwargs = {"plant_defect": plant_defect, "settings": settings, "sources": sources, "world": world}
    if reusable(out, capture_key(start, days, countries, **kwargs)):
        return CaptureJob(out, reused=True)
    if not background or not sys.platform.startswith("linux"):  # fork is the default, and safe here, on Linux
        generate(out, start, days, countries, **kwargs)
        return CaptureJob(out, reused=False)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_generate_child, args=(queue, out, start, days, list(countries), kwargs),
                              name="generate-sample-capture", daemon=True)
    process.start()
    return CaptureJob(out, reused=False, process=process, queue=queue)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/sample_capture"))
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--countries", default=",".join(DEMO_COUNTRIES))
    parser.add_argument("--plant-defect", action="store_true", help="duplicate a rank in mx on the 10th day")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the capture under --out when it was made with the same inputs (capture.json)")
    args = parser.parse_args(argv)
    countries = args.countries.split(",")
    defect = ("mx", 9) if args.plant_defect else None
    if args.reuse and reusable(args.out, capture_key(args.start, args.days, countries, plant_defect=defect)):
        print(f"the capture under {args.out} is up to date", file=sys.stderr)
        return
    paths = generate(args.out, args.start, args.days, countries, plant_defect=defect)
    print(f"wrote {len(paths)} WARC files under {args.out}")


if __name__ == "__main__":
    main()
