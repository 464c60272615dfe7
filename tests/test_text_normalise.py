"""``transforms.text_normalise``: real press text made matchable, every character traceable to the original."""

from __future__ import annotations

import pytest

from dramatrack.catalog import load_catalog
from dramatrack.settings import Settings
from transforms.news_metrics import extract_metrics
from transforms.text_normalise import normalise, to_simplified, zh_number

APPS = [(a.app_key, a.all_names()) for a in load_catalog(Settings().catalog_path).apps]


@pytest.mark.parametrize(("text", "expected"), [
    ("海外短劇市場規模已達 35 億美元", "海外短剧市场规模已达35亿美元"),  # script, spaces before the unit
    ("內購收入 18.64 億美元", "内购收入18.64亿美元"),
    ("users hit 1 234 567 in 2025", "users hit 1234567 in 2025"),  # a PDF's digit-group spaces
    ("about 14% of revenue [2].", "about 14% of revenue."),  # citation marks
    ("Key findings: 1) A; 2) B", "Key findings: A; B"),  # list markers
    ("ReelShort (No. 1) and DramaBox (#2)", "ReelShort (No. 1) and DramaBox (#2)"),  # ranks, not list markers
    ("要点：1）甲；2）乙", "要点：甲；乙"),
    ("Group 1: ReelShort. Group 2: NetShort", "ReelShort. NetShort"),
    ("ＲｅｅｌＳｈｏｒｔ收入１．３亿美元", "ReelShort收入1.3亿美元"),  # full-width forms
    ("月活躍用戶突破一千兩百萬", "月活跃用户突破12000000"),  # Chinese numerals, run by run (cn2an)
    ("收入约三千万美元，下载量十二亿次", "收入约30000000美元，下载量1200000000次"),
    ("收入一点五亿元", "收入1.5亿元"),
    ("第二名，二月，一季度，十分重要，千万不要", "第二名，二月，一季度，十分重要，千万不要"),  # words stay words
    ("月活躍用戶為１，２００萬", "月活跃用户为1,200万"),  # a full-width thousands separator
])
def test_normalised_text(text, expected):
    assert normalise(text).text == expected


def test_spans_map_back_into_the_original():
    original = "ReelShort 分別收獲 1.52 億美元，GoodShort 收入約三千萬美元 [3]"
    norm = normalise(original)
    start = norm.text.index("1.52")
    assert norm.original_text(start, start + len("1.52亿美元")) == "1.52 億美元"
    start = norm.text.index("30000000")
    assert norm.original_text(start, start + len("30000000美元")) == "三千萬美元"
    assert len(norm.offsets) == len(norm.text) + 1


def test_traditional_to_simplified_keeps_length_and_numerals_need_a_number():
    assert to_simplified("註冊用戶 粉絲專頁 市佔率 穩居榜首") == "注册用户 粉丝专页 市占率 稳居榜首"
    assert zh_number("一千两百万") == 12000000 and zh_number("不是数字") is None


def test_output_keeps_the_sentence_as_written():
    text = "ReelShort、DramaBox、GoodShort分別收獲1.52億美元、9,870萬美元、6,010萬美元收入。"
    metrics = extract_metrics(text, apps=APPS)
    assert [(m.app, m.value, m.unit_text) for m in metrics] == [
        ("ReelShort", 152000000, "1.52億美元"), ("DramaBox", 98700000, "9,870萬美元"),
        ("GoodShort", 60100000, "6,010萬美元")]
    assert all(m.sentence == text for m in metrics)


def test_a_scene_setting_sentence_or_the_same_month_gives_the_period():
    text = ("2025年上半年的海外短剧收入榜单中，中国公司包揽前三。"
            "ReelShort、DramaBox分别收获2.6亿美元、2.3亿美元收入。")
    assert {(m.app, m.period) for m in extract_metrics(text, apps=APPS)} == {
        ("ReelShort", "2025-H1"), ("DramaBox", "2025-H1")}
    text = "GoodShort earned $15 million in July 2025. FlexTV earned $4 million in the same month."
    assert [m.period for m in extract_metrics(text, apps=APPS)] == ["2025-07", "2025-07"]
    text = "GoodShort earned $15 million in July 2025. FlexTV now has 3 million monthly active users."
    assert [m.period for m in extract_metrics(text, apps=APPS)] == ["2025-07", None]  # not carried over a figure
