"""The Airflow assets that chain the pipeline: a landed batch triggers the next stage.

Kept free of heavy imports: every DAG file imports this at parse time.
"""

from __future__ import annotations

from airflow.sdk import Asset

RAW_APPSTORE = Asset(uri="dramatrack://raw/app_store", name="raw_app_store")
RAW_GOOGLE_PLAY = Asset(uri="dramatrack://raw/google_play", name="raw_google_play")
CORE_TABLES = Asset(uri="dramatrack://warehouse/core", name="warehouse_core")
MARTS = Asset(uri="dramatrack://warehouse/marts", name="warehouse_marts")

RAW_ASSETS = [RAW_APPSTORE, RAW_GOOGLE_PLAY]

# One Airflow pool with one slot serialises every DuckDB write (DuckDB allows one writer process per file).
DUCKDB_WRITER_POOL = "duckdb_writer"
