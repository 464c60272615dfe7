"""The news source end to end: fetch plan, stage (dedupe, mentions, figures), validation, load, marts, DAGs.

* One story delivered by three feeds and two searches is one article with every app any delivery names.
* An entity bomb, a truncated feed and an HTML page each fail alone with a clear reason and load nothing;
  the batch's other feeds load. So do a feed with a future publish time and one in an unknown language.
* Loads are idempotent and order-independent; the marts hold share of voice and the latest figures in
  English and Chinese after a run through the Airflow DAGs on the sample capture.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import duckdb
import pytest

from dramatrack.catalog import load_catalog
from dramatrack.pipeline.stage import item_batch_id, stage_batch
from dramatrack.settings import Settings, get_settings
from extractors import news
from extractors.batches import BatchManifest
from extractors.warc_archive import WarcArchive
from sample_data.news_payloads import google_link
from warehouse.connection import connect
from warehouse.news_loader import load_news_batch

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "news"
DAY = date(2026, 11, 5)
FETCHED = datetime(2026, 11, 5, 6, 0, tzinfo=UTC)
CATALOG = load_catalog(Settings().catalog_path)
NEWS_TABLES = ("core.news_articles", "core.news_mentions", "core.reported_metrics")


# --- payload helpers -----------------------------------------------------------------------------------------


def rfc822(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def google_rss(items: list[dict], language: str = "en-US") -> bytes:
    """A Google News search result: "Headline - Publisher", redirect link, <source>, HTML description."""
    out = []
    for it in items:
        description = (f'<a href="{escape(it["link"])}" target="_blank">{escape(it["title"])}</a>&nbsp;&nbsp;'
                       f'<font color="#6f6f6f">{escape(it["publisher"])}</font>')
        out.append(f"<item><title>{escape(it['title'])} - {escape(it['publisher'])}</title>"
                   f"<link>{escape(it['link'])}</link><guid isPermaLink=\"false\">{escape(it['link'][-20:])}</guid>"
                   f"<pubDate>{rfc822(it['when'])}</pubDate><description>{escape(description)}</description>"
                   f"<source url=\"{escape(it['site'])}\">{escape(it['publisher'])}</source></item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Google News</title>'
            f"<link>https://news.google.com/</link><language>{language}</language>{''.join(out)}"
            "</channel></rss>").encode()


def industry_rss(title: str, site: str, items: list[dict], language: str = "en") -> bytes:
    out = [f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
           f"<pubDate>{rfc822(it['when'])}</pubDate><description>{escape(it.get('summary', ''))}</description></item>"
           for it in items]
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>{site}</link><language>{language}</language>{''.join(out)}</channel></rss>").encode()


def industry_atom(title: str, site: str, items: list[dict]) -> bytes:
    out = [f"<entry><title>{escape(it['title'])}</title><link rel=\"alternate\" href=\"{escape(it['link'])}\"/>"
           f"<id>{escape(it['link'])}</id><published>{it['when'].isoformat()}</published>"
           f"<summary type=\"html\">{escape(it.get('summary', ''))}</summary></entry>" for it in items]
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
            f"<title>{escape(title)}</title><link href=\"{site}\"/>{''.join(out)}</feed>").encode()


def gnews_response(query: str, body: bytes, edition: str = "en-US", content_type: str = "application/xml") -> dict:
    ed = news.parse_edition({"en-US": "en-US:US", "zh-CN": "zh-CN:CN"}[edition])
    return {"url": news.search_url("https://news.google.com", query, ed), "body": body, "content_type": content_type,
            "tags": {"source": "news", "kind": news.GNEWS, "edition": edition, "country": edition, "language": edition,
                     "query": query, "item": news.item_id(news.GNEWS, query), "label": f"gnews:{edition}:{query}"}}


def feed_response(url: str, body: bytes, edition: str = "en-US", content_type: str = "application/rss+xml") -> dict:
    return {"url": url, "body": body, "content_type": content_type,
            "tags": {"source": "news", "kind": news.FEED, "edition": edition, "country": edition, "language": edition,
                     "feed": url, "item": news.item_id(news.FEED, url.split("://", 1)[1]), "label": f"feed:{url}"}}


def write_batch(folder: Path, responses: list[dict], *, edition: str = "en-US", day: date = DAY,
                item_errors: tuple = ()) -> BatchManifest:
    path = folder / f"{edition}-{len(responses)}.warc.gz"
    with WarcArchive(path) as archive:
        for seq, r in enumerate(responses):
            archive.record(method="GET", url=r["url"], request_headers=[("User-Agent", "test")], request_body=None,
                           status=200, reason="OK", response_headers=[("Content-Type", r["content_type"])],
                           body=r["body"], fetched_at=FETCHED + timedelta(seconds=seq), tags=r["tags"])
    return BatchManifest(batch_id=f"news:{day}:{edition}", source="news", snapshot_date=day.isoformat(),
                         country=edition, warc_paths=(str(path),), responses=len(responses),
                         item_errors=tuple(item_errors))


def table_rows(conn, table: str) -> list[tuple]:
    return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


# --- one story, five deliveries ------------------------------------------------------------------------------

STORY_URL = "https://trade.example/2026/11/reelshort-dramabox-october-revenue"
STORY_TITLE = "ReelShort and DramaBox hit $150 million in October revenue"
STORY_AT = datetime(2026, 11, 4, 21, 0, tzinfo=UTC)


def five_deliveries() -> list[dict]:
    other = {"title": "Vertical video platforms court Hollywood writers", "publisher": "Screen Daily Example",
             "site": "https://screen.example", "link": google_link("https://screen.example/2026/11/writers"),
             "when": STORY_AT - timedelta(hours=5)}
    old_style = {"title": STORY_TITLE, "publisher": "Trade Example", "site": "https://trade.example",
                 "link": google_link(STORY_URL), "when": STORY_AT}
    opaque = {**old_style, "link": google_link(STORY_URL, opaque=True)}  # no URL inside: merged by title
    return [
        gnews_response('"ReelShort"', google_rss([old_style, other])),
        gnews_response('"DramaBox"', google_rss([opaque])),
        feed_response("https://digest.example/feed/", industry_rss("Industry Digest", "https://digest.example", [
            {"title": STORY_TITLE, "link": STORY_URL + "/?utm_source=rss&utm_medium=feed", "when": STORY_AT,
             "summary": "<p>ReelShort and DramaBox together earned $150 million in October 2026, while ShortMax "
                        "ranked No. 3 in the US top-grossing chart.</p>"},
            {"title": "Melolo expands into Brazil", "link": "https://digest.example/melolo-brazil",
             "when": STORY_AT - timedelta(hours=2), "summary": "Melolo launched Portuguese dubs."}])),
        feed_response("https://weekly.example/atom.xml", industry_atom("Weekly Example", "https://weekly.example", [
            {"title": STORY_TITLE, "link": STORY_URL + "#comments", "when": STORY_AT + timedelta(minutes=20),
             "summary": "NetShort was the other big mover of the month."}])),
        feed_response("https://syndicate.example/rss", industry_rss("Syndicate Example", "https://syndicate.example", [
            {"title": STORY_TITLE, "link": "https://syndicate.example/news/reelshort-dramabox-150m",
             "when": STORY_AT + timedelta(hours=3), "summary": "GoodShort and FlexTV trail the leaders."}])),
    ]


def test_one_story_from_three_feeds_and_two_queries_is_one_article_with_all_mentions(tmp_path):
    staged = stage_batch(write_batch(tmp_path, five_deliveries()), CATALOG)
    assert staged.problems == [] and staged.item_problems == {}
    story = [a for a in staged.articles if a.title == STORY_TITLE]
    assert len(story) == 1, [a.canonical_url for a in story]
    [article] = story
    assert article.canonical_url == STORY_URL  # old-style Google id decoded; utm and #comments dropped
    assert article.publisher == "Trade Example" and article.published_at == "2026-11-04T21:00:00Z"
    assert article.deliveries == 5
    assert len(json.loads(article.source_feeds)) == 5
    assert len(staged.articles) == 3  # the story, the Hollywood piece, the Melolo piece
    mentions = {(m.app_key, m.field) for m in staged.mentions if m.canonical_url == STORY_URL}
    assert mentions == {("reelshort", "title"), ("dramabox", "title"), ("reelshort", "summary"),
                        ("dramabox", "summary"), ("shortmax", "summary"), ("netshort", "summary"),
                        ("goodshort", "summary"), ("flextv", "summary")}
    figures = {(m.subject_key, m.metric, m.value) for m in staged.metrics if m.canonical_url == STORY_URL}
    assert ("reelshort+dramabox", "revenue", 150000000.0) in figures
    assert ("shortmax", "rank", 3.0) in figures
    assert sum(1 for m in staged.metrics if m.metric == "revenue" and m.canonical_url == STORY_URL) == 1


def test_staged_news_round_trips_through_the_staging_store(tmp_path):
    from dramatrack.pipeline.staging_store import load_staged, save_staged

    staged = stage_batch(write_batch(tmp_path, five_deliveries()), CATALOG)
    again = load_staged(save_staged(staged, tmp_path / "staging"))
    assert (again.articles, again.mentions, again.metrics) == (staged.articles, staged.mentions, staged.metrics)


# --- loads ---------------------------------------------------------------------------------------------------


def _load(conn, staged) -> dict:
    m = staged.manifest
    return load_news_batch(conn, batch_id=m.batch_id, source="news", snapshot_date=staged.snapshot_date,
                           country=m.country, articles=staged.articles, mentions=staged.mentions,
                           metrics=staged.metrics, fetch_log_rows=staged.fetch_log_rows)


def test_loads_are_idempotent_and_order_independent(tmp_path):
    day1 = stage_batch(write_batch(tmp_path / "d1", five_deliveries()), CATALOG)
    # The next day: the story again (another search), plus a new one.
    extra = {"title": "DramaBox recorded 21.8 million downloads in October 2026", "publisher": "Apps Example",
             "site": "https://apps.example", "link": google_link("https://apps.example/dramabox-october"),
             "when": STORY_AT + timedelta(days=1)}
    again = {"title": STORY_TITLE, "publisher": "Trade Example", "site": "https://trade.example",
             "link": google_link(STORY_URL), "when": STORY_AT}
    day2 = stage_batch(write_batch(tmp_path / "d2", [gnews_response('"DramaBox"', google_rss([again, extra]))],
                                   day=DAY + timedelta(days=1)), CATALOG)

    a = connect(":memory:")
    counts = _load(a, day1)
    assert counts["articles"] == 3 and counts["mentions"] >= 8 and counts["reported_metrics"] >= 2
    once = {t: table_rows(a, t) for t in NEWS_TABLES}
    _load(a, day1)
    assert {t: table_rows(a, t) for t in NEWS_TABLES} == once  # the same batch again: nothing changes
    _load(a, day2)
    _load(a, day1)

    b = connect(":memory:")
    _load(b, day2)
    _load(b, day1)
    assert {t: table_rows(a, t) for t in NEWS_TABLES} == {t: table_rows(b, t) for t in NEWS_TABLES}
    row = a.execute("SELECT first_batch_id, first_seen_date, last_seen_date, deliveries FROM core.news_articles "
                    "WHERE canonical_url = ?", [STORY_URL]).fetchone()
    assert row == (day1.batch_id, DAY, DAY + timedelta(days=1), 5)  # content from the first batch that saw it
    assert a.execute("SELECT count(*) FROM core.news_articles").fetchone()[0] == 4
    statuses = a.execute("SELECT status, count(*) FROM ops.load_batches WHERE source = 'news' GROUP BY 1").fetchall()
    assert statuses == [("loaded", 4)]
    a.close()
    b.close()


def test_news_tables_and_marts_are_commented():
    conn = connect(":memory:")
    tables = {f"{r[0]}.{r[1]}": r[2] for r in conn.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables()").fetchall()}
    ours = [*NEWS_TABLES, "marts.news_share_of_voice", "marts.reported_figures_latest"]
    assert all(tables[t] for t in ours)
    missing = conn.execute(
        "SELECT schema_name || '.' || table_name, column_name FROM duckdb_columns() "
        "WHERE schema_name || '.' || table_name IN (SELECT unnest($t)) AND (comment IS NULL OR comment = '')",
        {"t": ours}).fetchall()
    assert missing == []
    conn.close()


# --- bad feeds: each fails alone, the rest loads -------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_feeds_run(tmp_path_factory):
    """One edition's batch with two good feeds and five bad ones, through stage-validate-load."""
    from dramatrack.pipeline.validate_load import load_report, quarantine_message, stage_and_validate

    root = tmp_path_factory.mktemp("badfeeds")
    settings = Settings(data_dir=root / "data")
    good_a = {"title": "ShortMax earned $31 million in October 2026", "publisher": "Good Example",
              "site": "https://good.example", "link": google_link("https://good.example/shortmax-october"),
              "when": STORY_AT}
    good_b = {"title": "NetShort ranked No. 4 in the US top-grossing chart",
              "link": "https://digest.example/netshort-no-4", "when": STORY_AT,
              "summary": "NetShort ranked No. 4 in the US top-grossing chart."}
    truncated = google_rss([{"title": "FlexTV passes 9 million monthly active users", "publisher": "Cut Example",
                             "site": "https://cut.example", "link": google_link("https://cut.example/flextv"),
                             "when": STORY_AT}])
    future = {"title": "DramaWave earned $90 million in November 2026", "link": "https://future.example/dramawave",
              "when": FETCHED + timedelta(hours=30)}
    french = {"title": "ReelShort séduit les lecteurs", "link": "https://fr.example/reelshort", "when": STORY_AT}
    responses = [
        gnews_response('"ShortMax"', google_rss([good_a])),
        feed_response("https://digest.example/feed/", industry_rss("Industry Digest", "https://digest.example",
                                                                   [good_b])),
        gnews_response('"GoodShort"', (FIXTURES / "billion_laughs.xml").read_bytes()),
        gnews_response('"FlexTV"', truncated[: len(truncated) // 2]),
        gnews_response('"Melolo"', b"<!DOCTYPE html><html><head><title>Before you continue</title></head>"
                                   b"<body><form>consent</form></body></html>", content_type="text/html; charset=utf-8"),
        feed_response("https://future.example/rss", industry_rss("Future Example", "https://future.example", [future])),
        feed_response("https://fr.example/rss", industry_rss("Exemple", "https://fr.example", [french], language="fr")),
    ]
    manifest = write_batch(root, responses)
    report_path = stage_and_validate(settings, [manifest], "bad-feeds")
    summary = load_report(settings, report_path)
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        titles = sorted(r[0] for r in conn.execute("SELECT title FROM core.news_articles").fetchall())
        quarantine = dict(conn.execute("SELECT batch_id, failed_expectations FROM ops.quarantine "
                                       "WHERE status = 'open'").fetchall())
        figures = conn.execute("SELECT subject_key, metric, value FROM core.reported_metrics ORDER BY 1").fetchall()
    return {"manifest": manifest, "report": report, "summary": summary, "titles": titles, "quarantine": quarantine,
            "figures": figures, "message": quarantine_message(report_path)}


def _item(manifest: BatchManifest, query_or_url: str, kind: str = news.GNEWS) -> str:
    text = query_or_url if kind == news.GNEWS else query_or_url.split("://", 1)[1]
    return item_batch_id(manifest.batch_id, news.item_id(kind, text))


def test_bad_feeds_fail_alone_with_a_clear_reason(bad_feeds_run):
    manifest, report = bad_feeds_run["manifest"], bad_feeds_run["report"]
    entries = {e["batch_id"]: e for e in report["batches"]}
    assert entries[manifest.batch_id]["status"] == "passed"
    reasons = {b: " ".join(e for f in entries[b]["failures"] for e in f["examples"]) for b in entries
               if entries[b].get("parent") == manifest.batch_id}
    bomb, cut, html = _item(manifest, '"GoodShort"'), _item(manifest, '"FlexTV"'), _item(manifest, '"Melolo"')
    assert "refused unsafe XML" in reasons[bomb] and "entity" in reasons[bomb]
    assert "malformed XML" in reasons[cut] and "truncated" in reasons[cut]
    assert "an HTML page, not an RSS/Atom feed (Content-Type text/html)" in reasons[html]
    for item in (bomb, cut, html):
        assert reasons[item].count("\n") == 0 and "news.google.com/rss/search" in reasons[item]  # one line, URL
    assert bad_feeds_run["summary"]["loaded_batches"] == [manifest.batch_id]


def test_validation_quarantines_a_future_dated_or_unknown_language_feed_alone(bad_feeds_run):
    manifest, quarantine = bad_feeds_run["manifest"], bad_feeds_run["quarantine"]
    future = _item(manifest, "https://future.example/rss", news.FEED)
    french = _item(manifest, "https://fr.example/rss", news.FEED)
    failed = {b: {f["column"] for f in json.loads(v)} for b, v in quarantine.items()}
    assert "future_hours" in failed[future]
    assert "lang" in failed[french]
    assert set(failed) == {future, french, _item(manifest, '"GoodShort"'), _item(manifest, '"FlexTV"'),
                           _item(manifest, '"Melolo"')}
    assert manifest.batch_id not in failed
    assert "quarantined" in bad_feeds_run["message"]


def test_only_the_good_feeds_load(bad_feeds_run):
    assert bad_feeds_run["titles"] == ["NetShort ranked No. 4 in the US top-grossing chart",
                                       "ShortMax earned $31 million in October 2026"]
    assert bad_feeds_run["figures"] == [("netshort", "rank", 4.0), ("shortmax", "revenue", 31000000.0)]


def test_reported_metrics_suite_checks_shares_values_and_periods(tmp_path):
    import pandas as pd

    from expectations.runner import validate_frame
    from expectations.suites import REPORTED_METRICS

    base = {"canonical_url": "https://x.example/a", "subject": "app", "subject_key": "reelshort", "app_key": "reelshort",
            "app_name": "ReelShort", "currency": None, "period": "2026-10", "sentence": "s", "unit_text": "u",
            "item": "q-x", "batch": "news:2026-11-05:en-US"}
    rows = [
        {**base, "figure_key": "a", "metric": "market_share", "value": 0.4, "batch_id": "b:ok"},
        {**base, "figure_key": "b", "metric": "market_share", "value": 1.5, "batch_id": "b:share"},
        {**base, "figure_key": "c", "metric": "revenue", "value": -3.0, "currency": "USD", "batch_id": "b:neg"},
        {**base, "figure_key": "d", "metric": "downloads", "value": 10.0, "period": "October", "batch_id": "b:period"},
    ]
    outcome = validate_frame(REPORTED_METRICS, pd.DataFrame(rows), settings=Settings(data_dir=tmp_path),
                             build_docs=False)
    assert outcome.passed_batches == ["b:ok"]
    assert set(outcome.failed_batches) == {"b:share", "b:neg", "b:period"}
    assert {f.column for f in outcome.failed_batches["b:period"]} == {"period"}


# --- fetch plan and ingest -----------------------------------------------------------------------------------


def test_fetch_plan_searches_every_app_and_topic_per_edition():
    settings = Settings()
    en, zh = news.editions(settings)
    assert (en.code, zh.code) == ("en-US", "zh-CN")
    assert news.search_url(settings.news_base_url, '"ReelShort"', en) == (
        "https://news.google.com/rss/search?q=%22ReelShort%22&hl=en-US&gl=US&ceid=US:en")
    assert news.search_url(settings.news_base_url, "短剧 出海", zh).endswith("&hl=zh-CN&gl=CN&ceid=CN:zh-Hans")
    en_requests, zh_requests = (news.news_requests(settings, CATALOG, e) for e in (en, zh))
    en_queries = [r.tags["query"] for r in en_requests if r.tags["kind"] == news.GNEWS]
    zh_queries = [r.tags["query"] for r in zh_requests if r.tags["kind"] == news.GNEWS]
    assert {f'"{a.name}"' for a in CATALOG.apps} <= set(en_queries) & set(zh_queries)
    assert {"short drama app", "micro drama", "vertical drama"} <= set(en_queries)
    assert {"短剧 出海", "微短剧 海外", "短剧 APP", "红果短剧"} <= set(zh_queries)
    assert "短剧 出海" not in en_queries and "micro drama" not in zh_queries
    assert [r.url for r in en_requests if r.tags["kind"] == news.FEED] == ["https://www.businessofapps.com/feed/"]
    assert [r.url for r in zh_requests if r.tags["kind"] == news.FEED] == ["https://36kr.com/feed"]
    for requests in (en_requests, zh_requests):
        assert len({r.tags["item"] for r in requests}) == len(requests)
    assert {"www.businessofapps.com", "36kr.com"} <= settings.all_allowed_hosts()


def test_settings_reject_a_malformed_edition():
    with pytest.raises(ValueError):
        Settings(news_editions=["english"])
    assert Settings(news_editions="en-GB:GB,zh-TW:TW").news_editions == ["en-GB:GB", "zh-TW:TW"]
    assert news.parse_edition("zh-TW:TW").ceid_language == "zh-Hant"


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    from sample_data.generate_capture import generate

    out = tmp_path_factory.mktemp("capture")
    generate(out, date(2026, 11, 1), 2, ["us"], settings=Settings(), sources=("news",))
    return out


def test_sample_capture_has_news_for_each_day_and_edition(capture):
    for day in ("2026-11-01", "2026-11-02"):
        assert sorted(p.name for p in (capture / "news" / day).glob("*.warc.gz")) == ["en-US.warc.gz", "zh-CN.warc.gz"]


def test_ingest_replays_the_capture_and_a_missing_feed_fails_only_itself(capture, tmp_path):
    from dramatrack.pipeline.ingest import ingest

    settings = Settings(data_dir=tmp_path, news_feeds=[*Settings().news_feeds, "https://gone.example/feed.xml"])
    manifests = ingest(settings, "news", date(2026, 11, 2), ["us"], replay=capture)
    by_edition = {m.country: m for m in manifests}
    assert set(by_edition) == {"en-US", "zh-CN"}
    en = by_edition["en-US"]
    assert en.fetch_errors == ()
    assert [item for item, _ in en.item_errors] == ["feed-gone.example-feed.xml"]
    assert "not in the replay archive" in en.item_errors[0][1]
    assert by_edition["zh-CN"].item_errors == ()
    staged = stage_batch(en, CATALOG)
    assert staged.articles and staged.mentions and staged.metrics
    assert list(staged.item_problems) == [item_batch_id(en.batch_id, "feed-gone.example-feed.xml")]


# --- through Airflow: the DAGs on the sample capture ---------------------------------------------------------


@pytest.fixture(scope="module")
def news_chain(tmp_path_factory, airflow_db, capture):
    data_dir = tmp_path_factory.mktemp("newsdata")
    os.environ["DRAMATRACK_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    settings = get_settings()
    from dramatrack_cli.run_cmd import SOURCES, run_days

    assert SOURCES["news"] == "news_ingest"
    results = run_days([date(2026, 11, 1), date(2026, 11, 2)], ["news"], None, capture, echo=lambda *_: None)
    yield {"settings": settings, "results": results}
    del os.environ["DRAMATRACK_DATA_DIR"]
    get_settings.cache_clear()


def test_news_chain_runs_through_the_dags(news_chain):
    states = {}
    for r in news_chain["results"]:
        states.setdefault(r.dag_id, []).append(r.state)
    assert states["news_ingest"] == ["success", "success"]
    assert states["stage_validate_load"] == ["success", "success"]
    assert states["marts_build"] == ["success", "success"]


def test_share_of_voice_and_latest_figures_in_both_languages(news_chain):
    settings = news_chain["settings"]
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as conn:
        sums = conn.execute("SELECT week_start, lang, sum(share_of_voice), count(*) FROM marts.news_share_of_voice "
                            "GROUP BY ALL").fetchall()
        ranks = conn.execute("SELECT count(*) FROM marts.news_share_of_voice WHERE voice_rank = 1 "
                             "GROUP BY week_start, lang").fetchall()
        figures = conn.execute("SELECT lang, count(*), count(DISTINCT metric) FROM marts.reported_figures_latest "
                               "GROUP BY 1 ORDER BY 1").fetchall()
        sample = conn.execute("SELECT sentence, canonical_url, title FROM marts.reported_figures_latest").fetchall()
        batches = conn.execute("SELECT batch_id, status FROM ops.load_batches WHERE source = 'news' "
                               "ORDER BY 1").fetchall()
    assert {lang for _, lang, _, _ in sums} == {"en", "zh"}
    assert all(abs(total - 1) < 1e-9 for _, _, total, _ in sums)
    assert all(n == 1 for (n,) in ranks)
    assert [lang for lang, _, _ in figures] == ["en", "zh"] and all(n >= 3 for _, n, _ in figures)
    assert all(s and url and title for s, url, title in sample)
    assert batches == [(f"news:2026-11-0{d}:{e}", "loaded") for d in (1, 2) for e in ("en-US", "zh-CN")]


def test_running_a_news_day_again_changes_nothing(news_chain, capture):
    from dramatrack_cli.run_cmd import run_days

    tables = [*NEWS_TABLES, "marts.news_share_of_voice", "marts.reported_figures_latest"]

    def contents() -> dict:
        with duckdb.connect(str(news_chain["settings"].warehouse_path), read_only=True) as conn:
            return {t: table_rows(conn, t) for t in tables}

    before = contents()
    results = run_days([date(2026, 11, 2)], ["news"], None, capture, echo=lambda *_: None)
    assert all(r.state == "success" for r in results)
    assert contents() == before


# --- real-text noise and the plausibility of reported figures (issue 14) --------------------------------------


def test_citation_list_markers_and_followers_in_a_summary_give_no_figure(tmp_path):
    """A feed item as trade press writes it: a citation mark, list markers and a follower count. Only the
    figure the summary really reports comes out; "[3]", "1)", "2)" and the followers give nothing."""
    item = {"title": "What the short drama charts said this week", "link": "https://digest.example/week-45",
            "when": STORY_AT,
            "summary": "<p>Highlights: 1) ReelShort earned $48 million in October 2026 [3]; 2) DramaBox's TikTok "
                       "account passed 12 million followers; 3) NetShort added Spanish dubs [4].</p>"}
    staged = stage_batch(write_batch(tmp_path, [feed_response("https://digest.example/feed/", industry_rss(
        "Industry Digest", "https://digest.example", [item]))]), CATALOG)
    assert staged.problems == [] and staged.item_problems == {}
    assert [a.canonical_url for a in staged.articles] == ["https://digest.example/week-45"]
    figures = [(m.subject_key, m.metric, m.value, m.currency, m.period) for m in staged.metrics]
    assert figures == [("reelshort", "revenue", 48000000.0, "USD", "2026-10")]


@pytest.fixture(scope="module")
def implausible_run(tmp_path_factory):
    """Stories whose figures are implausible, through stage-validate-load and the marts."""
    from dramatrack.pipeline.validate_load import load_report, stage_and_validate
    from warehouse.marts import build_marts

    root = tmp_path_factory.mktemp("implausible")
    settings = Settings(data_dir=root / "data")
    stories = [
        ("https://odd.example/shortmax-500", "ShortMax earned $500 in October 2026"),  # below the floor
        ("https://odd.example/reelshort-share", "ReelShort took a 150% share of US revenue in October 2026"),
        ("https://odd.example/netshort-rank", "NetShort ranked No. 900 in the US top-grossing chart"),
        ("https://odd.example/dramabox-users", "DramaBox reached 9 billion monthly active users in 2026"),
        ("https://odd.example/goodshort-ok", "GoodShort earned $12 million in October 2026"),  # plausible
    ]
    items = [{"title": title, "link": url, "when": STORY_AT} for url, title in stories]
    manifest = write_batch(root, [feed_response("https://odd.example/rss", industry_rss(
        "Odd Example", "https://odd.example", items))])
    report_path = stage_and_validate(settings, [manifest], "implausible")
    load_report(settings, report_path)
    with connect(settings.warehouse_path) as conn:
        build_marts(conn)
        out = {
            "articles": sorted(r[0] for r in conn.execute("SELECT canonical_url FROM core.news_articles").fetchall()),
            "passed": conn.execute("SELECT subject_key, metric, value FROM core.reported_metrics").fetchall(),
            "rejected": dict(((s, m), r) for s, m, r in conn.execute(
                "SELECT subject_key, metric, reason FROM core.reported_metrics_rejected").fetchall()),
            "mart": conn.execute("SELECT subject_key, metric, value FROM marts.reported_figures_latest").fetchall(),
            "batches": conn.execute("SELECT status FROM ops.load_batches WHERE source = 'news'").fetchall(),
        }
    return out


def test_implausible_figures_are_rejected_with_their_reason_and_the_articles_load(implausible_run):
    assert len(implausible_run["articles"]) == 5  # every story loads, whatever its figures
    assert implausible_run["batches"] == [("loaded",)]
    assert implausible_run["rejected"] == {
        ("shortmax", "revenue"): "revenue or download figure below the floor",
        ("reelshort", "market_share"): "market share above 1",
        ("netshort", "rank"): "rank above the maximum",
        ("dramabox", "users"): "user count above the world's internet population",
    }
    assert implausible_run["passed"] == [("goodshort", "revenue", 12000000.0)]
    assert implausible_run["mart"] == [("goodshort", "revenue", 12000000.0)]


def test_a_figure_whose_sentence_is_not_in_its_article_is_rejected(tmp_path):
    from dataclasses import replace

    from dramatrack.pipeline.figure_checks import reject_implausible_figures

    staged = stage_batch(write_batch(tmp_path, five_deliveries()), CATALOG)
    [first, *rest] = staged.metrics
    staged.metrics = [replace(first, sentence="A sentence the story never printed."), *rest]
    reasons = reject_implausible_figures(Settings(data_dir=tmp_path / "data", reported_figure_floor=1000), [staged])
    assert list(reasons.values()) == ["sentence not in the article"]
    assert [m.rejected_reason for m in staged.metrics] == ["sentence not in the article"] + [None] * len(rest)


def test_the_floor_is_a_setting(tmp_path):
    from dramatrack.pipeline.figure_checks import reject_implausible_figures

    staged = stage_batch(write_batch(tmp_path, five_deliveries()), CATALOG)
    assert reject_implausible_figures(Settings(data_dir=tmp_path / "data"), [staged]) == {}
    reasons = reject_implausible_figures(Settings(data_dir=tmp_path / "data", reported_figure_floor=1e9), [staged])
    revenue = [m for m in staged.metrics if m.metric == "revenue"]
    assert revenue and all(m.rejected_reason == "revenue or download figure below the floor" for m in revenue)
    assert len(reasons) == len(revenue)


def test_every_latest_figure_of_the_sample_capture_passes_the_plausibility_suite(news_chain):
    """The demo's code path on the sample news capture: marts.reported_figures_latest holds only plausible
    figures (each checked again here against its story's text)."""
    import pandas as pd

    from expectations.runner import validate_frame
    from expectations.suites import REPORTED_FIGURES_PLAUSIBLE

    settings = news_chain["settings"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        frame = conn.execute(
            "SELECT f.*, f.subject_key || '|' || f.metric || '|' || f.lang AS figure_id, "
            # the story's text as every delivery that reported a figure of it gave it
            "(SELECT string_agg(DISTINCT r.source_text, '\n') FROM core.reported_metrics AS r "
            " WHERE r.canonical_url = f.canonical_url) AS source_text "
            "FROM marts.reported_figures_latest AS f").fetchdf()
        unexplained = conn.execute("SELECT count(*) FROM core.reported_metrics_rejected "
                                   "WHERE reason IS NULL OR reason = ''").fetchone()[0]
    assert len(frame) >= 6
    outcome = validate_frame(REPORTED_FIGURES_PLAUSIBLE, pd.DataFrame(frame), settings=settings,
                             batch_column="figure_id", build_docs=False)
    assert outcome.failed_batches == {} and len(outcome.passed_batches) == len(frame)
    assert unexplained == 0  # the analyst's table of rejected figures: every one says why
