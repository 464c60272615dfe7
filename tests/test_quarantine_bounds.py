"""Issue 15: a quarantined Google Play batch must not move the App Store estimates (docs/methodology.md §10).

An outside fault run once saw DramaBox, App Store gb Entertainment top-free rank 4, move 281,101 → 348,797 when a
gb Play batch was quarantined (at the time a failed page could also downgrade an app's classification, which changes
the category the published-totals scale is spread over: issue 15 case 3, since fixed). Here nine days of us + gb run from the fault server, clean and with one
Google Play batch quarantined (gb's chart on a Wednesday; every us app page on a Sunday, the last day of an
estimate week, where a missing day moves a pair's growth into the next week), and every App Store download
estimate of both countries is compared with the clean run's.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.fault_server import FaultServer, run_day
from warehouse.connection import connect
from warehouse.marts import refresh_marts

pytestmark = pytest.mark.timeout(1800)

COUNTRIES = ["us", "gb"]
D1 = date(2026, 11, 2)  # a Monday
DAYS = [D1 + timedelta(days=i) for i in range(9)]
# (country, fault, target, day): the Play batch that is quarantined in each faulty run
FAULTS = {
    "gb_chart_midweek": ("gb", "http_503_persistent", "chart", D1 + timedelta(days=2)),
    "us_pages_sunday": ("us", "renamed_counts", "details", D1 + timedelta(days=6)),
}
MAX_MOVE = 0.01  # measured: 0 (no App Store estimate moved at all)


def _app_store_estimates(settings) -> dict[tuple, float]:
    conn = connect(settings.warehouse_path)
    try:
        refresh_marts(conn)
        rows = conn.execute(
            "SELECT snapshot_date, country, chart, genre, app_key, est_downloads FROM core.app_estimates "
            "WHERE store = 'app_store' AND est_downloads IS NOT NULL").fetchall()
    finally:
        conn.close()
    return {r[:5]: r[5] for r in rows}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    with FaultServer(start=D1) as server:
        for name in ("clean", *FAULTS):
            settings = server.settings(tmp_path_factory.mktemp(name), COUNTRIES)
            failed = []
            for day in DAYS:
                server.day = day
                server.clear_faults()
                if name in FAULTS and FAULTS[name][3] == day:
                    country, fault, target, _ = FAULTS[name]
                    server.inject("google_play", country, fault, target=target)
                report = run_day(settings, day, COUNTRIES, run_id=f"{name}-{day}")["report"]
                failed += [b["batch_id"] for b in report["batches"] if b["status"] == "failed" and not b.get("parent")]
            out[name] = {"estimates": _app_store_estimates(settings), "failed": failed}
    return out


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_quarantined_play_batch_leaves_the_app_store_estimates_where_they_were(runs, name):
    country, _, _, day = FAULTS[name]
    assert runs["clean"]["failed"] == []
    assert runs[name]["failed"] == [f"google_play:{day.isoformat()}:{country}"]
    clean, faulty = runs["clean"]["estimates"], runs[name]["estimates"]
    assert len(clean) > 500 and set(faulty) == set(clean)  # both countries, every chart, both weeks
    moves = {key: faulty[key] / clean[key] - 1 for key in clean}
    worst = max(moves, key=lambda k: abs(moves[k]))
    assert abs(moves[worst]) <= MAX_MOVE, (worst, clean[worst], faulty[worst])
