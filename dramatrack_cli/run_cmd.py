"""``dramatrack run`` and ``dramatrack demo``: the pipeline through the DAGs, embedded."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from dramatrack_cli.cli_app import app

SOURCES = {"app_store": "appstore_ingest", "google_play": "google_play_ingest", "news": "news_ingest"}


def _days(dates: list[str] | None, start: str | None, end: str | None) -> list[date]:
    if start or end:
        if not (start and end):
            raise typer.BadParameter("--start and --end go together")
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if dates:
        return [date.fromisoformat(d) for d in dates]
    return [date.today()]


def run_days(days: list[date], sources: list[str], countries: list[str] | None, replay: Path | None,
             echo=typer.echo, show_progress: bool = True, before_day=None, keep_worker: bool = False) -> list:
    """Run each source's ingest DAG, then the asset-triggered chain below them, day by day (with a progress bar
    over the days on stderr; the per-run lines still go to ``echo``). ``before_day(day)``, when given, is called
    before a day's runs start (the demo waits there for the day's sample capture). The marts builds run in a
    worker process (``dramatrack.pipeline.worker``), stopped at the end unless ``keep_worker``."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from dramatrack.local_airflow import EmbeddedAirflow, configure_embedded_airflow, ensure_metadata_db
    from dramatrack.pipeline import worker
    from dramatrack.settings import get_settings

    settings = get_settings()
    configure_embedded_airflow(settings)
    ensure_metadata_db()
    airflow = EmbeddedAirflow()
    was_on = worker.enabled()
    worker.use_worker()  # the daily marts builds in one worker process (memory: see the module)
    results = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                        disable=not show_progress)  # fmt: skip
    try:
        with progress:
            task = progress.add_task("Running the DAGs", total=len(days))
            for day in days:
                if before_day is not None:
                    progress.update(task, description=f"Waiting for the sample capture of {day}")
                    before_day(day)
                progress.update(task, description=f"Running the DAGs: {day}")
                conf = {"date": day.isoformat(), "countries": countries, "replay": str(replay) if replay else None}
                chain = airflow.run_chain([SOURCES[s] for s in sources], day, conf)
                for result in chain:
                    failed = f" (failed: {', '.join(result.failed_tasks)})" if result.failed_tasks else ""
                    note = f": {result.note}; not a success" if result.note else ""
                    echo(f"{day} {result.dag_id}: {result.state}{failed}{note} ({result.seconds:.1f} s)")
                results.extend(chain)
                progress.advance(task)
            progress.update(task, description="Ran the DAGs")
    finally:  # the worker's state as it was; the worker stopped unless the caller still needs it
        worker.use_worker(was_on)
        if not keep_worker:
            worker.shutdown()
    return results


@app.command()
def run(
    date_: Annotated[list[str] | None, typer.Option("--date", help="Day to collect (YYYY-MM-DD); repeatable.")] = None,
    start: Annotated[str | None, typer.Option(help="First day of a back-fill range.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of a back-fill range (inclusive).")] = None,
    sources: Annotated[str, typer.Option(help="Comma-separated sources.")] = "app_store,google_play,news",
    countries: Annotated[str | None, typer.Option(help="Comma-separated ISO codes; default: configured.")] = None,
    replay: Annotated[Path | None, typer.Option(help="Answer from WARC files (a file or folder) instead of the network.")] = None,
) -> None:
    """Run the pipeline for one day (or a range) through the same DAGs, in an embedded Airflow."""
    chosen = [s.strip() for s in sources.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise typer.BadParameter(f"unknown source(s) {unknown}; known: {sorted(SOURCES)}")
    if replay is not None and not replay.exists():
        typer.echo(f"dramatrack run: replay path {replay} does not exist", err=True)
        raise typer.Exit(1)
    results = run_days(_days(date_, start, end), chosen,
                       [c.strip().lower() for c in countries.split(",")] if countries else None, replay)
    if any(r.state != "success" for r in results):
        raise typer.Exit(1)


@app.command()
def demo(
    days: Annotated[int, typer.Option(help="Days of sample capture to run.")] = 14,
    start: Annotated[str, typer.Option(help="First day of the sample capture.")] = "2026-11-01",
) -> None:
    """Run the whole pipeline on the bundled sample capture and print the market share."""
    import os
    import time

    from dramatrack.pipeline import worker
    from dramatrack.settings import get_settings
    from sample_data.generate_capture import DEMO_COUNTRIES, CaptureError, start_capture

    t0 = time.monotonic()
    # The sample's Play charts are 50 deep (the live default is 200): keeps the demo under two minutes.
    os.environ.setdefault("DRAMATRACK_PLAY_CHART_COUNT", "50")
    get_settings.cache_clear()
    settings = get_settings()
    first = date.fromisoformat(start)
    capture = settings.data_dir / "sample_capture"
    # Reused when its inputs are unchanged (capture.json); else generated by a child process, day by day, while
    # the DAGs run the days already written. Started before Airflow is imported (it forks).
    job = start_capture(capture, first, days, DEMO_COUNTRIES, plant_defect=("mx", min(9, days - 1)), settings=settings)
    what = f"{days} days x {len(DEMO_COUNTRIES)} countries, App Store, Google Play and news"
    if job.reused:
        typer.echo(f"Reusing the sample capture ({what}) under {capture}: its inputs are unchanged")
    else:
        typer.echo(f"Generating the sample capture ({what}) under {capture}, alongside the DAG runs")
    try:
        results = run_days([first + timedelta(days=i) for i in range(days)], list(SOURCES), DEMO_COUNTRIES, capture,
                           before_day=job.wait_for, keep_worker=True)
        job.finish()
    except CaptureError as exc:
        worker.shutdown()
        typer.echo(f"dramatrack demo: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        job.stop()
    from dramatrack.report import ReportError
    from dramatrack_cli.report_cmd import generate_report
    from dramatrack_cli.show import print_demo_summary

    print_demo_summary(settings, results, time.monotonic() - t0)
    try:  # in the marts builds' worker process: the report's pandas and charts stay out of this one too
        report = worker.call(generate_report)
    except ReportError as exc:
        typer.echo(f"dramatrack demo: no report: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        worker.shutdown()
    typer.echo(f"Charts (PNG): {report.html_path.parent}")
    typer.echo(f"Report: {report.html_path}")
