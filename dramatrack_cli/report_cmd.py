"""``dramatrack report``: the analyst's HTML report (charts + movers table) and PNG copies of the charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dramatrack_cli.cli_app import app


def generate_report(*, out: Path | None = None, weeks: int = 12, geo: str = "global", store: str = "both",
                    top_apps: int = 8, console=None):
    """Build the report from the snapshot with a progress bar; return the :class:`ReportResult`.
    Raises :class:`dramatrack.report.ReportError` for problems the user can fix."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from dramatrack.report import STEPS, build_report
    from dramatrack.settings import get_settings

    settings = get_settings()
    console = console or Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:  # fmt: skip
        task = progress.add_task("Report", total=sum(STEPS.values()))

        def advance(description: str, amount: int) -> None:
            progress.update(task, description=description, advance=amount)

        return build_report(settings.snapshot_path, settings.data_dir, out=out, weeks=weeks, geo=geo, store=store,
                            top_apps=top_apps, advance=advance)  # fmt: skip


@app.command()
def report(
    out: Annotated[Path | None, typer.Option(help="report.html path, or its folder; default data/reports/<latest day>/.")] = None,  # noqa: E501
    weeks: Annotated[int, typer.Option(min=1, help="Weeks of data to chart.")] = 12,
    country: Annotated[str, typer.Option("--country", help="A country code (us), a region (europe), or global.")] = "global",  # noqa: E501
    store: Annotated[str, typer.Option(help="app_store | google_play | both")] = "both",
    top: Annotated[int, typer.Option(min=1, max=20, help="Apps in the download-trends chart.")] = 8,
) -> None:
    """Write an HTML report (market share, download trends, rank heat map, movers) from the analytics snapshot,
    with PNG copies of the charts; prints the report's path."""
    from dramatrack.report import ReportError

    try:
        result = generate_report(out=out, weeks=weeks, geo=country, store=store, top_apps=top)
    except ReportError as exc:
        typer.echo(f"dramatrack report: {exc}", err=True)
        raise typer.Exit(1) from exc
    for note in result.data.notes:
        typer.echo(f"note: {note}", err=True)
    for path in result.png_paths.values():
        typer.echo(f"PNG: {path}")
    typer.echo(f"Report: {result.html_path}")
