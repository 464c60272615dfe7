"""`dramatrack classify` (why is this app (not) counted?) and `dramatrack catalog candidates|accept|reject|confirm`."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dramatrack.catalog import load_catalog
from dramatrack.settings import get_settings
from dramatrack_cli.main import app
from warehouse.connection import connect
from warehouse.loaders import AppRecord, load_batch, sync_catalog

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture()
def env(tmp_path, monkeypatch):
    catalog = tmp_path / "apps.yaml"
    shutil.copy(REPO / "catalog" / "apps.yaml", catalog)
    monkeypatch.setenv("DRAMATRACK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAMATRACK_CATALOG_PATH", str(catalog))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_classify_prints_status_and_reason_per_listing(env):
    listings = [
        {"name": "ReelShort - Short Movie & TV", "publisher": "NewLeaf Publishing Inc.", "genre": "Entertainment",
         "description": "Short dramas.", "store_id": "1636235979"},
        {"name": "IPTV Smart Player", "publisher": "Flex Live Store", "genre": "Video Players & Editors",
         "description": "Live TV from your M3U playlists.", "store_id": "com.aytech.flextv"},
        {"name": "Snackshort - Short Dramas", "publisher": "Snack Media", "genre": "Entertainment",
         "description": "One-minute drama episodes."},
        {"name": "Lumen Drama", "publisher": "Lumen", "genre": "Entertainment"},
        {"name": "Video & Drama Player", "publisher": "Tools", "genre": "Entertainment",
         "description": "Drama episodes, shorts and reels in any format."},
        {"name": "Tubi: Movies & Live TV", "publisher": "Tubi, Inc.", "genre": "Entertainment", "description": None},
    ]
    path = env / "listings.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in listings) + "\n\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 0, result.output
    out = _lines(result.stdout)
    assert [o["status"] for o in out] == ["catalog", "suspect", "candidate", "pending", "other", "other"]
    assert out[0]["app_key"] == "reelshort" and out[1]["app_key"] == "flextv"
    assert "no short-drama signal" in out[1]["reason"]
    assert "name: short drama" in out[2]["evidence"] and "video player" in out[4]["reason"]
    assert [o["name"] for o in out] == [x["name"] for x in listings]  # each input comes back with its verdict
    # stdin works too
    piped = runner.invoke(app, ["classify"], input=json.dumps(listings[3]) + "\n")
    assert piped.exit_code == 0 and _lines(piped.stdout)[0]["status"] == "pending"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "A", "publisher": null, "genre": null}\n{"name": "B", "genre": "x"}\n',
         "listings.jsonl:2: missing field(s) publisher"),
        ('{"name": "A", "publisher": null, "genre": null}\nnot json\n', "listings.jsonl:2: not valid JSON"),
        ('[1, 2]\n', "listings.jsonl:1: expected a JSON object, got list"),
        ('{"name": "", "publisher": null, "genre": null}\n', "listings.jsonl:1: 'name' must be a non-empty string"),
        ('{"name": "A", "publisher": 3, "genre": null}\n', "listings.jsonl:1: 'publisher' must be a string or null"),
        (b"\xff\xfe{}", "listings.jsonl: not UTF-8 text"),
    ],
)
def test_classify_bad_input_is_one_line_and_exit_1(env, text, message):
    path = env / "listings.jsonl"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""  # nothing half-printed
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_classify_missing_file(env):
    result = runner.invoke(app, ["classify", str(env / "nope.jsonl")])
    assert result.exit_code == 1 and "nope.jsonl: cannot read" in result.stderr


def _warehouse_with_candidates(env) -> None:
    settings = get_settings()
    records = [
        AppRecord(app_key="ios_6700000001", name="Stardust TV - Shorts & Dramas", publisher="Stardust Media Ltd",
                  store="app_store", store_app_id="6700000001", bundle_id=None, is_short_drama=True,
                  status="candidate", classification_reason="name matches 'drama', 'short'; description matches "
                  "'short drama'"),
        AppRecord(app_key="ios_6700000002", name="Lumen Drama", publisher="Lumen", store="app_store",
                  store_app_id="6700000002", bundle_id=None, is_short_drama=False, status="pending",
                  classification_reason="pending: no description yet to confirm (name matches 'drama')"),
        AppRecord(app_key="ios_6700000003", name="Drama Player", publisher="Tools", store="app_store",
                  store_app_id="6700000003", bundle_id=None, is_short_drama=True, status="candidate",
                  classification_reason="name matches 'drama'"),
    ]
    with connect(settings.warehouse_path) as conn:
        sync_catalog(conn, load_catalog(settings.catalog_path))
        load_batch(conn, batch_id="app_store:2026-11-23:us", source="app_store", snapshot_date=date(2026, 11, 23),
                   country="us", chart_entries=[], lookups=[], apps=records, fetch_log_rows=[])


def test_catalog_candidates_accept_reject_confirm(env):
    _warehouse_with_candidates(env)
    listed = runner.invoke(app, ["catalog", "candidates", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = _lines(listed.stdout)
    assert [(r["store_app_id"], r["status"]) for r in rows] == [
        ("6700000001", "candidate"), ("6700000003", "candidate"), ("6700000002", "pending")]
    assert "description matches 'short drama'" in rows[0]["evidence"]

    catalog_path = Path(get_settings().catalog_path)
    before = catalog_path.read_text(encoding="utf-8")
    dry = runner.invoke(app, ["catalog", "accept", "6700000001", "--dry-run"])
    assert dry.exit_code == 0 and '+    ios_id: "6700000001"' in dry.stdout
    assert catalog_path.read_text(encoding="utf-8") == before  # a dry run writes nothing

    accepted = runner.invoke(app, ["catalog", "accept", "6700000001"])
    assert accepted.exit_code == 0, accepted.output
    assert "+  - app_key: stardust_tv" in accepted.stdout and "+    name: Stardust TV" in accepted.stdout
    app_entry = {a.app_key: a for a in load_catalog(catalog_path).apps}["stardust_tv"]
    assert (app_entry.ios_id, app_entry.verified) == ("6700000001", False)

    rejected = runner.invoke(app, ["catalog", "reject", "6700000003", "--reason", "a video player"])
    assert rejected.exit_code == 0 and "+  - store: app_store" in rejected.stdout
    assert ("app_store", "6700000003") in load_catalog(catalog_path).rejected_ids()
    again = _lines(runner.invoke(app, ["catalog", "candidates", "--json"]).stdout)
    assert "6700000003" not in {r["store_app_id"] for r in again}  # a decided listing is not listed again

    classified = runner.invoke(app, ["classify"], input=json.dumps(
        {"name": "Drama Player", "publisher": "Tools", "genre": "Entertainment", "store_id": "6700000003"}))
    assert _lines(classified.stdout)[0]["reason"].startswith("rejected by a person on ")

    confirmed = runner.invoke(app, ["catalog", "confirm", "com.aytech.flextv"])
    assert confirmed.exit_code == 0 and "+    confirmed: [com.aytech.flextv]" in confirmed.stdout
    assert load_catalog(catalog_path).by_android_package()["com.aytech.flextv"].confirmed == ["com.aytech.flextv"]
    twice = runner.invoke(app, ["catalog", "confirm", "com.aytech.flextv"])
    assert twice.exit_code == 1 and "already confirmed" in twice.stderr
    unknown = runner.invoke(app, ["catalog", "accept", "nope"])
    assert unknown.exit_code == 1 and "no candidate 'nope'" in unknown.stderr
