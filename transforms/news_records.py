"""Typed records of the news transforms: articles, app mentions and figures the press reports."""

from __future__ import annotations

from dataclasses import dataclass

MENTION_FIELDS = ("title", "summary", "text")
METRICS = ("downloads", "revenue", "market_share", "users", "market_size", "rank")


@dataclass(frozen=True, slots=True)
class Article:
    """One news item of one feed (Google News RSS, an industry RSS 2.0 or Atom feed)."""

    url: str  # the link as the feed gives it (a news.google.com redirect for Google News)
    canonical_url: str  # the target when it can be decoded offline, normalised by canonical_url()
    title: str  # headline without the trailing " - Publisher" Google News appends
    publisher: str | None
    publisher_url: str | None
    published_at: str | None  # ISO timestamp, UTC ("2025-09-02T14:05:00Z")
    language: str | None  # as declared ("en-US", "zh-CN")
    summary: str  # description/summary as plain text
    source_feed: str  # which feed or query it was read from (the caller's label)
    guid: str | None


@dataclass(frozen=True, slots=True)
class Mention:
    """A tracked app named in one field of one article."""

    canonical_url: str
    app_key: str
    matched: str  # the text as it appears (first occurrence in that field)
    field: str  # one of MENTION_FIELDS


@dataclass(frozen=True, slots=True)
class ReportedMetric:
    """One figure a sentence reports, e.g. ReelShort's August 2025 US revenue share."""

    app: str | None  # catalog display name; "ReelShort+DramaBox" for a shared figure; None = market-wide
    metric: str  # one of METRICS
    value: int | float  # counts and ranks: int; shares: fraction (0.4568); money: int when whole, else 2 dp
    currency: str | None  # ISO 4217 for money ("USD", "CNY"), else None
    period: str | None  # "2025-08", "2025-Q1", "2025-H1", "2025"
    sentence: str
    unit_text: str  # the figure as written: "1.2亿", "$48.74 million", "45.68%", "No. 1"
