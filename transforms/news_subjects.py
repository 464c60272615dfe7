"""Who else a sentence of the trade press names, and what role the tracked apps it names play.

Pure; used by ``transforms.news_metrics`` to tie a figure to its subject. Three things decide it beyond
"the app named nearest before the figure":

* **Other subjects.** Platforms and apps we do not track (抖音, 快手, 优酷, B站, 河马剧场, TikTok, Netflix...,
  a name in 《》 or a CamelCase name that is not in the catalog) and audiences that are not short-drama users
  (短视频用户, short-video users, 网民). A figure whose subject is one of them is not ours: it is dropped, never
  given to a tracked app named elsewhere in the sentence.
* **Examples of a group.** "Twenty apps, among them ReelShort and DramaBox, …", "包括A、B在内的20款应用",
  "A、B等头部产品", "以A为代表的…": the group is the subject (the market), not the apps named as examples.
* **Objects of a comparison.** "GoodShort overtook April's leader, ReelShort, with…", "DramaBox反超3月份的
  第1名ReelShort", "超越B站", "ahead of Bilibili": the app after the verb is not the subject of what follows,
  and a period or rank inside that phrase is the object's.

A figure written right after a name ("Youku's 200.6 million", "优酷的2.0亿", "哔哩哔哩（2.29亿）", "…, whose users",
"后者月活…") is that name's whatever its role; a rank written before one ("位居第6位的《FlickReels》") is the
rank of the name after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Platforms, apps and services that are not tracked short-drama apps (the catalog holds those). Latin names match
# case-insensitively at word boundaries; Chinese ones as substrings.
OTHER_PLATFORMS_EN = ("TikTok", "Douyin", "Kuaishou", "YouTube", "YouTube Shorts", "Netflix", "Disney+", "Hulu",
                      "Bilibili", "Youku", "iQiyi", "iQIYI", "Tencent Video", "Mango TV", "MangoTV", "WeChat",
                      "Instagram", "Facebook", "Snapchat", "Quibi", "Peacock", "Tubi", "Roku", "Prime Video",
                      "Xiaohongshu", "RedNote", "Fanqie Novel", "Toutiao", "Xigua Video", "Hema Theater",
                      "Hema Theatre", "Spotify", "Twitch", "Paramount+", "HBO Max")
OTHER_PLATFORMS_ZH = ("抖音", "快手", "优酷", "爱奇艺", "腾讯视频", "芒果TV", "芒果tv", "哔哩哔哩", "B站", "b站",
                      "小红书", "番茄小说", "今日头条", "西瓜视频", "微信", "视频号", "河马剧场", "淘宝", "京东",
                      "拼多多", "微博", "百度", "豆包", "汽水音乐", "七猫", "星芽", "繁花剧场", "咪咕", "搜狐视频",
                      "长视频平台", "长视频", "短视频平台")
# Audiences that are not short-drama users: a figure about them is nobody's we track.
OTHER_AUDIENCES = (r"短(?:视频|影音)(?:平台|应用|行业)?(?:的)?用户|短(?:视频|影音)(?=平台|应用|拥有|有|的?用户)|网络视听用户|"
                   r"网络视频用户|在线视频用户|网民|"
                   r"\bshort[\s-]*(?:form[\s-]*)?videos?(?:\s+(?:users|viewers|platforms?|apps?))?\b(?![\s-]*dramas?\b)|"
                   r"\binternet\s+users\b|"
                   r"\bonline\s+video\s+users\b")
# Data sources and stores are named, but never a figure's subject.
NOT_SUBJECTS = frozenset(s.lower() for s in (
    "QuestMobile", "DataEye", "SensorTower", "AppMagic", "AppFigures", "AppGrowing", "GooglePlay", "AppStore",
    "ByteDance", "PowerPoint", "LinkedIn", "iPhone", "iPad", "iOS", "WeChatPay", "TheWrap", "TechCrunch",
    "BusinessWire", "PRNewswire", "YouGov", "eMarketer", "SimilarWeb", "StreamElements"))

# Words that make the name right after them the object of a comparison or a preposition, not the subject.
COMPARISON_MARKERS = (r"\b(?:overtook|overtaking|overtakes|overtake|passed|passing|surpassed|surpassing|surpasses|"
                      r"outranked|outranking|outranks|outpaced|outpacing|beat|beating|beats|rivals|rivaling|"
                      r"rivalling|(?<!\bwhile )(?<!\band )(?<!\bthe )(?<!\bits )(?<!\ba )(?<!, )rival|trails|trailing|trailed|behind|ahead\s+of|than|dethroned|unseated|"
                      r"displaced|displacing|replaced|replacing|dethroning|unseating|edged\s+out|edging\s+out|"
                      r"versus|vs\.?|via|through|against|like|unlike)\b|"
                      r"超越|超过|反超|赶超|逼近|接近|领先(?:于)?|落后(?:于)?|仅次于|次于|把|比|较|相比|对比|击败|力压|压过|"
                      r"甩开|高于|低于|不及|不如|追平|取代|挤下|通过|依托|借助|背靠|依靠|凭借")
# A group the apps after these (or before "等", "在内", "为代表") are examples of.
_EXAMPLE_BEFORE = re.compile(
    r"(?:\b(?:including|include|includes|such\s+as|such|like|among\s+them|among\s+which|among\s+others|led\s+by|"
    r"headed\s+by|topped\s+by|with|notably|especially|e\.g\.)\s*,?\s*(?:the\s+)?"
    r"|(?:包括|包含|其中包括|其中有|含|如|比如|例如|譬如|像|以)\s*)$", re.I)
_LEADING_AFTER = re.compile(r"\s*(?:at\s+the\s+(?:front|top|head)|in\s+the\s+lead|leading\s+the\s+way|on\s+top)\b",
                            re.I)
_LED_BY = re.compile(r"\b(?:led|headed|topped|driven|spearheaded)\s+by\b", re.I)
_GROUP_AFTER_COMMA = re.compile(r"\s*,\s*(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:category|category's|market|market's|industry|"
                                r"industry's|sector|sector's|genre|segment|apps|platforms|players)\b", re.I)
_EXAMPLE_AFTER = re.compile(r"^\s*(?:等|在内|为代表|为首|之类|and\s+others\b|and\s+other\b|among\s+others\b|etc\.?)", re.I)
_GROUP_NOUN = re.compile(r"\b(?:apps|applications|platforms|players|titles|services|products|names|rivals|"
                         r"competitors|leaders|earners)\b|应用|产品|平台|APP|App|app|玩家|头部|款|家", re.I)
_GROUP_NOUN_END = re.compile(rf"(?:{_GROUP_NOUN.pattern})\s*[,，(（:：]?\s*$", re.I)
_LIST_JOIN = re.compile(r"\s*(?:[,，、/&]|\band\b|\bor\b|和|与|及|以及|或)\s*(?:and\s+)?", re.I)


@dataclass(frozen=True, slots=True)
class Name:
    """A name found in a sentence: a tracked app (``app_key``) or another subject (``app_key`` None)."""

    start: int
    end: int
    app_key: str | None
    text: str


def _latin_names(words: tuple[str, ...]) -> str:
    parts = []
    for word in sorted(words, key=len, reverse=True):
        body = r"\s+".join(re.escape(w) for w in word.split())
        tail = "" if word.endswith("+") else r"(?![A-Za-z0-9])"
        parts.append(rf"(?<![A-Za-z0-9]){body}(?:['’]s)?{tail}")
    return "|".join(parts)


_OTHER_RE = re.compile(
    "|".join(filter(None, (
        OTHER_AUDIENCES,
        _latin_names(OTHER_PLATFORMS_EN),
        "|".join(re.escape(w) for w in sorted(OTHER_PLATFORMS_ZH, key=len, reverse=True)),
        r"《[\x20-\x7e]{1,30}》",  # an app written in 《》 ("《MeloShort》"); a Chinese title there is a drama's
        # CamelCase, also lower-case first: "MeloShort", "stardustTV"
        r"(?-i:(?<![A-Za-z0-9])[A-Za-z][a-z]+(?:[A-Z][a-z0-9]*)+(?:['’]s)?(?![A-Za-z0-9]))",
    ))), re.I)
_CAMEL = re.compile(r"[A-Za-z][a-z]+(?:[A-Z][a-z0-9]*)+")
_MARKER_RE = re.compile(COMPARISON_MARKERS, re.I)
# Another platform naming where an app has an account, a page or ads is not a subject.
_WHERE_AFTER = re.compile(r"\s*(?:official\s+)?(?:accounts?|pages?|channels?|profiles?|handles?|feeds?|shops?|stores?|ads?|"
                          r"campaigns?|followers|fans)\b|\s*(?:上的?|的)?\s*(?:官方)?(?:账号|帐号|粉丝专页|专页|主页|频道|店铺|广告|投放|"
                          r"粉丝|号)", re.I)
# Another platform after a preposition is where something happens, not who: "ads on TikTok", "从抖音导流".
_OTHER_MARKER_RE = re.compile(COMPARISON_MARKERS + r"|\b(?:on|in|from|across|to|into|onto|over|for|at|by|of|with|"
                              r"off|beyond|outside|inside|within|told|tells|telling|according\s+to|per|citing|cited)\b|"
                              r"在|从|于|向|对|给|跟|同|到|至|进入|登陆|入驻|上线|据|根据|援引", re.I)


def find_other_names(text: str, taken: list[tuple[int, int]] | None = None) -> list[Name]:
    """Subjects in ``text`` that are not tracked apps (see the module docstring), not overlapping ``taken``
    (the tracked apps' spans), in order."""
    if not isinstance(text, str):
        return []
    taken = taken or []
    found: list[Name] = []
    for m in _OTHER_RE.finditer(text):
        start, end, word = m.start(), m.end(), m.group()
        if any(a < end and start < b for a, b in taken):
            continue  # a tracked app ("《FlickReels》", a CamelCase catalog name)
        if _CAMEL.fullmatch(word.rstrip("'’s")) and not m.group().lower().startswith(("tiktok", "youtube")):
            if word.rstrip("'’s").lower() in NOT_SUBJECTS or word.lower() in NOT_SUBJECTS:
                continue
        found.append(Name(start, end, None, word))
    return found


@dataclass(frozen=True, slots=True)
class Roles:
    """What the names of one sentence are: which are examples of a group, which are comparison objects (or the
    platform an account is on), and the spans of the object phrases (from the comparison word to the object)."""

    examples: frozenset[int]  # start offsets of names that are examples of a group
    objects: frozenset[int]  # start offsets of names (tracked or not) that are objects
    object_phrases: tuple[tuple[int, int], ...]
    accounts: frozenset[int] = frozenset()  # other platforms an app has an account on (objects too)


def sentence_roles(text: str, names: list[Name]) -> Roles:
    """The roles of ``names`` (all the names of the sentence ``text``, tracked and others, in order)."""
    if not isinstance(text, str):
        return Roles(frozenset(), frozenset(), (), frozenset())
    names = sorted(names, key=lambda n: n.start)
    examples: set[int] = set()
    for run in _runs(text, names):
        if all(n.app_key is None for n in run):
            continue
        first, last = run[0], run[-1]
        before = text[max(0, first.start - 30):first.start]
        after = text[last.end:last.end + 24]
        cue_before = _EXAMPLE_BEFORE.search(before)
        if cue_before is not None and cue_before.group().strip().lower().startswith("with") \
                and not _LEADING_AFTER.match(after):
            cue_before = None  # "…apps, with ReelShort earning $40M" is ReelShort's; "with ReelShort at the front" is not
        cue_after = _EXAMPLE_AFTER.match(after)
        if cue_before is None and cue_after is None:
            continue
        # The group itself must be named: "Twenty apps, among them…", "…在内的20款应用", "…等头部产品".
        group_before = text[max(0, first.start - 60):first.start]
        if cue_before is not None:
            group_before = group_before[:len(group_before) - len(cue_before.group())]
        # The cue hangs on the group noun ("apps, including", "应用（含"), or the group follows ("等15款应用").
        noun_before = _GROUP_NOUN_END.search(group_before) if cue_before is not None else None
        if noun_before is None and cue_before is not None and _LED_BY.search(cue_before.group()) \
                and _GROUP_AFTER_COMMA.match(text, last.end):
            noun_before = cue_before  # "Led by DramaBox and ReelShort, the category's revenue…": the group follows
        noun_after = _GROUP_NOUN.search(after[:18]) if cue_after is not None else None
        if noun_before is None and noun_after is None:
            continue
        examples.update(n.start for n in run)
    objects: set[int] = set()
    accounts: set[int] = set()
    phrases: list[tuple[int, int]] = []
    for name in names:
        if name.app_key is None and _WHERE_AFTER.match(text, name.end):
            accounts.add(name.start)  # "ReelShort's TikTok account", "Facebook粉丝专页": where, not who
            continue
        window_start = max(0, name.start - 40)
        marker = None
        regex = _MARKER_RE if name.app_key is not None else _OTHER_MARKER_RE
        for m in regex.finditer(text, window_start, name.start):
            marker = m
        if marker is None:
            continue
        gap = text[marker.end():name.start]
        if any(n.start >= marker.end() and n.end <= name.start for n in names):
            continue  # another name in between: this one is not the marker's object
        if not _OBJECT_GAP.fullmatch(gap) or gap.startswith("的"):
            continue  # "行业领先的ReelShort": an attribute, not a comparison
        if re.search(r"\d", gap) and not re.search(r"[\u4e00-\u9fff]", gap):
            continue  # "over 20 apps": an English gap with a figure in it
        objects.add(name.start)
        phrases.append((marker.start(), name.end))
    # Names listed with an object are objects too: "把哔哩哔哩（2.29亿）和优酷（1.76亿）甩在身后".
    for a, b in zip(names, names[1:], strict=False):
        if a.start in objects and _OBJECT_JOIN.fullmatch(text[a.end:b.start]):
            objects.add(b.start)
    return Roles(frozenset(examples), frozenset(objects | accounts), tuple(phrases), frozenset(accounts))


_OBJECT_JOIN = re.compile(r"\s*(?:[(（][^()（）]{0,24}[)）])?\s*[^\s,，。；;:：\d]{0,4}?\s*"
                          r"(?:[,，、/&]|\band\b|\bor\b|和|与|及|以及|或)\s*(?:and\s+)?", re.I)


# Between a comparison word and its object: a few words, an appositive comma ("overtook April's leader, ReelShort"),
# or a short Chinese noun phrase ("反超3月份的第1名ReelShort", "把哔哩哔哩").
_OBJECT_GAP = re.compile(r"\s*(?:the\s+|its\s+|their\s+)?(?:[\w'’.-]+\s+){0,4}?(?:[\w'’.-]+\s*,\s*)?"
                         r"|[^，,。；;：:!?！？\s]{0,12}", re.I)


def _runs(text: str, names: list[Name]) -> list[list[Name]]:
    """Tracked names written as one list ("A、B和C", "A, B and C")."""
    runs: list[list[Name]] = []
    for name in names:
        if runs and _LIST_JOIN.fullmatch(text[runs[-1][-1].end:name.start]):
            runs[-1].append(name)
        else:
            runs.append([name])
    return runs


# A figure written right after a name is that name's: "Youku's 200.6 million", "优酷的2.0亿", "河马剧场月活为5158万",
# "哔哩哔哩（2.29亿）".
_ATTACHED_EN = re.compile(r"(?:['’]s)?\s*(?:[A-Za-z-]+\s+){0,2}?(?:of\s+)?(?:about\s+|around\s+|nearly\s+|roughly\s+)?"
                          r"[$€£¥]?", re.I)
# "…the runner-up Hema Theater with 51.6 million", "Youku at 200 million": the name's figure, written after it.
_ATTACHED_WITH = re.compile(r"\s+(?:with|at)\s+(?:about\s+|around\s+|nearly\s+|roughly\s+|just\s+)?[$€£¥]?", re.I)
_ATTACHED_ZH = re.compile(r"\s*的?\s*(?:月活跃?用户(?:数|规模)?|月活|日活跃?用户(?:数)?|日活|MAU|DAU|下载量|收入|营收|流水)?"
                          r"\s*(?:为|达|约|约为|是|仅|仅为|已达|达到|超|超过)*\s*[$€£¥]?", re.I)
_ATTACHED_PAREN = re.compile(r"\s*[(（]\s*(?:约|近|超|about\s+|around\s+)?\s*[$€£¥]?", re.I)
_RELATIVE = re.compile(r"\s*(?:(?:which|whose|who|the\s+latter)\b|后者)", re.I)
_FORMER = re.compile(r"\s*(?:前者|the\s+former)", re.I)
_RANK_BEFORE_NAME = re.compile(r"\s*(?:来自[^，,。；;《》]{1,24}?)?的\s*[《「“\"]?\s*")  # "第14位来自Kennedyy的《RapidTV》"


def attached_name(start: int, end: int, kind: str, text: str, names: list[Name], clause_start: int
                  ) -> Name | None:
    """The name a figure at ``start:end`` (of ``kind``: "rank", "money"...) is written onto, if any: right after a
    name ("Youku's 200.6 million", "优酷的2.0亿", "（2.29亿）"), in a relative clause about the name before it ("…,
    which had 227 million", "后者月活…"), or, for a rank, right before the name it is the place of
    ("位居第6位的《FlickReels》")."""
    if not isinstance(text, str):
        return None
    names = sorted(names, key=lambda n: n.start)
    before = [n for n in names if n.end <= start]
    if kind == "rank":
        m = _RANK_BEFORE_NAME.match(text, end)
        if m is None:
            return None
        return next((n for n in names if m.end() - 1 <= n.start <= m.end()), None)
    if before:
        nearest = before[-1]
        gap = text[nearest.end:start]
        if kind != "percent" and (_ATTACHED_PAREN.fullmatch(gap) or _ATTACHED_ZH.fullmatch(gap)
                                  or _ATTACHED_WITH.fullmatch(gap)
                                  or (nearest.text.endswith(("'s", "’s")) and _ATTACHED_EN.fullmatch(gap))):
            return nearest
    clause = text[clause_start:start]
    opening = clause.lstrip(" ,，")
    earlier = [n for n in before if n.end <= clause_start]
    if _FORMER.match(opening):
        return earlier[-2] if len(earlier) >= 2 else None
    if _RELATIVE.match(opening):
        return earlier[-1] if earlier else None
    return None
