"""The DAG files: they import cleanly, stay light at parse time, and wire the asset chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dramatrack.local_airflow import DAGS_FOLDER

DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))
HEAVY = ["great_expectations", "pandas", "duckdb", "pyarrow", "requests", "bs4", "lxml", "warcio", "numpy"]


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS_FOLDER))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"appstore_ingest", "google_play_ingest", "news_ingest", "stage_validate_load", "marts_build"} <= set(
        dagbag.dags)


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_has_no_heavy_top_level_imports(dag_file: Path):
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('dag_under_test', {str(dag_file)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=DAGS_FOLDER.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    assert loaded == "", f"{dag_file.name} imports heavy modules at parse time: {loaded}"


def _schedule_uris(dag) -> set[str]:
    from dramatrack.local_airflow import _asset_uris

    condition = getattr(dag.timetable, "asset_condition", None)
    return _asset_uris(condition) if condition is not None else set()


def test_asset_chain_wiring(dagbag):
    from dramatrack.assets import (
        CORE_TABLES,
        DUCKDB_WRITER_POOL,
        MARTS,
        RAW_APPSTORE,
        RAW_ASSETS,
        RAW_GOOGLE_PLAY,
        RAW_NEWS,
    )

    for dag_id, asset, queue in (("appstore_ingest", RAW_APPSTORE, "appstore"),
                                 ("google_play_ingest", RAW_GOOGLE_PLAY, "google_play"),
                                 ("news_ingest", RAW_NEWS, "default")):
        fetch = dagbag.get_dag(dag_id).get_task("fetch_and_archive")
        assert [o.uri for o in fetch.outlets] == [asset.uri]
        assert fetch.retries >= 1
        assert fetch.queue == queue  # per-host politeness holds across Celery workers

    svl = dagbag.get_dag("stage_validate_load")
    assert _schedule_uris(svl) == {RAW_APPSTORE.uri, RAW_GOOGLE_PLAY.uri, RAW_NEWS.uri} == {a.uri for a in RAW_ASSETS}
    assert getattr(dagbag.get_dag("news_ingest").timetable, "expression", None) == "0 * * * *"  # hourly
    load = svl.get_task("load")
    assert load.pool == DUCKDB_WRITER_POOL
    assert [o.uri for o in load.outlets] == [CORE_TABLES.uri]
    assert "fail_on_quarantine" in load.downstream_task_ids

    marts = dagbag.get_dag("marts_build")
    assert _schedule_uris(marts) == {CORE_TABLES.uri}
    build = marts.get_task("build_marts")
    assert build.pool == DUCKDB_WRITER_POOL
    assert [o.uri for o in build.outlets] == [MARTS.uri]


def test_embedded_runs_parse_and_sync_the_dag_folder_once_while_it_is_unchanged(tmp_path, monkeypatch, airflow_db):
    """``dag.test()`` re-parses and re-syncs the whole DAG bundle on every call; the embedded runner does it once
    per process while the DAG files are unchanged, and again after one changes."""
    import os

    from airflow.dag_processing import dagbag as module

    from dramatrack import local_airflow

    parsed, synced = [], []

    class FakeBag:
        def __init__(self, *, dag_folder, bundle_path, bundle_name):
            parsed.append(dag_folder)
            self.dags = {}

    monkeypatch.setattr(module, "BundleDagBag", FakeBag)
    monkeypatch.setattr(module, "sync_bag_to_db", lambda bag, name, version, **kw: synced.append(bag))
    monkeypatch.setattr(local_airflow, "_parsed_bags", {})
    monkeypatch.setattr(local_airflow, "_synced", set())
    dag_file = tmp_path / "a_dag.py"
    dag_file.write_text("# a DAG\n")

    def one_dag_test():  # what dag.test() does with them, looked up at call time
        with local_airflow._dag_folder_synced_once():
            bag = module.BundleDagBag(dag_folder=tmp_path, bundle_path=tmp_path, bundle_name="dags-folder")
            module.sync_bag_to_db(bag, "dags-folder", None)

    one_dag_test()
    one_dag_test()
    assert len(parsed) == 1 and len(synced) == 1
    assert module.BundleDagBag is FakeBag  # restored after each run

    os.utime(dag_file, ns=(dag_file.stat().st_mtime_ns + 10**9,) * 2)  # the file changed: parse and sync again
    one_dag_test()
    assert len(parsed) == 2 and len(synced) == 2
    one_dag_test()
    assert len(parsed) == 2 and len(synced) == 2
