"""Stage step of a news batch: every archived search and feed → one article per story, its app mentions and the
figures it reports.

One batch is one edition's day (``news:<date>:en-US``). Each search or feed response is an *item*: one that
was not fetched (``item_errors``), is an HTML page, or does not parse (an entity bomb, a truncated document)
fails alone, with a one-line reason, and nothing of it is staged; the other feeds stage. Articles of all good
responses are deduplicated across the day's searches and feeds (``transforms.news_dedupe``: same canonical URL,
or near-identical titles within 72 hours); a story keeps its earliest delivery and gathers the mentions and
figures of every delivery. Every record carries the item its story came from, so validation can quarantine
that feed alone (``news_frames`` / ``drop_news_items``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from dramatrack.catalog import Catalog
from dramatrack.pipeline.staged import StagedBatch, archived_responses, item_batch_id
from extractors.batches import BatchManifest
from extractors.news import FEED, GNEWS, item_id
from transforms.errors import ParseError
from transforms.news_dedupe import dedupe_articles, normalize_title, title_similarity, title_tokens
from transforms.news_feed import parse_news_feed
from transforms.news_mentions import AppMatcher, build_matcher, find_mentions
from transforms.news_metrics import extract_metrics
from transforms.news_records import Article, ReportedMetric
from transforms.records import to_dict

NEWS = "news"
DEDUPE_WINDOW_HOURS = 72
DEDUPE_THRESHOLD = 0.85
MARKET = "market"  # subject_key of a market-wide figure


@dataclass(frozen=True, slots=True)
class NewsArticleRow:
    """One story of the batch (the earliest delivery of it), as staged and loaded into core.news_articles."""

    canonical_url: str
    url: str
    title: str
    publisher: str | None
    publisher_url: str | None
    published_at: str | None  # ISO UTC, or None when the feed's date was unreadable
    language: str | None  # as the feed declares it, else the edition's (en-US, zh-CN, en-GB...)
    lang: str | None  # primary language subtag: en, zh
    summary: str
    source_feed: str  # label of the delivery kept: gnews:<edition>:<query> or feed:<url>
    guid: str | None
    edition: str
    item: str  # item id (search or feed) of the delivery kept
    fetched_at: str  # when that response was served (its Date header, else fetch time; ISO UTC)
    deliveries: int  # feed items of the batch that carried the story
    source_feeds: str  # JSON list of the labels of every delivery, sorted


@dataclass(frozen=True, slots=True)
class NewsMentionRow:
    """A tracked app named in one field of one story (any of its deliveries)."""

    canonical_url: str
    app_key: str
    field: str  # title | summary
    matched: str
    item: str


@dataclass(frozen=True, slots=True)
class NewsMetricRow:
    """One figure a story reports (deduplicated across its deliveries by figure_key)."""

    canonical_url: str
    figure_key: str  # subject|metric|value|currency|period
    subject: str  # app | apps (a shared figure) | market
    subject_key: str  # app_key, app keys joined with '+', or 'market'
    app_key: str | None  # the app when subject = app
    app_name: str | None  # catalog display name(s) as the extractor gives them
    metric: str
    value: float
    currency: str | None
    period: str | None
    sentence: str
    unit_text: str
    item: str
    source_text: str = ""  # the headline and summary the figure was read from (whitespace collapsed)
    rejected_reason: str | None = None  # set by the plausibility suite: loaded into core.reported_metrics_rejected


# --- feed responses ------------------------------------------------------------------------------------


def check_feed_response(body: bytes, content_type: str | None) -> None:
    """Raise ``ParseError`` for a response that is an HTML page rather than a feed (a login wall, an error
    page, a consent screen), before the XML parser gives a vaguer reason."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    looks_html = head.startswith((b"<!doctype html", b"<html")) or (
        ctype in ("text/html", "application/xhtml+xml") and not head.startswith(b"<?xml")
        and b"<rss" not in head and b"<feed" not in head and b"<rdf" not in head)
    if looks_html:
        raise ParseError("news-feed", f"an HTML page, not an RSS/Atom feed (Content-Type {ctype or 'missing'})")


def parse_feed_response(body: bytes, content_type: str | None, *, source_feed: str, language: str | None
                        ) -> list[Article]:
    """The articles of one archived feed response; ``ParseError`` with a clear one-line reason otherwise."""
    check_feed_response(body, content_type)
    try:
        return parse_news_feed(body, source_feed=source_feed, language=language)
    except ParseError as exc:
        reason = exc.reason
        if reason.startswith("refused unsafe XML"):
            reason += ": the document declares a DTD or entities (entity-expansion bomb or external entity)"
        elif reason.startswith("malformed XML"):
            reason += ": the document is truncated or not well-formed XML"
        raise ParseError(exc.source, reason, field=exc.field) from None


# --- stories -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Delivery:
    article: Article
    item: str
    fetched_at: str


def _when(article: Article) -> datetime | None:
    try:
        return datetime.fromisoformat(article.published_at) if article.published_at else None
    except ValueError:
        return None


def group_stories(articles: list[Article], *, window_hours: int = DEDUPE_WINDOW_HOURS,
                  threshold: float = DEDUPE_THRESHOLD) -> list[tuple[Article, list[Article]]]:
    """``dedupe_articles`` with its duplicates: (kept article, every article of its story, kept first).

    A dropped article joins the kept article with its canonical URL, else the most similar kept title
    published within the window (the dedupe rule), else the story of an earlier dropped article with its URL.
    """
    kept = dedupe_articles(articles, window_hours=window_hours, threshold=threshold)
    kept_ids = {id(a) for a in kept}
    stories: dict[int, list[Article]] = {id(a): [a] for a in kept}
    by_url: dict[str, int] = {}
    for a in kept:
        by_url.setdefault(a.canonical_url, id(a))
    tokens = {id(a): title_tokens(normalize_title(a.title, a.publisher)) for a in kept}
    pending = [a for a in articles if id(a) not in kept_ids]
    while pending:
        rest = []
        for article in pending:
            target = by_url.get(article.canonical_url)
            if target is None:
                target = _most_similar(article, kept, tokens, window_hours, threshold)
            if target is None:
                rest.append(article)
                continue
            stories[target].append(article)
            by_url.setdefault(article.canonical_url, target)
        if len(rest) == len(pending):
            break  # not attributable (cannot happen with dedupe_articles' rules); left out
        pending = rest
    return [(a, stories[id(a)]) for a in kept]


def _most_similar(article: Article, kept: list[Article], tokens: dict[int, list[str]], window_hours: int,
                  threshold: float) -> int | None:
    when = _when(article)
    if when is None:
        return None
    mine = title_tokens(normalize_title(article.title, article.publisher))
    best: tuple[float, int] | None = None
    for other in kept:
        other_when = _when(other)
        if other_when is None or abs((when - other_when).total_seconds()) > window_hours * 3600:
            continue
        score = title_similarity(mine, tokens[id(other)])
        if score >= threshold and (best is None or score > best[0]):
            best = (score, id(other))
    return best[1] if best else None


def _is_google_link(url: str) -> bool:
    return urlsplit(url).hostname in ("news.google.com", "news.url.google.com")


def representative(kept: Article, versions: list[Article]) -> Article:
    """The delivery a story is recorded as: the one ``dedupe_articles`` kept, unless its URL is an opaque Google
    News link and another delivery names the publisher's page; then the earliest such delivery."""
    if not _is_google_link(kept.canonical_url):
        return kept
    direct = [v for v in versions if not _is_google_link(v.canonical_url)]
    if not direct:
        return kept
    latest = datetime.max.replace(tzinfo=UTC)
    return min(direct, key=lambda v: (_when(v) or latest, v.canonical_url, v.url, v.source_feed))


def _figure_text(article: Article) -> str:
    """Headline, then the summary unless it only repeats the headline (Google News: headline + publisher)."""
    summary = article.summary or ""
    if not summary or summary.startswith(article.title):
        return article.title
    return f"{article.title}\n\n{summary}"


def _subject(metric: ReportedMetric, keys_by_name: dict[str, str]) -> tuple[str, str, str | None]:
    if metric.app is None:
        return MARKET, MARKET, None
    names = metric.app.split("+")
    keys = [keys_by_name.get(n, n) for n in names]
    if len(keys) == 1:
        return "app", keys[0], keys[0]
    return "apps", "+".join(keys), None


def story_records(kept: Article, versions: list[Article], matcher: AppMatcher, item: str
                  ) -> tuple[list[NewsMentionRow], list[NewsMetricRow]]:
    """Mentions and figures of one story, gathered over all its deliveries (first occurrence wins)."""
    url = kept.canonical_url
    mentions: dict[tuple[str, str], NewsMentionRow] = {}
    for version in versions:
        for m in find_mentions(version, matcher):
            mentions.setdefault((m.app_key, m.field), NewsMentionRow(url, m.app_key, m.field, m.matched, item))
    keys_by_name = {name: key for key, name in matcher.display_names.items()}
    figures: dict[str, NewsMetricRow] = {}
    for version in versions:
        text = _figure_text(version)
        for metric in extract_metrics(text, apps=matcher, published_at=version.published_at):
            subject, subject_key, app_key = _subject(metric, keys_by_name)
            value = float(metric.value)
            key = f"{subject_key}|{metric.metric}|{value!r}|{metric.currency or ''}|{metric.period or ''}"
            figures.setdefault(key, NewsMetricRow(
                canonical_url=url, figure_key=key, subject=subject, subject_key=subject_key, app_key=app_key,
                app_name=metric.app, metric=metric.metric, value=value, currency=metric.currency,
                period=metric.period, sentence=metric.sentence, unit_text=metric.unit_text, item=item,
                source_text=" ".join(text.split())))
    return list(mentions.values()), list(figures.values())


def _lang(language: str | None) -> str | None:
    if not language:
        return None
    return language.replace("_", "-").split("-", 1)[0].strip().lower() or None


def served_at(resp) -> datetime:
    """When the response was served: its ``Date`` header (archived, so a replay gives the same time), else
    when it was fetched."""
    value = resp.header("date")
    if value:
        try:
            when = parsedate_to_datetime(value)
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
        except (TypeError, ValueError, IndexError):
            pass
    return resp.fetched_at.astimezone(UTC)


def catalog_matcher(catalog: Catalog) -> AppMatcher:
    return build_matcher([(a.app_key, a.all_names()) for a in catalog.apps])


def stage_news_batch(manifest: BatchManifest, catalog: Catalog) -> StagedBatch:
    """Parse one news batch from its WARC file(s); a bad search or feed response fails only that item."""
    staged = StagedBatch(manifest=manifest, problems=list(manifest.fetch_errors))
    for item, error in manifest.item_errors:
        staged.item_problems.setdefault(item_batch_id(manifest.batch_id, item), []).append(error)
    deliveries: list[_Delivery] = []
    parsed_feeds = 0
    for resp in archived_responses(staged):
        tags = resp.tags
        kind = tags.get("kind")
        if kind not in (GNEWS, FEED):
            continue
        item = tags.get("item") or item_id(kind, tags.get("query") or resp.url)
        try:
            articles = parse_feed_response(resp.body, resp.header("content-type"),
                                           source_feed=tags.get("label") or resp.url,
                                           language=tags.get("language") or manifest.country)
        except ParseError as exc:
            staged.item_problems.setdefault(item_batch_id(manifest.batch_id, item), []).append(
                exc.with_location(resp.url).one_line())
            continue
        parsed_feeds += 1
        staged.parsed_items.append(item)
        fetched = served_at(resp).strftime("%Y-%m-%dT%H:%M:%SZ")
        deliveries += [_Delivery(a, item, fetched) for a in articles]
    if parsed_feeds and not deliveries:
        # Searches for tracked apps always list recent stories: all of them empty at once is a blocked or
        # changed source, not a quiet day (one empty search alone is normal and loads).
        staged.problems.append(f"news: edition {manifest.country}: every feed of the edition is empty "
                               f"({parsed_feeds} feeds)")

    by_article = {id(d.article): d for d in deliveries}
    matcher = catalog_matcher(catalog)
    used: set[str] = set()
    for kept, versions in group_stories([d.article for d in deliveries]):
        chosen = representative(kept, versions)
        kept = chosen if chosen.canonical_url not in used else kept
        used.add(kept.canonical_url)
        delivery = by_article[id(kept)]
        labels = sorted({v.source_feed for v in versions})
        staged.articles.append(NewsArticleRow(
            canonical_url=kept.canonical_url, url=kept.url, title=kept.title, publisher=kept.publisher,
            publisher_url=kept.publisher_url, published_at=kept.published_at, language=kept.language,
            lang=_lang(kept.language), summary=kept.summary, source_feed=kept.source_feed, guid=kept.guid,
            edition=manifest.country, item=delivery.item, fetched_at=delivery.fetched_at,
            deliveries=len(versions), source_feeds=json.dumps(labels, ensure_ascii=False)))
        mentions, metrics = story_records(kept, versions, matcher, delivery.item)
        staged.mentions += mentions
        staged.metrics += metrics
    return staged


# --- validation helpers (used by dramatrack.pipeline.validate_load) ---------------------------------------


def news_items(batch: StagedBatch) -> set[str]:
    """Item batch ids of the batch's searches and feeds that parsed (an empty one too: it loads, and resolves an
    earlier quarantine of the same item) and of its staged records (each may fail validation alone)."""
    return {item_batch_id(batch.batch_id, i) for i in batch.parsed_items} | {
        item_batch_id(batch.batch_id, r.item) for r in (*batch.articles, *batch.metrics)}


def _news_frame(staged: Iterable[StagedBatch], attr: str):
    import pandas as pd

    rows = []
    for batch in staged:
        for record in getattr(batch, attr):
            row = to_dict(record)
            row["batch_id"] = item_batch_id(batch.batch_id, record.item)
            row["batch"] = batch.batch_id
            rows.append(row)
    return pd.DataFrame(rows)


def news_frames(staged: list[StagedBatch]) -> list[tuple[str, object]]:
    """(suite name, frame) of the news records: articles and reported metrics, one row per record, with the
    item batch id as ``batch_id`` (a failure quarantines that search or feed) and the batch id as ``batch``."""
    from expectations.suites import NEWS_ARTICLES, REPORTED_METRICS

    news = [b for b in staged if b.manifest.source == NEWS]
    if not news:
        return []
    metrics = _news_frame(news, "metrics")
    if not metrics.empty:  # rejected figures were judged by the plausibility suite and load apart
        metrics = metrics[metrics["rejected_reason"].isna()].reset_index(drop=True)
    return [(NEWS_ARTICLES, _news_frame(news, "articles")), (REPORTED_METRICS, metrics)]


def drop_news_items(batch: StagedBatch, item_ids: set[str]) -> None:
    """Remove the records of failed items, so the batch loads without them."""
    if not item_ids:
        return

    def keep(record) -> bool:
        return item_batch_id(batch.batch_id, record.item) not in item_ids

    batch.articles = [r for r in batch.articles if keep(r)]
    batch.mentions = [r for r in batch.mentions if keep(r)]
    batch.metrics = [r for r in batch.metrics if keep(r)]
