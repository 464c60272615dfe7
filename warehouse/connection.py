"""DuckDB connections to the warehouse, plus the helpers that run ``.sql`` files.

DuckDB allows one read-write process per database file, so connections are short-lived: open,
do one unit of work, close. Read-write connections bring the schema up to date on open.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"

_MEMORY = ":memory:"


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (``":memory:"`` allowed).

    A read-write connection creates the parent directory and applies pending migrations;
    a read-only connection requires the file to exist and changes nothing.
    """
    target = str(path)
    if target != _MEMORY and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(target, read_only=read_only)
    if not read_only:
        from warehouse.migrate import migrate  # local import: migrate uses this module's helpers

        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def writer(path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The single writer: a migrated read-write connection, closed (and checkpointed) on exit."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``BEGIN`` … ``COMMIT``; ``ROLLBACK`` and re-raise on any error, so nothing is half-applied."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the original error is the one worth reporting
        raise
    conn.execute("COMMIT")


def read_sql(path: Path | str) -> str:
    """The text of a ``.sql`` file; a bare name (``"load_batch.sql"``) is looked up in ``warehouse/sql``."""
    p = Path(path)
    if not p.is_absolute() and p.parent == Path("."):
        p = SQL_DIR / p
    return p.read_text(encoding="utf-8")


def run_sql(
    conn: duckdb.DuckDBPyConnection, path: Path | str, params: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run every statement of a ``.sql`` file in order; returns the connection holding the last result.

    ``params`` are named parameters (``$name`` in the SQL); each statement gets the ones it uses.
    """
    params = dict(params or {})
    statements = conn.extract_statements(read_sql(path))
    names = set().union(*(s.named_parameters for s in statements)) if statements else set()
    missing = names - params.keys()
    if missing:
        raise ValueError(f"{path}: missing SQL parameters {sorted(missing)}")
    result = conn
    for statement in statements:
        wanted = {k: params[k] for k in statement.named_parameters}
        result = conn.execute(statement, wanted) if wanted else conn.execute(statement)
    return result
