"""A plausible, seeded model of the App Store market, for the bundled sample capture.

The catalog's short-drama apps (with their catalog iOS ids where known, and synthetic ids where the
catalog has none yet, so the chart-discovery path is exercised), a few fictional new short-drama
entrants, and a few hundred non-drama apps. Each app has a popularity per country that drifts day to day
(a seeded random walk), so ranks move plausibly. Everything here is synthetic: it is demo and test data,
not market data.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache

from sample_data.payloads import SampleApp
from sample_data.play_payloads import PlayApp

ENTERTAINMENT = ("6016", "Entertainment")
OTHER_GENRES = [
    ("6005", "Social Networking"), ("6008", "Photo & Video"), ("6024", "Shopping"), ("6007", "Productivity"),
    ("6014", "Games"), ("6011", "Music"), ("6002", "Utilities"), ("6017", "Education"), ("6013", "Health & Fitness"),
    ("6015", "Finance"), ("6003", "Travel"), ("6023", "Food & Drink"),
]

# (name, seller, iOS id or None → synthetic id, base popularity, strength per country group)
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
    base: float  # log-popularity
    short_drama: bool
    charts: frozenset[str]  # which chart pools it competes in: "free", "paid", "ent"


def _sample_app(track_id: str, name: str, seller: str, genre: tuple[str, str], price: float, rng: random.Random,
                description: str, ratings: bool = True) -> SampleApp:
    slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:24] or "app"
    count = int(rng.lognormvariate(9, 2)) if ratings else None
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
        user_rating_count=count,
        average_user_rating=round(rng.uniform(3.6, 4.9), 5) if ratings else None,
        version=f"{rng.randrange(1, 9)}.{rng.randrange(0, 30)}.{rng.randrange(0, 10)}",
    )


def build_market(seed: int = 20261124) -> list[MarketApp]:
    """The app universe: short-drama apps, entertainment, top-free and top-paid apps, and fillers."""
    rng = random.Random(seed)
    next_id = iter(range(6700000001, 6800000000, 7919))
    apps: list[MarketApp] = []
    for name, seller, ios_id, base in SHORT_DRAMA_APPS:
        app = _sample_app(ios_id or str(next(next_id)), name, seller, ENTERTAINMENT, 0.0, rng, DRAMA_DESCRIPTION)
        apps.append(MarketApp(app, base, True, frozenset({"free", "ent"})))
    for i, name in enumerate(ENTERTAINMENT_APPS):
        app = _sample_app(str(next(next_id)), name, f"{name.split()[0].strip(':+')} Inc.", ENTERTAINMENT, 0.0, rng,
                          f"{name}: stream, watch and enjoy entertainment on your iPhone.", ratings=i % 17 != 5)
        apps.append(MarketApp(app, 8.5 - i * 0.06, False, frozenset({"free", "ent"})))
    for i, name in enumerate(TOP_FREE_APPS):
        genre = OTHER_GENRES[i % len(OTHER_GENRES)]
        app = _sample_app(str(next(next_id)), name, f"{name.split()[0].strip(':-')} LLC", genre, 0.0, rng,
                          f"{name} for iPhone.")
        apps.append(MarketApp(app, 10.0 - i * 0.05, False, frozenset({"free"})))
    for i, (name, price) in enumerate(TOP_PAID_APPS):
        genre = OTHER_GENRES[(i * 5) % len(OTHER_GENRES)]
        app = _sample_app(str(next(next_id)), name, f"{name.split()[0].strip(':-!.')} Ltd", genre, price, rng,
                          f"{name}: the full version, no ads.")
        apps.append(MarketApp(app, 7.0 - i * 0.08, False, frozenset({"paid"})))
    for i in range(260):  # the long tail that fills the 200-rank entertainment and overall charts
        name = f"{FILLER_WORDS[i % len(FILLER_WORDS)]} {FILLER_NOUNS[(i * 7) % len(FILLER_NOUNS)]} {i // 3 + 1}"
        genre = ENTERTAINMENT if i % 2 == 0 else OTHER_GENRES[i % len(OTHER_GENRES)]
        pools = {"ent", "free"} if genre is ENTERTAINMENT else {"free"}
        price = 0.0 if i % 5 else 0.99
        if price:
            pools = {"paid"}
        app = _sample_app(str(next(next_id)), name, f"Indie Dev {i}", genre, price, rng, f"{name}.", ratings=i % 9 != 0)
        apps.append(MarketApp(app, rng.uniform(2.0, 6.0), False, frozenset(pools)))
    return apps


@cache
def _walk(track_id: str, country: str, days: int, seed: int) -> tuple[float, ...]:
    """A country effect plus a seeded random walk, day 0..days-1 (cached: every chart of a day reads it)."""
    rng = random.Random(f"{seed}:{track_id}:{country}")
    country_effect = rng.gauss(0, 0.8)
    out, walk = [], 0.0
    for _ in range(days):
        walk += rng.gauss(0, 0.25)
        out.append(country_effect + walk)
    return tuple(out)


def popularity(app: MarketApp, country: str, day_index: int, seed: int = 20261124) -> float:
    """Log-popularity of an app in a country on day ``day_index``."""
    days = 64 * (day_index // 64 + 1)  # cache whole blocks of days
    effect = _walk(app.app.track_id, country, days, seed)[day_index]
    if app.short_drama and country in ("us", "ca", "gb", "au", "ph"):
        effect += 0.6  # the short-drama apps earn most in English-speaking markets
    return app.base + effect


def daily_downloads(app: MarketApp, country: str, day_index: int) -> int:
    """Downloads of an app in a country on a day: grows with popularity (ranks follow from popularity)."""
    return int(3 * math.exp(popularity(app, country, day_index)))


@cache
def cumulative_downloads(app: MarketApp, countries: tuple[str, ...], day_index: int) -> int:
    """Downloads across the given countries from day 0 up to and including ``day_index``."""
    today = sum(daily_downloads(app, c, day_index) for c in countries)
    return today + (cumulative_downloads(app, countries, day_index - 1) if day_index else 0)


def with_ratings(app: MarketApp, countries: tuple[str, ...], day_index: int) -> SampleApp:
    """The app's lookup record on a day: its rating count grows with downloads (about 1 rating per 60)."""
    if app.app.user_rating_count is None:
        return app.app
    return replace(app.app, user_rating_count=app.app.user_rating_count
                   + cumulative_downloads(app, countries, day_index) // 60)


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
    product = app.app.name.split(" - ")[0].split(":")[0].strip()
    if product in ANDROID_PACKAGES:
        return ANDROID_PACKAGES[product]
    slug = "".join(ch for ch in product.lower() if ch.isascii() and ch.isalnum())[:20] or "app"
    return f"com.{slug}.a{zlib.crc32(app.app.track_id.encode()) % 1000}"


def play_app(app: MarketApp, countries: tuple[str, ...], day_index: int, start: date) -> PlayApp:
    """The app's Play listing on a day: exact installs = a base plus every download so far (never falls)."""
    rng = random.Random(f"play:{app.app.track_id}")
    base = int(math.exp(app.base) * rng.uniform(2000, 6000))
    installs = base + cumulative_downloads(app, countries, day_index)
    category, category_name = PLAY_CATEGORY.get(app.app.genre_name, ("ENTERTAINMENT", "Entertainment"))
    ratings = installs // rng.randint(40, 90)
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


def ranked(apps: list[MarketApp], pool: str, country: str, day_index: int, limit: int,
           grossing: bool = False) -> list[MarketApp]:
    """The chart for a pool ("free", "paid", "ent"), best first. Grossing favours in-app-purchase earners."""
    scored = []
    for app in apps:
        if pool not in app.charts:
            continue
        score = popularity(app, country, day_index)
        if grossing:
            score += 1.5 if app.short_drama else 0.0
            score += math.log1p(app.app.user_rating_count or 0) * 0.05
        scored.append((-score, app.app.track_id, app))
    scored.sort(key=lambda entry: entry[:2])
    return [entry[2] for entry in scored[:limit]]
