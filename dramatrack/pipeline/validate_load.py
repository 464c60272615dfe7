"""Stage → validate → load: the steps the stage-validate-load DAG wires together.

A batch that fails validation (or could not be fetched or parsed) is quarantined with the reasons and
its WARC paths; the other batches of the day load, each in its own transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from dramatrack.catalog import load_catalog
from dramatrack.pipeline.stage import StagedBatch, stage_appstore_batch
from dramatrack.pipeline.staging_store import load_staged, save_staged
from dramatrack.settings import Settings
from extractors.batches import BatchManifest
from transforms.records import to_dict

PROBLEM_EXPECTATION = "batch_fetched_and_parsed"


def staging_dir(settings: Settings) -> Path:
    return settings.data_dir / "staging"


def _frame(staged: list[StagedBatch], attr: str):
    import pandas as pd

    rows = []
    for batch in staged:
        for record in getattr(batch, attr):
            row = to_dict(record)
            row["batch_id"] = batch.batch_id
            rows.append(row)
    return pd.DataFrame(rows)


def _failure(expectation: str, count: int, examples: list[str], column: str | None = None) -> dict:
    return {"expectation": expectation, "column": column, "unexpected_count": count, "examples": examples[:5]}


def stage_and_validate(settings: Settings, manifests: list[BatchManifest], run_id: str) -> Path:
    """Stage every batch, validate them with the GX suites, save staged records; return the report path."""
    from expectations.runner import validate_frame

    catalog = load_catalog(settings.catalog_path)
    staged = [stage_appstore_batch(m, catalog) for m in manifests]
    failures: dict[str, list[dict]] = {b.batch_id: [] for b in staged}
    for batch in staged:
        if batch.problems:
            failures[batch.batch_id].append(_failure(PROBLEM_EXPECTATION, len(batch.problems), batch.problems))
        elif not batch.chart_entries:
            failures[batch.batch_id].append(_failure(PROBLEM_EXPECTATION, 1, ["the batch holds no chart entry"]))

    data_docs = []
    for suite, attr in (("chart_entries", "chart_entries"), ("app_lookups", "lookups")):
        frame = _frame(staged, attr)
        if frame.empty:
            continue
        outcome = validate_frame(suite, frame, settings=settings)
        if outcome.data_docs_url:
            data_docs.append(outcome.data_docs_url)
        for batch_id, failed in outcome.failed_batches.items():
            for f in failed:
                failures[batch_id].append(_failure(f.expectation_type, f.unexpected_count, list(f.examples), f.column))

    report_batches = []
    for batch in staged:
        folder = save_staged(batch, staging_dir(settings))
        report_batches.append({
            "batch_id": batch.batch_id,
            "country": batch.manifest.country,
            "folder": str(folder),
            "status": "failed" if failures[batch.batch_id] else "passed",
            "failures": failures[batch.batch_id],
            "counts": batch.counts(),
            "warc_paths": list(batch.manifest.warc_paths),
        })
    first = manifests[0] if manifests else None
    report = {
        "run_id": run_id,
        "source": first.source if first else None,
        "snapshot_dates": sorted({m.snapshot_date for m in manifests}),
        "created_at": datetime.now(UTC).isoformat(),
        "data_docs_urls": data_docs,
        "batches": report_batches,
    }
    safe_run = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    day = first.snapshot_date if first else "none"
    path = staging_dir(settings) / (first.source if first else "none") / day / f"report-{safe_run}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def load_report(settings: Settings, report_path: Path | str) -> dict:
    """Load the passed batches of a validation report and quarantine the failed ones (the single writer)."""
    from warehouse.connection import writer
    from warehouse.loaders import load_batch, quarantine_batch, sync_catalog

    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    data_docs = (report.get("data_docs_urls") or [None])[0]
    catalog = load_catalog(settings.catalog_path)
    loaded, quarantined, rows = [], [], 0
    with writer(settings.warehouse_path) as conn:
        sync_catalog(conn, catalog)
        for entry in report["batches"]:
            staged = load_staged(Path(entry["folder"]))
            m = staged.manifest
            if entry["status"] == "passed":
                counts = load_batch(conn, batch_id=m.batch_id, source=m.source, snapshot_date=staged.snapshot_date,
                                    country=m.country, chart_entries=staged.chart_entries, lookups=staged.lookups,
                                    apps=staged.apps, fetch_log_rows=staged.fetch_log_rows)
                rows += sum(v for v in counts.values() if isinstance(v, int))
                loaded.append(m.batch_id)
            else:
                quarantine_batch(conn, batch_id=m.batch_id, source=m.source, snapshot_date=staged.snapshot_date,
                                 country=m.country, failed_expectations=entry["failures"],
                                 warc_paths=list(m.warc_paths), data_docs_url=data_docs,
                                 fetch_log_rows=staged.fetch_log_rows)
                quarantined.append(m.batch_id)
    return {
        "source": report["source"],
        "snapshot_dates": report["snapshot_dates"],
        "loaded_batches": loaded,
        "quarantined_batches": quarantined,
        "countries": sorted({b["country"] for b in report["batches"] if b["status"] == "passed"}),
        "rows": rows,
        "data_docs_url": data_docs,
    }


def quarantine_message(report_path: Path | str) -> str | None:
    """One line per quarantined batch with its failed expectations, or None when every batch passed."""
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    lines = []
    for entry in report["batches"]:
        if entry["status"] != "failed":
            continue
        reasons = "; ".join(
            f"{f['expectation']}{'(' + f['column'] + ')' if f.get('column') else ''} x{f['unexpected_count']}"
            f" e.g. {', '.join(map(str, f['examples'][:3]))}" for f in entry["failures"])
        lines.append(f"{entry['batch_id']} quarantined: {reasons}")
    return "\n".join(lines) or None


def build_marts_and_publish(settings: Settings) -> dict:
    """Rebuild the marts in the warehouse, then publish the analysts' read-only snapshot."""
    from warehouse.connection import writer
    from warehouse.marts import build_marts
    from warehouse.queries import run_query
    from warehouse.snapshot import publish_snapshot

    with writer(settings.warehouse_path) as conn:
        build_marts(conn)
        conn.execute("CHECKPOINT")
        _, rows = run_query(conn, "market_share_rows_by_grain")
        counts = dict(rows)
    publish_snapshot(settings.warehouse_path, settings.snapshot_path)
    return {"market_share_rows": counts, "snapshot": str(settings.snapshot_path)}
