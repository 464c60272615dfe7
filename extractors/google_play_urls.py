"""URLs and request bodies of the Google Play endpoints, built from a configured base URL (so tests
and mirrors can redirect them). Pure string builders: no network."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote, urlencode

from transforms.google_play_chart import PLAY_COLLECTIONS, RPC_ID

BATCHEXECUTE_PATH = "/_/PlayStoreUi/data/batchexecute"
MAX_CHART_COUNT = 200

# Which app fields the vyAe2 RPC is asked to fill in (an opaque list the web client sends). The
# parser reads [0][0] package, [0][3] title, [0][4] score, [0][5] category, [0][8] offer,
# [0][13] description, [0][14] developer and [0][15] installs.
CHART_FIELD_MASK: tuple[int, ...] = (
    1, 8, 9, 10, 11, 12, 16, 27, 30, 31, 32, 34, 55, 56, 57, 64, 71, 72, 96, 100, 104, 108, 110, 113,
    122, 139, 145, 148, 150, 151, 152, 163, 165, 169, 195,
)  # fmt: skip


def details_url(base_url: str, app_id: str, country: str, lang: str = "en") -> str:
    """An app's details page (``hl`` = language, ``gl`` = country)."""
    query = urlencode({"id": app_id, "hl": lang, "gl": country})
    return f"{base_url.rstrip('/')}/store/apps/details?{query}"


def chart_url(base_url: str, country: str, lang: str = "en") -> str:
    """The batchexecute endpoint for the ``vyAe2`` top-chart RPC (POST ``build_chart_request_body``).

    ``rt=c`` asks for the length-prefixed chunked answer the chart parser reads. The session
    parameters a browser adds (``f.sid``, ``bl``, ``_reqid``) are optional and left out.
    """
    query = urlencode(
        {
            "rpcids": RPC_ID,
            "source-path": "/store/apps",
            "hl": lang,
            "gl": country,
            "authuser": "",
            "soc-app": "121",
            "soc-platform": "1",
            "soc-device": "1",
            "rt": "c",
        },
        quote_via=quote,
        safe="",
    )
    return f"{base_url.rstrip('/')}{BATCHEXECUTE_PATH}?{query}"


def chart_rpc_args(chart: str, genre: str, count: int, field_mask: Sequence[int] = CHART_FIELD_MASK) -> list:
    """The ``vyAe2`` argument list: page size ``[20, count]``, field mask and ``[2, collection, category]``."""
    if chart not in PLAY_COLLECTIONS:
        raise ValueError(f"unknown chart {chart!r} (expected one of {', '.join(PLAY_COLLECTIONS)})")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CHART_COUNT:
        raise ValueError(f"count must be an int in [1, {MAX_CHART_COUNT}], got {count!r}")
    if not genre or not genre.replace("_", "").isalnum() or genre.upper() != genre:
        raise ValueError(f"genre {genre!r} is not a Play category id (e.g. GAME, ENTERTAINMENT)")
    return [[None, [[8, [20, count]], True, None, list(field_mask)], [2, PLAY_COLLECTIONS[chart], genre]]]


def build_chart_request_body(
    chart: str, genre: str, count: int = 100, *, field_mask: Sequence[int] = CHART_FIELD_MASK
) -> bytes:
    """The form body (``application/x-www-form-urlencoded``) of one ``vyAe2`` top-chart call.

    ``f.req`` is ``[[["vyAe2", "<args as a JSON string>", null, "generic"]]]``.
    """
    args = json.dumps(chart_rpc_args(chart, genre, count, field_mask), separators=(",", ":"))
    freq = json.dumps([[[RPC_ID, args, None, "generic"]]], separators=(",", ":"))
    return urlencode({"f.req": freq}, quote_via=quote, safe="").encode("ascii")
