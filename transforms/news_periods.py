"""Periods a sentence of the trade press names ("August 2025", "Q3", "上半年", "二月", "last month") and which
one a figure covers. Pure; used by ``transforms.news_metrics``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace

MONTHS = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
          "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
          "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "top": 1,
            "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
ZH_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12}

MONTH_NAME = r"(?:January|February|March|April|May|June|July|August|September|October|November|December" \
             r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
_Q_WORD = r"(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)"
# Not a day: "May 12 apps", "March 3 million".
_NOT_DAY_AFTER = r"(?![\d:]|\s*(?:%|percent|apps?\b|titles?\b|million|billion|thousand|[kmb]\b))"
_PERIOD_PATTERNS = [
    # A run of months ("2025年1-6月", "1至3月"): the quarter or half it makes up, else a span no label holds ("S").
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s*年\s*)?(?<![\d.])(?P<m1>1[0-2]|0?[1-9])\s*(?:月份?)?\s*[-–~至到]\s*(?P<m2>1[0-2]|0?[1-9])"
                r"\s*月份?"), "R"),
    # "前三季度", "the first three quarters", "first nine months": more than one quarter, less than a year.
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s*年?\s*)?前(?:[二三]|[23])(?:个)?季度|(?<![A-Za-z])(?:the\s+)?first\s+(?:two|three)\s+"
                r"quarters(?:\s+of)?(?:\s+(?P<y2>(?:19|20)\d\d))?|(?<![A-Za-z])(?:the\s+)?first\s+(?:nine|eight|seven|ten|"
                r"eleven|four|five|two)\s+months(?:\s+of)?(?:\s+(?P<y3>(?:19|20)\d\d))?|前(?:[四五七八九十]|十一)个月", re.I), "S"),
    # "the quarter ended June 30, 2025", "the six months ending December 31, 2024": the quarter or half it closes.
    (re.compile(rf"(?<![A-Za-z])(?:(?P<qlen>quarter|three\s+months)|(?P<hlen>half|six\s+months))\s+(?:ended|ending|to|through)"
                rf"\s+(?:on\s+)?(?P<mn>{MONTH_NAME})\.?(?:\s+3[01](?:st|th)?)?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)", re.I), "E"),
    # One day ("October 12", "14 February 2025", "9月20日"): kind "D", labelled with its month.
    (re.compile(rf"(?<![A-Za-z])(?P<mn>{MONTH_NAME})\.?\s+(?P<d>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
                rf"(?:,?\s+(?P<y>(?:19|20)\d\d))?{_NOT_DAY_AFTER}"), "D"),
    (re.compile(rf"(?<![\d.,])(?P<d>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn>{MONTH_NAME})\b\.?"
                r"(?:,?\s+(?P<y>(?:19|20)\d\d)(?!\d))?"), "D"),
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s*年\s*)?(?<!\d)(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>[12]\d|3[01]|0?[1-9])\s*[日号]"),
     "D"),
    (re.compile(rf"(?P<mn>{MONTH_NAME})\.?\s+(?:of\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?"
                r"(?P<y>(?:19|20)\d\d)"
                r"(?!\d)"), "M"),
    (re.compile(rf"(?<!\d)\d{{1,2}}\s+(?P<mn>{MONTH_NAME})\.?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)"), "M"),
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月份?"), "M"),
    (re.compile(r"(?<![\d-])(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])(?![\d-])"), "M"),
    (re.compile(r"(?<![A-Za-z0-9])Q(?P<q>[1-4])\s*(?:['’]\s*(?P<y2>\d\d)|(?P<y>(?:19|20)\d\d))?"
                r"(?![A-Za-z0-9])",
                re.I), "Q"),
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年?\s*Q(?P<q>[1-4])(?![A-Za-z0-9])", re.I), "Q"),
    (re.compile(r"(?<![A-Za-z0-9])(?P<q>[1-4])Q\s*(?P<y2>\d\d)(?![A-Za-z0-9])"), "Q"),
    (re.compile(rf"(?<![A-Za-z0-9]){_Q_WORD}[\s-]+quarter(?:\s+of)?(?:\s+(?P<y>(?:19|20)\d\d))?(?!\d)", re.I),
     "Q"),
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s*年?\s*)?(?:第?(?P<qz>[一二三四1-4])季度|第(?P<qz2>[一二三四1-4])季(?!度))"),
     "Q"),
    (re.compile(r"(?<![A-Za-z0-9])H(?P<h>[12])\s*(?:['’]\s*(?P<y2>\d\d)|(?P<y>(?:19|20)\d\d))?"
                r"(?![A-Za-z0-9])"),
     "H"),
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*H(?P<h>[12])(?![A-Za-z0-9])"), "H"),
    (re.compile(r"(?<![A-Za-z0-9])(?P<h>[12])H\s*(?P<y2>\d\d)(?![A-Za-z0-9])"), "H"),
    (re.compile(r"(?<![A-Za-z0-9])(?P<hw>first|second)[\s-]+half(?:\s+of)?(?:\s+(?P<y>(?:19|20)\d\d))?(?!\d)",
                re.I), "H"),
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s*年?\s*)?(?P<hz>上|下)半年"), "H"),
    (re.compile(r"(?<!\d)(?P<m>1[0-2]|0?[1-9])\s*月份?(?!活)"), "M"),
    (re.compile(r"(?<![一二三四五六七八九十第个])(?P<mz>十[一二]?|[一二三四五六七八九])月份?(?!活)"), "M"),
    (re.compile(rf"(?<![A-Za-z])(?:[Ii]n|[Dd]uring|[Ff]or|[Tt]hroughout|[Ss]ince|[Bb]y|of)\s+(?P<mn>{MONTH_NAME})\b(?!\s*\d)"),
     "M"),
    (re.compile(rf"(?<=[(（])\s*(?P<mn>{MONTH_NAME})\s*(?=[)）])"), "M"),  # "Top tier by revenue (July):"
    # "DramaBox's July revenue", "July downloads", "August's revenue": a month naming the figure's noun.
    (re.compile(rf"(?<![A-Za-z])(?P<mn>{MONTH_NAME})(?:['’]s)?(?=\s+(?:[Ii][Aa][Pp]\s+|in-app\s+|net\s+|gross\s+|global\s+)?"
                r"(?:revenue|revenues|downloads|installs|sales|earnings|spending|bookings|MAUs?|DAUs?|users|figures)\b)"),
     "M"),
    (re.compile(r"(?<![\d.$€£¥])(?<!\d,)(?P<y>(?:19|20)\d\d)"
                r"(?!\d|[.,]\d|\s*(?:%|万|亿|千|百|million|billion|thousand|元|美元|percent))(?:\s*年)?"), "Y"),
]
# Relative to the article's publication: "last month", "上个月", "last quarter", "上季度", "last year", "去年".
_RELATIVE_PATTERNS = [
    (re.compile(r"(?<![A-Za-z])(?:last|previous|past)\s+month(?![A-Za-z])|上个?月(?!份额)", re.I), "LM"),
    (re.compile(r"(?<![A-Za-z])(?:last|previous)\s+quarter(?![A-Za-z])|上(?:个)?季度", re.I), "LQ"),
    (re.compile(r"(?<![A-Za-z])last\s+year(?![A-Za-z])|去年(?!同期)", re.I), "LY"),
    (re.compile(r"(?<![A-Za-z])this\s+year(?![A-Za-z])|今年", re.I), "TY"),
]


# A period named as the comparison base ("环比1月", "较6月", "than in Q1 2024") is not the figure's period.
_COMPARED_BEFORE = re.compile(r"(?:环比|同比|较|比|相比|对比|(?<![A-Za-z])(?:than|versus|vs\.?|compared\s+(?:with|to)"
                              r"|up\s+from|down\s+from)|(?:%|\bpercent|\btimes|\bx)\s+(?:from|over|on|versus))"
                              r"\s*(?:in\s+|the\s+|with\s+)*$", re.I)


@dataclass(frozen=True, slots=True)
class Period:
    """A period named in a sentence: a month, quarter, half or year (its year may be unknown)."""

    start: int
    end: int
    kind: str  # "D" (a day, labelled with its month), "M", "Q", "H", "Y", "S" (a span no label holds: "前三季度");
    # "LM", "LQ", "LY", "TY" relative to publication
    year: int | None
    n: int  # month, quarter or half; 0 for a year
    compared: bool = False  # named as a comparison base
    event: bool = False  # the date of an event ("自2023年8月上线以来", "launched in 2022"), no figure's period
    rel: int | None = None  # "今年一季度" / "Q4 last year": its year is the publication's plus this

    @property
    def usable(self) -> bool:
        """A period a figure can cover (not a comparison base, not an event's date)."""
        return not self.compared and not self.event

    def label(self, year: int) -> str:
        if self.kind in ("M", "D"):
            return f"{year:04d}-{self.n:02d}"
        if self.kind == "Q":
            return f"{year:04d}-Q{self.n}"
        if self.kind == "H":
            return f"{year:04d}-H{self.n}"
        return f"{year:04d}"


def find_periods(text: str) -> list[Period]:
    """Periods named in ``text``, in order, not overlapping (the more specific pattern wins)."""
    if not isinstance(text, str):
        return []
    hits: list[Period] = []
    for regex, kind in (*_PERIOD_PATTERNS, *_RELATIVE_PATTERNS):
        for m in regex.finditer(text):
            period = _period_from_match(m, kind)
            if period is not None:
                hits.append(period)
    kept: list[Period] = []
    taken = bytearray(len(text) + 1)
    for hit in hits:
        if 1 not in taken[hit.start:hit.end]:
            kept.append(hit)
            taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
    kept.sort(key=lambda p: p.start)
    kept = _merge_relative_years(text, kept)
    out = []
    for p in kept:
        if _COMPARED_BEFORE.search(text[max(0, p.start - 16):p.start]):
            p = replace(p, compared=True)
        if _EVENT_AFTER.match(text, p.end) or _EVENT_BEFORE.search(text[max(0, p.start - 30):p.start]):
            p = replace(p, event=True)
        elif p.kind == "D" and _DAY_BOUND_BEFORE.search(text[max(0, p.start - 16):p.start]):
            p = replace(p, kind="M")  # the month it bounds stands for it
        out.append(p)
    return out


# The date of an event, not a period a figure covers: "自2023年8月上线以来", "launched in mid-2024".
_EVENT_AFTER = re.compile(r"\s*(?:底|初|中|末)?\s*(?:正式|首次)?(?:上线|推出|发布|成立|问世|面世|创立|出海(?!短剧|剧|应用|App|APP|app|市场|平台|产品))")
_EVENT_BEFORE = re.compile(r"(?:\b(?:launched|launching|launch|debuted|released|founded|went\s+live|started)"
                           r"\s+(?:in\s+|on\s+)?(?:early\s+|mid-?\s*|late\s+)?|上线于|成立于|推出于)$", re.I)
# A day that bounds a period ("the quarter ended June 30", "截至6月30日", "from May 1"), not a day's figure.
_DAY_BOUND_BEFORE = re.compile(r"(?:\b(?:ended|ending|through|thru|to|until|till|as\s+of|by|from|between|since|and)"
                               r"\s+(?:on\s+)?|截至|截止|至|到|从|自)$", re.I)
# "今年一季度", "去年第四季度", "Q1 this year", "March of last year": one period whose year is relative.
_REL_GAP_BEFORE = re.compile(r"\s*(?:的|['’]s)?\s*")
_REL_GAP_AFTER = re.compile(r"\s*(?:of\s+)?(?:the\s+)?")


def _merge_relative_years(text: str, periods: list[Period]) -> list[Period]:
    out: list[Period] = []
    used: set[int] = set()
    for i, p in enumerate(periods):
        if i in used:
            continue
        if p.kind in ("TY", "LY") and i + 1 < len(periods):
            nxt = periods[i + 1]
            if nxt.kind in ("M", "Q", "H", "D") and nxt.year is None and _REL_GAP_BEFORE.fullmatch(text[p.end:nxt.start]):
                out.append(replace(nxt, start=p.start, rel=0 if p.kind == "TY" else -1))
                used.add(i + 1)
                continue
        if p.kind in ("M", "Q", "H", "D") and p.year is None and i + 1 < len(periods):
            nxt = periods[i + 1]
            if nxt.kind in ("TY", "LY") and _REL_GAP_AFTER.fullmatch(text[p.end:nxt.start]):
                out.append(replace(p, end=nxt.end, rel=0 if nxt.kind == "TY" else -1))
                used.add(i + 1)
                continue
        out.append(p)
    return out


def _period_from_match(m: re.Match[str], kind: str) -> Period | None:
    groups = m.groupdict()
    year = None
    if groups.get("y"):
        year = int(groups["y"])
    elif groups.get("y2"):
        year = 2000 + int(groups["y2"])
    if kind == "R":
        first, last = int(groups["m1"]), int(groups["m2"])
        if last - first == 2 and first % 3 == 1:
            return Period(m.start(), m.end(), "Q", year, last // 3)
        if last - first == 5 and first in (1, 7):
            return Period(m.start(), m.end(), "H", year, last // 6)
        return Period(m.start(), m.end(), "S", year, 0) if last > first else None
    if kind == "S":
        year = year or (int(groups["y3"]) if groups.get("y3") else None)
        return Period(m.start(), m.end(), "S", year, 0)
    if kind == "E":  # a quarter or half named by the month it ends with
        month = MONTHS.get(groups["mn"].lower().rstrip("."))
        size = 3 if groups.get("qlen") else 6
        if month is None or month % size:
            return None
        return Period(m.start(), m.end(), "Q" if size == 3 else "H", year, month // size)
    if kind in ("M", "D"):
        if groups.get("mn"):
            n = MONTHS.get(groups["mn"].lower().rstrip("."))
        elif groups.get("mz"):
            n = ZH_MONTHS.get(groups["mz"])
        else:
            n = int(groups["m"])
    elif kind == "Q":
        if groups.get("q"):
            n = int(groups["q"])
        elif groups.get("qw"):
            n = ORDINALS[groups["qw"].lower()]
        else:
            qz = groups.get("qz") or groups.get("qz2") or ""
            n = ZH_DIGITS.get(qz) or int(qz)
    elif kind == "H":
        if groups.get("h"):
            n = int(groups["h"])
        elif groups.get("hw"):
            n = ORDINALS[groups["hw"].lower()]
        else:
            n = 1 if groups["hz"] == "上" else 2
    else:
        n = 0
    if n is None:
        return None
    return Period(m.start(), m.end(), kind, year, n)


def pick_period(start: int, end: int, periods: list[Period], next_figure: int | None, year_hint: int | None,
                published: tuple[int, int] | None) -> str | None:
    """The label of the period a figure at ``start:end`` covers (``chosen_period``), its year from the text,
    ``year_hint`` or ``published``."""
    chosen = chosen_period(start, end, periods, next_figure)
    return None if chosen is None else _resolve(chosen, year_hint, published)


def chosen_period(start: int, end: int, periods: list[Period], next_figure: int | None) -> Period | None:
    """The period a figure at ``start:end`` covers: the one written right after it (before the next figure),
    else the nearest before it, else the first after it; comparison bases and events' dates never."""
    periods = [p for p in periods if isinstance(p, Period) and p.usable]
    if not periods:
        return None
    starts = [p.start for p in periods]  # periods are sorted and do not overlap
    i = bisect_left(starts, end)
    if i < len(periods) and (next_figure is None or periods[i].start < next_figure):
        return periods[i]
    if i > 0:
        return periods[i - 1]
    return periods[i]


def compared_period_before(start: int, text: str, periods: list[Period], year_hint: int | None,
                           published: tuple[int, int] | None) -> str | None:
    """The label of a comparison base's own period written right before it: "较2024年上半年的5亿美元"."""
    for p in periods:
        if p.compared and p.end <= start and _BASE_GAP.fullmatch(text[p.end:start]):
            return _resolve(p, year_hint, published)
    return None


_BASE_GAP = re.compile(r"\s*(?:的|['’]s)?\s*(?:(?:约|近|超|逾|约为|为|about|around|roughly|nearly)\s*)*[$€£¥￥]?\s*", re.I)


def period_right_after(end: int, periods: list[Period], next_figure: int | None) -> bool:
    """A period is written within 20 characters after ``end``, before the next figure."""
    i = bisect_left([p.start for p in periods], end)
    return (i < len(periods) and periods[i].start <= end + 20
            and (next_figure is None or periods[i].start < next_figure))


def _resolve(period: Period, year_hint: int | None, published: tuple[int, int] | None) -> str | None:
    if period.kind in ("LM", "LQ", "LY", "TY"):
        return _relative(period.kind, published)
    if period.rel is not None:
        return period.label(published[0] + period.rel) if published else None
    if period.year is not None:
        return period.label(period.year)
    if year_hint is not None:
        return period.label(year_hint)
    if published is None:
        return None
    year, month = published
    first_month = {"M": period.n, "D": period.n, "Q": 3 * period.n - 2, "H": 6 * period.n - 5}.get(period.kind, 1)
    if first_month > month:  # "in December", read in January: last year's
        year -= 1
    return period.label(year)


def _relative(kind: str, published: tuple[int, int] | None) -> str | None:
    if published is None:
        return None
    year, month = published
    if kind == "TY":
        return f"{year:04d}"
    if kind == "LY":
        return f"{year - 1:04d}"
    if kind == "LM":
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return f"{year:04d}-{month:02d}"
    quarter = (month - 1) // 3  # the previous quarter, 0 = last year's Q4
    return f"{year - 1:04d}-Q4" if quarter == 0 else f"{year:04d}-Q{quarter}"


def parse_published(value: str | None) -> tuple[int, int] | None:
    """(year, month) of an ISO date or timestamp; None if unreadable."""
    m = re.match(r"\s*(\d{4})-(\d{2})", value if isinstance(value, str) else "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(1)), int(m.group(2))
