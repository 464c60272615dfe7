"""Run every benchmark (``make bench``): each module in a fresh interpreter, results merged into
bench/results.json, then one table of all the goals.

    .venv/bin/python -m bench.run_all [--only fetch,load] [--quick]

Modules, in order: bench_parse (parsers), bench_dags (DAG file imports), bench_fetch (PoliteClient),
bench_plan (the day's requests per host and wall time at the politeness, before and after the crawl plan),
bench_e2e (``make demo``), bench_load (loader vs Parquet ingest), bench_marts (refresh on history vs one
week). Each merges its own key into the results file and prints its own details; this runner adds ``run``
(when, the machine, each module's wall time and exit code, the total) and prints the summary. ``--quick``
passes small sizes to every module (a smoke test of the benchmarks, not a measurement: the results say so).
A module that fails does not stop the others; its row is marked, and ``make bench`` exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, REPO, goal, machine, merge_into

# (results key, module, normal arguments, --quick arguments)
MODULES: list[tuple[str, str, list[str], list[str]]] = [
    ("parse", "bench.bench_parse", [], ["--repeat", "2", "--min-time", "0.05"]),
    ("dag_parse", "bench.bench_dags", [], ["--rounds", "1"]),
    ("fetch", "bench.bench_fetch", [], ["--requests", "80", "--rounds", "1"]),
    ("plan", "bench.bench_plan", [], ["--depths", "200"]),
    ("e2e", "bench.bench_e2e", [], ["--days", "2"]),
    ("load", "bench.bench_load", [], ["--rows", "40000", "--budget", "10", "--native-rounds", "1"]),
    ("marts", "bench.bench_marts", [], ["--countries", "2", "--history-days", "56", "--rounds", "1",
                                        "--query-rounds", "1"]),
    ("accuracy", "bench.bench_accuracy", [], ["--quick"]),  # writes bench/accuracy.json (its own file)
]


def parse_goals(p: dict[str, Any]) -> list[dict[str, Any]]:
    """bench_parse's goals as goal rows (it records them as booleans)."""
    d = p.get("gplay_details", {})
    return [
        goal("parse: google-play-scraper / ours (details page)", d.get("scraper_over_ours"), ">=", 2.0,
             f"{d.get('scraper_ms')} ms vs {d.get('ours_ms')} ms"),
        goal("parse: ours / json.loads of the data block", d.get("ours_over_floor"), "<=", 1.5,
             f"{d.get('ours_ms')} ms vs {d.get('floor_ms')} ms"),
    ]


def summary(doc: dict[str, Any], started: str, statuses: dict[str, int]) -> str:
    width = 56
    lines = [f"{'benchmark':<{width}} {'ratio':>9}  {'goal':<10} {'result':<7} measured",
             "-" * (width + 80)]
    for key, _module, _args, _quick in MODULES:
        if key not in statuses:
            continue
        res = doc.get(key)
        if res is None:
            lines.append(f"{key:<{width}} {'-':>9}  {'':<10} {'FAILED':<7} no results (exit {statuses[key]})")
            continue
        stale = res.get("generated_at", "") < started or statuses[key] != 0
        rows = parse_goals(res) if key == "parse" else res.get("goals", [])
        for g in rows:
            mark = {True: "met", False: "MISSED", None: "-"}[g["met"]]
            if stale:
                mark = "STALE"
            value = "-" if g["value"] is None else f"{g['value']:g}"
            target = "(no goal)" if g["op"] is None else f"{g['op']} {g['goal']:g}"
            lines.append(f"{g['name']:<{width}} {value:>9}  {target:<10} {mark:<7} {g.get('note', '')}")
    return "\n".join(lines)


DOCS = REPO / "docs" / "performance.md"
DOCS_START, DOCS_END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"


def markdown_table(doc: dict[str, Any]) -> str:
    """The goals of every benchmark in ``doc`` as a Markdown table (for docs/performance.md)."""
    run = doc.get("run", {})
    lines = [
        f"`make bench` of {run.get('started_at', '?')}: cpu_count={run.get('cpu_count')}, "
        f"python {run.get('python')}, load average at start {run.get('loadavg_at_start')}, "
        f"total {run.get('total_s', 0) / 60:.1f} min"
        + (" (**--quick smoke sizes**)" if run.get("quick") else "") + ".",
        "",
        "| benchmark | ratio | goal | result | measured |",
        "|---|---:|---|---|---|",
    ]
    for key, _module, _args, _quick in MODULES:
        res = doc.get(key)
        if res is None:
            continue
        for g in parse_goals(res) if key == "parse" else res.get("goals", []):
            mark = {True: "met", False: "**missed**", None: "-"}[g["met"]]
            value = "-" if g["value"] is None else f"{g['value']:g}"
            target = "(no goal)" if g["op"] is None else f"{g['op']} {g['goal']:g}"
            lines.append(f"| {g['name']} | {value} | {target} | {mark} | {g.get('note', '')} |")
    return "\n".join(lines)


def write_docs(doc: dict[str, Any], path: Path = DOCS) -> bool:
    """Replace the table between the markers of docs/performance.md; False when the markers are missing."""
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    if DOCS_START not in text or DOCS_END not in text:
        return False
    head, rest = text.split(DOCS_START, 1)
    _old, tail = rest.split(DOCS_END, 1)
    path.write_text(f"{head}{DOCS_START}\n{markdown_table(doc)}\n{DOCS_END}{tail}", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", default="", help="comma-separated result keys: " + ",".join(m[0] for m in MODULES))
    ap.add_argument("--quick", action="store_true", help="tiny sizes: checks that the benchmarks run")
    ap.add_argument("--docs", action="store_true",
                    help="also rewrite the results table in docs/performance.md (between its bench:table markers)")
    ap.add_argument("--docs-only", action="store_true", help="rewrite that table from --out and run nothing")
    args = ap.parse_args(argv)
    if args.docs_only:
        ok = write_docs(json.loads(args.out.read_text(encoding="utf-8")))
        print("docs/performance.md table rewritten" if ok else "docs/performance.md has no bench:table markers")
        return 0 if ok else 1
    only = {k.strip() for k in args.only.split(",") if k.strip()}
    unknown = only - {m[0] for m in MODULES}
    if unknown:
        ap.error(f"unknown benchmark(s) {sorted(unknown)}")

    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    at_start = machine()
    t_all = time.perf_counter()
    statuses: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for key, module, normal, quick in MODULES:
        if only and key not in only:
            continue
        cmd = [sys.executable, "-m", module, "--out", str(args.out), *(quick if args.quick else normal)]
        print(f"\n=== {key}: {' '.join(['python', *cmd[1:]])}", flush=True)
        t0 = time.perf_counter()
        statuses[key] = subprocess.run(cmd, cwd=str(REPO)).returncode
        seconds[key] = round(time.perf_counter() - t0, 1)
        print(f"=== {key}: {seconds[key]:.0f} s, exit {statuses[key]}", flush=True)
    total = time.perf_counter() - t_all

    run = {**at_start, "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "started_at": started, "quick": args.quick, "modules_s": seconds,
           "exit_codes": statuses, "total_s": round(total, 1)}
    merge_into(args.out, "run", run)
    doc = json.loads(args.out.read_text(encoding="utf-8"))
    print("\n" + summary(doc, started, statuses))
    print(f"\ncpu_count={run['cpu_count']}  python={run['python']}  total {total / 60:.1f} min "
          f"({', '.join(f'{k} {v:.0f} s' for k, v in seconds.items())})"
          + ("  [--quick: smoke sizes, not a measurement]" if args.quick else ""))
    print(f"results: {args.out}")
    if args.docs:
        print("docs/performance.md table rewritten" if write_docs(doc) else "docs/performance.md: no table markers")
    return 0 if all(rc == 0 for rc in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
