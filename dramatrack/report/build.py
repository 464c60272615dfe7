"""Build the analyst's report from the snapshot: data → Altair charts → PNG copies → ``report.html``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dramatrack.report.charts import CHARTS
from dramatrack.report.data import ReportData, ReportError, load_report_data, open_snapshot, resolve_selection
from dramatrack.report.html import render_page, vega_javascript

PNG_SCALE = 2.0

# The steps (progress): name → weight.
STEPS = {"snapshot": 1, "queries": 6, "charts": 3, "pngs": 3, "html": 1}


@dataclass
class ReportResult:
    html_path: Path
    png_paths: dict[str, Path]
    data: ReportData
    specs: dict[str, dict] = field(repr=False, default_factory=dict)


def default_report_dir(data_dir: Path, last_day: str | None) -> Path:
    return data_dir / "reports" / (last_day or "undated")


def _write_atomic(path: Path, payload: bytes) -> None:
    """Write next to the target, then rename: a browser or a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_report(
    snapshot_path: Path,
    data_dir: Path,
    *,
    out: Path | None = None,
    weeks: int = 12,
    geo: str = "global",
    store: str = "both",
    top_apps: int = 8,
    heat_apps: int = 20,
    movers: int = 15,
    advance: Callable[[str, int], None] = lambda description, amount: None,
) -> ReportResult:
    """Write ``report.html`` and one PNG per chart; ``out`` is the HTML file or its directory (default
    ``<data_dir>/reports/<latest day>/``). ``advance(description, amount)`` reports progress (see STEPS)."""
    import vl_convert

    advance("Opening the snapshot", 0)
    with open_snapshot(snapshot_path) as conn:
        selection, last_day = resolve_selection(conn, store=store, geo=geo, weeks=weeks, top_apps=top_apps,
                                                heat_apps=heat_apps, movers=movers)  # fmt: skip
        advance("Querying the marts", STEPS["snapshot"])
        data = load_report_data(conn, selection, snapshot_path, last_day,
                                step=lambda name: advance(f"Querying ({name})", 1))  # fmt: skip

    if out is None:
        html_path = default_report_dir(data_dir, last_day) / "report.html"
    elif out.suffix.lower() in (".html", ".htm"):
        html_path = out
    else:
        html_path = out / "report.html"
    html_path = html_path.resolve()
    if html_path.parent.exists() and not html_path.parent.is_dir():
        raise ReportError(f"{html_path.parent} is not a directory")

    specs, titles = {}, {}
    for key, (title, build) in CHARTS.items():
        advance(f"Building chart: {title}", 0)
        specs[key] = build(data)
        titles[key] = title
        advance(f"Built chart: {title}", 1)

    png_paths = {}
    for key, spec in specs.items():
        advance(f"Rendering PNG: {titles[key]}", 0)
        png = vl_convert.vegalite_to_png(spec, scale=PNG_SCALE)
        png_paths[key] = html_path.parent / f"{key}.png"
        _write_atomic(png_paths[key], png)
        advance(f"Rendered PNG: {titles[key]}", 1)

    advance("Writing the HTML", 0)
    vega_javascript()
    page = render_page(data, specs, titles, {k: p.name for k, p in png_paths.items()})
    _write_atomic(html_path, page.encode("utf-8"))
    advance("Report written", STEPS["html"])
    return ReportResult(html_path=html_path, png_paths=png_paths, data=data, specs=specs)
