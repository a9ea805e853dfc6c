"""Validation rules between indicators (DHIS2-style): declared in rules.yaml, evaluated on current values.

A broken rule is a finding shown to the reviewer with the rule and the numbers; it never refuses a save.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indicators.catalogue import Catalogue
from indicators.errors import ProblemCollector
from indicators.models import Id
from indicators.paths import DEFINITIONS_DIR
from indicators.yamlsource import format_path, load_yaml, model_problems

RULES_FILE = "rules.yaml"
Cell = tuple[str, str, str]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    name_zh: str = Field(min_length=2)
    name_en: str = Field(min_length=2)


class PartOfWhole(_Rule):
    """The part never exceeds the whole, at the same place and period."""

    kind: Literal["part_of_whole"]
    part: Id
    whole: Id


class RatioRange(_Rule):
    """numerator / denominator lies within min..max at the same place and period."""

    kind: Literal["ratio_range"]
    numerator: Id
    denominator: Id
    min: float
    max: float


class CountySum(_Rule):
    """The counties' sum does not exceed the city's value (`all`: every indicator that combines by sum)."""

    kind: Literal["county_sum"]
    indicators: Literal["all"] | list[Id] = "all"


Rule = Annotated[PartOfWhole | RatioRange | CountySum, Field(discriminator="kind")]


class RuleList(BaseModel):
    """The rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: list[Rule] = Field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    """One broken rule at one place and period, with the numbers compared."""

    rule: PartOfWhole | RatioRange | CountySum
    place_code: str
    period: str
    left: float  # the part / the ratio / the counties' sum
    right: float  # the whole / (unused) / the city's value
    cells: list[Cell] = field(default_factory=list)


def load_rules(catalogue: Catalogue | None = None, directory: str | Path | None = None) -> list[Rule]:
    """Load rules.yaml; raise IndicatorsError (FILE:LINE, did-you-mean) for bad rules or unknown indicators."""
    root = Path(directory) if directory is not None else DEFINITIONS_DIR
    path = root / RULES_FILE
    if not path.exists():
        return []
    out = ProblemCollector()
    doc, problems = load_yaml(path, str(path))
    out.extend(problems)
    out.raise_if_any()
    try:
        parsed = RuleList.model_validate(doc.data or {})
    except ValidationError as exc:
        keys = set(PartOfWhole.model_fields) | set(RatioRange.model_fields) | set(CountySum.model_fields)
        out.extend(model_problems(exc, doc, keys))
        out.raise_if_any()
        raise
    if catalogue is not None:
        known = list(catalogue.indicators)
        for i, rule in enumerate(parsed.rules):
            refs: list[tuple[str, str]] = []
            if isinstance(rule, PartOfWhole):
                refs = [("part", rule.part), ("whole", rule.whole)]
            elif isinstance(rule, RatioRange):
                refs = [("numerator", rule.numerator), ("denominator", rule.denominator)]
            elif isinstance(rule.indicators, list):
                refs = [("indicators", r) for r in rule.indicators]
            for key, ref in refs:
                if ref not in known:
                    close = difflib.get_close_matches(ref, known, n=1, cutoff=0.6)
                    where = ("rules", i, key)
                    out.add(
                        f"unknown indicator '{ref}'",
                        file=doc.file,
                        line=doc.line_of(where),
                        path=format_path(where),
                        hint=f"did you mean '{close[0]}'?"
                        if close
                        else "use an indicator id from the theme files",
                    )
    out.raise_if_any()
    return list(parsed.rules)


def evaluate(catalogue: Catalogue, rules: list[Rule], values: pd.DataFrame) -> list[Finding]:
    """Return every broken rule on these values (columns indicator_id, place_code, period, value)."""
    if values.empty:
        return []
    lookup = {
        (i, pl, pe): float(v)
        for i, pl, pe, v in zip(
            values["indicator_id"], values["place_code"], values["period"], values["value"], strict=True
        )
    }
    found: list[Finding] = []
    for rule in rules:
        if isinstance(rule, PartOfWhole):
            for (ind, place, period), part in lookup.items():
                if ind != rule.part:
                    continue
                whole = lookup.get((rule.whole, place, period))
                if whole is not None and part > whole:
                    cells = [(rule.part, place, period), (rule.whole, place, period)]
                    found.append(Finding(rule, place, period, part, whole, cells))
        elif isinstance(rule, RatioRange):
            for (ind, place, period), num in lookup.items():
                if ind != rule.numerator:
                    continue
                den = lookup.get((rule.denominator, place, period))
                if den is None or den == 0:
                    continue
                ratio = num / den
                if not rule.min <= ratio <= rule.max:
                    cells = [(rule.numerator, place, period), (rule.denominator, place, period)]
                    found.append(Finding(rule, place, period, ratio, den, cells))
        else:
            city = catalogue.framework.default_place
            counties = [p.code for p in catalogue.counties(city)]
            ids = (
                [i for i, ind in catalogue.indicators.items() if ind.combine == "sum"]
                if rule.indicators == "all"
                else rule.indicators
            )
            periods = {(i, pe) for (i, pl, pe) in lookup if pl == city and i in set(ids)}
            for ind, period in sorted(periods):
                present = [c for c in counties if (ind, c, period) in lookup]
                total = sum(lookup[(ind, c, period)] for c in present)
                city_value = lookup[(ind, city, period)]
                if present and total > city_value * (1 + 1e-9):
                    cells = [(ind, city, period)] + [(ind, c, period) for c in present]
                    found.append(Finding(rule, city, period, total, city_value, cells))
    return found


def findings_frame(catalogue: Catalogue, rules: list[Rule], values: pd.DataFrame) -> pd.DataFrame:
    """Return the findings as rows: rule id, names, place, period, numbers, the cells involved and a text."""
    rows = []
    for f in evaluate(catalogue, rules, values):
        rows.append(
            {
                "rule_id": f.rule.id,
                "kind": f.rule.kind,
                "name_zh": f.rule.name_zh,
                "name_en": f.rule.name_en,
                "place_code": f.place_code,
                "period": f.period,
                "left": f.left,
                "right": f.right,
                "cells": f.cells,
                "text": finding_text(f),
            }
        )
    columns = [
        "rule_id",
        "kind",
        "name_zh",
        "name_en",
        "place_code",
        "period",
        "left",
        "right",
        "cells",
        "text",
    ]
    return pd.DataFrame(rows, columns=columns)


def finding_text(f: Finding) -> str:
    """Return the rule and its numbers in one line (Chinese, as reviewers read it)."""
    if isinstance(f.rule, PartOfWhole):
        return f"{f.rule.name_zh}：{f.left:g} > {f.right:g}"
    if isinstance(f.rule, RatioRange):
        return f"{f.rule.name_zh}：比值 {f.left:.3g}，应在 {f.rule.min:g}—{f.rule.max:g}"
    return f"{f.rule.name_zh}：区县合计 {f.left:g} > 全市 {f.right:g}"
