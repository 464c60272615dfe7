"""Figures and ranks as written in a (normalised) sentence: "$48.74 million", "1.2亿美元", "45.68%", "六成",
"No. 3", "#31", "稳居榜首". Pure; classification and subjects are ``transforms.news_metrics``' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from transforms.news_periods import ORDINALS, ZH_DIGITS
from transforms.text_normalise import zh_number

SCALE_WORDS = {"thousand": 10**3, "k": 10**3, "million": 10**6, "mn": 10**6, "mln": 10**6, "m": 10**6,
               "billion": 10**9, "bn": 10**9, "b": 10**9, "trillion": 10**12, "tn": 10**12}
SCALE_ZH = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
CURRENCY_SUFFIX = {"美元": "USD", "美金": "USD", "dollar": "USD", "dollars": "USD", "usd": "USD",
                   "元": "CNY", "人民币": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY",
                   "日元": "JPY", "jpy": "JPY", "港元": "HKD", "hkd": "HKD", "韩元": "KRW",
                   "欧元": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
                   "英镑": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
                   "新台币": "TWD", "台币": "TWD", "twd": "TWD", "港币": "HKD", "yen": "JPY"}
CURRENCY_PREFIX = {"us$": "USD", "$": "USD", "usd": "USD", "hk$": "HKD", "hkd": "HKD", "s$": "SGD",
                   "a$": "AUD", "c$": "CAD", "nt$": "TWD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
                   "rmb": "CNY", "cny": "CNY", "jpy": "JPY", "jp¥": "JPY", "cn¥": "CNY", "rmb¥": "CNY"}
YEN_SIGNS = ("¥", "￥")  # yuan or yen: read from the sentence (``_yen``)
# A currency named before the figure ("新台币2,280亿元", "约港币820亿元"): its "元" is that currency's, not CNY.
_CURRENCY_WORD_BEFORE = re.compile(r"(?P<word>新台币|台币|港币|港元|日元|韩元|人民币)\s*(?:约|近|超|逾)?\s*$")
_CURRENCY_WORD = {w: CURRENCY_SUFFIX[w] for w in ("新台币", "台币", "港币", "港元", "日元", "韩元", "人民币")}
# ¥ is yen with Japan named or yen written; yuan in Chinese text, with a Chinese source or yuan written.
_JAPAN = re.compile(r"日本|日元|\b(?:Japan|Japanese|yen|JPY)\b", re.I)
_CHINA = re.compile(r"[\u4e00-\u9fff]|\b(?:China|Chinese|yuan|RMB|CNY|DataEye|36Kr|QuestMobile|Jiemian|DiDi|Douyin|"
                    r"Kuaishou|Hongguo)\b", re.I)

_TENTHS_ZH = re.compile(r"(?<![一二三四五六七八九十两\d.])(?P<n>[一二三四五六七八九]|[1-9](?:\.\d)?)成"
                        r"(?![本为功立长交员绩果熟型品不是])")
_FIGURE = re.compile(
    r"(?<![A-Za-z0-9_.,#])"
    r"(?P<prefix>(?:US|HK|NT|[SAC])\$|(?:JP|CN|RMB)[¥￥]|[$€£¥￥]|(?:USD|EUR|GBP|CNY|RMB|JPY|HKD|TWD)\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:[\s-]?(?P<scale_en>trillion|billion|million|thousand|bn|mn|mln|tn)(?![A-Za-z])"
    r"|(?P<scale_abbr>[kKmMbB])(?![A-Za-z])"
    r"|[多余]?(?P<scale_zh>[十百千万亿]{1,3})"
    r"|(?P<scale_w>[Ww])(?![A-Za-z]))?"  # "2181.7W": W is 万 in Chinese trade press
    r"(?P<pct>\s?(?:%|percent(?![A-Za-z])|per\s?cent(?![A-Za-z])))?"
    r"(?:\s?(?P<suffix>美元|美金|日元|港元|港币|韩元|欧元|英镑|人民币|新台币|台币|元|USD|EUR|GBP|CNY|RMB|JPY|HKD|TWD|dollars?"
    r"|euros?|yuan|yen|pounds?)(?![A-Za-z]))?"
    r"(?![A-Za-z0-9]|\.\d|-fold)",  # "6.2x", "10-fold" are not the figures 6, 10
)

_RANK_VERBS = r"跻身|位列|位居|排名|排在|名列|位于|升至|跃居|跃升至?|稳居|挤进|冲进|冲入|打入|晋升至?|来到|排到|升到"
_RANK_PATTERNS = [
    re.compile(r"(?<![A-Za-z0-9])(?:ranked|ranks|rank|ranking|placed|came|finished|sat|sits)\s+"
               r"(?:at\s+|in\s+)?"
               r"(?:the\s+)?(?:No\.?\s*|number\s+|#\s*)?(?P<n>\d{1,3}|first|second|third|fourth|fifth|sixth|"
               r"seventh|eighth|ninth|tenth|one|two|three)(?:st|nd|rd|th)?(?![A-Za-z0-9])", re.I),
    re.compile(r"(?<![A-Za-z0-9])(?-i:No)\.\s?(?P<n>\d{1,3})(?!\d|[.,]\d)", re.I),
    re.compile(r"(?<![A-Za-z0-9#])#\s?(?P<n>\d{1,3})(?!\d|[.,]\d)"),
    re.compile(r"(?<![A-Za-z0-9])number[\s-]+(?P<n>one|two|three|\d{1,3})(?![A-Za-z0-9])", re.I),
    re.compile(r"(?<![A-Za-z0-9])(?P<n>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
               r"\d{1,2}(?:st|nd|rd|th)|top)[\s-]+(?:place|spot|position)"
               r"(?![A-Za-z])", re.I),
    re.compile(r"(?<![A-Za-z0-9])(?:topped|led|headed)\s+(?:the\s+)?(?:[\w'’.-]+\s+){0,4}?(?:charts?|rankings?|lists?|"
               r"leaderboards?)(?![A-Za-z])", re.I),
    # "the third-highest-grossing short drama app", "the second most downloaded app": a place written as a superlative.
    re.compile(r"(?<![A-Za-z0-9])the\s+(?P<n>second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))"
               r"[\s-]+(?:highest[\s-]+grossing|highest[\s-]+earning|top[\s-]+grossing|best[\s-]+selling|"
               r"most[\s-]+downloaded|most[\s-]+popular|biggest|largest)\s+(?:[\w-]+\s+){0,3}?"
               r"(?:app|application|platform|title)(?![A-Za-z])", re.I),
    re.compile(r"(?<![A-Za-z0-9])the\s+(?:top-grossing|highest-grossing|best-selling|most[\s-]downloaded|"
               r"top-earning|highest-earning)\s+(?:[\w-]+\s+){0,3}?(?:app|application|platform|title)"
               r"(?![A-Za-z])", re.I),
    re.compile(r"(?:排名|排行|位列|位居|名列|排在|位于|跻身|居)第?(?P<n>[一二三四五六七八九十\d]{1,3})(?:名|位)?"),
    re.compile(r"第(?P<n>[一二三四五六七八九十\d]{1,3})名"),
    # "稳居韩国市场第二", "排在畅销榜第5位": the chart named between the verb and the place.
    re.compile(r"(?:稳居|位居|排名|排在|名列|位列|位于|升至|跃居|跻身)[^,，;；。:：!?！？、]{1,14}?第(?P<n>[一二三四五六七八九十\d]{1,3})"
               r"(?:名|位)?(?![季月年天周部集款家个梯阵大批档波轮次代期])"),
    # "第14位来自Kennedyy的《RapidTV》": a bare place whose app follows (``transforms.news_subjects.attached_name``).
    re.compile(r"第(?P<n>[一二三四五六七八九十\d]{1,3})位(?=\s*(?:的|来自))"),
    re.compile(r"(?<![A-Za-z0-9])(?:No\.|number|#)\s?(?P<n>\d{1,3})\s+(?:spot|position|place)(?![A-Za-z])", re.I),
    re.compile(r"榜首|登顶|夺冠|冠军|霸榜|居首|(?:居|列|排)[^,，;；。]{0,8}?首位"),
    # "跻身下载榜TOP5", "位列收入榜 TOP 4", "跻身收入榜前三", "位列榜三": one place (not a list "TOP1、TOP2").
    re.compile(rf"(?:{_RANK_VERBS})[^,，;；。、\d]{{0,10}}?(?:TOP|Top|top)\s?(?P<n>\d{{1,3}})(?!\d|\s*[、,/和与及]\s*(?:TOP\s?)?\d)"),
    re.compile(rf"(?:{_RANK_VERBS})[^,，;；。、\d]{{0,10}}?前(?P<n>[二三四五六七八九十]|\d{{1,2}})(?:名|位|强)?"
               r"(?![\d一二三四五六七八九十季个月年天周])"),
    re.compile(r"(?:位列|位居|排名|排在|名列|居)?榜(?P<n>[二三四五六七八九十])(?=的|[,，、;；。]|$)"),
]


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure (or rank) found at ``start:end`` of the normalised sentence."""

    start: int
    end: int
    text: str
    kind: str  # "money", "percent", "count", "rank"
    value: Decimal
    currency: str | None
    has_scale: bool = False


def find_figures(text: str) -> list[Figure]:
    """Money, percentages and counts in ``text`` (a normalised sentence), in order."""
    if not isinstance(text, str):
        return []
    figures = []
    tenths = []
    for m in _TENTHS_ZH.finditer(text):
        n = m.group("n")
        value = Decimal(n) if n[0].isdigit() else Decimal(ZH_DIGITS[n])
        tenths.append(Figure(m.start(), m.end(), m.group(), "percent", value * 10, None))
    covered = {i for f in tenths for i in range(f.start, f.end)}
    figures += tenths
    for m in _FIGURE.finditer(text):
        if m.start() in covered:
            continue  # the digit of "3成"
        num = m.group("num").replace(",", "")
        if len(num.split(".")[0]) > 15 or len(num) > 24:
            continue  # not a figure anyone reports
        try:
            value = Decimal(num)
        except InvalidOperation:
            continue
        scale = 1
        if m.group("scale_en"):
            scale = SCALE_WORDS[m.group("scale_en").lower()]
        elif m.group("scale_abbr"):
            scale = SCALE_WORDS[m.group("scale_abbr").lower()]
        elif m.group("scale_zh"):
            for ch in m.group("scale_zh"):
                scale *= SCALE_ZH[ch]
        elif m.group("scale_w"):
            scale = SCALE_ZH["万"]
        prefix = (m.group("prefix") or "").strip()
        suffix = (m.group("suffix") or "").strip()
        figure_text = m.group().strip()
        if m.group("pct"):
            if prefix or suffix or scale != 1:
                continue
            figures.append(Figure(m.start(), m.end(), figure_text, "percent", value, None))
            continue
        currency = _currency(prefix, suffix, bool(m.group("scale_zh") or m.group("scale_w")), text)
        named = _CURRENCY_WORD_BEFORE.search(text, max(0, m.start() - 8), m.start()) if not prefix else None
        if named is not None and (currency in (None, "CNY") and suffix in ("", "元")):
            currency = _CURRENCY_WORD[named.group("word")]  # "新台币2,280亿元", "港币820亿元"
        kind = "money" if currency else "count"
        figures.append(Figure(m.start(), m.end(), figure_text, kind, value * scale, currency, scale != 1))
    figures.sort(key=lambda f: f.start)
    return [_yen_by_conversion(f, figures) for f in figures]


def _yen_by_conversion(fig: Figure, figures: list[Figure]) -> Figure:
    """"¥12 billion (about $1.7 billion)": a conversion at ~7 to the dollar is yuan, at ~150 yen."""
    if fig.kind != "money" or not fig.text.startswith(YEN_SIGNS):
        return fig
    usd = next((f for f in figures if f.start >= fig.end), None)
    if usd is None or usd.currency != "USD" or not usd.value or usd.start - fig.end > 12:
        return fig
    rate = fig.value / usd.value
    if 5 <= rate <= 9:
        return replace(fig, currency="CNY")
    if 90 <= rate <= 200:
        return replace(fig, currency="JPY")
    return fig


def _currency(prefix: str, suffix: str, chinese_scale: bool, sentence: str) -> str | None:
    if suffix:
        return CURRENCY_SUFFIX.get(suffix.lower())
    if prefix in YEN_SIGNS:
        yuan = chinese_scale or re.search(r"元|人民币|RMB|CNY|yuan", sentence, re.I)
        if yuan and not re.search(r"日元|\byen\b", sentence, re.I):
            return "CNY"
        return "JPY" if _JAPAN.search(sentence) or not _CHINA.search(sentence) else "CNY"
    if prefix:
        return CURRENCY_PREFIX.get(prefix.lower())
    return None


def figure_value(fig: Figure, metric: str) -> int | float:
    """The value as recorded: shares as fractions, money to 2 dp (int when whole), counts as int."""
    if metric == "market_share":
        return float(fig.value / 100)
    if metric in ("revenue", "market_size") and fig.currency:
        whole = fig.value == fig.value.to_integral_value()
        return int(fig.value) if whole else float(round(fig.value, 2))
    return int(fig.value.to_integral_value())


def find_ranks(text: str) -> list[Figure]:
    """Ranks stated in ``text`` ("ranked No. 3", "#31", "位居第二", "稳居榜首", each place of "分列第一、第二"),
    not overlapping."""
    if not isinstance(text, str):
        return []
    hits: list[Figure] = []
    listed = bytearray(len(text) + 1)
    for regex in _RANK_LISTS:
        for m in regex.finditer(text):
            places = [(p.start(), p.end(), _rank_number(p.group("n"))) for p in _RANK_PLACE.finditer(m.group("list"))]
            if any(rank is None or not 1 <= rank <= 1000 for _, _, rank in places):
                continue
            base = m.start("list")
            for a, b, rank in places:
                hits.append(Figure(base + a, base + b, text[base + a:base + b].strip(), "rank", Decimal(rank), None))
            listed[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    for regex in _RANK_PATTERNS:
        for m in regex.finditer(text):
            if 1 in listed[m.start():m.end()]:
                continue
            n = m.groupdict().get("n")
            rank = _rank_number(n) if n else 1
            if rank is None or not 1 <= rank <= 1000:
                continue
            hits.append(Figure(m.start(), m.end(), m.group().strip(), "rank", Decimal(rank), None))
    for m in _RANK_AND.finditer(text):  # "ranked first by downloads and third by revenue": the second place
        if any(h.end <= m.start() and _RANK_VERB_START.match(h.text) for h in hits):
            group = "d" if m.group("d") else "n"
            rank = _rank_number(m.group(group))
            if rank is not None and 1 <= rank <= 1000:
                hits.append(Figure(m.start(group), m.end(group), m.group(group), "rank", Decimal(rank), None))
    hits.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Figure] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


_RANK_AND = re.compile(r"(?<![A-Za-z])and\s+(?:(?:No\.|#)\s?(?P<d>\d{1,3})|(?P<n>second|third|fourth|fifth|sixth|seventh|"
                       r"eighth|ninth|tenth|first|\d{1,3}(?:st|nd|rd|th)))\s+(?:by|in|on|for|among)\s", re.I)
_RANK_VERB_START = re.compile(r"(?:ranked|ranks|placed|came|finished)\b", re.I)
_PLACE = r"(?:(?:TOP|No\.|#)\s?|第)?(?:\d{1,3}|[一二三四五六七八九十]{1,3}|first|second|third|fourth|fifth)(?:名|位|st|nd|rd|th)?"
# Places listed after one verb: "分列 TOP 1、2", "分列第一、第二", "ranked first and second (respectively)".
_RANK_LISTS = [
    re.compile(rf"(?:分列|分居|位列|位居)[^,，;；。]{{0,12}}?(?P<list>{_PLACE}(?:\s*(?:[、,，/]|和|与|及)\s*{_PLACE})+)", re.I),
    re.compile(rf"(?<![A-Za-z0-9])(?:ranked|ranking|placed|came|finished)\s+(?:at\s+)?"
               rf"(?P<list>{_PLACE}(?:\s*(?:,|,?\s*and)\s*{_PLACE})+)(?![A-Za-z0-9])", re.I),
]
_RANK_PLACE = re.compile(r"(?:(?:TOP|No\.|#)\s?|第)?(?P<n>\d{1,3}|[一二三四五六七八九十]{1,3}|first|second|third|"
                         r"fourth|fifth)(?:名|位|st|nd|rd|th)?", re.I)


# A place written right after an app's name: "DramaBox第一、DramaWave第二", "DramaBox ranked first and DramaWave
# second". Which text is an app's name is the caller's to know (``rank_after``).
_PLACE_AFTER_NAME = re.compile(
    r"\s?第(?P<zh>[一二三四五六七八九十]{1,3}|\d{1,3})(?:名|位)?(?=[,，、;；。:：)）]|$)"
    r"|\s+(?P<en>second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)(?=\s+(?:in|on|by|with|among|for)\b|"
    r"\s*[,.;)]|\s*$)", re.I)


def rank_after(text: str, position: int) -> Figure | None:
    """The place written right after ``position`` (where an app's name ends), if any: "第二", " second"."""
    if not isinstance(text, str) or not 0 <= position <= len(text):
        return None
    m = _PLACE_AFTER_NAME.match(text, position)
    if m is None:
        return None
    group = "zh" if m.group("zh") else "en"
    rank = _rank_number(m.group(group))
    if rank is None or not 1 <= rank <= 1000:
        return None
    return Figure(m.start(group) - (1 if group == "zh" else 0), m.end(), m.group().strip(), "rank", Decimal(rank), None)


def _rank_number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", word):
        return int(word[:-2])
    if word in ORDINALS:
        return ORDINALS[word]
    return _zh_number(word)


def _zh_number(word: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23 (ranks: small numbers only)."""
    if not word or any(ch not in ZH_DIGITS and ch != "十" for ch in word):
        return None
    value = zh_number(word)
    return int(value) if isinstance(value, int) and value <= 1000 else None
