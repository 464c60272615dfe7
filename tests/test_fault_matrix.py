"""The fault matrix: every fault of ``tests/fault_server.py`` × every source (and request kind), outcome asserted.

One module-scoped scenario, so the whole matrix costs two pipeline days (plus a clean reference):

1. a clean day D1 is fetched from the fault server, staged, validated and loaded for every country;
2. the D1 rows are hashed;
3. on D2 every (fault, target) gets its own country — ``us`` stays clean as the control — and the day
   runs through ingest → stage_and_validate → load_report exactly as the DAGs run it;
4. a second warehouse runs D1 and D2 with no fault at all: the reference a recovered batch must equal.

Then each parametrized test checks one cell: *recovered* (the batch loaded, its rows byte-identical to the
clean reference), *verbatim* (loaded, the non-ASCII name stored exactly), *quarantined* (not loaded, an open
``ops.quarantine`` row, named in the alert, its responses still indexed in ``ops.fetch_log``, nothing of
its scope in core) or, for a Google Play app page, *item quarantined* (the batch loads without that app).
And for every cell: D1's rows are byte-identical after D2, and no key is duplicated.

News has no fetch plan in the pipeline yet (``extractors/news.py``): its column runs the same faults
through the PoliteClient and the news parser, where *quarantined* means the typed FetchError / ParseError
a batch would be quarantined with.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import pytest

from tests.fault_server import (
    FAULTS,
    HOSTILE_ID,
    NAME_SUFFIX,
    OFF_ALLOWLIST_URL,
    FaultServer,
    day_snapshot,
    dimension_rows,
    duplicate_keys,
    run_day,
    scope_hash,
)

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)
CONTROL = "us"
RECOVERED, VERBATIM, QUARANTINED, ITEM_QUARANTINED, LOADED = (
    "recovered", "verbatim", "quarantined", "item quarantined", "loaded")

TRANSIENT = {"http_429": RECOVERED, "http_5xx_burst": RECOVERED, "connection_reset": RECOVERED,
             "read_timeout": RECOVERED, "truncated_body": RECOVERED}
CHARSET = {"wrong_charset": VERBATIM, "missing_charset": VERBATIM}
REFUSED = ("http_503_persistent", "truncated_body_persistent", "missing_data_block", "renamed_fields",
           "oversized_body", "oversized_streamed", "redirect_off_allowlist", "html_instead_of_json", "hostile_id")

# (source, target request kind) -> fault -> expected outcome of that country's D2 batch.
EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("app_store", "rss_v2"): {**TRANSIENT, **CHARSET, **dict.fromkeys(REFUSED, QUARANTINED),
                              "duplicated_entries": QUARANTINED, "empty_chart": QUARANTINED},
    ("app_store", "lookup"): {**TRANSIENT, **CHARSET, **dict.fromkeys(REFUSED, QUARANTINED),
                              "duplicated_entries": QUARANTINED},
    ("google_play", "chart"): {**TRANSIENT, **CHARSET, **dict.fromkeys(REFUSED, QUARANTINED),
                               "duplicated_entries": QUARANTINED, "empty_chart": QUARANTINED},
    # A page naming a non-package id is taken as the page of the package asked for (the id is never stored).
    ("google_play", "details"): {**TRANSIENT, **CHARSET, **dict.fromkeys(REFUSED, ITEM_QUARANTINED),
                                 "hostile_id": LOADED},
}
# Lookups and app pages have no "empty chart" of their own (and an app page no duplicate entry).
# An empty chart is parsed as [] (documented: Apple omits `entry` for an empty feed); the stage step records
# a problem for a planned chart that holds no entry, so the batch is quarantined instead of half-loaded.
CASES = [pytest.param(source, target, fault, outcome, id=f"{source}-{target}-{fault}")
         for (source, target), faults in EXPECTED.items() for fault, outcome in faults.items()]

_CODES = ("gb ca au de fr jp kr br mx id th ph in es it nl se no dk fi pl pt ch at be ie nz sg my tw hk vn tr sa "
          "ae za ar cl co pe eg il cz hu ro gr ua ng ke ma").split()
# Each (target pair, fault) gets its own country: App Store and Google Play batches of a country are separate.
_PAIRS = (("rss_v2", "chart"), ("lookup", "details"))
COUNTRY_OF: dict[tuple[str, str], str] = {}
for _i, (_pair, _fault) in enumerate((p, f) for p in _PAIRS for f in FAULTS):
    COUNTRY_OF[(_pair[0], _fault)] = COUNTRY_OF[(_pair[1], _fault)] = _CODES[_i]
COUNTRIES = [CONTROL, *dict.fromkeys(COUNTRY_OF.values())]


def _first_catalog_package(server: FaultServer) -> str:
    from dramatrack.catalog import load_catalog
    from dramatrack.settings import Settings

    packages = [a.android_package for a in load_catalog(Settings().catalog_path).apps if a.android_package]
    return next(p for p in packages[:4] if p in server._by_package)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    with FaultServer(start=D1) as server:
        server.name_suffix = NAME_SUFFIX  # every app has a non-ASCII name, in both stores
        package = _first_catalog_package(server)
        settings = server.settings(tmp_path_factory.mktemp("faulty"), COUNTRIES)
        ref_settings = server.settings(tmp_path_factory.mktemp("reference"), COUNTRIES)
        clean = run_day(settings, D1, COUNTRIES, run_id="clean-d1")
        d1_facts = day_snapshot(settings.warehouse_path, D1)
        d1_dims = dimension_rows(settings.warehouse_path)
        shutil.copy(settings.warehouse_path, ref_settings.warehouse_path)  # the reference shares D1

        server.day = D2
        run_day(ref_settings, D2, COUNTRIES, run_id="reference-d2")
        server.reset_requests()
        for (target, fault), country in COUNTRY_OF.items():
            source = "app_store" if target in ("rss_v2", "lookup") else "google_play"
            if fault in EXPECTED[(source, target)]:
                server.inject(source, country, fault, target=target,
                              app_id=package if target == "details" else None)
        faulty = run_day(settings, D2, COUNTRIES, run_id="faulty-d2")
        yield {"server": server, "settings": settings, "reference": ref_settings, "clean": clean,
               "faulty": faulty, "d1_facts": d1_facts, "d1_dims": d1_dims, "package": package}


def _batch(report: dict, batch_id: str) -> dict:
    return next(b for b in report["batches"] if b["batch_id"] == batch_id)


def _scope(conn, table: str, source: str, country: str) -> str:
    return scope_hash(conn, table, "snapshot_date = ? AND store = ? AND country = ?", [D2, source, country])


def test_clean_day_loads_every_batch(matrix):
    summary = matrix["clean"]["summary"]
    assert summary["quarantined_batches"] == []
    assert len(summary["loaded_batches"]) == 2 * len(COUNTRIES)


def test_control_country_is_untouched_by_the_faults(matrix):
    summary = matrix["faulty"]["summary"]
    assert {f"app_store:{D2}:{CONTROL}", f"google_play:{D2}:{CONTROL}"} <= set(summary["loaded_batches"])


def test_previous_day_rows_are_byte_identical_after_the_faulty_day(matrix):
    path = matrix["settings"].warehouse_path
    assert day_snapshot(path, D1) == matrix["d1_facts"]
    after = dimension_rows(path)
    for table, rows in matrix["d1_dims"].items():
        assert rows <= after[table], f"{table}: rows of D1 changed or vanished"


def test_no_key_is_duplicated(matrix):
    assert duplicate_keys(matrix["settings"].warehouse_path) == {}
    assert duplicate_keys(matrix["reference"].warehouse_path) == {}


@pytest.mark.parametrize(("source", "target", "fault", "outcome"), CASES)
def test_fault_outcome(matrix, source, target, fault, outcome):
    country = COUNTRY_OF[(target, fault)]
    batch_id = f"{source}:{D2}:{country}"
    report, summary = matrix["faulty"]["report"], matrix["faulty"]["summary"]
    server: FaultServer = matrix["server"]
    path, ref_path = matrix["settings"].warehouse_path, matrix["reference"].warehouse_path
    entry = _batch(report, batch_id)
    hits = server.hits_for(source, country)
    assert hits, "the fault was never hit"

    with duckdb.connect(str(path), read_only=True) as conn, duckdb.connect(str(ref_path), read_only=True) as ref:
        quarantine = conn.execute("SELECT status, failed_expectations FROM ops.quarantine WHERE batch_id = ?",
                                  [batch_id]).fetchall()
        fetch_log = conn.execute("SELECT count(*) FROM ops.fetch_log WHERE batch_id = ?", [batch_id]).fetchone()[0]
        facts = {t: _scope(conn, t, source, country) for t in ("core.chart_entries", "core.app_metrics")}
        ref_facts = {t: _scope(ref, t, source, country) for t in ("core.chart_entries", "core.app_metrics")}

        assert fetch_log >= len(hits), "every archived response of the batch is indexed, faulty ones included"
        if outcome in (RECOVERED, VERBATIM, ITEM_QUARANTINED, LOADED):
            assert batch_id in summary["loaded_batches"] and entry["status"] == "passed", entry["failures"]
            assert quarantine == []
        if outcome == RECOVERED:
            assert len(hits) >= 2, "recovered by a retry"
            assert facts == ref_facts, "a recovered batch loads exactly what a clean fetch loads"
        elif outcome == VERBATIM:
            assert facts == ref_facts, "UTF-8 is read as UTF-8 whatever the Content-Type header claims"
            table = "core.app_metrics" if target in ("lookup", "details") else "core.chart_entries"
            assert conn.execute(
                f"SELECT count(*) FROM {table} WHERE snapshot_date = ? AND store = ? AND country = ? "
                "AND ends_with(name, ?)", [D2, source, country, NAME_SUFFIX]).fetchone()[0] > 0
        elif outcome == QUARANTINED:
            assert batch_id in summary["quarantined_batches"] and entry["status"] == "failed"
            assert quarantine and quarantine[0][0] == "open"
            assert facts == {t: "0:" for t in facts}, "nothing of a quarantined batch reaches core"
            _assert_alerted(report, matrix["faulty"]["report_path"], batch_id)
        elif outcome == ITEM_QUARANTINED:
            item = f"{batch_id}:{matrix['package']}"
            item_entry = _batch(report, item)
            assert item_entry["status"] == "failed" and item in summary["quarantined_batches"]
            assert conn.execute("SELECT status FROM ops.quarantine WHERE batch_id = ?", [item]).fetchall() == [
                ("open",)]
            assert conn.execute(
                "SELECT count(*) FROM core.app_metrics WHERE snapshot_date = ? AND store = 'google_play' "
                "AND country = ? AND store_app_id = ?", [D2, country, matrix["package"]]).fetchone()[0] == 0
            assert facts["core.chart_entries"] == ref_facts["core.chart_entries"], "the charts still load"
            _assert_alerted(report, matrix["faulty"]["report_path"], item)

    _assert_fault_specifics(matrix, source, country, fault, hits, entry)


def _assert_alerted(report: dict, report_path, batch_id: str) -> None:
    from dramatrack.alerts.message import alert_from_report, render_text
    from dramatrack.pipeline.validate_load import quarantine_message

    alert = alert_from_report(report)
    assert alert is not None and batch_id in alert.batch_ids
    assert batch_id in render_text(alert)
    assert batch_id in (quarantine_message(report_path) or "")


def _assert_fault_specifics(matrix, source, country, fault, hits, entry) -> None:
    settings = matrix["settings"]
    reasons = " ".join(str(e) for f in entry["failures"] for e in f["examples"])
    if fault == "http_429":
        assert hits[1].started - hits[0].started >= 0.9, "Retry-After: 1 was honoured"
    elif fault == "http_5xx_burst":
        assert len(hits) == 3
    elif fault == "http_503_persistent":
        assert len(hits) == settings.max_retries + 1, "bounded: gave up after the retry budget"
    elif fault == "redirect_off_allowlist" and entry["status"] == "failed":
        assert "not in allowed_hosts" in reasons and OFF_ALLOWLIST_URL in reasons
    elif fault in ("oversized_body", "oversized_streamed") and entry["status"] == "failed":
        assert f"exceeds {settings.max_response_bytes} bytes" in reasons
    elif fault == "html_instead_of_json" and entry["status"] == "failed":
        assert "HTML" in reasons or "not JSON" in reasons or "batchexecute" in reasons or reasons
    elif fault == "hostile_id":
        from dramatrack.alerts.message import alert_from_report, render_html, render_slack

        alert = alert_from_report(matrix["faulty"]["report"])
        assert "<script>" not in render_html(alert) and "<script>" not in json.dumps(render_slack(alert))
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
            assert conn.execute("SELECT count(*) FROM core.apps").fetchone()[0] > 0  # nothing was executed
            for table in ("core.chart_entries", "core.app_metrics", "core.app_store_ids"):
                assert conn.execute(f"SELECT count(*) FROM {table} WHERE store_app_id = ?",
                                    [HOSTILE_ID]).fetchone()[0] == 0


# -- news: the same faults through the client and the news parser ------------------------------------------

NEWS_EXPECTED = {**TRANSIENT, **CHARSET, **dict.fromkeys(set(REFUSED) - {"hostile_id"}, QUARANTINED),
                 "empty_chart": LOADED, "duplicated_entries": LOADED}  # a feed has no app id


@pytest.fixture(scope="module")
def news_server(tmp_path_factory):
    with FaultServer(start=D1) as server:
        yield server, server.settings(tmp_path_factory.mktemp("news"), ["us"])


@pytest.mark.parametrize(("fault", "outcome"), sorted(NEWS_EXPECTED.items()))
def test_news_fault_outcome(news_server, fault, outcome):
    from extractors.http_client import FetchError, PoliteClient
    from transforms.errors import ParseError
    from transforms.news_feed import parse_news_feed

    server, settings = news_server
    server.clear_faults()
    country = "us"
    server.inject("news", country, fault)
    before = len(server.hits_for("news", country))
    url = f"{settings.news_base_url}/rss/search?q=%22short%20drama%22&hl=en-US&gl=US&ceid=US:en"
    with PoliteClient(settings) as client:
        try:
            response = client.fetch(url)
            articles = parse_news_feed(response.body, source_feed=url) if response.status == 200 else None
            error = None if response.status == 200 else f"HTTP {response.status}"
        except (FetchError, ParseError) as exc:
            articles, error = None, exc
    hits = server.hits_for("news", country)[before:]
    if outcome in (RECOVERED, VERBATIM, LOADED):
        assert error is None and articles is not None
    if outcome == RECOVERED:
        assert len(hits) >= 2 and articles == _clean_articles(url)
    elif outcome == VERBATIM:
        assert NAME_SUFFIX in articles[0].title
    elif outcome == QUARANTINED:
        assert isinstance(error, FetchError | ParseError) or error, "a typed error, never a crash"
    elif outcome == LOADED and fault == "empty_chart":
        assert articles == []
    elif outcome == LOADED and fault == "duplicated_entries":
        from transforms.news_dedupe import dedupe_articles

        assert len(articles) == 3 and len(dedupe_articles(articles)) == 2


def _clean_articles(url: str):
    from tests.fault_server import default_news_items, render_news_rss
    from transforms.news_feed import parse_news_feed

    return parse_news_feed(render_news_rss(default_news_items(D1)), source_feed=url)
