"""The endpoint registry (dramatrack/pipeline/endpoints.py): a new chart endpoint is one declaration plus its
parser, and goes through stage -> validate -> load like the built-in ones."""

from __future__ import annotations

from datetime import date

import pytest

from dramatrack.pipeline.endpoints import (
    APPSTORE_RSS_CHART,
    Endpoint,
    endpoint_for,
    endpoints,
    register,
    registered,
    validation_frames,
)
from dramatrack.pipeline.staging_store import staging_schema
from extractors.batches import country_manifest
from extractors.http_client import FetchRequest
from extractors.warc_archive import WarcArchive
from transforms.errors import ParseError
from transforms.records import APP_STORE, ChartEntry
from warehouse.sql_runner import SQL_DIR

DAY = date(2026, 11, 3)
TOY_APPS = [(str(6_790_000_000 + i), f"Toy Drama {i}") for i in range(1, 13)]


# --- the toy endpoint: its plan, its parser, its declaration ----------------------------------------------


def toy_requests(settings, country: str) -> list[FetchRequest]:
    return [FetchRequest(url=f"https://toy.example/{country}/top-free.tsv",
                         tags={"source": APP_STORE, "kind": "toy_chart", "country": country, "chart": "top-free",
                               "genre": "all"})]


def parse_toy_chart(body: bytes, tags) -> list[ChartEntry]:
    """One ``rank<TAB>track id<TAB>name`` line per app."""
    entries = []
    for n, line in enumerate(body.decode("utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].isdigit():
            raise ParseError("toy_chart", f"line {n}: expected rank, id and name, got {line[:40]!r}")
        rank, track_id, name = parts
        entries.append(ChartEntry(store=APP_STORE, country=tags["country"], chart=tags["chart"], genre=tags["genre"],
                                  feed="toy", rank=int(rank), store_app_id=track_id, name=name, publisher="Toy Ltd"))
    return entries


TOY_CHART = Endpoint(name="toy_chart", source=APP_STORE, kinds=("toy_chart",), plan=toy_requests,
                     parse=parse_toy_chart, record=ChartEntry, staged_as="chart_entries", suite="chart_entries",
                     load_sql="load_chart_entries.sql")


def _archive_day(settings, body: bytes, country: str = "us"):
    """The toy endpoint's planned requests, answered with ``body`` and archived as the fetch step would."""
    path = settings.data_dir / "raw" / f"toy_{country}.warc.gz"
    with WarcArchive(path) as archive:
        for req in TOY_CHART.plan(settings, country):
            archive.record(method="GET", url=req.url, request_headers=[], request_body=None, status=200,
                           reason="OK", response_headers=[("Content-Type", "text/tab-separated-values")],
                           body=body, tags=req.tags)
    return country_manifest(APP_STORE, DAY, country, path, 1, [])


def _toy_body() -> bytes:
    return "".join(f"{rank}\t{track_id}\t{name}\n" for rank, (track_id, name) in enumerate(TOY_APPS, 1)).encode()


@pytest.fixture
def settings(tmp_path):
    from dramatrack.settings import Settings

    return Settings(data_dir=tmp_path, countries=["us"])


# --- tests ----------------------------------------------------------------------------------------------------


def test_the_declarations_are_complete():
    declared = endpoints()
    assert {e.name for e in declared} >= {"appstore_rss_chart", "itunes_lookup", "google_play_chart",
                                          "google_play_details"}
    for e in declared:
        assert (SQL_DIR / e.load_sql).is_file(), e.name
        assert e.arrow_schema().names == list(e.record.__dataclass_fields__), e.name
    assert endpoint_for(APP_STORE, "rss_v2") is APPSTORE_RSS_CHART
    assert endpoint_for(APP_STORE, "no_such_kind") is None


def test_a_kind_belongs_to_one_endpoint():
    clash = Endpoint(name="second_rss", source=APP_STORE, kinds=("legacy_rss",), plan=toy_requests,
                     parse=parse_toy_chart, record=ChartEntry, staged_as="chart_entries", suite="chart_entries",
                     load_sql="load_chart_entries.sql")
    with pytest.raises(ValueError, match="legacy_rss"):
        register(clash)
    assert "second_rss" not in {e.name for e in endpoints()}


def test_a_toy_chart_endpoint_goes_through_stage_validate_and_load(settings):
    from dramatrack.pipeline.validate_load import load_report, stage_and_validate
    from warehouse.connection import connect

    frames = validation_frames()
    with registered(TOY_CHART):
        assert endpoint_for(APP_STORE, "toy_chart") is TOY_CHART
        assert validation_frames() == frames  # chart entries: validated by the chart suite already declared
        assert TOY_CHART.arrow_schema() == staging_schema(ChartEntry)
        manifest = _archive_day(settings, _toy_body())
        report_path = stage_and_validate(settings, [manifest], "toy_run")
        summary = load_report(settings, report_path)
    assert endpoint_for(APP_STORE, "toy_chart") is None, "registered() unregisters on exit"

    assert summary["loaded_batches"] == [manifest.batch_id] and summary["quarantined_batches"] == []
    with connect(settings.warehouse_path, read_only=True) as conn:
        rows = conn.execute("SELECT rank, store_app_id, name, feed, chart, genre FROM core.chart_entries "
                            "WHERE store = 'app_store' AND country = 'us' AND snapshot_date = ? ORDER BY rank",
                            [DAY]).fetchall()
        apps = dict(conn.execute("SELECT store_app_id, app_key FROM core.app_store_ids WHERE store = 'app_store'")
                    .fetchall())
    assert rows == [(rank, track_id, name, "toy", "top-free", "all")
                    for rank, (track_id, name) in enumerate(TOY_APPS, 1)]
    assert {track_id for track_id, _ in TOY_APPS} <= set(apps), "the charted apps are listed"


def test_a_bad_toy_answer_quarantines_its_batch_with_one_line(settings):
    from dramatrack.pipeline.validate_load import load_report, stage_and_validate

    with registered(TOY_CHART):
        manifest = _archive_day(settings, _toy_body() + b"not a chart line\n")
        report_path = stage_and_validate(settings, [manifest], "toy_bad")
        summary = load_report(settings, report_path)
    assert summary["quarantined_batches"] == [manifest.batch_id] and summary["loaded_batches"] == []
    import json

    (entry,) = json.loads(report_path.read_text(encoding="utf-8"))["batches"]
    (problem,) = [e for f in entry["failures"] for e in f["examples"]]
    assert problem.startswith("toy_chart: https://toy.example/us/top-free.tsv: line 13:"), problem
