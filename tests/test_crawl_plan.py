"""The crawl plan: a capture made under the ``once`` plan (each Google Play page once a day, lookups 200 ids a call)
replays to the same core facts as one made under the per-country plan, with the requests ``day_plan`` counts;
``dramatrack plan`` prints them without fetching."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlsplit

import duckdb
import pytest
from typer.testing import CliRunner

from dramatrack.catalog import load_catalog
from dramatrack.pipeline.ingest import ingest
from dramatrack.pipeline.play_attach import attach_shared_pages
from dramatrack.pipeline.stage import stage_batch
from dramatrack.pipeline.validate_load import build_marts_and_publish, load_report, stage_and_validate
from dramatrack.settings import Settings, get_settings
from dramatrack_cli.main import app
from extractors.crawl_plan import DayCharts, assign_pages, day_plan
from extractors.warc_archive import iter_responses, warc_files
from sample_data.generate_capture import generate

START = date(2026, 11, 2)
DAYS = [START, START + timedelta(days=1)]
COUNTRIES = ["us", "gb", "mx"]
SOURCES = ("app_store", "google_play")
PLANS = {"per_country": 100, "once": 200}  # plan -> iTunes ids per lookup call


def _settings(tmp, plan: str) -> Settings:
    return Settings(data_dir=tmp / "data", countries=COUNTRIES, play_chart_count=30, play_details_plan=plan,
                    lookup_batch_size=PLANS[plan], alert_webhook_url=None, alert_slack_webhook_url=None,
                    alert_emails=[])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Per plan: the capture made under it, replayed through ingest → stage → validate → load → marts."""
    out = {}
    for plan in PLANS:
        tmp = tmp_path_factory.mktemp(plan)
        settings = _settings(tmp, plan)
        capture = tmp / "capture"
        generate(capture, START, len(DAYS), COUNTRIES, settings=settings, sources=SOURCES)
        summaries = []
        for day in DAYS:
            for source in SOURCES:
                manifests = ingest(settings, source, day, replay=capture)
                report = stage_and_validate(settings, manifests, f"{plan}-{source}-{day}")
                summaries.append(load_report(settings, report))
        build_marts_and_publish(settings)
        out[plan] = {"settings": settings, "capture": capture, "summaries": summaries}
    return out


def _archived_per_host(folder) -> Counter:
    counts: Counter = Counter()
    for path in warc_files(folder):
        for resp in iter_responses(path):
            counts[urlsplit(resp.url).hostname] += 1
    return counts


def _day_charts(capture, day: date) -> DayCharts:
    charts = DayCharts.from_archive(capture / "app_store" / day.isoformat())
    charts.play = DayCharts.from_archive(capture / "google_play" / day.isoformat()).play
    return charts


def test_every_batch_loads_under_both_plans(runs):
    for run in runs.values():
        for summary in run["summaries"]:
            assert summary["quarantined_batches"] == [] and summary["loaded_batches"], summary


def test_the_plan_counts_what_the_fetch_archives(runs):
    """``day_plan`` (no fetch) gives, per host, exactly the requests the replayed ingest archived."""
    play = {}
    for plan, run in runs.items():
        settings = run["settings"]
        for day in DAYS:
            planned = day_plan(settings, COUNTRIES, _day_charts(run["capture"], day), sources=SOURCES)
            archived = Counter()
            for source in SOURCES:  # what the replay fetched, archived under data/raw
                archived += _archived_per_host(settings.warc_dir / source / day.isoformat())
            assert planned.per_host() == dict(archived), (plan, day)
            assert planned.notes == []
            play[plan, day] = archived["play.google.com"]
            if plan == "once":
                assert planned.details_pages < planned.details_wanted
    for day in DAYS:
        assert play["once", day] * 1.5 < play["per_country", day], play


CORE = ["core.app_metrics", "core.chart_entries", "core.app_store_ids", "core.apps", "core.catalog_checks",
        "core.app_estimates", "marts.download_trends"]
RUN_SPECIFIC = ("batch_id", "loaded_at", "created_at", "updated_at", "load_id", "run_id", "built_at")


def _table(settings: Settings, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        schema, name = table.split(".")
        cols = [c for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, name]).fetchall() if c not in RUN_SPECIFIC]
        rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
    return cols, rows


@pytest.mark.parametrize("table", CORE)
def test_the_once_plan_gives_the_same_core_facts(runs, table):
    before_cols, before = _table(runs["per_country"]["settings"], table)
    after_cols, after = _table(runs["once"]["settings"], table)
    assert before_cols == after_cols
    assert before, f"{table} is empty: nothing compared"
    assert after == before
    if table == "core.app_metrics":  # the attached pages: every country has its Play metrics, some fetched elsewhere
        countries = {(r[before_cols.index("store")], r[before_cols.index("country")]) for r in after}
        assert {("google_play", c) for c in COUNTRIES} <= countries
        installs = [r[before_cols.index("real_installs")] for r in after if r[before_cols.index("store")] ==
                    "google_play"]
        assert sum(v is not None for v in installs) > len(COUNTRIES) * 10


def test_the_once_capture_fetches_each_play_page_once_a_day(runs):
    capture = runs["once"]["capture"]
    for day in DAYS:
        pages = Counter()
        for path in warc_files(capture / "google_play" / day.isoformat()):
            for resp in iter_responses(path):
                if resp.tags.get("kind") == "details":
                    pages[resp.tags["app_id"]] += 1
        assert pages and max(pages.values()) == 1


def test_a_subset_of_a_once_day_replays_with_the_pages_archived_under_other_countries(runs, tmp_path):
    """Re-running gb alone from the once capture: the pages fetched in us or mx are replayed from there, and gb
    stages the Play facts the full day loaded for it."""
    run = runs["once"]
    settings = run["settings"].model_copy(update={"data_dir": tmp_path / "data"})
    catalog = load_catalog(settings.catalog_path)
    [manifest] = ingest(settings, "google_play", START, ["gb"], replay=run["capture"])
    assert manifest.fetch_errors == () and manifest.item_errors == ()
    storefronts = Counter(r.tags.get("storefront", "gb") for p in manifest.warc_paths for r in iter_responses(p)
                          if r.tags.get("kind") == "details")
    assert storefronts["gb"] and set(storefronts) - {"gb"}, storefronts  # some pages came from another storefront
    staged = stage_batch(manifest, catalog)
    attach_shared_pages([staged], catalog, settings.play_max_details_per_country)
    got = sorted((d.app_id, d.real_installs, d.ratings, d.score) for d in staged.play_details)
    with duckdb.connect(str(run["settings"].warehouse_path), read_only=True) as conn:
        loaded = conn.execute(
            "SELECT store_app_id, real_installs, user_rating_count, average_user_rating FROM core.app_metrics "
            "WHERE store = 'google_play' AND country = 'gb' AND snapshot_date = ? ORDER BY ALL", [START]).fetchall()
    assert got and got == [tuple(r) for r in loaded]


def test_assign_pages_prefers_the_home_storefront_where_the_app_charts():
    wanted = {"us": ["cat.a", "x.b", "cat.c"], "jp": ["cat.a", "x.b", "cat.c", "x.d"], "mx": ["cat.a", "cat.c"]}
    charted = {"us": {"x.b"}, "jp": {"cat.a", "x.b", "x.d"}, "mx": set()}
    got = assign_pages(wanted, charted, homes={"cat.a": "mx", "cat.c": "mx"}, default_home="us")
    # cat.a: its home (mx) lists it in no chart, jp does; x.b: the default home charts it; cat.c: charts nowhere,
    # so its home; x.d: only jp
    assert got == {"us": ["x.b"], "jp": ["cat.a", "x.d"], "mx": ["cat.c"]}


def test_dramatrack_plan_prints_the_requests_per_host(runs, monkeypatch):
    run = runs["once"]
    settings = run["settings"]
    monkeypatch.setenv("DRAMATRACK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DRAMATRACK_PLAY_CHART_COUNT", "30")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = ["plan", "--countries", ",".join(COUNTRIES), "--date", START.isoformat()]
        table = runner.invoke(app, args)
        as_json = runner.invoke(app, [*args, "--json", "--plan", "per_country"])
        bad = runner.invoke(app, [*args, "--plan", "twice"])
    finally:
        get_settings.cache_clear()
    assert table.exit_code == 0, table.output
    expected = day_plan(get_settings().model_copy(update={"play_chart_count": 30}), COUNTRIES,
                        _day_charts(run["capture"], START), catalog=load_catalog(settings.catalog_path))
    assert "warehouse snapshot, charts of 2026-11-02" in table.output
    for host, n in expected.per_host().items():  # one line per host: requests, rate, wall time
        line = next(line for line in table.output.splitlines() if line.startswith(host + " "))
        assert line.split()[1] == str(n), line
    assert f"Google Play app pages: {expected.details_pages} fetched" in table.output
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["plan"] == "per_country" and data["countries"] == len(COUNTRIES)
    assert data["play_details_pages"] == data["play_details_wanted"] > expected.details_pages
    assert data["day_wall_seconds"] == max(data["wall_seconds_per_host"].values()) > 0
    assert bad.exit_code == 1 and "--plan must be one of" in bad.output
