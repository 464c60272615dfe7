"""The Typer applications the sub-command modules register on (``main`` imports those modules)."""

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
