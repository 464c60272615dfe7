"""DuckDB connections to the warehouse, plus the helpers that run ``.sql`` files.

DuckDB allows one read-write process per database file, so connections are short-lived: open,
do one unit of work, close. Read-write connections bring the schema up to date on open, and wait (bounded:
``settings.duckdb_lock_timeout_seconds``) while another process holds the file's lock, so two writers
outside Airflow's ``duckdb_writer`` pool queue up instead of failing.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"

_MEMORY = ":memory:"
_LOCK_MESSAGE = "could not set lock"
DEFAULT_LOCK_TIMEOUT_SECONDS = 300.0
_MAX_LOCK_POLL_SECONDS = 1.0

log = logging.getLogger(__name__)


def is_lock_error(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's "Could not set lock on file" (another process holds the database)."""
    return isinstance(exc, duckdb.IOException) and _LOCK_MESSAGE in str(exc).lower()


def _default_lock_timeout() -> float:
    try:
        from dramatrack.settings import get_settings

        return float(get_settings().duckdb_lock_timeout_seconds)
    except Exception:  # settings unreadable: the documented default, never a crash here
        return DEFAULT_LOCK_TIMEOUT_SECONDS


def _open_read_write(target: str, lock_timeout: float | None) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect(target)``, retried with jittered backoff while another process holds the lock."""
    timeout = _default_lock_timeout() if lock_timeout is None else max(0.0, float(lock_timeout))
    deadline = time.monotonic() + timeout
    delay = 0.02
    waited = False
    while True:
        try:
            conn = duckdb.connect(target)
        except duckdb.IOException as exc:
            remaining = deadline - time.monotonic()
            if not is_lock_error(exc) or remaining <= 0:
                raise
            if not waited:
                log.info("warehouse %s is locked by another process; waiting up to %.0f s", target, timeout)
                waited = True
            time.sleep(min(remaining, delay * random.uniform(0.5, 1.5)))
            delay = min(delay * 2, _MAX_LOCK_POLL_SECONDS)
            continue
        if waited:
            log.info("warehouse %s lock acquired", target)
        return conn


def connect(path: Path | str, *, read_only: bool = False, lock_timeout: float | None = None,
            apply_migrations: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (``":memory:"`` allowed).

    A read-write connection creates the parent directory and applies pending migrations; while another
    process holds the file it waits up to ``lock_timeout`` seconds (default:
    ``settings.duckdb_lock_timeout_seconds``) before raising DuckDB's lock error. A read-only connection
    requires the file to exist, changes nothing and does not wait. ``apply_migrations=False`` opens the
    file as it is (for maintenance such as publishing a snapshot).
    """
    target = str(path)
    if target != _MEMORY and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    if read_only or target == _MEMORY:
        conn = duckdb.connect(target, read_only=read_only)
    else:
        conn = _open_read_write(target, lock_timeout)
    if not read_only and apply_migrations:
        from warehouse.migrate import migrate  # local import: migrate uses this module's helpers

        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def writer(path: Path | str, *, lock_timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The single writer: a migrated read-write connection (waiting for the lock), closed on exit."""
    conn = connect(path, lock_timeout=lock_timeout)
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
