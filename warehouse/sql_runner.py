"""The one runner of ``.sql`` files: read, parse (once per text), bind the ``$name`` parameters each statement
uses, execute; and the transaction around a unit of work.

Where the SQL lives (``docs/architecture.md``): ``warehouse/migrations`` (schema, ``NNNN_name.sql``),
``warehouse/sql`` (loader and ops steps, looked up by bare name), ``warehouse/marts`` and
``warehouse/estimates/sql`` (the marts build), ``warehouse/queries`` (named read-only queries for the CLI and
the report). Every caller runs them through this module.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

SQL_DIR = Path(__file__).resolve().parent / "sql"
QUERIES_DIR = Path(__file__).resolve().parent / "queries"

Parsed = tuple[tuple[duckdb.Statement, frozenset[str]], ...]

_PARSE_LOCK = threading.Lock()


def read_sql(path: Path | str) -> str:
    """The text of a ``.sql`` file; a bare name (``"load_batch.sql"``) is looked up in ``warehouse/sql``."""
    p = Path(path)
    if not p.is_absolute() and p.parent == Path("."):
        p = SQL_DIR / p
    return p.read_text(encoding="utf-8")


def query_sql(name: str) -> str:
    """The SQL text of a named query (``warehouse/queries/<name>.sql``); ``KeyError`` if there is none."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


@functools.cache
def _parser() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@functools.lru_cache(maxsize=1024)
def parse(sql: str) -> Parsed:
    """The statements of ``sql`` with the parameters each uses, parsed once per process and text (parsing a
    long statement costs DuckDB milliseconds; a parsed statement runs on any connection)."""
    with _PARSE_LOCK:
        statements = _parser().extract_statements(sql)
    return tuple((s, frozenset(s.named_parameters)) for s in statements)


def statements(path: Path | str) -> Parsed:
    """The parsed statements of a ``.sql`` file (see :func:`read_sql` for bare names)."""
    return parse(read_sql(path))


def missing_params(parsed: Parsed, params: Mapping[str, Any]) -> set[str]:
    """The parameters the statements use that ``params`` lacks."""
    return set().union(*(names for _, names in parsed)) - params.keys()


def execute(conn: duckdb.DuckDBPyConnection, statement: duckdb.Statement | str, names: frozenset[str] | set[str],
            params: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    """Run one statement with the parameters it uses (DuckDB binds exactly those of a single statement)."""
    return conn.execute(statement, {k: params[k] for k in names}) if names else conn.execute(statement)


def run_parsed(conn: duckdb.DuckDBPyConnection, parsed: Parsed, params: Mapping[str, Any] | None = None, *,
               label: str = "SQL") -> duckdb.DuckDBPyConnection:
    """Run every statement in order; returns the connection holding the last result. Missing parameters are a
    ``ValueError`` naming ``label`` before anything runs."""
    params = params or {}
    missing = missing_params(parsed, params)
    if missing:
        raise ValueError(f"{label}: missing SQL parameters {sorted(missing)}")
    result = conn
    for statement, names in parsed:
        result = execute(conn, statement, names, params)
    return result


def run_sql(
    conn: duckdb.DuckDBPyConnection, path: Path | str, params: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run every statement of a ``.sql`` file in order; returns the connection holding the last result.

    ``params`` are named parameters (``$name`` in the SQL); each statement gets the ones it uses.
    """
    return run_parsed(conn, statements(path), params, label=str(path))


def select(conn: duckdb.DuckDBPyConnection, path: Path | str, params: Mapping[str, Any] | None = None) -> pa.Table:
    """The rows of a one-statement SELECT file, as an Arrow table."""
    [(statement, names)] = statements(path)
    params = params or {}
    missing = names - params.keys()
    if missing:
        raise ValueError(f"{path}: missing SQL parameters {sorted(missing)}")
    return conn.sql(statement, params={k: params[k] for k in names}).to_arrow_table()


def run_named(conn: duckdb.DuckDBPyConnection, name: str,
              params: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Run the named query ``warehouse/queries/<name>.sql`` (exactly one statement); returns the cursor."""
    parsed = parse(query_sql(name))
    if len(parsed) != 1:
        raise ValueError(f"query {name} must hold exactly one statement, not {len(parsed)}")
    return run_parsed(conn, parsed, params, label=f"query {name}")


def run_query(conn: duckdb.DuckDBPyConnection, name: str,
              params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
    """Run a named query; return its column names and rows."""
    cursor = run_named(conn, name, params)
    return [d[0] for d in cursor.description], cursor.fetchall()


def records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of a cursor as dicts by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


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

