"""The simulated app market of the sample capture: the apps, and every public signal the pipeline reads.

The apps (the catalog's short-drama apps with their catalog iOS ids where known and synthetic ids where the
catalog has none yet, so the chart-discovery path is exercised; two fictional entrants; a few hundred non-drama
apps) and their true daily downloads and revenue per store and country (``sample_data.world``). From those
truths, with realistic noise:

* chart ranks: the order of true downloads (top-free, top-paid) or revenue (top-grossing) among every app
  competing in the chart, non-drama apps included, with day-to-day noise;
* iOS rating counts per storefront: growing with that storefront's iOS downloads times a per-app rating
  propensity (different between apps and between the stores), Poisson noise and occasional prompt campaigns;
* Google Play exact installs (global cumulative Android downloads, every country of the world, tracked or
  not), ratings and install bands.

Everything here is synthetic: demo and test data, not market data. ``truth_table`` gives the truth for
evaluation only (written beside the capture); no pipeline code reads it.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache

import numpy as np

from sample_data.china import CHINA, CHINA_DESCRIPTION, CHINA_SHORT_DRAMA_APPS
from sample_data.payloads import SampleApp
from sample_data.play_payloads import PlayApp
from sample_data.world import COUNTRIES, HORIZON_DAYS, STORES, WorldConfig, economy

ENTERTAINMENT = ("6016", "Entertainment")
OTHER_GENRES = [
    ("6005", "Social Networking"), ("6008", "Photo & Video"), ("6024", "Shopping"), ("6007", "Productivity"),
    ("6014", "Games"), ("6011", "Music"), ("6002", "Utilities"), ("6017", "Education"), ("6013", "Health & Fitness"),
    ("6015", "Finance"), ("6003", "Travel"), ("6023", "Food & Drink"),
]

# (name, seller, iOS id or None → synthetic id, base popularity; the economics are in sample_data.world)
SHORT_DRAMA_APPS = [
    ("ReelShort - Short Movie & TV", "Crazy Maple Studio", "1636235979", 9.0),
    ("DramaBox - Stream Drama Shorts", "STORYMATRIX PTE. LTD.", "6445905219", 8.8),
    ("ShortMax - Stream Dramas & Show", "ShortTV", "6464002625", 8.2),
    ("NetShort - Popular Dramas & TV", "NetShort", "6504849169", 7.4),
    ("DramaWave - Dramas & Shorts", "DramaWave Inc.", "6670430706", 7.2),
    ("My Drama - Short Series & Movies", "Holywater", "6498713494", 6.9),
    ("GoodShort - Movies & Dramas", "New Reading Tech", None, 7.6),
    ("FlexTV - Dramas & Movies", "FlexTV Pte", None, 6.8),
    ("Melolo - Dramas & Reels", "Worldance", None, 7.0),
    ("MoboReels - Short Dramas", "Mobo Reels", None, 6.0),
    ("TopShort - Short Drama Series", "TopShort Media", None, 5.8),
    ("UniReel - Japanese Short Dramas", "UniReel KK", None, 5.5),
    ("FreeReels - Short Drama Episodes", "FreeReels Ltd", None, 6.2),
    ("Kalos TV - Short Drama & Reels", "Kalos Media", None, 5.9),
    # Fictional new entrants: exactly what chart-based discovery is for.
    ("ReelMagic: Vertical Short Drama", "Magic Story Ltd", None, 5.6),
    ("DramaPop - Mini Series & Shorts", "Pop Drama Studio", None, 5.4),
]

ENTERTAINMENT_APPS = [
    "Netflix", "Disney+", "Max: Stream HBO, TV, & Movies", "Prime Video", "Tubi: Movies & Live TV",
    "Pluto TV: Watch Movies & TV", "Peacock TV: Stream TV & Movies", "Paramount+", "Crunchyroll",
    "The Roku App (Official)", "Fandango Movie Tickets & TV", "Hulu: Stream TV shows & movies",
    "Apple TV Remote Pro", "Plex: Stream Movies & TV", "Fubo: Watch Live TV & Sports", "Sling TV: Live TV + Freestream",
    "Philo: Live & On-Demand TV", "Vix: Cine y TV en Español", "iQIYI - Dramas, Anime, Shows", "Viki: Asian Dramas & Movies",
    "WeTV - Dramas, Films & More", "Kocowa+: K-Dramas & Variety", "Rakuten Viki Pass", "Funimation Classic",
    "BritBox: Brilliant British TV", "AMC+ | TV Shows & Movies", "Starz", "MGM+", "Discovery+ | Stream TV Shows",
    "Shudder: Horror & Thrillers", "Wattpad - Read & Write Stories", "Webtoon: Comics", "Tapas – Comics and Novels",
    "Ticketmaster - Buy, Sell Tickets", "Universal Remote TV Smart", "TV Remote - Universal Control",
    "Screen Mirroring + TV Cast", "Ringtones Maker - the ring app", "Prank App: Hair Clipper & Fart", "Soundboard Memes",
    "Face Swap Video by Reface", "Talking Tom Cat", "Character AI: Chat, Talk, Text", "Talkie: Creative AI Community",
    "Zedge Wallpapers & Ringtones", "Photo Booth Fun Effects", "Quiz Planet", "Spotlight Stories", "Fan Theories Hub",
]

TOP_FREE_APPS = [
    "ChatGPT", "Temu: Shop Like a Billionaire", "TikTok", "Instagram", "WhatsApp Messenger", "Threads", "CapCut - Video Editor",
    "Google", "Gmail - Email by Google", "YouTube: Watch, Listen, Stream", "Google Maps", "Facebook", "Messenger",
    "Snapchat", "Telegram Messenger", "SHEIN - Shopping Online", "Amazon Shopping", "Spotify - Music and Podcasts",
    "Uber - Request a ride", "Lyft", "DoorDash - Food Delivery", "Uber Eats: Food Delivery", "McDonald's",
    "Cash App", "Venmo", "PayPal - Pay, Send, Save", "Duolingo - Language Lessons", "Pinterest", "Reddit",
    "X", "Discord - Chat, Talk & Hangout", "Zoom Workplace", "Microsoft Outlook", "Microsoft Teams", "Google Chrome",
    "Gemini - chat to supercharge", "Perplexity - Ask Anything", "Claude by Anthropic", "Lemon8 - Lifestyle Community",
    "BeReal. Your friends for real.", "Airbnb", "Booking.com Hotels & Travel", "Walmart: Shopping & Savings", "Target",
    "Starbucks", "Life360: Find Family & Friends", "Bumble Dating App: Meet & Date", "Tinder Dating App: Chat & Date",
    "Hinge Dating App: Match & Date", "Roblox", "Block Blast!", "Royal Match", "Monopoly GO!", "Candy Crush Saga",
    "Subway Surfers", "Capybara Go!", "Whiteout Survival", "Last War:Survival Game", "Pokémon TCG Pocket", "Squad Busters",
]

TOP_PAID_APPS = [
    ("Minecraft: Dream it, Build it!", 6.99), ("Procreate Pocket", 5.99), ("Heads Up!", 1.99), ("Bloons TD 6", 6.99),
    ("Geometry Dash", 1.99), ("Stardew Valley", 4.99), ("Shadowrocket", 2.99), ("Plague Inc.", 0.99),
    ("Papa's Freezeria To Go!", 4.99), ("Hitman Sniper", 0.99), ("Five Nights at Freddy's", 2.99), ("Monopoly", 3.99),
    ("Terraria", 4.99), ("The Game of Life 2", 3.99), ("Night Sky", 0.99), ("Dark Sky Weather", 3.99),
    ("AnkiMobile Flashcards", 24.99), ("Forest: Focus for Productivity", 3.99), ("Facetune", 3.99), ("Goblin Tools", 0.99),
    ("Slay the Spire", 9.99), ("Balatro", 9.99), ("Vampire Survivors+", 2.99), ("Threema. The Secure Messenger", 5.99),
    ("TouchRetouch", 2.99), ("Things 3", 9.99), ("Infuse 7", 0.99), ("Reeder.", 4.99), ("WolframAlpha", 2.99),
    ("Human Anatomy Atlas 2025", 24.99),
]

DRAMA_DESCRIPTION = (
    "Watch thousands of short drama series with new episodes every day. Binge vertical mini dramas: romance, "
    "CEO, werewolf and revenge stories in 1-minute episodes. Unlock episodes with coins or watch ads."
)
FILLER_WORDS = ["Fun", "Daily", "Pro", "Live", "Star", "Happy", "Smart", "Magic", "Lucky", "Cool", "Super", "Easy"]
FILLER_NOUNS = ["Stickers", "Sounds", "Quiz", "Wallpapers", "Radio", "Trivia", "Karaoke", "Jokes", "Horoscope",
                "Soundboard", "Magic Tricks", "Fan Club", "Coloring", "Tarot", "Emoji Maker", "Voice Changer"]


@dataclass(frozen=True)
class MarketApp:
    app: SampleApp
    short_drama: bool
    charts: frozenset[str]  # which chart pools it competes in: "free", "paid", "ent"
    kind: str  # "drama", "china", or the pool whose power law sets a non-drama app's size: "free", "ent", "paid"
    latent: int  # the app's place in its pool's power law (non-drama apps); China apps: share in per mille
    index: int  # position in the universe (row of the world's arrays); -1: a listing with no economy (static)

    @property
    def product(self) -> str:
        return self.app.name.split(" - ")[0].split(":")[0].strip()


def _sample_app(track_id: str, name: str, seller: str, genre: tuple[str, str], price: float, rng: random.Random,
                description: str, ratings: bool = True) -> SampleApp:
    slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:24] or "app"
    return SampleApp(
        track_id=track_id,
        name=name,
        bundle_id=f"com.{slug}.ios",
        seller=seller,
        genre_id=genre[0],
        genre_name=genre[1],
        price=price,
        currency="USD",
        release_date=date(2018 + rng.randrange(7), 1 + rng.randrange(12), 1 + rng.randrange(28)).isoformat(),
        description=description,
        user_rating_count=0 if ratings else None,  # set per storefront and day by with_ratings
        average_user_rating=round(rng.uniform(3.6, 4.9), 5) if ratings else None,
        version=f"{rng.randrange(1, 9)}.{rng.randrange(0, 30)}.{rng.randrange(0, 10)}",
    )


@cache
def build_market(seed: int = 20261124) -> list[MarketApp]:
    """The app universe: short-drama apps, entertainment, top-free and top-paid apps, and fillers."""
    rng = random.Random(seed)
    next_id = iter(range(6700000001, 6800000000, 7919))
    apps: list[MarketApp] = []

    def add(app: SampleApp, drama: bool, pools: set[str], kind: str, latent: int) -> None:
        apps.append(MarketApp(app, drama, frozenset(pools), kind, latent, len(apps)))

    for name, seller, ios_id, _ in SHORT_DRAMA_APPS:
        app = _sample_app(ios_id or str(next(next_id)), name, seller, ENTERTAINMENT, 0.0, rng, DRAMA_DESCRIPTION)
        add(app, True, {"free", "ent"}, "drama", 0)
    china_rng = random.Random(f"{seed}:cn")
    for name, seller, ios_id, share in CHINA_SHORT_DRAMA_APPS:
        app = _sample_app(ios_id, name, seller, ENTERTAINMENT, 0.0, china_rng, CHINA_DESCRIPTION)
        add(app, True, {"free", "ent"}, "china", round(share * 1000))
    for i, name in enumerate(ENTERTAINMENT_APPS):
        app = _sample_app(str(next(next_id)), name, f"{name.split()[0].strip(':+')} Inc.", ENTERTAINMENT, 0.0, rng,
                          f"{name}: stream, watch and enjoy entertainment on your iPhone.", ratings=i % 17 != 5)
        add(app, False, {"free", "ent"}, "ent", i)
    for i, name in enumerate(TOP_FREE_APPS):
        genre = OTHER_GENRES[i % len(OTHER_GENRES)]
        app = _sample_app(str(next(next_id)), name, f"{name.split()[0].strip(':-')} LLC", genre, 0.0, rng,
                          f"{name} for iPhone.")
        add(app, False, {"free"}, "free", i)
    for i, (name, price) in enumerate(TOP_PAID_APPS):
        genre = OTHER_GENRES[(i * 5) % len(OTHER_GENRES)]
        app = _sample_app(str(next(next_id)), name, f"{name.split()[0].strip(':-!.')} Ltd", genre, price, rng,
                          f"{name}: the full version, no ads.")
        add(app, False, {"paid"}, "paid", i)
    ent_rank, free_rank, paid_rank = len(ENTERTAINMENT_APPS), len(TOP_FREE_APPS), len(TOP_PAID_APPS)
    for i in range(FILLERS):  # the long tail that fills the 200-rank entertainment, overall and paid charts
        name = f"{FILLER_WORDS[i % len(FILLER_WORDS)]} {FILLER_NOUNS[(i * 7) % len(FILLER_NOUNS)]} {i // 3 + 1}"
        genre = ENTERTAINMENT if i % 3 != 1 else OTHER_GENRES[i % len(OTHER_GENRES)]
        price = 0.0 if i % 5 else 0.99
        if price:
            pools, kind, latent = {"paid"}, "paid", paid_rank
            paid_rank += 1
        elif genre is ENTERTAINMENT:
            pools, kind, latent = {"ent", "free"}, "ent", ent_rank
            ent_rank += 1
        else:
            pools, kind, latent = {"free"}, "free", free_rank
            free_rank += 1
        app = _sample_app(str(next(next_id)), name, f"Indie Dev {i}", genre, price, rng, f"{name}.", ratings=i % 9 != 0)
        add(app, False, pools, kind, latent)
    return apps


FILLERS = 520
DEFAULT_CONFIG = WorldConfig()


def _world(config: WorldConfig):
    apps = build_market(config.seed)
    return economy(tuple((a.product if a.short_drama else a.app.name, a.kind, a.latent) for a in apps), config)


def _country(code: str) -> int:
    try:
        return list(COUNTRIES).index(code)
    except ValueError:
        raise KeyError(f"country {code!r} is not in the simulated world ({', '.join(COUNTRIES)})") from None


def _day(day_index: int) -> int:
    if not 0 <= day_index < HORIZON_DAYS:
        raise ValueError(f"day {day_index} is outside the simulated horizon (0..{HORIZON_DAYS - 1})")
    return day_index


def true_downloads(app: MarketApp, store: str, country: str, day_index: int,
                   config: WorldConfig = DEFAULT_CONFIG) -> float:
    """The app's true downloads that day in one store and country."""
    return float(_world(config).downloads[app.index, _country(country), STORES.index(store), _day(day_index)])


def sold_in(app: MarketApp, storefront: str) -> bool:
    """Whether the app is on sale in the storefront: China's apps only in cn (a lookup elsewhere finds nothing)."""
    return app.kind != "china" or storefront == CHINA


def has_play_listing(app: MarketApp, config: WorldConfig = DEFAULT_CONFIG) -> bool:
    """False for China's apps (no Google Play there) and for the app a benchmark nuisance removes."""
    if app.kind == "china":
        return False
    return not (config.missing_play_listing and app.short_drama and app.product == config.missing_play_listing)


@cache
def _ranking(store: str, pool: str, country: str, day_index: int, grossing: bool,
             config: WorldConfig) -> tuple[int, ...]:
    apps = build_market(config.seed)
    world = _world(config)
    values = (world.revenue if grossing else world.downloads)[:, _country(country), STORES.index(store), _day(day_index)]
    rng = np.random.default_rng([config.seed, 3, STORES.index(store), _country(country), day_index,
                                 ("free", "paid", "ent").index(pool), grossing])
    noisy = np.log(np.maximum(values, 1e-9)) + rng.normal(0.0, 0.05, len(values))
    members = [a.index for a in apps if pool in a.charts and (store == "app_store" or has_play_listing(a, config))
               and values[a.index] > 0]
    return tuple(sorted(members, key=lambda i: (-noisy[i], apps[i].app.track_id)))


def ranked(apps: list[MarketApp], pool: str, country: str, day_index: int, limit: int,
           grossing: bool = False, store: str = "app_store", config: WorldConfig = DEFAULT_CONFIG) -> list[MarketApp]:
    """The chart of a pool ("free", "paid", "ent") in one store and country, best first: the order of true
    downloads (or revenue when ``grossing``) among every app competing in it, with day-to-day noise."""
    passed = {a.index: a for a in apps if a.index >= 0}  # the caller's objects (e.g. with the catalog's ids)
    return [passed[i] for i in _ranking(store, pool, country, day_index, grossing, config) if i in passed][:limit]


def _propensity(config: WorldConfig, stream: int, n: tuple[int, ...], sd: float = 0.35) -> np.ndarray:
    return np.exp(np.log(0.01) + np.random.default_rng([config.seed, stream]).normal(0.0, sd, n))


def _campaigns(config: WorldConfig, stream: int, n_apps: int) -> np.ndarray:
    """Prompt campaigns: about one app in 30 a week asks for ratings, tripling its rate for four days."""
    rng = np.random.default_rng([config.seed, stream])
    boost = np.ones((n_apps, HORIZON_DAYS))
    for app, start in zip(*np.nonzero(rng.random((n_apps, HORIZON_DAYS)) < 1 / 210), strict=True):
        boost[app, start:start + 4] = 3.0
    return boost


@cache
def _ios_ratings(config: WorldConfig) -> np.ndarray:
    """Cumulative iOS rating counts [app, country, day], per storefront."""
    world = _world(config)
    ios = world.downloads[:, :, 0, :]
    n_apps, n_c, days = ios.shape
    prop = _propensity(config, 4, (n_apps,))[:, None, None] * np.exp(
        np.random.default_rng([config.seed, 5]).normal(0.0, 0.1, (n_apps, n_c)))[:, :, None]
    shift = np.where(np.arange(days) >= config.shift_from_day, config.ios_propensity_shift, 1.0)
    rate = ios * prop * _campaigns(config, 6, n_apps)[:, None, :] * shift[None, None, :]
    gained = np.random.default_rng([config.seed, 7]).poisson(rate)
    start = np.rint(ios[:, :, 0] * prop[:, :, 0] * 400).astype(np.int64)  # about a year and a half of ratings
    return start[:, :, None] + np.cumsum(gained, axis=2)


@cache
def _play_counts(config: WorldConfig) -> tuple[np.ndarray, np.ndarray]:
    """Google Play exact installs and ratings [app, day]: global, every country of the world."""
    world = _world(config)
    android = world.downloads[:, :, 1, :].sum(axis=1)
    n_apps = android.shape[0]
    rng = np.random.default_rng([config.seed, 8])
    installs = np.rint(android[:, :1] * rng.uniform(300, 700, (n_apps, 1)) + np.cumsum(android, axis=1))
    prop = np.exp(0.3 * np.log(_propensity(config, 4, (n_apps,)) / 0.01)
                  + np.log(_propensity(config, 9, (n_apps,), sd=0.33)))
    rate = android * prop[:, None] * _campaigns(config, 10, n_apps)
    ratings = np.rint(installs[:, :1] * prop[:, None]) + np.cumsum(rng.poisson(rate), axis=1)
    return installs.astype(np.int64), ratings.astype(np.int64)


def with_ratings(app: MarketApp, storefront: str, day_index: int, config: WorldConfig = DEFAULT_CONFIG) -> SampleApp:
    """The app's lookup record in one storefront on a day: that storefront's own rating count."""
    if app.app.user_rating_count is None or app.index < 0:
        return app.app
    if config.sparse_country == storefront and zlib.crc32(app.app.track_id.encode()) % 10 < 7:
        return replace(app.app, user_rating_count=None, average_user_rating=None)
    count = int(_ios_ratings(config)[app.index, _country(storefront), _day(day_index)])
    return replace(app.app, user_rating_count=count)


ANDROID_PACKAGES = {
    "ReelShort": "com.newleaf.app.android.victor", "DramaBox": "com.storymatrix.drama", "ShortMax": "live.shorttv.apps",
    "NetShort": "com.netshort.abroad", "GoodShort": "com.newreading.goodreels", "FlexTV": "com.flextv.livestore",
    "Melolo": "com.worldance.drama", "MoboReels": "com.chao.novel.moboreels", "TopShort": "com.topshort.video",
}
PLAY_CATEGORY = {"Entertainment": ("ENTERTAINMENT", "Entertainment"), "Social Networking": ("SOCIAL", "Social"),
                 "Photo & Video": ("VIDEO_PLAYERS", "Video Players & Editors"), "Shopping": ("SHOPPING", "Shopping"),
                 "Productivity": ("PRODUCTIVITY", "Productivity"), "Games": ("GAME_CASUAL", "Casual"),
                 "Music": ("MUSIC_AND_AUDIO", "Music & Audio"), "Utilities": ("TOOLS", "Tools"),
                 "Education": ("EDUCATION", "Education"), "Health & Fitness": ("HEALTH_AND_FITNESS", "Health & Fitness"),
                 "Finance": ("FINANCE", "Finance"), "Travel": ("TRAVEL_AND_LOCAL", "Travel & Local"),
                 "Food & Drink": ("FOOD_AND_DRINK", "Food & Drink")}


def play_package(app: MarketApp) -> str:
    """The app's Android package: the real one for tracked apps, a synthetic one otherwise."""
    product = app.product
    if product in ANDROID_PACKAGES:
        return ANDROID_PACKAGES[product]
    slug = "".join(ch for ch in product.lower() if ch.isascii() and ch.isalnum())[:20] or "app"
    return f"com.{slug}.a{zlib.crc32(app.app.track_id.encode()) % 1000}"


def play_app(app: MarketApp, day_index: int, start: date, config: WorldConfig = DEFAULT_CONFIG) -> PlayApp:
    """The app's Play listing on a day: exact installs are global cumulative Android downloads (never fall)."""
    rng = random.Random(f"play:{app.app.track_id}")
    if app.index < 0:  # a listing with no economy: a small, static one
        installs, ratings = 50_000, 900
    else:
        installs, ratings = (int(x[app.index, _day(day_index)]) for x in _play_counts(config))
    category, category_name = PLAY_CATEGORY.get(app.app.genre_name, ("ENTERTAINMENT", "Entertainment"))
    return PlayApp(
        package=play_package(app),
        title=app.app.name,
        developer=app.app.seller,
        category=category,
        category_name=category_name,
        score=round(rng.uniform(3.6, 4.8), 7),
        ratings=ratings,
        reviews=ratings // 25,
        real_installs=installs,
        version=app.app.version,
        updated=datetime(start.year, start.month, start.day, tzinfo=UTC) - timedelta(days=rng.randrange(30)),
        released=app.app.release_date if isinstance(app.app.release_date, str) else str(app.app.release_date),
        summary=(app.app.description or "")[:120],
    )


def truth_table(start: date, days: int, config: WorldConfig = DEFAULT_CONFIG, apps: list[MarketApp] | None = None,
                package_of=play_package):
    """The world's truth as an Arrow table, for evaluation only: one row per app, store, country and day with
    true downloads and revenue (USD), and the app's store ids (``apps``/``package_of``: as the capture shows
    them). Every country of the world, tracked or not."""
    import pyarrow as pa

    apps = [a for a in (apps if apps is not None else build_market(config.seed)) if a.index >= 0]
    world = _world(config)
    rows = [(a, s, store) for a in apps for s, store in enumerate(STORES)
            if store == "app_store" or has_play_listing(a, config)]
    n_c = len(world.countries)
    per = n_c * days  # rows per (app, store): country-major within each day
    idx_a = np.repeat([a.index for a, _, _ in rows], per)
    idx_s = np.repeat([s for _, s, _ in rows], per)
    idx_d = np.tile(np.repeat(np.arange(days), n_c), len(rows))
    idx_c = np.tile(np.arange(n_c), days * len(rows))

    def repeat(values: list) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(np.repeat(np.arange(len(values)), per), pa.int32()),
                                              pa.array(values))

    return pa.table({
        "date": pa.array([start + timedelta(days=d) for d in range(days)], pa.date32()).take(pa.array(idx_d)),
        "store": repeat([store for _, _, store in rows]),
        "country": pa.array(list(world.countries)).take(pa.array(idx_c)),
        "store_app_id": repeat([a.app.track_id if store == "app_store" else package_of(a) for a, _, store in rows]),
        "app_name": repeat([a.app.name for a, _, _ in rows]),
        "product": repeat([a.product for a, _, _ in rows]),
        "short_drama": pa.array(np.repeat([a.short_drama for a, _, _ in rows], per)),
        "downloads": pa.array(world.downloads[idx_a, idx_c, idx_s, idx_d]),
        "revenue": pa.array(world.revenue[idx_a, idx_c, idx_s, idx_d]),
    })
