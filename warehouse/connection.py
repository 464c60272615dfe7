"""Every DuckDB connection: the warehouse (read-write or read-only) and the analysts' snapshot.

DuckDB allows one read-write process per database file, so connections are short-lived: open,
do one unit of work, close. Read-write connections bring the schema up to date on open, and wait (bounded:
``settings.duckdb_lock_timeout_seconds``) while another process holds the file's lock, so two writers
outside Airflow's ``duckdb_writer`` pool queue up instead of failing. The analysts' snapshot is opened
read-only (:func:`open_snapshot`; sandboxed, without file-system access, for SQL a person typed). ``.sql`` files run through
``warehouse.sql_runner`` (re-exported here: ``run_sql``, ``read_sql``, ``transaction``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.migrate import migrate
from warehouse.sql_runner import SQL_DIR, read_sql, run_sql, transaction

__all__ = ["SQL_DIR", "connect", "is_lock_error", "open_snapshot", "read_sql", "run_sql", "transaction", "writer"]

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
        from dramatrack_config.settings import get_settings

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


def open_snapshot(path: Path | str, *, sandbox: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analysts' snapshot.

    ``sandbox=True`` (for SQL a person typed: ``dramatrack query``) also turns off file-system access (no
    ATTACH, COPY or file reads), so the SQL can neither reach the warehouse file nor take its lock. The
    project's own named queries need no sandbox. (DuckDB refuses two configurations of one file in one process,
    so the choice is the caller's, not a per-query one.) ``FileNotFoundError`` if there is no snapshot at
    ``path``; DuckDB's error if the file does not open.
    """
    target = Path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no analytics snapshot at {target}")
    if sandbox:
        return duckdb.connect(str(target), read_only=True, config={"enable_external_access": False})
    return duckdb.connect(str(target), read_only=True)
