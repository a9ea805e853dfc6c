"""Helpers for scoring tests: catalogues and observation frames built in code."""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
from catalogue_helpers import MIN_CATALOGUE

from indicators.catalogue import Catalogue, load_catalogue
from indicators.models import (
    FirstLevel,
    Indicator,
    PeriodValue,
    ProposedOrigin,
    Scoring,
    Target,
    Theme,
    ThemeRef,
)

CITY = "371600"
COUNTIES = ["371602", "371603", "371621", "371622", "371623", "371625", "371681"]
HEBEI = "130000"
ORIGIN = ProposedOrigin(kind="proposed")
# The store's current_frame() columns (the input contract of scoring).
OBSERVATION_COLUMNS = [
    "indicator_id",
    "place_code",
    "period",
    "value",
    "unit",
    "qualifier",
    "source_kind",
    "revision",
    "entered_at",
    "entered_by",
    "note",
    "source_ref",
]


@cache
def _base() -> Catalogue:
    return load_catalogue(MIN_CATALOGUE)


def indicator(ident: str = "ind_a", **kw: Any) -> Indicator:
    """An indicator with defaults: %, increase, yearly, mean; baseline/target given as (value, period)."""
    fields: dict[str, Any] = {
        "id": ident,
        "name_zh": "测试指标",
        "name_en": "Test indicator",
        "definition": "test definition",
        "unit": "%",
        "direction": "increase",
        "frequency": "year",
        "combine": "mean",
        "department": "test_dept",
        "data_source": "test",
        "origin": ORIGIN,
    }
    base = kw.pop("baseline", None)
    tgt = kw.pop("target", None)
    kind = kw.pop("target_kind", "example")
    if base is not None:
        fields["baseline"] = PeriodValue(value=base[0], period=base[1])
    if tgt is not None:
        fields["target"] = Target(value=tgt[0], period=tgt[1], kind=kind)
    if "milestones" in kw:
        kw["milestones"] = [PeriodValue(value=v, period=p) for v, p in kw["milestones"]]
    fields.update(kw)
    return Indicator(**fields)


def catalogue(
    themes: dict[str, dict[str, list[Indicator]]] | list[Indicator],
    *,
    theme_weights: dict[str, float] | None = None,
    first_level_weights: dict[str, float] | None = None,
    scoring: Scoring | None = None,
) -> Catalogue:
    """A catalogue with the given themes → first levels → indicators and the real places."""
    if isinstance(themes, list):
        themes = {"theme_a": {"fl_a": themes}}
    base = _base()
    fl_w = first_level_weights or {}
    built = [
        Theme(
            id=tid,
            name_zh="主题",
            name_en="Theme",
            origin=ORIGIN,
            first_level=[
                FirstLevel(
                    id=fid,
                    name_zh="一级",
                    name_en="First",
                    weight=fl_w.get(fid, 1.0),
                    origin=ORIGIN,
                    indicators=inds,
                )
                for fid, inds in firsts.items()
            ],
        )
        for tid, firsts in themes.items()
    ]
    tw = theme_weights or {}
    update: dict[str, Any] = {
        "themes": [ThemeRef(id=t.id, file=f"{t.id}.yaml", weight=tw.get(t.id, 1.0)) for t in built]
    }
    if scoring is not None:
        update["scoring"] = scoring
    framework = base.framework.model_copy(update=update)
    return Catalogue(framework=framework, themes=built, places=base.places, directory=base.directory)


def observations(rows: list[tuple], **defaults: Any) -> pd.DataFrame:
    """Observation frame from (indicator_id, place_code, period, value[, qualifier]) tuples."""
    records = []
    for row in rows:
        ind, place, period, value = row[:4]
        records.append(
            {
                "indicator_id": ind,
                "place_code": place,
                "period": period,
                "value": float(value),
                "unit": defaults.get("unit", "%"),
                "qualifier": row[4] if len(row) > 4 else "exact",
                "source_kind": defaults.get("source_kind", "official"),
                "revision": 1,
                "entered_at": "2025-01-01T00:00:00",
                "entered_by": "tester",
                "note": None,
                "source_ref": None,
            }
        )
    return pd.DataFrame(records, columns=OBSERVATION_COLUMNS)


def row(frame: pd.DataFrame, indicator_id: str = "ind_a", place: str = CITY) -> pd.Series:
    """The one row of a scored frame for an indicator at a place."""
    hit = frame[(frame["indicator_id"] == indicator_id) & (frame["place_code"] == place)]
    assert len(hit) == 1, f"expected one row for {indicator_id} at {place}, got {len(hit)}"
    return hit.iloc[0]
