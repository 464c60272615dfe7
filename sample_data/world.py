"""The simulated world's economy: true daily downloads and revenue of every app, per store and country.

Everything the pipeline reads (chart ranks, iOS rating counts per storefront, Google Play exact installs and
ratings) is derived from these truths in ``sample_data.market`` with realistic noise; ``truth_table`` writes
them for evaluation (``bench/accuracy``). No pipeline code may read them.

Calibration (``shared/reference/market_figures.md``): the short-drama category makes about 6 M downloads and
$6.8 M of in-app revenue a day worldwide (2025: 2.3 B downloads; Q3 2025: $647 M), 47 % of the revenue in the
US; DramaBox and ReelShort are the largest apps (together ~45 % of overseas revenue). The world has more
countries than any run tracks, so global figures include downloads the run never sees ranked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np

HORIZON_DAYS = 154  # 22 weeks: every sample capture (demo: 14 days, accuracy benchmark: 8+ weeks) fits
STORES = ("app_store", "google_play")

# country: (all-apps market size, US = 1; iOS share of all downloads; short-drama share of the category's
#           downloads; of its revenue; iOS share of the category's revenue in the country)
COUNTRIES: dict[str, tuple[float, float, float, float, float]] = {
    "us": (1.00, 0.55, 0.130, 0.520, 0.70), "gb": (0.22, 0.50, 0.025, 0.045, 0.65),
    "ca": (0.12, 0.50, 0.018, 0.040, 0.65), "au": (0.09, 0.55, 0.012, 0.030, 0.68),
    "de": (0.30, 0.38, 0.020, 0.045, 0.55), "fr": (0.25, 0.35, 0.018, 0.025, 0.55),
    "jp": (0.45, 0.65, 0.020, 0.050, 0.75), "kr": (0.20, 0.25, 0.008, 0.015, 0.40),
    "br": (1.10, 0.12, 0.090, 0.020, 0.35), "mx": (0.60, 0.20, 0.060, 0.020, 0.40),
    "ph": (0.45, 0.12, 0.070, 0.015, 0.35), "in": (2.50, 0.05, 0.070, 0.004, 0.30),
    "id": (1.00, 0.08, 0.100, 0.020, 0.30), "th": (0.35, 0.25, 0.050, 0.020, 0.45),
    "es": (0.18, 0.30, 0.015, 0.015, 0.50), "it": (0.20, 0.30, 0.012, 0.012, 0.50),
    "vn": (0.40, 0.15, 0.040, 0.008, 0.35), "tr": (0.35, 0.15, 0.030, 0.010, 0.40),
    "eg": (0.30, 0.08, 0.025, 0.003, 0.30), "sa": (0.20, 0.30, 0.015, 0.025, 0.60),
    "my": (0.20, 0.20, 0.020, 0.010, 0.45), "tw": (0.15, 0.45, 0.012, 0.020, 0.60),
    "co": (0.25, 0.15, 0.030, 0.008, 0.35), "ar": (0.20, 0.10, 0.020, 0.005, 0.35),
    "pk": (0.40, 0.05, 0.020, 0.002, 0.30), "ng": (0.30, 0.05, 0.020, 0.002, 0.30),
    "pl": (0.15, 0.20, 0.010, 0.008, 0.45), "nl": (0.08, 0.40, 0.005, 0.010, 0.60),
    "ae": (0.08, 0.45, 0.007, 0.015, 0.65), "cl": (0.10, 0.20, 0.010, 0.005, 0.40),
    # smaller markets (every storefront the project's tests and settings name is in the world)
    "se": (0.05, 0.45, 0.003, 0.006, 0.60), "no": (0.03, 0.50, 0.002, 0.005, 0.60),
    "dk": (0.03, 0.50, 0.002, 0.004, 0.60), "fi": (0.03, 0.40, 0.002, 0.003, 0.55),
    "pt": (0.05, 0.25, 0.004, 0.004, 0.50), "ch": (0.05, 0.55, 0.002, 0.006, 0.65),
    "at": (0.04, 0.40, 0.002, 0.004, 0.55), "be": (0.05, 0.40, 0.003, 0.004, 0.55),
    "ie": (0.03, 0.50, 0.002, 0.004, 0.60), "nz": (0.03, 0.50, 0.002, 0.004, 0.60),
    "sg": (0.04, 0.55, 0.004, 0.008, 0.65), "hk": (0.05, 0.55, 0.004, 0.008, 0.65),
    "za": (0.10, 0.15, 0.006, 0.003, 0.40), "pe": (0.10, 0.10, 0.010, 0.003, 0.35),
    "il": (0.05, 0.35, 0.002, 0.003, 0.55), "cz": (0.05, 0.25, 0.002, 0.002, 0.50),
    "hu": (0.04, 0.20, 0.002, 0.002, 0.45), "ro": (0.07, 0.15, 0.004, 0.002, 0.40),
    "gr": (0.04, 0.20, 0.002, 0.002, 0.45), "ua": (0.08, 0.20, 0.004, 0.002, 0.40),
    "ke": (0.08, 0.05, 0.004, 0.001, 0.30), "ma": (0.08, 0.10, 0.004, 0.001, 0.30),
    # the domestic market: no overseas short-drama app there; its own apps (kind "china") nowhere else
    "cn": (1.20, 0.20, 0.0, 0.0, 0.50),
}  # fmt: skip
CHINA = "cn"
CHINA_PER_DAY = (1.5e6, 0.5e6)  # China's short-drama apps: downloads and USD of in-app revenue a day (all stores)

# Short-drama apps: global share of the category's downloads and revenue (the catalog's apps and two
# fictional entrants; together they are the whole category of the simulated world).
SHORT_DRAMA_SHARES: dict[str, tuple[float, float]] = {
    "ReelShort": (0.170, 0.240), "DramaBox": (0.190, 0.215), "ShortMax": (0.120, 0.100),
    "GoodShort": (0.070, 0.070), "NetShort": (0.060, 0.060), "DramaWave": (0.060, 0.060),
    "My Drama": (0.040, 0.040), "FlexTV": (0.040, 0.030), "Melolo": (0.060, 0.020),
    "FreeReels": (0.040, 0.010), "MoboReels": (0.020, 0.020), "TopShort": (0.020, 0.020),
    "UniReel": (0.010, 0.020), "Kalos TV": (0.020, 0.020), "ReelMagic": (0.010, 0.010),
    "DramaPop": (0.010, 0.010),
}  # fmt: skip
HOME_MARKETS = {"UniReel": {"jp": 8.0}, "My Drama": {"de": 2.5, "fr": 2.0, "pl": 2.5}, "Melolo": {"id": 3.0, "ph": 2.0}}

# Chart pools of the non-drama apps: (scale at latent index 0 for the US iOS store, decay exponent).
# US iOS: the overall top-free #1 makes ~250 k downloads a day, the Entertainment #1 (non-drama) ~60 k,
# a top-paid #1 ~3 k; an Entertainment app grossing #1 ~$700 k a day.
POOL_SCALE = {"free": (250_000.0, 0.85), "ent": (60_000.0, 0.92), "paid": (3_000.0, 0.80)}
ENT_REVENUE_SCALE = (700_000.0, 0.95)


@dataclass(frozen=True)
class WorldConfig:
    """The world's totals and the nuisances the accuracy benchmark switches on one at a time."""

    seed: int = 20261124
    downloads_per_day: float = 6.0e6  # short-drama category, worldwide
    revenue_per_day: float = 6.8e6  # USD
    weight_noise: float = 0.2  # log-sd of the true country weights around the published ones (COUNTRIES)
    ios_propensity_shift: float = 1.0  # iOS ratings per download multiplied by this from shift_from_day on
    shift_from_day: int = 0
    missing_play_listing: str | None = None  # an app (product name) with no Google Play listing
    sparse_country: str | None = None  # a country whose lookups lose most rating counts
    extra: tuple = field(default=())  # reserved: keeps configs hashable when extended


@dataclass(frozen=True)
class Economy:
    """True daily values, indexed [app, country, store, day] (stores: app_store, google_play)."""

    countries: tuple[str, ...]
    downloads: np.ndarray
    revenue: np.ndarray


def country_weights(config: WorldConfig) -> dict[str, np.ndarray]:
    """The true country weights of the category (published ones, perturbed per seed), each summing to 1."""
    rng = np.random.default_rng([config.seed, 1])
    table = np.array(list(COUNTRIES.values()))
    out = {}
    for name, col in (("downloads", 2), ("revenue", 3)):
        w = table[:, col] * np.exp(rng.normal(0.0, config.weight_noise, len(table)))
        out[name] = w / w.sum()
    out["ios_downloads"] = np.clip(table[:, 1] * np.exp(rng.normal(0.0, 0.1, len(table))), 0.02, 0.9)
    out["ios_revenue"] = np.clip(table[:, 4] * np.exp(rng.normal(0.0, 0.1, len(table))), 0.1, 0.95)
    out["size"] = table[:, 0]
    return out


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], days: int, sd: float, phi: float = 0.9) -> np.ndarray:
    """Mean-reverting log noise along the last axis (stationary sd ``sd``)."""
    eps = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), (*shape, days))
    out = np.empty_like(eps)
    out[..., 0] = rng.normal(0.0, sd, shape)
    for t in range(1, days):
        out[..., t] = phi * out[..., t - 1] + eps[..., t]
    return out


@cache
def economy(apps_key: tuple[tuple[str, str, int], ...], config: WorldConfig) -> Economy:
    """True downloads and revenue of every app. ``apps_key``: (product, pool kind, latent index) per app, where
    pool kind is "drama", "china" (a China short-drama app; latent index = its share in per mille) or a chart
    pool ("free", "ent", "paid") of a non-drama app."""
    rng = np.random.default_rng([config.seed, 2])
    countries = tuple(COUNTRIES)
    n_apps, n_c, days = len(apps_key), len(countries), HORIZON_DAYS
    w = country_weights(config)
    downloads = np.zeros((n_apps, n_c, 2, days))
    revenue = np.zeros((n_apps, n_c, 2, days))
    weekday = 1.0 + 0.08 * (np.arange(days) % 7 >= 5)  # weekends are busier
    drama = [i for i, (_, kind, _) in enumerate(apps_key) if kind == "drama"]

    # short-drama apps: the category's country totals split over the apps by share x country affinity
    if drama:
        dl_share = np.array([SHORT_DRAMA_SHARES[apps_key[i][0]][0] for i in drama])
        rev_share = np.array([SHORT_DRAMA_SHARES[apps_key[i][0]][1] for i in drama])
        affinity = np.exp(rng.normal(0.0, 0.5, (len(drama), n_c)))
        for k, i in enumerate(drama):
            for c, boost in HOME_MARKETS.get(apps_key[i][0], {}).items():
                affinity[k, countries.index(c)] *= boost
        trend = rng.normal(0.0, 0.02, len(drama))[:, None, None] * (np.arange(days) / 7.0)  # per week
        walk = _ar1(rng, (len(drama), n_c), days, 0.15) + trend
        store_tilt = np.exp(rng.normal(0.0, 0.15, (len(drama), n_c, 2)))
        for measure, share, total, ios_key, out in (
            ("downloads", dl_share, config.downloads_per_day, "ios_downloads", downloads),
            ("revenue", rev_share, config.revenue_per_day, "ios_revenue", revenue),
        ):
            mix = share[:, None] * affinity
            mix = mix / mix.sum(axis=0, keepdims=True)
            base = total * w[measure][None, :] * mix  # [app, country]
            ios = w[ios_key][None, :, None] * store_tilt[..., 0:1]
            split = np.concatenate([ios, (1 - w[ios_key])[None, :, None] * store_tilt[..., 1:2]], axis=2)
            split = split / split.sum(axis=2, keepdims=True)
            noise = np.exp(walk if measure == "downloads" else 0.7 * walk + _ar1(rng, walk.shape[:2], days, 0.1))
            out[drama] = base[:, :, None, None] * split[..., None] * noise[:, :, None, :] * weekday

    # China's short-drama apps: only in cn
    china = [i for i, (_, kind, _) in enumerate(apps_key) if kind == "china"]
    if china:
        c = countries.index(CHINA)
        ios = COUNTRIES[CHINA][1]
        walk = np.exp(_ar1(rng, (len(china),), days, 0.15))
        for k, i in enumerate(china):
            share = apps_key[i][2] / 1000
            for out, total, ios_share in ((downloads, CHINA_PER_DAY[0], ios), (revenue, CHINA_PER_DAY[1], 0.5)):
                out[i, c, 0] = total * share * ios_share * walk[k] * weekday
                out[i, c, 1] = total * share * (1 - ios_share) * walk[k] * weekday

    # non-drama apps: a power law over each pool's latent order, scaled by the country's market size
    others = [i for i in range(n_apps) if i not in set(drama) | set(china)]
    if others:
        affinity = np.exp(rng.normal(0.0, 0.5, (len(others), n_c)))
        walk = np.exp(_ar1(rng, (len(others), n_c), days, 0.12))
        ios_share = np.array(list(COUNTRIES.values()))[:, 1]
        split = np.stack([ios_share, 1 - ios_share], axis=1)  # [country, store]
        us_ios = split[countries.index("us"), 0]
        table = np.array(list(COUNTRIES.values()))
        # app spending, US = 1: the short-drama revenue share where there is one (China's is its own market)
        rev_size = np.where(table[:, 3] > 0, table[:, 3] / COUNTRIES["us"][3], 0.3 * table[:, 0])
        for k, i in enumerate(others):
            _, kind, index = apps_key[i]
            scale, decay = POOL_SCALE[kind]
            level = scale / us_ios * (index + 1) ** -decay
            downloads[i] = (level * w["size"][:, None, None] * split[:, :, None] * affinity[k][:, None, None]
                            * walk[k][:, None, :] * weekday)
            if kind == "ent":
                r_scale, r_decay = ENT_REVENUE_SCALE
                rev_index = index * math.exp(rng.normal(0.0, 0.8))  # grossing order differs from downloads'
                revenue[i] = (r_scale / 0.7 * (rev_index + 1) ** -r_decay * rev_size[:, None, None]
                              * np.array([0.7, 0.3])[None, :, None] * affinity[k][:, None, None]
                              * walk[k][:, None, :])
    cn = countries.index(CHINA)  # Google Play does not exist in China
    downloads[:, cn, 1, :] = 0.0
    revenue[:, cn, 1, :] = 0.0
    return Economy(countries, downloads, revenue)
