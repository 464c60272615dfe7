"""Named read-only queries (``warehouse/queries/*.sql``) for the CLI and reports; run by ``warehouse.sql_runner``."""

from warehouse.sql_runner import QUERIES_DIR, query_sql, run_named, run_query

__all__ = ["QUERIES_DIR", "query_sql", "run_named", "run_query"]
