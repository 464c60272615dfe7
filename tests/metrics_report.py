"""Lines that tests want printed in the terminal summary of a run (precision/recall figures, ...).

A test calls :func:`report` ; ``tests/conftest.py`` prints every line collected at the end of the session.
"""

from __future__ import annotations

LINES: dict[str, list[str]] = {}


def report(section: str, line: str) -> None:
    """Record ``line`` under ``section`` (a heading printed once); repeated lines are kept once."""
    lines = LINES.setdefault(section, [])
    if line not in lines:
        lines.append(line)


def write_summary(terminalreporter) -> None:
    """Print the collected sections (pytest's ``pytest_terminal_summary`` hook calls this)."""
    for section, lines in LINES.items():
        terminalreporter.write_sep("-", section)
        for line in lines:
            terminalreporter.write_line(line)
