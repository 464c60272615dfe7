"""``dramatrack quarantine list`` and ``dramatrack quarantine replay BATCH``: the quarantine round trip.

After the cause of a quarantine is fixed (a parser, a validation setting, a repaired WARC file), ``replay``
re-parses the batch from its WARC files (``ops.quarantine.warc_paths``), re-validates it with the same GX
suites (``stage_and_validate``), loads it (``load_report``: the batch is released) and rebuilds the marts for
its day. A batch that fails validation again stays quarantined (with the new reasons) and the command exits
1 with one line saying why. An *item* (``source:date:country:app``, one Play app page) is replayed with its
batch, and released when its page now passes.

The manifest is rebuilt from the archive: every response the fetch archived is there, so a chart whose last
answer was not a 200, or that the fetch plan asks for but the archive lacks, is a fetch error again (the
batch cannot pass without it); a Play app page that did not answer 200 (or 404) is an item error again.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from dramatrack_cli.cli_app import app

quarantine_app = typer.Typer(help="Quarantined batches: list them; replay one after its cause was fixed.",
                             no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


class ReplayFailed(Exception):
    """The replay did not release the batch; ``str()`` is the one-line reason."""


def _read(settings, query: str, params: dict) -> list[dict[str, Any]]:
    """Rows of a named query, from the warehouse (read-only), or from the analysts' snapshot while a writer
    holds the warehouse."""
    import duckdb

    from warehouse.connection import connect, open_snapshot
    from warehouse.sql_runner import records, run_named

    for path, opener in ((settings.warehouse_path, lambda p: connect(p, read_only=True)),
                         (settings.snapshot_path, open_snapshot)):
        if not path.exists():
            continue
        try:
            with opener(path) as conn:
                return records(run_named(conn, query, params))
        except duckdb.IOException:
            continue  # locked by the writer: the snapshot is a moment older, but readable
        except duckdb.CatalogException:
            return []  # a warehouse from before the quarantine table existed
    return []


def _reasons(failed_expectations: str | None) -> str:
    try:
        failures = json.loads(failed_expectations or "[]")
    except ValueError:
        return str(failed_expectations)
    parts = []
    for f in failures:
        column = f"({f['column']})" if f.get("column") else ""
        example = f" e.g. {f['examples'][0]}" if f.get("examples") else ""
        parts.append(f"{f.get('expectation')}{column} x{f.get('unexpected_count')}{example}")
    return "; ".join(parts)


@quarantine_app.command("list")
def list_batches(
    all_: Annotated[bool, typer.Option("--all", help="Include released batches.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The quarantined batches (open ones; ``--all`` adds the released), newest day first, with why."""
    from dramatrack.settings import get_settings

    rows = _read(get_settings(), "quarantine_list", {"all": all_})
    for row in rows:
        if as_json:
            typer.echo(json.dumps({**row, "failed_expectations": json.loads(row["failed_expectations"] or "[]"),
                                   "warc_paths": json.loads(row["warc_paths"] or "[]")}, default=str))
        else:
            warcs = len(json.loads(row["warc_paths"] or "[]"))
            resolved = f"({row['resolution']} by {row['resolved_by']})  " if row.get("resolved_by") else ""
            typer.echo(f"{row['batch_id']}  {row['status']}  {row['snapshot_date']}  {warcs} WARC  {resolved}"
                       f"{_reasons(row['failed_expectations'])}"[:400])
    if not rows and not as_json:
        typer.echo("no quarantined batch" + ("" if all_ else " open"))


# --------------------------------------------------------------------------------------------------------
# replay


def parent_batch(batch_id: str) -> str:
    """The batch an item belongs to (``source:date:country:item`` → ``source:date:country``)."""
    parts = batch_id.split(":", 3)
    return ":".join(parts[:3])


def manifest_from_archive(settings, entry: dict[str, Any]):
    """The batch manifest rebuilt from the quarantined batch's WARC files (see the module doc)."""
    from extractors import appstore, google_play
    from extractors.batches import BatchManifest
    from extractors.warc_archive import iter_responses

    warcs = [str(p) for p in json.loads(entry["warc_paths"] or "[]")]
    missing = [p for p in warcs if not Path(p).is_file()]
    if not warcs or missing:
        raise ReplayFailed(f"{entry['batch_id']}: WARC file missing: {missing[0] if missing else '(none recorded)'}")
    source, country = entry["source"], entry["country"]
    last: dict[tuple, Any] = {}  # (method, url, request body) -> its final archived response
    count = 0
    for path in warcs:
        for resp in iter_responses(path):
            count += 1
            last[(resp.method, resp.url, resp.request_body_sha1)] = resp
    fetch_errors, item_errors = [], []
    for resp in last.values():
        kind = resp.tags.get("kind")
        if resp.status == 200:
            continue
        if source == "google_play" and kind == "details":
            if resp.status != 404:
                item_errors.append((str(resp.tags.get("app_id")), f"{resp.url}: HTTP {resp.status}"))
        else:
            fetch_errors.append(f"{resp.url}: HTTP {resp.status}")
    plan = appstore if source == "app_store" else google_play
    expected = {(r.tags["kind"], r.tags["chart"], str(r.tags.get("genre"))) for r in plan.chart_requests(settings, country)}
    archived = {(r.tags.get("kind"), r.tags.get("chart"), str(r.tags.get("genre"))) for r in last.values()
                if r.status == 200}
    fetch_errors += [f"{source}: {country}: chart {k[1]} ({k[0]}, genre {k[2]}) is not in the archive"
                     for k in sorted(expected - archived)]
    return BatchManifest(batch_id=parent_batch(entry["batch_id"]), source=source,
                         snapshot_date=entry["snapshot_date"], country=country, warc_paths=tuple(warcs),
                         responses=count, fetch_errors=tuple(fetch_errors), item_errors=tuple(item_errors))


def replay_batch(settings, batch_id: str, *, rebuild_marts: bool = True) -> dict[str, Any]:
    """Re-parse, re-validate and load one quarantined batch (or item); rebuild the marts for its day.

    Raises :class:`ReplayFailed` (one line) when it is not quarantined, its WARC is gone, or it fails again.
    """
    from dramatrack.pipeline.validate_load import build_marts_and_publish, load_report, stage_and_validate
    from warehouse.connection import run_sql, writer

    rows = _read(settings, "quarantine_entry", {"batch_id": batch_id})
    if not rows:
        raise ReplayFailed(f"{batch_id} is not in quarantine (dramatrack quarantine list shows what is)")
    entry = rows[0]
    if entry["status"] != "open":
        raise ReplayFailed(f"{batch_id} was released already")
    if entry["source"] not in ("app_store", "google_play"):
        raise ReplayFailed(f"{batch_id}: replay of {entry['source']} batches is not supported")
    manifest = manifest_from_archive(settings, entry)
    run_id = f"quarantine_replay__{batch_id}__{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
    report_path = stage_and_validate(settings, [manifest], run_id)
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    target = next((b for b in report["batches"] if b["batch_id"] == batch_id), None)
    summary = load_report(settings, report_path)
    passed = target is not None and target["status"] == "passed" if batch_id == manifest.batch_id else (
        target is None and batch_id not in summary["quarantined_batches"]
        and manifest.batch_id in summary["loaded_batches"])
    if not passed:
        failures = (target or {}).get("failures") or []
        if not failures:
            parent = next((b for b in report["batches"] if b["batch_id"] == manifest.batch_id), {})
            failures = parent.get("failures") or [{"expectation": "parent batch failed", "unexpected_count": 1,
                                                   "examples": [manifest.batch_id]}]
        raise ReplayFailed(f"{batch_id} failed validation again: {_reasons(json.dumps(failures))}"[:500])
    if batch_id != manifest.batch_id:  # an item: its page loaded with the batch; release it too
        with writer(settings.warehouse_path) as conn:
            run_sql(conn, "release_quarantine.sql", {"batch_id": batch_id})
    marts = build_marts_and_publish(settings, changed_dates=[date.fromisoformat(entry["snapshot_date"])]) \
        if rebuild_marts else None
    return {"batch_id": batch_id, "report_path": str(report_path), "load": summary, "marts": marts,
            "counts": (target or {}).get("counts") or {}}


@quarantine_app.command("replay")
def replay(
    batch_id: Annotated[str, typer.Argument(metavar="BATCH", help="Batch id, e.g. app_store:2026-11-10:mx.")],
    marts: Annotated[bool, typer.Option("--marts/--no-marts", help="Rebuild the marts for the batch's day.")] = True,
) -> None:
    """Re-parse a quarantined batch from its WARC files, re-validate and load it, and rebuild the marts."""
    from dramatrack.settings import get_settings

    try:
        result = replay_batch(get_settings(), batch_id, rebuild_marts=marts)
    except ReplayFailed as exc:
        typer.echo(f"dramatrack quarantine replay: {exc}", err=True)
        raise typer.Exit(1) from None
    counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items() if v)
    rebuilt = " ; marts rebuilt" if result["marts"] is not None else ""
    typer.echo(f"{batch_id} released: loaded {counts or 'its rows'}{rebuilt}")
