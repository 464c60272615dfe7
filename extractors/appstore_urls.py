"""URLs of the Apple endpoints, built from the configured base URLs (so tests and mirrors can redirect them)."""

from __future__ import annotations

from collections.abc import Sequence

RSS_V2_CHARTS = {"top-free": "top-free", "top-paid": "top-paid"}
LEGACY_COLLECTIONS = {
    "top-free": "topfreeapplications",
    "top-paid": "toppaidapplications",
    "top-grossing": "topgrossingapplications",
}


def rss_v2_url(base_url: str, country: str, chart: str, limit: int) -> str:
    """Apple Marketing Tools RSS v2 (overall top-free / top-paid, at most 100)."""
    return f"{base_url.rstrip('/')}/api/v2/{country}/apps/{RSS_V2_CHARTS[chart]}/{limit}/apps.json"


def legacy_rss_url(base_url: str, country: str, chart: str, genre_id: str | None, limit: int) -> str:
    """Legacy iTunes RSS for one genre (e.g. 6016 Entertainment), or overall (``None`` / ``"all"``), at most 200."""
    collection = LEGACY_COLLECTIONS[chart]
    genre = "" if genre_id in (None, "all") else f"/genre={genre_id}"
    return f"{base_url.rstrip('/')}/{country}/rss/{collection}/limit={limit}{genre}/json"


def lookup_url(base_url: str, country: str, track_ids: Sequence[str]) -> str:
    """iTunes Lookup for many ids in one storefront."""
    return f"{base_url.rstrip('/')}/lookup?id={','.join(track_ids)}&country={country}&entity=software"
