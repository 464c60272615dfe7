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

from dramatrack_cli.cli_app import parse_app
from transforms.errors import ParseError
from transforms.records import to_dict

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="Raw response body, as archived.")]


def _run(
    source: str,
    path: Path,
    parse: Callable[[bytes], Sequence[Any]],
    row: Callable[[Any], dict[str, Any]] = to_dict,
) -> None:
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
        out.write(json.dumps(row(rec), ensure_ascii=False) + "\n")
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


@parse_app.command("gplay-details")
def gplay_details(
    file: FileArg,
    country: Annotated[str, typer.Option("--country", help="Storefront (gl=), ISO alpha-2.")] = "us",
    app_id: Annotated[
        str | None, typer.Option("--app-id", help="Package the page was fetched for (default: read from the page).")
    ] = None,
) -> None:
    """A Google Play app details page (HTML): one PlayAppDetails record."""
    from transforms.google_play_details import parse_play_details

    _run("gplay-details", file, lambda b: [parse_play_details(b, app_id=app_id, country=country)])


def _play_chart_row(entry: Any) -> dict[str, Any]:
    """A Google Play ChartEntry with the Play names alongside: app_id, title, developer."""
    out = to_dict(entry)
    out["app_id"] = entry.store_app_id
    out["title"] = entry.name
    out["developer"] = entry.publisher
    return out


@parse_app.command("gplay-chart")
def gplay_chart(
    file: FileArg,
    country: Annotated[str, typer.Option("--country", help="Storefront (gl=), ISO alpha-2.")] = "us",
    chart: Annotated[str, typer.Option("--chart", help="top-free | top-paid | top-grossing.")] = "top-free",
    genre: Annotated[
        str, typer.Option("--genre", help="Play category the chart was asked for (GAME, ENTERTAINMENT, ...).")
    ] = "GAME",
) -> None:
    """A Google Play top chart (batchexecute vyAe2 response): one ChartEntry per line, ranked."""
    from transforms.google_play_chart import parse_play_chart

    _run(
        "gplay-chart",
        file,
        lambda b: parse_play_chart(b, country=country, chart=chart, genre=genre),
        row=_play_chart_row,
    )


@parse_app.command("news-feed")
def news_feed(
    file: FileArg,
    language: Annotated[
        str | None, typer.Option("--language", help="Language when the feed declares none (en-US, zh-CN).")
    ] = None,
    source_feed: Annotated[str, typer.Option("--source-feed", help="Label of the feed or query.")] = "",
) -> None:
    """A news feed (Google News RSS, RSS 2.0 or Atom): one Article per line."""
    from transforms.news_feed import parse_news_feed

    _run("news-feed", file, lambda b: parse_news_feed(b, source_feed=source_feed, language=language))


@parse_app.command("news-text")
def news_text(
    file: FileArg,
    published_at: Annotated[
        str | None, typer.Option("--published-at", help="ISO date of the article (year of '一季度', 'in May').")
    ] = None,
) -> None:
    """An article's text (UTF-8): one ReportedMetric per line (apps from the catalog)."""
    from dramatrack.catalog import load_catalog
    from dramatrack.settings import get_settings
    from transforms.news_metrics import extract_metrics

    def parse(body: bytes) -> list[Any]:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError("news-text", f"not UTF-8 text (byte {exc.start})") from None
        try:
            catalog = load_catalog(get_settings().catalog_path)
        except ValueError as exc:
            raise ParseError("news-text", str(exc)) from None
        apps = [(a.app_key, a.all_names()) for a in catalog.apps]
        return extract_metrics(text, apps=apps, published_at=published_at)

    _run("news-text", file, parse)
