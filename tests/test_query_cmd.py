"""`dramatrack query`: SQL on the analysts' read-only snapshot, never the warehouse; it answers while a load
holds the warehouse's write lock mid-transaction."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dramatrack.settings import get_settings
from dramatrack_cli.main import app
from warehouse.connection import connect
from warehouse.snapshot import publish_snapshot

REPO_ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

NAMES = [
    "ReelShort",
    "[bold red]Markup[/] [/i]",  # Rich markup must print as text (and an unbalanced tag must not crash)
    "Esc\x1b[2Jape",  # a terminal escape sequence must not reach the terminal
    "<script>alert(1)</script> \u200fدراما",
]


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    """A migrated warehouse with a probe table, and its published snapshot."""
    monkeypatch.setenv("DRAMATRACK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        conn.execute("CREATE TABLE ops.query_probe (id INTEGER, name VARCHAR, day DATE, share DOUBLE)")
        conn.executemany("INSERT INTO ops.query_probe VALUES (?, ?, DATE '2026-11-01' + ?, ?)",
                         [(i, n, i, i / 10) for i, n in enumerate(NAMES)])  # fmt: skip
        conn.execute("INSERT INTO ops.query_probe SELECT 100 + range, 'App ' || range, NULL, NULL FROM range(50)")
    finally:
        conn.close()
    publish_snapshot(tmp_path / "warehouse.duckdb", tmp_path / "analytics.duckdb")
    yield tmp_path
    get_settings.cache_clear()


def query(*args: str):
    return runner.invoke(app, ["query", *args])


def test_table_output_prints_values_as_text(data_dir):
    result = query("SELECT id, name FROM ops.query_probe WHERE id < 4 ORDER BY id")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ReelShort" in out
    assert "[bold red]Markup[/] [/i]" in out
    assert "\x1b" not in out and "Esc\\x1b[2Jape" in out
    assert "<script>alert(1)</script>" in out


def test_csv_and_json_formats(data_dir):
    result = query("SELECT id, name, day, share FROM ops.query_probe WHERE id < 2 ORDER BY id", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["id,name,day,share", "0,ReelShort,2026-11-01,0.0",
                                          "1,[bold red]Markup[/] [/i],2026-11-02,0.1"]  # fmt: skip
    result = query("SELECT id, name, day FROM ops.query_probe WHERE id IN (2, 3) ORDER BY id", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [{"id": 2, "name": NAMES[2], "day": "2026-11-03"}, {"id": 3, "name": NAMES[3], "day": "2026-11-04"}]


def test_limit_truncates_and_says_so(data_dir):
    result = query("SELECT id FROM ops.query_probe ORDER BY id", "--limit", "3", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["id", "0", "1", "2"]
    assert "first 3 rows shown" in result.stderr
    result = query("SELECT id FROM ops.query_probe", "--limit", "0", "--format", "csv")
    assert len(result.stdout.splitlines()) == 1 + len(NAMES) + 50 and "rows shown" not in result.stderr


def test_named_query(data_dir):
    result = query("--named", "market_share_coverage", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["countries"] == 0  # empty marts in this warehouse
    result = query("--named", "market_events", "-p", 'dates=["2026-11-02"]', "-p", "threshold=5", "-p", "lookback=7")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SELEC 1"], "dramatrack query: bad SQL: Parser Error: syntax error at or near \"SELEC\""),
        (["SELECT * FROM no_such_table"], "dramatrack query: query failed: Catalog Error: Table with name no_such_table"),
        (["--named", "no_such_query"], "dramatrack query: no named query 'no_such_query'; known: "),
        (["--named", "market_events"], "dramatrack query: missing parameter(s) $dates, $lookback, $threshold"),
        ([], "dramatrack query: give either SQL or --named NAME"),
        (["SELECT 1", "--format", "xml"], "dramatrack query: unknown --format 'xml'"),
    ],
)
def test_errors_are_one_line_and_exit_1(data_dir, args, message):
    result = query(*args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr


def test_missing_snapshot_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAMATRACK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = query("SELECT 1")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"dramatrack query: no analytics snapshot at {tmp_path / 'analytics.duckdb'}: run `dramatrack demo` or "
        "`dramatrack run` first (the marts build publishes it)"
    ]


def test_the_snapshot_cannot_be_changed_nor_the_warehouse_reached(data_dir):
    for sql in ["CREATE TABLE ops.x (a INTEGER)", "DELETE FROM ops.query_probe",
                f"ATTACH '{data_dir / 'warehouse.duckdb'}' AS wh",
                f"COPY (SELECT 1) TO '{data_dir / 'out.csv'}'"]:  # fmt: skip
        result = query(sql)
        assert result.exit_code == 1, sql
    assert not (data_dir / "out.csv").exists()
    result = query("SELECT count(*) AS n FROM ops.query_probe", "-f", "csv")
    assert result.stdout.splitlines() == ["n", str(len(NAMES) + 50)]


WRITER = textwrap.dedent(
    """
    import sys
    from warehouse.connection import connect, transaction

    conn = connect(sys.argv[1])
    with transaction(conn):
        conn.execute("INSERT INTO ops.query_probe SELECT 1000 + range, 'loading', NULL, NULL FROM range(100000)")
        print("in transaction", flush=True)
        sys.stdin.readline()  # hold the write lock, mid-transaction, until the test says go
    conn.close()
    print("committed", flush=True)
    """
)


def test_a_query_on_the_snapshot_succeeds_while_a_load_is_running(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(warehouse)], cwd=REPO_ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "in transaction", writer.stderr.read()
        # the load really holds the warehouse: another process cannot even open it read-only
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(warehouse), read_only=True)
        result = query("SELECT count(*) AS n, max(name) AS last FROM ops.query_probe", "-f", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"n": len(NAMES) + 50, "last": max(["App 9", *NAMES])}
        assert writer.poll() is None, "the load ended before the query ran"
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "committed"
        assert writer.wait(timeout=60) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    # the load is committed in the warehouse; the snapshot shows it after the next publish
    publish_snapshot(warehouse, data_dir / "analytics.duckdb")
    result = query("SELECT count(*) AS n FROM ops.query_probe", "-f", "csv")
    assert result.stdout.splitlines() == ["n", str(len(NAMES) + 50 + 100000)]
