"""The whole DAG chain on a sample capture, through Airflow (dag.test), against a fresh warehouse.

One module-scoped run: 2 days × 3 countries, with a planted duplicate rank in one batch. Then checks:
the chain ran in Airflow, the defective batch is quarantined (not loaded) while the rest loads, the
market-share mart is sound, and re-running the same day leaves every core and marts table identical.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from dramatrack.settings import get_settings

COUNTRIES = ["us", "gb", "mx"]
START = date(2026, 11, 1)
DEFECT = ("mx", 1)  # the second day in mx has a duplicated rank


def table_hashes(path) -> dict[str, str]:
    """A content hash of every core and marts table (order-independent)."""
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema IN ('core', 'marts') ORDER BY 1").fetchall()
        out = {}
        for (name,) in tables:
            out[name] = conn.execute(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') "
                f"FROM {name} t").fetchone()[0]
        return out


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, airflow_db):
    import os

    data_dir = tmp_path_factory.mktemp("data")
    os.environ["DRAMATRACK_DATA_DIR"] = str(data_dir)
    os.environ["DRAMATRACK_COUNTRIES"] = ",".join(COUNTRIES)
    os.environ["DRAMATRACK_PLAY_CHART_COUNT"] = "30"
    get_settings.cache_clear()
    settings = get_settings()
    from dramatrack_cli.run_cmd import run_days
    from sample_data.generate_capture import generate

    capture = data_dir / "capture"
    generate(capture, START, 2, COUNTRIES, plant_defect=DEFECT, settings=settings)
    lines: list[str] = []
    results = run_days([START, date(2026, 11, 2)], ["app_store", "google_play"], COUNTRIES, capture,
                       echo=lines.append)
    first_hashes = table_hashes(settings.warehouse_path)
    yield {"settings": settings, "results": results, "capture": capture, "hashes": first_hashes, "lines": lines}
    del os.environ["DRAMATRACK_DATA_DIR"], os.environ["DRAMATRACK_COUNTRIES"], os.environ["DRAMATRACK_PLAY_CHART_COUNT"]
    get_settings.cache_clear()


def test_chain_runs_every_dag_through_airflow(pipeline):
    by_dag: dict[str, list[str]] = {}
    for result in pipeline["results"]:
        by_dag.setdefault(result.dag_id, []).append(result.state)
    assert by_dag["appstore_ingest"] == ["success", "success"]
    assert by_dag["google_play_ingest"] == ["success", "success"]
    # both sources' raw events of a day trigger one stage-validate-load run, as the scheduler batches them
    assert by_dag["marts_build"] == ["success", "success"]
    # day 1 is clean; day 2 quarantines the planted batch, so that run fails visibly (after loading the rest)
    assert by_dag["stage_validate_load"] == ["success", "failed"]
    failed = [r for r in pipeline["results"] if r.state == "failed"][0]
    assert failed.failed_tasks == ["fail_on_quarantine"]


def test_defective_batch_is_quarantined_and_the_rest_loads(pipeline):
    settings = pipeline["settings"]
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:
        loaded = conn.execute(
            "SELECT snapshot_date::VARCHAR, country, count(*) FROM core.chart_entries WHERE store = 'app_store' "
            "GROUP BY ALL ORDER BY ALL").fetchall()
        quarantine = conn.execute(
            "SELECT batch_id, status, failed_expectations, warc_paths FROM ops.quarantine").fetchall()
    days_countries = {(d, c) for d, c, _ in loaded}
    assert ("2026-11-02", "mx") not in days_countries
    assert {("2026-11-01", c) for c in COUNTRIES} | {("2026-11-02", "us"), ("2026-11-02", "gb")} == days_countries
    assert len(quarantine) == 1
    batch_id, status, failures, warcs = quarantine[0]
    assert batch_id == "app_store:2026-11-02:mx" and status == "open"
    names = {f["expectation"] for f in json.loads(failures)}
    assert any("unique" in n or "equal" in n for n in names), names
    assert all(p.endswith(".warc.gz") for p in json.loads(warcs))


def test_market_share_covers_countries_and_sums_to_one(pipeline):
    settings = pipeline["settings"]
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:
        sums = conn.execute(
            "SELECT grain, period_start, store, country, chart, genre, sum(share) FROM marts.market_share "
            "GROUP BY ALL").fetchall()
        apps = conn.execute("SELECT count(DISTINCT app_key) FROM marts.market_share").fetchone()[0]
        non_drama = conn.execute(
            "SELECT count(*) FROM marts.market_share m JOIN core.apps a USING (app_key) "
            "WHERE NOT a.is_short_drama").fetchone()[0]
    assert sums and all(abs(s - 1) < 1e-9 for *_, s in sums)
    assert {row[3] for row in sums} == set(COUNTRIES)
    assert apps >= 10
    assert non_drama == 0


def test_every_response_is_indexed_in_the_fetch_log(pipeline):
    settings = pipeline["settings"]
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:
        per_batch = dict(conn.execute("SELECT batch_id, count(*) FROM ops.fetch_log GROUP BY 1").fetchall())
    assert set(per_batch) == {f"{s}:{d}:{c}" for s in ("app_store", "google_play")
                              for d in ("2026-11-01", "2026-11-02") for c in COUNTRIES}
    assert all(n >= 5 for n in per_batch.values())  # 4 charts + lookups, quarantined batch included


def test_running_the_same_day_again_leaves_core_and_marts_identical(pipeline):
    from dramatrack_cli.run_cmd import run_days

    settings = pipeline["settings"]
    run_days([date(2026, 11, 2)], ["app_store", "google_play"], COUNTRIES, pipeline["capture"], echo=lambda *_: None)
    assert table_hashes(settings.warehouse_path) == pipeline["hashes"]


def test_the_marts_built_in_the_worker_process_equal_a_full_build_in_this_one(pipeline):
    """run_days builds the marts in a worker process (dramatrack/pipeline/worker.py); rebuilding everything here
    gives the same core and marts tables."""
    from dramatrack.pipeline import worker
    from dramatrack.pipeline.validate_load import build_marts_and_publish

    settings = pipeline["settings"]
    assert not worker.enabled()  # run_days turned it on for its runs, and off again after them
    hashes = table_hashes(settings.warehouse_path)
    build_marts_and_publish(settings)
    assert table_hashes(settings.warehouse_path) == hashes


def test_google_play_loads_and_one_app_spans_both_stores(pipeline):
    settings = pipeline["settings"]
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:
        play_days = conn.execute(
            "SELECT count(DISTINCT (snapshot_date, country)) FROM core.chart_entries WHERE store = 'google_play'"
        ).fetchone()[0]
        installs = conn.execute(
            "SELECT count(*) FROM core.app_metrics WHERE store = 'google_play' AND real_installs > 0").fetchone()[0]
        reelshort = conn.execute(
            "SELECT store, store_app_id FROM core.app_store_ids WHERE app_key = 'reelshort' ORDER BY store").fetchall()
        apps_rows = conn.execute("SELECT count(*) FROM core.apps WHERE app_key = 'reelshort'").fetchone()[0]
        stores = {r[0] for r in conn.execute("SELECT DISTINCT store FROM marts.market_share").fetchall()}
    assert play_days == 2 * len(COUNTRIES)
    assert installs > 0
    assert apps_rows == 1
    assert reelshort == [("app_store", "1636235979"), ("google_play", "com.newleaf.app.android.victor")]
    assert stores == {"app_store", "google_play", "both"}
