"""Alerts: a failed validation or a stale source becomes one message per configured target.

* :mod:`dramatrack.alerts.message` builds an :class:`~dramatrack.alerts.message.Alert` and renders it
  (text, HTML, Slack, plain JSON) with every scraped value escaped;
* :mod:`dramatrack.alerts.senders` posts to webhooks and sends email through Airflow's SMTP provider;
* :mod:`dramatrack.alerts.dispatch` sends once per (alert, target), recorded in ``ops.alerts``;
* :mod:`dramatrack.alerts.notifier` is the task-level Airflow notifier;
* :mod:`dramatrack.alerts.freshness` finds sources with no batch loaded within their window.

Kept free of imports: DAG files import :mod:`dramatrack.alerts.notifier` at parse time.
"""
