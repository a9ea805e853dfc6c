"""Find the figures in an article: every quantity with its clause, offset and source, and nothing else."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from indicators.articles.quantity import (
    EXPRESSION,
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
_YEAR_CN = re.compile(r"^[零〇一二三四五六七八九]{4}$")


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
    # Times: 15时30分, 8:30分.
    if q.unit in ("分", "秒") and before and (before in "时点:" or before.isdigit()):
        return False
    # Ordinals: 第十五次, 第27届, 第三季度.
    if before == "第" or folded[max(0, r.num_start - 1) : r.num_start] == "第":
        return False
    # Names: 5G, A3, COVID-19.
    if r.arabic and (
        _ASCII_LETTER.match(before or " ") or _ASCII_LETTER.match(after or " ") or before == "-"
    ):
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
    per_spans: list[tuple[int, int]] = []
    rates: list[tuple[int, str]] = []  # (original offset, denominator), in text order
    for m in _PER.finditer(ftext):
        if m.group("num") == "一":
            continue  # 每一条建议: "every", not a rate
        per_spans.append((m.start(), m.end()))
        rates.append((folded.origin[m.start()], _denominator(m.group("num"), m.group("unit"))))
    pers = Spans(per_spans)
    rate_at = [offset for offset, _ in rates]
    ends = _clauses(text)
    findings: list[Finding] = []
    for m in EXPRESSION.finditer(ftext):
        reading = read_match(m)
        if reading is None or not _is_figure(reading, ftext, names, pers):
            continue
        start, end = folded.span(reading.start, reading.end)
        lo, hi = _clause_of(text, ends, start, end)
        unit = reading.quantity.unit
        # The last 每… before the figure in its clause is its denominator.
        k = bisect_right(rate_at, start - 1) - 1
        if k >= 0 and rate_at[k] >= lo and unit and "/" not in unit:
            unit = f"{unit}/{rates[k][1]}"
        findings.append(
            Finding(
                value=reading.quantity.value,
                unit=unit,
                qualifier=reading.quantity.qualifier,
                quote=unwrap(text[lo:hi]),
                source=source,
                offset=start,
                text=text[start:end],
            )
        )
    return findings


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
