"""``dramatrack``: the command line of DramaTrack."""

from __future__ import annotations

# Sub-command modules register themselves on the apps of cli_app when imported.
from dramatrack_cli import (  # noqa: F401
    catalog_cmd,
    classify_cmd,
    parse_cmd,
    plan_cmd,
    quarantine_cmd,
    query_cmd,
    report_cmd,
    run_cmd,
)
from dramatrack_cli.cli_app import app, parse_app

__all__ = ["app", "main", "parse_app"]


def main() -> None:  # pragma: no cover - console entry point
    app()
