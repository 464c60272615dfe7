"""Real press text made matchable, with every character traceable back to the original.

``normalise`` turns a sentence as published (PDF spacing, full-width forms, traditional script, citation and
list markers, Chinese numerals) into one text the figure extractor's patterns are written for, and keeps, for
each character of that text, its position in the original: spans found in the normalised text map back with
``NormalisedText.original_span``, so what is shown is always the sentence as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

_CJK = r"[\u2e80-\u9fff\uf900-\ufaff]"
_ZH_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿"

# "[3]", "[12]", "[a]", "[note 2]": a citation mark, never a value.
_CITATION = re.compile(r"\s?\[(?:\d{1,3}(?:[,-]\d{1,3})*|[a-z]|note\s*\d{1,3}|注\d{1,3})\]", re.I)
# "1)", "(2)", "①" or "一、" opening an item of a list; "Group 1:", "Tier 2:" labels.
_LIST_MARKER = re.compile(
    r"(?<!No\. )(?<!no\. )(?<!No\.)(?<!#)(?:(?<=^)|(?<=[\s:;。,!?：；，！？]))(?:[(（]?\d{1,2}[)）]|[①-⑳]|[一二三四五六七八九十]{1,2}、)\s*"
    r"|(?<![A-Za-z])(?:Group|Tier|Step|Part|Point|Item|Section|Phase|Table|Chart|Figure|Fig\.)\s*\d{1,2}\s*[:.](?!\d)"
    r"\s*", re.I)
# Spaces a PDF puts inside a figure or between a figure and its unit.
_DIGIT_GROUP_SPACE = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?![\d.,])")
_SPACE_BEFORE_UNIT = re.compile(rf"(?<=[\d%])\s+(?=[{_ZH_NUM_CHARS}]*(?:美元|美金|元|次|人|名|%|{_CJK}))")
_SPACE_AROUND_CJK = re.compile(rf"(?<={_CJK})\s+(?=[\d$€£¥])|(?<=[$€£¥])\s+(?=\d)")
# A run of Chinese numerals that is a quantity ("三千万", "十二亿", "一千两百万"), not an ordinal, a month, a
# quarter or a word ("第二", "二月", "一季度", "千万不要", "十分").
_ZH_NUMERAL_RUN = re.compile(
    r"(?<![第前后首头每这那哪单])(?<![" + _ZH_NUM_CHARS + r"\d])"
    r"(?P<run>[零〇一二两三四五六七八九十][" + _ZH_NUM_CHARS + r"]*(?:点[零〇一二三四五六七八九]+)?"
    r"[" + _ZH_NUM_CHARS + r"]*)"
    r"(?![" + _ZH_NUM_CHARS + r"点月季年周日号天成倍分个款家部集届轮期代])")
# Chinese clause punctuation stays full-width: an ASCII comma after a figure would read as a thousands separator.
_KEEP_FULLWIDTH = frozenset("，；：（）！？")
_FULLWIDTH_THOUSANDS = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")  # "１，２００萬": that comma is a separator
_ZH_SCALE = re.compile(r"[十百千万亿]")


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """``text`` for matching; ``offsets[i]`` is where its character ``i`` comes from in ``original``."""

    original: str
    text: str
    offsets: tuple[int, ...]  # len(text) + 1 entries; the last is len(original)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that ``text[start:end]`` was made from."""
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        if end == start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1

    def original_text(self, start: int, end: int) -> str:
        """``original`` over the span that ``text[start:end]`` was made from, stripped."""
        a, b = self.original_span(start, end)
        return self.original[a:b].strip()


def normalise(text: str) -> NormalisedText:
    """NFKC, simplified script, no citation / list markers, figures without inner spaces, Arabic numerals.

    Never raises on a string; the result keeps a map back into ``text``.
    """
    if not isinstance(text, str):
        text = ""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        for out in ch if ch in _KEEP_FULLWIDTH else unicodedata.normalize("NFKC", ch):
            chars.append(out)
            offsets.append(i)
    current = "".join(chars)
    current = to_simplified(current)
    pairs = list(zip(current, offsets, strict=True))
    for regex, repl in ((_FULLWIDTH_THOUSANDS, _ascii_comma), (_CITATION, _drop), (_LIST_MARKER, _drop), (_DIGIT_GROUP_SPACE, _without_spaces),
                        (_SPACE_BEFORE_UNIT, _drop), (_SPACE_AROUND_CJK, _drop),
                        (_ZH_NUMERAL_RUN, _arabic)):
        pairs = _substitute(pairs, regex, repl)
    return NormalisedText(text, "".join(c for c, _ in pairs), tuple([o for _, o in pairs] + [len(text)]))


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s), character for character so positions hold."""
    if not isinstance(text, str) or not text:
        return ""
    if not re.search(_CJK, text):
        return text
    converter = _converter()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted
    out = []
    for ch in text:  # a phrase conversion changed the length: fall back to single characters
        one = converter.convert(ch)
        out.append(one if len(one) == 1 else ch)
    return "".join(out)


def zh_number(run: str) -> int | float | None:
    """A run of Chinese numerals as a number ("三千万" → 30000000, "十二" → 12); None if it is not one."""
    if not isinstance(run, str) or not run or len(run) > 24:
        return None
    import cn2an

    try:
        value = cn2an.cn2an(run, "normal")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return value if isinstance(value, (int, float)) else None


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


# --- substitutions over (character, original offset) pairs -----------------------------------------------

_Pairs = list[tuple[str, int]]


def _substitute(pairs: _Pairs, regex: re.Pattern[str], repl: Callable[[re.Match[str], _Pairs], _Pairs]) -> _Pairs:
    text = "".join(c for c, _ in pairs)
    out: _Pairs = []
    last = 0
    for m in regex.finditer(text):
        out += pairs[last:m.start()]
        out += repl(m, pairs[m.start():m.end()])
        last = m.end()
    out += pairs[last:]
    return out


def _drop(m: re.Match[str], pairs: _Pairs) -> _Pairs:
    return []


def _ascii_comma(m: re.Match[str], pairs: _Pairs) -> _Pairs:
    return [(",", pairs[0][1])]


def _without_spaces(m: re.Match[str], pairs: _Pairs) -> _Pairs:
    return [(c, o) for c, o in pairs if not c.isspace()]


def _arabic(m: re.Match[str], pairs: _Pairs) -> _Pairs:
    run = m.group("run")
    if not _ZH_SCALE.search(run) and len(run) < 2:
        return pairs  # a lone "一", "三": a word more often than a figure
    if run.startswith(("十分", "百分", "千万不")):
        return pairs
    value, scale = zh_number(run), ""
    if value is None and run[-1] in "万亿":  # "一点五亿": the number, then the scale as written
        scale = run[len(run.rstrip("万亿")):]
        value = zh_number(run[:len(run) - len(scale)])
    if value is None:
        return pairs
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    digits = (str(value) if isinstance(value, int) else format(Decimal(str(value)), "f")) + scale
    # Every produced digit points at the run's first character; the last one at its last character.
    first, last = pairs[0][1], pairs[-1][1]
    return [(d, first if i < len(digits) - 1 else last) for i, d in enumerate(digits)]
