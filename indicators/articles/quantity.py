"""Chinese quantity expressions: `1.5 万户`, `超九成`, `一千二百余个` → value in base units, unit, qualifier."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from indicators.errors import IndicatorsError, Problem

Qualifier = Literal["exact", "more_than", "nearly", "about", "at_most"]


class Quantity(BaseModel):
    """A figure as written: value in base units (without 万/亿), the unit counted, and how exact it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0, description="Value in base units: 1.5 万户 → 15000")
    unit: str = Field(description="The unit counted, without 万/亿 (户, 人次, %, 百分点); '' for 零发生")
    qualifier: Qualifier = "exact"


# ---------------------------------------------------------------------------------------------------
# Normalisation. Every rule below runs on a "compact" copy of the text: whitespace and the inline
# romanisation of article 001 (`發(fā)展`) removed, traditional characters and full-width digits folded
# to their simplified / ASCII forms, one character for one character, so a map gives back the offsets.

_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "．": ".",
        "－": "-",  # full-width and typographic minus signs: -0.5‰ is written all three ways
        "−": "-",
        "％": "%",
        "萬": "万",
        "億": "亿",
        "兩": "两",
        "個": "个",
        "戶": "户",
        "項": "项",
        "處": "处",
        "場": "场",
        "張": "张",
        "餘": "余",
        "約": "约",
        "時": "时",
        "條": "条",
        "臺": "台",
        "輛": "辆",
        "歲": "岁",
        "點": "点",
        "幾": "几",
        "數": "数",
        "屆": "届",
        "過": "过",
        "將": "将",
        "鐘": "钟",
        "頃": "顷",
        "種": "种",
        "類": "类",
        "噸": "吨",
        "畝": "亩",
        "週": "周",
        "門": "门",
        "級": "级",
        "為": "为",
        "員": "员",
        "發": "发",
        "現": "现",
        "沒": "没",
        "無": "无",
        "傷": "伤",
        "訴": "诉",
        "來": "来",
        "間": "间",
        "計": "计",
        "劃": "划",
        "規": "规",
        "單": "单",
        "稱": "称",
    }
)
_ROMANISATION = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,8}\)")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Compact:
    """Text without whitespace or romanisation, folded to simplified/ASCII, with offsets back."""

    text: str
    origin: list[int]  # origin[i] = offset in the original text of compact character i

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original (start, end) of compact characters start..end."""
        return self.origin[start], self.origin[end - 1] + 1


def compact(text: str) -> Compact:
    """Fold the text for matching, keeping a map from each kept character to its original offset."""
    drop = bytearray(len(text))
    for m in _ROMANISATION.finditer(text):
        drop[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in _SPACE.finditer(text):
        drop[m.start()] = 1
    keep = [i for i in range(len(text)) if not drop[i]]
    folded = "".join(text[i] for i in keep).translate(_FOLD)
    return Compact(folded, keep)


# ---------------------------------------------------------------------------------------------------
# Grammar.

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_CHARS = "".join(CN_DIGITS) + "".join(_CN_SMALL) + "".join(_CN_BIG)

# Measure words, with the characters that, following them, make another word (期间, 年级, 成为 …).
_UNIT_TABLE: dict[str, str] = {
    "个百分点": "",
    "百分点": "",
    "微克/立方米": "",
    "标准箱": "",
    "标箱": "",
    "千瓦时": "",
    "千瓦": "",
    "兆瓦": "",
    "美元": "",
    "公斤": "",
    "千克": "",
    "架次": "",
    "艘": "",
    "平方公里": "",
    "平方米": "",
    "立方米": "",
    "公顷": "",
    "公里": "",
    "千米": "",
    "人次": "",
    "户次": "",
    "件次": "",
    "小时": "",
    "分钟": "",
    "个月": "",
    "周岁": "",
    "方面": "",
    "个": "体性多半",  # 一个多月, 一个半月: vague spans, not counts of 个
    "人": "民员才群士物",
    "名": "单称义字誉额片",
    "位": "于置居列",
    "户": "口籍外型",
    "家": "庭长属乡园",
    "件": "",
    "次": "要日年序产",  # 三次产业 is the tertiary sector
    "项": "",
    "起": "来到草步点",
    "所": "有在属谓",
    "处": "理置长于室在",
    "场": "所景地馆合",
    "期": "间刊望待盼货",
    "支": "持付撑部",
    "张": "力贴",
    "批": "准评示复",
    "条": "件例款",
    "款": "",
    "篇": "",
    "份": "",
    "座": "",
    "套": "",
    "台": "湾阶",
    "辆": "",
    "例": "外",
    "倍": "",
    "类": "",
    "种": "植子类",
    "部": "分署门长",
    "元": "",
    "岁": "",
    "天": "然津气下空",
    "年": "级代度底初末中轻规计",
    "周": "年边末期岁",
    "亩": "",
    "吨": "",
    "米": "",
    "秒": "",
    "分": "之别析享",
    "成": "为立员本果功就长熟交效绩型年品都",
}
# Longer words after a measure word: 所以 (so) is not 所, but 3 所以内 is.
_UNIT_STOP_WORDS = {"所": "以(?![上下内])"}
TIME_UNITS = frozenset({"年", "天", "小时", "个月", "周", "分钟"})
_ARABIC_ONLY_UNITS = frozenset({"分", "秒", "米"})  # 十分 (very), 三分之一, 一米阳光 are not figures


def _unit_alternatives() -> str:
    parts = []
    for unit in sorted(_UNIT_TABLE, key=len, reverse=True):
        stop = _UNIT_TABLE[unit]
        if unit in _UNIT_STOP_WORDS:
            stop = f"[{stop}]|{_UNIT_STOP_WORDS[unit]}" if stop else _UNIT_STOP_WORDS[unit]
        elif stop:
            stop = f"[{stop}]"
        parts.append(re.escape(unit) + (f"(?!{stop})" if stop else ""))
    return "|".join(parts)


_AR_NUM = r"(?:\d{1,3}(?:[,，]\d{3}(?!\d))+|\d+)(?:\.\d+)?(?:万亿|[千百]万|万|亿|千)?"
_CN_NUM = rf"[{_CN_CHARS}]+(?:点[零〇一二三四五六七八九]+[万亿]*)?"
_NUM = rf"(?:{_AR_NUM}|{_CN_NUM})"
_PRE = r"不超过|不到|不足|超过|将近|接近|大约|超|逾|(?<![最附靠临])近|(?<![预签邀相节制集简婚])约|上(?=[百千万亿])"

EXPRESSION = re.compile(
    rf"(?P<pre>{_PRE})?"
    r"(?:"
    rf"百分之(?P<pct>{_NUM})"
    rf"|千分之(?P<pml>{_NUM})"
    rf"|(?P<num>{_NUM})(?P<mid>余|多)?(?P<unit>%|‰|{_unit_alternatives()})"
    r"|(?P<neg>未发生|没有发生|未出现|没有出现|未有|没有)一(?P<negunit>起|例|件|次|个|名|人)"
    r"|(?P<zero>零(?:发生|事故|伤亡|死亡|投诉))"
    r")"
    r"(?P<post>以上|以下|以内|左右|余|多)?"
)

_QUALIFIER_OF = {
    "余": "more_than",
    "多": "more_than",
    "超": "more_than",
    "超过": "more_than",
    "逾": "more_than",
    "以上": "more_than",
    "上": "more_than",
    "近": "nearly",
    "将近": "nearly",
    "接近": "nearly",
    "约": "about",
    "大约": "about",
    "左右": "about",
    "以内": "at_most",
    "以下": "at_most",
    "不超过": "at_most",
    "不到": "at_most",
    "不足": "at_most",
}
_AR_MULTIPLIER = {"": 1, "千": 1000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 10**8}
_AR_MULTIPLIER["万亿"] = 10**12
_AR_SPLIT = re.compile(r"^([\d,，.]+)(.*)$")


def cn_number(text: str) -> Decimal | None:
    """Return the value of a Chinese numeral (二十三, 一千零五, 十二万, 九十八点五), None if malformed."""
    if "点" in text:
        whole, _, rest = text.partition("点")
        m = re.fullmatch(r"([零〇一二三四五六七八九]+)([万亿]*)", rest)
        if not whole or m is None:
            return None
        base = _cn_integer(whole)
        if base is None:
            return None
        value = Decimal(base) + Decimal("0." + "".join(str(CN_DIGITS[c]) for c in m.group(1)))
        for c in m.group(2):
            value *= _CN_BIG[c]
        return value
    integer = _cn_integer(text)
    return None if integer is None else Decimal(integer)


def _cn_integer(text: str) -> int | None:
    if not text:
        return None
    if all(c in CN_DIGITS for c in text):
        if len(text) == 1:
            return CN_DIGITS[text]
        # 二〇二四 is written digit by digit; 三五 ("three or five") is not a number.
        if len(text) >= 3 and any(c in "零〇" for c in text):
            return int("".join(str(CN_DIGITS[c]) for c in text))
        return None
    total = 0  # completed 亿 part
    section = 0  # completed 万 part below 亿
    group = 0  # below 万
    digit: int | None = None
    last_place = 0  # place of the last 十/百/千/万/亿 seen, for 两千五 = 2500
    after_zero = False
    small_limit = 10_000  # places inside a group must fall: 千 > 百 > 十
    for c in text:
        if c in CN_DIGITS:
            if digit is not None:
                return None  # two digits in a row (十四五, 三五)
            if CN_DIGITS[c] == 0:
                after_zero = True
                continue
            digit = CN_DIGITS[c]
        elif c in _CN_SMALL:
            place = _CN_SMALL[c]
            if place >= small_limit:
                return None
            if digit is None:
                if group or section or total or after_zero:
                    return None  # 百十, 万十 without a digit
                digit = 1  # leading 十 = 10, bare 千 = 1000
            group += digit * place
            digit, after_zero, small_limit, last_place = None, False, place, place
        else:
            place = _CN_BIG[c]
            if digit is not None:
                group += digit
                digit = None
            if place == 10_000:
                if section:
                    return None  # 万万
                section = (group or (0 if (total or after_zero) else 1)) * 10_000
                if section == 0:
                    return None
            else:
                if total:
                    return None
                total = ((section + group) or 1) * 100_000_000
                section = 0
            group, after_zero, small_limit, last_place = 0, False, 10_000, place
    if digit is not None:
        # 两千五 = 2500, 两万五 = 25000: a trailing digit counts one place below the last one.
        group += digit * (last_place // 10 if last_place >= 100 and not after_zero else 1)
    return total + section + group


@dataclass(frozen=True)
class Reading:
    """One expression found in compact text, with what is needed to decide if it is a figure."""

    start: int  # compact offsets
    end: int
    quantity: Quantity
    number_text: str  # the numeral as written ('' for negations and 零发生)
    arabic: bool
    qualified: bool  # a qualifier word is written (not just 'exact')
    num_start: int  # compact offset where the numeral begins (after a prefix qualifier)


def _number_value(text: str) -> tuple[Decimal, bool] | None:
    m = _AR_SPLIT.match(text)
    if m and m.group(1)[0].isdigit():
        digits, mult = re.sub("[,，]", "", m.group(1)), m.group(2)
        if mult not in _AR_MULTIPLIER:
            return None
        return Decimal(digits) * _AR_MULTIPLIER[mult], True
    value = cn_number(text)
    return (value, False) if value is not None else None


def read_match(m: re.Match[str]) -> Reading | None:
    """Interpret one EXPRESSION match; None when it is not a well-formed quantity."""
    pre, post = m.group("pre") or "", m.group("post") or ""
    end = m.end()
    if m.group("zero") or m.group("neg"):
        # Nothing happened: zero is exact whatever follows.
        end -= len(post)
        quantity = Quantity(value=0.0, unit=m.group("negunit") or "", qualifier="exact")
        start = m.start("zero") if m.group("zero") else m.start("neg")
        return Reading(start, end, quantity, "", False, False, start)
    if m.group("pct") is not None or m.group("pml") is not None:
        group = "pct" if m.group("pct") is not None else "pml"
        number_text, unit, mid, scale = m.group(group), ("%" if group == "pct" else "‰"), "", Decimal(1)
        num_start = m.start(group) - 3
    else:
        number_text, unit, mid, scale = m.group("num"), m.group("unit"), m.group("mid") or "", Decimal(1)
        num_start = m.start("num")
        if unit == "成":
            unit, scale = "%", Decimal(10)
        elif unit == "个百分点":
            unit = "百分点"
    parsed = _number_value(number_text)
    if parsed is None:
        return None
    value, arabic = parsed
    if post in ("余", "多") and unit not in TIME_UNITS:
        end -= len(post)  # 100人多 is not said; the 多 belongs to what follows
        post = ""
    qualifier = "exact"
    for word in (pre, mid, post):
        if word:
            qualifier = _QUALIFIER_OF[word]
            break
    quantity = Quantity(value=float(value * scale), unit=unit, qualifier=qualifier)
    return Reading(m.start(), end, quantity, number_text, arabic, bool(pre or mid or post), num_start)


def parse_quantity(text: str) -> Quantity:
    """Parse one quantity expression such as `约 1.5 万户` or `超九成`; raise IndicatorsError otherwise."""
    folded = compact(text).text
    m = EXPRESSION.fullmatch(folded)
    reading = read_match(m) if m else None
    if reading is None or reading.end != len(folded):
        raise IndicatorsError(
            [
                Problem(
                    f"'{text}' is not a quantity",
                    hint="write a number and a unit, e.g. 1.5 万户, 1800 余人次, 63.7%, 超九成",
                )
            ]
        )
    return reading.quantity


def unit_is_arabic_only(unit: str) -> bool:
    """True for units that, after a Chinese numeral, are part of another word (十分, 三分之一)."""
    return unit in _ARABIC_ONLY_UNITS


# ---------------------------------------------------------------------------------------------------
# What people type into a form or an import cell: one reader for both.

_TYPED_PLAIN = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_TYPED_MULT = re.compile(r"([+-]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(万亿|[千百]万|万|亿|千)")
_PERCENT_UNITS = frozenset({"%", "百分点"})


@dataclass(frozen=True)
class TypedNumber:
    """A number as a person typed it, and the value it was read as (in the unit of the field)."""

    typed: str
    value: float

    @property
    def value_text(self) -> str:
        """Return the value written out in full: 15000, not 1.5万 or 1.5e4."""
        return format_plain(self.value)

    @property
    def literal(self) -> bool:
        """True when the text is the plain number itself (nothing to explain to the person)."""
        return self.typed.strip() == self.value_text


def format_plain(value: float) -> str:
    """Return a number in plain digits without exponent or trailing zeros (15000, 0.125, -3)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(repr(float(value))).normalize(), "f")


def read_typed_number(text: object, unit: str | None = None) -> TypedNumber:
    """Read a number people type: 15000, 15,000, １５０００, 1.5万, 1.2亿, 八十, 80%, 百分之八十.

    `unit` is the field's unit: a trailing unit equal to it is allowed (1.5万户 for 户), and a percentage
    (80%, 百分之八十, 八成) only where the unit is % or 百分点 (or unknown). Raises IndicatorsError.
    """
    typed = "" if text is None else str(text)
    folded = compact(typed).text.replace("，", ",").replace("－", "-").replace("＋", "+")
    if unit and unit not in _PERCENT_UNITS and folded.endswith(unit) and len(folded) > len(unit):
        folded = folded[: -len(unit)]
    value = _typed_value(folded, unit)
    if value is None:
        raise IndicatorsError(
            [
                Problem(
                    f"value must be a number: '{typed.strip()}' is not one",
                    path="value",
                    hint="write e.g. 15000, 15,000, 1.5万, 1.2亿 or 百分之八十 (for a %)",
                    code="value.not_a_number",
                    params={"given": typed.strip()},
                )
            ]
        )
    return TypedNumber(typed, float(value))


def _typed_value(folded: str, unit: str | None) -> Decimal | None:
    if not folded:
        return None
    if _TYPED_PLAIN.fullmatch(folded):
        return Decimal(folded.replace(",", ""))
    m = _TYPED_MULT.fullmatch(folded)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return sign * Decimal(m.group(2).replace(",", "")) * _AR_MULTIPLIER[m.group(3)]
    percent_ok = unit is None or unit in _PERCENT_UNITS
    if folded.startswith("百分之") or folded.endswith("%") or folded.endswith("成"):
        if not percent_ok:
            return None
        if folded.endswith("成"):
            inner = _typed_value(folded[:-1], None)
            return None if inner is None else inner * 10
        inner_text = folded[3:] if folded.startswith("百分之") else folded[:-1]
        return _typed_value(inner_text, None) if inner_text and "%" not in inner_text else None
    if all(c in _CN_CHARS or c == "点" for c in folded):
        return cn_number(folded)
    return None
