"""The China storefront of the sample market (App Store CN only: Google Play does not exist there).

China's short-drama apps (the catalog's, with their CN ids, and one the catalog does not know yet) have downloads
only in ``cn`` (``sample_data.world``); the overseas short-drama apps have none there, so they do not chart in
cn, and the China apps chart nowhere else. The general (non-drama) apps fill the rest of the charts. Synthetic
demo and test data.
"""

from __future__ import annotations

CHINA = "cn"

# (name, seller, iOS id, share of China's short-drama downloads); the ids are the catalog's (China section of
# the reference)
CHINA_SHORT_DRAMA_APPS = [
    ("红果短剧", "Beijing Bimo Liuxiang Technology Co., Ltd.", "6451407032", 0.55),
    ("喜番短剧", "Xifan Technology Co., Ltd.", "6744434275", 0.20),
    ("红果漫剧", "Beijing Bimo Liuxiang Technology Co., Ltd.", "6745890963", 0.10),
    ("星芽短剧 - 海量微短剧", "Xingya Media Co., Ltd.", "6790000001", 0.15),  # not in the catalog: discovered
]
CHINA_DESCRIPTION = "海量精品短剧免费看，每天更新热门微短剧，一分钟一集，追剧停不下来。"
