"""The report page: one self-contained HTML file that works offline.

The Vega, Vega-Lite and vega-embed JavaScript comes from the ``vl-convert-python`` package (inlined, no CDN).
Chart specs sit in ``<script type="application/json">`` blocks with ``<``, ``>`` and ``&`` written as JSON
escapes, so no scraped value can close the block; the HTML is an autoescaped Jinja2 template
(``dramatrack/templates/report.html.j2``) and every value in it goes through :func:`html.escape`. A
Content-Security-Policy with a per-page nonce lets only the page's own scripts run and forbids any network
access.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from dramatrack.report.data import ReportData
from dramatrack.templating import escape_html, render

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
    return escape_html(value)


def movers_table(data: ReportData) -> str:
    """The rank movers table (``dramatrack/templates/report_movers.html.j2``)."""
    records = data.movers.records()
    rows = []
    for rec in records:
        cells = []
        for key, _ in MOVER_COLUMNS:
            value = rec.get(key)
            if key == "rank_change":
                value = "" if value is None else f"{value:+d}"
            cells.append((key, value))
        rows.append({"movement": rec.get("movement"), "cells": cells})
    return render("report_movers.html.j2", rows=rows, labels=[label for _, label in MOVER_COLUMNS],
                  day=records[0]["snapshot_date"] if records else None)


def render_page(data: ReportData, specs: dict[str, dict[str, Any]], titles: dict[str, str],
                png_names: dict[str, str], generated_at: dt.datetime | None = None) -> str:
    """The whole report page (``dramatrack/templates/report.html.j2``)."""
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
    sections = [{"key": key, "title": titles[key], "png": png_names.get(key),
                 "flagged": data.chart_notes.get(key, []), "spec": Markup(json_for_script(spec))}
                for key, spec in specs.items()]
    return render("report.html.j2", csp=csp, nonce=nonce, last_day=data.last_day or "", style=Markup(STYLE),
                  vega=Markup(vega_javascript()), init_js=Markup(INIT_JS), meta_rows=meta_rows, notes=data.notes,
                  sections=sections, movers=Markup(movers_table(data)))
