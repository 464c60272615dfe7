"""`dramatrack report`: the analyst's HTML report from the snapshot of a simulated warehouse (2 countries x 15
days x both stores, warehouse/estimates/simulate.py) whose short-drama apps carry hostile names; checked as
text, as PNG files, and rendered in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dramatrack.settings import get_settings
from dramatrack_cli.main import app
from warehouse.connection import connect
from warehouse.estimates.simulate import days_from, load_market, simulate_market
from warehouse.marts import refresh_marts
from warehouse.snapshot import publish_snapshot

COUNTRIES = ["us", "gb"]
DAYS = days_from(date(2026, 11, 1), 15)  # a Sunday: ISO weeks W44 (one day), W45, W46
CHARTS = ["market_share", "download_trends", "rank_heatmap"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Every short-drama app gets a name an HTML page must never interpret: a script, an element with an event
# handler, an RTL mark, quotes, an ampersand, SQL, and Rich markup.
HOSTILE = ("<script>alert({i})</script><img src=x onerror=\"document.body.setAttribute('data-xss','{i}')\"> "
           "\u200fدراما & \"Co\" 'x'; DROP TABLE apps;-- [bold]{i}")  # fmt: skip

runner = CliRunner()


def build_snapshot(data_dir: Path) -> Path:
    """A warehouse with built marts in ``data_dir`` and its published snapshot; returns the snapshot path."""
    market = simulate_market(DAYS, COUNTRIES, n_drama=10, n_other=50, depth=25, seed=5)
    warehouse = data_dir / "warehouse.duckdb"
    conn = connect(warehouse)
    try:
        load_market(conn, market)
        keys = [k for (k,) in conn.execute("SELECT app_key FROM core.apps WHERE is_short_drama ORDER BY app_key")
                .fetchall()]  # fmt: skip
        for i, key in enumerate(keys):
            conn.execute("UPDATE core.apps SET name = ? WHERE app_key = ?", [HOSTILE.format(i=i), key])
        refresh_marts(conn)
    finally:
        conn.close()
    return publish_snapshot(warehouse, data_dir / "analytics.duckdb")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DRAMATRACK_DATA_DIR", str(root))
        get_settings.cache_clear()
        build_snapshot(root)
        yield root
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def report(data_dir):
    """`dramatrack report` with the defaults (both stores, global)."""
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("Report: "), result.stdout
    path = Path(last.removeprefix("Report: "))
    return {"path": path, "html": path.read_text(encoding="utf-8"), "result": result}


def chart_specs(page: str) -> dict[str, dict]:
    blocks = re.findall(r'<script type="application/json" data-chart="chart-([a-z_]+)">(.*?)</script>', page, re.S)
    return {key: json.loads(body) for key, body in blocks}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --- the report as files ---------------------------------------------------------------------------------------


def test_report_is_written_under_data_reports_latest_day(report, data_dir):
    assert report["path"] == (data_dir / "reports" / DAYS[-1].isoformat() / "report.html").resolve()


def test_report_holds_three_vega_lite_charts_and_the_movers_table(report):
    page = report["html"]
    specs = chart_specs(page)
    assert sorted(specs) == sorted(CHARTS)
    for spec in specs.values():
        assert "vega-lite" in spec["$schema"]
    share = specs["market_share"]
    assert share["mark"]["type"] == "area" and share["encoding"]["y"]["stack"] == "zero"
    weeks = {v["period_label"] for v in share["data"]["values"]}
    assert weeks == {"2026-W44", "2026-W45", "2026-W46"}
    assert {v["basis"] for v in share["data"]["values"]} == {"estimated_downloads"}
    trend_marks = [layer["mark"]["type"] for layer in specs["download_trends"]["layer"]]
    # the band, the 7-day sums, then the published total (dashed) and its label
    assert trend_marks == ["area", "line", "line", "text"]
    heat = specs["rank_heatmap"]
    assert heat["mark"]["type"] == "rect" and heat["encoding"]["color"]["scale"]["reverse"] is True
    table = re.search(r'<table class="movers" id="movers">.*?</table>', page, re.S)
    assert table, "no movers table"
    assert table.group(0).count("<tr") > 2
    assert re.search(r"<td class=\"movement\">(up|down|new_entrant|re_entry)</td>", table.group(0))


def test_shares_of_each_week_sum_to_one(report):
    values = chart_specs(report["html"])["market_share"]["data"]["values"]
    totals: dict[str, float] = {}
    for v in values:
        totals[v["period_label"]] = totals.get(v["period_label"], 0) + v["share"]
    assert all(abs(t - 1) < 1e-9 for t in totals.values()), totals


def _subtitle(spec: dict) -> str:
    title = spec["title"]
    return " ".join([title["text"], *title.get("subtitle", [])])


def test_every_chart_names_its_basis_store_chart_and_geography(report):
    for key, spec in chart_specs(report["html"]).items():
        text = _subtitle(spec)
        for what in ("Basis: ", "Store: App Store + Google Play", "Chart: ",
                     f"Geography: global: the {len(COUNTRIES)} tracked countries combined"):
            assert what in text, (key, what, text)
    share = _subtitle(chart_specs(report["html"])["market_share"])
    assert "estimated downloads" in share and "Others" in share and "= 100 %" in share


def _published_daily(conn, week_start: date) -> tuple[str, str, float]:
    """The downloads figure the estimator scales with for the week (latest use_for_scale global figure ending on
    or before the week's Sunday), picked here independently of the report's SQL."""
    return conn.execute(
        "SELECT figure_id, vendor, value / (period_end - period_start + 1) FROM core.market_totals "
        "WHERE use_for_scale AND metric = 'downloads' AND scope = 'global' AND period_end <= ?::DATE + 6 "
        "ORDER BY period_end DESC LIMIT 1", [week_start]).fetchone()  # fmt: skip


def _reference_layer(spec: dict) -> list[dict]:
    layers = [layer for layer in spec["layer"] if layer["mark"].get("strokeDash")]
    assert len(layers) == 1, "no dashed reference line"
    return layers[0]["data"]["values"]


def test_download_chart_shows_the_published_total_as_a_weekly_reference_line(report, data_dir):
    import duckdb

    spec = chart_specs(report["html"])["download_trends"]
    values = _reference_layer(spec)
    shown_days = {v["snapshot_date"] for v in spec["layer"][1]["data"]["values"]}
    assert {v["snapshot_date"] for v in values} == shown_days
    with duckdb.connect(str(data_dir / "analytics.duckdb"), read_only=True) as conn:
        for v in values:
            day = date.fromisoformat(v["snapshot_date"])
            week = day - timedelta(days=day.weekday())
            figure_id, vendor, daily = _published_daily(conn, week)
            (share,) = conn.execute(
                "SELECT CAST(inputs ->> '$.tracked_share' AS DOUBLE) FROM core.estimate_params "
                "WHERE method = 'check_published' AND measure = 'downloads' AND store = 'all' "
                "AND country = 'tracked' AND window_start = ?", [week]).fetchone()
            # the published figure x 7, scaled to the tracked countries' share, and the label says so
            assert 0 < share < 1
            assert v["downloads_7d"] == pytest.approx(7 * daily * share, rel=1e-9)
            assert figure_id in v["reference"] and vendor in v["reference"]
            assert "tracked countries' share" in v["reference"]
    assert "Dashed: published category total" in _subtitle(spec)
    assert 'class="note flag"' not in report["html"]  # nothing flagged in this warehouse: no note


def test_flagged_estimates_get_a_note_and_tracked_share_scales_the_line(data_dir, tmp_path):
    """Once core.estimate_params has the estimator's flagged column and tracked_share, the report uses them."""
    import duckdb

    from dramatrack.report import build_report

    shutil.copy(data_dir / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        conn.execute("ALTER TABLE core.estimate_params ADD COLUMN IF NOT EXISTS flagged BOOLEAN")
        conn.execute("UPDATE core.estimate_params SET flagged = NULL")
        conn.execute(
            "UPDATE core.estimate_params SET flagged = (window_start = DATE '2026-11-09'), "
            "inputs = json_merge_patch(inputs, json_object('tracked_share', 0.25, 'flag_reason', "
            "'estimated total 4.2x the published figure (factor 3)')) "
            "WHERE method = 'check_published' AND measure = 'downloads' AND store = 'all' AND country = 'tracked'")
    finally:
        conn.close()
    snapshot = publish_snapshot(tmp_path / "warehouse.duckdb", tmp_path / "analytics.duckdb")
    result = build_report(snapshot, tmp_path, out=tmp_path / "out")
    page = result.html_path.read_text(encoding="utf-8")
    section = re.search(r'<section id="section-download_trends">.*?</section>', page, re.S).group(0)
    notes = re.findall(r'<p class="note flag">(.*?)</p>', page)
    assert notes == ["Flagged estimates, 2026-W46 downloads (scope all stores, tracked countries): estimated total "
                     "4.2x the published figure (factor 3)"]  # fmt: skip
    assert notes[0] in section  # next to the download chart
    spec = chart_specs(page)["download_trends"]
    assert notes[0] in _subtitle(spec)  # and in the chart itself (the PNG)
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        for v in _reference_layer(spec):
            day = date.fromisoformat(v["snapshot_date"])
            _, _, daily = _published_daily(conn, day - timedelta(days=day.weekday()))
            assert v["downloads_7d"] == pytest.approx(7 * daily * 0.25, rel=1e-9)
            assert "x 25.0% (the tracked countries' share)" in v["reference"]


def test_reference_line_for_one_store_and_country_is_scaled_by_its_share_of_the_estimates(data_dir):
    import duckdb

    from dramatrack.report.data import Selection, run_named

    with duckdb.connect(str(data_dir / "analytics.duckdb"), read_only=True) as conn:
        rows = run_named(conn, "report_published_downloads",
                         Selection(store="app_store", geo_level="country", geo="gb").params()).records()
        for r in rows:
            week = date.fromisoformat(r["week_start"])
            selected, total = conn.execute(
                "SELECT sum(weight) FILTER (WHERE store = 'app_store' AND country = 'gb'), sum(weight) "
                "FROM core.country_weights WHERE measure = 'downloads' AND (store, country) IN "
                "(SELECT DISTINCT store, country FROM marts.download_trends "
                " WHERE est_downloads IS NOT NULL AND snapshot_date BETWEEN ? AND ?::DATE + 6)",
                [week, week]).fetchone()  # fmt: skip
            _, _, daily = _published_daily(conn, week)
            assert 0 < r["selection_share"] < 1
            assert r["reference_7d"] == pytest.approx(7 * daily * r["tracked_share"] * selected / total, rel=1e-9)
    assert len(rows) == 3  # W44, W45, W46


def test_pngs_of_the_charts_are_written_next_to_the_report(report):
    folder = report["path"].parent
    for key in CHARTS:
        width, height = png_size(folder / f"{key}.png")
        assert width > 600 and height > 150
        assert f'href="{key}.png"' in report["html"]
    assert sorted(line for line in report["result"].stdout.splitlines() if line.startswith("PNG: ")) == sorted(
        f"PNG: {folder / f'{key}.png'}" for key in CHARTS
    )


def test_report_works_offline_with_the_javascript_inlined(report):
    page = report["html"]
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref=", page, re.I)
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page
    assert "window.vegaEmbed" in page  # the vl-convert bundle
    assert "connect-src &#x27;none&#x27;" in page  # and the page may not fetch anything (CSP)


def test_scraped_names_are_escaped_in_the_html(report):
    page = report["html"]
    assert "<script>alert(" not in page and "<img src=x" not in page
    # the page's own script elements only: the Vega bundle, three chart specs, the initialisation
    assert len(re.findall(r"<script\b", page)) == 5
    table = re.search(r'<table class="movers" id="movers">.*?</table>', page, re.S).group(0)
    assert "&lt;script&gt;alert(" in table and "&lt;img src=x onerror=&quot;" in table
    assert "&amp; &quot;Co&quot; &#x27;x&#x27;; DROP TABLE apps;--" in table
    assert "\u200fدراما" in table  # the RTL text is kept, isolated in <bdi>
    assert re.search(r"<bdi>&lt;script&gt;", table)
    # in the JSON spec blocks the names are JSON-escaped, so they cannot close the block
    specs_text = "".join(re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S))
    assert "\\u003cscript\\u003ealert(" in specs_text and "<" not in specs_text
    names = {v["app_name"] for v in chart_specs(page)["market_share"]["data"]["values"]}
    assert any(n.startswith("<script>alert(") for n in names)  # the chart gets the real name, as text


def test_report_for_one_store_and_country_with_one_week_to_a_file(data_dir, tmp_path):
    out = tmp_path / "custom" / "us.html"
    result = runner.invoke(app, ["report", "--out", str(out), "--weeks", "1", "--country", "US",
                                 "--store", "app_store"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"Report: {out.resolve()}"
    specs = chart_specs(out.read_text(encoding="utf-8"))
    share = specs["market_share"]
    assert share["mark"]["type"] == "bar"  # one week: bars, not areas
    assert {v["period_label"] for v in share["data"]["values"]} == {"2026-W46"}
    assert all(png_size(out.parent / f"{key}.png") for key in CHARTS)


def test_report_for_a_region(data_dir, tmp_path):
    result = runner.invoke(app, ["report", "--out", str(tmp_path), "--country", "europe"])
    assert result.exit_code == 0, result.output
    assert "region: europe" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_unknown_country_and_store_fail_with_one_line(data_dir):
    result = runner.invoke(app, ["report", "--country", "zz"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("dramatrack report: no data for 'zz': use global")
    result = runner.invoke(app, ["report", "--store", "itunes"])
    assert result.exit_code == 1 and "unknown store 'itunes'" in result.stderr


def test_missing_snapshot_fails_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAMATRACK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["report"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"dramatrack report: no analytics snapshot at {tmp_path / 'analytics.duckdb'}: run the pipeline "
        "(`dramatrack demo` or `dramatrack run`) to build the marts and publish it"
    ]


# --- the report in a browser ---------------------------------------------------------------------------------


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (`make test-prereqs` installs Debian's chromium with apt-get)")


def run_chromium(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--window-size=1400,3000", "--virtual-time-budget=15000", *args, url]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def browser(report, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chromium")
    url = report["path"].as_uri()
    shot = tmp / "screenshot.png"
    run_chromium(url, tmp, f"--screenshot={shot}")
    dom = run_chromium(url, tmp, "--dump-dom")
    assert shot.is_file(), "chromium wrote no screenshot"
    return {"screenshot": shot, "dom": dom.stdout, "tmp": tmp}


def test_the_report_renders_in_headless_chromium(browser):
    dom = browser["dom"]
    assert 'data-charts-rendered="3"' in dom, "the embedded Vega did not render three charts"
    for key in CHARTS:
        div = re.search(rf'<div class="chart[^"]*" id="chart-{key}"[^>]*>(.*?)</div>\s*<div class="png">', dom, re.S)
        assert div, f"no rendered div for {key}"
        assert 'data-rendered="true"' in div.group(0) and "<svg" in div.group(1), f"{key} has no SVG"
        assert "class=\"mark-" in div.group(1)  # Vega marks were drawn
    assert " chart-error\"" not in dom  # no chart failed to draw
    assert not re.search(r"<body[^>]*data-xss", dom)  # no hostile markup ran
    assert '<table class="movers"' in dom


def test_the_screenshot_is_not_blank(browser):
    from PIL import Image

    with Image.open(browser["screenshot"]) as image:
        assert image.size == (1400, 3000)
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 24)
        top = rgb.crop((0, 0, 1400, 1500)).getcolors(maxcolors=1 << 24)
    assert len(colours) > 500, f"only {len(colours)} colours: blank page?"
    white = max(colours)[0] / (1400 * 3000)
    assert white < 0.97, "the page is almost all one colour"
    assert len(top) > 300  # the charts are at the top of the page


def test_tooltips_show_scraped_names_as_text(report, browser):
    """Hover (a synthetic pointer event) a heat-map cell of a hostile-named app: vega-tooltip escapes it."""
    page = report["html"]
    nonce = re.search(r'<script nonce="([^"]+)"', page).group(1)
    probe = f"""<script nonce="{nonce}">
window.dramatrackCharts.then(function () {{
  var cell = document.querySelector('#chart-rank_heatmap path[aria-label*="alert("]');
  var box = cell.getBoundingClientRect();
  var at = {{bubbles: true, cancelable: true, view: window,
            clientX: box.left + box.width / 2, clientY: box.top + box.height / 2}};
  cell.dispatchEvent(new PointerEvent('pointermove', at));
  cell.dispatchEvent(new MouseEvent('mousemove', at));
  var tip = document.getElementById('vg-tooltip-element');
  document.body.setAttribute('data-tooltip', tip ? 'shown' : 'missing');
}});
</script>"""
    end = page.rindex("</body>")
    probe_page = report["path"].with_name("tooltip-probe.html")
    probe_page.write_text(page[:end] + probe + page[end:], encoding="utf-8")
    try:
        dom = run_chromium(probe_page.as_uri(), browser["tmp"], "--dump-dom").stdout
    finally:
        probe_page.unlink()
    assert 'data-tooltip="shown"' in dom
    tip = re.search(r'<div id="vg-tooltip-element".*?</table></div>', dom, re.S).group(0)
    assert "&lt;script&gt;alert(" in tip and "&lt;img src=x" in tip
    assert "<script" not in tip and "<img" not in tip
    assert not re.search(r"<body[^>]*data-xss", dom)


def test_trend_sums_match_the_marts_7_day_sums_for_one_store_and_country(data_dir):
    import duckdb

    from dramatrack.report.data import Selection, run_named

    with duckdb.connect(str(data_dir / "analytics.duckdb"), read_only=True) as conn:
        got = run_named(conn, "report_download_trends",
                        Selection(store="app_store", geo_level="country", geo="gb", top_apps=5).params()).records()
        want = dict(conn.execute(
            "SELECT snapshot_date::VARCHAR || app_key, downloads_7d FROM marts.download_trends "
            "WHERE store = 'app_store' AND country = 'gb'").fetchall())  # fmt: skip
    assert len({r["app_key"] for r in got}) == 5
    assert min(r["snapshot_date"] for r in got) == DAYS[6].isoformat()  # complete 7-day windows only
    for r in got:
        assert r["low_7d"] <= r["downloads_7d"] <= r["high_7d"]
        assert r["downloads_7d"] == pytest.approx(want[r["snapshot_date"] + r["app_key"]], rel=1e-9)
