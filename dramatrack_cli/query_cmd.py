"""``dramatrack query``: SQL on the analysts' read-only snapshot (never the warehouse the pipeline writes)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from dramatrack_cli.cli_app import app

FORMATS = ("table", "csv", "json")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"dramatrack query: {message}", err=True)
    return typer.Exit(1)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return " ".join(lines[:1]) if lines else type(exc).__name__


def _parse_params(values: list[str] | None) -> dict[str, Any]:
    """``name=value`` pairs; a value that parses as JSON (numbers, lists, true) is used as such, else text."""
    params: dict[str, Any] = {}
    for item in values or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise _fail(f"--param wants name=value, got {item!r}")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        params[name.strip()] = value
    return params


def connect_snapshot(path: Path):
    """A read-only connection to the snapshot, without file-system access (``warehouse.connection.open_snapshot``):
    a query cannot reach the warehouse file or take its lock."""
    import duckdb

    from warehouse.connection import open_snapshot

    try:
        return open_snapshot(path, sandbox=True)
    except FileNotFoundError:
        raise _fail(f"no analytics snapshot at {path}: run `dramatrack demo` or `dramatrack run` first "
                    "(the marts build publishes it)") from None  # fmt: skip
    except duckdb.Error as exc:
        raise _fail(f"cannot open the snapshot {path}: {_first_line(exc)}") from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def run_query(sql: str | None, named: str | None, params: dict[str, Any], limit: int,
              snapshot_path: Path) -> tuple[list[str], list[tuple], bool]:
    """Run the query on the snapshot; return the columns, at most ``limit`` rows (0 = all) and whether more
    rows were left out."""
    import duckdb
    from rich.console import Console

    from warehouse.sql_runner import execute, missing_params, parse, query_sql

    if named:
        try:
            sql = query_sql(named)
        except KeyError as exc:
            from warehouse.sql_runner import QUERIES_DIR

            names = sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))
            raise _fail(f"no named query {named!r}; known: {', '.join(names)}") from exc
    assert sql is not None
    conn = connect_snapshot(snapshot_path)
    try:
        with Console(stderr=True).status("Querying the snapshot…", spinner="dots"):
            try:
                statements = parse(sql)
            except duckdb.Error as exc:
                raise _fail(f"bad SQL: {_first_line(exc)}") from exc
            if not statements:
                raise _fail("no SQL statement given")
            missing = missing_params(statements, params)
            if missing:
                raise _fail(f"missing parameter(s) {', '.join('$' + m for m in sorted(missing))}: "
                            "give them with --param name=value")  # fmt: skip
            cursor = None
            for i, (statement, names) in enumerate(statements):
                try:
                    cursor = execute(conn, statement, names, params)
                except duckdb.Error as exc:
                    where = f" (statement {i + 1})" if len(statements) > 1 else ""
                    raise _fail(f"query failed{where}: {_first_line(exc)}") from exc
            if cursor is None or cursor.description is None:
                return [], [], False
            columns = [d[0] for d in cursor.description]
            try:
                rows = cursor.fetchall() if limit == 0 else cursor.fetchmany(limit + 1)
            except duckdb.Error as exc:
                raise _fail(f"query failed: {_first_line(exc)}") from exc
    finally:
        conn.close()
    more = limit > 0 and len(rows) > limit
    return columns, rows[:limit] if more else rows, more


@app.command()
def query(
    sql: Annotated[str | None, typer.Argument(help="SQL to run on the analytics snapshot.", show_default=False)] = None,
    named: Annotated[str | None, typer.Option("--named", help="Run warehouse/queries/NAME.sql instead.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p",
                                                    help="name=value for $name in the SQL (JSON or text); repeatable.")] = None,  # noqa: E501
    format_: Annotated[str, typer.Option("--format", "-f", help="table | csv | json")] = "table",
    limit: Annotated[int, typer.Option(min=0, help="Rows to print at most (0 = all).")] = 1000,
) -> None:
    """Query the analysts' read-only snapshot (data/analytics.duckdb); the pipeline keeps writing meanwhile."""
    from dramatrack.settings import get_settings

    if (sql is None) == (named is None):
        raise _fail("give either SQL or --named NAME")
    if format_ not in FORMATS:
        raise _fail(f"unknown --format {format_!r}; one of {', '.join(FORMATS)}")
    snapshot_path = get_settings().snapshot_path
    columns, rows, more = run_query(sql, named, _parse_params(param), limit, snapshot_path)
    if not columns:
        typer.echo("OK (the statement returned no rows)", err=True)
        return
    if format_ == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else _jsonable(v) for v in row] for row in rows])
    elif format_ == "json":
        for row in rows:
            sys.stdout.write(json.dumps({c: _jsonable(v) for c, v in zip(columns, row, strict=True)},
                                        ensure_ascii=False, default=str) + "\n")  # fmt: skip
    else:
        from rich.console import Console

        from dramatrack_cli.show import table_of

        console = Console()
        if not console.is_terminal:  # piped: no terminal width to fit, keep every row on one line
            console = Console(width=4000)
        console.print(table_of(None, columns, rows))
    sys.stdout.flush()
    if more:
        typer.echo(f"(first {limit} rows shown; use --limit 0 for all)", err=True)
