"""The endpoint registry: one declaration per source endpoint, which the stage and validate steps iterate over.

An :class:`Endpoint` names how its requests are planned (``plan``, in ``extractors``), the ``kind`` tag they
carry into the WARC archive, its parser (``transforms``), its record type (the Arrow schema of the staged
records is derived from it: ``arrow_schema``), the GX suite that validates those records (``expectations``)
and the loader SQL that writes them (``warehouse/sql``). The stage step stages every archived response through
the endpoint of its source and kind (:func:`stage_response`); the validate step builds one frame per suite of
the registered endpoints. Adding a chart endpoint whose records are chart entries is one declaration plus its
parser (and its SQL when the records are of a new kind): see docs/architecture.md.

News is staged by ``stage_news`` (stories are deduplicated across a day's feeds) and is not declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from dramatrack.pipeline.staged import StagedBatch, item_batch_id
from dramatrack.pipeline.staging_store import staging_schema
from extractors import appstore, google_play
from transforms.appstore_rss import parse_appstore_rss
from transforms.errors import ParseError
from transforms.google_play_chart import parse_play_chart
from transforms.google_play_details import parse_play_details
from transforms.itunes_lookup import parse_itunes_lookup
from transforms.records import APP_STORE, GOOGLE_PLAY, AppLookup, ChartEntry, PlayAppDetails

Parser = Callable[[bytes, Mapping[str, Any]], Sequence[Any]]


@dataclass(frozen=True)
class Endpoint:
    """One source endpoint, declared once."""

    name: str
    source: str  # the batch's source: app_store, google_play
    kinds: tuple[str, ...]  # the ``kind`` tag its requests carry (extractors tag them; the archive keeps it)
    plan: Callable[..., list]  # settings, country[, ids] -> the FetchRequests (extractors)
    parse: Parser  # response body, request tags -> records
    record: type  # the record dataclass (transforms/records.py)
    staged_as: str  # the StagedBatch field the records go to, and the staging relation they load from
    suite: str  # the GX suite validating them (expectations/suites.py)
    load_sql: str  # the warehouse/sql file loading them
    required: bool = True  # an empty answer fails the batch (a chart): loading the other charts is a half-load
    item_tag: str | None = None  # a tag naming an item (a Play app page): its parse error fails the item alone

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of the staged records, from the record's field annotations."""
        return staging_schema(self.record)


_REGISTRY: dict[str, Endpoint] = {}


def register(endpoint: Endpoint) -> Endpoint:
    """Declare an endpoint; a second endpoint with its name, or with its source and kind, is an error."""
    if endpoint.name in _REGISTRY:
        raise ValueError(f"endpoint {endpoint.name!r} is registered already")
    if endpoint.staged_as not in StagedBatch.__dataclass_fields__:
        raise ValueError(f"endpoint {endpoint.name!r}: StagedBatch has no field {endpoint.staged_as!r}")
    for kind in endpoint.kinds:
        other = endpoint_for(endpoint.source, kind)
        if other is not None:
            raise ValueError(f"endpoint {endpoint.name!r}: {endpoint.source} kind {kind!r} is {other.name!r}'s")
    _REGISTRY[endpoint.name] = endpoint
    return endpoint


@contextmanager
def registered(endpoint: Endpoint) -> Iterator[Endpoint]:
    """Register ``endpoint`` for the duration of a ``with`` block (tests, experiments)."""
    register(endpoint)
    try:
        yield endpoint
    finally:
        _REGISTRY.pop(endpoint.name, None)


def endpoints(source: str | None = None) -> list[Endpoint]:
    """The registered endpoints (of one source), in registration order."""
    return [e for e in _REGISTRY.values() if source is None or e.source == source]


def endpoint_for(source: str, kind: str | None) -> Endpoint | None:
    """The endpoint answering a request of ``source`` tagged ``kind``, if any."""
    return next((e for e in _REGISTRY.values() if e.source == source and kind in e.kinds), None)


def validation_frames() -> list[tuple[str, str]]:
    """(GX suite, StagedBatch field) of each batch-level suite, once each, in registration order."""
    out: list[tuple[str, str]] = []
    for e in _REGISTRY.values():
        if e.item_tag is None and (e.suite, e.staged_as) not in out:
            out.append((e.suite, e.staged_as))
    return out


def stage_response(staged: StagedBatch, resp) -> None:
    """Parse one archived response through its endpoint into ``staged``; a response of no endpoint is skipped.

    A parse error is a problem of the batch (or, for an endpoint with an ``item_tag``, of that item alone).
    """
    tags = resp.tags
    endpoint = endpoint_for(staged.manifest.source, tags.get("kind"))
    if endpoint is None:
        return
    try:
        records = endpoint.parse(resp.body, tags)
    except ParseError as exc:
        line = exc.with_location(resp.url).one_line()
        if endpoint.item_tag is None:
            staged.problems.append(line)
        else:
            item = item_batch_id(staged.batch_id, tags[endpoint.item_tag])
            staged.item_problems.setdefault(item, []).append(line)
        return
    if endpoint.required and not records:
        staged.problems.append(f"{staged.manifest.source}: {resp.url}: the chart is empty")
    getattr(staged, endpoint.staged_as).extend(records)


# --- the declared endpoints ----------------------------------------------------------------------------------

APPSTORE_RSS_CHART = register(Endpoint(
    name="appstore_rss_chart", source=APP_STORE, kinds=("rss_v2", "legacy_rss"), plan=appstore.chart_requests,
    parse=lambda body, tags: parse_appstore_rss(body, country=tags["country"], chart=tags["chart"],
                                                genre=tags.get("genre")),
    record=ChartEntry, staged_as="chart_entries", suite="chart_entries", load_sql="load_chart_entries.sql",
))
ITUNES_LOOKUP = register(Endpoint(
    name="itunes_lookup", source=APP_STORE, kinds=("lookup",), plan=appstore.lookup_requests,
    parse=lambda body, tags: parse_itunes_lookup(body, country=tags["country"]),
    record=AppLookup, staged_as="lookups", suite="app_lookups", load_sql="load_app_metrics.sql", required=False,
))
PLAY_CHART = register(Endpoint(
    name="google_play_chart", source=GOOGLE_PLAY, kinds=("chart",), plan=google_play.chart_requests,
    parse=lambda body, tags: parse_play_chart(body, country=tags["country"], chart=tags["chart"],
                                              genre=tags["genre"]),
    record=ChartEntry, staged_as="chart_entries", suite="chart_entries", load_sql="load_chart_entries.sql",
))
PLAY_DETAILS = register(Endpoint(
    name="google_play_details", source=GOOGLE_PLAY, kinds=("details",), plan=google_play.details_requests,
    parse=lambda body, tags: [parse_play_details(body, app_id=tags["app_id"], country=tags["country"])],
    record=PlayAppDetails, staged_as="play_details", suite="play_app_details", load_sql="load_play_metrics.sql",
    required=False, item_tag="app_id",
))
