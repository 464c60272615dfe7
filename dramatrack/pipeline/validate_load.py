"""Stage → validate → load: the steps the stage-validate-load DAG wires together.

A batch that fails validation (or could not be fetched or parsed) is quarantined with the reasons and
its WARC paths; the other batches of the day load, each in its own transaction.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dramatrack.catalog import load_catalog
from dramatrack.pipeline.endpoints import validation_frames
from dramatrack.pipeline.play_attach import attach_shared_pages
from dramatrack.pipeline.stage import StagedBatch, item_batch_id, stage_batch
from dramatrack.pipeline.staging_store import StagingError, load_staged, save_staged
from dramatrack.settings import Settings
from extractors.batches import BatchManifest
from transforms.records import to_dict

PROBLEM_EXPECTATION = "batch_fetched_and_parsed"
STAGED_EXPECTATION = "batch_staged"  # the records fit the staging schema (bounded types)
# staged tables the loader takes as Arrow, straight from Parquet (no Python records; the catalog check reads
# the lookups and app pages as records)
LOADED_AS_ARROW = ("chart_entries", "apps")


def _stage_one(manifest: BatchManifest, catalog) -> StagedBatch:
    """Stage one batch; an unexpected error fails that batch alone (named), never the day."""
    try:
        return stage_batch(manifest, catalog)
    except Exception as exc:  # noqa: BLE001 - one batch's bug or bad byte must not stop the other batches
        return StagedBatch(manifest=manifest, problems=[
            f"{manifest.source}: {manifest.batch_id}: staging failed ({type(exc).__name__}: {str(exc)[:200]})"])


def _save_one(settings: Settings, batch: StagedBatch, failures: list[dict]) -> Path:
    """Save a staged batch; when its records do not fit the schema, fail it (field and value named) and save
    it without records, so it is quarantined with its fetch log and the other batches go on."""
    try:
        return save_staged(batch, staging_dir(settings))
    except StagingError as exc:
        failures.append(_failure(STAGED_EXPECTATION, 1, [f"{batch.batch_id}: {exc}"]))
        empty = StagedBatch(manifest=batch.manifest, problems=[*batch.problems, str(exc)],
                            item_problems=batch.item_problems, fetch_log_rows=batch.fetch_log_rows)
        return save_staged(empty, staging_dir(settings))


def staging_dir(settings: Settings) -> Path:
    return settings.data_dir / "staging"


def _frame(staged: list[StagedBatch], attr: str, *, item_ids: bool = False):
    """One frame of every batch's records of one kind, with the batch (or item) id each row belongs to."""
    import pandas as pd

    rows = []
    for batch in staged:
        for record in getattr(batch, attr):
            row = to_dict(record)
            row["batch_id"] = item_batch_id(batch.batch_id, row["app_id"]) if item_ids else batch.batch_id
            rows.append(row)
    return pd.DataFrame(rows)


def _failure(expectation: str, count: int, examples: list[str], column: str | None = None) -> dict:
    return {"expectation": expectation, "column": column, "unexpected_count": count, "examples": examples[:5]}


@dataclass(frozen=True)
class _History:
    """What validation compares a day with, read from the analysts' snapshot (never the warehouse, so validation
    never waits on the writer): the last exact installs per (country, app) and each checked field's recent fill
    rate per (suite, country, field)."""

    previous_installs: dict[tuple[str, str], int]
    recent_fill: dict[tuple[str, str, str], float]


def _history(settings: Settings, staged: list[StagedBatch]) -> _History:
    """Both histories before the batches' day, in one read of the snapshot (storefronts with too few recent rows
    have no fill rate: nothing to compare with)."""
    from expectations.suites import FILL_MIN_ROWS, RECENT_FILL_DAYS

    if not staged or not settings.snapshot_path.exists():
        return _History({}, {})
    from warehouse.connection import open_snapshot
    from warehouse.queries import run_query

    day = min(b.snapshot_date for b in staged)
    with open_snapshot(settings.snapshot_path) as conn:
        installs = []
        if any(b.play_details for b in staged):
            play_day = min(b.snapshot_date for b in staged if b.play_details)
            _, installs = run_query(conn, "previous_play_installs", {"snapshot_date": play_day})
        _, fills = run_query(conn, "recent_fill_rates", {"snapshot_date": day, "days": RECENT_FILL_DAYS})
    return _History(
        previous_installs={(country, app_id): n for country, app_id, n in installs},
        recent_fill={(suite, country, field): fill for suite, country, field, fill, n in fills if n >= 2 * FILL_MIN_ROWS},
    )


def _with_recent_fill(suite: str, frame, recent: dict[tuple[str, str, str], float]):
    """``recent_<field>_fill`` on every row of a lookups or app-page frame (null where the storefront has none)."""
    from expectations.suites import FILL_RATE_FIELDS

    if frame.empty or suite not in FILL_RATE_FIELDS:
        return frame
    for field in FILL_RATE_FIELDS[suite]:
        frame[f"recent_{field}_fill"] = [recent.get((suite, c, field)) for c in frame["country"]]
    return frame


def _details_frame(settings: Settings, staged: list[StagedBatch], previous: dict[tuple[str, str], int]):
    frame = _frame(staged, "play_details", item_ids=True)
    if frame.empty:
        return frame
    frame["batch"] = [b.rsplit(":", 1)[0] for b in frame["batch_id"]]  # the page's batch: fill rates per batch
    frame["prev_real_installs"] = [previous.get((c, a)) for c, a in zip(frame["country"], frame["app_id"], strict=True)]
    frame["installs_tolerance"] = settings.installs_drop_tolerance
    return frame


def _validate_isolated(suite: str, frame, settings: Settings, run_id: str, failures: dict[str, list[dict]]):
    """The suite's outcome on the whole frame; if validating it raises, one outcome per batch (or item), so
    only the batch whose rows break the validator fails (named), and the others are validated as usual."""
    from expectations.runner import validate_frame

    try:
        return [validate_frame(suite, frame, settings=settings, run_name=run_id, build_docs="on_failure")]
    except Exception:  # noqa: BLE001 - isolate the batch that breaks it, below
        outcomes = []
        for batch_id, rows in frame.groupby("batch_id", sort=True):
            try:
                outcomes.append(validate_frame(suite, rows.reset_index(drop=True), settings=settings,
                                               run_name=run_id, build_docs=False))
            except Exception as exc:  # noqa: BLE001
                failures.setdefault(batch_id, []).append(_failure(
                    f"{suite}_validated", len(rows), [f"{batch_id}: validation failed ({type(exc).__name__}: "
                                                      f"{str(exc)[:200]})"]))
        return outcomes


def stage_and_validate(settings: Settings, manifests: list[BatchManifest], run_id: str) -> Path:
    """Stage every batch, validate them with the GX suites, save staged records; return the report path.

    A batch fails as a whole (charts, lookups, fetch or parse problems); one app page (an *item*) fails
    alone, and its batch loads without it.
    """
    from dramatrack.pipeline.figure_checks import reject_implausible_figures
    from dramatrack.pipeline.stage_news import NEWS, drop_news_items, news_frames, news_items

    catalog = load_catalog(settings.catalog_path)
    staged = [_stage_one(m, catalog) for m in manifests]
    attach_shared_pages(staged, catalog, settings.play_max_details_per_country)  # Play pages fetched once a day
    failures: dict[str, list[dict]] = {b.batch_id: [] for b in staged}
    parents: dict[str, str] = {}
    for batch in staged:
        if batch.problems:
            failures[batch.batch_id].append(_failure(PROBLEM_EXPECTATION, len(batch.problems), batch.problems))
        elif not batch.chart_entries and batch.manifest.source != NEWS:  # news: stories only, may be none
            failures[batch.batch_id].append(_failure(PROBLEM_EXPECTATION, 1, ["the batch holds no chart entry"]))
        for item, problems in batch.item_problems.items():
            parents[item] = batch.batch_id
            failures.setdefault(item, []).append(_failure(PROBLEM_EXPECTATION, len(problems), problems))
        for details in batch.play_details:
            parents[item_batch_id(batch.batch_id, details.app_id)] = batch.batch_id
        for item in news_items(batch):  # news: each search or feed is an item
            parents[item] = batch.batch_id

    reject_implausible_figures(settings, staged, run_id)  # figure by figure: rejected ones load apart
    data_docs = []
    # one frame per suite of the registered endpoints; Play app pages (items) carry their item ids and history
    frames = tuple((suite, _frame(staged, attr)) for suite, attr in validation_frames())
    history = _history(settings, staged)
    frames += (("play_app_details", _details_frame(settings, staged, history.previous_installs)),)
    frames = tuple((suite, _with_recent_fill(suite, frame, history.recent_fill)) for suite, frame in frames)
    frames += tuple(news_frames(staged))  # news_articles, reported_metrics (rows attributed to their feed)
    for suite, frame in frames:
        if frame.empty:
            continue
        for outcome in _validate_isolated(suite, frame, settings, run_id, failures):
            if outcome.data_docs_url:
                data_docs.append(outcome.data_docs_url)
            for batch_id, failed in outcome.failed_batches.items():
                for f in failed:
                    target = batch_id
                    if (f.column or "").endswith(("_fill", "_fill_vs_recent")) and batch_id in parents:
                        target = parents[batch_id]  # a field gone from a whole batch fails the batch, not its items
                        if any(x["column"] == f.column for x in failures[target]):
                            continue
                    failures.setdefault(target, []).append(
                        _failure(f.expectation_type, f.unexpected_count, list(f.examples), f.column))

    failed_items = {i for i in parents if failures.get(i)}
    report_batches = []
    for batch in staged:
        batch.drop_items(failed_items)
        drop_news_items(batch, failed_items)
        folder = _save_one(settings, batch, failures[batch.batch_id])
        report_batches.append({
            "batch_id": batch.batch_id,
            "source": batch.manifest.source,
            "country": batch.manifest.country,
            "snapshot_date": batch.manifest.snapshot_date,
            "folder": str(folder),
            "status": "failed" if failures[batch.batch_id] else "passed",
            "failures": failures[batch.batch_id],
            "counts": batch.counts(),
            "warc_paths": list(batch.manifest.warc_paths),
            # the items (app pages, news searches) that load with the batch: their old quarantines resolve
            "loaded_items": sorted(i for i, p in parents.items() if p == batch.batch_id and i not in failed_items),
        })
        for item in sorted(i for i in failed_items if parents[i] == batch.batch_id):
            report_batches.append({
                "batch_id": item, "parent": batch.batch_id, "source": batch.manifest.source,
                "country": batch.manifest.country, "snapshot_date": batch.manifest.snapshot_date,
                "folder": None, "status": "failed", "failures": failures[item], "counts": {},
                "warc_paths": list(batch.manifest.warc_paths),
            })
    first = manifests[0] if manifests else None
    report = {
        "run_id": run_id,
        "sources": sorted({m.source for m in manifests}),
        "snapshot_dates": sorted({m.snapshot_date for m in manifests}),
        "created_at": datetime.now(UTC).isoformat(),
        "data_docs_urls": data_docs,
        "batches": report_batches,
    }
    safe_run = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    day = first.snapshot_date if first else "none"
    path = staging_dir(settings) / "reports" / day / f"report-{safe_run}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def load_report(settings: Settings, report_path: Path | str) -> dict:
    """Load the passed batches of a validation report and quarantine the failed ones (the single writer)."""
    import duckdb
    import pyarrow as pa

    from dramatrack.alerts.dispatch import dispatch_alert
    from dramatrack.catalog_check import check_loaded, suspect_alert
    from warehouse.connection import writer
    from warehouse.loaders import Batch, load_batches, quarantine_batch, sync_catalog
    from warehouse.news_loader import load_news_batch

    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    data_docs = (report.get("data_docs_urls") or [None])[0]
    catalog = load_catalog(settings.catalog_path)
    loaded, quarantined, rows, passed, passed_staged, failed_items = [], [], 0, [], [], []
    with writer(settings.warehouse_path) as conn:
        sync_catalog(conn, catalog)
        for entry in report["batches"]:
            if entry.get("parent"):  # a failed item: quarantined alone; its batch carries the fetch log
                quarantine_batch(conn, batch_id=entry["batch_id"], source=entry["source"],
                                 snapshot_date=date.fromisoformat(entry["snapshot_date"]), country=entry["country"],
                                 failed_expectations=entry["failures"], warc_paths=entry["warc_paths"],
                                 data_docs_url=data_docs, fetch_log_rows=[])
                quarantined.append(entry["batch_id"])
                failed_items.append(entry["batch_id"])
                continue
            staged = load_staged(Path(entry["folder"]), arrow=LOADED_AS_ARROW)
            m = staged.manifest
            if entry["status"] == "passed" and m.source == "news":  # stories, mentions, reported figures
                counts = load_news_batch(conn, batch_id=m.batch_id, source=m.source,
                                         snapshot_date=staged.snapshot_date, country=m.country,
                                         articles=staged.articles, mentions=staged.mentions,
                                         metrics=staged.metrics, fetch_log_rows=staged.fetch_log_rows,
                                         items=entry.get("loaded_items", []))
                rows += sum(counts.values())
                loaded.append(m.batch_id)
            elif entry["status"] == "passed":  # loaded below, all in one transaction
                passed.append(Batch(batch_id=m.batch_id, source=m.source, snapshot_date=staged.snapshot_date,
                                    country=m.country, chart_entries=staged.chart_entries, lookups=staged.lookups,
                                    play_details=staged.play_details, apps=staged.apps,
                                    fetch_log_rows=staged.fetch_log_rows, items=entry.get("loaded_items", [])))
                passed_staged.append(staged)
                loaded.append(m.batch_id)
            else:
                quarantine_batch(conn, batch_id=m.batch_id, source=m.source, snapshot_date=staged.snapshot_date,
                                 country=m.country, failed_expectations=entry["failures"],
                                 warc_paths=list(m.warc_paths), data_docs_url=data_docs,
                                 fetch_log_rows=staged.fetch_log_rows)
                quarantined.append(m.batch_id)
        try:
            all_counts = load_batches(conn, passed)
        except (duckdb.Error, pa.ArrowException, OverflowError, ValueError):
            # nothing loaded: load one by one, so only the failing batch is quarantined (its reason named)
            all_counts = []
            for batch in passed:
                try:
                    all_counts.append(load_batches(conn, [batch])[0])
                except (duckdb.Error, pa.ArrowException, OverflowError, ValueError) as exc:
                    reason = f"{batch.batch_id}: load failed ({type(exc).__name__}: {str(exc)[:200]})"
                    quarantine_batch(conn, batch_id=batch.batch_id, source=batch.source,
                                     snapshot_date=batch.snapshot_date, country=batch.country,
                                     failed_expectations=[_failure("batch_loaded", 1, [reason])],
                                     warc_paths=[], data_docs_url=data_docs, fetch_log_rows=batch.fetch_log_rows)
                    loaded.remove(batch.batch_id)
                    quarantined.append(batch.batch_id)
        rows += sum(v for counts in all_counts for v in counts.values() if isinstance(v, int))
        try:
            suspects = check_loaded(conn, catalog, [b for b in passed_staged if b.manifest.batch_id in loaded],
                                    failed_items)
        except duckdb.Error as exc:  # the loads are committed; a failed check must not undo or hide them
            logging.getLogger(__name__).error("catalog check of %s failed: %s", report_path, exc)
            suspects = []
    if suspects:  # after the writer is closed: the alert log is written through its own connection
        dispatch_alert(suspect_alert(suspects), settings)
    return {
        "sources": report["sources"],
        "snapshot_dates": report["snapshot_dates"],
        "loaded_batches": loaded,
        "quarantined_batches": quarantined,
        "countries": sorted({b["country"] for b in report["batches"] if b["status"] == "passed"}),
        "rows": rows,
        "data_docs_url": data_docs,
        "catalog_suspects": [f"{r['store']}:{r['store_app_id']}" for r in suspects],
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


def build_marts_and_publish(settings: Settings, changed_dates=None) -> dict:
    """Rebuild the estimates and marts in the warehouse, then publish the analysts' read-only snapshot.

    ``changed_dates`` (e.g. the load's ``snapshot_dates``) refreshes only what those days touch; None (the
    default) rebuilds everything. Both give the same tables.
    """
    from warehouse.connection import writer
    from warehouse.marts import refresh_marts
    from warehouse.queries import run_query
    from warehouse.snapshot import publish_snapshot

    with writer(settings.warehouse_path) as conn:
        build = refresh_marts(conn, changed_dates)
        conn.execute("CHECKPOINT")
        _, rows = run_query(conn, "market_share_rows_by_grain")
        counts = dict(rows)
    publish_snapshot(settings.warehouse_path, settings.snapshot_path)
    summary = {"market_share_rows": counts, "snapshot": str(settings.snapshot_path), "marts_build": build.as_dict()}
    weeks = (build.as_dict().get("estimates") or {}).get("weeks") or []
    if weeks:  # weeks whose estimates failed the published check: one alert per week and target
        from dramatrack.alerts.estimates import alert_flagged_weeks

        summary["estimates_flagged"] = alert_flagged_weeks(settings, weeks)
    return summary
