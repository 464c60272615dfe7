"""The sample market lined up with the catalog, so the sample capture shows every catalog store id as a store would.

The daily catalog check (dramatrack/catalog_check.py) marks a catalog id suspect when its lookup or details page is
missing or shows another publisher. A synthetic market that lacks some catalog apps, or lists them under other ids,
would make every demo run alert. So, whatever the market model (sample_data/market.py) holds:

* a market app whose product name is a catalog app's takes the catalog's iOS id (when it has one), Android package
  and publisher;
* a catalog app the market lacks is added as a listing that answers lookups and details pages but never charts.
"""

from __future__ import annotations

import random
from dataclasses import replace

from dramatrack.catalog import Catalog, CatalogApp
from sample_data.market import DRAMA_DESCRIPTION, ENTERTAINMENT, MarketApp, _sample_app, play_package
from sample_data.play_payloads import PlayApp
from transforms.app_identity import catalog_name_index, normalize_app_name


def _publisher(app: CatalogApp) -> str:
    return (app.publishers or [app.publisher or f"{app.name} Studio"])[0]


class CatalogAlignment:
    """Maps the market's apps to the catalog's ids and fills in the catalog apps the market lacks."""

    def __init__(self, catalog: Catalog) -> None:
        overseas = [a for a in catalog.apps if a.market == "overseas"]
        self.by_key = {a.app_key: a for a in overseas}
        self.by_name = catalog_name_index({a.app_key: a.all_names() for a in overseas})

    def _catalog_app(self, market_app: MarketApp) -> CatalogApp | None:
        key = self.by_name.get(normalize_app_name(market_app.app.name))
        return self.by_key.get(key) if key else None

    def market(self, apps: list[MarketApp], seed: int = 20261124) -> list[MarketApp]:
        """The market with the catalog's iOS ids and publishers, plus the catalog apps it lacks (not charting)."""
        out, seen = [], set()
        for m in apps:
            cat = self._catalog_app(m) if m.short_drama else None
            if cat is not None:
                seen.add(cat.app_key)
                m = replace(m, app=replace(m.app, track_id=cat.ios_id or m.app.track_id, seller=_publisher(cat)))
            out.append(m)
        rng = random.Random(f"{seed}:catalog")
        next_id = iter(range(6690000001, 6700000000, 7919))
        for cat in self.by_key.values():
            if cat.app_key in seen:
                continue
            listing = _sample_app(cat.ios_id or str(next(next_id)), f"{cat.name} - Short Dramas", _publisher(cat),
                                  ENTERTAINMENT, 0.0, rng, DRAMA_DESCRIPTION)
            out.append(MarketApp(listing, True, frozenset(), "catalog", 0, -1))  # answers lookups, never charts
        return out

    def package(self, m: MarketApp) -> str:
        """The app's Android package: the catalog's for a catalog app, else the market's."""
        cat = self._catalog_app(m) if m.short_drama else None
        return cat.android_package if cat is not None and cat.android_package else play_package(m)

    def play_listing(self, m: MarketApp, listing: PlayApp) -> PlayApp:
        """A Play listing with the catalog's package and publisher."""
        cat = self._catalog_app(m) if m.short_drama else None
        if cat is None:
            return listing
        return replace(listing, package=self.package(m), developer=_publisher(cat))
