"""The report page: one self-contained HTML file that works offline.

The Vega, Vega-Lite and vega-embed JavaScript comes from the ``vl-convert-python`` package (inlined, no CDN).
Chart specs sit in ``<script type="application/json">`` blocks with ``<``, ``>`` and ``&`` written as JSON
escapes, so no scraped value can close the block; every value in the HTML itself goes through
:func:`html.escape`. A Content-Security-Policy with a per-page nonce lets only the page's own scripts run and
forbids any network access.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import secrets
from functools import lru_cache
from typing import Any

from dramatrack.report.data import ReportData

MOVER_COLUMNS = [
    ("kind", "Kind"),
    ("movement", "Movement"),
    ("app_name", "App"),
    ("store", "Store"),
    ("country", "Country"),
    ("chart", "Chart"),
    ("genre", "Genre"),
    ("rank", "Rank"),
    ("prev_rank", "Previous rank"),
    ("rank_change", "Change"),
    ("days_absent", "Days absent"),
]

STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1180px;
       color: #222; background: #fff; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; }
h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; font-size: 13px; }
.meta td { padding: 1px 12px 1px 0; }
.chart { margin: 8px 0 4px; min-height: 120px; }
.png { font-size: 12px; color: #555; }
.note { color: #8a4b00; }
.note.flag { font-weight: bold; border-left: 4px solid #b00020; padding-left: 8px; }
.chart-error { color: #b00020; font-weight: bold; }
table.movers { border-collapse: collapse; font-size: 13px; margin-top: 8px; }
table.movers th, table.movers td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; }
table.movers th { background: #f3f3f3; }
table.movers td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.up td.change { color: #1a7f37; } tr.down td.change { color: #b00020; }
tr.new_entrant td.movement, tr.re_entry td.movement { color: #0b5cad; font-weight: bold; }
"""

INIT_JS = """
(function () {
  var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
  var jobs = [];
  blocks.forEach(function (block) {
    var target = document.getElementById(block.getAttribute('data-chart'));
    var spec = JSON.parse(block.textContent);
    jobs.push(vegaEmbed(target, spec, {
      renderer: 'svg',
      actions: {export: true, source: false, compiled: false, editor: false}
    }).then(function (result) {
      target.setAttribute('data-rendered', 'true');
      return result;
    }).catch(function (err) {
      target.textContent = 'This chart could not be drawn: ' + err;
      target.className += ' chart-error';
      throw err;
    }));
  });
  window.dramatrackCharts = Promise.allSettled(jobs).then(function (results) {
    var ok = results.filter(function (r) { return r.status === 'fulfilled'; }).length;
    document.body.setAttribute('data-charts-rendered', String(ok));
    return results;
  });
})();
"""


@lru_cache(maxsize=1)
def vega_javascript() -> str:
    """vega + vega-lite + vega-embed as one script, from the vl-convert package (offline)."""
    import vl_convert

    bundle = vl_convert.javascript_bundle()
    if "</script" in bundle.lower():  # cannot happen with the shipped bundle; never emit a broken page
        bundle = bundle.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return bundle


def json_for_script(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line separators appear literally."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def _e(value: Any) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def movers_table(data: ReportData) -> str:
    records = data.movers.records()
    if not records:
        return '<p class="note">No rank moves or new entrants of short-drama apps on the latest day.</p>'
    head = "".join(f"<th>{_e(label)}</th>" for _, label in MOVER_COLUMNS)
    body = []
    for rec in records:
        cells = []
        for key, _ in MOVER_COLUMNS:
            value = rec.get(key)
            if key == "app_name":
                cells.append(f'<td class="app"><bdi>{_e(value)}</bdi></td>')
            elif key == "rank_change":
                shown = "" if value is None else f"{value:+d}"
                cells.append(f'<td class="num change">{_e(shown)}</td>')
            elif key in ("rank", "prev_rank", "days_absent"):
                cells.append(f'<td class="num">{_e(value)}</td>')
            else:
                cells.append(f'<td class="{_e(key)}">{_e(value)}</td>')
        body.append(f'<tr class="{_e(rec.get("movement"))}">' + "".join(cells) + "</tr>")
    day = records[0]["snapshot_date"]
    return (
        f'<p class="meta">Day {_e(day)}: the biggest moves (|change|) and the best-ranked new entrants and '
        "re-entries of short-drama apps, per chart.</p>\n"
        f'<table class="movers" id="movers"><thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(body)
        + "\n</tbody></table>"
    )


def render_page(data: ReportData, specs: dict[str, dict[str, Any]], titles: dict[str, str],
                png_names: dict[str, str], generated_at: dt.datetime | None = None) -> str:
    """The whole report page."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    nonce = secrets.token_urlsafe(18)
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}' 'unsafe-eval'; style-src 'unsafe-inline'; "
           "img-src 'self' data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
    s = data.selection
    meta_rows = [
        ("Store", {"both": "App Store + Google Play", "app_store": "App Store", "google_play": "Google Play"}[s.store]),
        ("Geography", f"{s.geo_level}: {s.geo}"),
        ("Latest day in the data", data.last_day or "-"),
        ("Weeks shown", str(s.weeks)),
        ("Snapshot", f"{data.snapshot_path} (published {data.snapshot_mtime:%Y-%m-%d %H:%M:%S} UTC)"),
        ("Generated", f"{generated_at:%Y-%m-%d %H:%M:%S} UTC"),
    ]
    meta = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta_rows)
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in data.notes)
    sections = []
    spec_blocks = []
    for i, (key, spec) in enumerate(specs.items(), start=1):
        div_id = f"chart-{_e(key)}"
        png = png_names.get(key)
        png_link = f' <a href="{_e(png)}">PNG</a>' if png else ""
        flagged = "".join(f'<p class="note flag">{_e(n)}</p>' for n in data.chart_notes.get(key, []))
        sections.append(
            f'<section id="section-{_e(key)}"><h2>{i}. {_e(titles[key])}</h2>\n{flagged}'
            f'<div class="chart" id="{div_id}"></div><div class="png">{png_link}</div></section>'
        )
        spec_blocks.append(
            f'<script type="application/json" data-chart="{div_id}">{json_for_script(spec)}</script>'
        )
    sections.append(f'<section id="section-movers"><h2>{len(specs) + 1}. Rank movers of the latest day</h2>\n'
                    f"{movers_table(data)}</section>")  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DramaTrack report {_e(data.last_day or '')}</title>
<style>{STYLE}</style>
<script nonce="{nonce}">{vega_javascript()}</script>
</head>
<body>
<h1>DramaTrack: the overseas short-drama app market</h1>
<table class="meta">{meta}</table>
{notes}
{chr(10).join(sections)}
{chr(10).join(spec_blocks)}
<script nonce="{nonce}">{INIT_JS}</script>
</body>
</html>
"""
