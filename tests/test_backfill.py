"""Back-fills of any past day run through the DAGs, and a day in which no task ran never reports success
(issue 15, case 7: `dramatrack run --start 2025-10-06` made no request, loaded nothing and printed "success"
for every day, because the DAGs' start_date was 2026-01-01 and the embedded runner did not notice)."""

from __future__ import annotations

import os
from datetime import date

import duckdb
import pytest

from dramatrack.settings import get_settings

PAST_DAY = date(2025, 10, 6)  # before the DAGs' old start_date
COUNTRIES = ["us"]


@pytest.fixture(scope="module")
def backfill(tmp_path_factory, airflow_db):
    data_dir = tmp_path_factory.mktemp("backfill")
    saved = {k: os.environ.get(k) for k in ("DRAMATRACK_DATA_DIR", "DRAMATRACK_COUNTRIES")}
    os.environ["DRAMATRACK_DATA_DIR"] = str(data_dir)
    os.environ["DRAMATRACK_COUNTRIES"] = ",".join(COUNTRIES)
    get_settings.cache_clear()
    try:
        from dramatrack_cli.run_cmd import run_days
        from sample_data.generate_capture import generate

        settings = get_settings()
        capture = data_dir / "capture"
        generate(capture, PAST_DAY, 1, COUNTRIES, settings=settings, sources=("app_store",))
        lines: list[str] = []
        results = run_days([PAST_DAY], ["app_store"], COUNTRIES, capture, echo=lines.append, show_progress=False)
        yield {"settings": settings, "results": results, "lines": lines}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def test_a_backfill_before_2026_runs_every_task_and_loads_the_day(backfill):
    states = {r.dag_id: r.state for r in backfill["results"]}
    assert states == {"appstore_ingest": "success", "stage_validate_load": "success", "marts_build": "success"}, \
        backfill["lines"]
    with duckdb.connect(str(backfill["settings"].warehouse_path), read_only=True) as conn:
        loaded = conn.execute("SELECT count(*) FROM core.chart_entries WHERE snapshot_date = ?", [PAST_DAY]).fetchone()
        batches = conn.execute("SELECT batch_id FROM ops.load_batches WHERE status = 'loaded'").fetchall()
    assert loaded[0] > 0
    assert batches == [(f"app_store:{PAST_DAY}:us",)]


def test_a_day_in_which_no_task_ran_is_not_a_success(backfill):
    """A logical date before every DAG's start_date (2000-01-01): Airflow creates the run and schedules no task;
    the runner reports it as not run, and `dramatrack run` would exit 1 on it."""
    from dramatrack.local_airflow import NO_TASK_RAN, EmbeddedAirflow

    result = EmbeddedAirflow().run("marts_build", date(1999, 12, 31))
    assert result.state == NO_TASK_RAN and result.state != "success"
    assert "no task of marts_build ran for 1999-12-31" in result.note
