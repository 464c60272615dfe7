"""Printing results for people: the demo summary."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from dramatrack.settings import Settings


def table_of(title: str, columns: list[str], rows: list[tuple]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    return table


def print_demo_summary(settings: Settings, results: list, seconds: float) -> None:
    """The top of the market-share mart, what it covers, what was quarantined, and where the files are."""
    import duckdb

    from warehouse.queries import run_query

    console = Console()
    runs = {}
    for r in results:
        runs.setdefault(r.dag_id, []).append(r.state)
    console.print("Airflow runs: " + ", ".join(
        f"{dag_id} {states.count('success')}/{len(states)} succeeded" for dag_id, states in runs.items()))
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:
        cols, rows = run_query(conn, "market_share_latest_week")
        console.print(table_of("marts.market_share: latest week, App Store Entertainment top-grossing", cols, rows))
        cols, rows = run_query(conn, "market_share_coverage")
        console.print(table_of("Coverage", cols, rows))
        cols, rows = run_query(conn, "open_quarantine")
        shown = [(b, d, c, "; ".join(f"{f['expectation']} x{f['unexpected_count']}" for f in json.loads(fx)))
                 for b, d, c, fx in rows]
        console.print(table_of("Quarantined batches (not loaded; see ops.quarantine and Data Docs)",
                               cols, shown))
    console.print(f"Warehouse: {settings.warehouse_path}")
    console.print(f"Analysts' read-only snapshot: {settings.snapshot_path}")
    console.print(f"Data Docs: {settings.gx_dir}")
    console.print(f"Done in {seconds:.0f} s.")
