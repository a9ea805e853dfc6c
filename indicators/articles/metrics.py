"""Curated figures from the articles: which indicator, whose, when, and the words that say so."""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from indicators.articles.extract import Finding, extract
from indicators.articles.quantity import Qualifier
from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import ProblemCollector
from indicators.models import Place
from indicators.paths import DATA_DIR, SEEDS_DIR
from indicators.periods import check_frequency, parse_period, period_start
from indicators.text import quote_in_seed, squash
from indicators.units import UNITS, convert
from indicators.yamlsource import YamlDocument, YamlPath, format_path, load_yaml, model_problems

METRICS_FILE = DATA_DIR / "article_metrics.yaml"


def _period_text(value: object) -> object:
    # YAML reads a bare 2024 as an int; a period is text either way.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class ArticleMetric(BaseModel):
    """One figure from a seed article that feeds a catalogue indicator, with whose it is and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Catalogue indicator id")
    place: str = Field(pattern=r"^\d{6}$", description="GB/T 2260 code of the place the figure belongs to")
    period: Annotated[str, BeforeValidator(_period_text)] = Field(
        description="Period the figure describes, fitting the indicator's frequency (2024, 2024Q3, 2024-07)"
    )
    as_of: dt.date | None = Field(default=None, description="Date the article reports the figure, if stated")
    value: float = Field(
        ge=0, description="Value in base units, as the parser reads the quote (1.5 万户 → 15000)"
    )
    unit: str = Field(min_length=1, description="Unit as counted in the quote, without 万/亿")
    qualifier: Qualifier = Field(description="exact, more_than, nearly, about or at_most, as written")
    seed: str = Field(min_length=1, description="File name under seeds/")
    quote: str = Field(min_length=2, description="Verbatim words holding the figure (whitespace may differ)")
    context: str | None = Field(
        default=None,
        description="Longer verbatim passage around the quote that names whose figure it is, when the quote does not",
    )
    note: str | None = None

    @field_validator("period")
    @classmethod
    def _valid_period(cls, value: str) -> str:
        parse_period(value)
        return value


class MetricsFile(BaseModel):
    """The curated metrics file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metrics: list[ArticleMetric] = Field(min_length=1)


_KEYS = sorted(set(ArticleMetric.model_fields) | set(MetricsFile.model_fields))


def place_names(place: Place) -> list[str]:
    """Return the ways an article names a place: 河北省 and 河北, 滨州市 and 滨州."""
    names = [place.name_zh]
    short = place.name_zh[:-1]
    if place.name_zh[-1] in "省市县区" and len(short) >= 2:
        names.append(short)
    return names


@dataclass(frozen=True)
class Mention:
    """A place named in a passage, at a position."""

    position: int
    code: str
    name: str


def place_mentions(passage: str, places: Sequence[Place]) -> list[Mention]:
    """Return every place named in the passage (longest name at a position), in order."""
    found: dict[int, Mention] = {}
    for place in places:
        for name in place_names(place):
            start = passage.find(name)
            while start >= 0:
                old = found.get(start)
                if old is None or len(name) > len(old.name):
                    found[start] = Mention(start, place.code, name)
                start = passage.find(name, start + 1)
    return [found[k] for k in sorted(found)]


def owner_of(passage: str, figure_at: int, places: Sequence[Place]) -> Mention | None:
    """Return whose figure it is: the last place named before it, else the first named after it."""
    mentions = place_mentions(passage, places)
    before = [m for m in mentions if m.position + len(m.name) <= figure_at]
    if before:
        return before[-1]
    after = [m for m in mentions if m.position >= figure_at]
    return after[0] if after else None


def units_compatible(unit: str, indicator_unit: str) -> bool:
    """True when a figure in `unit` can be recorded for an indicator in `indicator_unit`."""
    return unit == indicator_unit or convert(1.0, unit, indicator_unit) is not None


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _describe(findings: list[Finding]) -> str:
    if not findings:
        return "no quantity"
    return ", ".join(f"{_number(f.value)} {f.unit} ({f.qualifier})" for f in findings)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _in_period(day: dt.date, period: str) -> bool:
    p = parse_period(period)
    start = period_start(p)
    if p.frequency == "year":
        return day.year == start.year
    if p.frequency == "quarter":
        return day.year == start.year and (day.month - 1) // 3 == (start.month - 1) // 3
    return (day.year, day.month) == (start.year, start.month)


# How a check reports a problem at one field of the metric: add(message, field, hint).
_Add = Callable[..., None]


def _check_metric(
    metric: ArticleMetric,
    where: YamlPath,
    doc: YamlDocument,
    catalogue: Catalogue,
    seeds: Path,
    out: ProblemCollector,
) -> None:
    def add(message: str, key: str, hint: str = "") -> None:
        out.add(
            message,
            file=doc.file,
            line=doc.line_of((*where, key)),
            path=format_path((*where, key)),
            hint=hint,
        )

    place = _check_catalogue_fit(metric, catalogue, add)
    if not _check_quote_in_seed(metric, seeds, add):
        return
    match = _check_reading(metric, add)
    if match is None or place is None:
        return
    _check_owner(metric, match, place, catalogue, add)


def _check_catalogue_fit(metric: ArticleMetric, catalogue: Catalogue, add: _Add) -> Place | None:
    """Check indicator, place, unit, period and value against the catalogue; return the place if known."""
    indicator = catalogue.indicators.get(metric.indicator)
    if indicator is None:
        close = difflib.get_close_matches(metric.indicator, list(catalogue.indicators), n=1, cutoff=0.6)
        add(
            f"indicator '{metric.indicator}' is not in the catalogue",
            "indicator",
            f"did you mean '{close[0]}'?" if close else "use an id from indicators/definitions/*.yaml",
        )
    place = catalogue.place_by_code.get(metric.place)
    if place is None:
        add(f"place {metric.place} is not in places.yaml", "place", "use a GB/T 2260 code listed there")

    if indicator is not None:
        if not units_compatible(metric.unit, indicator.unit):
            add(
                f"unit '{metric.unit}' does not fit indicator '{indicator.id}' counted in '{indicator.unit}'",
                "indicator",
                "record the figure for an indicator that counts the same thing",
            )
        msg = check_frequency(metric.period, indicator.frequency)
        if msg:
            add(f"{msg} (indicator '{indicator.id}' is reported by {indicator.frequency})", "period")
        elif metric.as_of is not None and not _in_period(metric.as_of, metric.period):
            add(f"as_of {metric.as_of} lies outside period {metric.period}", "as_of")
    unit = UNITS.get(metric.unit)
    if unit is not None and unit.symbol == "%" and metric.value > 100:
        add(f"value {metric.value}% is above 100", "value")
    return place


def _check_quote_in_seed(metric: ArticleMetric, seeds: Path, add: _Add) -> bool:
    """Check the quote (and its context) occur verbatim in the seed article; return whether they do."""
    seed_path = seeds / metric.seed
    found = quote_in_seed(metric.quote, seed_path)
    if found is None:
        add(f"seed file '{metric.seed}' not found in {seeds}", "seed", "use a file name from seeds/")
        return False
    if not found:
        add(
            f"quote does not occur in {metric.seed}",
            "quote",
            "copy the words exactly from the article; line breaks and spaces may differ",
        )
        return False
    if metric.context is not None:
        if not quote_in_seed(metric.context, seed_path):
            add(f"context does not occur in {metric.seed}", "context", "copy the passage exactly")
            return False
        if squash(metric.quote) not in squash(metric.context):
            add("context does not contain the quote", "context", "the context is a longer passage around it")
            return False
    return True


def _check_reading(metric: ArticleMetric, add: _Add) -> Finding | None:
    """Return the figure of the quote that reads as the recorded value, unit and qualifier (None: reported)."""
    findings = extract(metric.quote)
    match = next(
        (
            f
            for f in findings
            if _same(f.value, metric.value) and f.unit == metric.unit and f.qualifier == metric.qualifier
        ),
        None,
    )
    if match is None:
        # Point at the field that differs: the qualifier when value and unit agree, the unit when the value does.
        key = "value"
        if any(_same(f.value, metric.value) and f.unit == metric.unit for f in findings):
            key = "qualifier"
        elif any(_same(f.value, metric.value) for f in findings):
            key = "unit"
        add(
            f"the quote reads as {_describe(findings)}, not {_number(metric.value)} {metric.unit} "
            f"({metric.qualifier})",
            key,
            "record the value in base units (1.5 万户 → 15000, unit 户) and the qualifier as written",
        )
    return match


def _check_owner(
    metric: ArticleMetric, match: Finding, place: Place, catalogue: Catalogue, add: _Add
) -> None:
    """Whose figure: the place the article names for it in the quote (or the context around it) must be this one."""
    passage = squash(metric.context or metric.quote)
    quote_at = passage.find(squash(metric.quote))
    figure_at = quote_at + len(squash(metric.quote[: match.offset]))
    owner = owner_of(passage, figure_at, catalogue.places)
    if owner is None:
        add(
            f"the {'context' if metric.context else 'quote'} names no place, so it cannot show the figure "
            f"is {place.name_zh}'s",
            "context" if metric.context else "quote",
            f"add context: a longer verbatim passage around the quote that names {place.name_zh}",
        )
    elif owner.code != metric.place:
        other = catalogue.place_by_code[owner.code]
        side = "before" if owner.position < figure_at else "after"
        add(
            f"the figure is attributed to {place.name_zh} ({place.code}) but the article ties it to "
            f"{other.name_zh} ({other.code}), named {side} it as '{owner.name}'",
            "place",
            f'set place: "{other.code}" — a figure about {other.name_zh} is not {place.name_zh}\'s',
        )


def _display(path: Path) -> str:
    # Inside the working folder a relative path is shorter to read and click; outside it, absolute.
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def load_article_metrics(
    path: str | Path | None = None,
    catalogue: Catalogue | None = None,
    seeds_dir: str | Path | None = None,
) -> list[ArticleMetric]:
    """Load and validate the curated article metrics; raise IndicatorsError listing every problem."""
    file = Path(path) if path is not None else METRICS_FILE
    seeds = Path(seeds_dir) if seeds_dir is not None else SEEDS_DIR
    out = ProblemCollector()
    if not file.exists():
        out.add(
            "file not found",
            file=_display(file),
            hint="the curated metrics live in data/article_metrics.yaml",
        )
        out.raise_if_any()
    doc, problems = load_yaml(file, _display(file))
    out.extend(problems)
    out.raise_if_any()
    try:
        parsed = MetricsFile.model_validate(doc.data)
    except ValidationError as exc:
        out.extend(model_problems(exc, doc, _KEYS))
        out.raise_if_any()
        raise AssertionError("unreachable") from exc
    cat = catalogue if catalogue is not None else load_catalogue()
    seen: dict[tuple[str, str, str], int | None] = {}
    for i, metric in enumerate(parsed.metrics):
        where: YamlPath = ("metrics", i)
        _check_metric(metric, where, doc, cat, seeds, out)
        key = (metric.indicator, metric.place, metric.period)
        if key in seen:
            out.add(
                f"{metric.indicator} for {metric.place} in {metric.period} is already given on line {seen[key]}",
                file=doc.file,
                line=doc.line_of(where),
                path=format_path(where),
                hint="keep one figure per indicator, place and period",
            )
        else:
            seen[key] = doc.line_of(where)
    out.raise_if_any()
    return list(parsed.metrics)


def metrics_as_rows(metrics: Sequence[ArticleMetric], catalogue: Catalogue) -> list[dict[str, Any]]:
    """Return the metrics as plain rows with indicator and place names, for listing."""
    rows = []
    for m in metrics:
        rows.append(
            {
                "indicator": m.indicator,
                "indicator_zh": catalogue.indicators[m.indicator].name_zh,
                "place": m.place,
                "place_zh": catalogue.place_by_code[m.place].name_zh,
                "period": m.period,
                "as_of": m.as_of.isoformat() if m.as_of else None,
                "value": int(m.value) if m.value.is_integer() else m.value,
                "unit": m.unit,
                "qualifier": m.qualifier,
                "seed": m.seed,
                "quote": m.quote,
            }
        )
    return rows
