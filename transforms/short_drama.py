"""First short-drama classifier: is a charted app a (catalog or candidate) short-drama app?

Pure and rule-based. The rules are the tables below; ``classify_app`` only applies them:

1. an app already in the catalog → ``catalog``;
2. an app outside Entertainment (when a genre is known) → ``other``;
3. a known general video / social platform (by name or publisher) → ``other``;
4. a PHRASE signal in the name, publisher or description → ``candidate``;
5. a DRAMA word and a FORMAT word, at least one of them in the name → ``candidate``;
6. anything else → ``other``.

A candidate is only a suggestion for the catalog: a person confirms it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# (label shown in the reason, pattern, kind). Patterns are matched case-insensitively on text whose
# camelCase has been split ("DramaBox" → "Drama Box"), so word boundaries work on app names.
#   phrase: enough on its own            drama: the content word      format: the short-form word
SIGNALS: tuple[tuple[str, str, str], ...] = (
    ("short drama", r"\bshort[\s_-]*(?:form[\s_-]*)?dramas?\b", "phrase"),
    ("drama shorts", r"\bdramas?[\s_-]*shorts\b", "phrase"),
    ("micro drama", r"\bmicro[\s_-]*dramas?\b", "phrase"),
    ("mini drama", r"\bmini[\s_-]*dramas?\b", "phrase"),
    ("mini series", r"\bmini[\s_-]*series\b", "phrase"),
    ("vertical drama", r"\bvertical[\s_-]*(?:dramas?|series|shorts?)\b", "phrase"),
    ("drama reels", r"\bdramas?[\s_-]*reels?\b|\breels?[\s_-]*dramas?\b", "phrase"),
    ("短剧", r"短[剧劇]", "phrase"),  # also matches 微短剧 / 微短劇
    ("drama", r"\bdramas?\b", "drama"),
    ("short", r"\bshorts?\b", "format"),
    ("reel", r"\breels?\b", "format"),
    ("episodes", r"\bepisodes?\b", "format"),
    ("series", r"\bseries\b", "format"),
    ("vertical", r"\bvertical\b", "format"),
)

# Genre names (and the App Store id) that count as Entertainment, in the storefront languages seen.
ENTERTAINMENT_GENRES = frozenset(
    {"entertainment", "6016", "エンターテインメント", "娱乐", "娛樂", "엔터테인먼트", "unterhaltung",
     "divertissement", "entretenimiento", "entretenimento", "intrattenimento", "entertainment & media"}
)

# General video / social platforms whose listings mention dramas, shorts, reels or series without
# being short-drama apps. Matched as words in the name or the publisher.
NOT_SHORT_DRAMA = (
    "Netflix", "TikTok", "YouTube", "Instagram", "Facebook", "Snapchat", "Disney+", "Hulu",
    "Prime Video", "HBO Max", "Peacock", "Paramount+", "Tubi", "Pluto TV", "Viki", "iQIYI",
    "WeTV", "Kocowa", "Crunchyroll", "CapCut", "Likee",
)

Status = Literal["catalog", "candidate", "other"]


@dataclass(frozen=True)
class Classification:
    is_short_drama: bool
    status: Status
    reason: str


_COMPILED = tuple((label, re.compile(pattern, re.IGNORECASE), kind) for label, pattern, kind in SIGNALS)
_EXCLUDED = tuple(
    (name, re.compile(r"(?<![\w+])" + re.escape(name) + r"(?![\w+])", re.IGNORECASE))
    for name in NOT_SHORT_DRAMA
)
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
    described = _describe(found)
    also = f" ({described})" if described else ""

    if genre_name and genre_name.strip().casefold() not in ENTERTAINMENT_GENRES:
        return Classification(False, "other", f"genre '{genre_name}' is not Entertainment{also}")

    for platform, rx in _EXCLUDED:
        if rx.search(name or "") or rx.search(publisher or ""):
            return Classification(False, "other", f"'{platform}' is a general video/social platform{also}")

    kinds_anywhere = {kind for sigs in found.values() for _, kind in sigs}
    kinds_in_name = {kind for _, kind in found["name"]}
    if "phrase" in kinds_anywhere:
        return Classification(True, "candidate", described)
    if {"drama", "format"} <= kinds_anywhere and kinds_in_name & {"drama", "format"}:
        return Classification(True, "candidate", described)
    if described:
        return Classification(False, "other", f"signals too weak: {described}")
    return Classification(False, "other", "no short-drama signals")
