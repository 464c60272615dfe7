"""``dramatrack plan``: the requests a day will make per host and the wall time at the configured politeness,
without fetching (``extractors/crawl_plan.py``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from dramatrack_cli.cli_app import app


def _fail(message: str) -> typer.Exit:
    typer.echo(f"dramatrack plan: {message}", err=True)
    return typer.Exit(1)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m{rest % 60:02d}s" if hours else f"{rest // 60}m{rest % 60:02d}s"


def charts_from_archive(path: Path, day: date):
    """The day's charts archived under ``path`` (``PATH/<source>/<date>``, ``PATH/<date>`` or PATH itself)."""
    from extractors.crawl_plan import DayCharts

    out = DayCharts(origin=f"archive {path}")
    folders = [p for p in (path / "app_store" / day.isoformat(), path / "google_play" / day.isoformat())
               if p.is_dir()] or [p for p in (path / day.isoformat(), path) if p.is_dir()][:1]
    for folder in folders:
        found = DayCharts.from_archive(folder)
        out.play.update(found.play)
        out.app_store.update(found.app_store)
    return out


def charts_from_snapshot(snapshot: Path, day: date):
    """The charts of the latest day on or before ``day`` in the analysts' snapshot (none when there is none)."""
    from extractors.crawl_plan import DayCharts
    from transforms.records import ChartEntry

    out = DayCharts(origin="none (no snapshot)")
    if not snapshot.exists():
        return out
    from warehouse.connection import open_snapshot
    from warehouse.queries import run_query

    conn = open_snapshot(snapshot)
    try:
        _, rows = run_query(conn, "plan_chart_entries", {"snapshot_date": day})
    finally:
        conn.close()
    if not rows:
        out.origin = f"none (no chart in {snapshot} on or before {day})"
        return out
    out.origin = f"warehouse snapshot, charts of {rows[0][0]}"
    for _, store, country, chart, genre, feed, rank, app_id, name in rows:
        if store == "google_play":
            out.play.setdefault(country, []).append(ChartEntry(store=store, country=country, chart=chart, genre=genre,
                                                               feed=feed, rank=rank, store_app_id=app_id, name=name))
        else:
            out.app_store.setdefault(country, []).append(app_id)
    out.app_store = {c: list(dict.fromkeys(ids)) for c, ids in out.app_store.items()}
    return out


@app.command()
def plan(
    countries: Annotated[str | None, typer.Option(help="Comma-separated ISO codes (default: the configured ones).")] = None,
    day: Annotated[str | None, typer.Option("--date", help="The day to plan (ISO; default today).")] = None,
    plan_name: Annotated[str | None, typer.Option("--plan", help="once or per_country (default: the configured "
                                                                  "play_details_plan).")] = None,
    charts: Annotated[Path | None, typer.Option(help="Plan with the charts archived here (a capture or the raw "
                                                     "archive); default: the latest in the analysts' snapshot.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Print the requests a day will make per host and the wall time at the configured politeness (no fetch)."""
    from dramatrack.settings import get_settings
    from extractors.crawl_plan import PLANS, day_plan

    settings = get_settings()
    try:
        when = date.fromisoformat(day) if day else date.today()
    except ValueError as exc:
        raise _fail(f"--date {day!r} is not an ISO date") from exc
    chosen = [c.strip().lower() for c in countries.split(",") if c.strip()] if countries else list(settings.countries)
    bad = [c for c in chosen if len(c) != 2 or not c.isalpha()]
    if bad or not chosen:
        raise _fail(f"--countries wants ISO alpha-2 codes, got {bad or countries!r}")
    if plan_name is not None and plan_name not in PLANS:
        raise _fail(f"--plan must be one of {', '.join(PLANS)}, got {plan_name!r}")
    if charts is not None and not charts.exists():
        raise _fail(f"--charts {charts} does not exist")
    known = charts_from_archive(charts, when) if charts else charts_from_snapshot(settings.snapshot_path, when)
    result = day_plan(settings, chosen, known, plan=plan_name)
    if as_json:
        typer.echo(json.dumps({"date": when.isoformat(), "charts": known.origin, **result.as_dict(settings),
                               "notes": result.notes}, indent=1))
        return
    walls = result.wall_seconds(settings)
    typer.echo(f"Crawl plan for {when}: {len(chosen)} countries, Google Play plan {result.plan!r} "
               f"(charts: {known.origin})")
    typer.echo(f"{'host':<32} {'requests':>9} {'req/s':>6} {'wall':>10}")
    for host, n in result.per_host().items():
        typer.echo(f"{host:<32} {n:>9} {settings.rate_for_host(host):>6g} {_duration(walls[host]):>10}")
    typer.echo(f"{'all hosts':<32} {sum(result.requests.values()):>9} {'':>6} "
               f"{_duration(result.day_wall_seconds(settings)):>10}  (hosts in parallel: the slowest host)")
    typer.echo(f"Google Play app pages: {result.details_pages} fetched for {result.details_wanted} "
               "(country, app) pages wanted")
    for note in result.notes:
        typer.echo(f"note: {note}")
