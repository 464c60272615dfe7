"""Short-drama classifier: is a charted app a (catalog or candidate) short-drama app?

Pure and rule-based. The rules are the tables below; ``classify_app`` only applies them, in this order:

1. an app already in the catalog → ``catalog``;
2. an app outside Entertainment (when a genre is known) → ``other``;
3. a known general video / social platform (by name) → ``other``;
4. evidence of a short-drama app: a PHRASE signal ("short drama", "drama pendek", "短剧", ...) in the name,
   publisher or description, or a DRAMA word and a FORMAT word with at least one of them in the name;
5. ... unless the name says the app is another kind of product (a player, editor, reader, audio or AI-chat app,
   a rewards app: PRODUCT_WORDS), or the listing describes full-length drama streaming (LONG_FORM) and no phrase
   says "short" → ``other``; otherwise → ``candidate`` when a phrase, a description or the name carries both;
6. no description yet, and one kind of short-drama word in the name (a brand plus "Drama" or "Reels" is weak)
   → ``pending``: the lookup or details page (fetched the same day; the deep dive fetches what is missing)
   confirms or clears it;
7. anything else → ``other``.

A candidate is only a suggestion for the catalog: a person accepts or rejects it (``dramatrack catalog``).
Every verdict carries its evidence: which signal words were found in which field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# (label shown in the reason, pattern, kind). Patterns are matched case-insensitively on text whose camelCase has
# been split ("DramaBox" → "Drama Box"), so word boundaries work on app names. CJK patterns have no boundaries.
#   phrase: enough on its own            drama: the content word      format: the short-form word
SIGNALS: tuple[tuple[str, str, str], ...] = (
    ("short drama", r"\bshort[\s_-]*(?:form[\s_-]*)?dramas?\b", "phrase"),
    ("drama shorts", r"\bdramas?[\s_-]*shorts\b", "phrase"),
    ("micro drama", r"\bmicro[\s_-]*dramas?\b", "phrase"),
    ("mini drama", r"\bmini[\s_-]*dramas?\b", "phrase"),
    ("mini series", r"\bmini[\s_-]*series\b", "phrase"),
    ("short series", r"\bshort[\s_-]*(?:form[\s_-]*)?series\b", "phrase"),
    ("vertical drama", r"\bvertical[\s_-]*(?:dramas?|series|shorts?|episodes?)\b", "phrase"),
    ("drama reels", r"\bdramas?[\s_-]*reels?\b|\breels?[\s_-]*dramas?\b", "phrase"),
    ("drama pendek", r"\b(?:drama|serial)[\s_-]*pendek\b", "phrase"),  # Indonesian / Malay
    ("dramas cortos", r"\b(?:dramas?|series|novelas?)[\s_-]*(?:cortos?|cortas?|curtos?|curtas?)\b", "phrase"),
    ("短剧", r"[短微][剧劇]", "phrase"),  # 短剧 / 短劇 / 微短剧
    ("ショートドラマ", r"ショートドラマ|縦型ドラマ|短編ドラマ", "phrase"),
    ("숏드라마", r"숏\s*(?:폼\s*)?드라마|드라마\s*숏츠", "phrase"),
    ("drama", r"\bdramas?\b|ドラマ|드라마|[剧劇]场|[剧劇]場", "drama"),
    ("short", r"\bshorts?\b|ショート|숏츠?", "format"),
    ("reel", r"\breels?\b|릴스", "format"),
    ("episodes", r"\bepisodes?\b", "format"),
    ("series", r"\bseries\b", "format"),
    ("vertical", r"\bvertical\b", "format"),
)

# Genre names (and the App Store id) that count as Entertainment, in the storefront languages seen.
ENTERTAINMENT_GENRES = frozenset(
    {"entertainment", "6016", "エンターテインメント", "娱乐", "娛樂", "엔터테인먼트", "unterhaltung",
     "divertissement", "entretenimiento", "entretenimento", "intrattenimento", "entertainment & media",
     "hiburan", "บันเทิง", "giải trí"}
)

# General video / social platforms whose listings mention dramas, shorts, reels or series without being
# short-drama apps. Matched as words in the NAME only: a platform's publisher may also publish a short-drama app
# (TikTok publishes PineDrama).
NOT_SHORT_DRAMA = (
    "Netflix", "TikTok", "YouTube", "Instagram", "Facebook", "Snapchat", "Disney+", "Hulu",
    "Prime Video", "HBO Max", "Peacock", "Paramount+", "Tubi", "Pluto TV", "Viki", "iQIYI", "iQ",
    "WeTV", "Kocowa", "Kocowa+", "Crunchyroll", "CapCut", "Likee", "Viu", "Bilibili", "Youku", "Vidio",
    "抖音", "快手", "爱奇艺", "愛奇藝", "腾讯视频", "优酷", "芒果TV", "哔哩哔哩",
)

# Words in a NAME that say the app is another kind of product, even with "drama" or "reels" in its name:
# video players and tools, reading, comics, audio, AI chat, rewards.
PRODUCT_WORDS: tuple[tuple[str, str], ...] = (
    ("video player", r"\bplayers?\b|播放器|プレーヤー|플레이어|pemutar"),
    ("video tool", r"\b(?:maker|editor|downloader|saver|wallpapers?|remote|recorder|cast)\b"),
    ("reading", r"\b(?:novels?|reader|reading|read|books?|stories)\b|小说|小說|小説|소설"),
    ("comics", r"\b(?:comics?|manga|webtoons?|toons?)\b|漫画|漫畫|マンガ|만화|웹툰"),
    ("audio", r"\b(?:audio|audiobooks?|podcasts?|radio|fm)\b|有声|有聲|听书|畅听|暢聽"),
    ("AI chat", r"\bai\b|\bchat(?:bot)?s?\b|\broleplay\b|\brole[\s-]play\b"),
    ("rewards", r"\b(?:earn|rewards?|cash|cuan)\b"),
)

# Listing text of full-length drama streaming (Asian drama catalogs, TV services): with these and no phrase that
# says "short", "drama" and "episodes" describe long-form series.
LONG_FORM: tuple[tuple[str, str], ...] = (
    ("full episodes", r"\b(?:full|all)[\s-]+(?:length[\s-]+)?(?:dramas?|episodes|seasons|series)\b|\bfull[\s-]+length\b"),
    ("full catalog", r"\bfull\s+(?:korean|chinese|asian|thai|japanese)\b"),
    ("Asian drama catalog", r"\b(?:k|c|j|thai)[\s-]?dramas?\b|\b(?:korean|chinese|asian|taiwanese|thai)\s+dramas?\b"),
    ("subtitled TV", r"\bsubtitles?\b|\bsubtitled\b|\bhours after (?:korea|china|japan)\b"),
    ("variety shows", r"\bvariety\b|\banime\b|\bteleseryes?\b|\bsinetron\b"),
)

Status = Literal["catalog", "candidate", "pending", "other"]


@dataclass(frozen=True)
class Classification:
    is_short_drama: bool
    status: Status
    reason: str
    # (field, signal label) of every signal found: the evidence a person reviews
    evidence: tuple[tuple[str, str], ...] = ()


_COMPILED = tuple((label, re.compile(pattern, re.IGNORECASE), kind) for label, pattern, kind in SIGNALS)
_EXCLUDED = tuple(
    (name, re.compile(r"(?<![\w+])" + re.escape(name) + r"(?![\w+])", re.IGNORECASE))
    for name in NOT_SHORT_DRAMA
)
_PRODUCT = tuple((label, re.compile(pattern, re.IGNORECASE)) for label, pattern in PRODUCT_WORDS)
_LONG_FORM = tuple((label, re.compile(pattern, re.IGNORECASE)) for label, pattern in LONG_FORM)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _normalize(text: str | None) -> str:
    return _CAMEL.sub(" ", text) if text else ""


def _signals(text: str) -> list[tuple[str, str]]:
    """(label, kind) of every signal found in ``text``, in table order.

    A phrase's words are consumed by the phrase ("short dramas" is 'short drama', not also 'drama').
    """
    found = []
    for label, rx, kind in _COMPILED:
        text, hits = rx.subn(" | ", text) if kind == "phrase" else (text, int(bool(rx.search(text))))
        if hits:
            found.append((label, kind))
    return found


def _describe(found: dict[str, list[tuple[str, str]]]) -> str:
    parts = [
        f"{field} matches " + ", ".join(f"'{label}'" for label, _ in sigs)
        for field, sigs in found.items()
        if sigs
    ]
    return "; ".join(parts)


def short_drama_signals(name: str | None, description: str | None) -> list[tuple[str, str]]:
    """(field, label) of the short-drama signals in a listing's name and description (the catalog check's test)."""
    return [(field, label) for field, text in (("name", name), ("description", description))
            for label, _ in _signals(_normalize(text))]


def classify_app(
    name: str,
    publisher: str | None,
    genre_name: str | None,
    description: str | None,
    *,
    catalog_match: bool,
) -> Classification:
    """Classify one app from its store listing; ``catalog_match`` says it is already in the catalog."""
    if catalog_match:
        return Classification(True, "catalog", "in catalog")

    found = {
        "name": _signals(_normalize(name)),
        "publisher": _signals(_normalize(publisher)),
        "description": _signals(_normalize(description)),
    }
    evidence = tuple((field, label) for field, sigs in found.items() for label, _ in sigs)
    described = _describe(found)
    also = f" ({described})" if described else ""

    def other(reason: str) -> Classification:
        return Classification(False, "other", reason, evidence)

    if genre_name and genre_name.strip().casefold() not in ENTERTAINMENT_GENRES:
        return other(f"genre '{genre_name}' is not Entertainment{also}")

    for platform, rx in _EXCLUDED:
        if rx.search(name or ""):
            return other(f"'{platform}' is a general video/social platform{also}")

    kinds_anywhere = {kind for sigs in found.values() for _, kind in sigs}
    kinds_in_name = {kind for _, kind in found["name"]}
    phrase = "phrase" in kinds_anywhere
    pair = {"drama", "format"} <= kinds_anywhere and bool(kinds_in_name & {"drama", "format"})
    has_description = bool(description and description.strip())

    if phrase or pair:
        for label, rx in _PRODUCT:
            hit = rx.search(name or "")
            if hit:
                return other(f"name says another kind of product ({label}: '{hit.group(0)}'){also}")
        if not phrase:
            text = f"{name or ''} {description or ''}"
            long_form = [label for label, rx in _LONG_FORM if rx.search(text)]
            if long_form:
                return other(f"full-length drama streaming ({', '.join(long_form)}){also}")
        if phrase or has_description or {"drama", "format"} <= kinds_in_name:
            return Classification(True, "candidate", described, evidence)
    if not has_description and kinds_in_name & {"drama", "format", "phrase"}:
        for label, rx in _PRODUCT:
            hit = rx.search(name or "")
            if hit:
                return other(f"name says another kind of product ({label}: '{hit.group(0)}'){also}")
        return Classification(False, "pending", f"pending: no description yet to confirm ({described})", evidence)
    if described:
        return other(f"signals too weak: {described}")
    return other("no short-drama signals")
