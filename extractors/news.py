"""News fetch plan: per edition, Google News RSS searches for every catalog app and the market topics, then the
industry RSS/Atom feeds filed under that edition.

Editions (``settings.news_editions``, e.g. ``en-US:US`` and ``zh-CN:CN``) play the part countries play for
the stores: each edition is one batch per day (``news:<date>:<edition>``) with its own WARC file, and the
editions run concurrently (the client keeps news.google.com polite). Every search and every feed is an
*item*: a feed that cannot be fetched (after retries), or answers anything but 200, fails only itself for the
day (``item_errors``); the stage step does the same for a feed that does not parse. The batch itself fails
only when no feed of the edition could be fetched at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

from dramatrack_config.catalog import Catalog
from dramatrack_config.settings import Settings
from extractors.batches import BatchManifest, batch_id_for, common_causes, fetch_countries
from extractors.http_client import FetchError, FetchRequest, PoliteClient
from extractors.warc_archive import WarcArchive

SOURCE = "news"
GNEWS = "gnews"  # tag kind of a Google News search
FEED = "feed"  # tag kind of an industry feed
# Google News names the script, not the region, in ceid for Chinese.
_CEID_LANGUAGE = {"zh-CN": "zh-Hans", "zh-SG": "zh-Hans", "zh-TW": "zh-Hant", "zh-HK": "zh-Hant"}
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CJK_LANGUAGES = ("zh", "ja", "ko")


@dataclass(frozen=True, slots=True)
class Edition:
    """One Google News edition: ``hl`` (the batch's "country" and the articles' default language) and ``gl``."""

    hl: str  # interface language, e.g. en-US, zh-CN
    gl: str  # country, e.g. US, CN
    ceid_language: str  # en, zh-Hans

    @property
    def code(self) -> str:
        return self.hl

    @property
    def language(self) -> str:
        """Primary language subtag: en, zh."""
        return self.hl.split("-", 1)[0].lower()

    @property
    def cjk(self) -> bool:
        return self.language in _CJK_LANGUAGES


def parse_edition(spec: str) -> Edition:
    """``"en-US:US"`` → Edition(hl="en-US", gl="US", ceid_language="en"); a third part sets the ceid language."""
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f'news edition must be "language:COUNTRY", got {spec!r}')
    hl, gl = parts[0], parts[1].upper()
    ceid = parts[2] if len(parts) == 3 else _CEID_LANGUAGE.get(hl, hl.split("-", 1)[0].lower())
    return Edition(hl=hl, gl=gl, ceid_language=ceid)


def editions(settings: Settings, codes: Sequence[str] | None = None) -> list[Edition]:
    """The configured editions, optionally only those whose code (hl) is in ``codes``."""
    found = [parse_edition(e) for e in settings.news_editions]
    if codes:
        wanted = {c.lower() for c in codes}
        found = [e for e in found if e.code.lower() in wanted]
    return found


def search_url(base_url: str, query: str, edition: Edition) -> str:
    """A Google News RSS search: ``/rss/search?q=...&hl=en-US&gl=US&ceid=US:en``."""
    return (f"{base_url.rstrip('/')}/rss/search?q={quote_plus(query)}&hl={edition.hl}&gl={edition.gl}"
            f"&ceid={edition.gl}:{edition.ceid_language}")


def item_id(kind: str, text: str) -> str:
    """A stable, readable id of one search or feed inside its batch: ``q-short-drama-app``, ``feed-36kr.com-feed``."""
    slug = re.sub(r"[^\w.]+", "-", text.strip().lower()).strip("-.") or "x"
    return f"{'q' if kind == GNEWS else 'feed'}-{slug[:80]}"


def search_queries(settings: Settings, catalog: Catalog, edition: Edition) -> list[str]:
    """Every catalog app (quoted display name; in CJK editions also its all-CJK Chinese aliases), then the
    topics written in the edition's script, without duplicates."""
    queries: list[str] = []
    for app in catalog.apps:
        queries.append(f'"{app.name}"')
        if edition.cjk:
            queries += [a for a in app.aliases_zh if not re.search(r"[A-Za-z]", a)]
    for topic in settings.news_topics:
        if bool(_CJK.search(topic)) == edition.cjk:
            queries.append(topic)
    return list(dict.fromkeys(q for q in queries if q.strip()))


def edition_feeds(settings: Settings, edition: Edition) -> list[str]:
    """Industry feed URLs filed under ``edition`` (``"zh-CN|URL"``; a bare URL goes to the first edition)."""
    first = editions(settings)[0].code if settings.news_editions else None
    out = []
    for entry in settings.news_feeds:
        code, _, url = entry.rpartition("|")
        if (code.strip() or first) == edition.code and url.strip():
            out.append(url.strip())
    return list(dict.fromkeys(out))


def news_requests(settings: Settings, catalog: Catalog, edition: Edition) -> list[FetchRequest]:
    """The edition's searches and feeds, tagged for the stage step (``item`` names the request's item)."""
    base = {"source": SOURCE, "edition": edition.code, "country": edition.code, "language": edition.hl}
    out = [
        FetchRequest(url=search_url(settings.news_base_url, q, edition),
                     tags={**base, "kind": GNEWS, "query": q, "item": item_id(GNEWS, q),
                           "label": f"gnews:{edition.code}:{q}"})
        for q in search_queries(settings, catalog, edition)
    ]
    for url in edition_feeds(settings, edition):
        parts = urlsplit(url)
        out.append(FetchRequest(url=url, tags={**base, "kind": FEED, "feed": url,
                                               "item": item_id(FEED, f"{parts.hostname or ''}{parts.path}"),
                                               "label": f"feed:{url}"}))
    return out


def fetch_edition(client: PoliteClient, settings: Settings, edition: Edition, snapshot_date: date, catalog: Catalog,
                  warc_path: Path) -> BatchManifest:
    """Fetch one edition's searches and feeds into one WARC file; return its manifest."""
    item_errors: list[tuple[str, str]] = []
    requests = news_requests(settings, catalog, edition)
    with WarcArchive(warc_path) as archive:
        results = client.fetch_many(requests, archive)
        for request, result in zip(requests, results, strict=True):
            item = request.tags["item"]
            if isinstance(result, FetchError):
                item_errors.append((item, str(result)))
            elif result.status != 200:
                item_errors.append((item, f"{result.url}: HTTP {result.status}"))
        responses = len(archive.entries)
    errors = []
    if requests and len(item_errors) == len(requests):
        errors.append(f"news {edition.code}: none of the {len(requests)} searches and feeds could be fetched: "
                      + common_causes([e for _, e in item_errors]))
    return BatchManifest(
        batch_id=batch_id_for(SOURCE, snapshot_date, edition.code),
        source=SOURCE,
        snapshot_date=snapshot_date.isoformat(),
        country=edition.code,
        warc_paths=(str(warc_path),),
        responses=responses,
        fetch_errors=tuple(errors),
        item_errors=tuple(item_errors),
    )


def fetch_day(settings: Settings, snapshot_date: date, edition_codes: Sequence[str] | None, catalog: Catalog,
              *, client: PoliteClient, run_stamp: str | None = None) -> list[BatchManifest]:
    """Fetch every edition (all configured, or those named) for one day concurrently; one batch and WARC each."""
    chosen = {e.code: e for e in editions(settings, edition_codes)}
    return fetch_countries(
        settings, SOURCE, snapshot_date, list(chosen),
        lambda code, path: fetch_edition(client, settings, chosen[code], snapshot_date, catalog, path),
        run_stamp,
    )
