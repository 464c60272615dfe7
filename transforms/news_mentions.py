"""Which tracked apps an article names.

Matching rules (one compiled regex for all apps, built once by ``build_matcher``):

* A Latin name written as one word ("ReelShort", "KalosTV") matches case-insensitively at ASCII word
  boundaries, with an optional plural/possessive ending: "ReelShort's", "ReelShorts", "REELSHORT" match,
  "TheReelShort" does not. CJK text around it is fine ("短剧应用ReelShort在美国").
* A Latin name with spaces ("Reel Short", "Drama Box", "Kalos TV") matches only in its catalog
  capitalisation (any run of whitespace between the words), so "reel short film" or "a drama box set"
  are not mentions. Title-Case prose that happens to spell the alias ("A Reel Short Film") still is.
* A name containing CJK characters ("红果短剧") matches as a substring, as Chinese has no word breaks.

At one position the longest name wins, so "红果免费短剧" is one match.

Chinese names are also matched as the press shortens or lengthens them (``name_variants``): "红果短剧" as "红果"
and "红果免费短剧", "红果漫剧" as "红果免费漫剧" (the longer name still wins: "红果漫剧" is not "红果"). An article
can introduce its own short name ("喜番免费短剧（以下简称“喜番”）"): ``AppMatcher.with_names`` adds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from transforms.news_records import Article, Mention

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]")
_BEFORE = r"(?<![A-Za-z0-9])"
_AFTER = r"(?:['’]s|s)?(?![A-Za-z0-9])"

AppNames = list[tuple[str, list[str]]]


@dataclass(frozen=True, slots=True)
class AppSpan:
    """One app name found in a text."""

    start: int
    end: int
    app_key: str
    matched: str


class AppMatcher:
    """All tracked apps' names compiled into one regex; reuse it across articles."""

    __slots__ = ("_regex", "_group_app", "_apps", "display_names")

    def __init__(self, apps: AppNames):
        alternatives: list[tuple[int, str, str]] = []  # (name length, pattern, app group)
        self._group_app: dict[str, str] = {}
        self._apps = tuple((key, tuple(names)) for key, names in apps)
        self.display_names: dict[str, str] = {}
        catalogued = {n.strip().lower() for _, names in apps for n in names if n and n.strip()}
        for index, (app_key, names) in enumerate(apps):
            group = f"a{index}"
            self._group_app[group] = app_key
            clean = [n.strip() for n in names if n and n.strip()]
            self.display_names.setdefault(app_key, clean[0] if clean else app_key)
            variants = [v for n in clean for v in name_variants(n) if v.lower() not in catalogued]
            for name in dict.fromkeys([*clean, *variants]):
                alternatives.append((len(name), _name_pattern(name), group))
        # Longest first so a longer alias wins at the same position; the index keeps it deterministic.
        alternatives.sort(key=lambda item: -item[0])
        parts = [f"(?P<{g}_{i}>{p})" for i, (_, p, g) in enumerate(alternatives)]
        self._regex = re.compile("|".join(parts)) if parts else None

    def with_names(self, extra: list[tuple[str, str]]) -> AppMatcher:
        """This matcher with more names for its apps (``(app_key, name)``; unknown keys are ignored)."""
        added: dict[str, list[str]] = {}
        for key, name in extra:
            if isinstance(name, str) and name.strip():
                added.setdefault(key, []).append(name.strip())
        if not any(key in added for key, _ in self._apps):
            return self
        return build_matcher([(key, [*names, *added.get(key, [])]) for key, names in self._apps])

    def finditer(self, text: str) -> list[AppSpan]:
        """Non-overlapping app names in ``text``, in order of appearance."""
        if self._regex is None or not text:
            return []
        spans = []
        for m in self._regex.finditer(text):
            group = m.lastgroup or ""
            app_key = self._group_app[group.rsplit("_", 1)[0]]
            spans.append(AppSpan(m.start(), m.end(), app_key, m.group()))
        return spans


_CJK_SUFFIX = re.compile(r"^(?P<stem>[\u4e00-\u9fff]{2,}?)(?P<free>免费)?(?P<kind>短剧|漫剧)$")


def name_variants(name: str) -> list[str]:
    """Other ways the press writes a Chinese app name: "红果短剧" → "红果免费短剧", "红果"; "红果漫剧" → "红果免费漫剧"."""
    m = _CJK_SUFFIX.match(name.strip()) if isinstance(name, str) else None
    if m is None:
        return []
    stem, kind = m.group("stem"), m.group("kind")
    variants = [f"{stem}{kind}", f"{stem}免费{kind}"]
    if kind == "短剧":
        variants.append(stem)  # the bare brand; "红果漫剧" still wins where it is written, being longer
    return [v for v in variants if v != name.strip()]


def _name_pattern(name: str) -> str:
    if _CJK.search(name):
        return f"(?i:{re.escape(name)})"
    words = name.split()
    if len(words) == 1:
        return f"{_BEFORE}(?i:{re.escape(name)}){_AFTER}"
    return _BEFORE + r"\s+".join(re.escape(w) for w in words) + _AFTER


def build_matcher(apps: AppNames) -> AppMatcher:
    """Compile ``apps`` — ``(app_key, [display name, aliases..., Chinese aliases...])`` — once."""
    return _cached_matcher(tuple((key, tuple(names)) for key, names in apps))


@lru_cache(maxsize=16)
def _cached_matcher(apps: tuple[tuple[str, tuple[str, ...]], ...]) -> AppMatcher:
    return AppMatcher([(key, list(names)) for key, names in apps])


def find_mentions(article: Article, apps: AppNames | AppMatcher, *, text: str | None = None) -> list[Mention]:
    """One ``Mention`` per app per field (title, summary, and ``text`` — the article body — when given).

    ``matched`` is the first occurrence as written. Order: field, then first position.
    """
    matcher = apps if isinstance(apps, AppMatcher) else build_matcher(apps)
    mentions: list[Mention] = []
    for field, value in (("title", article.title), ("summary", article.summary), ("text", text)):
        seen: set[str] = set()
        for span in matcher.finditer(value or ""):
            if span.app_key in seen:
                continue
            seen.add(span.app_key)
            mentions.append(Mention(article.canonical_url, span.app_key, span.matched, field))
    return mentions
