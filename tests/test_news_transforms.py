"""News transforms: feeds → articles, canonical URLs, dedupe, app mentions, reported figures, CLI."""

from __future__ import annotations

import dataclasses
import json
import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dramatrack_cli.main import app as cli_app
from transforms.errors import ParseError
from transforms.news_dedupe import dedupe_articles
from transforms.news_feed import parse_news_feed
from transforms.news_mentions import build_matcher, find_mentions
from transforms.news_metrics import extract_metrics, split_sentences
from transforms.news_records import Article, ReportedMetric
from transforms.urls import canonical_url

NEWS = Path(__file__).resolve().parent / "fixtures" / "news"
EN_FEED = NEWS / "google_news_en_short_drama.xml"
EN_FEED_2 = NEWS / "google_news_en_reelshort.xml"
ZH_FEED = NEWS / "google_news_zh_duanju_chuhai.xml"
ATOM = NEWS / "industry_atom.xml"
RSS = NEWS / "industry_rss.xml"
FEEDS = [EN_FEED, EN_FEED_2, ZH_FEED, ATOM, RSS]

APPS = [
    ("reelshort", ["ReelShort", "Reel Short", "ReelShort短剧", "枫叶互动ReelShort"]),
    ("dramabox", ["DramaBox", "Drama Box", "点众DramaBox"]),
    ("shortmax", ["ShortMax", "Short Max", "九州ShortMax"]),
    ("netshort", ["NetShort", "Net Short"]),
    ("kalostv", ["Kalos TV", "KalosTV"]),
    ("hongguo", ["Hongguo", "Hongguo Short Drama", "红果短剧", "红果免费短剧"]),
]


def feed(path: Path, **kwargs) -> list[Article]:
    return parse_news_feed(path.read_bytes(), **kwargs)


def metrics(text: str, published_at: str | None = None) -> list[tuple]:
    return [(m.app, m.metric, m.value, m.currency, m.period)
            for m in extract_metrics(text, apps=APPS, published_at=published_at)]


# --- feeds ---------------------------------------------------------------------------------------------


def test_google_news_english_items():
    articles = feed(EN_FEED, source_feed="gnews:short drama app")
    assert len(articles) == 6
    first = articles[0]
    assert first.title == "ReelShort and DramaBox dominate as short drama apps hit $102M in US August revenue"
    assert (first.publisher, first.publisher_url) == ("TechCrunch", "https://techcrunch.com")
    assert first.published_at == "2025-09-02T14:05:00Z"
    assert first.language == "en-US"
    assert first.source_feed == "gnews:short drama app"
    assert first.url.startswith("https://news.google.com/rss/articles/CBMi") and first.url.endswith("?oc=5")
    # Old-style Google ids carry the target URL: decoded offline.
    assert first.canonical_url == "https://techcrunch.com/2025/09/02/reelshort-dramabox-short-drama-apps-august-revenue"
    assert first.guid and first.guid.startswith("CBMi")
    # Description HTML → text: tags gone, &nbsp; collapsed, entities unescaped.
    assert first.summary == f"{first.title} TechCrunch"
    verge = articles[4]
    assert verge.title.startswith("How ShortMax & ReelShort turned")
    assert "&amp;" not in verge.summary and "<" not in verge.summary
    # Opaque new-style ids stay the Google link, without the tracking parameter.
    assert verge.canonical_url == verge.url.removesuffix("?oc=5")
    assert articles[5].title == "ReelShort’s parent COL Group bets on AI to cut short drama costs"


def test_google_news_chinese_items():
    articles = feed(ZH_FEED)
    assert len(articles) == 5
    assert {a.language for a in articles} == {"zh-CN"}
    assert articles[0].title == "短剧出海：ReelShort与DramaBox合计占海外收入45.68%"
    assert articles[0].publisher == "36氪"
    assert articles[0].canonical_url == "https://36kr.com/p/3452188812345678"
    assert articles[1].title == "2025年上半年短剧出海市场规模达504.4亿元，同比增长154%"
    assert articles[4].publisher == "21世纪经济报道"
    assert not any(a.title.endswith(a.publisher) for a in articles)


def test_publisher_suffix_only_stripped_when_it_names_the_source():
    body = EN_FEED.read_bytes().replace(b"<source url=\"https://techcrunch.com\">TechCrunch</source>",
                                        b"<source url=\"https://techcrunch.com\">TC</source>")
    assert parse_news_feed(body)[0].title.endswith(" - TechCrunch")


def test_language_argument_is_the_fallback():
    assert {a.language for a in feed(EN_FEED, language="fr")} == {"en-US"}
    body = EN_FEED.read_bytes().replace(b"<language>en-US</language>", b"")
    assert {a.language for a in parse_news_feed(body, language="en")} == {"en"}
    assert {a.language for a in parse_news_feed(body)} == {None}


def test_atom_feed():
    articles = feed(ATOM, source_feed="sdi")
    assert len(articles) == 3
    first, second, third = articles
    assert first.title == "DramaBox hits 21.82M downloads in August & tops the chart"
    assert first.url == "https://shortdramainsider.example/2025/09/dramabox-august-downloads/#comments"
    assert first.canonical_url == "https://shortdramainsider.example/2025/09/dramabox-august-downloads"
    assert first.published_at == "2025-09-03T01:30:00Z"  # +08:00 → UTC
    assert first.publisher == "Short Drama Insider"
    assert first.summary.startswith("DramaBox recorded 21.82 million downloads in August 2025")
    assert first.guid == "tag:shortdramainsider.example,2025:post-1842"
    assert first.language == "en"
    assert second.title == "ReelShort earned $48.74 million in July"  # xhtml title
    assert second.published_at == "2025-08-12T16:00:00Z"  # no <published>: <updated>
    assert third.language == "zh-CN"
    assert third.canonical_url == "https://shortdramainsider.example/zh/2025/08/netshort-shortmax"
    assert third.summary == "九州ShortMax 与 NetShort 的月流水差距缩小。"


def test_industry_rss_feed():
    articles = feed(RSS)
    assert [a.published_at for a in articles] == [
        "2025-04-24T00:15:00Z", "2025-08-27T03:30:00Z", "2025-08-18T06:00:00Z"]  # +0800, -0500, GMT
    first = articles[0]
    assert (first.publisher, first.publisher_url) == ("Mobile Entertainment Weekly", "https://mew.example.com")
    assert first.canonical_url == "https://mew.example.com/2025/04/short-drama-q1-2025"
    assert first.language == "en-GB"
    assert first.summary.startswith("Consumers spent about $700M in short drama apps in Q1 2025")
    assert articles[1].canonical_url == "https://mew.example.com/2025/08/goodshort-flextv-latam?lang=en&page=2"
    assert articles[1].summary == "GoodShort & FlexTV are localising dramas into Spanish and Portuguese."
    assert articles[2].guid is None


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_unsafe_xml_refused_quickly(name):
    start = time.perf_counter()
    with pytest.raises(ParseError) as err:
        parse_news_feed((NEWS / name).read_bytes())
    assert time.perf_counter() - start < 10.0  # refused in ms; expanding the bomb would take far longer
    assert str(err.value).startswith("news-feed: ") and "\n" not in str(err.value)


@pytest.mark.parametrize("body, needle", [
    ((NEWS / "malformed.xml").read_bytes(), "malformed XML"),
    (b"", "empty"),
    (b"<html><body>not a feed</body></html>", "not an RSS or Atom document"),
    (b"<rss version='2.0'></rss>", "without <channel>"),
    (b"<rss><channel><item><title>x</title></item></channel></rss>", "item 1 has no link"),
    (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>x</title></entry></feed>", "entry 1 has no link"),
])
def test_bad_feeds_raise_parse_error(body, needle):
    with pytest.raises(ParseError) as err:
        parse_news_feed(body)
    assert err.value.source == "news-feed" and needle in str(err.value)


def test_missing_title_is_empty_and_permalink_guid_is_a_link():
    body = (b"<rss><channel><item><guid>https://example.com/story</guid><pubDate>garbage</pubDate></item>"
            b"</channel></rss>")
    [article] = parse_news_feed(body)
    assert (article.title, article.url, article.published_at) == ("", "https://example.com/story", None)


def test_empty_channel_is_no_articles():
    assert parse_news_feed(b"<rss version='2.0'><channel><title>t</title></channel></rss>") == []


# --- canonical URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://WWW.Example.COM/a/b/?utm_source=x&utm_medium=rss&id=3#frag", "https://www.example.com/a/b?id=3"),
    ("https://example.com:443/x?b=2&a=1&fbclid=abc&gclid=1&oc=5", "https://example.com/x?a=1&b=2"),
    ("http://example.com:80", "http://example.com/"),
    ("http://example.com:8080/", "http://example.com:8080/"),
    ("https://example.com/p?ref=home&ref_src=twsrc&spm=a.b&ocid=x&cmpid=y&_ga=1&ved=2&usg=3&ei=4&mc_cid=5"
     "&mc_eid=6&igshid=7&page=2", "https://example.com/p?page=2"),
    ("https://example.com/search?q=short%20drama", "https://example.com/search?q=short%20drama"),
    ("not a url", "not a url"),
    ("http://[::1", "http://[::1"),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_redirect_url_parameter_is_the_target():
    from transforms.news_feed import target_url

    link = "https://news.google.com/rss/articles/x?url=https://www.example.com/story/?utm_source=gn&oc=5"
    assert target_url(link) == "https://www.example.com/story"


# --- dedupe --------------------------------------------------------------------------------------------


def test_same_story_via_two_queries_is_one():
    a, b = feed(EN_FEED, source_feed="q1"), feed(EN_FEED_2, source_feed="q2")
    deduped = dedupe_articles(a + b)
    techcrunch = [x for x in deduped if "techcrunch.com" in x.canonical_url]
    assert len(techcrunch) == 1
    # The Yahoo syndication (near-identical title, hours later) is the same story; the earliest is kept.
    assert not any("yahoo" in x.canonical_url for x in deduped)
    assert len(deduped) == len(a) + 1  # only the Nikkei story is new
    assert deduped == sorted(deduped, key=lambda x: x.published_at)


def test_chinese_near_duplicate_titles_merge():
    deduped = dedupe_articles(feed(ZH_FEED))
    assert len(deduped) == 4
    kept = [x for x in deduped if "1.2亿次" in x.title]
    assert [x.publisher for x in kept] == ["澎湃新闻"]  # earlier of the two


def test_same_title_far_apart_in_time_is_two():
    first = feed(EN_FEED)[1]
    later = dataclasses.replace(first, url="https://example.com/x", canonical_url="https://example.com/x",
                                published_at="2025-05-10T09:30:00Z")
    assert len(dedupe_articles([first, later])) == 2
    assert len(dedupe_articles([first, later], window_hours=24 * 30)) == 1


def test_similar_template_titles_about_different_facts_stay_apart():
    base = feed(EN_FEED)[2]
    other = dataclasses.replace(base, title="DramaBox ranked No. 3 in the UK top-free chart for the first time",
                                canonical_url="https://example.com/uk", url="https://example.com/uk")
    assert len(dedupe_articles([base, other])) == 2


def test_dedupe_is_deterministic():
    articles = feed(EN_FEED) + feed(EN_FEED_2) + feed(ZH_FEED) + feed(ATOM) + feed(RSS)
    expected = dedupe_articles(articles)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = articles[:]
        rng.shuffle(shuffled)
        assert dedupe_articles(shuffled) == expected


def test_dedupe_tie_keeps_smallest_canonical_url():
    base = feed(EN_FEED)[0]
    twin = dataclasses.replace(base, canonical_url="https://a.example/x", url="https://a.example/x")
    assert dedupe_articles([base, twin]) == [twin]


# --- mentions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, keys", [
    ("ReelShort tops the charts", ["reelshort"]),
    ("ReelShort's revenue and the REELSHORT app", ["reelshort"]),
    ("a reel short film festival", []),
    ("TheReelShortly", []),
    ("drama box sets are back; Drama Box is not", ["dramabox"]),
    ("短剧应用ReelShort在美国走红", ["reelshort"]),
    ("红果免费短剧和点众DramaBox", ["hongguo", "dramabox"]),
    ("kalos tv vs Kalos TV and kalostv", ["kalostv"]),
])
def test_mentions_word_boundaries(text, keys):
    article = Article("u", "u", text, None, None, None, None, "", "", None)
    assert [m.app_key for m in find_mentions(article, APPS)] == keys


def test_mentions_per_field():
    matcher = build_matcher(APPS)
    [article] = [a for a in feed(ATOM) if a.language == "zh-CN"]
    found = [(m.app_key, m.matched, m.field) for m in find_mentions(article, matcher, text="NetShort again")]
    assert found == [("netshort", "NetShort", "title"), ("shortmax", "ShortMax", "title"),
                     ("shortmax", "九州ShortMax", "summary"), ("netshort", "NetShort", "summary"),
                     ("netshort", "NetShort", "text")]
    assert all(m.canonical_url == article.canonical_url for m in find_mentions(article, matcher))


def test_mentions_with_catalog():
    from dramatrack.catalog import load_catalog
    from dramatrack.settings import get_settings

    apps = [(a.app_key, a.all_names()) for a in load_catalog(get_settings().catalog_path).apps]
    zh = feed(ZH_FEED)
    keys = {m.app_key for a in zh for m in find_mentions(a, apps)}
    assert {"reelshort", "dramabox", "hongguo"} <= keys
    melolo = [a for a in feed(RSS) if a.title.startswith("Melolo")][0]
    assert [m.app_key for m in find_mentions(melolo, apps)] == ["melolo"]  # not "Reel Short"


# --- metrics: the target cases -------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("ReelShort took 29% of US revenue in August 2025.",
     [("ReelShort", "market_share", 0.29, None, "2025-08")]),
    ("短剧应用下载量达1.2亿次", [(None, "downloads", 120000000, None, None)]),
    ("DramaBox recorded 21.82 million downloads in August 2025",
     [("DramaBox", "downloads", 21820000, None, "2025-08")]),
    ("市场规模达504.4亿元，同比增长154%", [(None, "market_size", 50440000000, "CNY", None)]),
    ("ReelShort earned about $48.74 million in July 2025",
     [("ReelShort", "revenue", 48740000, "USD", "2025-07")]),
    ("ReelShort and DramaBox together account for 45.68% of overseas revenue",
     [("ReelShort+DramaBox", "market_share", 0.4568, None, None)]),
    ("revenue was up 4.48% MoM", []),
    ("the platform has 80 episodes", []),
    ("66 apps generated $146M in Q1 2024", [(None, "revenue", 146000000, "USD", "2024-Q1")]),
    ("DramaBox ranked No. 1 in the US top-grossing chart", [("DramaBox", "rank", 1, None, None)]),
])
def test_target_sentences(text, expected):
    assert metrics(text) == expected


def test_value_types():
    [share] = extract_metrics("ReelShort took 29.13 percent of US revenue", apps=APPS)
    assert isinstance(share.value, float) and share.value == pytest.approx(0.2913)
    [money] = extract_metrics("ReelShort earned $48.745 million", apps=APPS)
    assert money.value == 48745000 and isinstance(money.value, int)
    [cents] = extract_metrics("ReelShort earned $1,234.567 from tips", apps=APPS)
    assert cents.value == 1234.57 and isinstance(cents.value, float)  # not whole: 2 dp
    assert metrics("Each user spent $12.35 on average") == []  # per-user spend is not revenue
    [rank] = extract_metrics("DramaBox ranked No. 1", apps=APPS)
    assert isinstance(rank.value, int) and rank.unit_text == "ranked No. 1"


@pytest.mark.parametrize("text, expected", [
    ("Short drama revenue reached $700M in Q1 2025.", [(None, "revenue", 700000000, "USD", "2025-Q1")]),
    ("Short drama spending hit US$1.2bn in H1 2025.", [(None, "revenue", 1200000000, "USD", "2025-H1")]),
    ("European market revenue was €3 million in 2024.", [(None, "revenue", 3000000, "EUR", "2024")]),
    ("Category downloads reached 120.1M in Aug 2025.", [(None, "downloads", 120100000, None, "2025-08")]),
    # Nobody's figure (no app, no market, no company named): dropped, not guessed to be the market's.
    ("Downloads reached 120.1M in Aug 2025.", []),
    ("短剧出海收入达12.5亿美元", [(None, "revenue", 1250000000, "USD", None)]),
    ("2025年8月，DramaBox下载量为3000万次", [("DramaBox", "downloads", 30000000, None, "2025-08")]),
    ("2025年第一季度，ReelShort内购收入1.3亿美元", [("ReelShort", "revenue", 130000000, "USD", "2025-Q1")]),
    ("红果短剧月活用户达1.58亿", [("Hongguo", "users", 158000000, None, None)]),
    ("ReelShort收入占全球市场29.13%", [("ReelShort", "market_share", 0.2913, None, None)]),
    ("点众DramaBox在美国登顶畅销榜", [("DramaBox", "rank", 1, None, None)]),
    ("ReelShort排名第二", [("ReelShort", "rank", 2, None, None)]),
    ("ReelShort and DramaBox earned $52M and $35M respectively in Q1 2024.",
     [("ReelShort", "revenue", 52000000, "USD", "2024-Q1"), ("DramaBox", "revenue", 35000000, "USD", "2024-Q1")]),
    ("DramaBox + ShortMax + ReelShort = 76% of downloads in 2024.",
     [("DramaBox+ShortMax+ReelShort", "market_share", 0.76, None, "2024")]),
    ("ReelShort's revenue rose from $36M in 2023 to $214M in 2024.",
     [("ReelShort", "revenue", 36000000, "USD", "2023"), ("ReelShort", "revenue", 214000000, "USD", "2024")]),
    ("ReelShort收入¥3000万", [("ReelShort", "revenue", 30000000, "CNY", None)]),
    ("ReelShort grossed ¥500 million in 2024", [("ReelShort", "revenue", 500000000, "JPY", "2024")]),
    # One country's figure (no geography field): dropped, however it is phrased.
    ("ReelShort收入占美国市场29.13%", []),
    ("ReelShort grossed ¥500 million in Japan", []),
    ("Downloads from ReelShort's biggest market, the US, fell from 825K in April to 476K in May.", []),
    ("The US contributed 60% of global revenue, followed by Japan (5%).", []),
    ("印度以 22.69% 的下载量占比蝉联全球第一，单季度下载量 1.38亿次。", []),
    ("US users spent $97 million on short drama apps in January 2025.",
     [(None, "revenue", 97000000, "USD", "2025-01")]),
    # Gaps, one day's figures, business units, rank lists, joint figures across clauses.
    ("ReelShort与DramaBox拉开近1000万美元的差距", []),
    ("ReelShort set a daily record with 326,000 new installs and $459,000 in net revenue.", []),
    ("Dianzhong Technology said the revenue of its overseas short-drama business exceeded 2 billion yuan.", []),
    ("DramaBox 与 ReelShort 分列 TOP 1、2", [("DramaBox", "rank", 1, None, None), ("ReelShort", "rank", 2, None, None)]),
    ("ReelShort与DramaBox构成第一梯队，收入总和超2亿美元",
     [("ReelShort+DramaBox", "revenue", 200000000, "USD", None)]),
    ("DramaBox became the #2 app in the US, and #1 in the Entertainment category.",
     [("DramaBox", "rank", 2, None, None), ("DramaBox", "rank", 1, None, None)]),
    ("全球短剧收入2025年上半年达15亿美元，较2024年上半年的5亿美元增长两倍。",
     [(None, "revenue", 1500000000, "USD", "2025-H1"), (None, "revenue", 500000000, "USD", "2024-H1")]),
])
def test_more_figures(text, expected):
    assert metrics(text) == expected


@pytest.mark.parametrize("text", [
    "同比增长154%", "环比增长12%", "Revenue grew 30% and saw an increase of 20%.", "Downloads rose 15% YoY.",
    "该剧共80集，平台共有298款应用，66家公司。", "In 2024 there were 66 companies and 3,000 titles.",
    "ReelShort raised $10 million in funding.", "The app costs $9.99 per week.", "It was founded in 2022.",
    "Revenue was up $5M year over year.", "ReelShort released 40 new series in 12 markets.",
    "ReelShort's share fell 3 percentage points.",
])
def test_not_metrics(text):
    assert metrics(text) == []


def test_periods_from_published_date_and_context():
    assert metrics("一季度ReelShort收入1.3亿美元", published_at="2025-05-02T00:00:00Z") == [
        ("ReelShort", "revenue", 130000000, "USD", "2025-Q1")]
    # "in December" read in January is last December.
    assert metrics("DramaBox recorded 5 million downloads in December.", published_at="2026-01-10T00:00:00Z") == [
        ("DramaBox", "downloads", 5000000, None, "2025-12")]
    # A year named in an earlier sentence carries over.
    assert metrics("2024年行业继续增长。上半年ReelShort收入2亿美元。")[-1][-1] == "2024-H1"
    assert metrics("一季度ReelShort收入1.3亿美元") == [("ReelShort", "revenue", 130000000, "USD", None)]


def test_market_wide_figure_after_an_app_clause_is_not_the_app():
    found = metrics("DramaBox recorded 21.82 million downloads, while total revenue reached $102M.")
    assert found == [("DramaBox", "downloads", 21820000, None, None), (None, "revenue", 102000000, "USD", None)]


def test_sentence_split():
    text = "ReelShort earned $48.74 million. DramaBox ranked No. 1 in the U.S. market.\n\n短剧火了。真的！"
    assert split_sentences(text) == ["ReelShort earned $48.74 million.", "DramaBox ranked No. 1 in the U.S. market.",
                                     "短剧火了。", "真的！"]


def test_article_fixtures():
    en = extract_metrics((NEWS / "article_en.txt").read_text(encoding="utf-8"), apps=APPS)
    got = {(m.app, m.metric, m.value, m.currency, m.period) for m in en}
    assert {("ReelShort", "market_share", 0.29, None, "2025-08"),
            ("DramaBox", "downloads", 21820000, None, "2025-08"),
            ("ReelShort", "revenue", 48740000, "USD", "2025-07"),
            ("ReelShort+DramaBox", "market_share", 0.4568, None, None),
            (None, "revenue", 146000000, "USD", "2024-Q1"),
            ("DramaBox", "rank", 1, None, None)} <= got
    assert not any(m.value in (66, 80, 0.0448, 4.48) for m in en)
    zh = extract_metrics((NEWS / "article_zh.txt").read_text(encoding="utf-8"), apps=APPS,
                         published_at="2025-09-02T00:00:00Z")
    got = {(m.app, m.metric, m.value, m.currency, m.period) for m in zh}
    assert {(None, "downloads", 120000000, None, "2025-08"),
            (None, "market_size", 50440000000, "CNY", "2025-H1"),
            ("ReelShort+DramaBox", "market_share", 0.4568, None, None),
            ("ReelShort", "revenue", 130000000, "USD", "2025-Q1"),
            ("DramaBox", "revenue", 120000000, "USD", "2025-Q1"),
            ("Hongguo", "users", 158000000, None, None)} <= got
    assert not any(m.value in (1.54, 298, 80) for m in zh)
    assert all(m.sentence and m.unit_text for m in zh)


# --- fuzzing -------------------------------------------------------------------------------------------

FEED_BODIES = [p.read_bytes() for p in FEEDS]


@st.composite
def mutated_feeds(draw):
    body = bytearray(draw(st.sampled_from(FEED_BODIES)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "cut_tag"]))
        at = draw(st.integers(0, max(0, len(body) - 1)))
        if op == "flip" and body:
            body[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del body[at:at + draw(st.integers(1, 64))]
        elif op == "insert":
            body[at:at] = draw(st.sampled_from([b"<", b">", b"&", b"&amp;", b"]]>", b"<item>", b"</item>",
                                                b"<link/>", b"\xff\xfe", b"<!DOCTYPE x>", b"&#0;", b"\x00"]))
        elif op == "truncate":
            del body[at:]
        elif op == "cut_tag":
            for tag in (b"<link>", b"<title>", b"<pubDate>", b"<source", b"<channel>", b"href="):
                if draw(st.booleans()):
                    body = bytearray(bytes(body).replace(tag, b"", 1))
    return bytes(body)


def _parse_or_parse_error(body: bytes) -> None:
    try:
        articles = parse_news_feed(body)
    except ParseError as err:
        assert "\n" not in str(err)
        return
    assert all(isinstance(a, Article) for a in articles)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_fuzz_feed_binary(body):
    _parse_or_parse_error(body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_feeds())
def test_fuzz_feed_mutated(body):
    _parse_or_parse_error(body)


FRAGMENTS = ["ReelShort", "DramaBox", " and ", "、", "和", " took ", "29%", "45.68%", " of US revenue", "$48.74 million",
             "US$1.2bn", "¥", "1.2亿", "3000万", "元", "美元", "次", " downloads", " users", "下载量", "收入", "占比",
             "市场规模", "同比增长", "154%", " up ", " MoM", "in August 2025", "Q1", " 2025", "2025年", "8月", "一季度",
             "上半年", "H1", "No. 1", "#1", "排名第一", "榜首", "ranked", " first", "80 episodes", "66 apps", "家",
             " respectively", "分别", ", ", "，", "。", ". ", "; ", "\n", "\n\n", " from ", " by ", "12,345,678",
             "9" * 40, "0.000001", "１２３", "％", "十亿", "万亿亿", "(", ")", "Q5", "13月", "H3", "第零名"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_metrics_random_text(text):
    for m in extract_metrics(text, apps=APPS, published_at="2025-09-01"):
        assert isinstance(m, ReportedMetric)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40), st.sampled_from([None, "2025-09-01T00:00:00Z", "x"]))
def test_fuzz_metrics_fragments(parts, published_at):
    for m in extract_metrics("".join(parts), apps=APPS, published_at=published_at):
        assert m.metric in ("downloads", "revenue", "market_share", "users", "market_size", "rank")
        assert isinstance(m.value, (int, float))
        json.dumps(dataclasses.asdict(m), ensure_ascii=False)


# --- CLI -----------------------------------------------------------------------------------------------

runner = CliRunner()


def run(*args: str):
    return runner.invoke(cli_app, ["parse", *args])


def test_cli_news_feed():
    result = run("news-feed", str(ZH_FEED), "--source-feed", "gnews:短剧 出海")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5
    assert records[0]["title"] == "短剧出海：ReelShort与DramaBox合计占海外收入45.68%"
    assert records[0]["source_feed"] == "gnews:短剧 出海"
    assert "短剧" in result.stdout  # ensure_ascii=False
    assert {"url", "canonical_url", "publisher", "publisher_url", "published_at", "language", "summary",
            "guid"} <= set(records[0])


def test_cli_news_feed_language_option(tmp_path):
    path = tmp_path / "no_language.xml"
    path.write_bytes(EN_FEED.read_bytes().replace(b"<language>en-US</language>", b""))
    result = run("news-feed", str(path), "--language", "en")
    assert result.exit_code == 0, result.stderr
    assert {json.loads(line)["language"] for line in result.stdout.splitlines()} == {"en"}


def test_cli_news_text():
    result = run("news-text", str(NEWS / "article_zh.txt"), "--published-at", "2025-09-02")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"app", "metric", "value", "currency", "period", "sentence", "unit_text"} <= set(records[0])
    assert {"app": None, "metric": "market_size", "value": 50440000000, "currency": "CNY", "period": "2025-H1"
            }.items() <= [r for r in records if r["metric"] == "market_size"][0].items()
    assert "亿" in result.stdout


@pytest.mark.parametrize("command, name, needle", [
    ("news-feed", "malformed.xml", "malformed XML"),
    ("news-feed", "billion_laughs.xml", "refused unsafe XML"),
    ("news-feed", "no_such_file.xml", "cannot read file"),
    ("news-text", "no_such_file.txt", "cannot read file"),
])
def test_cli_errors_one_line(command, name, needle):
    path = NEWS / name
    result = run(command, str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{command}: {path}: ") and needle in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_news_text_not_utf8(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("ReelShort a gagné 5 millions".encode("latin-1"))
    result = run("news-text", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"news-text: {path}: not UTF-8 text (byte 16)"]
