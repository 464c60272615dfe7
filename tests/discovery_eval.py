"""Scores the short-drama classifier on the labelled charts of tests/fixtures/short_drama_charts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from transforms.short_drama import classify_app

CHARTS = Path(__file__).resolve().parent / "fixtures" / "short_drama_charts"


@dataclass
class Score:
    part: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    pending: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self) -> str:
        n = self.tp + self.fp + self.fn + self.tn
        return (f"{self.part:<4} precision {self.precision:.3f}  recall {self.recall:.3f}  "
                f"({n} chart entries, {self.tp + self.fn} short-drama apps: {self.tp} found, {self.fn} missed, "
                f"{self.fp} false, {self.pending} left pending)")


def entries(part: str) -> list[dict]:
    rows = []
    for path in sorted((CHARTS / part).glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            row = json.loads(line)
            row["where"] = f"{path.name}:{number}"
            rows.append(row)
    return rows


def score(part: str) -> Score:
    """Discovery: every entry classified as if it were not in the catalog; found = status candidate."""
    s = Score(part)
    for row in entries(part):
        c = classify_app(row["name"], row["publisher"], row["genre"], row["description"], catalog_match=False)
        found = c.status == "candidate"
        s.pending += c.status == "pending"
        if found and row["short_drama"]:
            s.tp += 1
        elif found:
            s.fp += 1
            s.errors.append(f"FP {row['where']} {row['name']!r} ({row['kind']}): {c.reason}")
        elif row["short_drama"]:
            s.fn += 1
            s.errors.append(f"FN {row['where']} {row['name']!r} [{c.status}]: {c.reason}")
        else:
            s.tn += 1
    return s


if __name__ == "__main__":  # python -m tests.discovery_eval dev  (tuning looks at dev only)
    import sys

    result = score(sys.argv[1] if len(sys.argv) > 1 else "dev")
    print(result.line())
    print("\n".join(result.errors))
