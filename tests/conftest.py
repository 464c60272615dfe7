"""Test session set-up: one embedded Airflow metadata DB per session, the `live` marker, reference data."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Airflow reads its configuration at import: point it at a per-session SQLite home before anything imports it.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="dramatrack-test-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
for key in [k for k in os.environ if k.startswith("DRAMATRACK_")]:
    del os.environ[key]  # tests build their own settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="run tests marked `live` against the real sources")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="talks to the real sources: run with --live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference`` (real recorded payloads); skips the test when it is absent."""
    if not REFERENCE_DIR.is_dir():
        pytest.skip("../shared/reference is not present (a user's clone has no ../shared)")
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The session's Airflow metadata DB, migrated once, with the DuckDB writer pool."""
    from dramatrack.local_airflow import ensure_metadata_db

    ensure_metadata_db()
    return _AIRFLOW_HOME


# Scores tests report for the end of the run (``make test`` prints them whatever the capture mode): lines added
# to the ``score_board`` fixture, and sections recorded with tests/metrics_report.py.
_SCORES = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def score_board(request: pytest.FixtureRequest) -> list[str]:
    """Lines a test adds here are printed in the terminal summary (e.g. precision and recall)."""
    return request.config.stash.setdefault(_SCORES, [])


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the scores to the controller, which prints the summary."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        from tests.metrics_report import LINES

        output["dramatrack_scores"] = json.dumps({"board": session.config.stash.get(_SCORES, []), "sections": LINES})


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """In the pytest-xdist controller: collect a finished worker's scores (``pytest_sessionfinish`` above)."""
    from tests.metrics_report import report

    scores = json.loads(getattr(node, "workeroutput", {}).get("dramatrack_scores", "{}"))
    node.config.stash.setdefault(_SCORES, []).extend(scores.get("board", []))
    for section, lines in scores.get("sections", {}).items():
        for line in lines:
            report(section, line)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    from tests.metrics_report import write_summary

    lines = config.stash.get(_SCORES, [])
    if lines:
        terminalreporter.section("scores")
        for line in lines:
            terminalreporter.write_line(line)
    write_summary(terminalreporter)
