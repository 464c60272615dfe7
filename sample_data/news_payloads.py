"""Synthetic news for the sample capture: a seeded set of stories and the feeds that deliver them.

Stories are written in the style of the trade press (English and Chinese), name the catalog apps and report
figures (revenue, downloads, shares, ranks, users, market size) next to the usual traps (growth rates, years,
episode counts). Publishers are fictional (``.example`` hosts); every figure is invented: demo and test data,
not market data.

Renders, in the real formats:

* Google News RSS search results (``render_google_news``): items titled "Headline - Publisher", a
  news.google.com redirect link (old-style ids carry the publisher URL, some are opaque new-style ids),
  RFC 822 ``pubDate``, ``<source url>`` and the HTML description Google sends;
* an industry RSS 2.0 feed (``render_industry_feed``): direct links with tracking parameters.

A story shows up in every search whose app or topic it matches, for two days, and some stories also in an
industry feed or syndicated under a second publisher, so the stage step has duplicates to merge.
"""

from __future__ import annotations

import base64
import hashlib
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from urllib.parse import quote_plus

VISIBLE_DAYS = 2  # a story stays in search results this many days (today and yesterday)
MAX_ITEMS = 10  # items per search result
FEED_DELAY = timedelta(minutes=30)  # the industry digest re-publishes a story this long after the original

EN_PUBLISHERS = [
    ("Short Drama Insider", "https://shortdramainsider.example"),
    ("AppEconomy Weekly", "https://appeconomy.example"),
    ("StreamBeat", "https://streambeat.example"),
    ("Pocket Screen News", "https://pocketscreen.example"),
]
ZH_PUBLISHERS = [
    ("出海短剧观察", "https://duanju-chuhai.example"),
    ("移动娱乐周刊", "https://mobile-ent-weekly.example"),
    ("应用经济参考", "https://app-economy-cn.example"),
]
SYNDICATORS = {"en-US": ("Finance Wire", "https://financewire.example"),
               "zh-CN": ("科技快报", "https://tech-express.example")}
EN_APPS = ["ReelShort", "DramaBox", "ShortMax", "NetShort", "DramaWave", "GoodShort", "FlexTV", "Melolo",
           "MyDrama", "FreeReels"]
ZH_APPS = [("ReelShort", "枫叶互动ReelShort"), ("DramaBox", "点众DramaBox"), ("ShortMax", "九州ShortMax"),
           ("GoodShort", "新阅GoodShort"), ("NetShort", "NetShort"), ("DramaWave", "DramaWave")]
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
EN_TOPICS = ("short drama app", "micro drama", "vertical drama")
ZH_TOPICS = ("短剧 出海", "微短剧 海外", "短剧 APP")


@dataclass(frozen=True)
class Story:
    """One synthetic news story."""

    key: str
    edition: str  # en-US | zh-CN
    published: datetime  # UTC
    title: str
    summary: str  # plain text
    publisher: str
    publisher_url: str
    url: str  # the article on the publisher's site
    terms: tuple[str, ...]  # the names and topics searches find it by
    opaque: bool = False  # Google News gives it an opaque (new-style) id
    syndicated: bool = False  # also published, same headline, by a syndication site
    in_feed: bool = False  # also in the edition's industry feed

    def matches(self, query: str) -> bool:
        return query.strip('"') in self.terms


def _money(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}".rstrip("0").rstrip(".")


def _en_story(rng: random.Random, kind: int, slot: int, day: date) -> tuple[str, str, tuple[str, ...]]:
    a, b = EN_APPS[slot % len(EN_APPS)], EN_APPS[(slot + 3) % len(EN_APPS)]
    prev = day.replace(day=1) - timedelta(days=1)
    month, year = MONTHS[prev.month - 1], prev.year
    growth = rng.randint(3, 40)
    if kind == 0:
        x = _money(rng, 8, 60)
        return (f"{a} earned ${x} million in {month} {year} as short drama spending climbs",
                f"{a} earned ${x} million in {month} {year}, up {growth}% month over month, according to app "
                f"intelligence estimates. The app added {rng.randint(20, 90)} new series.", (a, "short drama app"))
    if kind == 1:
        x = _money(rng, 3, 25)
        return (f"{a} recorded {x} million downloads in {month} {year}",
                f"{a} recorded {x} million downloads in {month} {year}. The app now streams more than "
                f"{rng.randint(150, 600)} series in {rng.randint(8, 20)} languages.", (a, "vertical drama"))
    if kind == 2:
        share, other = rng.uniform(20, 35), rng.uniform(10, 20)
        return (f"{a} and {b} together account for {share + other:.1f}% of US short drama revenue",
                f"{a} took {share:.1f}% of US revenue in {month} {year}, ahead of {b}. Short drama revenue grew "
                f"{growth}% year over year.", (a, b, "short drama app", "micro drama"))
    if kind == 3:
        rank = rng.randint(1, 5)
        return (f"{a} ranked No. {rank} in the US top-grossing chart",
                f"{a} ranked No. {rank} in the US top-grossing chart this week, overtaking {b}, which now has "
                f"{rng.randint(30, 80)} episodes per series on average.", (a, b, "micro drama"))
    if kind == 4:
        x = rng.randint(500, 900)
        q, q_year = ((day.month - 1) // 3, day.year) if day.month > 3 else (4, day.year - 1)  # last full quarter
        return (f"Short drama apps pulled in ${x} million in Q{q} {q_year}",
                f"Consumers spent about ${x} million in short drama apps in Q{q} {q_year}, up {growth}% year over "
                f"year, as {a} kept its lead.", (a, "short drama app", "vertical drama", "micro drama"))
    x = rng.randint(5, 40)
    return (f"{a} passes {x} million monthly active users",
            f"{a} passes {x} million monthly active users, {rng.randint(2, 9)} years after the first vertical "
            f"drama apps launched.", (a, "vertical drama"))


def _zh_story(rng: random.Random, kind: int, slot: int, day: date) -> tuple[str, str, tuple[str, ...]]:
    (a, a_zh), (b, _) = ZH_APPS[slot % len(ZH_APPS)], ZH_APPS[(slot + 1) % len(ZH_APPS)]
    prev = day.replace(day=1) - timedelta(days=1)
    growth = rng.randint(5, 160)
    if kind == 0:
        x = rng.randint(1500, 6000)
        return (f"{prev.year}年{prev.month}月，{a_zh}内购收入{x}万美元",
                f"{prev.year}年{prev.month}月，{a}内购收入{x}万美元，环比增长{growth}%。该平台共上线"
                f"{rng.randint(200, 500)}部短剧。", (a, "短剧 出海", "短剧 APP"))
    if kind == 1:
        x = rng.randint(800, 3500)
        return (f"{prev.year}年{prev.month}月，{a}下载量为{x}万次",
                f"{prev.year}年{prev.month}月，{a}下载量为{x}万次，同比增长{growth}%。", (a, "短剧 APP"))
    if kind == 2:
        share = rng.uniform(35, 55)
        return (f"短剧出海：{a}与{b}合计占海外收入{share:.2f}%",
                f"{a}与{b}合计占海外收入{share:.2f}%，{a_zh}继续领跑。", (a, b, "短剧 出海", "微短剧 海外"))
    if kind == 3:
        return (f"{a_zh}在美国登顶畅销榜",
                f"{a_zh}在美国登顶畅销榜，单集时长约{rng.randint(1, 3)}分钟。", (a, "短剧 出海"))
    if kind == 4:
        x = rng.randint(400, 700) + rng.randint(0, 9) / 10
        return (f"{prev.year}年上半年短剧出海市场规模达{x}亿元",
                f"{prev.year}年上半年短剧出海市场规模达{x}亿元，同比增长{growth}%，共有{rng.randint(40, 90)}款"
                "应用上线。", ("短剧 出海", "微短剧 海外"))
    x = rng.randint(12, 19) / 10
    return ("红果短剧月活用户达" + f"{x}亿", f"红果短剧月活用户达{x}亿，{a}等出海平台加速本地化。",
            (a, "红果短剧", "红果免费短剧", "Hongguo", "短剧 APP"))


def _slug(text: str) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    words = "".join(c if c.isascii() and c.isalnum() else "-" for c in text.lower())
    return "-".join(w for w in words.split("-") if w)[:60].strip("-") + "-" + digest


def stories_for_day(day: date, edition: str, per_day: int) -> list[Story]:
    """The stories of one edition published on ``day`` (00:00-04:00 UTC, before the 06:00 fetch) and the
    evening before; deterministic for the same day and edition.

    Story kinds and apps rotate with the day, so no two stories on the same app and figure are visible at once
    (their near-identical headlines would rightly be merged as one story).
    """
    rng = random.Random(zlib.crc32(f"news|{edition}|{day.isoformat()}".encode()))
    publishers = EN_PUBLISHERS if edition.startswith("en") else ZH_PUBLISHERS
    make = _en_story if edition.startswith("en") else _zh_story
    stories = []
    for n in range(per_day):
        slot = day.toordinal() * per_day + n
        title, summary, terms = make(rng, slot % 6, slot // 6 + slot, day)
        publisher, site = publishers[rng.randrange(len(publishers))]
        published = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=6) + timedelta(
            minutes=rng.randint(0, 10 * 60))
        url = f"{site}/{day.year}/{day.month:02d}/{_slug(title)}"
        stories.append(Story(key=f"{edition}-{day.isoformat()}-{n}", edition=edition, published=published,
                             title=title, summary=summary, publisher=publisher, publisher_url=site, url=url,
                             terms=terms, opaque=rng.random() < 0.2, syndicated=rng.random() < 0.25,
                             in_feed=rng.random() < 0.5))
    return stories


def visible_stories(day: date, edition: str, per_day: int, first_day: date) -> list[Story]:
    """Stories a search on ``day`` can return: published on the last VISIBLE_DAYS days (not before the capture)."""
    out = []
    for back in range(VISIBLE_DAYS):
        d = day - timedelta(days=back)
        if d >= first_day:
            out += stories_for_day(d, edition, per_day)
    return sorted(out, key=lambda s: s.published, reverse=True)


# --- links -------------------------------------------------------------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def google_article_id(url: str, *, opaque: bool = False) -> str:
    """A Google News article id: old style (protobuf carrying the URL) or an opaque new-style id."""
    if opaque:
        raw = b"AU_yqL" + hashlib.sha256(url.encode()).digest()[:24]
    else:
        data = url.encode("ascii")
        raw = b"\x08\x13\x22" + _varint(len(data)) + data + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def google_link(url: str, *, opaque: bool = False) -> str:
    return f"https://news.google.com/rss/articles/{google_article_id(url, opaque=opaque)}?oc=5"


# --- feeds ---------------------------------------------------------------------------------------------------


def _rfc822(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _google_item(title: str, link: str, guid: str, published: datetime, publisher: str, site: str) -> str:
    description = (f'<a href="{escape(link)}" target="_blank">{escape(title)}</a>&nbsp;&nbsp;'
                   f'<font color="#6f6f6f">{escape(publisher)}</font>')
    return (f"<item><title>{escape(title)} - {escape(publisher)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{escape(guid)}</guid><pubDate>{_rfc822(published)}</pubDate>'
            f"<description>{escape(description)}</description>"
            f'<source url="{escape(site)}">{escape(publisher)}</source></item>')


def render_google_news(query: str, hl: str, gl: str, ceid: str, stories: list[Story], built: datetime) -> bytes:
    """A Google News RSS search result for ``query`` holding ``stories`` (each, plus its syndicated copy)."""
    items = []
    for story in stories:
        guid = google_article_id(story.url, opaque=story.opaque)
        items.append(_google_item(story.title, google_link(story.url, opaque=story.opaque), guid, story.published,
                                  story.publisher, story.publisher_url))
        if story.syndicated:
            name, site = SYNDICATORS.get(story.edition, SYNDICATORS["en-US"])
            copy = f"{site}/news/{_slug(story.title)}"
            items.append(_google_item(story.title, google_link(copy, opaque=True),
                                      google_article_id(copy, opaque=True),
                                      story.published + timedelta(minutes=47), name, site))
    link = f"https://news.google.com/search?q={quote_plus(query)}&hl={hl}&gl={gl}&ceid={ceid}"
    body = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0</generator>'
            f"<title>{escape(query)} - Google News</title><link>{escape(link)}</link>"
            f"<language>{escape(hl)}</language><webMaster>news-webmaster@google.com</webMaster>"
            f"<copyright>Copyright © {built.year} Google. All rights reserved.</copyright>"
            f"<lastBuildDate>{_rfc822(built)}</lastBuildDate><description>Google News</description>"
            + "".join(items[:MAX_ITEMS]) + "</channel></rss>")
    return body.encode("utf-8")


def render_industry_feed(feed_url: str, language: str, stories: list[Story], built: datetime) -> bytes:
    """An industry RSS 2.0 digest: direct links with tracking parameters, HTML descriptions."""
    title = "Short drama industry digest (sample)" if language.startswith("en") else "短剧出海行业速递（样例）"
    items = []
    for story in stories:
        link = f"{story.url}?utm_source=rss&utm_medium=feed&utm_campaign=digest"
        items.append(f"<item><title>{escape(story.title)}</title><link>{escape(link)}</link>"
                     f"<guid isPermaLink=\"false\">{escape(story.key)}</guid>"
                     f"<pubDate>{_rfc822(story.published + FEED_DELAY)}</pubDate>"
                     f"<description>{escape('<p>' + escape(story.summary) + '</p>')}</description></item>")
    body = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>{escape(feed_url)}</link><language>{escape(language)}</language>"
            f"<lastBuildDate>{_rfc822(built)}</lastBuildDate>" + "".join(items) + "</channel></rss>")
    return body.encode("utf-8")
