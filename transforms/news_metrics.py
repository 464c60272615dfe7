"""Market figures the press reports (downloads, revenue, shares, ranks...) → ``ReportedMetric`` records.

Pure and heuristic. The text is split into sentences (and paragraphs); each is normalised
(``transforms.text_normalise``: NFKC, simplified script, no citation or list markers, figures without inner spaces,
Arabic numerals) for matching, and what is output points back into the sentence as written. Each sentence is read
once (``_read``): its figures ("$48.74 million", "1.2亿美元", "2181.7W", "45.68%", "No. 3") and ranks
(``transforms.news_figures``), its periods (``transforms.news_periods``), the tracked apps it names
(``transforms.news_mentions``, with the short names the article introduces) and the other subjects it names —
platforms and apps we do not track, non-drama audiences — with the role every name plays (an example of a group,
a comparison's object: ``transforms.news_subjects``). Then:

* **metric** — the nearest keyword of the tables below classifies each figure;
* **subject** — the subject of the figure's clause: a figure written onto a name is that name's; another
  platform's figure is dropped; a group the apps are examples of is the market; otherwise the tracked app(s)
  named nearest before it (one per figure in an enumeration), the market (also a country or region as the
  subject), a company (dropped), or — in a sentence naming no subject — the app the previous sentence refers
  to ("The Chinese-owned platform…", "该平台…", "其…") or whose topic it continues with no subject at all;
* **period** — the period of the figure's own clause (not a comparison's, not an event's date, not one heading
  a later figure), relative years against the article's date, the previous sentence's when it set the scene or
  "the same month"/"本期" says so.

A figure with no unit (revenue without a currency) or no subject is dropped, not guessed. Growth rates, years,
episode and app counts, followers, registered and new users, per-user, per-day and per-month amounts, daily peaks,
one day's figures (also a day the previous sentence set), bounds several apps each passed ("均超"), thresholds,
conversions into another currency, gaps and leads between apps, a company's or business unit's figures,
cumulative totals (to date, since launch — unless the figure names its own period or is MAU/DAU), totals of the
year so far ("so far this year", "今年以来"), the bounds of a range ("between $35M and $40M", "300万至500万美元之间"),
and funding are not metrics; a total over a span no period label holds ("前三季度", "the first nine months") has
no period. A figure restricted to one country (an app's in a country, a country's share of the world or its
total set among other countries) is dropped: there is no geography field (see ``GEO``); a country in another clause
stating the app's chart place ("ReelShort, No. 1 on the US Google Play chart, made…") is the chart's, and an app's
origin ("Chinese-owned", "中国公司旗下") or a relative clause about it (", which dominates the US market,") never
restricts its figure; a country's users spending on one app ("美国用户…在ReelShort上花费…") is that app's figure in one
country, dropped. A figure written onto a comparison's object ("beating Starz at $55M", "仅次于X的1.3亿美元") is the
object's; box office and market value are not revenue; potential and short-video audiences are not users; a bound on
a share ("不足10%", "less than 4%", "over 30%") is no share. A year in parentheses after a figure is its period, a
year inside a title (《2025年…报告》) never; a paragraph's opening period carries to its list items, and a sentence
commenting on the previous statement ("That's up 23%…") keeps its period and, with no subject, its market. Apps named
as one group
("构成第一梯队，…合计…") keep their joint figures across clauses; a comparison base takes its own period
("较2024年上半年的5亿美元"). ``extract_metrics`` never raises.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from decimal import Decimal

from transforms.news_figures import Figure, figure_value, find_figures, find_ranks, rank_after
from transforms.news_mentions import AppMatcher, AppNames, AppSpan, build_matcher
from transforms.news_periods import (
    MONTH_NAME,
    Period,
    chosen_period,
    compared_period_before,
    find_periods,
    parse_published,
    period_right_after,
    pick_period,
)
from transforms.news_records import ReportedMetric
from transforms.news_subjects import Name, Roles, attached_name, find_other_names, sentence_roles
from transforms.text_normalise import NormalisedText, normalise

# A reported figure at or above this is a run of digits, not a figure (world revenue is ~1e14 USD a year).
MAX_FIGURE = Decimal(10) ** 15

# --- keyword tables ------------------------------------------------------------------------------------
# English entries match case-insensitively at word boundaries ("year over year" also matches
# "year-over-year"); entries with CJK match as substrings. MoM/YoY/QoQ match in that capitalisation only.

DOWNLOAD_WORDS = ("downloads", "downloaded", "download", "installs", "installed", "installations",
                  "下载量", "下载")
REVENUE_WORDS = ("revenue", "revenues", "in-app purchase", "in-app purchases", "in-app purchasing", "IAP",
                 "spend", "spending", "spent", "consumer spend", "earned", "earning", "earnings", "earns", "made",
                 "makes", "took in", "takes in", "pocketed", "hauled in",
                 "grossed", "gross", "grossing", "net", "generated", "generating", "generates", "sales",
                 "income", "bookings", "brought in", "pulled in", "raked in",
                 "收入", "营收", "流水", "内购", "收益", "创收", "吸金", "销售额", "充值", "花费", "支出", "消费")
SHARE_WORDS = ("share", "shares", "market share", "份额", "占比", "市占率", "市场占有率")
USER_WORDS = ("users", "user base", "MAU", "MAUs", "DAU", "DAUs", "monthly active", "daily active",
              "subscribers", "用户", "月活", "日活")
MARKET_SIZE_WORDS = ("market size", "market was worth", "market is worth", "market worth",
                     "市场规模", "行业规模", "产业规模", "总体规模", "整体规模", "总规模")
# Money near these alone is taken as the market's size, but any closer keyword wins.
WEAK_MARKET_WORDS = ("market", "industry", "市场", "行业")
# Money that is not revenue: nearest keyword here → not a metric.
# Counts that are not users or downloads: social-media audiences, registrations, ratings, views.
NOT_METRIC_WORDS = ("followers", "follower", "fans", "likes", "views", "plays", "ratings", "reviews",
                    "registered users", "registered", "registrations", "sign-ups", "signups", "accounts",
                    "new users", "新增用户", "新用户",
                    "粉丝", "追踪者", "关注者", "订阅者", "点赞", "播放量", "播放", "观看", "评分", "评论", "注册用户",
                    "注册")
OTHER_MONEY_WORDS = ("funding", "raised", "raise", "raises", "valuation", "valued", "invest", "invested",
                     "investment", "investors", "budget", "budgets", "cost", "costs", "costing", "price",
                     "priced", "prices", "salary", "fine", "fined", "acquisition", "acquired", "subscription",
                     "loss", "losses", "profit", "profits", "net income", "票房", "亏损", "利润", "净利", "净利润",
                     "融资", "估值", "投资", "成本", "预算", "制作费", "收购", "售价", "单价",
                     "milestone", "target", "goal", "threshold", "run-rate", "run rate", "annualized", "annualised",
                     "box office", "box-office", "market value", "market cap", "market capitalization",
                     "market capitalisation", "share price", "市值", "股价", "总市值")
# Money with these in its clause (within 30 characters) is a per-unit amount, whatever else is near.
PER_UNIT_WORDS = ("average", "on average", "per user", "per paying user", "ARPU", "ARPPU", "per episode",
                  "人均", "客单价", "每集", "平均")
# A figure with one of these in its clause is a per-day amount or a daily peak ("$1 million a day", "单日最高新增
# 用户", "日均新增下载"), not a period's total; DAU ("daily active", "每日活跃") is a level and stays users.
DAILY = r"(?:\b(?:a|per|each|every|one|single|best|record|peak)[\s-]+day\b|\bdaily\b(?![\s-]+active)|" \
        r"单日|单天|日均(?!活跃)|每日(?!活跃)|每天|一天|日新增|" \
        r"\b(?:per|every)\s+month\b|\bmonthly\s+average\b|\bon\s+average\s+each\s+month\b|每月|月均(?!活跃)|" \
        r"\bweekly\b|\b(?:a|per|each|every|one|single)\s+week\b|每周|周均|单周|一周)"
# (The same goes for an average month: "近半年来每月内购收入约3000万", "月均", "per month": a rate, no period's total.)
# A sentence about one day ("that day", "last Saturday", "a day-by-day record", "当天"): its figures are the day's.
ONE_DAY = r"(?:\b(?:that|the same|this|on the)\s+day\b|\bday[\s-]+by[\s-]+day\b|\bdaily\s+record\b|" \
          r"\b(?:last|on|this\s+past|one|a|that|this|past)\s+(?:single\s+)?" \
          r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|" \
          r"\b(?:on|over)\s+(?:Christmas|Thanksgiving|Valentine['’]s|New\s+Year['’]s|Black\s+Friday|Cyber\s+Monday|" \
          r"Singles['’]?|Halloween|Easter|Mother['’]s|Father['’]s)(?:\s+(?:Day|Eve))?\b|" \
          r"\b(?:in|within|over)\s+(?:the\s+|a\s+|one\s+)?(?:single\s+)?24[\s-]*hours?\b|\b24[\s-]*hour\b|" \
          r"当天|当日|那一天|这一天|(?:上|本|这)?(?:周|星期)[一二三四五六日天](?:当天)?)"
# A difference between two apps is not a level: "a lead of $10 million over", "拉开近1000万美元的差距", "领先…约800万".
GAP = r"(?:\b(?:a|the|its|their|his|her)\s+(?:[\w-]+\s+)?(?:lead|margin|difference)\b|\bgap\b|\blead\s+(?:of|over)\b|" \
      r"\bahead\s+(?:of|by)\b|\bbehind\b|\bshort\s+of\b|差距|领先(?!的)|落后|差额|相差)"
# A cumulative total (lifetime, since launch) is no period's figure: it is dropped. "累计" alone is a cumulative
# total when the sentence gives an as-of date ("截至2024年底…累计") or names no period, else a period's sum
# ("2025年上半年…累计内购收入", "今年前三季度…累计下载量").
CUMULATIVE = r"(?:(?<!year-)(?<!year )\bto[\s-]date\b|\blifetime\b|\ball[\s-]time\b|\bcumulative(?:ly)?\b|\ball\s+told\b|" \
             r"\bsince\s+(?:its\s+|their\s+|the\s+app['’]s\s+)?(?:launch|launching|release|debut|inception)\b|" \
             r"\bsince\s+(?:it|they)\s+(?:launched|debuted|went live)\b|\bover\s+(?:its|their)\s+lifetime\b|" \
             r"上线以来|上线至今|自上线|问世以来|推出以来|迄今|至今|历史累计)"
CUMULATIVE_WEAK = r"(?:累计|累积)"
# A total of the year so far ("so far this year", "year-to-date", "今年以来", "截至目前"): no closed period's figure,
# dropped unless the figure's own clause names a month, quarter or half of its own.
TO_DATE = r"(?:\byear[\s-]to[\s-]date\b|\bYTD\b|\bso\s+far\s+(?:this\s+year|in\s+(?:the\s+year|\d{4}))\b|" \
          r"今年以来|年初以来|年初至今|截[至止]目前|目前为止)"
AS_OF = r"(?:截至|截止|\bas of\b|\bby the end of\b)"
# Countries and regions: with people or a market after them (or "users in Japan"), the subject of what follows.
COUNTRIES = r"(?:US|U\.S\.?|USA|United States|America|American|Americans|Japan|Japanese|Korea|Korean|South Korea|" \
            r"Indonesia|Indonesian|Philippines|Filipino|Brazil|Brazilian|Mexico|Mexican|Germany|German|UK|Britain|" \
            r"British|France|French|India|Indian|Thailand|Thai|Vietnam|Vietnamese|Southeast Asia|Southeast Asian|" \
            r"Europe|European|Latin America|Latin American|North America|North American|Middle East|Taiwan|" \
            r"Australia|Australian|Canada|Canadian|Spain|Spanish|Turkey|Russia|China|Chinese)"
COUNTRIES_ZH = r"(?:美国|日本|韩国|印尼|印度尼西亚|菲律宾|巴西|墨西哥|德国|英国|法国|印度|泰国|越南|东南亚|欧洲|拉美|" \
               r"南美|北美|中东|台湾|澳大利亚|加拿大|西班牙|土耳其|俄罗斯|中国|国内|海外)"
MARKET_SUBJECT = rf"(?:\b{COUNTRIES}\b(?:\s+[\w-]+){{0,2}}?\s+(?:users|consumers|players|viewers|audiences|" \
                 rf"spending|market)\b|\b(?:users|consumers|players|viewers|audiences|people)\s+(?:in|from)\s+" \
                 rf"(?:the\s+)?{COUNTRIES}\b|{COUNTRIES_ZH}(?:地区|市场)?的?(?:用户|玩家|观众|消费者|市场|地区))"
# A figure restricted to one country or region is no market's and no app's global figure (there is no geography
# field): an app's figure in a country ("ReelShort's downloads in the US", "ShortMax在美国市场的收入"), a country's
# share of the world ("the US contributed 60% of global revenue", "印度以22.69%的下载量占比…"), and a country's total
# when the sentence sets it among others (several countries named, or ranked: "印度…蝉联第一，单季度下载量1.38亿次",
# "accounting for 53.5% of worldwide revenue"). A country that is the subject of the whole sentence ("US users spent
# $97M on short drama apps in January") is that market's figure, as before. China and 海外/国内 are not restrictions.
GEO = r"(?:\b(?:US|U\.S\.?|USA|United States|America|American|Americans|Japan|Japanese|Korea|Korean|South Korea|" \
      r"Indonesia|Indonesian|Philippines|Filipino|Brazil|Brazilian|Mexico|Mexican|Germany|German|UK|Britain|British|" \
      r"France|French|India|Indian|Thailand|Thai|Vietnam|Vietnamese|Southeast Asia|Southeast Asian|Europe|European|" \
      r"Latin America|Latin American|North America|North American|Middle East|Taiwan|Australia|Australian|Canada|" \
      r"Canadian|Spain|Spanish|Turkey|Russia)\b(?!\s?\$)|美国|日本|韩国|印尼|印度尼西亚|菲律宾|巴西|墨西哥|德国|英国|法国|" \
      r"印度|泰国|越南|东南亚|欧洲|拉美|南美|北美|中东|台湾|澳大利亚|加拿大|西班牙|土耳其|俄罗斯)"
AMONG = r"(?:\b(?:largest|biggest|leading|ranked|ranks|behind|followed\s+by|second[\s-]largest|accounting\s+for|" \
        r"king|queen|leader|champion|runner-up|" \
        r"accounted\s+for|account\s+for|contribut\w*|worldwide|global|globally|share)\b|第[一二三四五六七八九十\d](?!季|个?月)|" \
        r"其次|位居|位列|蝉联|仅次于|居首|榜首|排名|领跑|最大|贡献|占比|份额|全球)"
# A figure in a sentence naming no app belongs to the single app of the previous sentence when the sentence
# refers back to it ("The app earned…", "Its downloads…", "该应用…", "其9月…").
ANAPHOR = r"(?:\b(?:the|this)\s+(?:[\w-]+\s+){0,2}?(?:app|application|platform|service)(?:['’]s)?(?![\w-])" \
          r"(?!\s+(?:store|stores|market|markets|economy|industry|charts?|category)\b)|" \
          r"^(?:[^,，]{0,40}[,，]\s*|(?:(?:last|this|that|next)\s+(?:year|month|quarter)|in\s+\w+(?:\s+\d{4})?)\s+)?" \
          r"(?:its|it(?!['’]s|\s+(?:is|was|seems|appears)\b))\b|该(?:应用|平台|App|APP|app|产品|软件)|这款[^,，。；;]{0,12}?(?:应用|App|APP|app|产品|平台)|" \
          r"此应用|(?:^|(?<=[,，]))\s*(?:其|它)(?![中他余实次后间])(?=[^,，;；。]*\d))"
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
DELTA_BEFORE = r"(?:\bby|\bincrease of|\bgrowth of|\bdecrease of|\bdecline of|" \
               r"(?<!picked )(?<!racked )(?<!chalked )(?<!ended )(?<!wound )(?<!signed )\bup|\bdown|\bgained|\badded" \
               r"|增长了?|增加了?|减少了?|下降了?|下滑了?|提升了?|上涨了?|多了|少了)"
COMPARE_BEFORE = r"(?:\bfrom|\bversus|\bvs\.?|\bcompared (?:with|to)|(?<!more )(?<!less )(?<!fewer )" \
                 r"(?<!greater )\bthan|较|相比|对比)"
APPROX = r"(?:about|around|approximately|approx\.?|roughly|nearly|almost|over|more than|less than|under|" \
         r"some|just over|just under|close to|up to|an estimated|estimated|at least|~|≈|>|<|≥|≤|约|近|超|" \
         r"超过|逾|达|达到|突破|破|高达|仅|约为|为|共|合计|累计|了)"
# A market-wide subject after a clause break ends the previous app's sentence part.
MARKET_WIDE = r"(?:\b(?:global|total|overall|industry|worldwide|entire|whole)\b|全球|整体|行业|整个|总)"

MONEY_WITHOUT_KEYWORD = 10**6  # money this large with no keyword at all is taken as revenue
MAX_APP_DISTANCE = 200  # an app named further before a figure (in characters) is not its subject
# The subject is a company, not an app: between the app and its figure ("其母公司", "ReelShort's parent"), or
# naming the app ("the company behind ReelShort", "ReelShort背后的公司"); a company's own name with no app.
COMPANY_WORDS = r"(?:\b(?:company|companies|firm|parent|owner|studio|studios|developer|publisher|operator|" \
                r"group|inc|ltd|corp|corporation|holdings?|maker|business|division|unit|segment|subsidiary)\b|" \
                r"业务|事业部|板块|子公司|母公司|公司|集团|控股|股份|科技|互动|互娱|传媒|" \
                r"文化|网络|影视|中文在线|昆仑万维|字节跳动|Crazy Maple|COL Group|Kunlun|StoryMatrix|Holywater)"
# ...unless the app is named again after it ("the app", "该应用").
APP_AGAIN = r"(?:\b(?:the|its|this)\s+(?:app|application|platform)\b|该应用|该平台|平台本身|App本身|应用本身)"
# Words that make a figure with no app the market's.
MARKET_CUES = rf"(?:\b{COUNTRIES}\b|{COUNTRIES_ZH}|" \
              r"\b(?:market|markets|industry|sector|category|genre|short[\s-]*drama|micro[\s-]*dramas?|" \
              r"apps|platforms|global|globally|worldwide|overall|total)\b|市场|行业|短剧|赛道|全球|海外|整体|" \
              r"应用|平台|品类|大盘|美国|东南亚|欧洲|日本|韩国|拉美|南美|北美|中东|" \
              r"\b(?:US|U\.S\.|Southeast Asia|Europe|Japan|Korea|Latin America|North America)\b)"

ABBREVIATIONS = {"no", "nos", "mr", "mrs", "ms", "dr", "prof", "inc", "ltd", "co", "corp", "vs", "approx",
                 "est", "e.g", "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                 "nov", "dec", "st", "jr", "sr", "fig", "vol", "mt", "u.s", "u.k", "u.s.a"}

# --- regexes -------------------------------------------------------------------------------------------

_CJK = r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]"


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
    # "市场2025年规模达到…": 规模 of a market, but not "用户规模" (a user count).
    "market_size": re.compile(_words(MARKET_SIZE_WORDS) + r"|(?<!用户)(?<!人数)(?<!使用者)规模", re.I),
    "weak_market": re.compile(_words(WEAK_MARKET_WORDS), re.I),
    "other_money": re.compile(_words(OTHER_MONEY_WORDS), re.I),
    "not_metric": re.compile(_words(NOT_METRIC_WORDS), re.I),
}
_COMPANY_RE = re.compile(COMPANY_WORDS, re.I)
_APP_AGAIN_RE = re.compile(APP_AGAIN, re.I)
_MARKET_CUE_RE = re.compile(MARKET_CUES, re.I)
_STRONG_MARKET_RE = re.compile(r"\b(?:market|industry|sector)\b|市场|行业|大盘", re.I)
# "其中内购收入占比约七成", "ads made up 21% of revenue": how the market's revenue splits, not anyone's share.
_REVENUE_MIX_BEFORE = re.compile(r"(?:内购|广告|订阅|付费)(?:收入)?(?:占比|占)[^，,。；;]{0,6}$"
                                 r"|\b(?:ads?|advertising|subscriptions?|in-app purchases?|IAP)\b[^,;.]{0,20}$",
                                 re.I)
# "the company behind ReelShort", "ReelShort's parent", "ReelShort背后的公司": the app names a company.
_COMPANY_OF_APP_BEFORE = re.compile(
    r"(?:\b(?:company|firm|developer|publisher|studio|owner|parent|maker|operator)\s+(?:behind|of|that\s+\w+)"
    r"|\b(?:which|that|who)\s+(?:owns|runs|operates|developed|develops|publishes|makes|launched))"
    r"(?:\s+the\s+app)?\s*$", re.I)
_COMPANY_OF_APP_AFTER = re.compile(r"^(?:['’]s)?\s*(?:parent|owner|developer|publisher|maker|operator)\b|^的?(?:背后的?|母)公司",
                                   re.I)
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
_POTENTIAL_RE = re.compile(r"\b(?:potential|addressable|prospective)\b|潜在|可触达", re.I)
# A percentage written as a bound: "不足10%", "less than 4%", "over 30%", "15%以上" (shares only; money keeps "over").
_BOUND_BEFORE = re.compile(r"(?:不足|不到|不及|低于|少于|未满|未及|超过|超出|超|逾|高于|多于|过|"
                           r"\b(?:less|fewer|more|greater|higher|lower)\s+than|\bunder|\bbelow|\bover|\babove|\bupwards\s+of|"
                           r"\bat\s+least|\bat\s+most|\bup\s+to|[<>≤≥])\s*$", re.I)
# ("38%以上" after the figure stays a share, as the corpus has it: only an upper bound written after is dropped.)
_BOUND_AFTER = re.compile(r"\s*(?:以下|之下|or\s+(?:less|lower)\b)", re.I)
_TIMES_AFTER = re.compile(r"\s*times(?![A-Za-z])", re.I)
_DOWNLOADED_BEFORE = re.compile(r"(?<![A-Za-z])(?:downloaded|installed)(?![A-Za-z])", re.I)
_COUNT_NOUN_RE = re.compile(
    r"\s*(?:[+]|plus)?\s*(?:[A-Za-z][\w'-]*\s+){0,2}?(?:" + "|".join(map(re.escape, COUNT_NOUNS))
    + r")(?![A-Za-z])", re.I)
_METRIC_NOUN = re.compile(_words(DOWNLOAD_WORDS + USER_WORDS + REVENUE_WORDS), re.I)
_COUNT_NOUN_ZH = re.compile(r"\s*[多余+]?\s*(?!月活|日活|月度活跃|日度活跃)(?:" + "|".join(map(re.escape, COUNT_NOUNS_ZH)) + ")")
_DELTA_RE = re.compile(rf"{DELTA_BEFORE}\s*(?:{APPROX}\s*)*[$€£¥￥]?$", re.I)
_COMPARE_RE = re.compile(rf"{COMPARE_BEFORE}\s*(?:{APPROX}\s*)*[$€£¥￥]?$", re.I)
_LEVEL_BEFORE = re.compile(rf"(?:\bto|至|到|达到?|为)\s*(?:{APPROX}\s*)*$", re.I)
_DATE_BEFORE = re.compile(rf"{MONTH_NAME}\.?\s*$")  # "August 5"
_DATE_AFTER = re.compile(rf"^\s*(?:st|nd|rd|th)?\s*(?:of\s+)?{MONTH_NAME}\b")  # "5 August", "5th of May"
_BEFORE_SKIP = re.compile(r"(?:\btop[\s-]*|第|前|\bno\.?\s*|#\s*|\bQ|\bH|\bFY\s*|"
                          r"\b(?:month|week|day|year|quarter|season|episode|chapter|page|part|level|version)\s+)$", re.I)
_CLAUSE_BREAK = re.compile(r"[;；:：。!?！？()（）]|[，、]|,(?!\d{3}(?!\d))")
_RESET_RE = re.compile(
    rf"(?:[,，;；:：]|\b(?:while|whereas|as|and|with|but)\b|而|同时|其中)[^,，;；]*?(?:{MARKET_WIDE}|{MARKET_SUBJECT})",
    re.I)
_DAILY_RE = re.compile(DAILY, re.I)
_ONE_DAY_RE = re.compile(ONE_DAY, re.I)
_GAP_RE = re.compile(GAP, re.I)
_GEO_RE = re.compile(GEO, re.I)
_AMONG_RE = re.compile(AMONG, re.I)
# "in the US", "from US users", "US users alone": a figure's clause restricting it to one country.
_GEO_AFTER_RE = re.compile(rf"^[^,，;；。]*?(?:\b(?:in|from|among)\s+(?:the\s+)?(?:{GEO})|(?:{GEO})\s+(?:users|consumers|"
                           rf"players|viewers|audiences|alone))", re.I)
# "expanded into Japan", "进入日本市场": where the app went, not what its figure covers.
_ENTERED_RE = re.compile(r"(?:\binto|\bentered|\bentering|\blaunched in|进入|进军|入驻|布局|登陆)\s*(?:the\s+)?$", re.I)
_GEO_OPENING_RE = re.compile(rf"^\s*(?:(?:(?:in|from)\s+(?:the\s+)?|在)(?:{GEO})(?:市场)?\s*[,，]|(?:{GEO})(?:地区|市场)?的?"
                             rf"(?:用户|玩家|观众|消费者)|(?:{GEO})\s+(?:users|consumers|viewers|players|audiences)\b)", re.I)
# ", which dominates the US market,", ", whose biggest market is the US,": a relative clause about the app, not the
# figure's subject or scope.
_RELATIVE_CLAUSE = re.compile(r",\s*(?:which|whose|who)\b[^,;]*,", re.I)
# Before a rank: another app's place the subject is ahead of or behind ("领先第二名", "ahead of the No. 2").
_RANK_OF_OTHER = re.compile(r"(?:领先|超过|超越|落后于?|\bahead\s+of|\bbehind|\btrailing)\s*(?:the\s+)?$", re.I)
# A group named as one ("构成第一梯队，…合计…", "together", "as top global apps"): its figures stay joint across clauses.
_GROUP_CUE = re.compile(r"\b(?:together|combined|collectively|jointly|between them|as\s+(?:the\s+)?(?:top|leading|"
                        r"biggest|largest)\b[^,;]*?\b(?:apps|players|platforms))|总和|合计|共同|共占|共计|梯队|阵营", re.I)
_RANK_IN = re.compile(r"[(（]\s*(?:\bNo\.\s?\d|#\s?\d|第[\d一二三四五六七八九十])", re.I)
_CUMULATIVE_RE = re.compile(CUMULATIVE, re.I)
_CUMULATIVE_WEAK_RE = re.compile(CUMULATIVE_WEAK)
_TO_DATE_RE = re.compile(TO_DATE, re.I)
_AS_OF_RE = re.compile(AS_OF, re.I)
_ANAPHOR_RE = re.compile(ANAPHOR, re.I)
# Between two figures of a bare list ("$24.5 million, $18.3 million and $9.9 million", "1,350万次、980万次").
_LIST_GAP = re.compile(rf"\s*(?:次|人|名|downloads?|installs?|users?|times)?\s*(?:[,，、/;；]|\band\b|&|和|与|及|以及)"
                       rf"\s*(?:and\s+)?(?:{APPROX}\s*)*(?:US|USD)?\s*[$€£¥￥]?", re.I)
_JOIN_RE = re.compile(r"\s*(?:[,，、/+&]|and|plus|和|与|及|以及|同)?\s*(?:and|&)?\s*(?:the\s+)?", re.I)
_SAME_PERIOD = re.compile(r"\bthe same (?:month|quarter|period|half|year)\b|同月|当月|同季度|同期(?!相比|增长|下降)|"
                          r"本期|本月(?!份额)|\b(?:this|that)\s+(?:period|month)\b|\b(?:that|the)\s+(?:quarter|half)\b|"
                          r"\bthat\s+year\b", re.I)
_RESPECTIVELY = re.compile(r"respectively|分别|分列", re.I)
# After another platform's figure, a market subject in a new clause takes over ("…10.6亿，微短剧用户规模为6.9亿").
_OTHER_RESET_RE = re.compile(
    rf"(?:[,，;；:：]|\b(?:while|whereas|but)\b|而|但)[^,，;；]*?(?:{MARKET_WIDE}|{MARKET_SUBJECT}|"
    r"\b(?:short|micro)[\s-]*dramas?\s+(?:apps?|platforms?|market|industry|users|viewers|sector)\b|"
    r"(?:微短剧|短剧|出海短剧)(?:应用|平台|市场|行业|用户|APP|App)?)", re.I)
# "均超1000W", "each topped $30 million": a bound every app of the group passed.
_NOW_RE = re.compile(r"如今|目前|现在|当前|眼下|\b(?:now|currently|today|at\s+present)\b", re.I)
_CONVERTED_RE = re.compile(r"(?:折合|约合|合计约合|相当于|换算成?|合(?=人民币|美元)|\bequivalent\s+to|\bor\s+about)\s*"
                          r"(?:人民币|美元)?\s*(?:约|近|about\s+|around\s+)?[$€£¥￥]?$", re.I)
# "5.7亿美元（约40亿元）": the same money in another currency, in parentheses right after it.
_PAREN_CONVERSION = re.compile(r"\s*(?:人民币|美元|美金|新台币|港币|日元|RMB|USD)?\s*[(（]\s*(?:约|近|合|折合|约合|相当于|approx\.?\s*|approximately\s+|about\s+|around\s+|"
                               r"roughly\s+|nearly\s+|some\s+|or\s+|~|≈)?\s*(?:人民币|美元|新台币|台币|港币|港元|日元)?\s*"
                               r"(?:约|近)?\s*(?:US|HK|NT|JP)?[$€£¥￥]?$", re.I)
_NOT_SHARE_RE = re.compile(r"男性|女性|年龄|岁|留存|付费率|转化率|复购|\b(?:women|men|female|male|aged|retention|retained|"
                           r"conversion|paying)\b", re.I)
# "Market intelligence firm Sensor Tower reported that…", "某数据公司统计显示": the company is the source, not the subject.
_SOURCE_AFTER = re.compile(r"[^,，。;；]{0,30}?(?:\b(?:reported|reports|said|says|estimated|estimates|found|finds|data|shows|"
                           r"showed|noted|notes|according)\b|显示|数据|报告|发布|统计|预估|监测|指出)", re.I)
_FROM_TO = re.compile(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+|nearly\s+)?[$€£¥]?$|从\s*$|由\s*$", re.I)
_TO_AFTER = re.compile(r"\s*(?:(?:in|during)\s+[^,;，；]{1,24}?\s+)?(?:up\s+)?to\s+(?:about\s+|around\s+|roughly\s+|nearly\s+|"
                       r"over\s+|more\s+than\s+|almost\s+)?[$€£¥]?"
                       r"|[^,;，；]{0,12}?(?:增长|增加|提升|上升|上涨|跃升|攀升|飙升|猛增|降|下降|下滑)?(?:至|到)\s*(?:约|近|超)?\s*[$€£¥]?",
                       re.I)
_PERIOD_PREFIX = re.compile(r"\s*(?:的|:|：)?\s*(?:约|近|超|达|about\s+|around\s+)?\s*[$€£¥]?", re.I)
_THRESHOLD_AFTER = re.compile(r"\s*(?:次|人|名)?\s*(?:以上|之上)?\s*的\s*[\u4e00-\u9fff]{0,8}?(?:APP|App|app|应用|产品|平台)"
                              r"|[\s-]*(?:or\s+more\s+)?(?:downloads?|installs?|users|MAU)?[\s-]*(?:club|mark|threshold|tier)\b",
                              re.I)
_SELF_RE = re.compile(r"\bthe\s+(?:app|application|platform|service)\s+itself\b|(?:App|APP|app|应用|平台)本身", re.I)
# "the two platforms", "both apps", "二者", "这两款应用": the apps the previous sentence named, in order.
_PLURAL_ANAPHOR_RE = re.compile(r"\b(?:the|these|those)\s+(?P<n>two|three|pair)(?:\s+(?:apps|platforms|services|leaders|players))?"
                                r"\b|\b(?P<n2>both)\s+(?:apps|platforms|services)\b|(?P<n3>二者|两者|三者)|"
                                r"这?(?P<n4>两|三)款(?:应用|App|APP|app|产品|平台)", re.I)
_PLURAL_COUNT = {"two": 2, "pair": 2, "three": 3, "both": 2, "二者": 2, "两者": 2, "三者": 3, "两": 2, "三": 3}
_SPENT_ON = re.compile(r"\s*(?:on|in|for|with)\s+(?:the\s+)?(?:app\s+)?", re.I)
_EACH_AFTER = re.compile(r"\s*(?:each|apiece)\b", re.I)
_SEVERAL_RE = re.compile(r"二者|两者|三者|两款|三款|几款|多款|双方|\bboth\b|\ball\s+(?:three|four|five)\b", re.I)
_EACH_RE = re.compile(r"(?:均|都|皆|各自?)\s*(?:已|曾)?\s*(?:超过?|突破|达到?|逾|在|近|为|约|高于)?\s*[$€£¥]?$"
                      r"|\b(?:each|both|all)\b[^,;]{0,20}$", re.I)
# "上期榜首", "上月第3名": the place an app held in an earlier period.
_EARLIER_RANK = re.compile(r"(?:上期|上月|上个月|前一期|上一期|去年|\blast\s+(?:month|week|quarter)['’]?s?)\s*的?\s*(?:排名)?\s*$",
                           re.I)
_LEVEL_USERS_RE = re.compile(r"月活|日活|\bMAUs?\b|\bDAUs?\b|\bmonthly\s+active\b|\bdaily\s+active\b|月度活跃|日度活跃",
                             re.I)
# A day set as the scene of what follows ("what the leaders grossed on one Saturday", "9月20日一天的收入").
_PERIOD_WORD = re.compile(r"\b(?:monthly|quarterly|annual|yearly|weekly)\b|单月|月度|季度|全年|年度|每月", re.I)
_DAY_SCENE_RE = re.compile(r"\b(?:a\s+single|one|single)\s+day\b|一天|单日|当天|当日", re.I)
# "紅果免費短劇（以下簡稱“紅果”）", "(hereafter “Hongguo”)": a short name the article gives an app.
_INTRODUCED_NAME = re.compile(r"[(（]\s*(?:以下简称|以下称|下称|下文简称|简称|hereafter|hereinafter(?:\s+referred\s+to\s+as)?)"
                              r"\s*[:：]?\s*[“\"「『‘']?(?P<name>[^”\"」』’'）)，,。;；]{1,24}?)[”\"」』’']?\s*[)）]", re.I)
# A title — of a report, a white paper, a drama — in 《》 or quotes, or an English report's capitalised name: a year in it
# is the title's, never a figure's period.
_TITLE_RE = re.compile(r"《[^《》]{1,60}》|[\"“][^\"“”]{2,80}[\"”]|(?-i:\b(?:(?:19|20)\d\d\s+)?(?:[A-Z][\w&-]*\s+){1,6}"
                       r"(?:Report|White\s+Paper|Whitepaper|Outlook|Survey|Study|Index|Yearbook)(?:\s+(?:19|20)\d\d)?\b)")
_NAME_TAIL = re.compile(r"\s*(?:App|APP|app|应用|平台)?\s*")

# --- public API ----------------------------------------------------------------------------------------


def extract_metrics(text: str, *, apps: AppNames | AppMatcher, published_at: str | None = None
                    ) -> list[ReportedMetric]:
    """Figures reported in ``text``, in order of appearance.

    ``apps`` is ``(app_key, [display name, aliases...])`` per tracked app (or a prebuilt matcher); a
    figure belongs to the subject of its clause: the app(s) named nearest before it, unless another platform, a
    group the apps are examples of, or a comparison stands between (``transforms.news_subjects``).
    ``published_at`` (ISO) supplies the year of a period written without one ("一季度", "in August") and of
    "今年", "last year". Never raises.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    matcher = apps if isinstance(apps, AppMatcher) else build_matcher(apps)
    state = _Article(matcher=matcher, published=parse_published(published_at))
    metrics: list[ReportedMetric] = []
    for sentence, new_paragraph in _split(text):
        if new_paragraph:  # a reference back ("The platform…") still reaches over it; a bare continuation does not
            state.day_scene, state.paragraph_start, state.last_period = False, True, None
            state.opening, state.market_topic = None, False
        metrics.extend(_sentence_metrics(sentence, state))
        state.paragraph_start = False
    return metrics


@dataclass
class _Article:
    """What one sentence of an article leaves for the next."""

    matcher: AppMatcher
    published: tuple[int, int] | None
    year: int | None = None  # the last year named
    period: str | None = None  # the period the previous sentence ends on
    last_period: str | None = None  # the last period any sentence of the paragraph named
    scene: bool = False  # the previous sentence stated no figure (it set the scene)
    day_scene: bool = False  # ...and the scene was one day ("what the leaders grossed on one Saturday")
    apps: list[str] = field(default_factory=list)  # the previous sentence's subjects ("~other": not ours)
    topic: str | None = None  # the subject the previous sentence opens with (an app key, "~other")
    opening: str | None = None  # the one period the paragraph's first sentence named
    market_topic: bool = False  # the previous sentence's figures were all the market's
    paragraph_start: bool = True


def split_sentences(text: str) -> list[str]:
    """Sentences of English or Chinese prose, whitespace collapsed.

    Breaks after 。！？!? and after a full stop followed by a space (not after "No.", "U.S.", "Inc."
    or an initial), at blank lines, and at a line break next to CJK text (hard-wrapped English lines are
    joined).
    """
    return [sentence for sentence, _ in _split(text)]


def _split(text: str) -> list[tuple[str, bool]]:
    """``split_sentences``, each sentence with whether a paragraph starts with it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sentences: list[tuple[str, bool]] = []
    start = 0
    paragraph = True
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
        if _add_sentence(sentences, text[start:m.end()], paragraph):
            paragraph = False
        if m.lastgroup == "para":
            paragraph = True
        start = m.end()
    _add_sentence(sentences, text[start:], paragraph)
    return sentences


_BOUNDARY = re.compile(
    r"(?P<hard>[。！？!?]+[”’\"」』）)]*)"
    r"|(?P<dot>\.+[”’\"」』）)]*)(?=\s|$)"
    r"|(?P<para>\n[ \t]*\n\s*)"
    r"|(?P<nl>\n)")


_NEXT_VISIBLE = re.compile(r"\s*(\S)")


def _add_sentence(out: list[tuple[str, bool]], chunk: str, paragraph: bool) -> bool:
    sentence = " ".join(chunk.split())
    if sentence:
        out.append((sentence, paragraph))
    return bool(sentence)


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

    def clause_start(self, position: int) -> int:
        """Where the clause holding ``position`` starts."""
        i = bisect_left(self.breaks, position) - 1
        return self.breaks[i] + 1 if i >= 0 else 0

    def clause_end(self, position: int) -> int:
        """Where the clause holding ``position`` ends."""
        i = bisect_left(self.breaks, position)
        return self.breaks[i] if i < len(self.breaks) else len(self.text)

    def clause_before(self, position: int, width: int) -> str:
        """Up to ``width`` characters before ``position``, not reaching back past a clause break."""
        i = bisect_left(self.breaks, position) - 1
        start = self.breaks[i] + 1 if i >= 0 else 0
        return self.text[max(start, position - width):position]

    def clause_after(self, position: int, width: int) -> str:
        i = bisect_left(self.breaks, position)
        end = self.breaks[i] if i < len(self.breaks) else len(self.text)
        return self.text[position:min(end, position + width)]

    def nearest(self, name: str, regex: re.Pattern[str], fig: Figure) -> int | None:
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


@dataclass
class _Reading:
    """One sentence read for matching: its figures, ranks, periods and names, and the roles the names play."""

    sentence: str
    norm: NormalisedText
    ctx: _Sentence
    spans: list[AppSpan]  # tracked apps named
    names: list[Name]  # tracked apps and other subjects, in order
    roles: Roles
    periods: list[Period]
    years: list[int]
    ranks: list[Figure]
    figures: list[Figure]

    @property
    def text(self) -> str:
        return self.ctx.text


def _read(sentence: str, state: _Article) -> _Reading:
    norm = normalise(sentence)
    text = norm.text
    state.matcher = _with_introduced_names(state.matcher, text)
    spans = state.matcher.finditer(text)
    others = find_other_names(text, [(s.start, s.end) for s in spans])
    names = sorted([Name(s.start, s.end, s.app_key, s.matched) for s in spans] + others, key=lambda n: n.start)
    roles = sentence_roles(text, names)
    # A period inside "反超3月份的第1名ReelShort" / "overtook April's leader" is the object's: a comparison base.
    periods = [replace(p, compared=True) if _inside(p.start, p.end, roles.object_phrases) else p
               for p in find_periods(text)]
    titles = tuple((m.start(), m.end()) for m in _TITLE_RE.finditer(text))
    in_titles = [p for p in periods if _inside(p.start, p.end, titles)]  # "《2025年海外微短剧报告》": a title's year
    periods = [p for p in periods if not _inside(p.start, p.end, titles)]
    years = [p.year for p in periods if p.year is not None]
    if state.published:
        years += [state.published[0] + p.rel for p in periods if p.rel is not None]
    ranks = find_ranks(text)
    for span in spans:  # "DramaBox第一、DramaWave第二", "…and GoodShort fourth in August"
        place = rank_after(text, span.end)
        if place is not None and not any(r.start < place.end and place.start < r.end for r in ranks):
            ranks.append(place)
    ranks = sorted((r for r in ranks if not _inside(r.start, r.end, roles.object_phrases)), key=lambda r: r.start)
    taken = bytearray(len(text) + 1)
    for hit in [*ranks, *periods, *in_titles]:
        taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
    figures = [f for f in find_figures(text) if 1 not in taken[f.start:f.end]]
    return _Reading(sentence, norm, _Sentence(text), spans, names, roles, periods, years, ranks, figures)


def _sentence_subjects(r: _Reading, state: _Article) -> tuple[list[AppSpan], int | None]:
    """The spans that can be a figure's subject (tracked apps that are neither examples nor objects, the app a
    reference back resolves to or the topic a bare continuation carries on, and other platforms as ``_OTHER``),
    and where an unresolved reference back stands (figures after it are nobody's)."""
    text = r.text
    subject_spans = [s for s in r.spans if s.start not in r.roles.examples and s.start not in r.roles.objects]
    other_subjects = [n for n in r.names if n.app_key is None and n.start not in r.roles.objects]
    orphan = None
    if not subject_spans and not other_subjects and not r.roles.examples:
        subject_spans, orphan = _resolve_anaphor(text, state.apps, state.topic)
        if subject_spans and subject_spans[0].app_key.startswith("~"):
            subject_spans, orphan = [], subject_spans[0].start  # "The platform…" after another platform: not ours
        elif not subject_spans and orphan is None and _continues_topic(text, state):
            # No subject at all, the same topic going on ("上线四个月即突破2000万月活，2024年3月达5400万").
            subject_spans = [AppSpan(0, 0, state.topic or "", "")]
        if subject_spans and subject_spans[0].start > 0 and _ANAPHOR_RE.match(subject_spans[0].matched) \
                and not _MARKET_CUE_RE.search(text[:subject_spans[0].start]) \
                and any(f.start < subject_spans[0].start for f in [*r.figures, *r.ranks]):
            # "从去年3月的日活2000万到如今单月逼近1.6亿，这款App…": the reference is the subject of the whole sentence.
            subject_spans = [AppSpan(0, 0, subject_spans[0].app_key, subject_spans[0].matched)]
    # "…, while the app itself reached 31 million MAU", "App本身的日活": the sentence's one app named again.
    tracked = {s.app_key for s in subject_spans}
    if len(tracked) == 1:
        subject_spans += [AppSpan(m.start(), m.end(), next(iter(tracked)), m.group()) for m in _SELF_RE.finditer(text)]
    # Other platforms stand in an enumeration as themselves: their figures are dropped, not shifted onto ours.
    subject_spans = sorted([*subject_spans, *(AppSpan(n.start, n.end, _OTHER, n.text) for n in other_subjects)],
                           key=lambda s: s.start)
    return subject_spans, orphan


def _classified(r: _Reading) -> list[tuple[Figure, str]]:
    """Ranks, and the figures a metric keyword claims, in order."""
    out: list[tuple[Figure, str]] = [(rank, "rank") for rank in r.ranks]
    previous: tuple[Figure, str | None] | None = None
    ranged = _ranges(r.figures, r.text)
    for fig in r.figures:
        if id(fig) in ranged:
            previous = (fig, None)
            continue  # a bound of a range: no single value
        metric = _classify(fig, r.ctx)
        if metric is None and previous is not None and previous[1] and previous[0].kind == fig.kind \
                and _FROM_TO.search(r.text[max(0, previous[0].start - 12):previous[0].start]) \
                and _TO_AFTER.fullmatch(r.text[previous[0].end:fig.start]):
            metric = previous[1]  # "from 3.4 million in Q1 2023 to 37 million in early 2024": the same metric
        if metric:
            out.append((fig, metric))
        previous = (fig, metric)
    return sorted(out, key=lambda item: item[0].start)


# A range ("$10-12 million", "between $35 million and $40 million", "在300万至500万美元之间"): no single value,
# neither bound is taken.
_RANGE_DASH = re.compile(r"\s*[-–—~]\s*(?:US\s?)?[$€£¥]?\s*")
_RANGE_WORD = re.compile(r"\s*(?:and|to|至|到|和|与)\s*(?:about\s+|around\s+|约)?(?:US\s?)?[$€£¥]?\s*", re.I)
_RANGE_BEFORE = re.compile(r"(?:\bbetween|\branges?\s+(?:from|between)|\branged\s+(?:from|between)|介于|在)\s*"
                           r"(?:about\s+|around\s+|roughly\s+|约)?(?:US\s?)?[$€£¥]?\s*$", re.I)
_RANGE_AFTER = re.compile(r"\s*[^\s,，。;；]{0,4}?(?:之间|区间|范围)|\s*(?:[\w$-]+\s+){0,2}?range\b", re.I)


def _ranges(figures: list[Figure], text: str) -> set[int]:
    """The figures that are the bounds of a range (ids)."""
    out: set[int] = set()
    for a, b in zip(figures, figures[1:], strict=False):
        gap = text[a.end:b.start]
        if _RANGE_DASH.fullmatch(gap) or (_RANGE_WORD.fullmatch(gap) and (
                _RANGE_BEFORE.search(text[max(0, a.start - 24):a.start]) or _RANGE_AFTER.match(text, b.end))):
            out.update((id(a), id(b)))
    return out


def _not_a_level(fig: Figure, r: _Reading, periods: list[Period], next_figure: int | None) -> bool:
    """A figure that is no app's or market's level whoever its subject: a comparison base, another app's place,
    a place held before, the same money in another currency."""
    text, ctx = r.text, r.ctx
    if fig.kind != "rank" and _COMPARE_RE.search(ctx.clause_before(fig.start, 40)) \
            and not period_right_after(fig.end, periods, next_figure):
        return True  # "up from $36M": a comparison base, unless it names its own period
    if fig.kind == "rank":
        # "领先第二名": the place of the app it leads; "上期榜首NetShort": the place it held before
        return bool(_RANK_OF_OTHER.search(text[max(0, fig.start - 12):fig.start])
                    or _EARLIER_RANK.search(text[max(0, fig.start - 8):fig.start]))
    obj = _OBJECT_FIGURE.search(text[:fig.start], max(0, fig.start - 60))
    if obj is not None and not any(obj.start("obj") <= s.start < obj.end("obj") for s in r.spans):
        return True  # "beating Starz at $55 million", "超越了Crunchyroll（4,800万美元）": the compared one's figure
    if _THRESHOLD_AFTER.match(text, fig.end) or _EACH_AFTER.match(text, fig.end):
        return True  # "唯一一款下载量超1000W的免费微短剧APP", "passed $5 million each": a bar apps pass, not a level
    # "（折合人民币约8.81亿元）", "5.7亿美元（约40亿元）": the same figure in another currency
    return bool(_CONVERTED_RE.search(text[max(0, fig.start - 10):fig.start])) or (
        fig.kind == "money" and _is_conversion(fig, r.figures, text))


def _sentence_metrics(sentence: str, state: _Article) -> list[ReportedMetric]:
    """The figures of one sentence; ``state`` carries what the previous sentences left and is updated."""
    published = state.published
    r = _read(sentence, state)
    text, ctx, periods, years = r.text, r.ctx, r.periods, r.years
    subject_spans, orphan = _sentence_subjects(r, state)
    classified = _classified(r)
    owners = {id(fig): _owner(fig, r.names, r.roles, text, ctx) for fig, _ in classified}
    metric_at = {fig.start: metric for fig, metric in classified}
    classified = [(fig, metric) for fig, metric in classified if owners[id(fig)] != _DROP]
    boundaries = sorted([f.start for f in r.figures] + [rank.start for rank in r.ranks])
    span_ends = [s.end for s in subject_spans]
    groups = {id(fig): _owner_keys(owners[id(fig)]) if owners[id(fig)] is not None
              else _app_group(subject_spans, span_ends, fig.start, text) for fig, _ in classified}
    distributed = _distribute(classified, groups, text)

    # A sentence naming no period takes the previous one's when that one only set the scene (no figure of its
    # own: "2025年上半年的收入榜单中…。A、B、C分别…") or when it says so ("in the same month", "同月", "本期").
    usable = [p for p in periods if p.usable]
    if _SAME_PERIOD.search(text):
        carried = state.period or state.last_period
    else:
        carried = state.period if state.scene else None
    # A period the paragraph opened with (a header, a scene) carries to its later list items — bullets, numbered or
    # labelled items — that name none of their own ("Top earners (August): … Runners-up: …", "2025年…。• 以…").
    if not carried and _RESTATES_RE.match(text):
        carried = state.period or state.last_period  # "That's up 23% from Q4 2024, with…": the statement just made
    if not state.paragraph_start and _LIST_ITEM_RE.match(sentence) and not _NOW_RE.search(text):
        carried = carried or state.opening
    one_day_scene = state.day_scene and not usable and not _PERIOD_WORD.search(text)
    paren = _parenthesised_periods(r.figures, periods, text)
    paren_taken = {p.start for p in paren.values()}
    out: list[ReportedMetric] = []
    seen: set[tuple[str | None, str, object]] = set()
    last_period: str | None = None
    for fig, metric in classified:
        if abs(fig.value) >= MAX_FIGURE:
            continue  # no market or app reaches this: a run of digits, not a figure (and no float holds it)
        next_figure = _next_after(boundaries, fig.start)
        if _not_a_level(fig, r, periods, next_figure):
            continue
        owner = owners[id(fig)]
        if owner is None:
            subject = _subject(fig, metric, groups[id(fig)], subject_spans, text, state.market_topic)
        else:
            subject = [] if metric == "market_size" else _owner_keys(owner)
        if subject is not None and metric != "rank" and _country_restricted(fig, metric, subject, subject_spans,
                                                                             ctx, r.ranks):
            continue  # one country's figure: no geography field to hold it
        if subject is None or (subject == [] and orphan is not None and orphan < fig.start and metric != "market_size"):
            continue  # a company's figure, or nobody's ("The app earned…" after a sentence naming two apps)
        if subject == [] and metric != "market_size" and any(
                _SPENT_ON.fullmatch(text, fig.end, sp.start) for sp in r.spans if sp.start >= fig.end):
            continue  # "US users spent $30 million on ReelShort": one app's figure in one country, not the market's
        if id(fig) in distributed:
            subject = [distributed[id(fig)]]
        if _OTHER in subject:
            continue  # another platform's figure, or one shared with another platform
        if id(fig) not in distributed and _EACH_RE.search(ctx.clause_before(fig.start, 24)) and (
                len(subject) >= 2 or _SEVERAL_RE.search(ctx.clause_before(fig.start, 40))):
            continue  # "三款APP下载量均超1000W": a bound each app passed, no app's figure
        app = "+".join(state.matcher.display_names.get(k, k) for k in subject) or None
        value = figure_value(fig, metric)
        if (app, metric, value) in seen:
            continue
        seen.add((app, metric, value))
        own = [paren[id(fig)]] if id(fig) in paren else [
            p for p in _own_periods(fig, metric, periods, metric_at, ctx) if p.start not in paren_taken]
        year_hint = next((p.year for p in reversed(periods) if p.year is not None and p.end <= fig.start),
                         years[0] if years else state.year)
        chosen = chosen_period(fig.start, fig.end, own, next_figure)
        if metric in _FLOWS and ((chosen is not None and chosen.kind == "D") or (chosen is None and one_day_scene)):
            continue  # one day's revenue or downloads ("9月20日", the day the previous sentence set), no period's
        period = compared_period_before(fig.start, text, periods, year_hint, published) or pick_period(
            fig.start, fig.end, own, next_figure, year_hint, published) or (None if usable else carried)
        if chosen is not None and chosen.kind == "LY" and published is None:
            period = _last_year_in_context(fig, usable, text)
        if chosen is not None and chosen.kind == "S":
            period = None  # a total over a span no period label holds ("前三季度", "the first nine months")
        if last_period and _SAME_PERIOD.search(ctx.clause_before(fig.start, 60) + " " + ctx.clause_after(fig.end, 40)):
            period = last_period  # "…, DramaBox made $290 million over the same year": the one just named
        cumulative = _cumulative(fig, ctx)
        if cumulative == "strong" and not _is_level(fig, metric, ctx):
            continue  # a total to date ("cumulative", "上线以来累计"), unless it is MAU/DAU
        if cumulative == "opening" and not _own_clause_period(fig, usable, ctx) and not _is_level(fig, metric, ctx):
            continue  # "Since its launch, …": a total to date, unless the figure names its own period or is MAU/DAU
        if cumulative == "weak" and (not periods or _AS_OF_RE.search(text) or (
                not _own_clause_period(fig, usable, ctx)
                and any(f.end <= ctx.clause_start(fig.start) for f in r.figures))):
            continue  # "截至2024年底…累计", "一季度收入1.3亿美元，累计收入…": a total to date, not the earlier clause's period
        if _TO_DATE_RE.search(text) and not _closed_period_in_clause(fig, usable, ctx):
            continue  # "So far this year…", "今年以来…": the year's total to date
        last_period = period or last_period
        out.append(ReportedMetric(app=app, metric=metric, value=value,
                                  currency=fig.currency if metric in ("revenue", "market_size") else None,
                                  period=period, sentence=sentence, unit_text=r.norm.original_text(fig.start, fig.end)))
    _advance(state, r, subject_spans, one_day_scene)
    # "Short drama apps pulled in $700M in Q1. That's up 23%, with downloads jumping 64% to 259 million.": a sentence
    # with no subject of its own goes on about the market when the previous one's figures were all the market's.
    state.market_topic = bool(out) and all(m.app is None for m in out) if r.figures or r.ranks else state.market_topic
    return out


def _advance(state: _Article, r: _Reading, subject_spans: list[AppSpan], one_day_scene: bool) -> None:
    """What this sentence leaves for the next: its last period, whether it set the scene (and one day as it),
    its subjects and topic, the last year named."""
    text, periods, years = r.text, r.periods, r.years
    usable = [p for p in periods if p.usable]
    year_hint = years[-1] if years else state.year
    state.period = pick_period(len(text), len(text), periods, None, year_hint, state.published)
    state.last_period = state.period or state.last_period
    state.scene = not r.figures and not r.ranks
    # One day set as the scene ("Last Tuesday the three biggest apps made $3.2 million.", "9月20日一天的收入"): the
    # next sentence's revenue and downloads are that day's unless it names a period of its own.
    state.day_scene = bool(_ONE_DAY_RE.search(text) or _DAY_SCENE_RE.search(text)
                           or any(p.kind == "D" for p in usable)) or (one_day_scene and not _PERIOD_WORD.search(text))
    subjects = [n for n in r.names if n.start not in r.roles.objects and n.start not in r.roles.examples]
    named = list(dict.fromkeys(n.app_key or _OTHER for n in subjects))
    state.apps = named + ["~group"] * bool(r.roles.examples)
    continued = bool(subject_spans) and subject_spans[0].start == subject_spans[0].end == 0
    if subjects:  # the subject the sentence opens with, unless it opens with several ("ReelShort and DramaBox…")
        joint = len(subjects) >= 2 and _JOIN_RE.fullmatch(text[subjects[0].end:subjects[1].start])
        state.topic = None if joint else subjects[0].app_key or _OTHER
    elif not continued and (r.figures or r.ranks) and not subject_spans:
        state.topic = None  # a sentence about the market or nobody ends the topic
    if years:
        state.year = years[-1]
    if state.paragraph_start:  # a period written before the paragraph's first figure opens it (a header, a scene)
        first = min([f.start for f in [*r.figures, *r.ranks]], default=len(text))
        heading = [p for p in usable if p.kind not in ("D", "S")]
        labels = {_label for p in heading
                  for _label in [pick_period(p.end, p.end, [p], None, p.year or year_hint, state.published)] if _label}
        opens = bool(heading) and heading[0].start < first
        state.opening = labels.pop() if len(labels) == 1 and opens else None


_DROP = "~drop"
_OTHER = "~other"
_MARKET = "~market"
_FLOWS = ("revenue", "downloads")


def _owner_keys(owner: str | None) -> list[str]:
    return [] if owner in (None, _MARKET, _DROP) else [owner]


def _owner(fig: Figure, names: list[Name], roles: Roles, text: str, ctx: _Sentence) -> str | None:
    """Who a figure belongs to when something other than the nearest tracked app decides it: ``_DROP`` (another
    platform's figure), ``_MARKET`` (a group the apps named are examples of), an app key (a figure written onto
    an app that is a comparison's object, a rank written before the app: "位居第6位的《FlickReels》"); None when
    the nearest tracked app decides, as before."""
    attached = attached_name(fig.start, fig.end, fig.kind, text, names, ctx.clause_start(fig.start))
    if attached is not None:
        if attached.app_key is None:
            return _DROP
        if fig.kind == "rank" or attached.start in roles.objects or attached.start in roles.examples:
            return attached.app_key  # "apps such as ReelShort ($52M)": an example's own figure is still its own
    written = [n for n in names if n.end <= fig.start]
    if written and written[-1].start in roles.accounts and not ctx.breaks_between(written[-1].end, fig.start):
        return _DROP  # "DramaBox's YouTube channel passed 3 million subscribers": the account's
    before = [n for n in names if n.end <= fig.start and n.start not in roles.objects]
    if not before:
        return None
    nearest = before[-1]
    gap = text[nearest.end:fig.start]
    if len(gap) > MAX_APP_DISTANCE:
        return None
    if nearest.start in roles.examples:
        return _MARKET
    if nearest.app_key is None:
        if _OTHER_RESET_RE.search(gap):
            return _MARKET  # "…短视频用户达10.4亿，微短剧用户为6.6亿": the market took over
        if len(before) >= 2 and before[-2].app_key is not None and _JOIN_RE.fullmatch(text[before[-2].end:nearest.start]):
            return None  # listed with a tracked app ("红果短剧、河马剧场的月活分别为…"): the enumeration decides
        return _DROP
    return None


def _is_conversion(fig: Figure, figures: list[Figure], text: str) -> bool:
    """"5.7亿美元（约40亿元）": money in parentheses right after money in another currency is the same figure."""
    previous = [f for f in figures if f.end <= fig.start]
    if not previous or previous[-1].kind != "money" or previous[-1].currency == fig.currency:
        return False
    return bool(_PAREN_CONVERSION.fullmatch(text[previous[-1].end:fig.start]))


def _inside(start: int, end: int, phrases: tuple[tuple[int, int], ...]) -> bool:
    return any(a <= start and end <= b for a, b in phrases)


def _own_periods(fig: Figure, metric: str, periods: list[Period], metric_at: dict[int, str], ctx: _Sentence
                 ) -> list[Period]:
    """The periods that can be ``fig``'s. Not one written in a later clause when the figure's own clause names one
    before it ("9月突破1.2亿，最终在2025年…"), nor one that heads a later figure of the same metric, nor any after
    that ("上线半年即突破1000万月活，2025年3月达1600万": March is the 1,600万's, not the 1,000万's); not one before
    "now" ("从去年3月的日活2000万到如今单月逼近1.6亿")."""
    out = []
    start = ctx.clause_start(fig.start)
    own_before = any(p.usable and start <= p.start and p.end <= fig.start for p in periods)
    later = sorted(at for at in metric_at if at > fig.start)
    cut = False
    for i, p in enumerate(periods):
        if p.end <= fig.start and _NOW_RE.search(ctx.text, p.end, fig.start):
            continue
        if p.start >= fig.end:
            following = next((at for at in later if at >= p.end), None)
            if following is not None and _PERIOD_PREFIX.fullmatch(ctx.text, p.end, following):
                continue  # "从1月的300万增长到6月的1,100万": June is the 1,100万's
        if p.start >= fig.end and ctx.breaks_between(fig.end, p.start):
            if own_before or cut:
                continue
            next_period = periods[i + 1].start if i + 1 < len(periods) else len(ctx.text)
            heads = next((at for at in later if p.end <= at < next_period), None)
            if heads is not None and metric_at[heads] == metric and ctx.breaks_between(fig.end, heads):
                cut = True
                continue
        out.append(p)
    return out


# A figure written onto the object of a comparison ("overtaking Bilibili's 227 million", "beating Starz at $55 million",
# "仅次于Crunchyroll的1.3亿美元", "超越了X（4,800万美元）") is the object's. ("…overtook X with $40M" is the subject's.)
_OBJECT_FIGURE = re.compile(
    r"(?:\b(?:overtook|overtaking|overtakes|overtake|surpass(?:ed|ing|es)?|beat(?:ing|s)?|outpac(?:ed|ing|es)|"
    r"outrank(?:ed|ing|s)?|outsold|outgrossed|ahead\s+of|behind(?:\s+only)?|trail(?:s|ed|ing)?(?:\s+only)?|"
    r"second\s+only\s+to|exceed(?:ed|ing|s)?|topping|toppled|dethroned?|dethroning)\b|"
    r"超越|超过|超出|反超|赶超|仅次于|次于|落后于?|领先于?|击败|力压|压过|高于|低于|逼近|接近|不及)"
    r"\s*了?\s*(?P<obj>[^,，;；。:：\d$€£¥￥()（）]{1,30}?)"
    r"(?:['’]s\s+(?:[A-Za-z-]+\s+){0,2}?(?:of\s+)?|\s+at\s+|\s*的\s*[^\d,，;；。$€£¥￥]{0,6}?|\s*[(（])"
    r"\s*(?:about\s+|around\s+|nearly\s+|roughly\s+|some\s+|just\s+|约|近|超|达)?\s*(?:US|HK)?[$€£¥￥]?$", re.I)
_PAREN_OPEN = re.compile(r"\s*[(（]\s*")
_PAREN_CLOSE = re.compile(r"\s*(?:est\.?|estimated|E|F|forecast|projected|预计|预估|预测|估)?\s*[)）]", re.I)


def _parenthesised_periods(figures: list[Figure], periods: list[Period], text: str) -> dict[int, Period]:
    """A period in parentheses right after a figure is that figure's: "$36M (2023) → $214M (2024)" (by figure id)."""
    out: dict[int, Period] = {}
    by_start = {p.start: p for p in periods if p.usable}
    for fig in figures:
        m = _PAREN_OPEN.match(text, fig.end)
        if m is None or m.end() == fig.end:
            continue
        p = by_start.get(m.end())
        if p is not None and _PAREN_CLOSE.match(text, p.end):
            out[id(fig)] = p
    return out


# An item of a list: a bullet, a number, or a short label before a colon ("• …", "2) …", "Runners-up: …", "第二梯队：…").
_LIST_ITEM_RE = re.compile(r"\s*(?:[•·▪●◦‣*–—-]\s*|[(（]?\d{1,2}[).）、]\s*|[^,，.。;；:：\d$€£¥￥]{1,24}[:：]\s*[^\d\s])")
# A sentence that comments on the previous statement ("That's up 23%…", "This represents…", "这一数字…").
_RESTATES_RE = re.compile(r"\s*(?:(?:That|This|It)(?:['’]s|\s+(?:is|was|represents|marks|means|puts))\b|"
                          r"(?:这|此)(?:一|个)?(?:数字|数据|规模|成绩|表现|水平)?(?:较|比|同比|环比|意味|相当))")
_FORECAST_RE = re.compile(r"\b(?:expected|expects|forecasts?|forecasted|projected|projects|predicts?|will|could|"
                          r"would|may|might|estimated\s+to|set\s+to|on\s+track)\b|预计|预测|预期|有望|将", re.I)


def _last_year_in_context(fig: Figure, usable: list[Period], text: str) -> str | None:
    """"ReelShort reached $1.2 billion in 2025, and DramaBox made $276 million last year", no date of publication:
    a past full year named earlier in the sentence is the one the text is written after, so "last year" is it.
    Anything less plain (two years, a forecast) leaves no period."""
    years = {p.year for p in usable if p.kind == "Y" and p.year is not None and p.end <= fig.start}
    if len(years) != 1 or _FORECAST_RE.search(text):
        return None
    return f"{years.pop():04d}"


def _own_clause_period(fig: Figure, usable: list[Period], ctx: _Sentence) -> bool:
    """A period (not a comparison base, not an event's date) is written in the figure's own clause."""
    start, end = ctx.clause_start(fig.start), ctx.clause_end(fig.end)
    return any(start <= p.start and p.end <= end for p in usable)


def _closed_period_in_clause(fig: Figure, usable: list[Period], ctx: _Sentence) -> bool:
    """A month, quarter or half (not a year) is written in the figure's own clause."""
    start, end = ctx.clause_start(fig.start), ctx.clause_end(fig.end)
    return any(start <= p.start and p.end <= end and p.kind in ("M", "Q", "H", "D", "LM", "LQ") for p in usable)


def _is_level(fig: Figure, metric: str, ctx: _Sentence) -> bool:
    """MAU / DAU: a level at a time, never a total to date."""
    near = ctx.clause_before(fig.start, 30) + " " + ctx.clause_after(fig.end, 30)
    return metric == "users" and bool(_LEVEL_USERS_RE.search(near))


def _continues_topic(text: str, state: _Article) -> bool:
    """A sentence with no subject of its own (no app, platform, market, company or reference back) that
    continues the paragraph's one app: its figures are that app's."""
    return (not state.paragraph_start and state.topic is not None and not state.topic.startswith("~")
            and not _MARKET_CUE_RE.search(text) and not _COMPANY_RE.search(text) and not _ANAPHOR_RE.search(text))


def _with_introduced_names(matcher: AppMatcher, text: str) -> AppMatcher:
    """The matcher with the short names a sentence introduces for an app ("喜番免费短剧（以下简称“喜番”）")."""
    extra = []
    spans = None
    for m in _INTRODUCED_NAME.finditer(text):
        spans = matcher.finditer(text) if spans is None else spans
        app = next((s for s in reversed(spans) if s.end <= m.start() and _NAME_TAIL.fullmatch(text[s.end:m.start()])),
                   None)
        if app is not None:
            extra.append((app.app_key, m.group("name")))
    return matcher.with_names(extra) if extra else matcher


def _next_after(sorted_positions: list[int], position: int) -> int | None:
    i = bisect_right(sorted_positions, position)
    return sorted_positions[i] if i < len(sorted_positions) else None


# --- figures -------------------------------------------------------------------------------------------


# --- classification ------------------------------------------------------------------------------------


def _classify(fig: Figure, ctx: _Sentence) -> str | None:
    text = ctx.text
    before, after = text[max(0, fig.start - 40):fig.start], text[fig.end:fig.end + 80]
    if fig.kind == "percent":
        if _is_growth(fig, ctx):
            return None
        if _NOT_SHARE_RE.search(ctx.clause_before(fig.start, 40) + " " + ctx.clause_after(fig.end, 30)):
            return None  # "男性用户占比从23%提升到30%", "17% of users retained": who the users are, not a share
        if _REVENUE_MIX_BEFORE.search(ctx.clause_before(fig.start, 30)):
            return None
        if _BOUND_BEFORE.search(ctx.clause_before(fig.start, 16)) or _BOUND_AFTER.match(text, fig.end):
            return None  # "占比不足10%", "less than 4%", "over 30% of": a bound, not a share
        if text[:fig.start].rstrip().endswith(("(", "（")) and _SHARE_RE.search(text):
            return "market_share"  # "ReelShort (33%) led DramaBox (21%)" in a sentence about shares
        share = ctx.nearest("share", _SHARE_RE, fig)
        listed = _PERCENT_LIST.match(after)
        share_of = _SHARE_OF.match(after[listed.end():] if listed else after)
        if ((share is not None and share <= 60) or share_of or _SHARE_ZH_BEFORE.search(before)
                or _SHARE_ZH_AFTER.match(after)):
            return "market_share"
        return None
    if _DELTA_RE.search(before):
        return None
    if _DAILY_RE.search(ctx.clause_before(fig.start, 40) + " " + ctx.clause_after(fig.end, 30)) or \
            _ONE_DAY_RE.search(text):
        return None  # a per-day amount, a daily peak or one day's figure, not a period's
    if _GAP_RE.search(ctx.clause_before(fig.start, 60) + " " + ctx.clause_after(fig.end, 20)):
        return None  # a gap or lead between two apps, not a level
    if fig.kind == "count" and _POTENTIAL_RE.search(ctx.clause_before(fig.start, 60)):
        return None  # "potential users", "潜在用户规模": people who might watch, not users
    if fig.kind == "count":
        if not fig.has_scale and "." not in fig.text and "," not in fig.text and 1900 <= fig.value <= 2100:
            return None  # a year
        if _DATE_BEFORE.search(before[-12:]) or _DATE_AFTER.search(after[:16]):
            return None  # a day of a month
        downloaded_times = bool(_TIMES_AFTER.match(after)
                                and _DOWNLOADED_BEFORE.search(ctx.clause_before(fig.start, 60)))
        if _BEFORE_SKIP.search(before[-8:]) or (_is_thing_count(after) and not downloaded_times):
            return None
        wanted = ("not_metric", "downloads", "users", "revenue", "market_size", "other_money")
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
    if name in ("other_money", "not_metric"):
        return None
    if name in ("revenue", "market_size") and fig.kind != "money":
        return None  # money without a currency: no unit, not guessed
    return "market_size" if name == "weak_market" else name


def _is_growth(fig: Figure, ctx: _Sentence) -> bool:
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
    if not m or _METRIC_NOUN.search(m.group()):
        return False
    # "41 million short drama installs": the count noun qualifies a metric noun right after it.
    return not _METRIC_NOUN.match(after[m.end():].lstrip())


# --- apps ----------------------------------------------------------------------------------------------


def _app_group(spans: list[AppSpan], span_ends: list[int], position: int, text: str) -> list[str]:
    """App keys named nearest before ``position``, with the apps joined to it ("ReelShort and DramaBox")."""
    i = bisect_right(span_ends, position) - 1
    if i < 0:
        return []
    last = spans[i]
    gap = text[last.end:position]
    if len(gap) > MAX_APP_DISTANCE:
        return []
    group = [last]
    for span in reversed(spans[:i]):
        if _JOIN_RE.fullmatch(text[span.end:group[0].start]):
            group.insert(0, span)
        else:
            break
    keys = list(dict.fromkeys(s.app_key for s in group))
    gap = _RELATIVE_CLAUSE.sub(lambda m: ", " + " " * (len(m.group()) - 2), gap)
    if _RESET_RE.search(gap) and not (len(keys) >= 2 and _GROUP_CUE.search(gap)):
        return []  # a market-wide subject took over, unless a named group carries on ("合计占据全球…的38%")
    return keys


def _subject(fig: Figure, metric: str, keys: list[str], spans: list[AppSpan], text: str, market_topic: bool = False
             ) -> list[str] | None:
    """The app keys a figure belongs to, [] for the market, None for a company's figure or nobody's."""
    if metric == "market_size":
        return []
    if keys:
        last = max((s for s in spans if s.end <= fig.start), key=lambda s: s.end)
        first = min((s for s in spans if s.app_key in keys and s.end <= fig.start), key=lambda s: s.start)
        gap = text[last.end:fig.start]
        if fig.kind == "rank" and _RANK_IN.search(gap):
            return None  # "ShortMax (No. 5) led the chart": the rank in words is not ShortMax's alone
        company = _last(_COMPANY_RE, gap)
        if company is not None and not _APP_AGAIN_RE.search(gap[company.end():]):
            return None  # "FlexTV ..., 其母公司年收入...": the company's
        if _COMPANY_OF_APP_BEFORE.search(text[max(0, first.start - 40):first.start]) or \
                _COMPANY_OF_APP_AFTER.search(gap):
            return None  # "the company behind ReelShort reported revenue..."
        return keys
    if metric == "rank":
        return None  # a rank of no tracked app (a country, a company)
    before = text[:fig.start]
    company = _last(_COMPANY_RE, before)
    if company is not None and not _STRONG_MARKET_RE.search(before[company.end():]) \
            and not _SOURCE_AFTER.match(before, company.end()):
        return None  # "点众科技2024年营收...", "昆仑万维短剧业务营收": a company's own figure
    market = _last(_MARKET_CUE_RE, before)
    if market is not None or _MARKET_CUE_RE.search(text[fig.end:]) or (market_topic and not spans):
        return []
    return None


def _country_restricted(fig: Figure, metric: str, subject: list[str], spans: list[AppSpan], ctx: _Sentence,
                        ranks: list[Figure] = ()) -> bool:
    """A figure of one country: an app's in a country, or a country's among others (see ``GEO``). A country in
    another clause that states the app's place on a chart ("ReelShort, No. 1 on the US Google Play chart, made…")
    is the chart's, not the figure's."""
    text = ctx.text
    if subject:
        last = max((s for s in spans if s.end <= fig.start), key=lambda s: s.end, default=None)
        if last is None:
            return False
        own = ctx.clause_start(fig.start)
        relative = [(m.start(), m.end()) for m in _RELATIVE_CLAUSE.finditer(text, last.end, fig.start)]
        geo = (m for m in _GEO_RE.finditer(text, last.end) if m.start() < fig.start  # the full text: "US $5M" is money
               and not any(a <= m.start() < b for a, b in relative)
               and not (m.start() < own and any(ctx.clause_start(rk.start) == ctx.clause_start(m.start())
                                                for rk in ranks)))
        return (any(not _ENTERED_RE.search(text[last.end:m.start()]) for m in geo)
                or bool(_GEO_AFTER_RE.match(ctx.clause_after(fig.end, 40)))
                or bool(_GEO_OPENING_RE.match(text[:last.start])))
    nearest = _last(_GEO_RE, text[:fig.start])
    if nearest is None:
        return False
    if metric == "market_share":
        return True
    i = bisect_right(ctx.breaks, nearest.start()) - 1
    scope = text[ctx.breaks[i] + 1 if i >= 0 else 0:]  # from the clause naming the country to the end
    return len({m.lower() for m in _GEO_RE.findall(scope)}) >= 2 or bool(_AMONG_RE.search(scope))


def _last(regex: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in regex.finditer(text):  # noqa: B007 - the last match is wanted
        pass
    return found


def _distribute(classified: list[tuple[Figure, str]], groups: dict[int, list[str]], text: str
                ) -> dict[int, str]:
    """One app per figure, in order, when n apps named together are followed by n figures of one metric:
    "ReelShort and DramaBox earned $52M and $35M respectively", or with no "respectively" when the figures
    form a list of their own ("DramaBox, ShortMax and GoodShort followed with $24.5M, $18.3M and $9.9M",
    "A、B、C的收入为X、Y、Z"). Otherwise the figures stay the group's joint ones."""
    respectively = bool(_RESPECTIVELY.search(text))
    assigned: dict[int, str] = {}
    by_group: dict[tuple[tuple[str, ...], str], list[Figure]] = {}
    for fig, metric in classified:
        keys = tuple(groups[id(fig)])
        if len(keys) >= 2:
            by_group.setdefault((keys, metric), []).append(fig)
    for (keys, _), figs in by_group.items():
        if len(figs) == len(keys) and (respectively or all(
                _LIST_GAP.fullmatch(text[a.end:b.start]) for a, b in zip(figs, figs[1:], strict=False))):
            for fig, key in zip(figs, keys, strict=True):
                assigned[id(fig)] = key
    return assigned




def _cumulative(fig: Figure, ctx: _Sentence) -> str | None:
    """"strong" for a total to date in the figure's clause ("since launch", "lifetime", "上线以来"), "opening"
    when the sentence opens with one ("Since its launch, …", "自上线以来，…"), "weak" for a bare "累计" (a
    period's sum unless the sentence is as of a date)."""
    near = ctx.clause_before(fig.start, 120) + " " + ctx.clause_after(fig.end, 40)
    opening = ctx.text[:ctx.breaks[0]] if ctx.breaks and ctx.breaks[0] < fig.start else ""
    if _CUMULATIVE_RE.search(near):
        return "strong"
    if _CUMULATIVE_RE.search(opening):
        return "opening"
    return "weak" if _CUMULATIVE_WEAK_RE.search(near) else None


def _resolve_anaphor(text: str, previous_apps: list[str], topic: str | None = None
                     ) -> tuple[list[AppSpan], int | None]:
    """"The app earned…", "Its downloads…", "该应用…", "其9月…" in a sentence naming no app: the single app of
    the previous sentence (for a noun — "the app", "这款App" — the app it opened with, when it named others too),
    as a span where the reference stands; with no such app, where it stands."""
    both = _PLURAL_ANAPHOR_RE.search(text)
    tracked = [k for k in previous_apps if not k.startswith("~")]
    word = next((g for g in (both.groups() if both else ()) if g), "")
    if both is not None and len(tracked) == len(previous_apps) == _PLURAL_COUNT.get(word.lower(), 2):
        # "In the first quarter the two platforms logged $130 million and $120 million": the previous sentence's apps
        return [AppSpan(both.start(), both.end(), key, both.group()) for key in tracked], None
    m = _ANAPHOR_RE.search(text)
    if m is None:
        return [], None
    explicit = not re.match(r"\s*(?:its?|其|它)$", m.group().split(",")[-1].split("，")[-1], re.I)
    if len(previous_apps) != 1 and explicit and topic in previous_apps and not topic.startswith("~"):
        previous_apps = [topic]
    if len(previous_apps) != 1:
        # Unresolved: nobody's figure when the reference is to an app or the previous sentence named several.
        return [], m.start() if previous_apps or explicit else None
    start = m.start() + len(m.group()) - len(m.group().lstrip())
    return [AppSpan(start, m.end(), previous_apps[0], m.group().strip())], None
