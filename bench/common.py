"""Shared helpers of the benchmarks in ``bench/``: the machine description, goal rows and the results file.

Every benchmark module has ``main(argv) -> int``, takes ``--out`` (default bench/results.json), merges its
results under its own key (read-modify-write, other keys kept: ``merge_into`` of bench_parse) and prints its
own table. ``bench/run_all.py`` runs them one after another, each in a fresh interpreter.

A result carries ``goals``: rows ``{"name", "value", "op", "goal", "met", "note"}``; ``value`` is a ratio
measured side by side in the same run (absolute times are reported next to it, never judged).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_parse import merge_into  # noqa: E402  (re-exported: one results-file writer)

DEFAULT_OUT = REPO / "bench" / "results.json"

__all__ = ["DEFAULT_OUT", "REPO", "goal", "machine", "median", "merge_into", "fmt_s"]


def machine() -> dict[str, Any]:
    """When and where: the fields every result starts with."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on Linux
        load = None
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_at_start": load,
    }


def goal(name: str, value: float | None, op: str | None, target: float | None, note: str = "") -> dict[str, Any]:
    """One goal row: ``value op target`` (op is ``<=`` or ``>=``, or None for a ratio reported without a
    goal); ``met`` is None when not measured or not judged."""
    if op not in ("<=", ">=", None):
        raise ValueError(op)
    if value is None or op is None:
        met = None
    else:
        met = value <= target if op == "<=" else value >= target
    return {"name": name, "value": None if value is None else round(value, 3), "op": op, "goal": target,
            "met": met, "note": note}


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def goals_table(title: str, rows: list[dict[str, Any]]) -> str:
    """The goal rows of one benchmark as text."""
    lines = [title]
    for g in rows:
        mark = {True: "met", False: "MISSED", None: "-"}[g["met"]]
        value = "-" if g["value"] is None else f"{g['value']:g}"
        target = "(no goal)" if g["op"] is None else f"{g['op']} {g['goal']:g}"
        lines.append(f"  {g['name']:<52} {value:>9}  {target:<10} {mark:<6}"
                     + (f"  ({g['note']})" if g.get("note") else ""))
    return "\n".join(lines)
