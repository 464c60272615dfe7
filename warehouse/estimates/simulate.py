"""A seeded synthetic two-store market with known rank → downloads curves, for tests of the estimates.

Apps compete in each country; their popularity drifts day to day (a seeded random walk) and sets their
ranks. True daily downloads follow the model the estimates assume: b_c · r^(−a) for an app at rank r of a
country's overall top-free chart, tail_fraction · b_c · (N+1)^(−a) below the chart, times log-normal noise.
Google Play pages show the global exact install count (the sum over the simulated countries) and the
global ratings count; App Store lookups show a per-country ratings count. Ratings accrue at ``rho`` per
download. Everything is synthetic test data, not market data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from transforms.records import AppLookup, ChartEntry, PlayAppDetails
from warehouse.loaders import AppRecord, discovered_app_key

IOS, PLAY = "app_store", "google_play"
GENRES = {IOS: {"overall": "all", "ent": "6016"}, PLAY: {"overall": "APPLICATION", "ent": "ENTERTAINMENT"}}


@dataclass(frozen=True)
class Truth:
    """The curves the simulated downloads follow (overall top-free chart of each store and country)."""

    a: dict[str, float] = field(default_factory=lambda: {IOS: 0.944, PLAY: 0.985})
    b: dict[str, float] = field(default_factory=lambda: {IOS: 52958.0, PLAY: 80000.0})
    country_scale: dict[tuple[str, str], float] = field(
        default_factory=dict
    )  # (store, country) → b multiplier
    rho: float = 0.02  # ratings per download
    noise: float = 0.2  # log-sd of daily downloads around the curve
    tail_fraction: float = 0.5

    def b_for(self, store: str, country: str) -> float:
        return self.b[store] * self.country_scale.get((store, country), 1.0)


@dataclass
class Market:
    """The simulated apps and the batches to load (``warehouse.loaders.load_batch`` keyword arguments)."""

    truth: Truth
    days: list[date]
    countries: list[str]
    drama_apps: list[str]  # names of the short-drama apps (one product in both stores)
    batches: list[dict[str, Any]]
    downloads: dict[tuple[str, str, str, date], float]  # (store, country, app name, day) → true downloads


def _ids(store: str, i: int, drama: bool) -> str:
    if store == IOS:
        return str((7100000000 if drama else 7200000000) + i)
    return f"com.{'drama' if drama else 'other'}.app{i:03d}"


def simulate_market(
    days: list[date],
    countries: list[str],
    *,
    n_drama: int = 12,
    n_other: int = 40,
    depth: int = 30,
    truth: Truth | None = None,
    seed: int = 7,
) -> Market:
    """A deterministic market: the same arguments give the same batches."""
    truth = truth or Truth()
    rng = np.random.default_rng(seed)
    names = [f"Drama Shorts {i:02d}" for i in range(n_drama)] + [f"Other App {i:03d}" for i in range(n_other)]
    drama = [i < n_drama for i in range(len(names))]
    entertainment = [d or i % 3 == 0 for i, d in enumerate(drama)]
    n = len(names)
    # popularity per (store, country, app): base + random walk over the days
    base = {(s, c): rng.normal(0, 1.0, n) + np.where(drama, 0.8, 0.0) for s in (IOS, PLAY) for c in countries}
    steps = {(s, c): rng.normal(0, 0.25, (len(days), n)) for s in (IOS, PLAY) for c in countries}
    noise = {(s, c): rng.normal(0, truth.noise, (len(days), n)) for s in (IOS, PLAY) for c in countries}
    installs = {i: 2_000_000 + 50_000 * i for i in range(n)}  # global Play installs at the start
    ios_downloads = {(c, i): 0.0 for c in countries for i in range(n)}  # cumulative per storefront
    play_downloads = dict.fromkeys(range(n), 0.0)
    batches: list[dict[str, Any]] = []
    true_dl: dict[tuple[str, str, str, date], float] = {}

    for t, day in enumerate(days):
        for store in (IOS, PLAY):
            a = truth.a[store]
            for c in countries:
                pop = base[(store, c)] + steps[(store, c)][: t + 1].sum(axis=0)
                order = sorted(range(n), key=lambda i: (-pop[i], i))
                overall = order[:depth]
                ent = [i for i in order if entertainment[i]][:depth]
                grossing = [i for i in order if entertainment[i]][:depth]
                grossing = sorted(grossing, key=lambda i: (-(pop[i] + (1.5 if drama[i] else 0.0)), i))
                b = truth.b_for(store, c)
                rank_of = {i: r for r, i in enumerate(overall, start=1)}
                for i in range(n):
                    r = rank_of.get(i)
                    mean = b * r**-a if r else truth.tail_fraction * b * (depth + 1) ** -a
                    d = mean * math.exp(noise[(store, c)][t, i])
                    true_dl[(store, c, names[i], day)] = d
                    if store == IOS:
                        ios_downloads[(c, i)] += d
                    else:
                        play_downloads[i] += d
                charts = {("top-free", GENRES[store]["overall"]): overall, ("top-free", GENRES[store]["ent"]): ent,
                          ("top-grossing", GENRES[store]["ent"]): grossing}  # fmt: skip
                batches.append({"store": store, "country": c, "day": day, "charts": charts})
        # Play pages are read after the day's downloads: fill them in now (global counts)
        for bt in batches[-2 * len(countries) :]:
            bt["installs"] = {i: installs[i] + int(play_downloads[i]) for i in range(n)}
            bt["ios_ratings"] = {
                i: 1000 + int(truth.rho * ios_downloads[(bt["country"], i)]) for i in range(n)
            }
            bt["play_ratings"] = {i: 5000 + int(truth.rho * play_downloads[i]) for i in range(n)}

    out = [_batch(bt, names, drama, entertainment) for bt in batches]
    return Market(
        truth=truth,
        days=list(days),
        countries=list(countries),
        drama_apps=names[:n_drama],
        batches=out,
        downloads=true_dl,
    )


def _install_band(n: int) -> tuple[str, int]:
    bands = [
        1,
        5,
        10,
        50,
        100,
        500,
        1000,
        5000,
        10000,
        50000,
        100000,
        500000,
        1000000,
        5000000,
        10000000,
        50000000,
        100000000,
        500000000,
        1000000000,
    ]
    low = max(x for x in bands if x <= max(n, 1))
    return f"{low:,}+", low


def _batch(
    bt: dict[str, Any], names: list[str], drama: list[bool], entertainment: list[bool]
) -> dict[str, Any]:
    store, country, day = bt["store"], bt["country"], bt["day"]
    feed = "rss_v2" if store == IOS else "batchexecute"
    entries = []
    seen: dict[int, None] = {}
    for (chart, genre), apps in bt["charts"].items():
        for rank, i in enumerate(apps, start=1):
            seen.setdefault(i, None)
            entries.append(
                ChartEntry(
                    store=store,
                    country=country,
                    chart=chart,
                    genre=genre,
                    feed=feed,
                    rank=rank,
                    store_app_id=_ids(store, i, drama[i]),
                    name=names[i],
                    publisher=f"Studio {i:03d}",
                    price=0.0,
                    currency="USD",
                    score=4.5 if store == PLAY else None,
                    installs_text=_install_band(bt["installs"][i])[0] if store == PLAY else None,
                )
            )
    for i, is_drama in enumerate(drama):  # the tracked apps are looked up even when not charted
        if is_drama:
            seen.setdefault(i, None)
    listed = sorted(seen)
    apps = [AppRecord(app_key=discovered_app_key(store, _ids(store, i, drama[i])), name=names[i],
                      publisher=f"Studio {i:03d}", store=store, store_app_id=_ids(store, i, drama[i]),
                      bundle_id=_ids(store, i, drama[i]) if store == PLAY else None, is_short_drama=drama[i],
                      status="candidate" if drama[i] else "other", classification_reason="simulated")
            for i in listed]  # fmt: skip
    genre = ("6016", "Entertainment") if store == IOS else ("ENTERTAINMENT", "Entertainment")
    lookups, details = [], []
    for i in listed:
        g = (
            genre
            if entertainment[i]
            else ("6005", "Social Networking")
            if store == IOS
            else ("SOCIAL", "Social")
        )
        if store == IOS:
            lookups.append(
                AppLookup(
                    country=country,
                    track_id=_ids(store, i, drama[i]),
                    name=names[i],
                    bundle_id=None,
                    seller=f"Studio {i:03d}",
                    artist=f"Studio {i:03d}",
                    kind="software",
                    primary_genre=g[1],
                    primary_genre_id=g[0],
                    genre_ids=(g[0],),
                    user_rating_count=bt["ios_ratings"][i],
                    average_user_rating=4.5,
                    user_rating_count_current_version=None,
                    average_user_rating_current_version=None,
                    version="1.0",
                    price=0.0,
                    currency="USD",
                    release_date=None,
                    current_version_release_date=None,
                    file_size_bytes=None,
                    description=None,
                )
            )
        else:
            text, low = _install_band(bt["installs"][i])
            details.append(
                PlayAppDetails(
                    app_id=_ids(store, i, drama[i]),
                    country=country,
                    title=names[i],
                    developer=f"Studio {i:03d}",
                    genre=g[1],
                    genre_id=g[0],
                    installs_text=text,
                    min_installs=low,
                    real_installs=bt["installs"][i],
                    score=4.5,
                    ratings=bt["play_ratings"][i],
                    reviews=100,
                    histogram=(1, 1, 1, 1, 1),
                    updated="2026-11-01T07:00:00Z",
                    released="Jun 1, 2022",
                    version="1.0",
                    description="Simulated.",
                )
            )
    bid = f"sim-{store}-{day}-{country}"
    return {
        "batch_id": bid, "source": "appstore" if store == IOS else "googleplay", "snapshot_date": day,
        "country": country, "chart_entries": entries, "lookups": lookups, "apps": apps, "play_details": details,
        "fetch_log_rows": [{"url": f"https://sim.example/{bid}", "method": "GET", "status": 200,
                            "warc_path": f"raw/{bid}.warc.gz", "warc_offset": 0,
                            "fetched_at": f"{day}T06:00:00+00:00", "tags": {"b": bid}}],
    }  # fmt: skip


def days_from(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def load_market(conn, market: Market, days: list[date] | None = None) -> None:
    """Load the market's batches (only those of ``days`` if given)."""
    from warehouse.loaders import load_batch

    wanted = set(days) if days is not None else None
    for batch in market.batches:
        if wanted is None or batch["snapshot_date"] in wanted:
            load_batch(conn, **batch)
