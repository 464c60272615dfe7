"""The codebase's structure holds: one home for DuckDB connections and for running SQL (docs/architecture.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("dags", "dramatrack", "dramatrack_cli", "dramatrack_config", "expectations", "extractors", "transforms",
            "warehouse", "sample_data", "bench", "docs")

# Tests open the files they check directly; the accuracy benchmark keeps its own scratch connections.
CONNECT_ALLOWED = ("warehouse/", "tests/", "bench/bench_accuracy.py")
# warehouse/sql_runner.py parses SQL; the load benchmark times the statements of loaders older than it.
PARSE_ALLOWED = ("warehouse/sql_runner.py", "tests/", "bench/bench_load_day.py")


def _sources() -> list[tuple[str, str]]:
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")] + list((REPO / "tests").rglob("*.py"))
    return [(p.relative_to(REPO).as_posix(), p.read_text(encoding="utf-8")) for p in files]


def _offenders(pattern: str, allowed: tuple[str, ...]) -> list[str]:
    found = []
    for rel, text in _sources():
        if rel.startswith(allowed):
            continue
        for n, line in enumerate(text.splitlines(), start=1):
            if re.search(pattern, line):
                found.append(f"{rel}:{n}: {line.strip()}")
    return found


def test_import_linter_contracts_hold():
    """The layers and the no-cycles contracts of pyproject.toml ([tool.importlinter])."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout and run.stdout.count("KEPT") >= 3, run.stdout[-2000:]


def test_sources_are_scanned():
    rels = {rel for rel, _ in _sources()}
    assert "warehouse/connection.py" in rels and "dramatrack_cli/query_cmd.py" in rels
    # the scan does see a connect call where one is allowed
    assert any("duckdb.connect(" in text for rel, text in _sources() if rel == "warehouse/connection.py")


def test_duckdb_connections_are_opened_only_in_warehouse():
    offenders = _offenders(r"duckdb\.connect\(", CONNECT_ALLOWED)
    assert not offenders, ("open DuckDB through warehouse.connection (connect, writer, open_snapshot):\n"
                           + "\n".join(offenders))


def test_sql_is_parsed_and_bound_only_by_the_sql_runner():
    offenders = _offenders(r"\.extract_statements\(", PARSE_ALLOWED)
    assert not offenders, "run SQL through warehouse.sql_runner:\n" + "\n".join(offenders)


def test_the_snapshot_opens_read_only_and_sandboxed_without_file_access(tmp_path):
    import duckdb
    import pytest

    from warehouse.connection import open_snapshot

    path = tmp_path / "analytics.duckdb"
    with pytest.raises(FileNotFoundError):
        open_snapshot(path)
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE t AS SELECT 1 AS x")
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    with open_snapshot(path) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            conn.execute("CREATE TABLE u (y INT)")
    with open_snapshot(path, sandbox=True) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            conn.execute(f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')").fetchall()
        with pytest.raises(duckdb.Error):
            conn.execute("CREATE TABLE u (y INT)")
