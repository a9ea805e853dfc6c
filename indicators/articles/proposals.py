"""From a document's figures to proposed observations: which indicator, whose figure, which period.

Nothing here writes: a proposal is stored only when a person accepts it (see the 来源 page), through the
same save path as the entry form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from indicators.articles.extract import Finding, extract, unwrap
from indicators.articles.metrics import owner_of, place_mentions
from indicators.catalogue import Catalogue
from indicators.models import Indicator, Place
from indicators.units import convert

CANDIDATES = 5
# Words every indicator name shares; matching on them says nothing about which indicator it is.
_GENERIC = set("数量人数次数率比例面积场次件数个数")
_SENTENCE_END = re.compile(r"[。！？!?]|\n\s*\n")
_PARAGRAPH_END = re.compile(r"\n\s*\n")
# 2024年, 2024 年度 (a year written before 年, not 2024 年 as a count of years: those are never 4 digits here).
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_YEAR_LOOSE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_QUARTER = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(?:第?([一二三四1-4])季度)")
_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(1[0-2]|[1-9])\s*月(?!\s*\d+\s*日)")
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True)
class Candidate:
    """An indicator a figure may feed, with how well its names fit the words around the figure."""

    indicator_id: str
    score: float
    value: float = field(metadata={"doc": "The figure converted to the indicator's unit"})


@dataclass(frozen=True)
class Proposal:
    """One figure of a document with the indicator, place and period proposed for it."""

    finding: Finding
    sentence: str
    candidates: tuple[Candidate, ...]
    place_code: str | None
    place_reason: str  # sentence | paragraph | title | document | none
    period: str | None
    period_reason: str  # sentence | title | date | none

    @property
    def indicator_id(self) -> str | None:
        """Return the best-fitting indicator, or None when no indicator's unit and words fit."""
        return self.candidates[0].indicator_id if self.candidates else None

    @property
    def value(self) -> float:
        """Return the value in the proposed indicator's unit (else as written, in base units)."""
        return self.candidates[0].value if self.candidates else self.finding.value


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if not set(text[i : i + 2]) <= _GENERIC}


def _terms(indicator: Indicator, extra: Mapping[str, Sequence[str]]) -> list[str]:
    aliases = list(indicator.aliases)
    aliases += [a for a in extra.get(indicator.id, ()) if a not in aliases]
    # The name without its bracketed part too: 乡镇（街道）社工站数量 is written 乡镇社工站.
    plain = re.sub(r"[（(][^）)]*[）)]", "", indicator.name_zh)
    return [indicator.name_zh, plain, *aliases]


def _fit(terms: Sequence[str], near: str, sentence: str, title: str) -> float:
    """Score how well an indicator's names and aliases fit the words near the figure."""
    score = 0.0
    for term in terms:
        if len(term) >= 2 and term in near:
            score += 3.0 * len(term)
        elif len(term) >= 2 and term in sentence:
            score += 1.0 * len(term)
    grams = set().union(*(_bigrams(t) for t in terms)) if terms else set()
    near_grams, sentence_grams, title_grams = _bigrams(near), _bigrams(sentence), _bigrams(title)
    score += sum(1.0 for g in grams if g in near_grams)
    score += sum(0.3 for g in grams if g in sentence_grams and g not in near_grams)
    score += sum(0.1 for g in grams if g in title_grams)
    return score


def rank_indicators(
    finding: Finding,
    near: str,
    sentence: str,
    title: str,
    catalogue: Catalogue,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> list[Candidate]:
    """Return the indicators whose unit fits the figure, best-fitting words first (none that share no word)."""
    extra = aliases or {}
    out = []
    for indicator in catalogue.indicators.values():
        value = (
            convert(finding.value, finding.unit, indicator.unit) if finding.unit != indicator.unit else None
        )
        if finding.unit == indicator.unit:
            value = finding.value
        if value is None:
            continue
        score = _fit(_terms(indicator, extra), near, sentence, title)
        if score > 0:
            out.append(Candidate(indicator.id, round(score, 3), value))
    out.sort(key=lambda c: (-c.score, c.indicator_id))
    return out[:CANDIDATES]


def _block(text: str, ends: re.Pattern[str], start: int, end: int) -> tuple[int, int]:
    lo = 0
    for m in ends.finditer(text, 0, start):
        lo = m.end()
    m = ends.search(text, end)
    return lo, (m.end() if m else len(text))


def propose_place(
    sentence: str,
    figure_at: int,
    paragraph: str,
    paragraph_figure_at: int,
    title: str,
    text: str,
    places: Sequence[Place],
) -> tuple[str | None, str]:
    """Return whose figure it is: the place named in its sentence, else paragraph, title, or document."""
    owner = owner_of(sentence, figure_at, places)
    if owner is not None:
        return owner.code, "sentence"
    owner = owner_of(paragraph, paragraph_figure_at, places)
    if owner is not None:
        return owner.code, "paragraph"
    mentions = place_mentions(title, places)
    if mentions:
        return mentions[-1].code, "title"
    counts: dict[str, int] = {}
    for m in place_mentions(text, places):
        counts[m.code] = counts.get(m.code, 0) + 1
    if counts:
        return max(counts, key=lambda c: counts[c]), "document"
    return None, "none"


def _fit_frequency(year: str, frequency: str, published: dt.date | None) -> str:
    # A year named for a quarterly or monthly indicator: the document's own quarter or month when it is
    # that year, else the year's last.
    if frequency == "year":
        return year
    same = published is not None and str(published.year) == year
    if frequency == "quarter":
        return f"{year}Q{(published.month - 1) // 3 + 1 if same and published else 4}"
    return f"{year}-{published.month if same and published else 12:02d}"


def propose_period(
    before: str, title: str, published: dt.date | None, frequency: str
) -> tuple[str | None, str]:
    """Return the period a figure describes: a year, quarter or month in its sentence, else title, else date."""
    for source, reason in ((before, "sentence"), (title, "title")):
        if frequency == "quarter":
            quarters = list(_QUARTER.finditer(source))
            if quarters:
                q = quarters[-1]
                number = _CN_QUARTER.get(q[2]) or int(q[2])
                return f"{q[1]}Q{number}", reason
        if frequency == "month":
            months = list(_MONTH.finditer(source))
            if months:
                return f"{months[-1][1]}-{int(months[-1][2]):02d}", reason
        years = list(_YEAR.finditer(source)) or (
            list(_YEAR_LOOSE.finditer(source)) if reason == "title" else []
        )
        if years:
            return _fit_frequency(years[-1][1], frequency, published), reason
    if published is not None:
        return _fit_frequency(str(published.year), frequency, published), "date"
    return None, "none"


def propose(
    text: str,
    catalogue: Catalogue,
    *,
    title: str = "",
    published: dt.date | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> list[Proposal]:
    """Return a proposal for every figure the extractor finds in the document's text, in text order."""
    out = []
    for finding in extract(text):
        start, end = finding.offset, finding.offset + len(finding.text)
        s_lo, s_hi = _block(text, _SENTENCE_END, start, end)
        p_lo, p_hi = _block(text, _PARAGRAPH_END, start, end)
        sentence_raw = text[s_lo:s_hi]
        before = unwrap(text[s_lo:start])
        sentence = unwrap(sentence_raw)
        clause = unwrap(finding.quote)
        # The clause's words on both sides count: 超九成乡镇建成社工站 names what it counts after the figure.
        candidates = rank_indicators(finding, clause, sentence, title, catalogue, aliases)
        place_code, place_reason = propose_place(
            unwrap(text[s_lo:start]) + unwrap(text[start:s_hi]),
            len(before),
            unwrap(text[p_lo:start]) + unwrap(text[start:p_hi]),
            len(unwrap(text[p_lo:start])),
            title,
            text,
            catalogue.places,
        )
        frequency = catalogue.indicators[candidates[0].indicator_id].frequency if candidates else "year"
        period, period_reason = propose_period(before, title, published, frequency)
        out.append(
            Proposal(
                finding=finding,
                sentence=sentence,
                candidates=tuple(candidates),
                place_code=place_code,
                place_reason=place_reason,
                period=period,
                period_reason=period_reason,
            )
        )
    return out


def sentence_at(text: str, offset: int, length: int) -> tuple[str, int, int]:
    """Return the sentence holding text[offset:offset+length], wraps removed, and the figure's span in it."""
    lo, hi = _block(text, _SENTENCE_END, offset, offset + length)
    before = unwrap(text[lo:offset]) if offset > lo else ""
    figure = unwrap(text[offset : offset + length])
    after = text[offset + length : hi]
    sentence = before + figure + unwrap(after)
    return sentence, len(before), len(before) + len(figure)


def save_fields(document_id: int, document_title: str, proposal: Proposal) -> dict[str, object]:
    """Return what an accepted figure is stored with besides its cell and value: source, quote, offset."""
    return {
        "qualifier": proposal.finding.qualifier,
        "source_kind": "article",
        "source_ref": f"《{document_title}》: {proposal.sentence}"[:2000],
        "document_id": document_id,
        "quote": proposal.sentence,
        "quote_offset": proposal.finding.offset,
        # Taking a report's figure over a value already there is a correction: it says where it came from.
        "reason": f"figure taken from document #{document_id} 《{document_title}》"[:2000],
    }


def figure_rows(
    proposals: Sequence[Proposal],
    reviews: Mapping[int, object],
    curated: Sequence[object] = (),
) -> list[dict[str, object]]:
    """Return every figure of a document with what became of it: accepted, skipped, curated or open.

    `reviews` maps a figure's offset to its latest Review; `curated` are the article metrics of a seed file.
    """
    rows = []
    for p in proposals:
        f = p.finding
        row: dict[str, object] = {
            "start": f.offset,
            "end": f.offset + len(f.text),
            "text": f.text,
            "value": f.value,
            "unit": f.unit,
            "qualifier": f.qualifier,
            "quote": p.sentence,
            "status": "open",
            "indicator_id": None,
            "place_code": None,
            "period": None,
            "proposed": p.indicator_id,
            "stored_value": None,
        }
        review = reviews.get(f.offset)
        metric = next((m for m in curated if _curated_is(f, m)), None)
        if review is not None:
            row["status"] = review.decision
            if row["status"] == "accepted":
                row["indicator_id"] = review.indicator_id
                row["place_code"] = review.place_code
                row["period"] = review.period
        elif metric is not None:
            row.update(
                status="curated",
                indicator_id=metric.indicator,
                place_code=metric.place,
                period=str(metric.period),
            )
        rows.append(row)
    return rows


def _curated_is(finding: Finding, metric: object) -> bool:
    # The curated figure (data/article_metrics.yaml) is this one when the value agrees and the quote holds it.
    from indicators.text import squash

    value = float(metric.value)
    if abs(finding.value - value) > 1e-9 * max(1.0, abs(value)):
        return False
    said, quoted = squash(finding.text), squash(metric.quote)
    return said in quoted or quoted in squash(finding.quote)
