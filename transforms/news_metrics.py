"""Market figures the press reports (downloads, revenue, shares, ranks...) → ``ReportedMetric`` records.

Pure and heuristic: the text is split into sentences; in each, figures ("$48.74 million", "1.2亿",
"45.68%") are found, classified by the nearest keyword of the tables below, given the tracked app(s)
named just before them and the period the sentence talks about. Growth rates, years, episode and app
counts are not metrics. ``extract_metrics`` never raises.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from transforms.news_mentions import AppMatcher, AppNames, AppSpan, build_matcher
from transforms.news_records import ReportedMetric

# A reported figure at or above this is a run of digits, not a figure (world revenue is ~1e14 USD a year).
MAX_FIGURE = Decimal(10) ** 15

# --- keyword tables ------------------------------------------------------------------------------------
# English entries match case-insensitively at word boundaries ("year over year" also matches
# "year-over-year"); entries with CJK match as substrings. MoM/YoY/QoQ match in that capitalisation only.

DOWNLOAD_WORDS = ("downloads", "downloaded", "download", "installs", "installed", "installations",
                  "下载量", "下载")
REVENUE_WORDS = ("revenue", "revenues", "in-app purchase", "in-app purchases", "in-app purchasing", "IAP",
                 "spend", "spending", "spent", "consumer spend", "earned", "earning", "earnings", "earns",
                 "grossed", "gross", "grossing", "net", "generated", "generating", "generates", "sales",
                 "income", "bookings", "brought in", "pulled in", "raked in",
                 "收入", "营收", "流水", "内购", "收益", "创收", "吸金", "销售额", "充值")
SHARE_WORDS = ("share", "shares", "market share", "份额", "占比", "市占率", "市场占有率")
USER_WORDS = ("users", "user base", "MAU", "MAUs", "DAU", "DAUs", "monthly active", "daily active",
              "subscribers", "用户", "月活", "日活")
MARKET_SIZE_WORDS = ("market size", "market was worth", "market is worth", "market worth",
                     "市场规模", "行业规模", "产业规模")
# Money near these alone is taken as the market's size, but any closer keyword wins.
WEAK_MARKET_WORDS = ("market", "industry", "市场", "行业")
# Money that is not revenue: nearest keyword here → not a metric.
OTHER_MONEY_WORDS = ("funding", "raised", "raise", "raises", "valuation", "valued", "invest", "invested",
                     "investment", "investors", "budget", "budgets", "cost", "costs", "costing", "price",
                     "priced", "prices", "salary", "fine", "fined", "acquisition", "acquired", "subscription",
                     "融资", "估值", "投资", "成本", "预算", "制作费", "收购", "售价", "单价")
# Money with these in its clause (within 30 characters) is a per-unit amount, whatever else is near.
PER_UNIT_WORDS = ("average", "on average", "per user", "per paying user", "ARPU", "ARPPU", "per episode",
                  "人均", "客单价", "每集", "平均")
# A percentage next to these is a change, not a share.
GROWTH_WORDS = ("growth", "grew", "grow", "grows", "growing", "increase", "increased", "increases",
                "increasing", "rose", "rise", "rises", "rising", "jumped", "jump", "jumps", "surged", "surge",
                "soared", "climbed", "fell", "fall", "falls", "dropped", "drop", "declined", "decline",
                "decrease", "decreased", "up", "down", "higher", "lower", "gain", "gained", "boost",
                "MoM", "YoY", "QoQ", "month over month", "month on month", "year over year", "year on year",
                "quarter over quarter", "quarter on quarter", "percentage point", "percentage points",
                "同比", "环比", "增长", "增加", "增幅", "增速", "上涨", "上升", "提升", "下降", "下滑", "减少",
                "降低", "涨幅", "跌幅", "个百分点")
# A count followed by these (within three words) counts things that are not metrics: "80 episodes".
COUNT_NOUNS = ("episode", "episodes", "app", "apps", "application", "applications", "company", "companies",
               "firm", "firms", "publisher", "publishers", "developer", "developers", "studio", "studios",
               "title", "titles", "drama", "dramas", "series", "show", "shows", "country", "countries",
               "market", "markets", "language", "languages", "region", "regions", "minute", "minutes",
               "second", "seconds", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
               "year", "years", "times", "employees", "people", "staff", "scripts")
COUNT_NOUNS_ZH = ("集", "部", "家", "款", "个", "岁", "年", "月", "日", "号", "季度", "天", "周", "小时", "分钟",
                  "秒", "倍", "种", "国", "名员工", "位")
# A count/money right after these is a change or a comparison base, not a level.
DELTA_BEFORE = r"(?:\bby|\bincrease of|\bgrowth of|\bdecrease of|\bdecline of|\bup|\bdown|\bgained|\badded" \
               r"|增长了?|增加了?|减少了?|下降了?|下滑了?|提升了?|上涨了?|多了|少了)"
COMPARE_BEFORE = r"(?:\bfrom|\bversus|\bvs\.?|\bcompared (?:with|to)|(?<!more )(?<!less )(?<!fewer )" \
                 r"(?<!greater )\bthan|较|相比|对比)"
APPROX = r"(?:about|around|approximately|approx\.?|roughly|nearly|almost|over|more than|less than|under|" \
         r"some|just over|just under|close to|up to|an estimated|estimated|at least|~|≈|>|<|≥|≤|约|近|超|" \
         r"超过|逾|达|达到|突破|破|高达|仅|约为|为|共|合计|累计|了)"
# A market-wide subject after a clause break ends the previous app's sentence part.
MARKET_WIDE = r"(?:\b(?:global|total|overall|industry|worldwide|entire|whole)\b|全球|整体|行业|整个|总)"

# Values
SCALE_WORDS = {"thousand": 10**3, "k": 10**3, "million": 10**6, "mn": 10**6, "mln": 10**6, "m": 10**6,
               "billion": 10**9, "bn": 10**9, "b": 10**9, "trillion": 10**12, "tn": 10**12}
SCALE_ZH = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
CURRENCY_SUFFIX = {"美元": "USD", "美金": "USD", "dollar": "USD", "dollars": "USD", "usd": "USD",
                   "元": "CNY", "人民币": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY",
                   "日元": "JPY", "jpy": "JPY", "港元": "HKD", "hkd": "HKD", "韩元": "KRW",
                   "欧元": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
                   "英镑": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP"}
CURRENCY_PREFIX = {"us$": "USD", "$": "USD", "usd": "USD", "hk$": "HKD", "hkd": "HKD", "s$": "SGD",
                   "a$": "AUD", "c$": "CAD", "nt$": "TWD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
                   "rmb": "CNY", "cny": "CNY", "jpy": "JPY"}
YEN_SIGNS = ("¥", "￥")  # JPY, unless the figure or sentence is in yuan (元/人民币/RMB)
MONEY_WITHOUT_KEYWORD = 10**6  # money this large with no keyword at all is taken as revenue
MAX_APP_DISTANCE = 200  # an app named further before a figure (in characters) is not its subject

MONTHS = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
          "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
          "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "top": 1,
            "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
ABBREVIATIONS = {"no", "nos", "mr", "mrs", "ms", "dr", "prof", "inc", "ltd", "co", "corp", "vs", "approx",
                 "est", "e.g", "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                 "nov", "dec", "st", "jr", "sr", "fig", "vol", "mt", "u.s", "u.k", "u.s.a"}

# --- regexes -------------------------------------------------------------------------------------------

_CJK = r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]"
_FULLWIDTH = str.maketrans("０１２３４５６７８９％＄．", "0123456789%$.")  # same length: offsets hold


def _words(words: tuple[str, ...]) -> str:
    parts = []
    for word in sorted(words, key=len, reverse=True):
        if re.search(_CJK, word):
            parts.append(re.escape(word))
        else:
            body = r"[\s-]+".join(re.escape(w) for w in word.split())
            parts.append(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])")
    return "|".join(parts)


_GROWTH_RE = re.compile(
    _words(tuple(w for w in GROWTH_WORDS if w not in ("up", "MoM", "YoY", "QoQ")))
    + r"|(?<!make )(?<!makes )(?<!made )(?<!making )(?<![A-Za-z0-9])up(?![A-Za-z0-9])"
    + r"|(?-i:MoM|YoY|QoQ|WoW)", re.I)
_CLASS_WORDS = {
    "downloads": re.compile(_words(DOWNLOAD_WORDS), re.I),
    # "top-grossing" names a chart, not money.
    "revenue": re.compile(rf"(?<!top-)(?<!top )(?:{_words(REVENUE_WORDS)})", re.I),
    "users": re.compile(_words(USER_WORDS), re.I),
    "market_size": re.compile(_words(MARKET_SIZE_WORDS), re.I),
    "weak_market": re.compile(_words(WEAK_MARKET_WORDS), re.I),
    "other_money": re.compile(_words(OTHER_MONEY_WORDS), re.I),
}
_SHARE_RE = re.compile(_words(SHARE_WORDS), re.I)
_PER_UNIT_RE = re.compile(_words(PER_UNIT_WORDS), re.I)
_SHARE_OF = re.compile(
    r"\s*of\s+(?:the\s+)?(?:[\w'’.-]+\s+){0,4}?(?:revenue|revenues|downloads|installs|spending|spend|IAP|"
    r"in-app|market|sales|income|gross|bookings|total|earnings)(?![A-Za-z])", re.I)
_SHARE_ZH_BEFORE = re.compile(r"占[^，,。；;:：]{0,24}$")
# "六成的收入", "32%的下载量": a percentage of revenue/downloads written before the noun.
_SHARE_ZH_AFTER = re.compile(r"\s*的?(?:海外|美国|全球|国内|总|市场)?(?:内购收入|收入|营收|流水|下载量|下载|市场份额|份额)")
# "28% and 24% of revenue": the later percentages of a list share the "of ..." that follows the list.
_PERCENT_LIST = re.compile(r"(?:\s*(?:,|，|、|/|&|\band\b|\bor\b|和|与|及)\s*(?:about |around |roughly |nearly )?"
                           r"\d+(?:\.\d+)?\s?(?:%|percent(?![A-Za-z])|per\s?cent(?![A-Za-z])))+", re.I)
# Chinese tenths: "六成" = 60%, "3成" = 30% (not 成本, 成为, 成功, 一成不变...).
_TENTHS_ZH = re.compile(r"(?<![一二三四五六七八九十两\d.])(?P<n>[一二三四五六七八九]|[1-9](?:\.\d)?)成"
                        r"(?![本为功立长交员绩果熟型品不是])")
# "downloaded 14.7 million times": the count is of downloads, not a multiplier.
_TIMES_AFTER = re.compile(r"\s*times(?![A-Za-z])", re.I)
_DOWNLOADED_BEFORE = re.compile(r"(?<![A-Za-z])(?:downloaded|installed)(?![A-Za-z])", re.I)
_COUNT_NOUN_RE = re.compile(
    r"\s*(?:[+]|plus)?\s*(?:[A-Za-z][\w'-]*\s+){0,2}?(?:" + "|".join(map(re.escape, COUNT_NOUNS))
    + r")(?![A-Za-z])", re.I)
_METRIC_NOUN = re.compile(_words(DOWNLOAD_WORDS + USER_WORDS + REVENUE_WORDS), re.I)
_COUNT_NOUN_ZH = re.compile(r"\s*[多余+]?\s*(?:" + "|".join(map(re.escape, COUNT_NOUNS_ZH)) + ")")
_DELTA_RE = re.compile(rf"{DELTA_BEFORE}\s*(?:{APPROX}\s*)*[$€£¥￥]?$", re.I)
_COMPARE_RE = re.compile(rf"{COMPARE_BEFORE}\s*(?:{APPROX}\s*)*[$€£¥￥]?$", re.I)
_LEVEL_BEFORE = re.compile(rf"(?:\bto|至|到|达到?|为)\s*(?:{APPROX}\s*)*$", re.I)
_MONTH_NAME = r"(?:January|February|March|April|May|June|July|August|September|October|November|December" \
              r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
_DATE_BEFORE = re.compile(rf"{_MONTH_NAME}\.?\s*$")  # "August 5"
_DATE_AFTER = re.compile(rf"^\s*(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH_NAME}\b")  # "5 August", "5th of May"
_BEFORE_SKIP = re.compile(r"(?:\btop[\s-]*|第|前|\bno\.?\s*|#\s*|\bQ|\bH|\bFY\s*)$", re.I)
_CLAUSE_BREAK = re.compile(r"[;；:：。!?！？()（）]|[，、]|,(?!\d{3}(?!\d))")
_RESET_RE = re.compile(
    rf"(?:[,，;；:：]|\b(?:while|whereas|as|and|with|but)\b|而|同时|其中)[^,，;；]*?{MARKET_WIDE}", re.I)
_JOIN_RE = re.compile(r"\s*(?:[,，、/+&]|and|plus|和|与|及|以及|同)?\s*(?:and|&)?\s*(?:the\s+)?", re.I)
_RESPECTIVELY = re.compile(r"respectively|分别", re.I)

_FIGURE = re.compile(
    r"(?<![A-Za-z0-9_.,#])"
    r"(?P<prefix>(?:US|HK|NT|[SAC])\$|[$€£¥￥]|(?:USD|EUR|GBP|CNY|RMB|JPY|HKD)\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale_en>trillion|billion|million|thousand|bn|mn|mln|tn)(?![A-Za-z])"
    r"|(?P<scale_abbr>[kKmMbB])(?![A-Za-z])"
    r"|[多余]?(?P<scale_zh>[十百千万亿]{1,3}))?"
    r"(?P<pct>\s?(?:%|percent(?![A-Za-z])|per\s?cent(?![A-Za-z])))?"
    r"(?:\s?(?P<suffix>美元|美金|日元|港元|韩元|欧元|英镑|人民币|元|USD|EUR|GBP|CNY|RMB|JPY|HKD|dollars?|euros?"
    r"|yuan|pounds?)(?![A-Za-z]))?"
    r"(?![A-Za-z0-9])",
)

_RANK_PATTERNS = [
    re.compile(r"(?<![A-Za-z0-9])(?:ranked|ranks|rank|ranking|placed|came|finished|sat|sits)\s+"
               r"(?:at\s+|in\s+)?"
               r"(?:the\s+)?(?:No\.?\s*|number\s+|#\s*)?(?P<n>\d{1,3}|first|second|third|fourth|fifth|sixth|"
               r"seventh|eighth|ninth|tenth|one|two|three)(?:st|nd|rd|th)?(?![A-Za-z0-9])", re.I),
    re.compile(r"(?<![A-Za-z0-9])(?-i:No)\.\s?(?P<n>\d{1,3})(?![\d.,])", re.I),
    re.compile(r"(?<![A-Za-z0-9#])#\s?(?P<n>\d{1,3})(?![\d.,])"),
    re.compile(r"(?<![A-Za-z0-9])number[\s-]+(?P<n>one|two|three|\d{1,3})(?![A-Za-z0-9])", re.I),
    re.compile(r"(?<![A-Za-z0-9])(?P<n>first|second|third|1st|2nd|3rd|top)[\s-]+(?:place|spot|position)"
               r"(?![A-Za-z])", re.I),
    re.compile(r"(?<![A-Za-z0-9])topped\s+(?:the\s+)?(?:[\w'’.-]+\s+){0,4}?(?:charts?|rankings?|lists?|"
               r"leaderboards?)(?![A-Za-z])", re.I),
    re.compile(r"(?<![A-Za-z0-9])the\s+(?:top-grossing|highest-grossing|best-selling|most[\s-]downloaded|"
               r"top-earning|highest-earning)\s+(?:[\w-]+\s+){0,3}?(?:app|application|platform|title)"
               r"(?![A-Za-z])", re.I),
    re.compile(r"(?:排名|排行|位列|位居|名列|排在|位于|居)第?(?P<n>[一二三四五六七八九十\d]{1,3})(?:名|位)?"),
    re.compile(r"第(?P<n>[一二三四五六七八九十\d]{1,3})名"),
    re.compile(r"榜首|登顶|夺冠|冠军"),
]

# Periods: (regex, kind). Groups: y = year (2 or 4 digits), m = month number / name, q, h.
_Q_WORD = r"(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)"
_PERIOD_PATTERNS = [
    (re.compile(rf"(?P<mn>{_MONTH_NAME})\.?\s+(?:of\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?"
                r"(?P<y>(?:19|20)\d\d)"
                r"(?!\d)"), "M"),
    (re.compile(rf"(?<!\d)\d{{1,2}}\s+(?P<mn>{_MONTH_NAME})\.?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)"), "M"),
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月份?"), "M"),
    (re.compile(r"(?<![\d-])(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])(?![\d-])"), "M"),
    (re.compile(r"(?<![A-Za-z0-9])Q(?P<q>[1-4])\s*(?:['’]\s*(?P<y2>\d\d)|(?P<y>(?:19|20)\d\d))?"
                r"(?![A-Za-z0-9])",
                re.I), "Q"),
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年?\s*Q(?P<q>[1-4])(?![A-Za-z0-9])", re.I), "Q"),
    (re.compile(r"(?<![A-Za-z0-9])(?P<q>[1-4])Q\s*(?P<y2>\d\d)(?![A-Za-z0-9])"), "Q"),
    (re.compile(rf"(?<![A-Za-z0-9]){_Q_WORD}[\s-]+quarter(?:\s+of)?(?:\s+(?P<y>(?:19|20)\d\d))?(?!\d)", re.I),
     "Q"),
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s*年?\s*)?第?(?P<qz>[一二三四1-4])季度"), "Q"),
    (re.compile(r"(?<![A-Za-z0-9])H(?P<h>[12])\s*(?:['’]\s*(?P<y2>\d\d)|(?P<y>(?:19|20)\d\d))?"
                r"(?![A-Za-z0-9])"),
     "H"),
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*H(?P<h>[12])(?![A-Za-z0-9])"), "H"),
    (re.compile(r"(?<![A-Za-z0-9])(?P<h>[12])H\s*(?P<y2>\d\d)(?![A-Za-z0-9])"), "H"),
    (re.compile(r"(?<![A-Za-z0-9])(?P<hw>first|second)[\s-]+half(?:\s+of)?(?:\s+(?P<y>(?:19|20)\d\d))?(?!\d)",
                re.I), "H"),
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s*年?\s*)?(?P<hz>上|下)半年"), "H"),
    (re.compile(r"(?<!\d)(?P<m>1[0-2]|0?[1-9])\s*月份?(?!活)"), "M"),
    (re.compile(rf"(?<![A-Za-z])(?:in|during|for|throughout|since|by|of)\s+(?P<mn>{_MONTH_NAME})\b(?!\s*\d)"),
     "M"),
    (re.compile(r"(?<![\d.,$€£¥])(?P<y>(?:19|20)\d\d)"
                r"(?!\d|[.,]\d|\s*(?:%|万|亿|千|百|million|billion|thousand|元|美元|percent))(?:\s*年)?"), "Y"),
]


@dataclass(frozen=True, slots=True)
class _Period:
    start: int
    end: int
    kind: str  # "M", "Q", "H", "Y"
    year: int | None
    n: int  # month, quarter or half; 0 for a year

    def label(self, year: int) -> str:
        if self.kind == "M":
            return f"{year:04d}-{self.n:02d}"
        if self.kind == "Q":
            return f"{year:04d}-Q{self.n}"
        if self.kind == "H":
            return f"{year:04d}-H{self.n}"
        return f"{year:04d}"


@dataclass(frozen=True, slots=True)
class _Figure:
    start: int
    end: int
    text: str
    kind: str  # "money", "percent", "count", "rank"
    value: Decimal
    currency: str | None
    has_scale: bool = False


# --- public API ----------------------------------------------------------------------------------------


def extract_metrics(text: str, *, apps: AppNames | AppMatcher, published_at: str | None = None
                    ) -> list[ReportedMetric]:
    """Figures reported in ``text``, in order of appearance.

    ``apps`` is ``(app_key, [display name, aliases...])`` per tracked app (or a prebuilt matcher); a
    figure belongs to the app(s) named nearest before it in its sentence. ``published_at`` (ISO) supplies
    the year of a period written without one ("一季度", "in August"). Never raises.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    matcher = apps if isinstance(apps, AppMatcher) else build_matcher(apps)
    published = _published(published_at)
    metrics: list[ReportedMetric] = []
    context_year: int | None = None
    for sentence in split_sentences(text):
        found, years = _sentence_metrics(sentence, matcher, context_year, published)
        metrics.extend(found)
        if years:
            context_year = years[-1]
    return metrics


def split_sentences(text: str) -> list[str]:
    """Sentences of English or Chinese prose, whitespace collapsed.

    Breaks after 。！？!? and after a full stop followed by a space (not after "No.", "U.S.", "Inc."
    or an initial), at blank lines, and at a line break next to CJK text (hard-wrapped English lines are
    joined).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.lastgroup == "dot":
            window = text[max(start, m.start() - 40):m.start()]
            word = re.search(r"(?:^|(?<=[\s(\"'“‘]))([A-Za-z][A-Za-z.]*)$", window)
            if word and (len(word.group(1)) == 1 or word.group(1).lower().rstrip(".") in ABBREVIATIONS):
                continue
        elif m.lastgroup == "nl":
            before = text[max(start, m.start() - 40):m.start()].rstrip()
            after = _NEXT_VISIBLE.match(text, m.end())
            if before and after and not re.match(_CJK, before[-1]) and not re.match(_CJK, after.group(1)):
                continue  # a wrapped line of Latin text
        _add_sentence(sentences, text[start:m.end()])
        start = m.end()
    _add_sentence(sentences, text[start:])
    return sentences


_BOUNDARY = re.compile(
    r"(?P<hard>[。！？!?]+[”’\"」』）)]*)"
    r"|(?P<dot>\.+[”’\"」』）)]*)(?=\s|$)"
    r"|(?P<para>\n[ \t]*\n\s*)"
    r"|(?P<nl>\n)")


_NEXT_VISIBLE = re.compile(r"\s*(\S)")


def _add_sentence(out: list[str], chunk: str) -> None:
    sentence = " ".join(chunk.split())
    if sentence:
        out.append(sentence)


# --- one sentence --------------------------------------------------------------------------------------


class _Sentence:
    """One sentence with what every figure's classification looks up, computed once (keeps long
    sentences linear: every later look-up is a bisect or a bounded window)."""

    def __init__(self, text: str):
        self.text = text
        self.breaks = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
        self._spans: dict[str, tuple[list[int], list[int]]] = {}

    def keyword_spans(self, name: str, regex: re.Pattern[str]) -> tuple[list[int], list[int]]:
        if name not in self._spans:
            found = [(m.start(), m.end()) for m in regex.finditer(self.text)]
            self._spans[name] = ([a for a, _ in found], sorted(b for _, b in found))
        return self._spans[name]

    def breaks_between(self, a: int, b: int) -> int:
        return bisect_left(self.breaks, b) - bisect_left(self.breaks, a)

    def clause_before(self, position: int, width: int) -> str:
        """Up to ``width`` characters before ``position``, not reaching back past a clause break."""
        i = bisect_left(self.breaks, position) - 1
        start = self.breaks[i] + 1 if i >= 0 else 0
        return self.text[max(start, position - width):position]

    def clause_after(self, position: int, width: int) -> str:
        i = bisect_left(self.breaks, position)
        end = self.breaks[i] if i < len(self.breaks) else len(self.text)
        return self.text[position:min(end, position + width)]

    def nearest(self, name: str, regex: re.Pattern[str], fig: _Figure) -> int | None:
        """Characters between ``fig`` and the closest keyword, plus 15 per clause break in between.

        Both terms grow with distance, so only the closest keyword on each side can win.
        """
        starts, ends = self.keyword_spans(name, regex)
        best = None
        i = bisect_right(ends, fig.start) - 1
        if i >= 0:
            best = fig.start - ends[i] + 15 * self.breaks_between(ends[i], fig.start)
        j = bisect_left(starts, fig.end)
        if j < len(starts):
            distance = starts[j] - fig.end + 15 * self.breaks_between(fig.end, starts[j])
            best = distance if best is None else min(best, distance)
        return best


def _sentence_metrics(sentence: str, matcher: AppMatcher, context_year: int | None,
                      published: tuple[int, int] | None) -> tuple[list[ReportedMetric], list[int]]:
    text = sentence.translate(_FULLWIDTH)
    ctx = _Sentence(text)
    periods = _find_periods(text)
    years = [p.year for p in periods if p.year is not None]
    ranks = _find_ranks(text)
    taken = bytearray(len(text) + 1)
    for hit in [*ranks, *periods]:
        taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
    figures = [f for f in _find_figures(text) if 1 not in taken[f.start:f.end]]
    spans = matcher.finditer(sentence)

    classified: list[tuple[_Figure, str]] = [(r, "rank") for r in ranks]
    for fig in figures:
        metric = _classify(fig, ctx)
        if metric:
            classified.append((fig, metric))
    classified.sort(key=lambda item: item[0].start)

    boundaries = sorted([f.start for f in figures] + [r.start for r in ranks])
    year_hint = years[0] if years else context_year
    span_ends = [s.end for s in spans]
    groups = {id(fig): _app_group(spans, span_ends, fig.start, text) for fig, _ in classified}
    respectively = _respectively(classified, groups, text)

    out: list[ReportedMetric] = []
    seen_ranks: set[tuple[str | None, Decimal]] = set()
    for fig, metric in classified:
        if abs(fig.value) >= MAX_FIGURE:
            continue  # no market or app reaches this: a run of digits, not a figure (and no float holds it)
        next_figure = _next_after(boundaries, fig.start)
        if (fig.kind != "rank" and _COMPARE_RE.search(ctx.clause_before(fig.start, 40))
                and not _period_right_after(fig, periods, next_figure)):
            continue  # "up from $36M": a comparison base, unless it names its own period
        if metric == "market_size":
            app = None
        elif id(fig) in respectively:
            app = matcher.display_names.get(respectively[id(fig)])
        else:
            keys = groups[id(fig)]
            app = "+".join(matcher.display_names.get(k, k) for k in keys) or None
        if metric == "rank":
            if (app, fig.value) in seen_ranks:
                continue
            seen_ranks.add((app, fig.value))
        period = _period_for(fig, periods, next_figure, year_hint, published)
        out.append(ReportedMetric(app=app, metric=metric, value=_value(fig, metric),
                                  currency=fig.currency if metric in ("revenue", "market_size") else None,
                                  period=period, sentence=sentence, unit_text=fig.text))
    return out, years


def _next_after(sorted_positions: list[int], position: int) -> int | None:
    i = bisect_right(sorted_positions, position)
    return sorted_positions[i] if i < len(sorted_positions) else None


# --- figures -------------------------------------------------------------------------------------------


def _find_figures(text: str) -> list[_Figure]:
    figures = []
    tenths = []
    for m in _TENTHS_ZH.finditer(text):
        n = m.group("n")
        value = Decimal(n) if n[0].isdigit() else Decimal(ZH_DIGITS[n])
        tenths.append(_Figure(m.start(), m.end(), m.group(), "percent", value * 10, None))
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
        prefix = (m.group("prefix") or "").strip()
        suffix = (m.group("suffix") or "").strip()
        figure_text = m.group().strip()
        if m.group("pct"):
            if prefix or suffix or scale != 1:
                continue
            figures.append(_Figure(m.start(), m.end(), figure_text, "percent", value, None))
            continue
        currency = _currency(prefix, suffix, bool(m.group("scale_zh")), text)
        kind = "money" if currency else "count"
        figures.append(_Figure(m.start(), m.end(), figure_text, kind, value * scale, currency, scale != 1))
    return sorted(figures, key=lambda f: f.start)


def _currency(prefix: str, suffix: str, chinese_scale: bool, sentence: str) -> str | None:
    if suffix:
        return CURRENCY_SUFFIX.get(suffix.lower())
    if prefix in YEN_SIGNS:
        yuan = chinese_scale or re.search(r"元|人民币|RMB|CNY|yuan", sentence, re.I)
        return "CNY" if yuan else "JPY"
    if prefix:
        return CURRENCY_PREFIX.get(prefix.lower())
    return None


def _value(fig: _Figure, metric: str) -> int | float:
    if metric == "market_share":
        return float(fig.value / 100)
    if metric in ("revenue", "market_size") and fig.currency:
        whole = fig.value == fig.value.to_integral_value()
        return int(fig.value) if whole else float(round(fig.value, 2))
    return int(fig.value.to_integral_value())


# --- classification ------------------------------------------------------------------------------------


def _classify(fig: _Figure, ctx: _Sentence) -> str | None:
    text = ctx.text
    before, after = text[max(0, fig.start - 40):fig.start], text[fig.end:fig.end + 80]
    if fig.kind == "percent":
        if _is_growth(fig, ctx):
            return None
        share = ctx.nearest("share", _SHARE_RE, fig)
        listed = _PERCENT_LIST.match(after)
        share_of = _SHARE_OF.match(after[listed.end():] if listed else after)
        if ((share is not None and share <= 60) or share_of or _SHARE_ZH_BEFORE.search(before)
                or _SHARE_ZH_AFTER.match(after)):
            return "market_share"
        return None
    if _DELTA_RE.search(before):
        return None
    if fig.kind == "count":
        if not fig.has_scale and "." not in fig.text and "," not in fig.text and 1900 <= fig.value <= 2100:
            return None  # a year
        if _DATE_BEFORE.search(before[-12:]) or _DATE_AFTER.search(after[:16]):
            return None  # a day of a month
        downloaded_times = bool(_TIMES_AFTER.match(after)
                                and _DOWNLOADED_BEFORE.search(ctx.clause_before(fig.start, 60)))
        if _BEFORE_SKIP.search(before[-8:]) or (_is_thing_count(after) and not downloaded_times):
            return None
        wanted = ("downloads", "users", "revenue", "market_size", "other_money")
    else:
        near = ctx.clause_before(fig.start, 30) + " " + ctx.clause_after(fig.end, 30)
        if _PER_UNIT_RE.search(near):
            return None
        wanted = ("revenue", "market_size", "weak_market", "other_money")
    best: tuple[int, str] | None = None
    for name in wanted:
        distance = ctx.nearest(name, _CLASS_WORDS[name], fig)
        if distance is None:
            continue
        if name == "weak_market":
            distance += 20
        if best is None or distance < best[0]:
            best = (distance, name)
    if best is None:
        if fig.kind == "money" and fig.value >= MONEY_WITHOUT_KEYWORD:
            return "revenue"
        return None
    name = best[1]
    if name == "other_money":
        return None
    return "market_size" if name == "weak_market" else name


def _is_growth(fig: _Figure, ctx: _Sentence) -> bool:
    """A percentage next to a growth word in its clause: "up 4.48% MoM", "同比增长154%"."""
    before = ctx.clause_before(fig.start, 30)
    after = ctx.clause_after(fig.end, 30)
    if ctx.text[max(0, fig.start - 1):fig.start] in ("-", "+", "−"):
        return True
    if _GROWTH_RE.search(after):
        return True
    if _LEVEL_BEFORE.search(before):  # "grew to 30%" is a level
        return False
    return bool(_GROWTH_RE.search(before))


def _is_thing_count(after: str) -> bool:
    if _COUNT_NOUN_ZH.match(after):
        return True
    m = _COUNT_NOUN_RE.match(after)
    return bool(m) and not _METRIC_NOUN.search(m.group())


# --- ranks ---------------------------------------------------------------------------------------------


def _find_ranks(text: str) -> list[_Figure]:
    hits: list[_Figure] = []
    for regex in _RANK_PATTERNS:
        for m in regex.finditer(text):
            n = m.groupdict().get("n")
            rank = _rank_number(n) if n else 1
            if rank is None or not 1 <= rank <= 1000:
                continue
            hits.append(_Figure(m.start(), m.end(), m.group().strip(), "rank", Decimal(rank), None))
    hits.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[_Figure] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def _rank_number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in ORDINALS:
        return ORDINALS[word]
    return _zh_number(word)


def _zh_number(word: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23 (small numbers only)."""
    if not word or any(ch not in ZH_DIGITS and ch != "十" for ch in word):
        return None
    if "十" not in word:
        return int("".join(str(ZH_DIGITS[ch]) for ch in word)) if len(word) <= 3 else None
    tens, _, ones = word.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (ZH_DIGITS[tens] if tens else 1) * 10 + (ZH_DIGITS[ones] if ones else 0)


# --- apps ----------------------------------------------------------------------------------------------


def _app_group(spans: list[AppSpan], span_ends: list[int], position: int, text: str) -> list[str]:
    """App keys named nearest before ``position``, with the apps joined to it ("ReelShort and DramaBox")."""
    i = bisect_right(span_ends, position) - 1
    if i < 0:
        return []
    last = spans[i]
    gap = text[last.end:position]
    if len(gap) > MAX_APP_DISTANCE or _RESET_RE.search(gap):
        return []
    group = [last]
    for span in reversed(spans[:i]):
        if _JOIN_RE.fullmatch(text[span.end:group[0].start]):
            group.insert(0, span)
        else:
            break
    return list(dict.fromkeys(s.app_key for s in group))


def _respectively(classified: list[tuple[_Figure, str]], groups: dict[int, list[str]], text: str
                  ) -> dict[int, str]:
    """"ReelShort and DramaBox earned $52M and $35M respectively" → one app per figure, in order."""
    if not _RESPECTIVELY.search(text):
        return {}
    assigned: dict[int, str] = {}
    by_group: dict[tuple[tuple[str, ...], str], list[_Figure]] = {}
    for fig, metric in classified:
        keys = tuple(groups[id(fig)])
        if len(keys) >= 2:
            by_group.setdefault((keys, metric), []).append(fig)
    for (keys, _), figs in by_group.items():
        if len(figs) == len(keys):
            for fig, key in zip(figs, keys, strict=True):
                assigned[id(fig)] = key
    return assigned


# --- periods -------------------------------------------------------------------------------------------


def _find_periods(text: str) -> list[_Period]:
    hits: list[_Period] = []
    for regex, kind in _PERIOD_PATTERNS:
        for m in regex.finditer(text):
            period = _period_from_match(m, kind)
            if period is not None:
                hits.append(period)
    # Earlier patterns are more specific; drop any later hit that overlaps an earlier one.
    kept: list[_Period] = []
    taken = bytearray(len(text) + 1)
    for hit in hits:
        if 1 not in taken[hit.start:hit.end]:
            kept.append(hit)
            taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
    kept.sort(key=lambda p: p.start)
    return kept


def _period_from_match(m: re.Match[str], kind: str) -> _Period | None:
    groups = m.groupdict()
    year = None
    if groups.get("y"):
        year = int(groups["y"])
    elif groups.get("y2"):
        year = 2000 + int(groups["y2"])
    if kind == "M":
        n = MONTHS.get(groups["mn"].lower().rstrip(".")) if groups.get("mn") else int(groups["m"])
    elif kind == "Q":
        if groups.get("q"):
            n = int(groups["q"])
        elif groups.get("qw"):
            n = ORDINALS[groups["qw"].lower()]
        else:
            n = ZH_DIGITS.get(groups["qz"]) or int(groups["qz"])
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
    return _Period(m.start(), m.end(), kind, year, n)


def _period_for(fig: _Figure, periods: list[_Period], next_figure: int | None, year_hint: int | None,
                published: tuple[int, int] | None) -> str | None:
    """The period written right after the figure (before the next figure), else the nearest before it."""
    if not periods:
        return None
    starts = [p.start for p in periods]  # periods are sorted and do not overlap
    i = bisect_left(starts, fig.end)
    if i < len(periods) and (next_figure is None or periods[i].start < next_figure):
        chosen = periods[i]
    elif i > 0:
        chosen = periods[i - 1]
    else:
        chosen = periods[i]
    return _resolve(chosen, year_hint, published)


def _period_right_after(fig: _Figure, periods: list[_Period], next_figure: int | None) -> bool:
    i = bisect_left([p.start for p in periods], fig.end)
    return (i < len(periods) and periods[i].start <= fig.end + 20
            and (next_figure is None or periods[i].start < next_figure))


def _resolve(period: _Period, year_hint: int | None, published: tuple[int, int] | None) -> str | None:
    if period.year is not None:
        return period.label(period.year)
    if year_hint is not None:
        return period.label(year_hint)
    if published is None:
        return None
    year, month = published
    first_month = {"M": period.n, "Q": 3 * period.n - 2, "H": 6 * period.n - 5}.get(period.kind, 1)
    if first_month > month:  # "in December", read in January: last year's
        year -= 1
    return period.label(year)


def _published(value: str | None) -> tuple[int, int] | None:
    m = re.match(r"\s*(\d{4})-(\d{2})", value or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(1)), int(m.group(2))
