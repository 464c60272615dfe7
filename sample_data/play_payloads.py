"""Render Google Play responses in the real formats: a details page with ``AF_initDataCallback`` blocks,
and a ``vyAe2`` batchexecute answer. Used by the sample capture and by the test fixtures.

Shapes follow ``../shared/reference/README.md``: app fields under ``data[1][2]`` of the details block,
chart apps at ``[0,1,0,28,0]`` of the RPC payload.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

NONCE = "fXq3Tn0wQkKzV1t2c9Lr8A"


@dataclass(frozen=True)
class PlayApp:
    """One app as the synthetic Play store shows it."""

    package: str
    title: str
    developer: str
    category: str  # "ENTERTAINMENT", "COMMUNICATION", ...
    category_name: str
    score: float | None
    ratings: int
    reviews: int
    real_installs: int
    version: str
    updated: datetime
    released: str
    summary: str


def google_json(value: Any) -> str:
    """JSON the way the Play pages write it: compact, raw UTF-8, HTML-sensitive characters escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch in "=&<>'":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def sparse(size: int, values: dict[int, Any]) -> list[Any]:
    """A list of ``size`` nulls with ``values`` at their indexes (Google's positional arrays)."""
    out: list[Any] = [None] * size
    for i, v in values.items():
        out[i] = v
    return out


INSTALL_BANDS = [1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000,
                 10_000_000, 50_000_000, 100_000_000, 500_000_000, 1_000_000_000, 5_000_000_000]


def install_band(real_installs: int) -> int:
    """The public lower bound ("10,000,000+") of an exact install count."""
    return max([b for b in INSTALL_BANDS if b <= real_installs] or [0])


def app_block_data(app: PlayApp) -> list[Any]:
    """The ``data`` of the details page's app block."""
    link = [None, None, None, None, [None, None, f"/store/apps/details?id={app.package}"]]
    band = install_band(app.real_installs)
    stars = [round(app.ratings * w) for w in (0.06, 0.03, 0.05, 0.12, 0.74)]
    values: dict[int, Any] = {
        0: [app.title],
        10: [app.released],
        13: [f"{band:,}+", band, app.real_installs, f"{band // 1_000_000}M+" if band >= 1_000_000 else f"{band:,}+"],
        57: [[[[[None, [[0, "USD", ""]], None, [None, "Install"], None, 1, link]]]]],
        68: [app.developer, link, str(zlib.crc32(app.developer.encode()) * 7919)],
        72: [[None, app.summary]],
        73: [[None, app.summary]],
        77: [app.package],
        79: [[[app.category_name, [None, None, None, None, [None, None, f"/store/apps/category/{app.category}"]],
               app.category]]],
        140: [[[app.version]], [[[24, "7.0"]], [None, []]]],
        145: [[app.updated.strftime("%b %-d, %Y"), [int(app.updated.timestamp()), 0]]],
    }
    if app.score is not None:
        values[51] = [
            [f"{app.score:.1f}", app.score],
            [None, *[[f"{n:,}", n] for n in stars]],
            [f"{app.ratings:,}", app.ratings],
            [f"{app.reviews:,}", app.reviews],
            None,
            [None, []],
        ]
    app_node = sparse(156, values)
    return [[[[]]], [None, None, app_node, [None, None, None, [app.package, 7]]], None]


def render_details_page(app: PlayApp) -> bytes:
    """A details page: several ``AF_initDataCallback`` blocks, the app block among them (not at a fixed key)."""
    blocks: list[tuple[str, Any]] = [
        ("ds:0", [[[11, [None, None, None, None, [None, None, "/store/games"]], "Games"],
                   [1, [None, None, None, None, [None, None, "/store/apps"]], "Apps"]]]),
        ("ds:2", [1]),
        ("ds:3", [[1, f"/store/apps/details?id={app.package}", app.title]]),
        ("ds:5", app_block_data(app)),
        ("ds:7", [None, [None, [[{"4": ["qgJlEmMQAKIBEwjf"]}]]]]),
    ]
    scripts = "".join(
        f'<script class="{key}" nonce="{NONCE}">AF_initDataCallback({{key: \'{key}\', hash: \'{n + 1}\', '
        f"data:{google_json(data)}, sideChannel: {{}}}});</script>"
        for n, (key, data) in enumerate(blocks)
    )
    title = app.title.replace("&", "&amp;").replace("<", "&lt;")
    page = (
        '<!doctype html><html lang="en" dir="ltr"><head><base href="https://play.google.com/">'
        f'<meta charset="utf-8"><title>{title} - Apps on Google Play</title>'
        f'<link rel="canonical" href="https://play.google.com/store/apps/details?id={app.package}&amp;hl=en">'
        f'<script nonce="{NONCE}">var AF_initDataCallback = function(c) {{ AF_dataServiceRequests[c.key] = c; }};'
        f'</script></head><body><c-wiz jsrenderer="KRaI3b"><h1 itemprop="name"><span>{title}</span></h1>'
        f"</c-wiz>{scripts}</body></html>"
    )
    return page.encode("utf-8")


def _pb_field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (short payloads)."""
    tag = (number << 3) | 2
    head = bytes([tag]) if tag < 0x80 else bytes([(tag & 0x7F) | 0x80, tag >> 7])
    return head + bytes([len(payload)]) + payload


def cluster_token(collection: str, category: str) -> str:
    """The opaque cluster token naming the chart (``topselling_free_ENTERTAINMENT``)."""
    name = f"{collection}_{category}".encode("ascii")
    inner = _pb_field(1, _pb_field(1, name) + b"\x10\x2d\x18\x03")
    return base64.b64encode(_pb_field(37, _pb_field(2, inner))).decode("ascii")


def chart_app(app: PlayApp) -> list[Any]:
    """One app of a chart cluster."""
    package = app.package
    band = install_band(app.real_installs)
    node = sparse(30, {
        0: [package, 7],
        1: [None, 2, [512, 512], [None, None, f"https://play-lh.example/{package}/icon"]],
        3: app.title,
        4: [f"{app.score:.1f}", app.score] if app.score is not None else None,
        5: app.category_name,
        8: [None, [[0, "USD", ""]], None, [None, "Install"], None, 1,
            [None, None, None, None, None, [None, None, f"https://play.google.com/store/apps/details?id={package}"]]],
        9: [],
        10: [None, None, None, None, [None, None, f"/store/apps/details?id={package}"]],
        13: [None, app.summary],
        14: app.developer,
        15: f"{band:,}+",
        17: "",
        28: [1, True, False],
    })
    return [node, None, None]


def chart_payload(apps: list[PlayApp] | None, collection: str, category: str) -> list[Any]:
    """The ``vyAe2`` RPC payload: one cluster holding the ranked apps (None: a cluster with no apps)."""
    cluster = sparse(29, {3: [cluster_token(collection, category)]})
    if apps is not None:
        cluster[28] = [[chart_app(a) for a in apps],
                       [[[[None, None, []]]], [[[None, None, None, None, None, []]]], None, []]]
    return [[None, [cluster], None, [], True, ["qgIMCgoKBlNUUkVBTRoA"]]]


def render_batchexecute(payload: list[Any]) -> bytes:
    """A ``rt=c`` batchexecute answer: ``)]}'`` then chunks, each preceded by its length in UTF-16 units."""

    def chunk(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return f"{len(text.encode('utf-16-le')) // 2 + 2}\n{text}\n"

    rpc = ["wrb.fr", "vyAe2", json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
           None, None, None, "generic"]
    body = ")]}'\n\n" + chunk([rpc])
    body += chunk([["di", 187], ["af.httprm", 186, "-4417372910338719112", 21]])
    body += chunk([["e", 4, None, None, len(body.encode("utf-8")) + 40]])
    return body.encode("utf-8")


def render_chart(apps: list[PlayApp], collection: str, category: str) -> bytes:
    """A whole chart answer."""
    return render_batchexecute(chart_payload(apps, collection, category))
