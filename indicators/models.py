"""Strict pydantic models of the catalogue: framework, themes, indicators, places."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from indicators.periods import parse_period
from indicators.units import UNITS, unit_list_text

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", min_length=2, max_length=64)]


def _period_text(value: object) -> object:
    # YAML reads a bare 2024 as an int; a period is text either way.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _check_period(value: str) -> str:
    parse_period(value)
    return value


PeriodText = Annotated[str, BeforeValidator(_period_text)]


def _number_text(value: object) -> object:
    # A figure quoted from a document may be written as a bare number in YAML; it is still text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return value


class Strict(BaseModel):
    """Base for every catalogue model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ArticleOrigin(Strict):
    """The figure or name is taken from a seed article, quoted verbatim."""

    kind: Literal["article"]
    seed: str = Field(description="File name under seeds/, e.g. 000_cbbc4acc49a2d301.txt")
    quote: str = Field(min_length=2, description="Verbatim text from the seed (whitespace may differ)")


class InferredOrigin(Strict):
    """Not stated by any article but read from them; the note says how."""

    kind: Literal["inferred"]
    note: str = Field(min_length=2)
    seed: str | None = None
    quote: str | None = None


class ProposedOrigin(Strict):
    """Proposed by the team to complete the catalogue; not from an article."""

    kind: Literal["proposed"]
    note: str | None = None


class StandardOrigin(Strict):
    """Named by the published standard's contents (a part and clause of DB3716/T 68—2024)."""

    kind: Literal["standard"]
    part: str = Field(min_length=4, description="Part number as published, e.g. DB3716/T 68.6—2024")
    clause: str = Field(min_length=1, description="Clause of that part, e.g. 5.2")
    quote: str = Field(min_length=2, description="The heading as the standard prints it")
    url: str | None = Field(default=None, description="Where the contents were read")
    note: str | None = None


Origin = Annotated[
    ArticleOrigin | InferredOrigin | ProposedOrigin | StandardOrigin, Field(discriminator="kind")
]

TARGET_KINDS = ("example", "official", "national", "provincial", "municipal")
"""`example` is ours; the others carry the authority of a document, which `source` names."""


class TargetSource(Strict):
    """The document that sets a target: what it is, which clause, which year, and the figure it gives."""

    document: str = Field(min_length=2, description="Title, e.g. 《全国社会心理服务体系建设试点工作方案》")
    issuer: str | None = Field(default=None, description="Who issued it, e.g. 国家卫生健康委等10部门")
    clause: str = Field(min_length=1, description="Clause, section or page that states the target")
    year: int = Field(ge=1949, le=2100, description="Year the document was issued")
    figure: Annotated[str, BeforeValidator(_number_text)] = Field(
        min_length=1, description="The target as the document words it"
    )
    url: str | None = Field(default=None, description="A public address where the text was read")
    scope: str | None = Field(default=None, description="Whom the target binds, when narrower than all")


class PeriodValue(Strict):
    """A value at a period."""

    value: float
    period: PeriodText

    _period = field_validator("period")(_check_period)


class Target(PeriodValue):
    """A target value to reach by a period; `example` targets are ours, the others cite their document."""

    kind: Literal["example", "official", "national", "provincial", "municipal"]
    source: TargetSource | None = Field(
        default=None, description="Required unless kind is example: document, clause, year and figure"
    )
    note: str | None = None


class Bounds(Strict):
    """Acceptable band for a `range` indicator."""

    min: float
    max: float


class Indicator(Strict):
    """A second-level indicator: what is measured, how, by whom, and toward what."""

    id: Id
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    definition: str = Field(min_length=4, description="What is counted, in plain words")
    unit: str = Field(description="One of the controlled units: " + unit_list_text())
    direction: Literal["increase", "decrease", "range"]
    range: Bounds | None = Field(default=None, description="Required when direction is range")
    frequency: Literal["year", "quarter", "month"]
    combine: Literal["sum", "mean", "none"] = Field(
        description="How county figures make the city's: sum counts, mean rates, none when they cannot"
    )
    cumulative: bool = Field(
        default=False, description="A running total to the period's end (截至期末累计): it never falls"
    )
    weight: float = Field(default=1.0, description="Relative weight among siblings; normalised")
    baseline: PeriodValue | None = None
    target: Target | None = None
    milestones: list[PeriodValue] = Field(default_factory=list)
    sdg_limit: float | None = Field(
        default=None,
        description="sdg-build's progress `limit`: a level the value cannot pass (e.g. 100 for a share); "
        "without a target it narrows the thresholds as the baseline nears it",
    )
    department: Id | list[Id] = Field(
        description="Responsible department: an id from departments.yaml, or a list (the first one reports)"
    )
    data_source: str = Field(min_length=1)
    origin: Origin
    due_days: int | None = Field(
        default=None, ge=0, le=366, description="Days after the period ends the value is due (else framework)"
    )
    report_counties: bool | None = Field(
        default=None,
        description="Counties owe their own value every period (default: when the store has county data)",
    )

    @property
    def departments(self) -> tuple[str, ...]:
        """Every responsible department id, the reporting one first."""
        return (self.department,) if isinstance(self.department, str) else tuple(self.department)

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        if value not in UNITS:
            raise ValueError(f"unit '{value}' is not on the controlled list: {unit_list_text()}")
        return value


class FirstLevel(Strict):
    """A first-level indicator (一级指标) grouping second-level ones."""

    id: Id
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    weight: float = 1.0
    origin: Origin
    indicators: list[Indicator] = Field(default_factory=list)


class Theme(Strict):
    """One part standard (部分标准): a theme with its first-level indicators."""

    id: Id
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    project_zh: str | None = Field(default=None, description="The 五安 project name, e.g. 安身")
    goal_zh: str | None = None
    standard_part: str | None = Field(
        default=None, description="The part standard defining this theme, e.g. DB3716/T 68.6—2024"
    )
    origin: Origin
    first_level: list[FirstLevel]


class ThemeRef(Strict):
    """Where a theme is defined and how much it weighs in the 心安指数."""

    id: Id
    file: str = Field(pattern=r"^[a-z0-9_]+\.ya?ml$")
    weight: float


class StatusThresholds(Strict):
    """Ratios of actual to expected progress that decide a status."""

    on_track: float = Field(default=0.9, description="progress / expected ≥ this → on_track")
    at_risk: float = Field(default=0.6, description="progress / expected ≥ this → at_risk, else off_track")


class SdgThresholds(Strict):
    """Open SDG progress-measure thresholds (sdg-build defaults)."""

    with_target: tuple[float, float, float] = (0.95, 0.6, 0.0)
    without_target: tuple[float, float, float] = (0.015, 0.005, 0.0)
    limit: float | None = Field(
        default=None, description="Default sdg-build `limit` for indicators that set no sdg_limit"
    )


class PlausibilityBand(Strict):
    """When an entered value is far enough from its history to ask the person to confirm it."""

    ratio_low: float = Field(
        default=0.2, gt=0, description="value / previous period's value below this → ask"
    )
    ratio_high: float = Field(
        default=5.0, gt=1, description="value / previous period's value above this → ask"
    )
    robust_z: float = Field(
        default=5.0, gt=0, description="|value − median| / (1.4826 × MAD) above this → ask"
    )
    min_history: int = Field(
        default=3, ge=2, description="previous periods needed before the z-score applies"
    )


class Scoring(Strict):
    """How progress and status are computed."""

    method: Literal["target_progress", "sdg_progress"] = "target_progress"
    status: StatusThresholds = StatusThresholds()
    sdg: SdgThresholds = SdgThresholds()
    plausibility: PlausibilityBand = PlausibilityBand()


class Publication(Strict):
    """Where and when the indicator system was published."""

    title_zh: str
    date: dt.date
    date_note: str | None = None
    event_zh: str
    origin: Origin


class StandardPart(Strict):
    """One part of the published standard."""

    number: int = Field(ge=1, le=99)
    code: str = Field(min_length=4, description="e.g. DB3716/T 68.6—2024")
    title_zh: str = Field(min_length=1)
    title_en: str | None = None
    theme: Id | None = Field(default=None, description="The catalogue theme this part defines")
    confirmed: bool = Field(description="True when a public listing of this part itself was read")
    source: str = Field(min_length=2, description="Where the number and title were read, or how inferred")


class Standard(Strict):
    """The published local standard the indicator system is (DB3716/T 68—2024)."""

    code: str = Field(min_length=4)
    title_zh: str
    title_en: str | None = None
    issuer_zh: str
    issuer_en: str | None = None
    published: dt.date
    in_force: dt.date
    drafting_zh: str | None = None
    parts: list[StandardPart] = Field(min_length=1)
    seed_note: str | None = Field(default=None, description="Where the seed articles misstate it")
    sources: list[str] = Field(default_factory=list)


class DueRules(Strict):
    """Days after a period ends by which its value is due, per frequency."""

    year: int = Field(default=31, ge=0, le=366, description="2024 is due 31 days after 2024-12-31: 01-31")
    quarter: int = Field(default=15, ge=0, le=366)
    month: int = Field(default=10, ge=0, le=366)


class ReportingCalendar(Strict):
    """The reporting calendar: from which period values are owed, and when each is due."""

    start_year: int = Field(default=2024, ge=2000, le=2100, description="First year values are owed for")
    due_days: DueRules = DueRules()


class Framework(Strict):
    """The general framework (总则): identity, themes in order, scoring defaults."""

    id: Id
    name_zh: str
    name_en: str
    issuing_body_zh: str
    issuing_body_en: str
    version: str
    publication: Publication
    structure_zh: str | None = None
    standard: Standard | None = None
    default_place: str = Field(pattern=r"^\d{6}$")
    themes: list[ThemeRef] = Field(min_length=1)
    scoring: Scoring = Scoring()
    reporting: ReportingCalendar = ReportingCalendar()


class Place(Strict):
    """A place figures belong to, with its GB/T 2260 code."""

    code: str = Field(
        pattern=r"^\d{6}(\d{3})?$",
        description="GB/T 2260 code (6 digits); a town (乡镇/街道) has 9: its county's code and 3 more",
    )
    name_zh: str
    name_en: str
    level: Literal["province", "city", "county", "town"]
    parent: str | None = Field(default=None, pattern=r"^\d{6}(\d{3})?$")
    comparison: bool = Field(default=False, description="Reference place: shown apart, never summed")


class Department(Strict):
    """A department (责任单位) that owes the values of its indicators."""

    id: Id
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    short_name: str = Field(min_length=1, description="Short Chinese name for tables, e.g. 卫健委")


class DepartmentList(Strict):
    """The departments file."""

    departments: list[Department] = Field(min_length=1)


class PlaceList(Strict):
    """The places file."""

    places: list[Place] = Field(min_length=1)
