"""Airflow DAG — daily Google Play ingest: top charts (batchexecute) and app pages for every configured country, to WARC.

Scheduled daily at 06:30 UTC (a floor) or on the Google Play watchers (chart feed changed, inbox item).
Emits `raw_google_play` with the batch manifests; `stage_validate_load` runs on it. Google throttles
readily: the client keeps play.google.com at about one request per second, so this DAG is slow by design.
Params: `countries`, `replay`, `date` (as for `appstore_ingest`).
"""

from __future__ import annotations

from datetime import timedelta

from dramatrack.assets import RAW_GOOGLE_PLAY
from dramatrack.dag_factories import ingest_dag

dag = ingest_dag(dag_id="google_play_ingest", source="google_play", asset=RAW_GOOGLE_PLAY, schedule="30 6 * * *",
                 doc_md=__doc__, execution_timeout=timedelta(hours=4), queue="google_play")
