"""``dramatrack parse ...``: parse one raw payload file and print its records as JSON lines.

Exit 0 with one JSON object per line on stdout (nothing for an empty result); exit 1 with one line on
stderr naming the file and what was wrong.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from dramatrack_cli.main import parse_app
from transforms.errors import ParseError
from transforms.records import to_dict

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="Raw response body, as archived.")]


def _run(source: str, path: Path, parse: Callable[[bytes], Sequence[Any]]) -> None:
    try:
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise ParseError(source, f"cannot read file ({exc.strerror or type(exc).__name__})") from None
        records = parse(body)
    except ParseError as err:
        typer.echo(err.with_location(str(path)).one_line(), err=True)
        raise typer.Exit(1) from None
    out = sys.stdout
    for rec in records:
        out.write(json.dumps(to_dict(rec), ensure_ascii=False) + "\n")
    out.flush()


@parse_app.command("appstore-rss")
def appstore_rss(
    file: FileArg,
    country: Annotated[str, typer.Option("--country", help="Storefront, ISO alpha-2 (us, gb, ...).")],
    chart: Annotated[str, typer.Option("--chart", help="top-free | top-paid | top-grossing.")],
    genre: Annotated[
        str | None, typer.Option("--genre", help="Genre id of a legacy feed (6016 = Entertainment).")
    ] = None,
) -> None:
    """An Apple chart feed (RSS v2 or legacy iTunes RSS, detected): one ChartEntry per line."""
    from transforms.appstore_rss import parse_appstore_rss

    _run("appstore-rss", file, lambda b: parse_appstore_rss(b, country=country, chart=chart, genre=genre))


@parse_app.command("itunes-lookup")
def itunes_lookup(
    file: FileArg,
    country: Annotated[str, typer.Option("--country", help="Storefront, ISO alpha-2.")] = "us",
) -> None:
    """An iTunes Lookup response: one AppLookup per line (nothing for resultCount 0)."""
    from transforms.itunes_lookup import parse_itunes_lookup

    _run("itunes-lookup", file, lambda b: parse_itunes_lookup(b, country=country))
