"""Task bodies: adapt an Airflow task context to the pipeline steps. DAG files only wire these up."""

from __future__ import annotations

from collections.abc import Generator
from datetime import date
from pathlib import Path
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


def watcher_requests(context: Any) -> list[dict]:
    """Payloads of the watcher events that started this run (chart feed changed, inbox item), oldest first.

    The triggerer stores a trigger's event as an asset event with extra ``{"from_trigger": True,
    "payload": ...}``; the scheduler hands every event queued since the last run to one run.
    """
    payloads = []
    events = context.get("triggering_asset_events") or {}
    for asset_events in events.values():
        for event in asset_events:
            extra = dict(event.extra or {})
            if extra.get("from_trigger") and isinstance(extra.get("payload"), dict):
                payloads.append((getattr(event, "timestamp", None), extra["payload"]))
    payloads.sort(key=lambda item: str(item[0] or ""))
    return [p for _, p in payloads]


def resolve_watcher_request(settings, source: str, payload: dict, today: date) -> tuple[date, list | None, str | None]:
    """``(day, countries, replay)`` for one watcher payload.

    A feed change collects its day live. A re-run request without ``replay`` replays the day from the
    archive (``<data_dir>/raw/<source>/<day>/``) when it is there, fetches live when the day is today (a
    back-fill of a missed run), and otherwise fails: a past day cannot be fetched again.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from extractors.warc_archive import warc_files

    day = date.fromisoformat(str(payload["date"])) if payload.get("date") else today
    replay = payload.get("replay")
    if replay is None and payload.get("kind") != "feed_change":
        archived = settings.warc_dir / source / day.isoformat()
        if archived.is_dir() and warc_files(archived):
            replay = str(archived)
        elif day < today:
            raise AirflowFailException(
                f"re-run request for {source} {day}: no archive under {archived} and a past day cannot be "
                "fetched again; add \"replay\": <a WARC file or folder> to the request")
    return day, payload.get("countries"), replay


def ingest(source: str, context: Any, asset: Any) -> Generator:
    """Fetch (or replay) and archive one source; emit the raw asset with the batch facts.

    What to collect: the run's params when given (a manual run, ``dramatrack run``); else the payloads of the
    watcher events that started it (one collection per payload: several inbox items may start one run);
    else the run's day (the daily floor), live.
    """
    from datetime import UTC, datetime

    from airflow.sdk import Metadata

    from dramatrack.pipeline.ingest import ingest as run

    settings = get_settings()
    params = context.get("params") or {}
    requests: list[tuple[date, list | None, str | None, dict]] = []
    explicit = any(params.get(k) for k in ("date", "replay", "countries"))
    payloads = [] if explicit else watcher_requests(context)
    if payloads:
        today = datetime.now(UTC).date()
        for payload in payloads:
            day, countries, replay = resolve_watcher_request(settings, source, payload, today)
            trigger = {k: payload.get(k) for k in ("kind", "item", "changed", "received_at", "detected_at")
                       if payload.get(k) is not None}
            requests.append((day, countries, replay, trigger))
    else:
        kind = "params" if explicit else "schedule"
        requests.append((snapshot_date_of(context), params.get("countries"), params.get("replay"), {"kind": kind}))

    manifests = []
    for day, countries, replay, _ in requests:
        manifests += run(settings, source, day, list(countries or settings.countries), replay=replay)
    days = sorted({m.snapshot_date for m in manifests}) or sorted({d.isoformat() for d, *_ in requests})
    extra = {
        "source": source,
        "snapshot_date": days[0] if len(days) == 1 else requests[0][0].isoformat(),
        "snapshot_dates": days,
        "countries": sorted({m.country for m in manifests}),
        "batch_ids": [m.batch_id for m in manifests],
        "batches": [m.to_json() for m in manifests],
        "warc_paths": [p for m in manifests for p in m.warc_paths],
        "row_counts": {m.batch_id: {"responses": m.responses} for m in manifests},
        "responses": sum(m.responses for m in manifests),
        "fetch_errors": sum(len(m.fetch_errors) for m in manifests),
        "item_errors": sum(len(m.item_errors) for m in manifests),
        "replayed": all(replay for _, _, replay, _ in requests),
        "replay_paths": sorted({str(replay) for _, _, replay, _ in requests if replay}),
        "triggered_by": [trigger for *_, trigger in requests],
    }
    yield Metadata(asset, extra)
    return {k: extra[k] for k in ("source", "snapshot_date", "snapshot_dates", "responses", "fetch_errors")}


def stage_and_validate(context: Any) -> str:
    """Stage and validate every batch the triggering events announced; return the report path."""
    from dramatrack.pipeline.validate_load import stage_and_validate as run

    manifests = [BatchManifest.from_json(b) for extra in triggering_extras(context) for b in extra.get("batches", [])]
    if not manifests:
        from airflow.sdk.exceptions import AirflowSkipException

        raise AirflowSkipException("no batch in the triggering asset events")
    return str(run(get_settings(), manifests, context["run_id"]))


def load(report_path: str, asset: Any) -> Generator:
    """Load passed batches, quarantine failed ones; emit the core asset with what changed.

    The event carries the batch ids, their WARC files and row counts (from the validation report), the
    days and countries, and whether the batches were replayed (the raw events that started the run).
    """
    import json
    from pathlib import Path

    from airflow.sdk import Metadata

    from dramatrack.pipeline.validate_load import load_report

    summary = load_report(get_settings(), report_path)
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    batches = report.get("batches") or []
    raw = _current_extras()
    summary.update({
        "batch_ids": [b["batch_id"] for b in batches],
        "warc_paths": sorted({p for b in batches for p in b.get("warc_paths") or []}),
        "row_counts": {b["batch_id"]: b.get("counts") or {} for b in batches if not b.get("parent")},
        "replayed": bool(raw) and all(e.get("replayed") for e in raw),
        "report_path": str(report_path),
    })
    yield Metadata(asset, summary)
    return summary


def _current_extras() -> list[dict]:
    """Triggering extras of the running task's run (for task bodies not handed the context)."""
    try:
        from airflow.sdk import get_current_context

        return triggering_extras(get_current_context())
    except Exception:  # outside a task (a unit test calling the body directly)
        return []


def fail_on_quarantine(report_path: str) -> None:
    """Fail visibly (after the good batches loaded) when any batch was quarantined."""
    from airflow.sdk.exceptions import AirflowFailException

    from dramatrack.pipeline.validate_load import quarantine_message

    message = quarantine_message(report_path)
    if message:
        raise AirflowFailException(message)


def build_marts(context: Any, asset: Any) -> Generator:
    """Rebuild the marts (incrementally, for the days the triggering loads changed) and publish the analysts'
    snapshot; emit the marts asset with the batches, days, countries and WARC files it covers."""
    from airflow.sdk import Metadata

    from dramatrack.pipeline import worker
    from dramatrack.pipeline.validate_load import build_marts_and_publish

    extras = triggering_extras(context)
    days = sorted({d for e in extras for d in (e.get("snapshot_dates") or [])})
    # A run with no dated trigger (manual, or a catalog change) rebuilds everything.
    if worker.enabled():  # an embedded run: the build's memory stays out of the runner's process
        summary = worker.build_marts_and_publish(days or None)
    else:
        summary = build_marts_and_publish(get_settings(), changed_dates=days or None)
    summary.update({
        "triggered_by": days,
        "snapshot_dates": days,
        "batch_ids": sorted({b for e in extras for b in e.get("loaded_batches") or []}),
        "countries": sorted({c for e in extras for c in e.get("countries") or []}),
        "warc_paths": sorted({p for e in extras for p in e.get("warc_paths") or []}),
        "row_counts": summary.get("market_share_rows") or {},
        "replayed": bool(extras) and all(e.get("replayed") for e in extras),
    })
    yield Metadata(asset, summary)
    return summary


def detect_market_events(build_summary: dict, asset: Any) -> Generator:
    """New short-drama entrants and rank jumps on the days the build covered; emit ``MARKET_EVENTS`` listing
    the apps, or skip (no event) when nothing new happened."""
    from airflow.sdk import Metadata
    from airflow.sdk.exceptions import AirflowSkipException

    from dramatrack.market_events import detect_and_record

    extra = detect_and_record(get_settings(), (build_summary or {}).get("snapshot_dates") or None)
    extra["replayed"] = bool((build_summary or {}).get("replayed"))
    if not extra["events"]:
        raise AirflowSkipException(
            f"no new market event on {', '.join(extra['days_checked']) or 'any day'}"
            f" ({extra['row_counts']['already_announced']} announced before)")
    yield Metadata(asset, extra)
    return {k: extra[k] for k in ("snapshot_dates", "app_keys", "row_counts")}


def _deep_dive_day(extras: list[dict]) -> str:
    days = sorted({d for e in extras for d in e.get("snapshot_dates") or []})
    return days[-1] if days else date.today().isoformat()


def deep_dive_fetch(context: Any, store: str) -> dict:
    """Fetch the pages of one store for every app of the triggering market events, archived to one WARC file.

    Live, or in ``archive`` mode only what the events' own batches archived (never the network).
    """
    import logging
    from datetime import UTC, datetime

    from dramatrack.market_events import deep_dive_requests, fetch_mode
    from extractors.http_client import FetchError, PoliteClient
    from extractors.replay import ReplayAdapter, replay_key
    from extractors.warc_archive import ArchivedResponse, WarcArchive

    log = logging.getLogger(__name__)
    settings = get_settings()
    extras = triggering_extras(context)
    apps = [a for e in extras for a in e.get("apps") or []][: settings.deep_dive_max_apps]
    mode = fetch_mode(settings, extras)
    planned = deep_dive_requests(settings, store, apps)
    out = {"store": store, "mode": mode, "apps": [a["app_key"] for a in apps], "warc_path": None, "requests": [],
           "responses": 0, "errors": [], "not_archived": []}
    if not planned or mode == "off":
        log.info("deep dive %s: %s", store, "nothing to fetch" if not planned else "deep_dive_fetch = off")
        return out
    adapter = None
    if mode == "archive":
        wanted = [p for e in extras for p in e.get("warc_paths") or [] if f"/{store}/" in p or store in Path(p).parts]
        adapter = ReplayAdapter([p for p in dict.fromkeys(wanted) if Path(p).is_file()])
        out["not_archived"] = [r.url for r in planned if replay_key(r.method, r.url, r.data) not in adapter]
        planned = [r for r in planned if replay_key(r.method, r.url, r.data) in adapter]
        if out["not_archived"]:
            log.info("deep dive %s (archive): %d page(s) not in the archive", store, len(out["not_archived"]))
    if not planned:
        return out
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = settings.warc_dir / "deep_dive" / _deep_dive_day(extras) / f"{store}-{stamp}.warc.gz"
    with PoliteClient(settings, replay=adapter) as client, WarcArchive(path) as archive:
        results = client.fetch_many(planned, archive)
    for req, result in zip(planned, results, strict=True):
        row = {"url": req.url, "method": req.method, "country": req.tags.get("country"),
               "app_id": req.tags.get("app_id")}
        if isinstance(result, FetchError):
            row["error"] = str(result)
            out["errors"].append(str(result))
        elif isinstance(result, ArchivedResponse):
            row["status"] = result.status
        out["requests"].append(row)
    out["warc_path"] = str(path)
    out["responses"] = sum(1 for r in out["requests"] if r.get("status") == 200)
    log.info("deep dive %s (%s): %d request(s), %d ok, archived to %s", store, mode, len(planned), out["responses"], path)
    if mode == "live" and out["responses"] == 0:
        from airflow.sdk.exceptions import AirflowException

        raise AirflowException(f"deep dive {store}: every fetch failed: {out['errors'][:3]}")
    return out


def news_requests_for(settings, apps: list[dict]) -> list:
    """Google News searches for the apps (``extractors.news``: one per app and edition of its storefronts, or
    the first edition), or None when ``extractors/news.py`` does not exist (yet) or lacks the builders."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("extractors.news") is None:
        return None
    news = importlib.import_module("extractors.news")
    search_url, editions, item_id = (getattr(news, n, None) for n in ("search_url", "editions", "item_id"))
    if not (search_url and editions and item_id):
        return None
    from extractors.http_client import FetchRequest

    configured = editions(settings)
    out = []
    for app in apps:
        query = f'"{app.get("name") or app["app_key"]}"'
        wanted = [e for e in configured if e.gl.lower() in (app.get("countries") or [])] or configured[:1]
        for edition in wanted:
            out.append(FetchRequest(url=search_url(settings.news_base_url, query, edition), tags={
                "source": "news", "kind": getattr(news, "GNEWS", "gnews"), "edition": edition.code,
                "country": edition.code, "language": edition.hl, "query": query, "app_key": app["app_key"],
                "item": item_id(getattr(news, "GNEWS", "gnews"), query), "deep_dive": True}))
    return list({r.url: r for r in out}.values())


def deep_dive_news(context: Any) -> dict:
    """News searches for the apps (live fetches only), when ``extractors/news.py`` exists; otherwise skipped
    with a log line."""
    import logging
    from datetime import UTC, datetime

    from dramatrack.market_events import fetch_mode

    log = logging.getLogger(__name__)
    settings = get_settings()
    extras = triggering_extras(context)
    apps = [a for e in extras for a in e.get("apps") or []][: settings.deep_dive_max_apps]
    mode = fetch_mode(settings, extras)
    out = {"store": "news", "mode": mode, "requests": [], "responses": 0, "errors": [], "warc_path": None}
    planned = news_requests_for(settings, apps)
    if planned is None:
        log.info("news skipped: extractors/news.py does not exist yet (or has no search_url/editions)")
        out["skipped"] = "no news fetch plan"
        return out
    if mode != "live" or not planned:
        log.info("news skipped: %s", "nothing to search" if not planned else f"deep dive fetch mode is {mode}")
        out["skipped"] = f"fetch mode {mode}" if planned else "nothing to search"
        return out
    from extractors.http_client import FetchError, PoliteClient
    from extractors.warc_archive import WarcArchive

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = settings.warc_dir / "deep_dive" / _deep_dive_day(extras) / f"news-{stamp}.warc.gz"
    with PoliteClient(settings) as client, WarcArchive(path) as archive:
        results = client.fetch_many(planned, archive)
    out["warc_path"] = str(path)
    out["requests"] = [{"url": r.url, "method": r.method, "app_key": r.tags.get("app_key"),
                        **({"error": str(x)} if isinstance(x, FetchError) else {"status": x.status})}
                       for r, x in zip(planned, results, strict=True)]
    out["errors"] = [r["error"] for r in out["requests"] if "error" in r]
    out["responses"] = sum(1 for r in out["requests"] if r.get("status") == 200)
    log.info("deep dive news: %d search(es), %d ok, archived to %s", len(planned), out["responses"], path)
    return out


def deep_dive_record(context: Any, fetched: list[dict], asset: Any) -> Generator:
    """Read what the deep dive fetched, add new apps to ``catalog/candidates.yaml`` (live fetches only: an
    archive answer confirms nothing new), write the deep-dive report, send the "market event" notice, and
    emit ``raw_deep_dive``."""
    import json
    import logging

    from airflow.sdk import Metadata

    from dramatrack.alerts.dispatch import dispatch_alert
    from dramatrack.catalog import load_catalog
    from dramatrack.market_events import (
        candidates_path,
        evidence_from_warc,
        market_event_alert,
        update_candidates,
    )

    log = logging.getLogger(__name__)
    settings = get_settings()
    extras = triggering_extras(context)
    merged = {
        "events": [ev for e in extras for ev in e.get("events") or []],
        "apps": [a for e in extras for a in e.get("apps") or []],
        "batch_ids": sorted({b for e in extras for b in e.get("batch_ids") or []}),
        "snapshot_dates": sorted({d for e in extras for d in e.get("snapshot_dates") or []}),
        "threshold": next((e.get("threshold") for e in extras if e.get("threshold")), settings.rank_jump_threshold),
    }
    fetched = [f for f in fetched if f]
    evidence: dict = {}
    for result in fetched:
        if result.get("warc_path") and result.get("store") in ("app_store", "google_play"):
            evidence.update(evidence_from_warc(result["warc_path"]))
    live = any(f.get("mode") == "live" and f.get("responses") for f in fetched)
    added: list[str] = []
    if live:
        catalog = load_catalog(settings.catalog_path)
        added = update_candidates(candidates_path(settings), merged["apps"], merged["events"], evidence,
                                  [a.app_key for a in catalog.apps])
        if added:
            log.info("added %d candidate(s) to %s: %s", len(added), candidates_path(settings), ", ".join(added))
    else:
        log.info("no live page fetched: %s left as it is", candidates_path(settings))
    modes = sorted({f.get("mode") for f in fetched if f.get("mode")})
    summary = {
        "mode": ",".join(modes) or None,
        "responses": sum(f.get("responses") or 0 for f in fetched),
        "candidates_added": added,
    }
    day = _deep_dive_day(extras)
    report = {"run_id": context.get("run_id"), "snapshot_date": day, **merged, "fetched": fetched,
              "evidence": evidence, **summary}
    safe_run = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(context.get("run_id") or "run"))
    report_path = settings.data_dir / "deep_dive" / day / f"deep-dive-{safe_run}.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    notice = dispatch_alert(market_event_alert(merged, summary), settings)
    extra = {
        "snapshot_date": day,
        "snapshot_dates": merged["snapshot_dates"],
        "app_keys": sorted({a["app_key"] for a in merged["apps"]}),
        "countries": sorted({c for a in merged["apps"] for c in a.get("countries") or []}),
        "batch_ids": merged["batch_ids"],
        "warc_paths": [f["warc_path"] for f in fetched if f.get("warc_path")],
        "requests": {f["store"]: [r["url"] for r in f.get("requests") or []] for f in fetched},
        "row_counts": {f["store"]: {"requests": len(f.get("requests") or []), "responses": f.get("responses") or 0}
                       for f in fetched},
        "candidates_added": added,
        "report_path": str(report_path),
        "notice": notice,
        **{k: v for k, v in summary.items() if k not in ("candidates_added",)},
    }
    yield Metadata(asset, extra)
    return {k: extra[k] for k in ("app_keys", "row_counts", "candidates_added", "notice")}
