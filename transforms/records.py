"""Typed records the parsers produce. Field names are the warehouse's column names."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any

# The sources, as the warehouse spells them.
APP_STORE = "app_store"
GOOGLE_PLAY = "google_play"
NEWS = "news"
# Store-neutral chart names; the genre is a field of its own ("all" for an overall chart).
CHARTS = ("top-free", "top-paid", "top-grossing")
OVERALL_GENRE = "all"
# Every integer field is a BIGINT in the warehouse (Arrow int64): a larger value is no count but a broken or
# hostile payload, refused by the parser (ParseError naming the field and value) before it reaches staging.
MAX_INT64 = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ChartEntry:
    """One app at one rank of one store chart in one country."""

    store: str  # "app_store" | "google_play"
    country: str  # ISO alpha-2, lower case
    chart: str  # one of CHARTS
    genre: str  # store genre id ("6016" = App Store Entertainment) or OVERALL_GENRE
    feed: str  # which endpoint shape it came from: "rss_v2", "legacy_rss", "batchexecute"
    rank: int  # 1-based
    store_app_id: str  # App Store numeric track id, or Google Play package name
    name: str
    publisher: str | None = None
    bundle_id: str | None = None
    genre_name: str | None = None
    release_date: str | None = None  # ISO date
    price: float | None = None
    currency: str | None = None
    summary: str | None = None
    score: float | None = None  # average rating shown in the chart (Google Play)
    installs_text: str | None = None  # install band as shown, e.g. "10,000,000+" (Google Play)


@dataclass(frozen=True, slots=True)
class AppLookup:
    """One app's store metadata from an iTunes Lookup response, in one storefront."""

    country: str
    track_id: str
    name: str
    bundle_id: str | None
    seller: str | None
    artist: str | None
    kind: str | None
    primary_genre: str | None
    primary_genre_id: str | None
    genre_ids: tuple[str, ...]
    user_rating_count: int | None
    average_user_rating: float | None
    user_rating_count_current_version: int | None
    average_user_rating_current_version: float | None
    version: str | None
    price: float | None
    currency: str | None
    release_date: str | None  # ISO timestamp
    current_version_release_date: str | None
    file_size_bytes: int | None
    description: str | None


@dataclass(frozen=True, slots=True)
class PlayAppDetails:
    """One app's Google Play details page (``/store/apps/details``) in one country."""

    app_id: str  # package name
    country: str
    title: str
    developer: str
    genre: str | None  # category as shown ("Entertainment")
    genre_id: str | None  # Play category id ("ENTERTAINMENT", "GAME_PUZZLE")
    installs_text: str  # install band as shown, e.g. "100,000,000+"
    min_installs: int | None  # lower bound of the band
    real_installs: int | None  # exact install count, when the page carries it
    score: float | None
    ratings: int | None
    reviews: int | None
    histogram: tuple[int, int, int, int, int] | None  # ratings with 1..5 stars
    updated: str | None  # ISO timestamp (UTC) of the last update
    released: str | None  # release date as shown ("Jun 1, 2022")
    version: str | None
    description: str | None  # the short description (one-line summary), else the full one


@dataclass(frozen=True, slots=True)
class AppRecord:
    """One product as the pipeline classified it, with one of its store listings."""

    app_key: str  # catalog app_key, or ios_<trackid> / gp_<package with dots as _>
    name: str
    publisher: str | None
    store: str  # "app_store" | "google_play"
    store_app_id: str
    bundle_id: str | None
    is_short_drama: bool
    status: str  # "catalog" | "candidate" | "other"
    classification_reason: str | None
    verified: bool = False
    evidence: str = "name"  # what the classification rests on: "catalog", "description" or "name" (name, publisher, genre)


def discovered_app_key(store: str, store_app_id: str) -> str:
    """The app_key of an app found in the charts but not in the catalog."""
    if store == APP_STORE:
        return f"ios_{store_app_id}"
    if store == GOOGLE_PLAY:
        return "gp_" + store_app_id.replace(".", "_").lower()
    raise ValueError(f"unknown store {store!r}")


def to_dict(record: Any) -> dict[str, Any]:
    """A record as a plain dict (tuples become lists so it serialises to JSON).

    Shallow on purpose: records hold only scalars and tuples of scalars, and ``dataclasses.asdict``
    deep-copies, which made this the hottest function of the stage step.
    """
    out = {}
    for name in _field_names(type(record)):
        value = getattr(record, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


@cache
def _field_names(record_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(record_type))


def field_names(record_type: type) -> list[str]:
    return [f.name for f in fields(record_type)]
