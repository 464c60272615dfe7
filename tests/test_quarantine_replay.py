"""The quarantine round trip: a batch quarantined for a defect in its WARC loads through
``dramatrack quarantine replay`` once the WARC is fixed, and the marts include it.

One day of the App Store sample capture (us, gb) with a duplicated rank planted in gb's top-grossing chart.
The pipeline steps run directly (ingest → stage/validate → load → marts). Replaying before the fix fails with
one line and leaves the batch quarantined; after the WARC is replaced by a corrected one (the generator
without the defect), the replay loads it, releases it and rebuilds the marts.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from dramatrack.settings import get_settings

DAY = date(2026, 11, 1)
COUNTRIES = ["us", "gb"]
BATCH = "app_store:2026-11-01:gb"


@pytest.fixture(scope="module")
def quarantined(tmp_path_factory):
    from dramatrack.pipeline.ingest import ingest
    from dramatrack.pipeline.validate_load import build_marts_and_publish, load_report, stage_and_validate
    from sample_data.generate_capture import generate

    data_dir = tmp_path_factory.mktemp("quarantine_replay")
    mp = pytest.MonkeyPatch()
    mp.setenv("DRAMATRACK_DATA_DIR", str(data_dir))
    mp.setenv("DRAMATRACK_COUNTRIES", ",".join(COUNTRIES))
    get_settings.cache_clear()
    settings = get_settings()
    capture = data_dir / "capture"
    generate(capture, DAY, 1, COUNTRIES, plant_defect=("gb", 0), settings=settings, sources=("app_store",))
    manifests = ingest(settings, "app_store", DAY, COUNTRIES, replay=capture)
    summary = load_report(settings, stage_and_validate(settings, manifests, "quarantine_replay_test"))
    build_marts_and_publish(settings)
    assert summary["quarantined_batches"] == [BATCH] and summary["loaded_batches"] == ["app_store:2026-11-01:us"]
    yield {"settings": settings, "data_dir": data_dir, "capture": capture}
    mp.undo()
    get_settings.cache_clear()


def _cli(*args: str):
    from dramatrack_cli.main import app

    return CliRunner().invoke(app, list(args))


def _one(settings, sql: str):
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_list_shows_the_quarantined_batch_with_why(quarantined):
    result = _cli("quarantine", "list")
    assert result.exit_code == 0, result.output
    [line] = result.stdout.strip().splitlines()
    assert line.startswith(f"{BATCH}  open  2026-11-01  1 WARC") and "unique" in line
    as_json = [json.loads(x) for x in _cli("quarantine", "list", "--json").stdout.splitlines()]
    assert [r["batch_id"] for r in as_json] == [BATCH]


def test_replay_before_the_fix_fails_with_one_line(quarantined):
    result = _cli("quarantine", "replay", BATCH)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dramatrack quarantine replay: {BATCH} failed validation again:")
    assert _one(quarantined["settings"], f"SELECT status FROM ops.quarantine WHERE batch_id = '{BATCH}'") == [("open",)]
    assert _cli("quarantine", "replay", "app_store:2026-11-01:xx").exit_code == 1


def test_replay_after_the_fix_loads_the_batch_and_the_marts_include_it(quarantined, tmp_path):
    from sample_data.generate_capture import generate

    settings = quarantined["settings"]
    [(raw,)] = _one(settings, f"SELECT warc_paths::VARCHAR FROM ops.quarantine WHERE batch_id = '{BATCH}'")
    [warc] = json.loads(raw)
    # the fix: the batch's WARC replaced by a corrected one (the same responses without the duplicated rank)
    fixed = tmp_path / "fixed"
    generate(fixed, DAY, 1, COUNTRIES, settings=settings, sources=("app_store",))
    shutil.copyfile(fixed / "app_store" / DAY.isoformat() / "gb.warc.gz", warc)

    result = _cli("quarantine", "replay", BATCH)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{BATCH} released: loaded chart_entries ") and "marts rebuilt" in result.stdout

    assert _one(settings, f"SELECT status, released_at IS NOT NULL FROM ops.quarantine WHERE batch_id = '{BATCH}'") == [
        ("released", True)]
    loaded = _one(settings, "SELECT country, count(*) FROM core.chart_entries WHERE snapshot_date = DATE '2026-11-01' "
                            "GROUP BY ALL ORDER BY ALL")
    assert [c for c, n in loaded] == ["gb", "us"] and all(n > 100 for _, n in loaded)
    attempts = _one(settings, f"SELECT status FROM ops.load_batches WHERE batch_id = '{BATCH}' ORDER BY attempt")
    assert [s for (s,) in attempts] == ["quarantined", "quarantined", "loaded"]
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:  # the analysts' snapshot, rebuilt
        share = conn.execute("SELECT country, round(sum(share), 6) FROM marts.market_share WHERE grain = 'day' "
                             "AND period_start = DATE '2026-11-01' AND chart = 'top-grossing' GROUP BY ALL "
                             "ORDER BY ALL").fetchall()
    assert share == [("gb", 1.0), ("us", 1.0)]
    assert "no quarantined batch open" in _cli("quarantine", "list").stdout
    again = _cli("quarantine", "replay", BATCH)
    assert again.exit_code == 1 and "released already" in again.stderr
