"""The tables ``dramatrack demo`` prints, each titled from what its query returned.

Every title names the store, the chart, the geography and the basis (:attr:`DemoTable.named` holds the
words used), and a share table holds a whole group of ``marts.market_share_top`` (top apps + Others), so its
shares sum to 100 %. tests/test_demo_tables.py runs these same functions on a built warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dramatrack.labels import basis_label, chart_label, geo_label, store_label
from warehouse.queries import run_query


@dataclass(frozen=True)
class ShareGroup:
    """One group of marts.market_share_top: the shares of its rows sum to 1."""

    basis: str
    store: str
    geo_level: str
    geo: str
    chart: str = "all"
    genre: str = "all"

    def params(self) -> dict[str, str]:
        return {"basis": self.basis, "store": self.store, "geo_level": self.geo_level, "geo": self.geo,
                "chart": self.chart, "genre": self.genre}  # fmt: skip


# What an analyst asks first: who holds the market, by money and by installs, over everything tracked; then the
# model-free view (chart presence), which does not depend on the estimates' scale.
DEMO_SHARE_GROUPS = (
    ShareGroup("estimated_revenue", "both", "global", "global"),
    ShareGroup("estimated_downloads", "both", "global", "global"),
    ShareGroup("chart_presence", "app_store", "global", "global", "top-grossing", "6016"),
)

VALUE_COLUMNS = {
    "estimated_revenue": "est. revenue (USD)",
    "estimated_downloads": "est. downloads",
    "chart_presence": "rank-weight sum",
}


@dataclass
class DemoTable:
    title: str
    columns: list[str]
    rows: list[tuple]
    named: dict[str, str]  # store, chart, geography, basis (and period) -> the words of the title
    caption: str | None = None
    right: tuple[str, ...] = ()  # columns to right-align (numbers shown as formatted text)
    share_column: str | None = None  # the column that sums to 100 over the rows
    keys: dict[str, object] = field(default_factory=dict)  # the group and week the query returned


def _title(named: dict[str, str], headline: str) -> str:
    return (f"{headline}\nStore: {named['store']} | Chart: {named['chart']}\n"
            f"Geography: {named['geography']} | Basis: {named['basis']}")  # fmt: skip


def _num(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def share_table(conn, group: ShareGroup) -> DemoTable:
    """The latest ISO week of one share group: top apps + Others, titled from the rows the query returned."""
    cols, rows = run_query(conn, "demo_share_latest_week", group.params())
    recs = [dict(zip(cols, row, strict=True)) for row in rows]
    first = recs[0] if recs else {**group.params(), "countries": None, "iso_week": None, "days": None}
    named = {
        "store": store_label(first["store"]),
        "chart": chart_label(first["basis"], first["chart"], first["genre"]),
        "geography": geo_label(first["geo_level"], first["geo"], first["countries"]),
        "basis": basis_label(first["basis"]),
        "period": f"ISO week {first['iso_week']} ({first['days']} of 7 days captured)" if recs else "no week",
    }
    short = group.basis.replace("_", " ")
    headline = f"Short-drama market share by {short}, {named['period']}"
    estimates = group.basis != "chart_presence"
    value_col = VALUE_COLUMNS.get(group.basis, "value")
    columns = ["#", "app", "share %", value_col] + (["band low", "band high"] if estimates else []) + ["apps"]
    shown = []
    for r in recs:
        band = [_num(r["value_low"]), _num(r["value_high"])] if estimates else []
        shown.append((r["position"], r["app_name"], round(100 * r["share"], 1),
                      _num(r["value"], 0 if estimates else 2), *band, r["apps_in_row"]))  # fmt: skip
    if recs:
        total = 100 * sum(r["share"] for r in recs)
        others = [r for r in recs if r["app_name"] == "Others"]
        caption = (f"{first['apps_in_group']} short-drama apps in the group; "
                   + (f"Others = the {others[0]['apps_in_row']} apps below the top {len(recs) - 1}; " if others else "")
                   + f"shares sum to {total:.1f} %"
                   + ("; bands summed as if fully correlated" if estimates else "") + ".")  # fmt: skip
    else:
        caption = "No rows for this group in marts.market_share_top."
    return DemoTable(title=_title(named, headline), columns=columns, rows=shown, named=named, caption=caption,
                     right=(value_col, "band low", "band high"), share_column="share %",
                     keys={k: first.get(k) for k in ("basis", "store", "geo_level", "geo", "chart", "genre",
                                                     "iso_week", "week_start", "days", "countries")})  # fmt: skip


def coverage_table(conn) -> DemoTable:
    """Per store: the charts captured, the countries, the short-drama apps ranked, the days."""
    cols, rows = run_query(conn, "demo_coverage")
    countries = conn.execute("SELECT count(DISTINCT country) FROM core.chart_entries").fetchone()[0]
    named = {"store": "each store (one row per store)", "chart": "every captured chart (column charts)",
             "geography": geo_label("global", "global", countries),
             "basis": "chart entries captured (core.chart_entries)"}  # fmt: skip
    return DemoTable(title=_title(named, "Coverage: what the tables above are built from"), columns=cols,
                     rows=rows, named=named)  # fmt: skip


def quarantine_table(conn) -> DemoTable:
    """Batches failed by validation and kept out of the warehouse."""
    import json

    cols, rows = run_query(conn, "open_quarantine")
    shown = [(b, s, d, c, "; ".join(f"{f['expectation']} x{f['unexpected_count']}" for f in json.loads(fx)))
             for b, s, d, c, fx in rows]
    named = {"store": "every source (column source)", "chart": "every chart of the batch",
             "geography": "every country (column country)", "basis": "failed Great Expectations checks"}  # fmt: skip
    return DemoTable(title=_title(named, "Quarantined batches: not loaded (see ops.quarantine and Data Docs)"),
                     columns=cols, rows=shown, named=named)  # fmt: skip


def demo_tables(conn) -> list[DemoTable]:
    """Every table the demo prints, in order."""
    return [*(share_table(conn, g) for g in DEMO_SHARE_GROUPS), coverage_table(conn), quarantine_table(conn)]
