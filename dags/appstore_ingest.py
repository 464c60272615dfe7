"""Airflow DAG — daily App Store ingest: top charts and iTunes Lookups for every configured country, archived to WARC.

Scheduled daily at 06:00 UTC (a floor) or on the App Store watchers: the chart feed changed, or a WARC
file / re-run request landed in the inbox (docs/orchestration.md). Emits `raw_app_store` with the batch
manifests; `stage_validate_load` runs on it.
Params: `countries` (list, default all configured), `replay` (a WARC file or folder: answer from the
archive instead of the network), `date` (ISO day to collect; default the logical date).
"""

from __future__ import annotations

from dramatrack.assets import RAW_APPSTORE
from dramatrack.dag_factories import ingest_dag

dag = ingest_dag(dag_id="appstore_ingest", source="app_store", asset=RAW_APPSTORE, schedule="0 6 * * *",
                 doc_md=__doc__, queue="appstore")
