"""End-to-end benchmark: ``make demo``'s pipeline, wall time and peak memory.

    .venv/bin/python -m bench.bench_e2e --out bench/results.json

Runs ``.venv/bin/python -m dramatrack_cli demo`` (what ``make demo`` runs after bootstrapping) in a child
process with ``DRAMATRACK_DATA_DIR`` (and ``AIRFLOW_HOME``) in a fresh temporary directory, so it generates
the sample capture and runs every DAG from scratch. Measured:

- wall time of the child (goal <= 120 s on this machine);
- peak memory (goal <= 1 GB): ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after the child exits (the
  largest resident set of any one process of the run: the demo and anything it waited for), and, sampled
  every 0.1 s with psutil, the peak of the summed RSS of the demo's whole process tree (``peak_tree_rss``;
  the sum double-counts shared pages, so it is an upper bound).

Run this benchmark in its own interpreter (``bench/run_all.py`` does): RUSAGE_CHILDREN covers every child the
process ever waited for.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, REPO, goal, goals_table, machine, merge_into

GOAL_WALL_S = 120.0
GOAL_PEAK_GB = 1.0


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


def run_demo(days: int | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dramatrack-bench-e2e-") as tmp:
        env = dict(os.environ)
        env["DRAMATRACK_DATA_DIR"] = str(Path(tmp) / "data")
        env["AIRFLOW_HOME"] = str(Path(tmp) / "airflow")
        cmd = [sys.executable, "-m", "dramatrack_cli", "demo"] + ([f"--days={days}"] if days else [])
        log = Path(tmp) / "demo.log"
        peak = [0]
        stop = threading.Event()
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
        tail = log.read_text(errors="replace").splitlines()[-15:]
    return {
        "command": " ".join(["python", *cmd[1:]]),
        "returncode": rc,
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "peak_tree_rss_mb": round(peak[0] / 2**20, 1),
        "cpu_user_s": round(usage.ru_utime, 1),
        "cpu_sys_s": round(usage.ru_stime, 1),
        "log_tail": tail,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--days", type=int, default=None, help="demo --days (default: the demo's own default)")
    args = ap.parse_args(argv)
    results = {**machine(), **run_demo(args.days)}
    ok = results["returncode"] == 0
    peak_gb = results["peak_rss_mb"] / 1024
    results["goals"] = [
        goal("end to end: make demo wall time (s)", results["wall_s"] if ok else None, "<=", GOAL_WALL_S,
             f"cpu user {results['cpu_user_s']} s + sys {results['cpu_sys_s']} s"
             + ("" if ok else f"; demo FAILED (exit {results['returncode']})")),
        goal("end to end: peak RSS, largest process (GB)", round(peak_gb, 3), "<=", GOAL_PEAK_GB,
             f"process tree sum peak {results['peak_tree_rss_mb'] / 1024:.2f} GB"),
    ]
    merge_into(args.out, "e2e", results)
    print(goals_table(f"end to end (cpu_count={results['cpu_count']})", results["goals"]))
    if not ok:
        print("\n".join(results["log_tail"]))
    print(f"merged into {args.out} under 'e2e'")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
