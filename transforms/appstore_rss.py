"""Parsers for Apple's two chart feeds: Marketing Tools RSS v2 and the legacy iTunes RSS (JSON).

Pure functions: bytes in, ``ChartEntry`` records out. Anything that does not have the documented
shape raises ``ParseError("appstore-rss", ...)`` and nothing else.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from transforms.body_text import body_json
from transforms.errors import ParseError
from transforms.records import CHARTS, OVERALL_GENRE, ChartEntry

SOURCE = "appstore-rss"
STORE = "app_store"
RSS_V2_CHARTS = ("top-free", "top-paid")  # v2 has no grossing chart for apps

# Chart and genre as they appear in the feeds' own URLs (feed.id / self link), used to catch a
# payload filed under the wrong chart or genre.
_V2_CHART_IN_URL = re.compile(r"/apps/(top-free|top-paid)/")
_LEGACY_CHART_IN_URL = re.compile(r"/rss/top(free|paid|grossing)(?:ipad|mac)?applications/")
_LEGACY_GENRE_IN_URL = re.compile(r"/genre=(\d+)/")
_COUNTRY = re.compile(r"^[a-z]{2}$")
_NUMERIC_ID = re.compile(r"^[0-9]{1,20}$")


class _Bad(Exception):
    """Internal: a shape problem, turned into a ParseError at the public boundary."""


# --------------------------------------------------------------------------------------------- helpers


def _fail(reason: str) -> ParseError:
    return ParseError(SOURCE, reason)


def _get(obj: Any, path: tuple[str, ...], *, required: bool = False) -> Any:
    """``obj[path[0]][path[1]]...``; None when absent (or ``_Bad`` when required / not an object)."""
    cur = obj
    for i, key in enumerate(path):
        if not isinstance(cur, dict):
            where = ".".join(path[:i]) or "value"
            raise _Bad(f"{where} is not an object")
        if key not in cur or cur[key] is None:
            if required:
                raise _Bad(f"missing {'.'.join(path)}")
            return None
        cur = cur[key]
    return cur


def _text(obj: Any, path: tuple[str, ...], *, required: bool = False) -> str | None:
    value = _get(obj, path, required=required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"{'.'.join(path)} is not a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Bad(f"{'.'.join(path)} is not valid Unicode") from None
    if required and not value.strip():
        raise _Bad(f"{'.'.join(path)} is empty")
    return value


def _numeric_id(obj: Any, path: tuple[str, ...]) -> str:
    value = _text(obj, path, required=True)
    assert value is not None
    if not _NUMERIC_ID.match(value):
        raise _Bad(f"{'.'.join(path)} {value[:40]!r} is not numeric")
    return value


def _iso_date(value: str | None, what: str) -> str | None:
    """``YYYY-MM-DD`` or a full ISO timestamp, as the ISO date it names (local date as written)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        raise _Bad(f"{what} {value[:40]!r} is not an ISO date") from None


def _price(value: str | None, what: str) -> float | None:
    if value is None:
        return None
    try:
        price = float(value)
    except ValueError:
        raise _Bad(f"{what} {value[:40]!r} is not a number") from None
    if not (price >= 0 and price < 1e9):  # also rejects nan / inf
        raise _Bad(f"{what} {value[:40]!r} is out of range")
    return price


def _check_args(country: str, chart: str) -> str:
    if not isinstance(country, str) or not _COUNTRY.match(country.lower()):
        raise _fail(f"country {country!r} is not an ISO alpha-2 code")
    if chart not in CHARTS:
        raise _fail(f"unknown chart {chart!r} (expected one of {', '.join(CHARTS)})")
    return country.lower()


def _feed(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _fail(f"top level is a JSON {type(doc).__name__}, not an object")
    feed = doc.get("feed")
    if not isinstance(feed, dict):
        raise _fail("missing feed object")
    return feed


# --------------------------------------------------------------------------------------------- RSS v2


def parse_rss_v2(body: bytes, *, country: str, chart: str) -> list[ChartEntry]:
    """Apple Marketing Tools RSS v2 (overall chart): one ``ChartEntry`` per result, rank = position + 1."""
    country = _check_args(country, chart)
    if chart not in RSS_V2_CHARTS:
        raise _fail(f"rss v2 has no {chart} chart (only {', '.join(RSS_V2_CHARTS)})")
    return _rss_v2(_feed(body_json(body, SOURCE)), country, chart)


def _rss_v2(feed: dict[str, Any], country: str, chart: str) -> list[ChartEntry]:
    results = feed.get("results")
    if not isinstance(results, list):
        raise _fail("feed.results is not a list")
    try:
        feed_country = _text(feed, ("country",))
        if feed_country is not None and feed_country.lower() != country:
            raise _Bad(f"feed.country {feed_country!r} does not match requested country {country!r}")
        url = _text(feed, ("id",)) or ""
        found = _V2_CHART_IN_URL.search(url)
        if found and found.group(1) != chart:
            raise _Bad(f"feed.id is the {found.group(1)} chart, not {chart}")
    except _Bad as exc:
        raise _fail(str(exc)) from None

    entries = []
    for pos, item in enumerate(results):
        try:
            if not isinstance(item, dict):
                raise _Bad("is not an object")
            genres = item.get("genres")
            if genres is not None and not isinstance(genres, list):
                raise _Bad("genres is not a list")
            if genres and not isinstance(genres[0], dict):
                raise _Bad("genres[0] is not an object")
            genre_name = _text(genres[0], ("name",)) if genres else None
            entries.append(
                ChartEntry(
                    store=STORE,
                    country=country,
                    chart=chart,
                    genre=OVERALL_GENRE,
                    feed="rss_v2",
                    rank=pos + 1,
                    store_app_id=_numeric_id(item, ("id",)),
                    name=_text(item, ("name",), required=True) or "",
                    publisher=_text(item, ("artistName",)),
                    genre_name=genre_name,
                    release_date=_iso_date(_text(item, ("releaseDate",)), "releaseDate"),
                )
            )
        except _Bad as exc:
            raise _fail(f"result {pos + 1}: {exc}") from None
    return entries


# --------------------------------------------------------------------------------------------- legacy RSS


def parse_legacy_rss(body: bytes, *, country: str, chart: str, genre: str) -> list[ChartEntry]:
    """Legacy iTunes RSS JSON for one genre chart; ``genre`` (e.g. "6016") keys every entry.

    A single entry may come as an object and an empty chart has no ``entry`` key (→ ``[]``).
    """
    country = _check_args(country, chart)
    if not isinstance(genre, str) or not (genre == OVERALL_GENRE or _NUMERIC_ID.match(genre)):
        raise _fail(f"genre {genre!r} is not a numeric genre id")
    return _legacy(_feed(body_json(body, SOURCE)), country, chart, genre)


def _legacy_url(feed: dict[str, Any]) -> str:
    """The feed's own URL (``id.label``), or "" when absent."""
    try:
        return _text(feed, ("id", "label")) or ""
    except _Bad:
        return ""


def _legacy(feed: dict[str, Any], country: str, chart: str, genre: str) -> list[ChartEntry]:
    try:
        _text(feed, ("updated", "label"), required=True)
    except _Bad as exc:
        raise _fail(f"feed: {exc}") from None
    url = _legacy_url(feed)
    found = _LEGACY_CHART_IN_URL.search(url)
    if found and f"top-{found.group(1)}" != chart:
        raise _fail(f"feed.id is the top-{found.group(1)} chart, not {chart}")
    url_genre = _LEGACY_GENRE_IN_URL.search(url)
    if url_genre and genre != OVERALL_GENRE and url_genre.group(1) != genre:
        raise _fail(f"feed.id is genre {url_genre.group(1)}, not {genre}")

    raw = feed.get("entry")
    if raw is None:
        return []
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise _fail("feed.entry is neither a list nor an object")

    entries = []
    for pos, item in enumerate(items):
        try:
            entries.append(_legacy_entry(item, pos + 1, country, chart, genre))
        except _Bad as exc:
            raise _fail(f"entry {pos + 1}: {exc}") from None
    return entries


def _legacy_entry(item: Any, rank: int, country: str, chart: str, genre: str) -> ChartEntry:
    if not isinstance(item, dict):
        raise _Bad("is not an object")
    category_id = _text(item, ("category", "attributes", "im:id"))
    if category_id is not None and not _NUMERIC_ID.match(category_id):
        raise _Bad(f"category.attributes.im:id {category_id[:40]!r} is not a genre id")
    link = item.get("link")
    if link is not None and not isinstance(link, dict | list):
        raise _Bad("link is neither an object nor a list")
    return ChartEntry(
        store=STORE,
        country=country,
        chart=chart,
        genre=genre,
        feed="legacy_rss",
        rank=rank,
        store_app_id=_numeric_id(item, ("id", "attributes", "im:id")),
        name=_text(item, ("im:name", "label"), required=True) or "",
        publisher=_text(item, ("im:artist", "label")),
        bundle_id=_text(item, ("id", "attributes", "im:bundleId")),
        genre_name=_text(item, ("category", "attributes", "label")),
        release_date=_iso_date(_text(item, ("im:releaseDate", "label")), "im:releaseDate.label"),
        price=_price(_text(item, ("im:price", "attributes", "amount")), "im:price.attributes.amount"),
        currency=_text(item, ("im:price", "attributes", "currency")),
        summary=_text(item, ("summary", "label")),
    )


# --------------------------------------------------------------------------------------------- either


def parse_appstore_rss(
    body: bytes, *, country: str, chart: str, genre: str | None = None
) -> list[ChartEntry]:
    """Either feed shape, detected from the payload (v2: ``feed.results``; legacy: ``feed.entry`` /
    ``feed.updated.label``).

    For a legacy feed without ``genre``, the genre is read from the feed's own URL (no ``genre=``
    there means an overall chart). A v2 feed is always an overall chart.
    """
    country = _check_args(country, chart)
    feed = _feed(body_json(body, SOURCE))
    if "results" in feed:
        if genre not in (None, OVERALL_GENRE):
            raise _fail(f"rss v2 feed is an overall chart, not genre {genre!r}")
        if chart not in RSS_V2_CHARTS:
            raise _fail(f"rss v2 has no {chart} chart (only {', '.join(RSS_V2_CHARTS)})")
        return _rss_v2(feed, country, chart)
    if "entry" in feed or isinstance(feed.get("updated"), dict):
        if genre is None:
            url = _legacy_url(feed)
            if not url:
                raise _fail("legacy feed without feed.id.label: pass the genre id")
            found = _LEGACY_GENRE_IN_URL.search(url)
            genre = found.group(1) if found else OVERALL_GENRE
        if not isinstance(genre, str) or not (genre == OVERALL_GENRE or _NUMERIC_ID.match(genre)):
            raise _fail(f"genre {genre!r} is not a numeric genre id")
        return _legacy(feed, country, chart, genre)
    raise _fail("unrecognised feed shape (neither feed.results nor feed.entry / feed.updated.label)")
