"""Task bodies: adapt an Airflow task context to the pipeline steps. DAG files only wire these up."""

from __future__ import annotations

from collections.abc import Generator
from datetime import date
from typing import Any

from dramatrack.settings import get_settings
from extractors.batches import BatchManifest


def snapshot_date_of(context: Any) -> date:
    """The day a run collects: the run's logical date (UTC), or ``params.date`` when given."""
    explicit = (context.get("params") or {}).get("date")
    if explicit:
        return date.fromisoformat(str(explicit))
    logical = context.get("logical_date") or context["dag_run"].run_after
    return logical.in_timezone("UTC").date() if hasattr(logical, "in_timezone") else logical.date()


def triggering_extras(context: Any) -> list[dict]:
    """Metadata of the asset events that triggered this run.

    A scheduler-created run reads ``triggering_asset_events``. A run started by ``dramatrack run``
    (``dag.test()``, where asset-scheduled consumers never start by themselves) passes the producer's
    event extras in ``dag_run.conf["asset_events"]``.
    """
    extras: list[dict] = []
    events = context.get("triggering_asset_events") or {}
    for asset_events in events.values():
        extras.extend(dict(e.extra or {}) for e in asset_events)
    if not extras:
        conf = getattr(context.get("dag_run"), "conf", None) or {}
        extras = list(conf.get("asset_events") or [])
    return extras


def ingest(source: str, context: Any, asset: Any) -> Generator:
    """Fetch and archive one source for one day; emit the raw asset with the batch facts."""
    from airflow.sdk import Metadata

    from dramatrack.pipeline.ingest import ingest as run

    settings = get_settings()
    params = context.get("params") or {}
    day = snapshot_date_of(context)
    countries = params.get("countries") or settings.countries
    manifests = run(settings, source, day, list(countries), replay=params.get("replay"))
    extra = {
        "source": source,
        "snapshot_date": day.isoformat(),
        "countries": [m.country for m in manifests],
        "batches": [m.to_json() for m in manifests],
        "warc_paths": [p for m in manifests for p in m.warc_paths],
        "responses": sum(m.responses for m in manifests),
        "fetch_errors": sum(len(m.fetch_errors) for m in manifests),
        "item_errors": sum(len(m.item_errors) for m in manifests),
    }
    yield Metadata(asset, extra)
    return {k: extra[k] for k in ("source", "snapshot_date", "responses", "fetch_errors")}


def stage_and_validate(context: Any) -> str:
    """Stage and validate every batch the triggering events announced; return the report path."""
    from dramatrack.pipeline.validate_load import stage_and_validate as run

    manifests = [BatchManifest.from_json(b) for extra in triggering_extras(context) for b in extra.get("batches", [])]
    if not manifests:
        from airflow.sdk.exceptions import AirflowSkipException

        raise AirflowSkipException("no batch in the triggering asset events")
    return str(run(get_settings(), manifests, context["run_id"]))


def load(report_path: str, asset: Any) -> Generator:
    """Load passed batches, quarantine failed ones; emit the core asset with what changed."""
    from airflow.sdk import Metadata

    from dramatrack.pipeline.validate_load import load_report

    summary = load_report(get_settings(), report_path)
    yield Metadata(asset, summary)
    return summary


def fail_on_quarantine(report_path: str) -> None:
    """Fail visibly (after the good batches loaded) when any batch was quarantined."""
    from airflow.sdk.exceptions import AirflowFailException

    from dramatrack.pipeline.validate_load import quarantine_message

    message = quarantine_message(report_path)
    if message:
        raise AirflowFailException(message)


def build_marts(context: Any, asset: Any) -> Generator:
    """Refresh the marts for the days the triggering loads touched (all of them when unknown), publish the
    analysts' snapshot, and emit the marts asset."""
    from airflow.sdk import Metadata

    from dramatrack.pipeline.validate_load import build_marts_and_publish

    extras = triggering_extras(context)
    changed = sorted({d for e in extras for d in (e.get("snapshot_dates") or [])})
    # A run with no dated trigger (manual, or a catalog change) rebuilds everything.
    summary = build_marts_and_publish(get_settings(), changed_dates=changed or None)
    summary["triggered_by"] = changed
    yield Metadata(asset, summary)
    return summary
