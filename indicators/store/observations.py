"""An observation (one value of one indicator at one place and period) and the checks it must pass."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from indicators.canonical import canonical_cell
from indicators.catalogue import Catalogue
from indicators.periods import (
    MAX_YEAR,
    MIN_YEAR,
    check_frequency,
    example_for,
    frequency_of,
    parse_period,
    period_start,
    year_problem,
)
from indicators.units import PERCENT_TOP, UNITS, convert, value_bound

Qualifier = Literal["exact", "more_than", "nearly", "about", "at_most"]
SourceKind = Literal["article", "form", "import"]
QUALIFIERS: tuple[str, ...] = get_args(Qualifier)
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)

# Notes, reasons and source references: a 4 MB note once broke the history page for everyone.
MAX_TEXT = 2_000
TEXT_FIELDS = ("note", "source_ref", "reason")
# Binzhou's calendar decides whether a period has begun; China keeps UTC+8 all year.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


class Observation(BaseModel):
    """One stored revision of a cell (indicator × place × period)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator_id: str
    place_code: str
    period: str
    revision: int = Field(ge=1)
    value: float | None = Field(description="In the indicator's unit; None when the revision retracts")
    unit: str
    qualifier: Qualifier
    retracted: bool = False
    note: str | None = None
    source_kind: SourceKind
    source_ref: str | None = None
    entered_by: str
    entered_at: dt.datetime = Field(description="UTC")
    reason: str | None = None
    document_id: int | None = Field(default=None, description="The document the figure was read from")
    quote: str | None = Field(default=None, description="The verbatim clause holding the figure")
    quote_offset: int | None = Field(default=None, ge=0, description="Offset of the figure in the document")
    flags: str | None = Field(default=None, description="JSON list of plausibility flags, when confirmed")
    flag_reason: str | None = None


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field of an observation, before it knows its file or row."""

    column: str
    message: str
    hint: str = ""
    # Locale key `problem.<code>` and its parameters (ids, not names: the app fills in names).
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CheckedValue:
    """A value that passed every check, converted to the indicator's unit."""

    indicator_id: str
    place_code: str
    period: str
    value: float
    unit: str
    qualifier: str


# Control characters a typed note never needs and that harm: NUL (PostgreSQL refuses it in text), other C0
# controls but tab and line breaks, and the bidirectional overrides and isolates that can make a shown note
# read differently from what is stored (U+202E "right-to-left override").
_UNSAFE_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


MAX_VALUE = 1e15  # larger than any count, amount or rate of a city (yuan included)


def text_problem(column: str, value: str | None) -> FieldProblem | None:
    """Return a problem when a free-text field is longer than MAX_TEXT characters or holds a control character."""
    if value is None:
        return None
    if len(value) > MAX_TEXT:
        return FieldProblem(
            column,
            f"{column} is {len(value):,} characters long; the limit is {MAX_TEXT:,}",
            "shorten it, or put the full text in a document and refer to it",
            "text_too_long",
            {"field": column, "length": len(value), "limit": MAX_TEXT},
        )
    unsafe = _UNSAFE_CHARACTER.search(value)
    if unsafe is not None:
        char = f"U+{ord(unsafe.group()):04X}"
        return FieldProblem(
            column,
            f"{column} holds the control character {char} at position {unsafe.start() + 1}",
            "retype the text; copying from some programs carries invisible characters",
            "text.control_character",
            {"field": column, "char": char, "position": unsafe.start() + 1},
        )
    return None


def china_today() -> dt.date:
    """Return today's date in Binzhou."""
    return dt.datetime.now(CHINA_TZ).date()


class ObservationChecker:
    """Checks values against the catalogue; lookups are prepared once so bulk checks stay fast."""

    def __init__(self, catalogue: Catalogue, today: dt.date | None = None) -> None:
        self.catalogue = catalogue
        self.today = today or china_today()
        self._indicator_ids = sorted(catalogue.indicators)
        self._place_codes = sorted(catalogue.place_by_code)
        self._period_ok: dict[tuple[str, str], FieldProblem | None] = {}

    def check_indicator(self, indicator_id: str) -> FieldProblem | None:
        """Return a problem when the indicator id is not in the catalogue."""
        if indicator_id in self.catalogue.indicators:
            return None
        close = difflib.get_close_matches(indicator_id, self._indicator_ids, n=1, cutoff=0.6)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else "use an id from the template (python -m indicators template)"
        )
        shown = indicator_id if indicator_id else "(empty)"
        if close:
            return FieldProblem(
                "indicator_id",
                f"unknown indicator '{shown}'",
                hint,
                "value.unknown_indicator_close",
                {"given": indicator_id, "indicator": close[0]},
            )
        return FieldProblem(
            "indicator_id",
            f"unknown indicator '{shown}'",
            hint,
            "value.unknown_indicator",
            {"given": indicator_id},
        )

    def check_place(self, place_code: str) -> FieldProblem | None:
        """Return a problem when the place code is not in places.yaml."""
        if place_code in self.catalogue.place_by_code:
            return None
        shown = place_code if place_code else "(empty)"
        return FieldProblem(
            "place_code",
            f"unknown place code '{shown}'",
            "use a six-digit code from places.yaml, e.g. 371600 for 滨州市",
            "value.unknown_place",
            {"given": place_code},
        )

    def check_period(self, period: str, frequency: str) -> FieldProblem | None:
        """Return a problem when the period is malformed, of the wrong frequency or not yet begun."""
        key = (period, frequency)
        if key not in self._period_ok:
            self._period_ok[key] = self._period_message(period, frequency)
        found = self._period_ok[key]
        return found

    def _period_message(self, period: str, frequency: str) -> FieldProblem | None:
        if frequency_of(period) == frequency and year_problem(period):
            return FieldProblem(
                "period",
                year_problem(period) or "",
                "",
                "value.period_year_range",
                {"period": period, "low": MIN_YEAR, "high": MAX_YEAR},
            )
        mismatch = check_frequency(period, frequency)
        if mismatch:
            params = {"period": period, "frequency": frequency, "example": example_for(frequency)}
            return FieldProblem("period", mismatch, "", "value.period_frequency", params)
        start = period_start(parse_period(period))
        if start > self.today:
            return FieldProblem(
                "period",
                f"period {period} has not begun yet (today is {self.today.isoformat()})",
                "",
                "value.period_not_begun",
                {"period": period, "today": self.today.isoformat()},
            )
        return None

    def check(
        self,
        indicator_id: str,
        place_code: str,
        period: str,
        value: float | None,
        unit: str | None,
        qualifier: str | None,
    ) -> tuple[CheckedValue | None, list[FieldProblem]]:
        """Check one value; return it in the indicator's unit, or every problem found."""
        # Keys are checked and returned in canonical spelling, so ２０２４ and 2024 are one cell.
        indicator_id, place_code, period = canonical_cell(indicator_id, place_code, period)
        problems: list[FieldProblem] = []
        indicator_problem = self.check_indicator(indicator_id)
        if indicator_problem:
            problems.append(indicator_problem)
        place_problem = self.check_place(place_code)
        if place_problem:
            problems.append(place_problem)
        qualifier = qualifier or "exact"
        for problem in (_qualifier_problem(qualifier), _number_problem(value)):
            if problem:
                problems.append(problem)
                if problem.column == "value":
                    value = None
        if indicator_problem:
            return None, problems
        ind = self.catalogue.indicators[indicator_id]
        period_problem = self.check_period(period, ind.frequency)
        if period_problem:
            problems.append(period_problem)
        given_unit = unit or ind.unit
        converted, unit_problem = _in_unit(value, given_unit, ind.unit)
        if unit_problem:
            problems.append(unit_problem)
        bound_problem = _bound_problem(value, converted, given_unit, ind.unit)
        if bound_problem:
            problems.append(bound_problem)
        if problems or converted is None:
            return None, problems
        return (
            CheckedValue(indicator_id, place_code, period, float(converted), ind.unit, qualifier),
            problems,
        )


def _qualifier_problem(qualifier: str) -> FieldProblem | None:
    if qualifier in QUALIFIERS:
        return None
    return FieldProblem(
        "qualifier",
        f"unknown qualifier '{qualifier}'",
        "use one of: " + ", ".join(QUALIFIERS),
        "value.unknown_qualifier",
        {"given": qualifier},
    )


def _number_problem(value: object) -> FieldProblem | None:
    # A bool is an int to Python but never a figure; NaN and infinity cannot be stored or scored.
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return FieldProblem(
            "value", f"value must be a number (got {value!r})", "", "value.not_a_number", {"given": value}
        )
    if not math.isfinite(value):
        return FieldProblem(
            "value", f"value must be a finite number (got {value})", "", "value.not_finite", {"given": value}
        )
    if abs(value) > MAX_VALUE:
        # No indicator counts past this (the world has 8e9 people); 1.797e308 would be stored and scored.
        return FieldProblem(
            "value",
            f"value {value:g} is larger than any indicator can be (limit {MAX_VALUE:g})",
            "check the number of digits and the unit",
            "value.too_large",
            {"given": value, "limit": MAX_VALUE},
        )
    return None


def _in_unit(value: float | None, given_unit: str, unit: str) -> tuple[float | None, FieldProblem | None]:
    # The value in the indicator's unit (万人 → 人), or the problem with the unit it was given in.
    if given_unit == unit:
        return value, None
    if given_unit not in UNITS:
        return None, FieldProblem(
            "unit",
            f"unknown unit '{given_unit}'",
            f"this indicator is recorded in {unit}",
            "value.unknown_unit",
            {"given": given_unit, "unit": unit},
        )
    if UNITS[given_unit].base != UNITS[unit].base:
        return None, FieldProblem(
            "unit",
            f"unit '{given_unit}' cannot be converted to this indicator's unit '{unit}'",
            f"enter the value in {unit}",
            "value.unit_mismatch",
            {"given": given_unit, "unit": unit},
        )
    return (convert(value, given_unit, unit) if value is not None else None), None


def _bound_problem(
    value: float | None, converted: float | None, given_unit: str, unit: str
) -> FieldProblem | None:
    # Percentages within 0–100 (‰ 0–1000), counts and amounts not negative; judged in the indicator's unit.
    if converted is None:
        return None
    symbol = UNITS[unit].symbol
    shown = f"value {value:g}" + (f" {given_unit} (= {converted:g} {unit})" if given_unit != unit else "")
    bound = value_bound(converted, unit)
    if bound == "out_of_range":
        return FieldProblem(
            "value",
            f"{shown} is outside 0–{PERCENT_TOP[symbol]:g} {symbol}",
            "",
            "value.out_of_range",
            {"value": f"{converted:g}", "top": f"{PERCENT_TOP[symbol]:g}", "unit": unit},
        )
    if bound == "negative":
        return FieldProblem(
            "value",
            f"{shown} cannot be negative for unit {unit}",
            "",
            "value.negative",
            {"value": f"{converted:g}", "unit": unit},
        )
    return None
