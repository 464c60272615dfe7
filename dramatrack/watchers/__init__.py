"""Source-change watchers: the Airflow triggers behind the watched assets (docs/orchestration.md).

* :class:`~dramatrack.watchers.triggers.ChartFeedTrigger` polls one source's chart feed cheaply (a conditional
  GET, then a hash of the ranked app ids) and fires once per change, so ingestion follows the source;
* :class:`~dramatrack.watchers.triggers.InboxTrigger` picks up WARC files and re-run requests dropped into
  ``<data_dir>/inbox/`` (or published on Redis channel ``dramatrack:inbox``) and fires once per item.

Kept light: DAG files import :mod:`dramatrack.watchers.triggers` at parse time (through
:mod:`dramatrack.assets`); the polling code in :mod:`.feeds` and :mod:`.inbox` is imported inside ``run()``.
"""
