"""What an alert says, and how it is written for each target. Pure: no I/O, no Airflow.

Scraped values (app names, store ids, example values from the failed rows) are untrusted: they are made
printable (control and format characters become visible ``\\xNN`` / ``\\uNNNN`` escapes), shortened, and
escaped for the target: ``html.escape`` for HTML (an autoescaped Jinja2 template, ``dramatrack/templates``), ``&`` ``<`` ``>`` as Slack requires (inside code spans,
so ``*``/``_``/``~`` stay literal) for Slack. JSON targets get the cleaned values as JSON strings.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

VALIDATION_FAILED = "validation_failed"
STALE_SOURCE = "stale_source"
ESTIMATES_FLAGGED = "estimates_flagged"
KINDS = (VALIDATION_FAILED, STALE_SOURCE)

MAX_FAILURES = 25  # failures carried by one alert (the rest are counted in the summary)
MAX_EXAMPLES = 3  # example values per failure
MAX_VALUE_CHARS = 200  # one scraped value, after cleaning
SLACK_MAX_FAILURE_BLOCKS = 10
SLACK_SECTION_CHARS = 2900  # Slack's limit for a section's text is 3000

_TITLES = {VALIDATION_FAILED: "Validation failed", STALE_SOURCE: "Source is stale",
           ESTIMATES_FLAGGED: "Estimates disagree with the published totals"}
_SAFE_URL_SCHEMES = {"http", "https", "file"}


@dataclass(frozen=True)
class Alert:
    """One alert. ``alert_key`` is stable across retries of the same failure (see :func:`make_alert_key`)."""

    alert_key: str
    kind: str
    source: str
    batch_ids: tuple[str, ...]
    snapshot_dates: tuple[str, ...]
    countries: tuple[str, ...]
    failures: tuple[dict[str, Any], ...]
    data_docs_url: str | None
    summary: str
    created_at: str
    data_docs_urls: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"DramaTrack: {_TITLES.get(self.kind, self.kind)}: {self.source}"

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_key": self.alert_key,
            "kind": self.kind,
            "source": self.source,
            "batch_ids": list(self.batch_ids),
            "snapshot_dates": list(self.snapshot_dates),
            "countries": list(self.countries),
            "failures": [dict(f) for f in self.failures],
            "data_docs_url": self.data_docs_url,
            "data_docs_urls": list(self.data_docs_urls),
            "summary": self.summary,
            "created_at": self.created_at,
        }


# --------------------------------------------------------------------------------------------------------
# Cleaning and keys


def clean(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """``value`` as one printable line: control/format characters made visible, at most ``limit`` chars."""
    text = "" if value is None else str(value)
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_alert_key(kind: str, batch_ids: Iterable[str], expectations: Iterable[str],
                   scope: Sequence[str] = ()) -> str:
    """sha256 of (kind, sorted batch ids, sorted failed expectation names[, scope]): same failure, same key."""
    material = [kind, sorted(set(map(str, batch_ids))), sorted(set(map(str, expectations)))]
    if scope:
        material.append([str(s) for s in scope])
    return hashlib.sha256(json.dumps(material, separators=(",", ":")).encode("utf-8")).hexdigest()


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s)/file URL (a link target we are willing to render), else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(str(url)).scheme.lower()
    except ValueError:
        return None
    return str(url) if scheme in _SAFE_URL_SCHEMES else None


def _clean_failure(raw: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    try:
        count = int(raw.get("unexpected_count") or 0)
    except (TypeError, ValueError):
        count = 0
    return {
        "batch_id": clean(entry.get("batch_id")),
        "country": clean(entry.get("country")) or None,
        "snapshot_date": clean(entry.get("snapshot_date")) or None,
        "expectation": clean(raw.get("expectation")),
        "column": clean(raw.get("column")) or None,
        "unexpected_count": count,
        "examples": [clean(e) for e in list(raw.get("examples") or [])[:MAX_EXAMPLES]],
    }


def _now_iso(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def alert_from_report(report: Mapping[str, Any], *, now: datetime | None = None) -> Alert | None:
    """The alert for the failed batches of a validation report (``validate_load.stage_and_validate``).

    None when every batch passed.
    """
    failed = [b for b in report.get("batches") or [] if b.get("status") == "failed"]
    if not failed:
        return None
    failures = [_clean_failure(f, entry) for entry in failed for f in entry.get("failures") or []]
    if not failures:  # a failed batch without a recorded reason still alerts
        failures = [_clean_failure({"expectation": "unknown", "unexpected_count": 0}, e) for e in failed]
    batch_ids = tuple(sorted({clean(b.get("batch_id")) for b in failed}))
    dates = tuple(sorted({clean(b.get("snapshot_date")) for b in failed if b.get("snapshot_date")}))
    countries = tuple(sorted({clean(b.get("country")) for b in failed if b.get("country")}))
    source = ", ".join(sorted({clean(b.get("source")) for b in failed if b.get("source")})) or "unknown"
    expectations = sorted({f["expectation"] for f in failures})
    docs = tuple(u for u in (report.get("data_docs_urls") or []) if u)
    shown = failures[:MAX_FAILURES]
    more = len(failures) - len(shown)
    summary = (
        f"{len(batch_ids)} batch(es) of {source} quarantined for {', '.join(dates) or '?'}"
        f" ({', '.join(countries) or 'no country'}): "
        + ", ".join(f"{name} x{sum(f['unexpected_count'] for f in failures if f['expectation'] == name)}"
                    for name in expectations)
        + (f" (+{more} more failures)" if more > 0 else "")
    )
    return Alert(
        alert_key=make_alert_key(VALIDATION_FAILED, batch_ids, expectations),
        kind=VALIDATION_FAILED,
        source=source,
        batch_ids=batch_ids,
        snapshot_dates=dates,
        countries=countries,
        failures=tuple(shown),
        data_docs_url=docs[0] if docs else None,
        summary=clean(summary, 1000),
        created_at=_now_iso(now),
        data_docs_urls=docs,
    )


def _cause_key(entry: Mapping[str, Any], raw: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(origin, expectation, column, cause) of one failure: what "the same cause" means for grouping."""
    from extractors.batches import cause_of, origin_of

    example = str((list(raw.get("examples") or []) or [""])[0])
    origin = origin_of(example) or clean(entry.get("source")) or "unknown"
    return origin, str(raw.get("expectation") or "unknown"), str(raw.get("column") or ""), cause_of(example)


def alerts_by_cause(report: Mapping[str, Any], *, now: datetime | None = None) -> list[Alert]:
    """One alert per origin and cause of a validation report's failures, each listing every batch or item it
    failed (a robots.txt refusing one origin is one alert naming the 15 searches, not 15 alerts).

    Empty when every batch passed. The key is stable for the same cause and items (retries alert once).
    """
    failed = [b for b in report.get("batches") or [] if b.get("status") == "failed"]
    groups: dict[tuple[str, str, str, str], list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for entry in failed:
        raws = list(entry.get("failures") or []) or [{"expectation": "unknown", "unexpected_count": 0}]
        for raw in raws:
            groups.setdefault(_cause_key(entry, raw), []).append((entry, raw))
    docs = tuple(u for u in (report.get("data_docs_urls") or []) if u)
    alerts = []
    for (origin, expectation, column, cause), members in sorted(groups.items()):
        entries = list({clean(e.get("batch_id")): e for e, _ in members}.values())
        batch_ids = tuple(sorted(clean(e.get("batch_id")) for e in entries))
        first_entry, first_raw = members[0]
        failure = _clean_failure(first_raw, first_entry)
        failure["unexpected_count"] = sum(_clean_failure(r, e)["unexpected_count"] for e, r in members)
        failure["examples"] = failure["examples"][:1] + [clean("items: " + ", ".join(batch_ids), 1000)]
        dates = tuple(sorted({clean(e.get("snapshot_date")) for e in entries if e.get("snapshot_date")}))
        countries = tuple(sorted({clean(e.get("country")) for e in entries if e.get("country")}))
        source = ", ".join(sorted({clean(e.get("source")) for e in entries if e.get("source")})) or "unknown"
        summary = (f"{len(batch_ids)} batch(es)/item(s) of {source} failed for one cause on {clean(origin)}: "
                   f"{clean(expectation)}{f' ({clean(column)})' if column else ''}: {clean(cause, 300)}")
        alerts.append(Alert(
            alert_key=make_alert_key(VALIDATION_FAILED, batch_ids, [expectation], scope=(origin, column, cause)),
            kind=VALIDATION_FAILED, source=source, batch_ids=batch_ids, snapshot_dates=dates, countries=countries,
            failures=(failure,), data_docs_url=docs[0] if docs else None, summary=clean(summary, 1000),
            created_at=_now_iso(now), data_docs_urls=docs,
        ))
    return alerts


def stale_source_alert(source: str, hours: int, now: datetime, *, last_loaded_at: datetime | None,
                       last_batch_id: str | None, last_snapshot_date: str | None) -> Alert:
    """The alert for a source with no batch loaded within ``hours`` (one key per source per UTC day)."""
    day = now.astimezone(UTC).date().isoformat()
    if last_loaded_at is None:
        detail = "no batch of this source has ever loaded"
        age = None
    else:
        age = int((now - last_loaded_at).total_seconds() // 3600)
        detail = (f"last batch loaded {last_loaded_at.astimezone(UTC).isoformat(timespec='minutes')}"
                  f" ({age} h ago): {last_batch_id}")
    failure = {
        "batch_id": clean(last_batch_id) if last_batch_id else None,
        "country": None,
        "snapshot_date": last_snapshot_date,
        "expectation": "source_loaded_within_freshness_window",
        "column": None,
        "unexpected_count": age if age is not None else 0,
        "examples": [clean(detail)],
    }
    return Alert(
        alert_key=make_alert_key(STALE_SOURCE, [], [], scope=(source, day)),
        kind=STALE_SOURCE,
        source=clean(source),
        batch_ids=(clean(last_batch_id),) if last_batch_id else (),
        snapshot_dates=(last_snapshot_date,) if last_snapshot_date else (),
        countries=(),
        failures=(failure,),
        data_docs_url=None,
        summary=clean(f"{source}: no batch loaded within its {hours} h freshness window; {detail}", 1000),
        created_at=_now_iso(now),
    )


def estimates_flagged_alert(week: str, checks: Sequence[Mapping[str, Any]], now: datetime) -> Alert:
    """The alert for an ISO week whose estimated category totals failed the published check (one key per week:
    a rebuild of the same week does not alert again). ``checks``: its flagged check rows (store, measure,
    estimated and reference values, reason)."""
    failures = tuple({
        "batch_id": None, "country": "tracked", "snapshot_date": week,
        "expectation": "estimated_total_within_flag_factor_of_published",
        "column": f"{c['store']}:{c['measure']}", "unexpected_count": 1,
        "examples": [clean(c["reason"])],
    } for c in checks)  # fmt: skip
    what = "; ".join(f"{c['store']} {c['measure']}" for c in checks)
    return Alert(
        alert_key=make_alert_key(ESTIMATES_FLAGGED, [], [], scope=("estimates", week)),
        kind=ESTIMATES_FLAGGED,
        source="estimates",
        batch_ids=(),
        snapshot_dates=(week,),
        countries=(),
        failures=failures,
        data_docs_url=None,
        summary=clean(f"week of {week}: {what} flagged and held to the published scale "
                      "(core.estimate_params, flagged = true)", 1000),
        created_at=_now_iso(now),
    )


# --------------------------------------------------------------------------------------------------------
# Renderers


def render_subject(alert: Alert) -> str:
    dates = ", ".join(alert.snapshot_dates) or "-"
    where = f" ({', '.join(alert.countries)})" if alert.countries else ""
    return clean(f"[DramaTrack] {_TITLES.get(alert.kind, alert.kind)}: {alert.source} {dates}{where}", 250)


def _failure_line(f: Mapping[str, Any]) -> str:
    column = f" ({clean(f.get('column'))})" if f.get("column") else ""
    where = " ".join(clean(v) for v in (f.get("batch_id"), f.get("country"), f.get("snapshot_date")) if v)
    examples = "; ".join(clean(e) for e in f.get("examples") or [])
    return (f"{clean(f.get('expectation'))}{column} x{int(f.get('unexpected_count') or 0)} [{where}]"
            + (f" e.g. {examples}" if examples else ""))


def render_text(alert: Alert) -> str:
    """Plain text (logs, the webhook's ``text``)."""
    lines = [
        alert.title,
        clean(alert.summary, 1000),
        f"Source: {clean(alert.source)}",
        f"Snapshot dates: {', '.join(clean(d) for d in alert.snapshot_dates) or '-'}",
        f"Countries: {', '.join(clean(c) for c in alert.countries) or '-'}",
        f"Batches: {', '.join(clean(b) for b in alert.batch_ids) or '-'}",
        "Failures:",
        *(f"  - {_failure_line(f)}" for f in alert.failures),
    ]
    if alert.data_docs_url:
        lines.append(f"Data Docs: {clean(alert.data_docs_url, 2000)}")
    lines.append(f"Alert key: {alert.alert_key}")
    return "\n".join(lines)


def render_html(alert: Alert) -> str:
    """An HTML email body (``dramatrack/templates/alert_email.html.j2``, autoescaped): values cleaned here."""
    from dramatrack.templating import render

    failures = [{
        "expectation": clean(f.get("expectation")), "column": clean(f.get("column") or ""),
        "count": int(f.get("unexpected_count") or 0), "batch_id": clean(f.get("batch_id") or ""),
        "country": clean(f.get("country") or ""), "snapshot_date": clean(f.get("snapshot_date") or ""),
        "examples": [clean(e) for e in f.get("examples") or []],
    } for f in alert.failures]
    docs = safe_url(alert.data_docs_url)
    facts = [("Source", alert.source), ("Snapshot dates", ", ".join(alert.snapshot_dates) or "-"),
             ("Countries", ", ".join(alert.countries) or "-"), ("Batches", ", ".join(alert.batch_ids) or "-")]
    return render("alert_email.html.j2", title=clean(alert.title), summary=clean(alert.summary, 1000),
                  facts=[(k, clean(v, 1000)) for k, v in facts], failures=failures, docs_url=docs,
                  docs_text=clean(docs, 2000) if docs else None, alert_key=clean(alert.alert_key))


def slack_escape(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """Slack's three control characters escaped (``&`` ``<`` ``>``), after :func:`clean`."""
    return clean(value, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_code(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    text = slack_escape(value, limit).replace("`", "'")
    return f"`{text}`" if text else "`-`"


def _slack_link(url: str | None) -> str | None:
    url = safe_url(url)
    if not url:
        return None
    # Slack reads `<url|label>`: the URL itself must not carry `|` or the escaped characters unescaped.
    return "<" + slack_escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"), 2000) + "|Data Docs>"


def _section(text: str) -> dict[str, Any]:
    if len(text) > SLACK_SECTION_CHARS:
        text = text[: SLACK_SECTION_CHARS - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def render_slack(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook payload: ``text`` (fallback/notification) and ``blocks``."""
    facts = (
        f"*Source:* {_slack_code(alert.source)}\n"
        f"*Snapshot dates:* {', '.join(_slack_code(d) for d in alert.snapshot_dates) or '-'}\n"
        f"*Countries:* {', '.join(_slack_code(c) for c in alert.countries) or '-'}\n"
        f"*Batches:* {', '.join(_slack_code(b) for b in alert.batch_ids) or '-'}"
    )
    blocks = [
        _section(f"*{slack_escape(alert.title)}*\n{slack_escape(alert.summary, 1000)}"),
        _section(facts),
    ]
    for f in alert.failures[:SLACK_MAX_FAILURE_BLOCKS]:
        column = f" on {_slack_code(f.get('column'))}" if f.get("column") else ""
        where = " ".join(_slack_code(v) for v in (f.get("batch_id"), f.get("country"), f.get("snapshot_date")) if v)
        examples = ", ".join(_slack_code(e) for e in f.get("examples") or [])
        blocks.append(_section(
            f"• {_slack_code(f.get('expectation'))}{column} ×{int(f.get('unexpected_count') or 0)} in {where}"
            + (f"\n   e.g. {examples}" if examples else "")))
    if len(alert.failures) > SLACK_MAX_FAILURE_BLOCKS:
        blocks.append(_section(f"… and {len(alert.failures) - SLACK_MAX_FAILURE_BLOCKS} more failures"))
    link = _slack_link(alert.data_docs_url)
    if link:
        blocks.append(_section(link))
    blocks.append({"type": "context",
                   "elements": [{"type": "mrkdwn", "text": f"alert key `{alert.alert_key[:16]}`"}]})
    text = f"{slack_escape(alert.title)}: {slack_escape(alert.summary, 1000)}"
    if link:
        text += f" {link}"
    return {"text": text, "blocks": blocks}


def render_webhook(alert: Alert) -> dict[str, Any]:
    """The generic webhook's JSON body: the alert's fields plus a plain-text rendering."""
    body = alert.to_json()
    body["title"] = alert.title
    body["text"] = render_text(alert)
    body["schema"] = "dramatrack.alert/v1"
    return body
