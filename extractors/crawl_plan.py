"""The day's crawl plan: which requests a day makes, per source and host, and what they cost at the politeness.

Two Google Play plans (``settings.play_details_plan``):

* ``per_country`` (the original): in every country, the details page of every catalog package and of every app
  of that country's Entertainment charts (at most ``play_max_details_per_country``);
* ``once``: the same pages are *wanted* per country, but each app's page is fetched once a day, in one storefront
  (:func:`assign_pages`). The figures the pipeline reads from it (exact installs, ratings, title, developer,
  genre, description) are the same on every storefront's page, so the stage step attaches the one page to every
  country that wanted it (``dramatrack.pipeline.play_attach``). docs/performance.md says why and what is lost.

Everything here is computed without fetching: from the charts the day lists (:class:`DayCharts`), which come from
an archive, the warehouse or the simulated market; lookups, news searches and chart URLs need no data at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dramatrack_config.settings import Settings
from transforms.records import ChartEntry

PLANS = ("per_country", "once")


# --------------------------------------------------------------------------------------------- Google Play pages


def wanted_pages(catalog_packages: Sequence[str], entries: Iterable[ChartEntry], cap: int) -> list[str]:
    """The app pages a country wants: catalog packages first, then every app of its Entertainment charts in
    plan order (top-free, then top-grossing; by rank), capped at ``cap`` (``play_max_details_per_country``)."""
    from extractors.google_play import DETAILS_CATEGORIES, PLAY_CHARTS

    order = {key: i for i, key in enumerate(PLAY_CHARTS)}
    charted = sorted((e for e in entries if e.genre in DETAILS_CATEGORIES and (e.chart, e.genre) in order),
                     key=lambda e: (order[(e.chart, e.genre)], e.rank))
    seen = dict.fromkeys(catalog_packages)
    for e in charted:
        seen.setdefault(e.store_app_id, None)
    return list(seen)[:cap]


def charted_packages(entries: Iterable[ChartEntry]) -> set[str]:
    from extractors.google_play import DETAILS_CATEGORIES

    return {e.store_app_id for e in entries if e.genre in DETAILS_CATEGORIES}


def assign_pages(wanted: Mapping[str, Sequence[str]], charted: Mapping[str, set[str]],
                 homes: Mapping[str, str], default_home: str) -> dict[str, list[str]]:
    """Each wanted page once: the country whose batch fetches it (countries in ``wanted``'s order).

    An app goes to its home storefront (the catalog's ``home_storefront``, else ``default_home``) when it charts
    there, else to the first country where it charts, else (a catalog app charting nowhere) to its home storefront
    when that country is planned, else to the first country that wants it.
    """
    countries = list(wanted)
    candidates: dict[str, list[str]] = {}
    for country in countries:
        for package in wanted[country]:
            candidates.setdefault(package, []).append(country)
    out: dict[str, list[str]] = {c: [] for c in countries}
    for package, where in candidates.items():
        home = homes.get(package) or default_home
        charting = [c for c in where if package in charted.get(c, ())]
        if home in charting:
            chosen = home
        elif charting:
            chosen = charting[0]
        else:
            chosen = home if home in where else where[0]
        out[chosen].append(package)
    return out


def pages_to_fetch(settings: Settings, wanted: Mapping[str, Sequence[str]], charted: Mapping[str, set[str]],
                   homes: Mapping[str, str]) -> dict[str, list[str]]:
    """The pages each country's batch fetches under the configured plan."""
    if settings.play_details_plan == "per_country":
        return {c: list(pages) for c, pages in wanted.items()}
    return assign_pages(wanted, charted, homes, settings.play_home_storefront)


def catalog_homes(settings: Settings) -> dict[str, str]:
    """package → home storefront, for the catalog apps that name one."""
    from dramatrack_config.catalog import load_catalog

    catalog = load_catalog(settings.catalog_path)
    return {a.android_package: a.home_storefront for a in catalog.apps if a.android_package and a.home_storefront}


# --------------------------------------------------------------------------------------------- the day's charts


@dataclass
class DayCharts:
    """What the day's charts list, per country: all the plan needs to know that only a fetch could tell."""

    play: dict[str, list[ChartEntry]] = field(default_factory=dict)  # Google Play chart entries per country
    app_store: dict[str, list[str]] = field(default_factory=dict)  # App Store track ids charted, first-seen order
    origin: str = "none"  # where they came from (an archive, the warehouse, the simulated market)

    @classmethod
    def from_archive(cls, folder: Path | str) -> DayCharts:
        """The charts archived under ``folder`` (a day's WARCs of any sources, e.g. ``<capture>/*/<date>``)."""
        from extractors.warc_archive import iter_responses, warc_files
        from transforms.appstore_rss import parse_appstore_rss
        from transforms.errors import ParseError
        from transforms.google_play_chart import parse_play_chart

        out = cls(origin=f"archive {folder}")
        for path in warc_files(folder):
            for resp in iter_responses(path):
                tags = resp.tags
                if resp.status != 200:
                    continue
                try:
                    if tags.get("source") == "google_play" and tags.get("kind") == "chart":
                        out.play.setdefault(tags["country"], []).extend(parse_play_chart(
                            resp.body, country=tags["country"], chart=tags["chart"], genre=tags["genre"]))
                    elif tags.get("kind") in ("rss_v2", "legacy_rss"):
                        ids = out.app_store.setdefault(tags["country"], [])
                        ids += [e.store_app_id for e in parse_appstore_rss(
                            resp.body, country=tags["country"], chart=tags["chart"], genre=tags.get("genre"))]
                except ParseError:
                    continue
        out.app_store = {c: list(dict.fromkeys(ids)) for c, ids in out.app_store.items()}
        return out


# --------------------------------------------------------------------------------------------- the plan


@dataclass
class DayPlan:
    """Requests a day makes per (source, host), and their cost at the configured politeness."""

    plan: str
    countries: list[str]
    requests: Counter = field(default_factory=Counter)  # (source, host) -> requests
    details_pages: int = 0  # Google Play app pages
    details_wanted: int = 0  # (country, app) page facts the day wants
    notes: list[str] = field(default_factory=list)

    def per_host(self) -> dict[str, int]:
        out: Counter = Counter()
        for (_, host), n in self.requests.items():
            out[host] += n
        return dict(sorted(out.items()))

    def per_source(self) -> dict[str, int]:
        out: Counter = Counter()
        for (source, _), n in self.requests.items():
            out[source] += n
        return dict(sorted(out.items()))

    def wall_seconds(self, settings: Settings) -> dict[str, float]:
        """Seconds each host needs at its configured rate (requests start at most ``rate`` per second; the
        jitter averages out). Hosts are crawled in parallel, so the day takes the longest of them."""
        return {host: n / settings.rate_for_host(host) for host, n in self.per_host().items()}

    def day_wall_seconds(self, settings: Settings) -> float:
        return max(self.wall_seconds(settings).values(), default=0.0)

    def as_dict(self, settings: Settings) -> dict:
        walls = self.wall_seconds(settings)
        return {
            "plan": self.plan, "countries": len(self.countries),
            "requests_per_host": self.per_host(), "requests_per_source": self.per_source(),
            "requests": sum(self.requests.values()), "play_details_pages": self.details_pages,
            "play_details_wanted": self.details_wanted,
            "wall_seconds_per_host": {h: round(s, 1) for h, s in walls.items()},
            "day_wall_seconds": round(max(walls.values(), default=0.0), 1),
        }


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def day_plan(settings: Settings, countries: Sequence[str], charts: DayCharts, *, catalog=None,
             plan: str | None = None, sources: Sequence[str] = ("app_store", "google_play", "news")) -> DayPlan:
    """The requests one day makes for ``countries`` under ``plan`` (default: the configured one), built with the
    fetch plans' own request builders. Where ``charts`` lacks a country's charts, its chart-dependent requests
    are bounded from above (every chart full, no app in two charts) and a note says so."""
    from dramatrack_config.catalog import load_catalog
    from extractors import appstore, google_play, news

    plan = plan or settings.play_details_plan
    if plan not in PLANS:
        raise ValueError(f"unknown plan {plan!r}; known: {', '.join(PLANS)}")
    settings = settings.model_copy(update={"play_details_plan": plan})
    catalog = catalog or load_catalog(settings.catalog_path)
    out = DayPlan(plan=plan, countries=list(countries))
    guessed: dict[str, list[str]] = {"app_store": [], "google_play": []}

    if "app_store" in sources:
        ios_ids = catalog.ios_ids()
        for country in countries:
            for req in appstore.chart_requests(settings, country):
                out.requests[("app_store", _host(req.url))] += 1
            if country in charts.app_store:
                ids = list(charts.app_store[country])
            else:  # upper bound: every chart full, all different apps
                guessed["app_store"].append(country)
                n = 2 * settings.rss_v2_limit + 2 * settings.legacy_rss_limit
                ids = [f"{i}" for i in range(n)]
            ids += [i for i in ios_ids if i not in ids]
            for req in appstore.lookup_requests(settings, country, ids):
                out.requests[("app_store", _host(req.url))] += 1

    if "google_play" in sources:
        packages = [a.android_package for a in catalog.apps if a.android_package]
        play = google_play.play_countries(countries)
        wanted, charted = {}, {}
        for country in play:
            for req in google_play.chart_requests(settings, country):
                out.requests[("google_play", _host(req.url))] += 1
            if country in charts.play:
                entries = charts.play[country]
            else:  # upper bound: both Entertainment charts full, all different apps, none in another country
                guessed["google_play"].append(country)
                entries = [ChartEntry(store="google_play", country=country, chart=chart, genre=genre,
                                      feed="batchexecute", rank=r + 1, store_app_id=f"x.{country}.{chart}.{r}",
                                      name="?")
                           for chart, genre in google_play.PLAY_CHARTS if genre in google_play.DETAILS_CATEGORIES
                           for r in range(settings.play_chart_count)]
            wanted[country] = wanted_pages(packages, entries, settings.play_max_details_per_country)
            charted[country] = charted_packages(entries)
        homes = {a.android_package: a.home_storefront for a in catalog.apps if a.android_package and a.home_storefront}
        fetched = pages_to_fetch(settings, wanted, charted, homes)
        out.details_wanted = sum(len(p) for p in wanted.values())
        for country, pages in fetched.items():
            for req in google_play.details_requests(settings, country, pages):
                out.requests[("google_play", _host(req.url))] += 1
                out.details_pages += 1

    if "news" in sources:  # one batch per configured edition; countries do not apply
        for edition in news.editions(settings):
            for req in news.news_requests(settings, catalog, edition):
                out.requests[("news", _host(req.url))] += 1

    for source, missing in guessed.items():
        if missing:
            out.notes.append(f"{source}: no charts known for {', '.join(missing)}: their chart-dependent requests "
                             "are an upper bound (charts full, every app different)")
    return out
