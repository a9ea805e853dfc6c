"""Find the figures in an article: every quantity with its clause, offset and source, and nothing else."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from indicators.articles.quantity import (
    _AR_MULTIPLIER,
    EXPRESSION,
    Compact,
    Qualifier,
    Quantity,
    Reading,
    compact,
    read_match,
    unit_is_arabic_only,
)
from indicators.errors import IndicatorsError, ProblemCollector


class Finding(BaseModel):
    """A quantity found in a text: what it says and where it was written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(description="Value in base units (1.5 万户 → 15000)")
    unit: str = Field(description="Unit counted, without 万/亿; a rate keeps its denominator (个/万人)")
    qualifier: Qualifier
    quote: str = Field(description="The clause the figure stands in, line-wraps removed")
    source: str = Field(description="Where the text came from (the path given)")
    offset: int = Field(ge=0, description="Character offset of the expression in the source text")
    text: str = Field(description="The expression as written")

    def quantity(self) -> Quantity:
        """Return the value, unit and qualifier alone."""
        return Quantity(value=self.value, unit=self.unit, qualifier=self.qualifier)


# Clauses end at sentence and clause punctuation and at blank lines (headlines carry no punctuation).
_CLAUSE_END = re.compile(r"[。！？；，：!?;:]|,(?!\d{3})|\n\s*\n")
_WRAP = re.compile(r"\s*\n\s*")
# A short quoted phrase (“十四五”, “五个一”, “四个意识”) or a title 《…》 is a name, not a count.
_NAME_SPANS = re.compile(r"“[^“”]{1,10}”|\"[^\"]{1,10}\"|「[^「」]{1,10}」|《[^《》]*》")
# 每万人, 每10万人, 每千人口, 每年, 每个 … : the denominator of a rate, never a count by itself.
_PER = re.compile(
    r"每(?P<num>\d+(?:\.\d+)?[万千]?|[十百千万]+|[一二两三四五六七八九十]+[百千万]*)?"
    r"(?P<unit>人|户|个|家|年|季度|月|周|天|日|名|次|队|村|校|所|社区|平方米|平方公里|公里)"
)
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Reign and era names before a year number make it a date: 光绪三十年, 民国二十年, 康熙五十二年.
_ERA = re.compile(
    r"(?:民国|光绪|宣统|同治|咸丰|道光|嘉庆|乾隆|雍正|康熙|顺治|崇祯|天启|万历|隆庆|嘉靖|正德|弘治|成化|"
    r"景泰|正统|宣德|永乐|洪武|至正|至元|淳熙|绍兴|元丰|熙宁|庆历|开元|天宝|贞观|武德|大中|咸通|太和|昭和|大正|明治|平成|令和)$"
)
_AGE_BAND = re.compile(r"及以[上下]|以[上下]的?(?:人口|老人|老年人|居民|儿童)|的?人口")
# A range's lower end: 3—5万吨, 3～5 人, 3至5年 (an ASCII '-' is too often a name or a band: 0-15岁, 19-6).
_RANGE_LOW = re.compile(r"(\d+(?:\.\d+)?)(?:—|–|～|~|至|到)$")
_MULTIPLIER_END = re.compile(r"(万亿|[千百]万|万|亿|千)$")
# A table flattened to lines: a label, then one number and nothing else (居民消费价格总指数(CPI) 102.4).
_TABLE_LINE = re.compile(
    r"^[ \t\u3000]*#?[ \t\u3000]*(?P<label>[\u4e00-\u9fff（）()A-Za-z、]{2,24})[ \t\u3000]+"
    r"(?P<num>-?\d+(?:\.\d+)?)[ \t\u3000]*$",
    re.M,
)
_TABLE_LABEL = re.compile(r"指数|合计|总计|总量|总额|人数|数量|比重")
_YEAR_CN = re.compile(r"^[零〇一二三四五六七八九]{4}$")


def _after_alnum(folded: str, at: int) -> bool:
    """True when the character before position `at` is an ASCII letter or digit."""
    return at > 0 and folded[at - 1].isascii() and folded[at - 1].isalnum()


def _clauses(text: str) -> list[int]:
    return [m.end() for m in _CLAUSE_END.finditer(text)]


def _clause_of(text: str, ends: list[int], start: int, end: int) -> tuple[int, int]:
    i = bisect_right(ends, start)
    lo = ends[i - 1] if i else 0
    j = bisect_right(ends, end - 1)
    hi = ends[j] - 1 if j < len(ends) else len(text)
    return lo, max(hi, end)


def unwrap(text: str) -> str:
    """Join newspaper line-wraps: remove line breaks and the spaces around them."""
    return _WRAP.sub("", text).strip()


def _denominator(num: str | None, unit: str) -> str:
    if not num:
        return unit
    table = {"万": "万", "千": "千", "十万": "10万", "百": "百"}
    if num in table:
        return table[num] + unit
    return num + unit


class Spans:
    """Sorted, non-nested character spans with fast "does this range touch one" lookups."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [lo for lo, _ in self.spans]

    def covers(self, start: int, end: int) -> bool:
        """True when one span holds all of start..end."""
        i = bisect_right(self.starts, start) - 1
        return i >= 0 and self.spans[i][1] >= end

    def overlaps(self, start: int, end: int) -> bool:
        """True when a span shares a character with start..end."""
        i = bisect_right(self.starts, end - 1) - 1
        return i >= 0 and self.spans[i][1] > start


def _is_figure(r: Reading, folded: str, names: Spans, pers: Spans) -> bool:
    """Apply the context rules that tell a count from a date, ordinal, name, idiom or denominator."""
    q = r.quantity
    before = folded[r.start - 1] if r.start else ""
    after = folded[r.end] if r.end < len(folded) else ""
    number = r.number_text
    # Dates: 2024年, 二〇二四年 (months and days carry no measure word, so never match).
    if q.unit == "年" and not r.qualified:
        digits = number.replace(",", "")
        if (r.arabic and digits.isdigit() and 1000 <= int(digits) <= 2999) or _YEAR_CN.match(number):
            return False
    if q.unit == "年" and _ERA.search(folded, max(0, r.num_start - 2), r.num_start):
        return False
    # Times: 15时30分, 8:30分.
    if q.unit in ("分", "秒") and before and (before in "时点:" or before.isdigit()):
        return False
    # Ordinals: 第十五次, 第27届, 第三季度.
    if before == "第" or folded[max(0, r.num_start - 1) : r.num_start] == "第":
        return False
    # Names: 5G, A3, COVID-19, 渤中19-6; a band 0-15岁. A '-' after anything else is a minus sign.
    if r.arabic and (
        _ASCII_LETTER.match(before or " ")
        or _ASCII_LETTER.match(after or " ")
        or (before == "-" and _after_alnum(folded, r.start - 1))
    ):
        return False
    # Age bands name a group (60岁及以上人口, 0-15岁), they do not count anything.
    if q.unit == "岁" and _AGE_BAND.match(folded, r.end):
        return False
    if names.covers(r.start, r.end):
        return False
    # Denominators of a rate: 每万人 is not ten thousand people.
    if pers.overlaps(r.start, r.end):
        return False
    if number and not r.arabic:
        if unit_is_arabic_only(q.unit):
            return False  # 十分重要, 一米阳光
        if before and before in "几数多好":
            return False  # 数十人, 几十年: vague, not a figure
        if number == "一" and not r.qualified:
            return False  # 一名青年男子, 一个品牌: the indefinite article
        if number[0] in "百千万亿" and not r.qualified:
            return False  # 千家万户, 万家灯火, 百年: idioms, not counts
    return True


def extract(text: str, source: str = "") -> list[Finding]:
    """Return every quantity in the text, in order, with its clause, offset and source."""
    folded = compact(text)
    ftext = folded.text

    def fspan(lo: int, hi: int) -> tuple[int, int]:
        # Original spans → compact spans, for name and clause checks made on the original text.
        a = bisect_right(folded.origin, lo - 1)
        b = bisect_right(folded.origin, hi - 1)
        return a, b

    names = Spans([fspan(m.start(), m.end()) for m in _NAME_SPANS.finditer(text)])
    pers, rates = _rates(folded)
    rate_at = [offset for offset, _ in rates]
    ends = _clauses(text)
    findings: list[Finding] = []
    for m in EXPRESSION.finditer(ftext):
        reading = read_match(m)
        if reading is None or not _is_figure(reading, ftext, names, pers):
            continue
        value = reading.quantity.value
        cstart = reading.start
        if reading.arabic and reading.num_start == reading.start and ftext[cstart - 1 : cstart] == "-":
            # A minus sign (the name and band cases were refused above): 自然增长率-0.5‰, 增长-14.5%.
            cstart -= 1
            value = -value
        start, end = folded.span(cstart, reading.end)
        lo, hi = _clause_of(text, ends, start, end)
        unit = reading.quantity.unit
        # The last 每… before the figure in its clause is its denominator.
        k = bisect_right(rate_at, start - 1) - 1
        if k >= 0 and rate_at[k] >= lo and unit and "/" not in unit:
            unit = f"{unit}/{rates[k][1]}"
        low = _RANGE_LOW.search(ftext, max(0, reading.start - 12), reading.start)
        if low is not None and reading.arabic and reading.num_start == reading.start:
            # 3—5万吨: the lower end is a figure too, in the upper end's unit and multiplier.
            mult = _MULTIPLIER_END.search(reading.number_text)
            factor = _AR_MULTIPLIER.get(mult.group(1), 1) if mult else 1
            lstart, lend = folded.span(low.start(1), low.end(1))
            findings.append(
                Finding(
                    value=float(low.group(1)) * factor,
                    unit=unit,
                    qualifier="exact",
                    quote=unwrap(text[lo:hi]),
                    source=source,
                    offset=lstart,
                    text=text[lstart:lend],
                )
            )
        findings.append(
            Finding(
                value=value,
                unit=unit,
                qualifier=reading.quantity.qualifier,
                quote=unwrap(text[lo:hi]),
                source=source,
                offset=start,
                text=text[start:end],
            )
        )
    findings += _table_figures(text, findings, source)
    findings.sort(key=lambda f: f.offset)
    return findings


def _rates(folded: Compact) -> tuple[Spans, list[tuple[int, str]]]:
    """Return the spans of 每… (per …) in the compact text and each rate's (original offset, denominator)."""
    ftext = folded.text
    per_spans: list[tuple[int, int]] = []
    rates: list[tuple[int, str]] = []  # (original offset, denominator), in text order
    for m in _PER.finditer(ftext):
        if m.group("num") == "一":
            continue  # 每一条建议: "every", not a rate
        per_spans.append((m.start(), m.end()))
        rates.append((folded.origin[m.start()], _denominator(m.group("num"), m.group("unit"))))
    return Spans(per_spans), rates


def _table_figures(text: str, found: list[Finding], source: str) -> list[Finding]:
    """Return the figures of table lines (a label, then a number) that no figure found in the prose covers."""
    taken = Spans([(f.offset, f.offset + len(f.text)) for f in found])
    figures: list[Finding] = []
    for m in _TABLE_LINE.finditer(text):
        number = m.group("num")
        if "." not in number and not _TABLE_LABEL.search(m.group("label")):
            continue  # a bare integer after a word is as often a code or a page as a figure
        if taken.overlaps(m.start("num"), m.end("num")):
            continue
        figures.append(
            Finding(
                value=float(number),
                unit="",
                qualifier="exact",
                quote=m.group(0).strip(),
                source=source,
                offset=m.start("num"),
                text=number,
            )
        )
    return figures


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file; raise IndicatorsError naming the file when it cannot be read."""
    out = ProblemCollector()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        out.add("file not found", file=path, hint="check the path; give one or more .txt articles")
    except IsADirectoryError:
        out.add("is a folder, not a file", file=path, hint="give the article files, e.g. seeds/*.txt")
    except UnicodeDecodeError as exc:
        out.add(f"not UTF-8 text (byte {exc.start})", file=path, hint="save the article as UTF-8 plain text")
    except OSError as exc:
        out.add(f"cannot read file: {exc.strerror or exc}", file=path)
    out.raise_if_any()
    raise AssertionError("unreachable")


def extract_files(paths: Iterable[str | Path]) -> list[Finding]:
    """Extract from several files; read them all first, so one bad file stops everything with every problem."""
    texts: list[tuple[str, str]] = []
    out = ProblemCollector()
    for path in paths:
        try:
            texts.append((str(path), read_text(path)))
        except IndicatorsError as exc:
            out.extend(exc.problems)
    out.raise_if_any()
    findings: list[Finding] = []
    for source, text in texts:
        findings.extend(extract(text, source))
    return findings
