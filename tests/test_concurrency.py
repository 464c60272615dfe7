"""Concurrency: two writers outside Airflow's ``duckdb_writer`` pool, plus an analyst, at the same time.

DuckDB lets one process at a time open a database file read-write; a second one used to fail at once with
"Could not set lock on file". ``warehouse.connection.connect`` now waits for the lock (bounded by
``settings.duckdb_lock_timeout_seconds``), so:

* two processes, each loading a different (staged and validated) day and rebuilding the marts and the
  snapshot, both succeed while the test holds the warehouse lock until both are queued on it;
* an analyst thread querying the published snapshot (``data/analytics.duckdb``, read-only) in a loop the
  whole time sees no error;
* nothing is lost: the warehouse ends identical to loading the same days one after the other.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.fault_server import FaultServer, table_hashes

REPO = Path(__file__).resolve().parents[1]
D1 = date(2026, 11, 1)
COUNTRIES = ["us", "gb"]

# One child process = the writing half of a stage-validate-load run plus its marts run: load one day's
# validated report, rebuild the marts, publish the snapshot. It prints "ready" once imported (it is about to
# want the lock), then the load summary.
CHILD = r"""
import json, sys
from dramatrack.settings import get_settings
from dramatrack.pipeline.validate_load import load_report, build_marts_and_publish
import warehouse.loaders, warehouse.marts, warehouse.snapshot
settings = get_settings()
print("ready", flush=True)
summary = load_report(settings, sys.argv[1])
build_marts_and_publish(settings)
print(json.dumps({"loaded": summary["loaded_batches"], "quarantined": summary["quarantined_batches"]}), flush=True)
"""

HOLDER = r"""
import sys, time, duckdb
conn = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.close()
"""


@contextmanager
def lock_held(path, seconds: float):
    """Another process holds ``path``'s DuckDB lock for ``seconds`` (from when the block starts); yields it."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=10)


def _env(settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAMATRACK_")}
    env.update({
        "DRAMATRACK_DATA_DIR": str(settings.data_dir),
        "DRAMATRACK_COUNTRIES": ",".join(COUNTRIES),
        "DRAMATRACK_DUCKDB_LOCK_TIMEOUT_SECONDS": "120",
        "PYTHONPATH": str(REPO),
    })
    return env


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """Validation reports of two fetched days; day 1 loaded and published (the analysts' starting snapshot)."""
    from dramatrack.pipeline.ingest import ingest
    from dramatrack.pipeline.validate_load import build_marts_and_publish, stage_and_validate
    from tests.fault_server import run_day

    with FaultServer(start=D1) as server:
        settings = server.settings(tmp_path_factory.mktemp("concurrent"), COUNTRIES)
        run_day(settings, D1, COUNTRIES, run_id="day1")
        build_marts_and_publish(settings)
        reports = {}
        for offset in (1, 2):
            day = D1 + timedelta(days=offset)
            server.day = day
            manifests = [m for s in ("app_store", "google_play") for m in ingest(settings, s, day, COUNTRIES)]
            reports[day] = stage_and_validate(settings, manifests, f"concurrent-{day}")
    return settings, reports


def _reference(tmp_path: Path, settings, reports) -> dict[str, str]:
    """The same reports loaded one after the other, in-process, from the same day-1 warehouse."""
    from dramatrack.pipeline.validate_load import build_marts_and_publish, load_report

    ref = settings.model_copy(update={"data_dir": tmp_path})
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(settings.data_dir / "warehouse-day1.duckdb", ref.warehouse_path)
    for _day, report in sorted(reports.items()):
        load_report(ref, report)
    build_marts_and_publish(ref)
    return table_hashes(ref.warehouse_path)


def test_two_writers_and_an_analyst_run_at_once(days, tmp_path):
    settings, reports = days
    shutil.copy(settings.warehouse_path, settings.data_dir / "warehouse-day1.duckdb")
    env = _env(settings)
    # The test holds the warehouse lock until both children have validated and want to load.
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(settings.warehouse_path), "600"],
                              stdout=subprocess.PIPE, text=True, env=env)
    assert holder.stdout.readline().strip() == "locked"

    stop = threading.Event()
    analyst = {"queries": 0, "errors": []}

    def analyst_loop() -> None:
        while not stop.is_set():
            try:
                with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:
                    conn.execute("SELECT count(*) FROM core.chart_entries").fetchone()
                    conn.execute("SELECT count(*) FROM marts.market_share").fetchone()
                analyst["queries"] += 1
            except Exception as exc:  # noqa: BLE001 - any error is the failure under test
                analyst["errors"].append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.02)

    reader = threading.Thread(target=analyst_loop, daemon=True)
    reader.start()
    children = []
    try:
        for _day, report in sorted(reports.items()):
            children.append(subprocess.Popen([sys.executable, "-c", CHILD, str(report)],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
        for child in children:  # both are about to ask for the lock we hold
            line = child.stdout.readline().strip()
            assert line == "ready", child.stderr.read()[-2000:]
        time.sleep(1.0)
        holder.kill()  # release: the two writers now get the lock one after the other
        holder.wait(timeout=10)
        outputs = [child.communicate(timeout=240) for child in children]
    finally:
        stop.set()
        reader.join(timeout=10)
        for proc in (holder, *children):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err[-3000:]
        assert "Could not set lock" not in err
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["quarantined"] == [] and len(summary["loaded"]) == 2 * len(COUNTRIES)
    assert analyst["errors"] == []
    assert analyst["queries"] > 10

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        loaded = conn.execute("SELECT DISTINCT snapshot_date FROM core.chart_entries ORDER BY 1").fetchall()
    assert [d for (d,) in loaded] == [D1, D1 + timedelta(days=1), D1 + timedelta(days=2)]
    assert table_hashes(settings.warehouse_path) == _reference(tmp_path / "reference", settings, reports)


def test_connect_waits_for_the_lock_and_gives_up_when_bounded(tmp_path):
    from warehouse.connection import connect, is_lock_error

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    with lock_held(path, 8) as holder:
        started = time.monotonic()
        with pytest.raises(duckdb.IOException) as excinfo:
            connect(path, lock_timeout=0.3)
        assert is_lock_error(excinfo.value)
        # it gave up while the holder (8 s) still held the lock: bounded by lock_timeout, not by the holder
        assert holder.poll() is None, "bounded by lock_timeout"
        conn = connect(path, lock_timeout=30)  # waits for the holder to let go
        conn.close()
        assert time.monotonic() - started >= 1.0


def test_lock_timeout_comes_from_settings(monkeypatch, tmp_path):
    from dramatrack.settings import Settings, get_settings

    monkeypatch.setenv("DRAMATRACK_DUCKDB_LOCK_TIMEOUT_SECONDS", "7.5")
    get_settings.cache_clear()
    try:
        from warehouse.connection import _default_lock_timeout

        assert _default_lock_timeout() == 7.5
    finally:
        monkeypatch.delenv("DRAMATRACK_DUCKDB_LOCK_TIMEOUT_SECONDS")
        get_settings.cache_clear()
    assert Settings().duckdb_lock_timeout_seconds == 300


def test_publish_snapshot_waits_for_the_lock(tmp_path):
    from warehouse.snapshot import publish_snapshot

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    with lock_held(path, 1.0):
        started = time.monotonic()
        published = publish_snapshot(path, tmp_path / "analytics.duckdb", lock_timeout=30)
        assert time.monotonic() - started >= 0.5, "published while the holder still had the lock"
        duckdb.connect(str(published), read_only=True).close()
