"""Delivery: JSON POSTs with ``requests`` (not the polite crawler client) and email via Airflow's SMTP provider.

Webhook URLs are secrets (they carry tokens), so errors raised here never contain them: a failure becomes
a :class:`SendError` whose message is the exception type or the HTTP status only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dramatrack.alerts.message import Alert, render_html, render_subject

DEFAULT_FROM_EMAIL = "DramaTrack alerts <dramatrack-alerts@localhost>"
USER_AGENT = "DramaTrack-alerts/0.1"


class SendError(RuntimeError):
    """A delivery failed. The message is safe to log and to store (no URL, no credential)."""


def _post_json(url: str, payload: Mapping[str, Any], timeout: float) -> int:
    import requests

    try:
        response = requests.post(url, json=dict(payload), timeout=timeout, allow_redirects=False,
                                 headers={"User-Agent": USER_AGENT})
    except requests.RequestException as exc:
        raise SendError(type(exc).__name__) from None  # the exception text names the URL: drop it
    status = response.status_code
    response.close()
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    return status


def send_webhook(url: str, payload: Mapping[str, Any], timeout: float = 10.0) -> int:
    """POST ``payload`` as JSON to a generic webhook; the HTTP status (2xx) or :class:`SendError`."""
    return _post_json(url, payload, timeout)


def send_slack(url: str, payload: Mapping[str, Any], timeout: float = 10.0) -> int:
    """POST a Slack-compatible payload (``text`` + ``blocks``) to an incoming webhook."""
    return _post_json(url, payload, timeout)


def send_email(alert: Alert, to: Iterable[str], conn_id: str = "smtp_default") -> None:
    """Send the alert's HTML rendering through the SMTP connection ``conn_id`` (Airflow SMTP provider).

    Host, port, TLS/SSL, login, sender (``from_email``), timeout and retry limit come from the connection.
    """
    import smtplib

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    recipients = [r for r in to if r]
    if not recipients:
        raise SendError("no recipient")
    try:
        with SmtpHook(smtp_conn_id=conn_id) as hook:
            hook.send_email_smtp(
                to=recipients,
                subject=render_subject(alert),
                html_content=render_html(alert),
                from_email=hook.from_email or DEFAULT_FROM_EMAIL,
                custom_headers={"X-DramaTrack-Alert-Key": alert.alert_key},
            )
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{type(exc).__name__} {exc.smtp_code}") from None
    except Exception as exc:  # connection refused, not found, TLS...: the type says enough, no secret
        raise SendError(type(exc).__name__ + _known_message(exc)) from None


def _known_message(exc: Exception) -> str:
    """Airflow's own messages (e.g. "SMTP connection is not found.") carry no secret; others are dropped."""
    module = type(exc).__module__ or ""
    return f": {exc}" if module.startswith("airflow") else ""
