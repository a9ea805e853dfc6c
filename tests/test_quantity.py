"""The quantity parser reads Chinese figures as value in base units, unit counted and qualifier."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from quantity_render import to_chinese, to_chinese_decimal

from indicators.articles.extract import extract
from indicators.articles.quantity import Quantity, cn_number, parse_quantity
from indicators.errors import IndicatorsError

EXPRESSIONS = [
    # Arabic digits, decimals, thousands separators, full-width digits
    ("1435 家", 1435, "家", "exact"),
    ("63.7%", 63.7, "%", "exact"),
    ("63.7 ％", 63.7, "%", "exact"),
    ("1,203人", 1203, "人", "exact"),
    ("12,037,000 人", 12037000, "人", "exact"),
    ("１２００人次", 1200, "人次", "exact"),
    ("１，２００人次", 1200, "人次", "exact"),
    ("３．５万元", 35000, "元", "exact"),
    # multipliers
    ("1.5 万户", 15000, "户", "exact"),
    ("1.3 亿小时", 130000000, "小时", "exact"),
    ("16 万人次", 160000, "人次", "exact"),
    ("3,200 万元", 32000000, "元", "exact"),
    ("2千人", 2000, "人", "exact"),
    ("1.2万亿元", 1.2e12, "元", "exact"),
    # whitespace and line-wraps anywhere
    ("30 余 项", 30, "项", "more_than"),
    ("1.5 万\n户", 15000, "户", "exact"),
    ("1203.7 万\n人", 12037000, "人", "exact"),
    ("1 8\n00 余人\n次", 1800, "人次", "more_than"),
    ("超\n九成", 90, "%", "more_than"),
    # Chinese numerals
    ("四名", 4, "名", "exact"),
    ("二十三处", 23, "处", "exact"),
    ("一千二百余个", 1200, "个", "more_than"),
    ("十二万人次", 120000, "人次", "exact"),
    ("两万户", 20000, "户", "exact"),
    ("零起", 0, "起", "exact"),
    ("十年", 10, "年", "exact"),
    ("一千零五个", 1005, "个", "exact"),
    ("两千五百人", 2500, "人", "exact"),
    ("两千五人", 2500, "人", "exact"),
    ("三点五万人", 35000, "人", "exact"),
    ("一亿二千万元", 120000000, "元", "exact"),
    ("二十多家", 20, "家", "more_than"),
    ("十余人", 10, "人", "more_than"),
    ("百余人", 100, "人", "more_than"),
    # percentages and points
    ("百分之九十八点五", 98.5, "%", "exact"),
    ("百分之 63.7", 63.7, "%", "exact"),
    ("超九成", 90, "%", "more_than"),
    ("两成", 20, "%", "exact"),
    ("六成以上", 60, "%", "more_than"),
    ("3成", 30, "%", "exact"),
    ("2.5 个百分点", 2.5, "百分点", "exact"),
    ("3 百分点", 3, "百分点", "exact"),
    ("千分之五", 5, "‰", "exact"),
    ("5.8‰", 5.8, "‰", "exact"),
    # qualifiers
    ("超过 100 人", 100, "人", "more_than"),
    ("逾 300 家", 300, "家", "more_than"),
    ("500 人以上", 500, "人", "more_than"),
    ("2.3 万多次", 23000, "次", "more_than"),
    ("5.5 万余人", 55000, "人", "more_than"),
    ("近千件", 1000, "件", "nearly"),
    ("将近 80%", 80, "%", "nearly"),
    ("接近 9 成", 90, "%", "nearly"),
    ("约 50 家", 50, "家", "about"),
    ("大约三千人", 3000, "人", "about"),
    ("500 人左右", 500, "人", "about"),
    ("3 个以内", 3, "个", "at_most"),
    ("100人以下", 100, "人", "at_most"),
    ("不超过 3 家", 3, "家", "at_most"),
    ("不到 10 个", 10, "个", "at_most"),
    ("1 年多", 1, "年", "more_than"),
    # zero said in words
    ("未发生一起", 0, "起", "exact"),
    ("没有一个", 0, "个", "exact"),
    ("零发生", 0, "", "exact"),
    # measure words kept as written when not on the controlled list
    ("32场", 32, "场", "exact"),
    ("两批", 2, "批", "exact"),
    ("六条", 6, "条", "exact"),
    ("3 所以内", 3, "所", "at_most"),  # 所以 (so) is not 所, but 所以内 is
]


@pytest.mark.parametrize(("text", "value", "unit", "qualifier"), EXPRESSIONS)
def test_expression_reads_as_value_in_base_units_unit_and_qualifier(text, value, unit, qualifier):
    q = parse_quantity(text)
    assert math.isclose(q.value, value, rel_tol=1e-12)
    assert (q.unit, q.qualifier) == (unit, qualifier)


TRADITIONAL = [
    ("二十三處", 23, "处", "exact"),
    ("十二萬人次", 120000, "人次", "exact"),
    ("一千二百餘個", 1200, "个", "more_than"),
    ("兩萬戶", 20000, "户", "exact"),
    ("約 50 項", 50, "项", "about"),
    ("1.5萬(wàn)戶(hù)", 15000, "户", "exact"),
    ("三個(gè)", 3, "个", "exact"),
]


@pytest.mark.parametrize(("text", "value", "unit", "qualifier"), TRADITIONAL)
def test_traditional_characters_and_inline_romanisation_read_like_simplified(text, value, unit, qualifier):
    assert parse_quantity(text) == Quantity(value=value, unit=unit, qualifier=qualifier)


@pytest.mark.parametrize(
    "text", ["", "人", "一些人", "十四五", "三五个", "百十人", "1.5", "万万人", "约", "很多人", "第三"]
)
def test_text_that_is_not_one_quantity_is_refused_with_a_hint(text):
    with pytest.raises(IndicatorsError) as err:
        parse_quantity(text)
    problem = err.value.problems[0]
    assert "is not a quantity" in problem.message
    assert "1.5 万户" in problem.hint


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("零", 0),
        ("九", 9),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百一十", 110),
        ("一千零五", 1005),
        ("一万零五十", 10050),
        ("十二万", 120000),
        ("两万五", 25000),
        ("三亿五千万", 350000000),
        ("二〇二四", 2024),
        ("九十八点五", Decimal("98.5")),
        ("一点三亿", 130000000),
    ],
)
def test_chinese_numerals_have_their_value(numeral, value):
    assert cn_number(numeral) == Decimal(value)


@pytest.mark.parametrize("numeral", ["十四五", "三五", "百十", "万万", "点五", "二二"])
def test_malformed_chinese_numerals_have_no_value(numeral):
    assert cn_number(numeral) is None


# --- round trip: number + multiplier + unit + qualifier → Chinese text → parsed back ---------------------

UNITS = ["人", "人次", "户", "个", "家", "件", "次", "小时", "元", "项", "起", "所", "处", "场", "期", "支"]
UNITS += ["张", "名", "批", "条", "款", "天", "岁", "方面", "例", "倍", "座", "套", "种", "平方米", "公顷"]
FORMS = {
    "exact": ["{n}{u}"],
    "more_than": ["超过{n}{u}", "超{n}{u}", "逾{n}{u}", "{n}余{u}", "{n}多{u}", "{n}{u}以上"],
    "nearly": ["近{n}{u}", "将近{n}{u}", "接近{n}{u}"],
    "about": ["约{n}{u}", "大约{n}{u}", "{n}{u}左右"],
    "at_most": ["不超过{n}{u}", "不到{n}{u}", "{n}{u}以内", "{n}{u}以下"],
}
MULTIPLIERS = {"": 1, "万": 10_000, "亿": 100_000_000}
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@st.composite
def written_quantities(draw):
    """A quantity and one way an article could write it."""
    chinese = draw(st.booleans())
    mult = draw(st.sampled_from(list(MULTIPLIERS)))
    limit = 9999 if mult else 99_999_999
    whole = draw(st.integers(min_value=0 if not mult else 1, max_value=limit))
    tenths = draw(st.integers(min_value=0, max_value=9)) if draw(st.booleans()) else None
    if chinese:
        number = to_chinese(whole, liang=draw(st.booleans())) if tenths is None else ""
        if tenths is not None:
            number = to_chinese_decimal(whole, tenths)
    else:
        number = f"{whole:,}" if draw(st.booleans()) else str(whole)
        if tenths is not None:
            number += f".{tenths}"
        if draw(st.booleans()):
            number = number.translate(FULL_WIDTH)
    qualifier = draw(st.sampled_from(list(FORMS)))
    if whole == 0 and tenths in (None, 0):
        qualifier = "exact"
    unit = draw(st.sampled_from(UNITS))
    text = draw(st.sampled_from(FORMS[qualifier])).format(n=number + mult, u=unit)
    # Newspaper columns break lines and put spaces anywhere.
    breaks = draw(st.lists(st.sampled_from(["", "", " ", "\n"]), min_size=len(text), max_size=len(text)))
    text = "".join(c + b for c, b in zip(text, breaks, strict=True)).strip()
    value = (Decimal(whole) + (Decimal(tenths) / 10 if tenths is not None else 0)) * MULTIPLIERS[mult]
    return text, float(value), unit, qualifier, chinese and whole == 1 and tenths is None and not mult


@given(written_quantities())
def test_written_quantity_parses_back_to_its_value_unit_and_qualifier(case):
    text, value, unit, qualifier, _ = case
    q = parse_quantity(text)
    assert math.isclose(q.value, value, rel_tol=1e-12, abs_tol=1e-12)
    assert (q.unit, q.qualifier) == (unit, qualifier)


@given(written_quantities())
def test_written_quantity_in_a_sentence_is_extracted_once_with_its_offset(case):
    text, value, unit, qualifier, is_article = case
    assume(not is_article)  # 一名 / 一个 alone read as "a", not as a count
    sentence = f"据统计，全市{text}。"
    found = extract(sentence)
    assert len(found) == 1
    f = found[0]
    assert math.isclose(f.value, value, rel_tol=1e-12, abs_tol=1e-12)
    assert (f.unit, f.qualifier) == (unit, qualifier)
    assert f.offset == sentence.index(text)
