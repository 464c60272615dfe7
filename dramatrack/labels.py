"""Words for the marts' keys (store, chart and genre, geography, basis), so every printed table and every
report chart names what it shows the same way."""

from __future__ import annotations

STORES = {"app_store": "App Store", "google_play": "Google Play", "both": "App Store + Google Play"}

BASES = {
    "estimated_revenue": "estimated revenue (USD, in-app purchases)",
    "estimated_downloads": "estimated downloads",
    "chart_presence": "chart presence, rank-weighted (weight rank^-0.944)",
}

# Where the estimates come from (marts.market_share_top has chart = genre = all for them).
ESTIMATE_CHARTS = {
    "estimated_revenue": "all captured top-grossing charts (apps not ranked: below-chart tail estimate)",
    "estimated_downloads": "all captured top-free and top-paid charts (apps not ranked: below-chart tail estimate)",
}

# Store genre ids and chart families (core.chart_families) as people say them.
GENRES = {
    "6016": "Entertainment",
    "ENTERTAINMENT": "Entertainment",
    "entertainment": "Entertainment",
    "all": "overall",
    "APPLICATION": "overall (apps)",
    "overall": "overall",
}


def store_label(store: str) -> str:
    return STORES.get(store, store)


def basis_label(basis: str) -> str:
    return BASES.get(basis, basis)


def chart_label(basis: str, chart: str, genre: str) -> str:
    """The chart a share is measured on: for chart presence, e.g. ``Entertainment top-grossing chart``; for the
    estimates, the charts they come from."""
    if basis in ESTIMATE_CHARTS and chart == "all":
        return ESTIMATE_CHARTS[basis]
    name = GENRES.get(genre, f"genre {genre}")
    return f"{name} {chart} chart"


def geo_label(geo_level: str, geo: str, countries: int | None = None) -> str:
    """``global: the 12 tracked countries combined``, ``region europe (3 tracked countries)``, ``country us``.
    Global means the countries the run tracks, not the whole world."""
    n = "" if countries is None else f"{countries} "
    plural = "y" if countries == 1 else "ies"
    if geo_level == "global":
        return f"global: the {n}tracked countr{plural} combined"
    if geo_level == "region":
        return f"region {geo}" + ("" if countries is None else f" ({n}tracked countr{plural})")
    return f"country {geo}"
