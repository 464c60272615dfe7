"""Schema migrations: ``warehouse/migrations/NNNN_name.sql`` applied in order, recorded in ``ops.schema_version``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.sql_runner import run_sql, transaction

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The database and the code disagree about the schema (e.g. the database is newer)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files the code knows, in version order (duplicate numbers are an error)."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path.name!r} is not named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"two migrations numbered {version}: {found[version].path.name}, {path.name}"
            )
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


def applied_versions(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions recorded in ``ops.schema_version`` (creating the empty table if needed)."""
    with transaction(conn):
        run_sql(conn, "migrate_bootstrap.sql")
    return [row[0] for row in run_sql(conn, "applied_migrations.sql").fetchall()]


def migrate(conn: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply pending migrations in order, each in its own transaction; return the versions applied.

    Idempotent. Raises ``MigrationError`` if the database has a version newer than the code knows.
    """
    known = available_migrations(directory)
    applied = set(applied_versions(conn))
    newest_known = known[-1].version if known else 0
    unknown = sorted(v for v in applied if v > newest_known)
    if unknown:
        raise MigrationError(
            f"database schema version {max(unknown)} is newer than this code knows ({newest_known}); "
            "upgrade DramaTrack before opening this warehouse"
        )
    done: list[int] = []
    for migration in known:
        if migration.version in applied:
            continue
        with transaction(conn):
            run_sql(conn, migration.path)
            run_sql(conn, "record_migration.sql", {"version": migration.version, "name": migration.name})
        done.append(migration.version)
    return done
