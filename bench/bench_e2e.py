"""End-to-end benchmark: ``make demo``'s pipeline, wall time and peak memory.

    .venv/bin/python -m bench.bench_e2e --out bench/results.json

Runs ``.venv/bin/python -m dramatrack_cli demo`` (what ``make demo`` runs after bootstrapping) in a child
process with ``DRAMATRACK_DATA_DIR`` (and ``AIRFLOW_HOME``) in a fresh temporary directory, so it generates
the sample capture (in a forked child, alongside the DAG runs) and runs every DAG from scratch: the first
``make demo`` on a fresh machine. Measured:

- wall time of the child (goal <= 90 s on this machine), and its CPU time (user + sys of the demo and every
  process it waited for, the capture generator included) with the load average before and after: on a shared
  machine the CPU time is the steadier number;
- peak memory (goal <= 800 MB): ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after the child exits (the
  largest resident set of any one process of the run: the demo and anything it waited for), and, sampled
  every 0.1 s with psutil, the peak of the summed RSS of the demo's whole process tree (``peak_tree_rss``;
  the sum double-counts shared pages, so it is an upper bound).

With ``--warm`` a second demo runs in another fresh data directory holding only the first run's sample capture,
which it reuses (its inputs are unchanged): a later ``make demo`` after the warehouse was removed, i.e. the
pipeline alone. Its core and marts tables must equal the first run's (``identical_tables``).

Run this benchmark in its own interpreter (``bench/run_all.py`` does): RUSAGE_CHILDREN covers every child the
process ever waited for (each run's usage is the difference before/after it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, REPO, goal, goals_table, machine, merge_into

GOAL_WALL_S = 90.0  # issue 18: the demo's pipeline within 90 s on 2 cores
GOAL_PEAK_MB = 800.0  # and no process above 800 MB


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on Linux
        return None


def table_hashes(path: Path) -> dict[str, str]:
    """A content hash of every core and marts table (as tests/test_pipeline_chain.py computes it)."""
    from warehouse.connection import connect

    with connect(path, read_only=True) as conn:
        tables = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema IN ('core', 'marts') ORDER BY 1").fetchall()
        return {name: conn.execute(
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') "
            f"FROM {name} t").fetchone()[0] for (name,) in tables}


def run_demo(days: int | None, tmp: Path, capture_from: Path | None = None) -> dict[str, Any]:
    """One demo in ``tmp`` (a fresh data dir, seeded with the sample capture of ``capture_from`` when given)."""
    data = tmp / "data"
    tmp.mkdir(parents=True, exist_ok=True)
    if capture_from is not None:
        shutil.copytree(capture_from, data / "sample_capture")
    env = dict(os.environ)
    env["DRAMATRACK_DATA_DIR"] = str(data)
    env["AIRFLOW_HOME"] = str(Path(tmp) / "airflow")
    cmd = [sys.executable, "-m", "dramatrack_cli", "demo"] + ([f"--days={days}"] if days else [])
    log = Path(tmp) / "demo.log"
    peak = [0]
    stop = threading.Event()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = _loadavg()
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=str(REPO), env=env, stdout=fh, stderr=subprocess.STDOUT)

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = log.read_text(errors="replace").splitlines()
    hashes = table_hashes(data / "warehouse.duckdb") if rc == 0 else None
    return {
        "command": " ".join(["python", *cmd[1:]]),
        "returncode": rc,
        "wall_s": round(wall, 2),
        # Linux: kilobytes; the largest process this interpreter waited for so far (a warm run: of both runs)
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_tree_rss_mb": round(peak[0] / 2**20, 1),
        "cpu_user_s": round(usage.ru_utime - before.ru_utime, 1),
        "cpu_sys_s": round(usage.ru_stime - before.ru_stime, 1),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "capture": next((line for line in lines if "sample capture" in line), None),
        "log_tail": lines[-15:],
        "_hashes": hashes,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--days", type=int, default=None, help="demo --days (default: the demo's own default)")
    ap.add_argument("--warm", action="store_true",
                    help="then a second demo reusing the first one's sample capture (results under 'warm')")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dramatrack-bench-e2e-") as tmp:
        results = {**machine(), **run_demo(args.days, Path(tmp) / "cold")}
        if args.warm and results["returncode"] == 0:
            warm = run_demo(args.days, Path(tmp) / "warm", capture_from=Path(tmp) / "cold" / "data" / "sample_capture")
            warm["identical_tables"] = warm.pop("_hashes") == results["_hashes"]
            warm.pop("log_tail")
            results["warm"] = warm
    results.pop("_hashes")
    ok = results["returncode"] == 0
    results["goals"] = [
        goal("end to end: make demo wall time (s)", results["wall_s"] if ok else None, "<=", GOAL_WALL_S,
             f"cpu user {results['cpu_user_s']} s + sys {results['cpu_sys_s']} s; load {results['loadavg_before']}"
             f" -> {results['loadavg_after']}" + ("" if ok else f"; demo FAILED (exit {results['returncode']})")),
        goal("end to end: peak RSS, largest process (MB)", results["peak_rss_mb"], "<=", GOAL_PEAK_MB,
             f"process tree sum peak {results['peak_tree_rss_mb']:.0f} MB"),
    ]
    warm = results.get("warm")
    if warm:
        results["goals"].append(goal(
            "end to end: make demo again, capture reused, wall (s)", warm["wall_s"] if warm["returncode"] == 0 else None,
            None, None, f"cpu user {warm['cpu_user_s']} s + sys {warm['cpu_sys_s']} s; load {warm['loadavg_before']}"
                        f"; same tables: {warm['identical_tables']}"))
    merge_into(args.out, "e2e", results)
    print(goals_table(f"end to end (cpu_count={results['cpu_count']})", results["goals"]))
    if not ok:
        print("\n".join(results["log_tail"]))
    print(f"merged into {args.out} under 'e2e'")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
