"""Printing results for people: the demo summary."""

from __future__ import annotations

import re
from decimal import Decimal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dramatrack.settings import Settings

# C0/C1 control characters (ESC sequences could drive the terminal), except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def cell_text(value: object) -> Text:
    """A table cell for any value: plain text (scraped names with [brackets] are not Rich markup) with
    control characters shown as escapes."""
    if value is None:
        return Text("")
    return Text(_CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value)))


def _numeric(values: list) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present)


def table_of(title: str | None, columns: list[str], rows: list[tuple], *, caption: str | None = None,
             right: tuple[str, ...] = ()) -> Table:
    """A Rich table of query results: every value as plain text, numeric columns (and ``right``) right-aligned."""
    table = Table(title=cell_text(title) if title else None, title_justify="left",
                  caption=cell_text(caption) if caption else None, caption_justify="left")  # fmt: skip
    for i, column in enumerate(columns):
        numeric = column in right or _numeric([row[i] for row in rows])
        table.add_column(cell_text(column), justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(cell_text(v) for v in row))
    return table


def print_demo_summary(settings: Settings, results: list, seconds: float) -> None:
    """The latest week's market shares, what they cover, what was quarantined, and where the files are."""
    from dramatrack_cli.demo_tables import demo_tables
    from warehouse.connection import open_snapshot

    console = Console()
    runs = {}
    for r in results:
        runs.setdefault(r.dag_id, []).append(r.state)
    console.print("Airflow runs: " + ", ".join(
        f"{dag_id} {states.count('success')}/{len(states)} succeeded" for dag_id, states in runs.items()))
    with open_snapshot(settings.snapshot_path) as conn:
        for shown in demo_tables(conn):
            # the title above the table at full width (a table's own title wraps to the table's width)
            console.print(cell_text(shown.title), style="bold")
            console.print(table_of(None, shown.columns, shown.rows, caption=shown.caption, right=shown.right))
            console.print()
    console.print(f"Warehouse: {settings.warehouse_path}")
    console.print(f"Analysts' read-only snapshot: {settings.snapshot_path}")
    console.print(f"Data Docs: {settings.gx_dir}")
    console.print(f"Done in {seconds:.0f} s.")
