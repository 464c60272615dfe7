"""DAG parsing benchmark: each DAG file's import time vs importing ``airflow.sdk`` alone.

    .venv/bin/python -m bench.bench_dags --out bench/results.json

Every measurement is a fresh interpreter (``.venv/bin/python``) with ``AIRFLOW_HOME`` and
``DRAMATRACK_DATA_DIR`` in a temporary directory and the repository on ``sys.path`` (as the DAG processor
has the dags folder's project installed). Inside it, ``time.perf_counter()`` around either
``import airflow.sdk`` (the baseline: what any Airflow 3 DAG file pays) or loading the DAG file as a module
(``importlib.util.spec_from_file_location`` + ``exec_module``, as the DAG processor imports a file); the
interpreter's own start-up is the same for both and left out (its wall time is recorded too).

One warm-up round (``.pyc`` files), then ``--rounds`` rounds, each running the baseline and every DAG file
once, in that order; the median of each is kept; ratio = DAG file / baseline (goal <= 1.3). For a file over
the goal, one extra run with ``python -X importtime`` lists the modules it imports beyond airflow.sdk's,
largest cumulative time first (``extra_imports``): what to defer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, REPO, goal, goals_table, machine, median, merge_into

GOAL_DAG_OVER_SDK = 1.3

_BASELINE = "import time; t = time.perf_counter(); import airflow.sdk; print(time.perf_counter() - t)"
_DAGFILE = (
    "import importlib.util, sys, time; sys.path.insert(0, {repo!r}); t = time.perf_counter(); "
    "spec = importlib.util.spec_from_file_location('bench_dag_module', {path!r}); "
    "module = importlib.util.module_from_spec(spec); sys.modules[spec.name] = module; "
    "spec.loader.exec_module(module); print(time.perf_counter() - t)"
)


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"AIRFLOW_HOME": str(tmp / "airflow"), "DRAMATRACK_DATA_DIR": str(tmp / "data"),
                "PYTHONDONTWRITEBYTECODE": "", "PYTHONWARNINGS": "ignore"})
    return env


def _code(path: Path | None) -> str:
    return _BASELINE if path is None else _DAGFILE.format(repo=str(REPO), path=str(path))


def measure(path: Path | None, env: dict[str, str]) -> tuple[float, float]:
    """(in-process import seconds, whole-process wall seconds) in a fresh interpreter."""
    import time

    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _code(path)], env=env, cwd=str(REPO), capture_output=True,
                          text=True, timeout=300)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{path or 'airflow.sdk'}: import failed:\n{proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1]), wall


def importtime(path: Path | None, env: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """``-X importtime``: module -> (self us, cumulative us, depth)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", _code(path)], env=env, cwd=str(REPO),
                          capture_output=True, text=True, timeout=300)
    out: dict[str, tuple[int, int, int]] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            self_us, cum_us, name = (p for p in line[len("import time:"):].split("|"))
            depth = (len(name) - len(name.lstrip())) // 2
            out.setdefault(name.strip(), (int(self_us), int(cum_us), depth))
        except ValueError:
            continue
    return out


def extra_imports(dag: Path, env: dict[str, str], base: dict[str, tuple[int, int, int]]) -> list[dict[str, Any]]:
    """The outermost modules a DAG file imports that airflow.sdk does not, largest cumulative time first."""
    mods = importtime(dag, env)
    extra = {m: v for m, v in mods.items() if m not in base}
    # keep the outermost: a module whose package prefix is also extra is counted in its parent
    tops = []
    for name, (self_us, cum_us, _depth) in extra.items():
        parent = name.rpartition(".")[0]
        if parent and parent in extra:
            continue
        tops.append({"module": name, "cumulative_ms": round(cum_us / 1000, 1), "self_ms": round(self_us / 1000, 1)})
    tops.sort(key=lambda r: -r["cumulative_ms"])
    return tops[:8]


def bench(rounds: int, dag_dir: Path) -> dict[str, Any]:
    dags = sorted(p for p in dag_dir.glob("*.py") if not p.name.startswith("_"))
    names = ["airflow.sdk"] + [p.name for p in dags]
    paths: list[Path | None] = [None, *dags]
    times: dict[str, list[float]] = {n: [] for n in names}
    walls: dict[str, list[float]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="dramatrack-bench-dags-") as tmp_name:
        env = _env(Path(tmp_name))
        # warm-up, one interpreter: .pyc files, airflow.cfg
        warm = "; ".join(f"exec({_code(p)!r})" for p in dags) or _BASELINE
        subprocess.run([sys.executable, "-c", warm], env=env, cwd=str(REPO), capture_output=True, timeout=600)
        for r in range(rounds):
            for name, path in zip(names, paths, strict=True):
                t, w = measure(path, env)
                times[name].append(t)
                walls[name].append(w)
            print(f"  round {r + 1}/{rounds}: " + ", ".join(f"{n} {times[n][-1]:.2f}" for n in names), flush=True)
        base = median(times["airflow.sdk"])
        files = {}
        base_mods: dict[str, tuple[int, int, int]] | None = None
        for name, path in zip(names[1:], dags, strict=True):
            med = median(times[name])
            row = {"import_s": [round(x, 3) for x in times[name]], "median_s": round(med, 3),
                   "median_wall_s": round(median(walls[name]), 3), "over_sdk": round(med / base, 3)}
            if med / base > GOAL_DAG_OVER_SDK:
                if base_mods is None:
                    base_mods = importtime(None, env)
                row["extra_imports"] = extra_imports(path, env, base_mods)
            files[name] = row
    worst = max(files, key=lambda n: files[n]["over_sdk"]) if files else None
    out: dict[str, Any] = {
        "rounds": rounds,
        "method": "fresh interpreter per measurement; perf_counter around the import; median of the rounds",
        "airflow_sdk": {"import_s": [round(x, 3) for x in times["airflow.sdk"]], "median_s": round(base, 3),
                        "median_wall_s": round(median(walls["airflow.sdk"]), 3)},
        "dag_files": files,
        "worst": worst,
    }
    out["goals"] = [
        goal(f"dag parse: {name} / import airflow.sdk", row["over_sdk"], "<=", GOAL_DAG_OVER_SDK,
             f"{row['median_s']:.2f} s vs {base:.2f} s")
        for name, row in files.items()
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dags", type=Path, default=REPO / "dags")
    args = ap.parse_args(argv)
    results = {**machine(), **bench(args.rounds, args.dags)}
    merge_into(args.out, "dag_parse", results)
    print(goals_table(f"DAG parsing (median of {args.rounds}; cpu_count={results['cpu_count']})", results["goals"]))
    for name, row in results["dag_files"].items():
        if row.get("extra_imports"):
            print(f"  {name} imports beyond airflow.sdk: "
                  + ", ".join(f"{m['module']} {m['cumulative_ms']:.0f} ms" for m in row["extra_imports"][:5]))
    print(f"merged into {args.out} under 'dag_parse'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
