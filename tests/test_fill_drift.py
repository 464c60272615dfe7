"""A batch's fill rate against recent days (issue 15, case 4): a field the marts and estimates read that most of
a batch's rows lost, while the batch still clears the MIN_FILL_RATE floor, fails that batch when the same
store and country filled it on its recent loaded days."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from expectations.fill_drift import fill_rate_drops
from expectations.suites import (
    APP_LOOKUPS,
    FILL_DRIFT_EXPECTATION,
    FILL_DRIFT_MIN_DAYS,
    FILL_DRIFT_MIN_ROWS,
    MIN_FILL_RATE,
    PLAY_APP_DETAILS,
)

# The end-to-end test runs four pipeline days: minutes on a loaded 2-core machine (the 600 s default cut it).
pytestmark = pytest.mark.timeout(1800)

DAY = date(2026, 11, 4)
GB = f"app_store:{DAY}:gb"


def _lookups(batch_id: str, rows: int, filled: int) -> list[dict]:
    return [{"batch_id": batch_id, "country": batch_id.rsplit(":", 1)[1],
             "user_rating_count": 100 + i if i < filled else None,
             "average_user_rating": 4.5 if i < filled else None} for i in range(rows)]


def test_a_collapsed_fill_rate_fails_the_batch_with_field_rate_and_baseline_named():
    frame = pd.DataFrame(_lookups(GB, 20, 6) + _lookups(f"app_store:{DAY}:us", 20, 19))
    recent = {GB: {"user_rating_count": (0.95, 7), "average_user_rating": (0.95, 7)},
              f"app_store:{DAY}:us": {"user_rating_count": (0.95, 7), "average_user_rating": (0.95, 7)}}
    drops = fill_rate_drops(frame, APP_LOOKUPS, recent)
    assert list(drops) == [GB]
    assert drops[GB] == [
        f"{GB}: user_rating_count filled in 30% of 20 rows, under 50% of its median of 95% over the last 7 loaded "
        "days (a layout change?)",
        f"{GB}: average_user_rating filled in 30% of 20 rows, under 50% of its median of 95% over the last 7 "
        "loaded days (a layout change?)",
    ]
    assert all("\n" not in line for line in drops[GB])
    assert 6 / 20 >= MIN_FILL_RATE, "the floor alone would let this batch through"


@pytest.mark.parametrize(("rows", "filled", "baseline", "days", "failed"), [
    (20, 10, 1.0, 7, False),  # exactly half the baseline: not under it
    (20, 9, 1.0, 7, True),
    (FILL_DRIFT_MIN_ROWS - 1, 0, 1.0, 7, False),  # too few rows to judge
    (FILL_DRIFT_MIN_ROWS, 0, 1.0, 7, True),
    (20, 0, 1.0, FILL_DRIFT_MIN_DAYS - 1, False),  # too few recent days to judge
    (20, 0, 1.0, FILL_DRIFT_MIN_DAYS, True),
    (20, 2, 0.2, 7, False),  # a field that is usually sparse stays sparse: no drop
])
def test_only_a_real_drop_against_enough_history_fails(rows, filled, baseline, days, failed):
    frame = pd.DataFrame(_lookups(GB, rows, filled))
    recent = {GB: {"user_rating_count": (baseline, days)}}
    assert bool(fill_rate_drops(frame, APP_LOOKUPS, recent)) is failed


def test_no_history_no_verdict():
    frame = pd.DataFrame(_lookups(GB, 20, 0))
    assert fill_rate_drops(frame, APP_LOOKUPS, {}) == {}
    assert fill_rate_drops(pd.DataFrame(), APP_LOOKUPS, {GB: {"user_rating_count": (1.0, 7)}}) == {}


def test_play_pages_are_judged_per_batch_not_per_page():
    batch = f"google_play:{DAY}:gb"
    rows = [{"batch_id": f"{batch}:com.app.n{i}", "batch": batch, "real_installs": 10 if i < 3 else None,
             "min_installs": 10, "ratings": 5, "score": 4.0} for i in range(12)]
    recent = {batch: {f: (1.0, 7) for f in ("real_installs", "min_installs", "ratings", "score")}}
    drops = fill_rate_drops(pd.DataFrame(rows), PLAY_APP_DETAILS, recent, "batch")
    assert list(drops) == [batch] and len(drops[batch]) == 1
    assert drops[batch][0].startswith(f"{batch}: real_installs filled in 25% of 12 rows")


# -- end to end: real pipeline days through the fault server, the baseline read from the published snapshot --

D1 = date(2026, 11, 1)


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """Three clean App Store days for us and gb (loaded, snapshot published), then a fourth on which most gb
    lookups carry their rating fields under new names (3 of 4 results: above the floor, far below usual)."""
    from tests.fault_server import FaultServer, run_day
    from warehouse.snapshot import publish_snapshot

    countries = ["us", "gb"]
    with FaultServer(start=D1) as server:
        settings = server.settings(tmp_path_factory.mktemp("drift"), countries)
        clean = []
        for offset in range(FILL_DRIFT_MIN_DAYS):
            server.day = D1 + timedelta(days=offset)
            clean.append(run_day(settings, server.day, countries, sources=("app_store",), run_id=f"clean-{offset}"))
        publish_snapshot(settings.warehouse_path, settings.snapshot_path)  # what validation reads
        server.day = D1 + timedelta(days=FILL_DRIFT_MIN_DAYS)
        server.inject("app_store", "gb", "thinned_counts", target="lookup")
        faulty = run_day(settings, server.day, countries, sources=("app_store",), run_id="thinned")
    return {"settings": settings, "clean": clean, "faulty": faulty, "day": server.day}


def test_clean_days_pass_and_a_collapsed_batch_is_quarantined_with_its_reason(days):
    from dramatrack.alerts.message import alert_from_report, render_text

    for day in days["clean"]:
        assert day["summary"]["quarantined_batches"] == []
    day = days["day"]
    summary, report = days["faulty"]["summary"], days["faulty"]["report"]
    gb, us = f"app_store:{day}:gb", f"app_store:{day}:us"
    assert summary["quarantined_batches"] == [gb] and us in summary["loaded_batches"]
    (entry,) = [b for b in report["batches"] if b["batch_id"] == gb]
    assert [f["expectation"] for f in entry["failures"]] == [FILL_DRIFT_EXPECTATION], \
        "the floor (MIN_FILL_RATE) let it through; only the comparison with recent days catches it"
    lines = entry["failures"][0]["examples"]
    assert len(lines) == 2 and all(line.startswith(f"{gb}: ") for line in lines)
    found = re.search(r"user_rating_count filled in (\d+)% of (\d+) rows, under 50% of its median of (\d+)% over "
                      r"the last 3 loaded days", lines[0])
    assert found, lines
    rate, rows, baseline = (int(g) for g in found.groups())
    assert MIN_FILL_RATE * 100 <= rate < baseline / 2 and rows >= FILL_DRIFT_MIN_ROWS
    assert gb in render_text(alert_from_report(report))
    with duckdb.connect(str(days["settings"].warehouse_path), read_only=True) as conn:
        assert conn.execute("SELECT status, failed_expectations FROM ops.quarantine WHERE batch_id = ?",
                            [gb]).fetchone()[0] == "open"
        assert conn.execute("SELECT count(*) FROM core.app_metrics WHERE snapshot_date = ? AND country = 'gb'",
                            [day]).fetchone()[0] == 0, "nothing of the quarantined batch reached core"
        reasons = json.dumps(conn.execute("SELECT failed_expectations FROM ops.quarantine WHERE batch_id = ?",
                                          [gb]).fetchone()[0])
    assert "user_rating_count filled in" in reasons
