"""The report's charts, built with Altair as Vega-Lite specs (dicts).

Data goes into the specs as inline values. Vega draws text (axis labels, legends, titles) as SVG text nodes
and the tooltip handler of vega-embed escapes HTML, so scraped app names are shown as text, never markup.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt

from dramatrack.labels import basis_label, chart_label, geo_label, store_label
from dramatrack.report.data import ReportData, Table

WIDTH = 860
BASIS_TITLES = {
    "estimated_downloads": "share of estimated downloads",
    "estimated_revenue": "share of estimated revenue",
    "chart_presence": "share of rank-weighted chart presence",
}
REFERENCE_COLOUR = "#333333"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12)
        .configure_legend(labelFontSize=11, titleFontSize=12, labelLimit=260)
        .configure_title(fontSize=15, anchor="start")
    )


def _empty(title: str, message: str) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=[{"message": message}]))
        .mark_text(fontSize=14, color="#666")
        .encode(text="message:N")
        .properties(width=WIDTH, height=80, title=title)
    )
    return _config(chart).to_dict()


def _legend_order(table: Table, order_field: str) -> list[str]:
    """App names in the order the query gives (a stable legend and stack order)."""
    seen: dict[str, int] = {}
    for rec in table.records():
        seen.setdefault(rec["app_name"], rec[order_field])
    return [name for name, _ in sorted(seen.items(), key=lambda item: item[1])]


def market_share_chart(data: ReportData) -> dict[str, Any]:
    """Weekly share of the top short-drama apps plus others, stacked areas (bars if there is one week only)."""
    title = "Market share by week"
    if not data.share.rows:
        return _empty(title, "No weekly market share for this selection.")
    records = data.share.records()
    first = records[0]
    basis = first["basis"]
    subtitle = BASIS_TITLES.get(basis, basis)
    countries = max((r["countries_in_group"] or 0 for r in records), default=None) or None
    lines = [
        f"Basis: {basis_label(basis)} | Store: {store_label(data.selection.store)}",
        f"Chart: {chart_label(basis, first['chart'], first['genre'])}",
        f"Geography: {geo_label(data.selection.geo_level, data.selection.geo, countries)}",
        "Each week: the top apps and Others (every other short-drama app) = 100 %.",
    ]
    title = f"Market share by week: {subtitle}"
    order = _legend_order(data.share, "stack_order")
    weeks = sorted({r["period_label"] for r in records})
    base = alt.Chart(alt.Data(values=records))
    mark = base.mark_area(line={"color": "white", "strokeWidth": 0.5}) if len(weeks) > 1 else base.mark_bar()
    chart = mark.encode(
        x=alt.X("period_label:O", title="ISO week", sort=weeks, axis=alt.Axis(labelAngle=0),
                scale=alt.Scale(padding=0.15)),
        y=alt.Y("share:Q", stack="zero", title=subtitle, axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("app_name:N", sort=order, title="App", scale=alt.Scale(scheme="tableau20")),
        order=alt.Order("stack_order:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("app_name:N", title="App"),
            alt.Tooltip("period_label:O", title="Week"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("value:Q", title="Value", format=",.0f"),
            alt.Tooltip("value_low:Q", title="Band low", format=",.0f"),
            alt.Tooltip("value_high:Q", title="Band high", format=",.0f"),
            alt.Tooltip("apps_in_row:Q", title="Apps in row"),
        ],
    ).properties(width=WIDTH, height=340, title=alt.TitleParams(title, subtitle=lines))
    return _config(chart).to_dict()


def _week_start(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return (d - dt.timedelta(days=d.weekday())).isoformat()


def reference_label(rec: dict) -> str:
    """What the reference line is: the vendor and figure, and how it was scaled to the chart."""
    text = (f"published category total, {rec['vendor']} ({rec['figure_id']}): {rec['published_daily']:,.0f}/day"
            " x 7 days")
    if rec.get("tracked_share") is not None:
        text += f" x {rec['tracked_share']:.1%} (the tracked countries' share)"
    selection = rec.get("selection_share")
    if selection is not None and abs(selection - 1) > 1e-9:
        text += f" x {selection:.1%} (this selection's share of the tracked estimates)"
    if rec.get("tracked_share") is None:
        text += "; a global figure: the tracked countries' share is not recorded, so not applied"
    return text


def reference_records(data: ReportData, days: set[str]) -> list[dict]:
    """The published weekly figure on every day shown (the line steps at each ISO week)."""
    by_week = {r["week_start"]: r for r in data.reference.records() if r["reference_7d"] is not None}
    out = []
    for day in sorted(days):
        rec = by_week.get(_week_start(day))
        if rec:
            out.append({"snapshot_date": day, "downloads_7d": rec["reference_7d"], "iso_week": rec["iso_week"],
                        "reference": reference_label(rec), "last": False,
                        "short": "published category total" + (" (global, not scaled)" if rec.get("tracked_share") is None
                                                                else " (scaled to this selection)")})  # fmt: skip
    if out:
        out[-1]["last"] = True  # where the line's label goes
    return out


def download_trends_chart(data: ReportData) -> dict[str, Any]:
    """7-day sums of estimated downloads of the top apps: lines, with the summed band of one app shaded."""
    title = "Estimated downloads of the top apps (7-day sums)"
    if not data.trends.rows:
        return _empty(title, "No download estimates for this selection.")
    records = data.trends.records()
    order = _legend_order(data.trends, "app_order")
    days = {r["snapshot_date"] for r in records}
    base = alt.Chart(alt.Data(values=records)).encode(
        x=alt.X("snapshot_date:T", title="Day", scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%b %d", labelAngle=0, labelOverlap="greedy", labelFlush=False,
                              tickCount=alt.TimeIntervalStep(interval="day", step=max(1, len(days) // 14)))),
    )
    scale = alt.Scale(scheme="tableau10")
    color = alt.Color("app_name:N", sort=order, title="App", scale=scale)
    tooltip = [
        alt.Tooltip("app_name:N", title="App"),
        alt.Tooltip("snapshot_date:N", title="Day"),
        alt.Tooltip("downloads_7d:Q", title="Downloads, 7 days", format=",.0f"),
        alt.Tooltip("low_7d:Q", title="Band low", format=",.0f"),
        alt.Tooltip("high_7d:Q", title="Band high", format=",.0f"),
        alt.Tooltip("downloads:Q", title="Downloads that day", format=",.0f"),
        alt.Tooltip("days_7d:Q", title="Days in window"),
    ]
    # The bands are wide (the estimates' uncertainty) and would hide each other: one app's band at a time,
    # the top app's to start with; clicking an app in the legend shows its band (shift-click: several).
    pick = alt.selection_point(name="band_app", fields=["app_name"], bind="legend",
                               value=[{"app_name": order[0]}])  # fmt: skip
    band = (
        base.mark_area(opacity=0.18)
        .transform_calculate(band_low="max(datum.low_7d, 1)")  # a tail-only band starts at 0: not on a log scale
        .encode(y=alt.Y("band_low:Q"), y2=alt.Y2("high_7d:Q"),
                color=alt.Color("app_name:N", sort=order, scale=scale, legend=None))
        .transform_filter({"param": "band_app", "empty": False})
    )
    line = (
        base.mark_line(point=alt.OverlayMarkDef(size=28), strokeWidth=2)
        .encode(color=color, tooltip=tooltip,
                y=alt.Y("downloads_7d:Q", title="estimated downloads, 7-day sum (log scale)",
                        axis=alt.Axis(format="~s"), scale=alt.Scale(type="log", nice=False)))
        .add_params(pick)
    )
    s = data.selection
    subtitle = [
        f"Basis: {basis_label('estimated_downloads')}, 7-day sums | Store: {store_label(s.store)}",
        f"Chart: {chart_label('estimated_downloads', 'all', 'all')}",
        f"Geography: {geo_label(s.geo_level, s.geo, _countries(data))}",
        "Shaded: the low-high band of the app picked in the legend (click to change).",
    ]
    layers = [band, line]
    reference = reference_records(data, days)
    if reference:
        subtitle.append(f"Dashed: {reference[-1]['reference']} ({reference[-1]['iso_week']}).")
        ref = alt.Chart(alt.Data(values=reference)).encode(
            x=alt.X("snapshot_date:T"), y=alt.Y("downloads_7d:Q"),
            tooltip=[alt.Tooltip("iso_week:N", title="Week"),
                     alt.Tooltip("downloads_7d:Q", title="Published total, 7 days", format=",.0f"),
                     alt.Tooltip("reference:N", title="Figure")],
        )
        layers.append(ref.mark_line(color=REFERENCE_COLOUR, strokeDash=[6, 4], strokeWidth=1.5))
        layers.append(ref.transform_filter(alt.datum.last)
                      .mark_text(align="right", baseline="top", dy=6, fontSize=11, color=REFERENCE_COLOUR)
                      .encode(text="short:N"))  # fmt: skip
    else:
        subtitle.append("No published downloads figure for these weeks: no reference line.")
    subtitle += data.chart_notes.get("download_trends", [])
    chart = alt.layer(*layers).resolve_legend(color="independent").properties(
        width=WIDTH, height=340, title=alt.TitleParams(title, subtitle=subtitle)
    )
    return _config(chart).to_dict()


def rank_heatmap_chart(data: ReportData) -> dict[str, Any]:
    """Best rank per app and day; the colour scale is reversed so rank 1 is the darkest."""
    title = "Rank heat map (best rank per day)"
    records = [r for r in data.heatmap.records()]
    if not records:
        return _empty(title, "No ranked short-drama apps for this selection.")
    order = _legend_order(data.heatmap, "app_order")
    days = sorted({r["snapshot_date"] for r in records})
    rows = len(order)
    chart = (
        alt.Chart(alt.Data(values=records))
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("snapshot_date:O", title="Day", sort=days, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("app_name:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "best_rank:Q",
                title="Best rank",
                scale=alt.Scale(type="log", scheme="yelloworangered", reverse=True, domainMin=1),
                legend=alt.Legend(direction="vertical", gradientLength=min(240, 22 * rows)),
            ),
            tooltip=[
                alt.Tooltip("app_name:N", title="App"),
                alt.Tooltip("snapshot_date:O", title="Day"),
                alt.Tooltip("best_rank:Q", title="Best rank"),
                alt.Tooltip("best_in:N", title="In"),
                alt.Tooltip("median_rank:Q", title="Median best rank", format=".1f"),
            ],
        )
        .transform_filter("isValid(datum.best_rank)")
        .properties(width=min(WIDTH, max(320, 26 * len(days))), height=max(120, 22 * rows),
                    title=alt.TitleParams(title, subtitle=[
                        f"Basis: best rank of the day (1 = darkest) | Store: {store_label(data.selection.store)}",
                        "Chart: any captured chart of the store(s) (the tooltip says which)",
                        f"Geography: {geo_label(data.selection.geo_level, data.selection.geo, _countries(data))}",
                    ]))  # fmt: skip
    )
    return _config(chart).to_dict()


def _countries(data: ReportData) -> int | None:
    """Countries in the selection (from the share mart's groups), for the geography label."""
    return max((r["countries_in_group"] or 0 for r in data.share.records()), default=0) or None


CHARTS = {
    "market_share": ("Market share by week", market_share_chart),
    "download_trends": ("Download trends of the top apps", download_trends_chart),
    "rank_heatmap": ("Rank heat map", rank_heatmap_chart),
}
