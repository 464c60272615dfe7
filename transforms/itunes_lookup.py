"""Parser for iTunes Lookup API responses (``/lookup?id=...&entity=software``).

The endpoint answers with Content-Type ``text/javascript`` but the body is plain JSON. An id absent
from the storefront gives ``resultCount: 0`` (→ ``[]``); apps with few ratings lack the rating fields
(→ ``None``). Anything else that does not fit raises ``ParseError("itunes-lookup", ...)``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from transforms.body_text import body_json
from transforms.errors import ParseError
from transforms.records import MAX_INT64, AppLookup

SOURCE = "itunes-lookup"
_COUNTRY = re.compile(r"^[a-z]{2}$")
_NUMERIC = re.compile(r"^[0-9]{1,20}$")


class _Bad(Exception):
    """Internal: a shape problem in one result (of ``field`` when known), turned into a ParseError with its
    position."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


def _fail(reason: str) -> ParseError:
    return ParseError(SOURCE, reason)


# Field readers: absent or null → None; present with the wrong type → _Bad naming the field.


def _str(r: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = r.get(key)
    if value is None:
        if required:
            raise _Bad(f"missing {key}", field=key)
        return None
    if not isinstance(value, str):
        raise _Bad(f"{key} is not a string", field=key)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Bad(f"{key} is not valid Unicode", field=key) from None
    if required and not value.strip():
        raise _Bad(f"{key} is empty", field=key)
    return value


def _id(r: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    """A numeric id given as a JSON number or a digit string, as a string."""
    value = r.get(key)
    if value is None:
        if required:
            raise _Bad(f"missing {key}", field=key)
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and _NUMERIC.match(value):
        return value
    raise _Bad(f"{key} {str(value)[:40]!r} is not a numeric id", field=key)


def _int(r: dict[str, Any], key: str, *, from_string: bool = False) -> int | None:
    value = r.get(key)
    if value is None:
        return None
    if from_string and isinstance(value, str) and _NUMERIC.match(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value > MAX_INT64:
            raise _Bad(f"{key} {str(value)[:40]} is out of range (above 2^63-1)", field=key)
        return value
    raise _Bad(f"{key} {str(value)[:40]!r} is not a non-negative integer", field=key)


def _float(r: dict[str, Any], key: str, *, upper: float) -> float | None:
    value = r.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= upper:
        return float(value)
    raise _Bad(f"{key} {str(value)[:40]!r} is not a number in [0, {upper:g}]", field=key)


def _timestamp(r: dict[str, Any], key: str) -> str | None:
    value = _str(r, key)
    if value is None:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{key} {value[:40]!r} is not an ISO timestamp", field=key) from None
    return value


def _genre_ids(r: dict[str, Any]) -> tuple[str, ...]:
    value = r.get("genreIds")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad("genreIds is not a list")
    return tuple(_id({"genreIds[]": v}, "genreIds[]", required=True) or "" for v in value)


def _result(r: Any, country: str) -> AppLookup:
    if not isinstance(r, dict):
        raise _Bad("is not an object")
    return AppLookup(
        country=country,
        track_id=_id(r, "trackId", required=True) or "",
        name=_str(r, "trackName", required=True) or "",
        bundle_id=_str(r, "bundleId"),
        seller=_str(r, "sellerName"),
        artist=_str(r, "artistName"),
        kind=_str(r, "kind"),  # "software" | "mac-software"; other kinds are kept as they are
        primary_genre=_str(r, "primaryGenreName"),
        primary_genre_id=_id(r, "primaryGenreId"),
        genre_ids=_genre_ids(r),
        user_rating_count=_int(r, "userRatingCount"),
        average_user_rating=_float(r, "averageUserRating", upper=5),
        user_rating_count_current_version=_int(r, "userRatingCountForCurrentVersion"),
        average_user_rating_current_version=_float(r, "averageUserRatingForCurrentVersion", upper=5),
        version=_str(r, "version"),
        price=_float(r, "price", upper=1e9),
        currency=_str(r, "currency"),
        release_date=_timestamp(r, "releaseDate"),
        current_version_release_date=_timestamp(r, "currentVersionReleaseDate"),
        file_size_bytes=_int(r, "fileSizeBytes", from_string=True),
        description=_str(r, "description"),
    )


def parse_itunes_lookup(body: bytes, *, country: str) -> list[AppLookup]:
    """One ``AppLookup`` per result of an iTunes Lookup response in storefront ``country``.

    ``resultCount: 0`` gives ``[]``; artist rows (``wrapperType: "artist"``, no trackId) are skipped.
    """
    if not isinstance(country, str) or not _COUNTRY.match(country.lower()):
        raise _fail(f"country {country!r} is not an ISO alpha-2 code")
    country = country.lower()
    doc = body_json(body, SOURCE)
    if not isinstance(doc, dict):
        raise _fail(f"top level is a JSON {type(doc).__name__}, not an object")
    if "errorMessage" in doc:  # the API's own error answer, e.g. for a malformed id list
        raise _fail(f"API error: {str(doc['errorMessage'])[:120]!r}")
    count = doc.get("resultCount")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise _fail("missing or invalid resultCount")
    results = doc.get("results", [] if count == 0 else None)
    if not isinstance(results, list):
        raise _fail("results is not a list")
    if len(results) != count:
        raise _fail(f"resultCount is {count} but results has {len(results)} items (truncated?)")

    records = []
    for pos, r in enumerate(results):
        if isinstance(r, dict) and r.get("wrapperType") == "artist":
            continue
        try:
            records.append(_result(r, country))
        except _Bad as exc:
            raise ParseError(SOURCE, f"result {pos + 1}: {exc}", field=exc.field) from None
    return records
