"""Named read-only queries (``warehouse/queries/*.sql``) for the CLI and reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

QUERIES_DIR = Path(__file__).resolve().parent / "queries"


def query_sql(name: str) -> str:
    """The SQL text of a named query."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


def run_query(conn, name: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
    """Run a named query (one statement) with the ``$name`` parameters it uses; return column names and rows."""
    sql = query_sql(name)
    if params:
        (statement,) = conn.extract_statements(sql)
        missing = set(statement.named_parameters) - params.keys()
        if missing:
            raise ValueError(f"query {name}: missing parameters {sorted(missing)}")
        cursor = conn.execute(statement, {k: params[k] for k in statement.named_parameters})
    else:
        cursor = conn.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()
