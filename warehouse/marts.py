"""The marts step: rebuild every ``marts`` table from core."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.connection import run_sql, transaction

MARTS_DIR = Path(__file__).resolve().parent / "marts"


def build_marts(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Run every ``warehouse/marts/*.sql`` in name order in one transaction; return the file names run."""
    files = sorted(MARTS_DIR.glob("*.sql"))
    with transaction(conn):
        for path in files:
            run_sql(conn, path)
    return [p.name for p in files]
