"""Parser for a Google Play top chart: the ``batchexecute`` response of the ``vyAe2`` RPC.

The response starts with ``)]}'``, then (with ``rt=c``) length-prefixed chunks, each a JSON array of
envelopes. The ``["wrb.fr", "vyAe2", "<JSON string>", ...]`` envelope carries the chart as a JSON
string; its apps are at ``[0][1][0][28][0]`` and, per app, ``[0][0][0]`` package, ``[0][3]`` title,
``[0][14]`` developer, ``[0][4][1]`` score, ``[0][15]`` installs text.

Pure function: bytes in, ``ChartEntry`` records out. Anything without that shape raises
``ParseError("gplay-chart", ...)`` and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from transforms.body_text import body_text
from transforms.errors import ParseError
from transforms.records import CHARTS, MAX_INT64, ChartEntry

SOURCE = "gplay-chart"
STORE = "google_play"
FEED = "batchexecute"
RPC_ID = "vyAe2"

# Store-neutral chart name -> the Play "collection" (cluster) the vyAe2 RPC is asked for.
PLAY_COLLECTIONS = {"top-free": "topselling_free", "top-paid": "topselling_paid", "top-grossing": "topgrossing"}
_CHART_OF_COLLECTION = {v: k for k, v in PLAY_COLLECTIONS.items()}

_XSSI_PREFIX = ")]}'"
_COUNTRY = re.compile(r"[a-z]{2}")
_CATEGORY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")
_COLLECTION_IN_TOKEN = re.compile(rb"(?:topselling_free|topselling_paid|topgrossing)_")
_APPS = (0, 1, 0, 28, 0)
_CLUSTER = (0, 1, 0)
_TOKEN = (3, 0)  # in the cluster: base64 protobuf naming it, e.g. "topselling_free_GAME"
_DECODER = json.JSONDecoder()


class _Bad(Exception):
    """Internal: a shape problem in one app, turned into a ParseError naming its rank."""


def _fail(reason: str) -> ParseError:
    return ParseError(SOURCE, reason)


def _at(node: Any, path: tuple[int, ...]) -> Any:
    """``node[path[0]][path[1]]...`` through lists only; None when any step is missing."""
    for i in path:
        if type(node) is not list or i >= len(node):
            return None
        node = node[i]
    return node


# --------------------------------------------------------------------------------------------- envelope


def _envelopes(text: str) -> list[Any]:
    """Every envelope of a batchexecute body: the chunks' arrays, concatenated.

    Handles both framings: ``rt=c`` (each chunk preceded by a line with its length) and the plain
    one (the arrays follow the prefix directly). Lengths are not trusted (they count UTF-16 units);
    each chunk is read as one JSON value.
    """
    if not text.startswith(_XSSI_PREFIX):
        raise _fail(f"not a batchexecute response (no {_XSSI_PREFIX} prefix)")
    out: list[Any] = []
    pos, size = len(_XSSI_PREFIX), len(text)
    while True:
        while pos < size and text[pos] in " \t\r\n":
            pos += 1
        if pos >= size:
            return out
        if text[pos].isdigit():  # a chunk length line
            end = text.find("\n", pos)
            if end < 0 or not text[pos:end].strip().isdigit():
                raise _fail(f"bad chunk length line at offset {pos}")
            pos = end + 1
            continue
        try:
            chunk, pos = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            raise _fail(f"chunk at offset {pos} is not JSON ({str(exc).splitlines()[0][:80]})") from None
        if type(chunk) is not list:
            raise _fail(f"chunk at offset {pos} is a JSON {type(chunk).__name__}, not an array")
        out.extend(chunk)


def _rpc_payload(envelopes: list[Any]) -> Any:
    """The decoded JSON string of the ``wrb.fr`` / ``vyAe2`` envelope."""
    for env in envelopes:
        if type(env) is list and len(env) >= 2 and env[0] == "wrb.fr" and env[1] == RPC_ID:
            payload = env[2] if len(env) > 2 else None
            if payload is None:  # the RPC failed: its error status sits further along the envelope
                detail = json.dumps(env[5] if len(env) > 5 else None)[:80]
                raise _fail(f"{RPC_ID} returned no payload (error {detail})")
            if type(payload) is not str:
                raise _fail(f"{RPC_ID} payload is a JSON {type(payload).__name__}, not a string")
            try:
                return json.loads(payload)
            except (ValueError, RecursionError) as exc:
                raise _fail(f"{RPC_ID} payload is not JSON ({str(exc).splitlines()[0][:80]})") from None
    if any(type(env) is list and env[:1] == ["er"] for env in envelopes):
        raise _fail("batchexecute answered with an error envelope")
    raise _fail(f"no wrb.fr {RPC_ID} entry in the response")


def _check_cluster(cluster: list[Any], chart: str, genre: str) -> None:
    """Reject a payload filed under the wrong chart or category.

    The cluster carries a base64 protobuf token naming its collection, e.g. ``topselling_free_GAME``
    (a length-prefixed string). Unreadable or absent tokens are not an error.
    """
    token = _at(cluster, _TOKEN)
    if type(token) is not str or len(token) > 1024:
        return
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_")
    except (binascii.Error, ValueError):
        return
    found = _COLLECTION_IN_TOKEN.search(raw)
    if found is None or found.start() == 0:
        return
    size = raw[found.start() - 1]  # protobuf length byte of the string
    name = raw[found.start() : found.start() + size].decode("ascii", "replace")
    expected = f"{PLAY_COLLECTIONS[chart]}_{genre}"
    if size < 0x80 and name != expected:
        raise _fail(f"payload is the {name} chart, not {expected}")


# --------------------------------------------------------------------------------------------- apps


def _text(app: list[Any], i: int, what: str, *, required: bool = False) -> str | None:
    value = app[i] if i < len(app) else None
    if value is None or value == "":
        if required:
            raise _Bad(f"missing {what} ([0][{i}])")
        return None
    if type(value) is not str:
        raise _Bad(f"{what} ([0][{i}]) is not a string")
    return value


def _score(app: list[Any]) -> float | None:
    value = _at(app, (4, 1))
    if value is None:
        return None
    if type(value) not in (int, float) or not 0 <= value <= 5:
        raise _Bad(f"score ([0][4][1]) {str(value)[:20]!r} is not a rating in [0, 5]")
    return float(value)


def _summary(app: list[Any]) -> str | None:
    value = _at(app, (13, 1))
    return value if type(value) is str and value else None


def _price(app: list[Any]) -> tuple[float | None, str | None]:
    offer = _at(app, (8, 1, 0))  # [micros, "USD", "formatted"]
    micros, currency = _at(offer, (0,)), _at(offer, (1,))
    if type(micros) is not int or micros < 0 or type(currency) is not str:
        return None, None
    if micros > MAX_INT64:
        raise _Bad(f"price micros ([0][8][1][0][0]) {str(micros)[:40]} is out of range (above 2^63-1)")
    return micros / 1_000_000, currency


def _entry(item: Any, rank: int, country: str, chart: str, genre: str) -> ChartEntry:
    app = _at(item, (0,))
    if type(app) is not list:
        raise _Bad("is not an app list")
    package = _at(app, (0, 0))
    if type(package) is not str or not _PACKAGE.fullmatch(package):
        raise _Bad(f"package ([0][0][0]) {str(package)[:60]!r} is not a package name")
    price, currency = _price(app)
    return ChartEntry(
        store=STORE,
        country=country,
        chart=chart,
        genre=genre,
        feed=FEED,
        rank=rank,
        store_app_id=package,
        name=_text(app, 3, "title", required=True) or "",
        publisher=_text(app, 14, "developer"),
        genre_name=_text(app, 5, "category"),
        price=price,
        currency=currency,
        summary=_summary(app),
        score=_score(app),
        installs_text=_text(app, 15, "installs"),
    )


def parse_play_chart(
    body: bytes, *, country: str = "us", chart: str = "top-free", genre: str = "GAME"
) -> list[ChartEntry]:
    """One ``ChartEntry`` per app of a ``vyAe2`` top-chart response, rank = position + 1.

    ``genre`` is the Play category the chart was asked for ("GAME", "ENTERTAINMENT", "APPLICATION").
    A chart without apps gives ``[]``.
    """
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country.lower()):
        raise _fail(f"country {country!r} is not an ISO alpha-2 code")
    if chart not in CHARTS:
        raise _fail(f"unknown chart {chart!r} (expected one of {', '.join(CHARTS)})")
    if not isinstance(genre, str) or not _CATEGORY.fullmatch(genre):
        raise _fail(f"genre {genre!r} is not a Play category id (e.g. GAME, ENTERTAINMENT)")
    text = body_text(body, SOURCE)
    country = country.lower()

    payload = _rpc_payload(_envelopes(text.lstrip()))
    if type(payload) is not list or type(_at(payload, (0,))) is not list:
        raise _fail(f"{RPC_ID} payload is not [[...]]")
    clusters = _at(payload, (0, 1))
    if clusters is None or clusters == []:
        return []
    cluster = _at(payload, _CLUSTER)
    if type(cluster) is not list:
        raise _fail(f"{RPC_ID} payload has no cluster at [0][1][0]")
    _check_cluster(cluster, chart, genre)
    apps = _at(payload, _APPS)
    if apps is None and _at(cluster, (28,)) in (None, []):
        return []
    if type(apps) is not list:
        raise _fail(f"apps at {list(_APPS)} is not a list")
    entries = []
    for pos, item in enumerate(apps):
        try:
            entries.append(_entry(item, pos + 1, country, chart, genre))
        except _Bad as exc:
            raise _fail(f"app {pos + 1}: {exc}") from None
    return entries
