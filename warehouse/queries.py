"""Named read-only queries (``warehouse/queries/*.sql``) for the CLI and reports."""

from __future__ import annotations

from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent / "queries"


def query_sql(name: str) -> str:
    """The SQL text of a named query."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


def run_query(conn, name: str) -> tuple[list[str], list[tuple]]:
    """Run a named query; return column names and rows."""
    cursor = conn.execute(query_sql(name))
    return [d[0] for d in cursor.description], cursor.fetchall()
