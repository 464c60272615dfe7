"""Parser for a Google Play app details page (``/store/apps/details?id=...``).

The page embeds its data in ``AF_initDataCallback({key: 'ds:N', hash: ..., data: <JSON>, sideChannel: {}});``
script blocks. Google reshuffles the ``ds:`` keys, so the app block is found by content: the block
whose ``data[1][2][0][0]`` is the title string. Only the JSON of candidate blocks is decoded; the
rest of the (≈1 MB) page is never parsed.

Pure function: bytes in, ``PlayAppDetails`` out. Anything without the documented shape raises
``ParseError("gplay-details", ...)`` and nothing else.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from transforms.errors import ParseError
from transforms.records import MAX_INT64, PlayAppDetails

SOURCE = "gplay-details"

_BLOCK = b"AF_initDataCallback({"
_BRACE_AT = len(_BLOCK) - 1
_BRACE_TRIES = 64
_DATA = b"data:"
_HEAD_MAX = 160  # "AF_initDataCallback({key: 'ds:N', hash: '...', data:" is far shorter
_DATA_END = b", sideChannel:"
# Cheap pre-check on the head of a block's JSON: `[<short data[0]>,[<scalar>,<scalar>,[["` is how the
# app block starts (`[[[[]]],[null,null,[["Title"]...`). It only decides which blocks are decoded
# first; a block is accepted on its decoded content, and all others are still tried when none of
# these qualifies.
_LIKELY_APP = re.compile(rb'\s*\[[^,]{0,40},\[[^,\[\]]{0,24},[^,\[\]]{0,24},\[\["')
_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")
_CANONICAL = re.compile(rb'<link rel="canonical" href="[^"]*?[?&](?:amp;)?id=([A-Za-z0-9_.]{1,255})')
_COUNTRY = re.compile(r"[a-z]{2}")
_HIGH_RUN = re.compile("[\x80-\xff]+")
_MAX_EPOCH = 4_102_444_800  # 2100-01-01: anything later is not a real update time

# Paths under data[1][2] (see the reference README); used in error messages as data[1][2][i][j].
P_TITLE = (0, 0)
P_RELEASED = (10, 0)
P_INSTALLS_TEXT = (13, 0)
P_MIN_INSTALLS = (13, 1)
P_REAL_INSTALLS = (13, 2)
P_SCORE = (51, 0, 1)
P_HISTOGRAM = (51, 1)
P_RATINGS = (51, 2, 1)
P_REVIEWS = (51, 3, 1)
P_DEVELOPER = (68, 0)
P_DESCRIPTION = (72, 0, 1)
P_SUMMARY = (73, 0, 1)
P_PACKAGE = (77, 0)
P_GENRE = (79, 0, 0, 0)
P_GENRE_ID = (79, 0, 0, 2)
P_VERSION = (140, 0, 0, 0)
P_UPDATED = (145, 0, 1, 0)


def _fail(reason: str, field: str | None = None) -> ParseError:
    return ParseError(SOURCE, reason, field=field)


def _where(path: tuple[int, ...]) -> str:
    return "data[1][2]" + "".join(f"[{i}]" for i in path)


def _at(node: Any, path: tuple[int, ...]) -> Any:
    """``node[path[0]][path[1]]...`` through lists only; None when any step is missing."""
    try:
        for i in path:
            if type(node) is not list:  # not a str or dict, whose indexing would "work"
                return None
            node = node[i]
    except IndexError:
        return None
    return node


def _str(app: list[Any], path: tuple[int, ...]) -> str | None:
    value = _at(app, path)
    if type(value) is not str or not value or value.isspace():
        return None
    return value if value.isascii() else _utf8(value)


def _utf8(value: str) -> str:
    """A string of the latin-1-decoded JSON (see ``_decode``) as the UTF-8 text it was."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:  # a \u escape beside raw UTF-8, or bytes that are not UTF-8: run by run
        return _HIGH_RUN.sub(_utf8_run, value)


def _utf8_run(run: re.Match[str]) -> str:
    try:
        return run.group().encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:  # \u0080-\u00ff escapes, or invalid UTF-8: kept as they are
        return run.group()


def _int(app: list[Any], path: tuple[int, ...], field: str) -> int | None:
    """A non-negative integer, None when absent or not one; beyond int64 a ParseError naming ``field``."""
    value = _at(app, path)
    if type(value) is not int or value < 0:
        return None
    if value > MAX_INT64:
        raise _fail(f"{field} {str(value)[:40]} is out of range (above 2^63-1) ({_where(path)})", field=field)
    return value


def _required(app: list[Any], path: tuple[int, ...], field: str) -> str:
    value = _str(app, path)
    if value is None:
        raise _fail(f"missing field {field} ({_where(path)})", field=field)
    return value


# --------------------------------------------------------------------------------------------- blocks


def _decode(body: bytes, start: int, limit: int) -> Any:
    """The JSON of the block whose data starts at ``start`` (the next block starts at ``limit``)."""
    # The last ", sideChannel:" before the next block ends this block's data: the JSON cannot end
    # past it, and any occurrence inside a JSON string comes earlier.
    end = body.rfind(_DATA_END, start, limit)
    if end < 0:
        return None
    try:
        # Decoded as latin-1, a plain copy, then parsed: JSON's syntax is ASCII, so raw UTF-8 bytes
        # only ever sit inside strings, and the few strings kept are re-decoded by _str. This skips
        # UTF-8 decoding the whole block (~10% of the parse). NaN / Infinity are let through: every
        # number read is type- and range-checked.
        return json.loads(body[start:end].decode("latin-1"))
    except (ValueError, RecursionError):
        return None


def _app_node(data: Any) -> list[Any] | None:
    """``data[1][2]`` when ``data[1][2][0][0]`` is a string (the title), else None."""
    node = _at(data, (1, 2))
    return node if type(node) is list and type(_at(node, P_TITLE)) is str else None


def _find_app_data(body: bytes) -> list[Any]:
    """The decoded ``data[1][2]`` of the page's app block (located by content, not by ``ds:`` key).

    Blocks are visited from the end of the page, where they sit, so only a small tail of the page
    is scanned before the app block; those whose JSON starts like the app block are decoded at
    once, the others only if none of these is it (then in document order).
    """
    rfind, startswith = body.rfind, body.startswith
    deferred = []
    limit = scan = len(body)  # limit: start of the block after the current one
    misses = 0
    while True:
        # A one-byte rfind is a memrchr, several times faster than a multi-byte search, and "{" is
        # rare in the JSON near the end of the page; after many misses use the general search.
        if misses < _BRACE_TRIES:
            scan = rfind(b"{", 0, scan)
            if scan < _BRACE_AT:
                break
            if not startswith(_BLOCK, scan - _BRACE_AT):
                misses += 1
                continue
            scan -= _BRACE_AT
        elif (scan := rfind(_BLOCK, 0, scan)) < 0:
            break
        data_at = body.find(_DATA, scan, scan + _HEAD_MAX)
        if data_at >= 0:
            data_at += len(_DATA)
            if _LIKELY_APP.match(body, data_at):
                node = _app_node(_decode(body, data_at, limit))
                if node is not None:
                    return node
            else:
                deferred.append((data_at, limit))
        limit = scan
    for data_at, block_limit in reversed(deferred):
        node = _app_node(_decode(body, data_at, block_limit))
        if node is not None:
            return node
    raise _fail("no app data block (AF_initDataCallback with data[1][2][0][0] title) found")


# --------------------------------------------------------------------------------------------- fields


def _min_installs(app: list[Any], text: str) -> int | None:
    low = _int(app, P_MIN_INSTALLS, "min_installs")
    if low is None:  # derive it from the band's text ("1,000,000+")
        digits = re.sub(r"\D", "", text)
        low = int(digits) if digits and len(digits) <= 15 else None
    return low


def _score(app: list[Any]) -> float | None:
    value = _at(app, P_SCORE)
    return float(value) if type(value) in (int, float) and 0 <= value <= 5 else None


def _histogram(app: list[Any]) -> tuple[int, int, int, int, int] | None:
    node = _at(app, P_HISTOGRAM)
    if type(node) is not list or len(node) < 6:
        return None
    counts = []
    for stars, bar in enumerate(node[1:6], start=1):  # [null, [label, n1], ..., [label, n5]]
        if type(bar) is not list or len(bar) < 2 or type(bar[1]) is not int or bar[1] < 0:
            return None
        if bar[1] > MAX_INT64:
            raise _fail(f"histogram {stars}-star count {str(bar[1])[:40]} is out of range (above 2^63-1)",
                        field="histogram")
        counts.append(bar[1])
    return tuple(counts)  # type: ignore[return-value]


def _updated(app: list[Any]) -> str | None:
    value = _int(app, P_UPDATED, "updated")
    if value is None or not 0 < value < _MAX_EPOCH:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value))


def _app_id(app: list[Any], body: bytes, given: str | None) -> str:
    on_page = _at(app, P_PACKAGE)
    if given is not None:  # already checked to be a package name
        if type(on_page) is str and on_page != given and _PACKAGE.fullmatch(on_page):
            raise _fail(f"page is for {on_page}, not {given}", field="app_id")
        return given
    if type(on_page) is str and _PACKAGE.fullmatch(on_page):
        return on_page
    found = _CANONICAL.search(body)  # slow path: a scan of the whole page
    if found and _PACKAGE.fullmatch(package := found.group(1).decode("ascii")):
        return package
    raise _fail(f"missing field app_id ({_where(P_PACKAGE)} or canonical link); pass the app id",
                field="app_id")


def parse_play_details(body: bytes, *, app_id: str | None = None, country: str = "us") -> PlayAppDetails:
    """The app on a Google Play details page.

    Required: title, developer and the installs band (a missing one raises ``ParseError`` whose
    ``field`` names it); every other field is None when absent or not of the expected type.
    ``app_id`` defaults to the package named on the page and, when given, must match it.
    """
    if type(country) is not str or not _COUNTRY.fullmatch(country):
        if not isinstance(country, str) or not _COUNTRY.fullmatch(country.lower()):
            raise _fail(f"country {country!r} is not an ISO alpha-2 code")
        country = country.lower()
    if app_id is not None and (not isinstance(app_id, str) or not _PACKAGE.fullmatch(app_id)):
        raise _fail(f"app_id {app_id!r} is not a package name", field="app_id")
    if type(body) is not bytes:
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        elif isinstance(body, bytes | bytearray | memoryview):
            body = bytes(body)
        else:
            raise _fail(f"body must be bytes, got {type(body).__name__}")
    if not body or body.isspace():
        raise _fail("body is empty")

    app = _find_app_data(body)
    title = _required(app, P_TITLE, "title")
    developer = _required(app, P_DEVELOPER, "developer")
    installs_text = _required(app, P_INSTALLS_TEXT, "installs_text")
    return PlayAppDetails(
        app_id=_app_id(app, body, app_id),
        country=country,
        title=title,
        developer=developer,
        genre=_str(app, P_GENRE),
        genre_id=_str(app, P_GENRE_ID),
        installs_text=installs_text,
        min_installs=_min_installs(app, installs_text),
        real_installs=_int(app, P_REAL_INSTALLS, "real_installs"),
        score=_score(app),
        ratings=_int(app, P_RATINGS, "ratings"),
        reviews=_int(app, P_REVIEWS, "reviews"),
        histogram=_histogram(app),
        updated=_updated(app),
        released=_str(app, P_RELEASED),
        version=_str(app, P_VERSION),
        description=_str(app, P_SUMMARY) or _str(app, P_DESCRIPTION),
    )
