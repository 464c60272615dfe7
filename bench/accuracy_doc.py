"""Regenerate the "Measured accuracy" section of docs/methodology.md from bench/accuracy.json (``make accuracy``).

    .venv/bin/python -m bench.accuracy_doc [--results bench/accuracy.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.common import REPO

DOC = REPO / "docs" / "methodology.md"
START, END = "<!-- accuracy:start -->", "<!-- accuracy:end -->"
COLUMNS = [("median_ape", "median APE"), ("p90_ape", "p90 APE"), ("median_ratio", "median est/true"),
           ("share_error_pp_downloads", "share error pp (downloads)"),
           ("share_error_pp_revenue", "share error pp (revenue)"), ("band_coverage_downloads", "90% band, downloads"),
           ("band_coverage_revenue", "90% band, revenue"), ("category_ratio_min_downloads", "category dl min"),
           ("category_ratio_max_downloads", "category dl max"), ("category_ratio_min_revenue", "category rev min"),
           ("category_ratio_max_revenue", "category rev max")]


def markdown(doc: dict[str, Any]) -> str:
    """The section's body: what was run, the figures per scenario, and the goals."""
    lines = [f"Generated from `bench/accuracy.json` ({doc.get('generated_at')}, {doc.get('wall_s')} s on "
             f"{doc.get('cpu_count')} cores{', --quick: a smoke test, not a measurement' if doc.get('quick') else ''}).",
             "", "| scenario | weeks x countries | " + " | ".join(label for _, label in COLUMNS) + " |",
             "|---|---|" + "---:|" * len(COLUMNS)]
    for r in doc.get("results", []):
        sc, f = r["scenario"], r["figures"]
        cells = [f"{f[k]:.3f}" if isinstance(f.get(k), (int, float)) else "-" for k, _ in COLUMNS]
        lines.append(f"| {sc['name']} | {sc['weeks']} x {len(sc['countries'])} | " + " | ".join(cells) + " |")
    lines += ["", "| goal | value | target | result |", "|---|---:|---|---|"]
    for g in doc.get("goals", []):
        mark = {True: "met", False: "**missed**", None: "-"}[g["met"]]
        lines.append(f"| {g['name']} | {g['value']} | {g['op']} {g['goal']} | {mark} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "accuracy.json")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{DOC} has no {START} / {END} markers", file=sys.stderr)
        return 1
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = markdown(json.loads(args.results.read_text(encoding="utf-8")))
    DOC.write_text(f"{head}{START}\n{body}\n{END}{tail}", encoding="utf-8")
    print(f"rewrote the measured-accuracy section of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
