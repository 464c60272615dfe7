"""Render response bodies in Apple's exact formats from simple inputs, for the synthetic market server.

Pure functions: ``SampleApp`` values in, the bytes Apple would send out (RSS v2, legacy iTunes RSS,
iTunes Lookup). Derived values (URLs, artwork, artist ids, file sizes) are deterministic functions of
the inputs, so the same market renders the same bytes.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from transforms.records import CHARTS, OVERALL_GENRE

RSS_V2_BASE = "https://rss.applemarketingtools.com"
ITUNES_BASE = "https://itunes.apple.com"
APPS_BASE = "https://apps.apple.com"

_V2_TITLES = {"top-free": "Top Free Apps", "top-paid": "Top Paid Apps"}
_LEGACY = {
    "top-free": ("topfreeapplications", "Top Free Applications", 27),
    "top-paid": ("toppaidapplications", "Top Paid Applications", 30),
    "top-grossing": ("topgrossingapplications", "Top Grossing Applications", 38),
}
_PACIFIC = timezone(timedelta(hours=-7))  # Apple stamps legacy feeds in Cupertino time
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "KRW": "₩",
            "INR": "₹", "BRL": "R$"}


@dataclass(frozen=True)
class SampleApp:
    """One app of the synthetic market, as the store knows it."""

    track_id: str
    name: str
    bundle_id: str
    seller: str
    genre_id: str
    genre_name: str
    price: float
    currency: str
    release_date: date | str  # a date or its ISO form "YYYY-MM-DD"
    description: str
    user_rating_count: int | None
    average_user_rating: float | None
    version: str
    current_version_release_date: datetime | str | None = None  # default: the release date

    def __post_init__(self) -> None:
        if not self.track_id.isdigit():
            raise ValueError(f"track_id {self.track_id!r} must be numeric")
        if not self.genre_id.isdigit():
            raise ValueError(f"genre_id {self.genre_id!r} must be numeric")
        self.released  # noqa: B018 - fail here, not at render time, on a bad date
        self.current_version_released  # noqa: B018

    @property
    def released(self) -> date:
        """``release_date`` as a ``date``."""
        value = self.release_date
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else date.fromisoformat(value)

    @property
    def current_version_released(self) -> datetime | None:
        """``current_version_release_date`` as an aware ``datetime`` (UTC when given naive), or None."""
        value = self.current_version_release_date
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return _utc(moment)


# --------------------------------------------------------------------------------------------- helpers


def _h(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode("utf-8"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "app"


def _artwork(app: SampleApp, size: int, ext: str = "png") -> str:
    h = f"{_h(app.track_id):08x}"
    return (f"https://is{_h(app.name) % 5 + 1}-ssl.mzstatic.com/image/thumb/Purple126/v4/"
            f"{h[:2]}/{h[2:4]}/{h[4:6]}/{h}-{app.track_id}/AppIcon-0-0-1x_U007emarketing-0-7-0-85-220.{ext}/"
            f"{size}x{size}bb.{ext}")


def _artist_id(app: SampleApp) -> int:
    return 1_500_000_000 + _h(app.seller) % 200_000_000


def _app_url(country: str, app: SampleApp, suffix: str = "") -> str:
    return f"{APPS_BASE}/{country}/app/{_slug(app.name)}/id{app.track_id}{suffix}"


def _artist_url(country: str, app: SampleApp, suffix: str = "") -> str:
    return f"{APPS_BASE}/{country}/developer/{_slug(app.seller)}/id{_artist_id(app)}{suffix}"


def _formatted_price(price: float, currency: str) -> str:
    if price == 0:
        return "Free"
    symbol = _SYMBOLS.get(currency)
    if currency in ("JPY", "KRW"):
        return f"{symbol}{price:,.0f}"
    return f"{symbol}{price:,.2f}" if symbol else f"{price:,.2f} {currency}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rfc822(moment: datetime) -> str:
    """``Thu, 5 Oct 2023 19:57:28 +0000``: day not zero-padded, English names whatever the locale."""
    m = _utc(moment)
    return f"{_DAYS[m.weekday()]}, {m.day} {_MONTHS[m.month - 1][:3]} {m.year} {m:%H:%M:%S} +0000"


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------------------------- RSS v2


def render_rss_v2(country: str, chart: str, apps: list[SampleApp], updated: datetime) -> bytes:
    """An Apple Marketing Tools RSS v2 ``apps.json`` body: ``apps`` in rank order (top-free / top-paid)."""
    if chart not in _V2_TITLES:
        raise ValueError(f"rss v2 has no {chart!r} chart")
    url = f"{RSS_V2_BASE}/api/v2/{country}/apps/{chart}/{max(len(apps), 1)}/apps.json"
    results = [
        {
            "artistName": app.seller,
            "id": app.track_id,
            "name": app.name,
            "releaseDate": app.released.isoformat(),
            "kind": "apps",
            "artworkUrl100": _artwork(app, 100),
            "genres": [{"genreId": app.genre_id, "name": app.genre_name,
                        "url": f"{ITUNES_BASE}/genre/id{app.genre_id}"}],
            "url": _app_url(country, app),
        }
        for app in apps
    ]
    feed = {
        "title": _V2_TITLES[chart],
        "id": url,
        "author": {"name": "Apple", "url": "https://www.apple.com/"},
        "links": [{"self": url}],
        "copyright": f"Copyright © {_utc(updated).year} Apple Inc. All rights reserved.",
        "country": country,
        "icon": "https://www.apple.com/favicon.ico",
        "updated": _rfc822(updated),
        "results": results,
    }
    return _json({"feed": feed})


# --------------------------------------------------------------------------------------------- legacy RSS


def _legacy_entry(country: str, app: SampleApp) -> dict[str, Any]:
    alternate = {"attributes": {"rel": "alternate", "type": "text/html", "href": _app_url(country, app, "?uo=2")}}
    # Apple sends `link` as a list when the app has a preview enclosure and as an object otherwise;
    # the market has both, chosen by track id.
    if int(app.track_id) % 2 == 0:
        preview = {
            "im:duration": {"label": "0"},
            "attributes": {"title": "Preview", "rel": "enclosure", "type": "image/jpeg",
                           "href": _artwork(app, 512, "jpg"), "im:assetType": "preview"},
        }
        link: Any = [alternate, preview]
    else:
        link = alternate
    released = app.released
    return {
        "im:name": {"label": app.name},
        "im:image": [{"label": _artwork(app, size), "attributes": {"height": str(size)}} for size in (53, 75, 100)],
        "summary": {"label": app.description},
        "im:price": {"label": "Get" if app.price == 0 else _formatted_price(app.price, app.currency),
                     "attributes": {"amount": f"{app.price:.5f}", "currency": app.currency}},
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "rights": {"label": f"© {released.year} {app.seller}"},
        "title": {"label": f"{app.name} - {app.seller}"},
        "link": link,
        "id": {"label": _app_url(country, app, "?uo=2"),
               "attributes": {"im:id": app.track_id, "im:bundleId": app.bundle_id}},
        "im:artist": {"label": app.seller, "attributes": {"href": _artist_url(country, app, "?uo=2")}},
        "category": {"attributes": {
            "im:id": app.genre_id, "term": app.genre_name, "label": app.genre_name,
            "scheme": f"{APPS_BASE}/{country}/genre/ios-{_slug(app.genre_name)}/id{app.genre_id}?uo=2"}},
        "im:releaseDate": {"label": f"{released.isoformat()}T00:00:00-07:00",
                           "attributes": {"label": f"{_MONTHS[released.month - 1]} {released.day}, {released.year}"}},
    }


def render_legacy_rss(
    country: str, chart: str, genre_id: str, apps: list[SampleApp], updated: datetime, *, limit: int | None = None
) -> bytes:
    """A legacy iTunes RSS JSON body for one chart and genre (``"all"`` for the overall chart).

    Like Apple: one app gives ``entry`` as an object, no apps gives no ``entry`` key at all.
    """
    if chart not in _LEGACY:
        raise ValueError(f"unknown chart {chart!r} (expected one of {', '.join(CHARTS)})")
    collection, title, pop_id = _LEGACY[chart]
    limit = limit or max(len(apps), 1)
    genre_path = "" if genre_id == OVERALL_GENRE else f"/genre={genre_id}"
    url = f"{ITUNES_BASE}/{country}/rss/{collection}/limit={limit}{genre_path}/json"
    view_top = f"{ITUNES_BASE}/WebObjects/MZStore.woa/wa/viewTop?cc={country}&popId={pop_id}"
    if genre_id != OVERALL_GENRE:
        view_top += f"&genreId={genre_id}"
    in_genre = f" in {apps[0].genre_name}" if apps and genre_id != OVERALL_GENRE else ""

    feed: dict[str, Any] = {
        "author": {"name": {"label": "iTunes Store"}, "uri": {"label": "http://www.apple.com/itunes/"}}
    }
    entries = [_legacy_entry(country, app) for app in apps]
    if len(entries) == 1:
        feed["entry"] = entries[0]
    elif entries:
        feed["entry"] = entries
    feed.update({
        "updated": {"label": _utc(updated).astimezone(_PACIFIC).isoformat(timespec="seconds")},
        "rights": {"label": "Copyright 2008 Apple Inc."},
        "title": {"label": f"iTunes Store: {title}{in_genre}"},
        "icon": {"label": "http://itunes.apple.com/favicon.ico"},
        "link": [{"attributes": {"rel": "alternate", "type": "text/html", "href": view_top}},
                 {"attributes": {"rel": "self", "href": url}}],
        "id": {"label": url},
    })
    return _json({"feed": feed})


# --------------------------------------------------------------------------------------------- lookup


def _lookup_result(country: str, app: SampleApp) -> dict[str, Any]:
    released = f"{app.released.isoformat()}T07:00:00Z"
    current_version = app.current_version_released
    current = current_version.strftime("%Y-%m-%dT%H:%M:%SZ") if current_version else released
    ratings: dict[str, Any] = {}
    if app.average_user_rating is not None:
        ratings["averageUserRatingForCurrentVersion"] = app.average_user_rating
        ratings["averageUserRating"] = app.average_user_rating
    if app.user_rating_count is not None:
        ratings["userRatingCountForCurrentVersion"] = app.user_rating_count
        ratings["userRatingCount"] = app.user_rating_count
    screenshot = _artwork(app, 392, "jpg").replace("392x392bb", "392x696bb")
    return {
        "screenshotUrls": [screenshot.replace("AppIcon", f"Screen{i}") for i in range(1, 4)],
        "ipadScreenshotUrls": [],
        "appletvScreenshotUrls": [],
        "artworkUrl60": _artwork(app, 60, "jpg"),
        "artworkUrl512": _artwork(app, 512, "jpg"),
        "artworkUrl100": _artwork(app, 100, "jpg"),
        "artistViewUrl": _artist_url(country, app, "?uo=4"),
        "supportedDevices": ["iPhone12-iPhone12", "iPhone13-iPhone13", "iPhone14-iPhone14", "iPhone15-iPhone15"],
        "advisories": ["Infrequent/Mild Mature/Suggestive Themes"] if app.genre_id == "6016" else [],
        "isGameCenterEnabled": False,
        "features": ["iosUniversal"],
        "kind": "software",
        "trackCensoredName": app.name,
        "languageCodesISO2A": ["EN"],
        "fileSizeBytes": str(90_000_000 + _h(app.track_id, app.version) % 160_000_000),
        "sellerUrl": f"https://www.{_slug(app.seller).replace('-', '')}.com/",
        "formattedPrice": _formatted_price(app.price, app.currency),
        "contentAdvisoryRating": "12+",
        **{k: ratings[k] for k in ("averageUserRatingForCurrentVersion", "userRatingCountForCurrentVersion")
           if k in ratings},
        "trackViewUrl": _app_url(country, app, "?uo=4"),
        "trackContentRating": "12+",
        "minimumOsVersion": "14.0",
        "artistId": _artist_id(app),
        "artistName": app.seller,
        "genres": [app.genre_name],
        "price": app.price,
        "bundleId": app.bundle_id,
        "genreIds": [app.genre_id],
        "isVppDeviceBasedLicensingEnabled": True,
        "releaseDate": released,
        "trackId": int(app.track_id),
        "trackName": app.name,
        "primaryGenreName": app.genre_name,
        "primaryGenreId": int(app.genre_id),
        "sellerName": app.seller,
        "currentVersionReleaseDate": current,
        "releaseNotes": "Bug fixes and performance improvements.",
        "version": app.version,
        "wrapperType": "software",
        "currency": app.currency,
        "description": app.description,
        **{k: ratings[k] for k in ("averageUserRating", "userRatingCount") if k in ratings},
    }


def render_lookup(country: str, apps: list[SampleApp]) -> bytes:
    """An iTunes Lookup body (``resultCount`` + ``results``); rating fields are omitted when None.

    Apps are rendered as given: leave out the ones absent from ``country`` to get ``resultCount: 0``.
    """
    results = [json.dumps(_lookup_result(country, app), ensure_ascii=False) for app in apps]
    # Apple's own layout: blank lines around the object, one result per line.
    body = "[\n" + ", \n".join(results) + "]" if results else "[]"
    return f'\n\n\n{{\n "resultCount":{len(results)},\n "results": {body}\n}}\n\n\n'.encode()
