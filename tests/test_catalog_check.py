"""The catalog checked against the day's listings: a wrong store id is marked suspect, left out of the
short-drama marts until a person confirms it, and alerted once."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from dramatrack.catalog import load_catalog
from dramatrack.catalog_check import Listing, judge
from dramatrack.pipeline.stage import StagedBatch, google_play_apps
from dramatrack.pipeline.staging_store import save_staged
from dramatrack.pipeline.validate_load import load_report, staging_dir
from dramatrack.settings import Settings
from extractors.batches import BatchManifest
from transforms.records import ChartEntry, PlayAppDetails
from warehouse.connection import connect
from warehouse.marts import refresh_marts

REPO = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 23)
FLEXTV = "com.aytech.flextv"
# The IPTV player that an earlier note gave as FlexTV's package, planted under FlexTV's catalog id
IPTV = dict(title="FlexTV IPTV Player - Live TV", developer="Flex Live Store",
            genre="Video Players & Editors", genre_id="VIDEO_PLAYERS",
            description="Stream live TV channels from your own M3U playlists and EPG, in HD.")


def _settings(tmp_path: Path, catalog_text: str | None = None) -> Settings:
    catalog = tmp_path / "apps.yaml"
    if catalog_text is None:
        shutil.copy(REPO / "catalog" / "apps.yaml", catalog)
    else:
        catalog.write_text(catalog_text, encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", catalog_path=catalog, alert_webhook_url=None,
                    alert_slack_webhook_url=None, alert_emails=[])


def _details(app_id: str, country: str, title: str, developer: str, genre: str = "Entertainment",
             genre_id: str = "ENTERTAINMENT", description: str | None = None) -> PlayAppDetails:
    return PlayAppDetails(app_id=app_id, country=country, title=title, developer=developer, genre=genre,
                          genre_id=genre_id, installs_text="1,000,000+", min_installs=1_000_000, real_installs=None,
                          score=4.5, ratings=1000, reviews=100, histogram=(10, 10, 10, 100, 870), updated=None,
                          released=None, version="1.0", description=description)


def _play_batch(settings: Settings, day: date, country: str, planted: dict | None) -> StagedBatch:
    """A Google Play batch: the Entertainment top-free chart (the planted listing at rank 2) and the details page of
    every catalog package, each looking right but FlexTV's, which shows ``planted`` when given."""
    catalog = load_catalog(settings.catalog_path)
    details, chart = [], []
    for app in catalog.apps:
        if not app.android_package:
            continue
        developer = (app.publishers or [app.publisher or f"{app.name} Studio"])[0]
        d = _details(app.android_package, country, f"{app.name} - Short Dramas & Reels", developer,
                     description="Binge short drama series, a new episode every minute.")
        if app.android_package == FLEXTV and planted:
            d = _details(FLEXTV, country, **planted)
        details.append(d)
    order = [FLEXTV, "com.storymatrix.drama", "com.newleaf.app.android.victor", "com.other.videoplayer"]
    for rank, app_id in enumerate(order, 1):
        page = next((d for d in details if d.app_id == app_id), None)
        chart.append(ChartEntry(store="google_play", country=country, chart="top-free", genre="ENTERTAINMENT",
                                feed="batchexecute", rank=rank, store_app_id=app_id,
                                name=page.title if page else "Video Player All Format",
                                publisher=page.developer if page else "Tools Inc"))
    manifest = BatchManifest(batch_id=f"google_play:{day}:{country}", source="google_play",
                             snapshot_date=day.isoformat(), country=country, warc_paths=(), responses=0)
    staged = StagedBatch(manifest=manifest, chart_entries=chart, play_details=details)
    staged.apps = google_play_apps(chart, details, catalog)
    return staged


def _load_day(settings: Settings, day: date, planted: dict | None, countries=("us", "ph")) -> dict:
    batches = []
    for country in countries:
        staged = _play_batch(settings, day, country, planted)
        folder = save_staged(staged, staging_dir(settings))
        batches.append({"batch_id": staged.batch_id, "source": "google_play", "country": country,
                        "snapshot_date": day.isoformat(), "folder": str(folder), "status": "passed",
                        "failures": [], "counts": staged.counts(), "warc_paths": []})
    report = staging_dir(settings) / "reports" / f"report-{day}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"run_id": f"r{day}", "sources": ["google_play"], "snapshot_dates": [str(day)],
                                  "data_docs_urls": [], "batches": batches}), encoding="utf-8")
    return load_report(settings, report)


def _rows(conn, sql: str, params=None) -> list[dict]:
    cur = conn.execute(sql, params or [])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_planted_iptv_listing_is_suspect_excluded_and_alerted_once(tmp_path):
    settings = _settings(tmp_path)
    summary = _load_day(settings, DAY, IPTV)
    assert summary["catalog_suspects"] == [f"google_play:{FLEXTV}"]  # and no other catalog id
    summary = _load_day(settings, DAY + timedelta(days=1), IPTV)  # same verdict the next day: no new alert
    assert summary["catalog_suspects"] == []

    with connect(settings.warehouse_path) as conn:
        refresh_marts(conn)
        [listing] = _rows(conn, "SELECT * FROM core.app_store_ids WHERE store_app_id = ?", [FLEXTV])
        assert listing["suspect"] and listing["excluded"] and not listing["confirmed"]
        reason = listing["suspect_reason"]
        assert "publisher" not in reason  # the catalog names no publisher for FlexTV
        assert "genre 'Video Players & Editors'" not in reason  # a video genre is accepted
        assert "no short-drama signal in name or description" in reason
        [app] = _rows(conn, "SELECT * FROM core.apps WHERE app_key = 'flextv'")
        assert app["suspect"] and FLEXTV in app["suspect_reason"] and app["status"] == "catalog"
        # charted at rank 1 in both countries on both days, and in no short-drama mart
        assert _rows(conn, "SELECT count(*) AS n FROM core.chart_entries WHERE store_app_id = ?", [FLEXTV])[0]["n"] == 4
        for table in ("marts.market_share", "marts.market_share_top", "marts.download_trends"):
            assert _rows(conn, f"SELECT count(*) AS n FROM {table} WHERE app_key = 'flextv'")[0]["n"] == 0, table
        shared = _rows(conn, "SELECT DISTINCT app_key FROM marts.market_share")
        assert {"reelshort", "dramabox"} <= {r["app_key"] for r in shared}
        alerts = _rows(conn, "SELECT * FROM ops.alerts WHERE kind = 'catalog_suspect'")
        assert len(alerts) == 1 and alerts[0]["target"] == "ops" and alerts[0]["status"] == "sent"
        assert FLEXTV in alerts[0]["summary"] and json.loads(alerts[0]["countries"]) == ["ph", "us"]


def test_a_person_confirming_the_id_brings_it_back_into_the_marts(tmp_path):
    settings = _settings(tmp_path)
    _load_day(settings, DAY, IPTV)
    text = settings.catalog_path.read_text(encoding="utf-8")
    text = text.replace(f"    android_package: {FLEXTV}\n", f"    android_package: {FLEXTV}\n    confirmed: [{FLEXTV}]\n")
    settings.catalog_path.write_text(text, encoding="utf-8")
    assert load_catalog(settings.catalog_path).by_android_package()[FLEXTV].confirmed == [FLEXTV]
    _load_day(settings, DAY + timedelta(days=1), IPTV)
    with connect(settings.warehouse_path) as conn:
        refresh_marts(conn, [DAY + timedelta(days=1)])  # the first day is queued: its entries changed side
        [listing] = _rows(conn, "SELECT * FROM core.app_store_ids WHERE store_app_id = ?", [FLEXTV])
        assert listing["suspect"] and listing["confirmed"] and not listing["excluded"]
        days = _rows(conn, "SELECT DISTINCT period_start FROM marts.market_share WHERE app_key = 'flextv' "
                           "AND grain = 'day' ORDER BY 1")
        assert [r["period_start"] for r in days] == [DAY, DAY + timedelta(days=1)]


def test_a_verified_id_that_stops_resolving_alerts(tmp_path):
    text = (REPO / "catalog" / "apps.yaml").read_text(encoding="utf-8")
    text = text.replace("    android_package: com.storymatrix.drama\n    android_confidence: high\n    verified: false",
                        "    android_package: com.storymatrix.drama\n    android_confidence: high\n    verified: true")
    settings = _settings(tmp_path, text)
    assert _load_day(settings, DAY, None)["catalog_suspects"] == []
    # the next day DramaBox's details page is gone (404: the fetcher archives no page) in every storefront
    real = _play_batch

    def without_dramabox(settings, day, country, planted):
        staged = real(settings, day, country, planted)
        staged.play_details = [d for d in staged.play_details if d.app_id != "com.storymatrix.drama"]
        return staged

    globals()["_play_batch"] = without_dramabox
    try:
        summary = _load_day(settings, DAY + timedelta(days=1), None)
    finally:
        globals()["_play_batch"] = real
    assert summary["catalog_suspects"] == ["google_play:com.storymatrix.drama"]
    with connect(settings.warehouse_path) as conn:
        [listing] = _rows(conn, "SELECT * FROM core.app_store_ids WHERE store_app_id = 'com.storymatrix.drama'")
        assert listing["suspect_reason"] == "verified id stopped resolving: no listing in ph, us"


@pytest.mark.parametrize(
    ("listing", "expected"),
    [
        (Listing("ReelShort - Short Movie & TV", "NewLeaf Publishing Inc.", "Entertainment", "Short dramas."), []),
        (Listing("ReelShort", "Crazy Maple Studio, Inc.", "Entertainment", "Watch short drama series."), []),
        (Listing("ReelShort", "Someone Else Ltd", "Entertainment", "Watch short drama series."), ["publisher"]),
        (Listing("ReelShort", "NewLeaf Publishing", "Games", "Short drama game."), ["genre 'Games'"]),
        (Listing("Live TV Player", "NewLeaf Publishing", "Entertainment", "Live channels."), ["no short-drama"]),
    ],
)
def test_judge_reasons(listing, expected):
    app = load_catalog(REPO / "catalog" / "apps.yaml").by_ios_id()["1636235979"]
    reasons = judge(app, listing)
    assert len(reasons) == len(expected) and all(e in r for e, r in zip(expected, reasons, strict=True))
