"""The China storefront of the sample market (App Store CN only: Google Play does not exist there).

China's short-drama apps (the catalog's, with their CN ids, and one the catalog does not know yet) chart only
in ``cn``; the overseas short-drama apps do not chart there, and the China apps chart nowhere else. The general
(non-drama) apps of the overseas market fill the rest of the charts. Synthetic demo and test data.
"""

from __future__ import annotations

import random

from sample_data.market import ENTERTAINMENT, MarketApp, _sample_app, build_market

CHINA = "cn"

# (name, seller, iOS id, base popularity); the ids are the catalog's (China section of the reference)
CHINA_SHORT_DRAMA_APPS = [
    ("红果短剧", "Beijing Bimo Liuxiang Technology Co., Ltd.", "6451407032", 10.5),
    ("喜番短剧", "Xifan Technology Co., Ltd.", "6744434275", 8.6),
    ("红果漫剧", "Beijing Bimo Liuxiang Technology Co., Ltd.", "6745890963", 7.9),
    ("星芽短剧 - 海量微短剧", "Xingya Media Co., Ltd.", "6790000001", 8.1),  # not in the catalog: discovered
]
CHINA_DESCRIPTION = "海量精品短剧免费看，每天更新热门微短剧，一分钟一集，追剧停不下来。"


def china_apps(seed: int = 20261124) -> list[MarketApp]:
    """The China-only short-drama apps, competing in the free and Entertainment charts."""
    rng = random.Random(f"{seed}:cn")
    return [MarketApp(_sample_app(ios_id, name, seller, ENTERTAINMENT, 0.0, rng, CHINA_DESCRIPTION), base, True,
                      frozenset({"free", "ent"}))
            for name, seller, ios_id, base in CHINA_SHORT_DRAMA_APPS]


def apps_for(country: str, market: list[MarketApp] | None = None) -> list[MarketApp]:
    """The apps charting in ``country``: in cn the China apps and the general apps; elsewhere the market as is."""
    market = market if market is not None else build_market()
    if country != CHINA:
        return market
    return china_apps() + [a for a in market if not a.short_drama]
