"""Derived columns added before validation so per-chart checks become row-level expectations.

Pure pandas (imported lazily, so DAG files importing the runner stay fast to parse).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from expectations.suites import (
    APP_LOOKUPS,
    CHART_ENTRIES,
    CHART_KEY,
    FILL_MIN_ROWS,
    FILL_RATE_FIELDS,
    MIN_FILL_RATE,
    NEWS_ARTICLES,
    PLAY_APP_DETAILS,
    REPORTED_FIGURES_PLAUSIBLE,
    REPORTED_METRICS,
)

if TYPE_CHECKING:
    import pandas as pd


def add_chart_entry_columns(df: pd.DataFrame, batch_column: str = "batch_id") -> pd.DataFrame:
    """A copy of ``df`` with ``expected_rank`` and ``chart_size`` per chart.

    A chart is one (batch, store, country, chart, genre) group. ``expected_rank`` is the row's
    1-based position when the chart is ordered by ``rank`` (ties keep input order), so a chart
    whose ranks are exactly 1..N has ``rank == expected_rank`` on every row; a duplicate or a gap
    makes the rows from that point on differ. ``chart_size`` is the number of rows in the chart.
    """
    import pandas as pd

    out = df.copy()
    keys = [batch_column, *CHART_KEY]
    if out.empty:
        out["expected_rank"] = pd.Series(dtype="Int64")
        out["chart_size"] = pd.Series(dtype="int64")
        return out
    grouped = out.groupby(keys, dropna=False, sort=False)
    out["chart_size"] = grouped["rank"].transform("size").astype("int64")
    expected = grouped["rank"].rank(method="first")
    out["expected_rank"] = expected.astype("int64") if expected.notna().all() else expected.astype("Int64")
    return out


def add_fill_columns(out: pd.DataFrame, suite: str, group_column: str) -> pd.DataFrame:
    """``<field>_fill`` for each field of ``FILL_RATE_FIELDS[suite]``: the share of the rows of the row's
    ``group_column`` group (its batch) where the field is present; 1.0 for groups under FILL_MIN_ROWS rows.

    ``<field>_fill_vs_recent``: that fill rate ÷ the field's fill rate over recent days in the same storefront,
    where the caller supplies it as ``recent_<field>_fill`` and it is at least MIN_FILL_RATE (else null: nothing
    to compare with, or already failing the absolute check)."""
    import pandas as pd

    if out.empty:
        for field in FILL_RATE_FIELDS[suite]:
            out[f"{field}_fill"] = pd.Series(dtype="float64", index=out.index)
            out[f"{field}_fill_vs_recent"] = pd.Series(dtype="float64", index=out.index)
        return out
    grouped = out.groupby(group_column, dropna=False, sort=False)
    small = grouped[group_column].transform("size") < FILL_MIN_ROWS
    for field in FILL_RATE_FIELDS[suite]:
        present = out[field].notna() if field in out.columns else pd.Series(False, index=out.index)
        rate = present.groupby(out[group_column], dropna=False, sort=False).transform("mean").astype("float64")
        out[f"{field}_fill"] = rate.mask(small, 1.0)
        recent = out.get(f"recent_{field}_fill")
        if recent is None:
            out[f"{field}_fill_vs_recent"] = pd.Series(dtype="float64", index=out.index)
        else:
            recent = pd.to_numeric(recent, errors="coerce").astype("float64")
            # a rate already under MIN_FILL_RATE fails the absolute check: one failure per field, not two
            compared = (recent >= MIN_FILL_RATE) & (rate >= MIN_FILL_RATE) & ~small
            out[f"{field}_fill_vs_recent"] = (rate / recent).where(compared)
    return out


def add_lookup_columns(df: pd.DataFrame, batch_column: str = "batch_id") -> pd.DataFrame:
    """A copy with the batch fill rates of the rating fields (``add_fill_columns``)."""
    return add_fill_columns(df.copy(), APP_LOOKUPS, batch_column)


def add_play_details_columns(df: pd.DataFrame, batch_column: str = "batch_id") -> pd.DataFrame:
    """A copy with ``installs_monotone`` (False only when exact installs fell below the previous snapshot) and
    the batch fill rates of the count fields (``add_fill_columns``).

    The caller supplies ``prev_real_installs`` (the same app's last loaded value, or null) and
    ``installs_tolerance`` (allowed relative drop); without them every row passes.
    """
    # fill rates per batch (``batch``: the page's batch, when rows are per item), not per app page
    out = add_fill_columns(df.copy(), PLAY_APP_DETAILS, "batch" if "batch" in df.columns else batch_column)
    if out.empty or "prev_real_installs" not in out.columns:
        out["installs_monotone"] = True
        return out
    tolerance = out["installs_tolerance"] if "installs_tolerance" in out.columns else 0.0
    prev = out["prev_real_installs"].astype("Float64")
    now = out["real_installs"].astype("Float64")
    dropped = (now < prev * (1 - tolerance)).fillna(False)
    out["installs_monotone"] = ~dropped.astype(bool)
    return out


def add_news_article_columns(df: pd.DataFrame, batch_column: str = "batch_id") -> pd.DataFrame:
    """A copy with ``future_hours``: hours from when the feed was served (``fetched_at``: its Date header, else the
    fetch time) to the article's ``published_at`` (positive = published "after" it was served); null when either
    time is unknown.

    Measured against the response, not the clock, so re-validating an old capture gives the same verdict.
    """
    import pandas as pd

    out = df.copy()
    if out.empty or "published_at" not in out.columns or "fetched_at" not in out.columns:
        out["future_hours"] = pd.Series(dtype="float64", index=out.index)
        return out
    published = pd.to_datetime(out["published_at"], utc=True, errors="coerce")
    fetched = pd.to_datetime(out["fetched_at"], utc=True, errors="coerce")
    out["future_hours"] = ((published - fetched).dt.total_seconds() / 3600).astype("float64")
    return out


def add_reported_metric_columns(df: pd.DataFrame, batch_column: str = "batch_id") -> pd.DataFrame:
    """Reported figures need no derived columns (every check is already per row)."""
    return df.copy()


def add_plausibility_columns(df: pd.DataFrame, batch_column: str = "figure_id") -> pd.DataFrame:
    """A copy with one column per plausibility check: the value where the check applies to the row's metric,
    else null (``floor_value`` for revenue and downloads, ``share_value``, ``rank_value``, ``users_value``), and
    ``sentence_in_article``: the sentence occurs in ``source_text`` (whitespace collapsed in both)."""
    import pandas as pd

    out = df.copy()
    value = pd.to_numeric(out["value"], errors="coerce") if "value" in out.columns else pd.Series(dtype="float64")
    metric = out["metric"] if "metric" in out.columns else pd.Series(dtype="object")
    for column, metrics in (("floor_value", ("revenue", "downloads")), ("share_value", ("market_share",)),
                            ("rank_value", ("rank",)), ("users_value", ("users",))):
        out[column] = value.where(metric.isin(metrics)).astype("float64")
    if out.empty:
        out["sentence_in_article"] = pd.Series(dtype="bool")
        return out
    sentences = out["sentence"] if "sentence" in out.columns else pd.Series([None] * len(out), index=out.index)
    sources = out["source_text"] if "source_text" in out.columns else pd.Series([None] * len(out), index=out.index)
    out["sentence_in_article"] = [
        bool(s) and isinstance(t, str) and " ".join(str(s).split()) in " ".join(t.split())
        for s, t in zip(sentences, sources, strict=True)
    ]
    return out


DERIVERS: dict[str, Callable[[pd.DataFrame, str], pd.DataFrame]] = {
    CHART_ENTRIES: add_chart_entry_columns,
    APP_LOOKUPS: add_lookup_columns,
    PLAY_APP_DETAILS: add_play_details_columns,
    NEWS_ARTICLES: add_news_article_columns,
    REPORTED_METRICS: add_reported_metric_columns,
    REPORTED_FIGURES_PLAUSIBLE: add_plausibility_columns,
}


def add_derived_columns(suite_name: str, df: pd.DataFrame, batch_column: str = "batch_id") -> pd.DataFrame:
    """The frame the named suite expects: ``df`` (re-indexed 0..n-1) plus that suite's derived columns."""
    try:
        derive = DERIVERS[suite_name]
    except KeyError:
        raise ValueError(f"unknown suite {suite_name!r}; known: {sorted(DERIVERS)}") from None
    return derive(df.reset_index(drop=True), batch_column)
