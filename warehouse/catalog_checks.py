"""Catalog-id checks into the warehouse: a day's observations, the suspect verdicts and the marts exclusion.

The observations come from ``dramatrack/catalog_check.py`` (what the day's lookups and details pages showed of each
catalog store id); the SQL is in ``warehouse/sql/catalog_checks_*.sql``. One transaction per call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.connection import run_sql, transaction
from warehouse.loaders import _dicts_table, _registered

_S = pa.string()
CHECK_SCHEMA = pa.schema(
    [("snapshot_date", pa.date32()), ("store", _S), ("store_app_id", _S), ("country", _S), ("app_key", _S),
     ("found", pa.bool_()), ("name", _S), ("publisher", _S), ("genre", _S), ("reasons", _S)]
)  # fmt: skip
CATALOG_ID_SCHEMA = pa.schema(
    [("store", _S), ("store_app_id", _S), ("app_key", _S), ("market", _S), ("confirmed", pa.bool_()),
     ("verified", pa.bool_())]
)  # fmt: skip
APP_META_SCHEMA = pa.schema([("app_key", _S), ("market", _S)])


def record_catalog_checks(
    conn: duckdb.DuckDBPyConnection,
    observations: Sequence[Mapping[str, Any]],
    catalog_ids: Sequence[Mapping[str, Any]],
    apps_meta: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Store the observations (replacing their day/store/country scope), re-judge the ids checked on their days,
    apply the suspect flags and the marts exclusion; return the ids that became suspect (to alert once each)."""
    days = sorted({o["snapshot_date"] for o in observations})
    if not days:
        return []
    relations = {
        "staging_catalog_checks": _dicts_table(observations, CHECK_SCHEMA),
        "staging_catalog_ids": _dicts_table(catalog_ids, CATALOG_ID_SCHEMA),
        "staging_catalog_apps_meta": _dicts_table(apps_meta, APP_META_SCHEMA),
    }
    with _registered(conn, relations), transaction(conn):
        run_sql(conn, "catalog_checks_load.sql")
        run_sql(conn, "catalog_checks_apply.sql", {"days": [d if isinstance(d, date) else date.fromisoformat(d)
                                                           for d in days]})
        cursor = run_sql(conn, "catalog_checks_new_suspects.sql")
        columns = [c[0] for c in cursor.description]
        new = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        conn.execute("DROP TABLE IF EXISTS catalog_verdicts; DROP TABLE IF EXISTS catalog_exclusion_changes")
    return new
