"""``dramatrack``: the command line of DramaTrack."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="dramatrack",
    help="Market tracker for the overseas short-drama app market.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

parse_app = typer.Typer(help="Parse one raw payload and print its normalized records as JSON lines.",
                        no_args_is_help=True)
app.add_typer(parse_app, name="parse")


def main() -> None:  # pragma: no cover - console entry point
    app()


# Sub-command modules register themselves on the apps above.
from dramatrack_cli import (  # noqa: E402,F401
    catalog_cmd,
    classify_cmd,
    parse_cmd,
    plan_cmd,
    quarantine_cmd,
    query_cmd,
    report_cmd,
    run_cmd,
)
