"""One record per story: the same article reached through several queries or feeds is kept once."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from difflib import SequenceMatcher

from transforms.news_records import Article

# A CJK character is a token of its own; any other run of non-space characters is one token.
_CJK_CHAR = r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
_TOKEN = re.compile(rf"{_CJK_CHAR}|(?:(?!{_CJK_CHAR})\S)+")
_SEPARATORS = (" - ", " – ", " — ", " | ")


def normalize_title(title: str, publisher: str | None = None) -> str:
    """NFKC, case-folded, without a trailing " - Publisher", punctuation and symbols as spaces."""
    text = unicodedata.normalize("NFKC", title or "").strip()
    if publisher:
        pub = unicodedata.normalize("NFKC", publisher).strip().casefold()
        for sep in _SEPARATORS:
            if pub and text.casefold().endswith(sep + pub) and len(text) > len(sep + pub):
                text = text[: -len(sep + pub)]
                break
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text.casefold())
    return " ".join(text.split())


def title_tokens(normalized: str) -> list[str]:
    """Words for Latin text, single characters for CJK (Chinese has no spaces between words)."""
    return _TOKEN.findall(normalized)


def title_similarity(a: list[str], b: list[str]) -> float:
    """``SequenceMatcher`` ratio over title tokens (0..1)."""
    if not a and not b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio()


def _when(article: Article) -> datetime | None:
    value = article.published_at
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def dedupe_articles(
    articles: list[Article], *, window_hours: int = 72, threshold: float = 0.85
) -> list[Article]:
    """The articles with duplicates removed, earliest published first.

    Two articles are the same story when they share a canonical URL, or when their normalised titles are
    at least ``threshold`` similar and they were published within ``window_hours`` of each other
    (articles without a readable date only merge by URL). Of each story the earliest published article
    is kept (ties: the smallest canonical URL), so the result does not depend on the input order.
    """
    keyed = []
    for article in articles:
        when = _when(article)
        order = (when is None, when or datetime.min.replace(tzinfo=UTC), article.canonical_url,
                 article.url, article.title, article.source_feed, article.guid or "", article.publisher or "")
        keyed.append((order, article, when))
    keyed.sort(key=lambda item: item[0])

    window = max(0, window_hours) * 3600
    seen_urls: set[str] = set()
    kept: list[Article] = []
    dated: list[tuple[datetime, list[str]]] = []  # kept articles with a date: (time, title tokens)
    for _, article, when in keyed:
        if article.canonical_url in seen_urls:
            continue
        tokens = title_tokens(normalize_title(article.title, article.publisher))
        if when is not None and tokens:
            duplicate = False
            for other_when, other_tokens in reversed(dated):
                if (when - other_when).total_seconds() > window:
                    break  # sorted by time: everything earlier is further away
                if _similar(other_tokens, tokens, threshold):
                    duplicate = True
                    break
            if duplicate:
                seen_urls.add(article.canonical_url)
                continue
            dated.append((when, tokens))
        seen_urls.add(article.canonical_url)
        kept.append(article)
    return kept


def _similar(a: list[str], b: list[str], threshold: float) -> bool:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    # The cheap upper bounds rule most pairs out before the quadratic ratio().
    return (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold)
