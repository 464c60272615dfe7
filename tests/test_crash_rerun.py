"""Crash and rerun: SIGKILL the loader anywhere, rerun a day, back-fill a week from the WARC archive.

* **Crash.** A day is staged and validated once; then, in each of at least ten trials, a child process
  loads it and rebuilds the marts/snapshot on a copy of the previous day's warehouse and is killed with
  SIGKILL after a random delay. The DuckDB file must then open, hold no duplicate key and no half-loaded
  batch (each batch is all there, with its ``ops.load_batches`` row, or not there at all), and a rerun
  must give tables identical to a run that was never killed.
* **Rerun.** The same day run three times gives identical core and marts hashes.
* **Back-fill.** A week fetched live (from the fault server) and a fresh warehouse back-filled from that
  week's WARC archive (``data/raw``, replayed with the server stopped) end with identical core and marts.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.fault_server import FaultServer, duplicate_keys, run_day, table_hashes

REPO = Path(__file__).resolve().parents[1]
D1 = date(2026, 11, 1)
COUNTRIES = ["us", "gb"]
WEEK_COUNTRIES = ["us"]
TRIALS = 10
MARTS_TRIALS = 2

# A loader child: imports everything, says "ready", waits for its order ("load" or "marts") on stdin, says
# "started", does the work (the load task's or the marts task's body), says "done <seconds>".
CHILD = r"""
import sys, time
from dramatrack.settings import get_settings
from dramatrack.pipeline.validate_load import load_report, build_marts_and_publish
import warehouse.loaders, warehouse.marts, warehouse.snapshot
settings = get_settings()
print("ready", flush=True)
order = sys.stdin.readline().strip()
print("started", flush=True)
started = time.monotonic()
if order == "load":
    load_report(settings, sys.argv[1])
else:
    build_marts_and_publish(settings)
print(f"done {time.monotonic() - started:.3f}", flush=True)
"""


def _marts(settings) -> None:
    from dramatrack.pipeline.validate_load import build_marts_and_publish

    build_marts_and_publish(settings)


@pytest.fixture(scope="module")
def staged_day(tmp_path_factory):
    """Day 1 loaded and published (the base), day 2 staged and validated, and the never-killed reference."""
    from dramatrack.pipeline.ingest import ingest
    from dramatrack.pipeline.validate_load import load_report, stage_and_validate

    root = tmp_path_factory.mktemp("crash")
    with FaultServer(start=D1) as server:
        settings = server.settings(root / "work", COUNTRIES)
        run_day(settings, D1, COUNTRIES, run_id="day1")
        _marts(settings)
        server.day = D1 + timedelta(days=1)
        manifests = [m for s in ("app_store", "google_play") for m in ingest(settings, s, server.day, COUNTRIES)]
        report = stage_and_validate(settings, manifests, "day2")
    base = {"warehouse": root / "base.duckdb", "snapshot": root / "base-analytics.duckdb"}
    shutil.copy(settings.warehouse_path, base["warehouse"])
    shutil.copy(settings.snapshot_path, base["snapshot"])

    ref = settings.model_copy(update={"data_dir": root / "reference"})
    _fresh_copy(base, ref)
    load_report(ref, report)
    loaded = {"warehouse": root / "loaded.duckdb", "snapshot": base["snapshot"]}  # day 2 loaded, marts not yet
    shutil.copy(ref.warehouse_path, loaded["warehouse"])
    _marts(ref)
    with duckdb.connect(str(ref.warehouse_path), read_only=True) as conn:
        per_batch = dict(conn.execute(
            "SELECT store || ':' || snapshot_date || ':' || country, count(*) FROM core.chart_entries "
            "WHERE snapshot_date = ? GROUP BY 1", [server.day]).fetchall())
    return {"settings": settings, "report": report, "base": base, "loaded": loaded, "day2": server.day,
            "reference": table_hashes(ref.warehouse_path), "per_batch": per_batch,
            "loaded_reference": table_hashes(loaded["warehouse"])}


def _fresh_copy(files: dict[str, Path], settings) -> None:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    shutil.copy(files["warehouse"], settings.warehouse_path)
    shutil.copy(files["snapshot"], settings.snapshot_path)


def _spawn(settings, report) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAMATRACK_")}
    env.update({"DRAMATRACK_DATA_DIR": str(settings.data_dir), "DRAMATRACK_COUNTRIES": ",".join(COUNTRIES),
                "PYTHONPATH": str(REPO)})
    return subprocess.Popen([sys.executable, "-c", CHILD, str(report)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _order(child: subprocess.Popen, order: str, kill_after: float | None) -> tuple[bool, float | None]:
    """Tell a ready child what to do; SIGKILL it ``kill_after`` s later. Returns (killed mid-work?, seconds)."""
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()[-2000:]
        child.stdin.write(order + "\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "started"
        if kill_after is None:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err[-2000:]
            return False, float(out.split()[-1])
        time.sleep(kill_after)
        finished = child.poll() is not None
        if not finished:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        return not finished, None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()


def _assert_consistent(settings, staged) -> None:
    """The killed warehouse opens, holds no duplicate, and every day-2 batch is all there or not at all."""
    from warehouse.connection import connect

    conn = connect(settings.warehouse_path)  # read-write: replays the WAL and migrates, as the next task would
    try:
        for (name,) in conn.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_schema IN ('core', 'marts', 'ops')").fetchall():
            conn.execute(f"SELECT count(*) FROM {name}").fetchone()  # every table is readable
        loaded = {r[0] for r in conn.execute(
            "SELECT DISTINCT batch_id FROM ops.load_batches WHERE status = 'loaded' AND snapshot_date = ?",
            [staged["day2"]]).fetchall()}
        present = dict(conn.execute(
            "SELECT store || ':' || snapshot_date || ':' || country, count(*) FROM core.chart_entries "
            "WHERE snapshot_date = ? GROUP BY 1", [staged["day2"]]).fetchall())
    finally:
        conn.close()
    for batch_id, rows in present.items():
        assert rows == staged["per_batch"][batch_id], f"{batch_id} is half-loaded"
        assert batch_id in loaded, f"{batch_id} has rows but no ops.load_batches row"
    assert loaded <= set(present), "a batch recorded as loaded has no rows"
    assert duplicate_keys(settings.warehouse_path) == {}
    if settings.snapshot_path.exists():  # the analysts' snapshot is the old one or the new one, never broken
        duckdb.connect(str(settings.snapshot_path), read_only=True).close()


def _trials(staged, tmp_path: Path, order: str, trials: int, seed: int) -> int:
    """``trials`` kills of ``order`` at random points, each checked and rerun; returns how many landed mid-work.

    The next trial's child is spawned (and imports) while the current one is checked, to keep this fast.
    """
    from dramatrack.pipeline.validate_load import load_report

    settings, report = staged["settings"], staged["report"]
    start = staged["base"] if order == "load" else staged["loaded"]
    dirs = [settings.model_copy(update={"data_dir": tmp_path / f"{order}-{i}"}) for i in range(trials + 1)]
    _fresh_copy(start, dirs[0])
    child = _spawn(dirs[0], report)
    _, work = _order(child, order, None)  # calibration: how long the work takes when nobody kills it
    expected = staged["reference"] if order == "marts" else staged["loaded_reference"]
    assert table_hashes(dirs[0].warehouse_path) == expected

    rng = random.Random(seed)
    killed = 0
    _fresh_copy(start, dirs[1])
    child = _spawn(dirs[1], report)
    for trial in range(1, trials + 1):
        trial_settings = dirs[trial]
        delay = rng.uniform(0.0, work * 1.1)
        next_child = None
        if trial < trials:
            _fresh_copy(start, dirs[trial + 1])
            next_child = _spawn(dirs[trial + 1], report)
        killed += _order(child, order, delay)[0]
        _assert_consistent(trial_settings, staged)
        if order == "load":
            load_report(trial_settings, report)  # the rerun a retried task does
        else:
            _marts(trial_settings)
        assert table_hashes(trial_settings.warehouse_path) == expected, f"{order} trial {trial}"
        shutil.rmtree(trial_settings.data_dir)
        child = next_child
    return killed


def test_sigkill_of_the_loader_at_random_points_then_rerun_gives_the_clean_tables(staged_day, tmp_path):
    killed = _trials(staged_day, tmp_path, "load", TRIALS, seed=20261102)
    assert killed >= TRIALS // 2, f"only {killed} of {TRIALS} kills landed while the loader was working"


def test_sigkill_of_the_marts_build_and_publish_then_rerun_gives_the_clean_tables(staged_day, tmp_path):
    killed = _trials(staged_day, tmp_path, "marts", MARTS_TRIALS, seed=20261103)
    assert killed >= 1


def test_the_same_day_three_times_gives_identical_hashes(tmp_path):
    with FaultServer(start=D1) as server:
        settings = server.settings(tmp_path, WEEK_COUNTRIES)
        hashes = []
        for attempt in range(3):
            run_day(settings, D1, WEEK_COUNTRIES, run_id=f"attempt-{attempt}")
            _marts(settings)
            hashes.append(table_hashes(settings.warehouse_path))
    assert hashes[0] == hashes[1] == hashes[2]
    assert int(hashes[0]["core.chart_entries"].split(":")[0]) > 0
    assert duplicate_keys(settings.warehouse_path) == {}


def _week(settings, days, *, replay=None, server=None) -> dict:
    """Fetch (or replay) every day of the week, then stage, validate and load them as one back-fill run."""
    from dramatrack.pipeline.ingest import ingest
    from dramatrack.pipeline.validate_load import load_report, stage_and_validate

    manifests = []
    for day in days:
        if server is not None:
            server.day = day
        manifests += [m for s in ("app_store", "google_play") for m in ingest(settings, s, day, WEEK_COUNTRIES,
                                                                               replay=replay)]
    summary = load_report(settings, stage_and_validate(settings, manifests, f"week-{days[0]}"))
    _marts(settings)
    return summary


def test_backfill_of_a_week_from_the_warc_archive_reproduces_the_marts(tmp_path):
    days = [D1 + timedelta(days=i) for i in range(7)]
    with FaultServer(start=D1) as server:
        live = server.settings(tmp_path / "live", WEEK_COUNTRIES)
        _week(live, days, server=server)
    # The server is stopped: the back-fill can only answer from the archive.
    backfill = live.model_copy(update={"data_dir": tmp_path / "backfill"})
    summary = _week(backfill, days, replay=live.warc_dir)
    assert summary["quarantined_batches"] == [] and len(summary["loaded_batches"]) == 2 * 7
    live_hashes, backfill_hashes = table_hashes(live.warehouse_path), table_hashes(backfill.warehouse_path)
    assert any(name.startswith("marts.") and not v.startswith("0:") for name, v in live_hashes.items())
    assert backfill_hashes == live_hashes
    with duckdb.connect(str(backfill.warehouse_path), read_only=True) as conn:
        assert conn.execute("SELECT count(DISTINCT snapshot_date) FROM core.chart_entries").fetchone()[0] == 7
        replayed = conn.execute("SELECT count(*) FROM ops.fetch_log").fetchone()[0]
    assert replayed > 0
