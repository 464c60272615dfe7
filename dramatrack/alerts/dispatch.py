"""Send an alert once to every configured target, recorded in ``ops.alerts``.

Targets (connections win over settings when both are set):

* ``webhook``: Airflow connection ``dramatrack_webhook``, else ``DRAMATRACK_ALERT_WEBHOOK_URL``;
* ``slack``: Airflow connection ``dramatrack_slack``, else ``DRAMATRACK_ALERT_SLACK_WEBHOOK_URL``;
* ``email``: recipients from the ``alert_emails`` extra of Airflow connection ``smtp_default``, else
  ``DRAMATRACK_ALERT_EMAILS``; sent through ``smtp_default`` (Airflow SMTP provider);
* ``ops``: the ``ops.alerts`` row itself, always.

Dedupe: before sending, the targets that already have a ``sent`` row for the alert's ``alert_key`` are
skipped, so a retried task (or a re-run of the same failure) alerts nobody twice; a ``failed`` target is
tried again. URLs and addresses are secrets: only target names are logged or stored.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from dramatrack.alerts.message import Alert, render_slack, render_webhook
from dramatrack.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_CONN_ID = "dramatrack_webhook"
SLACK_CONN_ID = "dramatrack_slack"
SMTP_CONN_ID = "smtp_default"
TARGETS = ("webhook", "slack", "email")
LOCK_WAIT_SECONDS = 120.0

T = TypeVar("T")


@dataclass(frozen=True)
class Targets:
    """Where alerts go. ``repr`` hides the URLs and addresses (secrets)."""

    webhook_url: str | None = field(default=None, repr=False)
    slack_url: str | None = field(default=None, repr=False)
    emails: tuple[str, ...] = field(default=(), repr=False)
    smtp_conn_id: str | None = SMTP_CONN_ID

    def configured(self) -> list[str]:
        wanted = {"webhook": bool(self.webhook_url), "slack": bool(self.slack_url), "email": bool(self.emails)}
        return [t for t in TARGETS if wanted[t]]


# --------------------------------------------------------------------------------------------------------
# Targets from Airflow connections and settings


def _airflow_connection(conn_id: str) -> Any | None:
    """The Airflow connection ``conn_id``, or None when it does not exist (or Airflow is unavailable)."""
    try:
        from airflow.sdk import Connection

        return Connection.get(conn_id)
    except Exception:  # not found, no metadata DB, no Airflow: the settings decide
        log.debug("no Airflow connection %s", conn_id)
        return None


def url_from_connection(conn: Any) -> str | None:
    """A webhook URL from an HTTP connection.

    Extra ``url`` (or ``webhook_url``) wins; otherwise ``host`` (a full URL, or a host name with ``schema``
    as the protocol, default https, and ``port``) + extra ``endpoint`` (or the ``password`` as the path,
    as Slack webhook connections store the token).
    """
    if conn is None:
        return None
    extra = dict(getattr(conn, "extra_dejson", None) or {})
    for key in ("url", "webhook_url"):
        if extra.get(key):
            return str(extra[key])
    host = (getattr(conn, "host", None) or "").strip()
    if not host:
        return None
    if "://" in host:
        base = host.rstrip("/")
    else:
        scheme = (getattr(conn, "schema", None) or "https").strip() or "https"
        port = getattr(conn, "port", None)
        base = f"{scheme}://{host.rstrip('/')}" + (f":{port}" if port else "")
    path = extra.get("endpoint") or getattr(conn, "password", None) or ""
    path = str(path).strip()
    return base + ("/" + path.lstrip("/") if path else ("" if urlsplit(base).path else "/"))


def _email_list(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        text = value.strip()
        value = json.loads(text) if text.startswith("[") else text.split(",")
    return tuple(v.strip() for v in value if v and str(v).strip())


def resolve_targets(settings: Settings, conn_targets: Mapping[str, Any] | None = None) -> Targets:
    """The targets: ``conn_targets`` (``{"webhook": url, "slack": url, "email": [...], "smtp_conn_id": id}``,
    already resolved, e.g. in tests) or the Airflow connections, then the settings for what is missing."""
    if conn_targets is None:
        smtp = _airflow_connection(SMTP_CONN_ID)
        conn_targets = {
            "webhook": url_from_connection(_airflow_connection(WEBHOOK_CONN_ID)),
            "slack": url_from_connection(_airflow_connection(SLACK_CONN_ID)),
            "email": _email_list((getattr(smtp, "extra_dejson", None) or {}).get("alert_emails")) if smtp else (),
            "smtp_conn_id": SMTP_CONN_ID if smtp is not None else None,
        }

    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return Targets(
        webhook_url=conn_targets.get("webhook") or secret(settings.alert_webhook_url),
        slack_url=conn_targets.get("slack") or secret(settings.alert_slack_webhook_url),
        emails=_email_list(conn_targets.get("email")) or tuple(settings.alert_emails),
        smtp_conn_id=conn_targets.get("smtp_conn_id", SMTP_CONN_ID),
    )


# --------------------------------------------------------------------------------------------------------
# The warehouse side


def with_warehouse(settings: Settings, work: Callable[[Any], T], wait_seconds: float = LOCK_WAIT_SECONDS) -> T:
    """Run ``work(conn)`` on the warehouse writer, waiting while another process holds the DuckDB lock.

    The alert path runs outside the ``duckdb_writer`` pool (a failure callback), so a concurrent load or
    marts build may hold the file: wait for it rather than lose the alert.
    """
    import duckdb

    from warehouse.connection import writer

    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    while True:
        try:
            with writer(settings.warehouse_path) as conn:
                return work(conn)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() + delay > deadline:
                raise
            log.info("warehouse is locked by another writer; retrying in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def sent_targets(conn: Any, alert_key: str) -> set[str]:
    from warehouse.connection import run_sql

    return {row[0] for row in run_sql(conn, "alert_seen.sql", {"alert_key": alert_key}).fetchall()}


def record_attempt(conn: Any, alert: Alert, target: str, status: str, error: str | None) -> None:
    from warehouse.connection import run_sql

    run_sql(conn, "alert_record.sql", {
        "alert_key": alert.alert_key, "target": target, "kind": alert.kind, "source": alert.source,
        "batch_ids": json.dumps(list(alert.batch_ids)), "countries": json.dumps(list(alert.countries)),
        "snapshot_dates": json.dumps(list(alert.snapshot_dates)),
        "failures": json.dumps([dict(f) for f in alert.failures], ensure_ascii=False),
        "summary": alert.summary, "data_docs_url": alert.data_docs_url, "status": status, "error": error,
    })


# --------------------------------------------------------------------------------------------------------
# Dispatch


def _send(target: str, alert: Alert, targets: Targets, timeout: float) -> None:
    from dramatrack.alerts import senders

    if target == "webhook":
        senders.send_webhook(targets.webhook_url or "", render_webhook(alert), timeout)
    elif target == "slack":
        senders.send_slack(targets.slack_url or "", render_slack(alert), timeout)
    elif target == "email":
        if not targets.smtp_conn_id:
            raise senders.SendError(f"no Airflow SMTP connection {SMTP_CONN_ID!r}")
        senders.send_email(alert, targets.emails, conn_id=targets.smtp_conn_id)
    else:  # pragma: no cover - TARGETS is closed
        raise ValueError(target)


def dispatch_alert(alert: Alert, settings: Settings, *, conn_targets: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Send ``alert`` to each configured target not yet sent for its ``alert_key``; record each attempt.

    Returns ``{target: "sent" | "failed" | "skipped"}`` (``skipped``: already sent earlier), including
    ``"ops"`` for the ``ops.alerts`` record. A failed target does not stop the others and is retried by
    the next dispatch of the same alert.
    """
    from dramatrack.alerts.senders import SendError

    targets = resolve_targets(settings, conn_targets)
    already = with_warehouse(settings, lambda conn: sent_targets(conn, alert.alert_key))
    results: dict[str, str] = {}
    errors: dict[str, str] = {}
    for target in targets.configured():
        if target in already:
            results[target] = "skipped"
            continue
        try:
            _send(target, alert, targets, settings.alert_timeout_seconds)
            results[target] = "sent"
        except SendError as exc:
            results[target], errors[target] = "failed", str(exc)
        except Exception as exc:  # never let one target's bug hide the alert from the others
            results[target], errors[target] = "failed", type(exc).__name__
        log.info("alert %s (%s) -> %s: %s%s", alert.alert_key[:12], alert.kind, target, results[target],
                 f" ({errors[target]})" if target in errors else "")
    results["ops"] = "skipped" if "ops" in already else "sent"

    def record(conn: Any) -> None:
        from warehouse.connection import transaction

        with transaction(conn):
            for target, status in results.items():
                if status != "skipped":
                    record_attempt(conn, alert, target, status, errors.get(target))

    if any(status != "skipped" for status in results.values()):
        with_warehouse(settings, record)
    return results
