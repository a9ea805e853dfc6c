"""Flat parameter tables for scoring: one row per indicator and one row per place, built once."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.catalogue import Catalogue
from indicators.errors import ProblemCollector
from indicators.periods import parse_period

# Columns of indicator_params(); the dashboard relies on these names.
PARAM_COLUMNS = [
    "indicator_id",
    "theme_id",
    "first_level_id",
    "weight",
    "first_level_weight",
    "theme_weight",
    "unit",
    "direction",
    "range_min",
    "range_max",
    "frequency",
    "combine",
    "baseline_value",
    "baseline_period",
    "baseline_end",
    "target_value",
    "target_period",
    "target_end",
    "target_kind",
    "milestone_ends",
    "milestone_fracs",
    "sdg_limit",
]


def period_end(text: str | None) -> float:
    """Return the moment a period ends in fractional years (NaN for None)."""
    if text is None:
        return float("nan")
    return parse_period(text).end


def period_ends(periods: pd.Series, *, what: str = "period") -> np.ndarray:
    """Return the end of every period in a column, parsing each distinct text once."""
    codes, _texts, ends = factorized_periods(periods, what=what)
    return ends[codes]


def factorized_periods(
    periods: pd.Series, *, what: str = "period"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (codes, distinct period texts, end of each distinct period); raise on unreadable periods."""
    codes, uniques = pd.factorize(periods, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    ends = np.empty(len(uniques), dtype=float)
    out = ProblemCollector()
    for i, text in enumerate(uniques):
        try:
            ends[i] = parse_period(text).end
        except ValueError as exc:
            rows = np.flatnonzero(codes == i)[:5].tolist()
            out.add(f"{what}: {exc}", path=f"rows {rows}", hint="periods look like 2024, 2024Q3 or 2024-07")
    if (codes < 0).any():
        rows = np.flatnonzero(codes < 0)[:5].tolist()
        out.add(f"{what} is empty", path=f"rows {rows}", hint="every observation needs a period")
    out.raise_if_any()
    return codes, uniques, ends


def _milestone_knots(ind_baseline: float | None, ind_target: float | None, milestones: Iterable) -> tuple:
    # Milestones are stored as shares of the path (0 at the baseline value, 1 at the target value) so that
    # they apply to any place whose own baseline differs from the catalogue's.
    if ind_baseline is None or ind_target is None or ind_target == ind_baseline:
        return (), ()
    pairs = sorted(
        (parse_period(m.period).end, (m.value - ind_baseline) / (ind_target - ind_baseline))
        for m in milestones
    )
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def indicator_params(catalogue: Catalogue) -> pd.DataFrame:
    """Return one row per second-level indicator with everything scoring needs (columns PARAM_COLUMNS)."""
    theme_weights = catalogue.theme_weights()
    rows = []
    for theme in catalogue.themes:
        for first in theme.first_level:
            for ind in first.indicators:
                base, tgt = ind.baseline, ind.target
                ends, fracs = _milestone_knots(
                    base.value if base else None, tgt.value if tgt else None, ind.milestones
                )
                rows.append(
                    {
                        "indicator_id": ind.id,
                        "theme_id": theme.id,
                        "first_level_id": first.id,
                        "weight": ind.weight,
                        "first_level_weight": first.weight,
                        "theme_weight": theme_weights.get(theme.id, 0.0),
                        "unit": ind.unit,
                        "direction": ind.direction,
                        "range_min": ind.range.min if ind.range else np.nan,
                        "range_max": ind.range.max if ind.range else np.nan,
                        "frequency": ind.frequency,
                        "combine": ind.combine,
                        "baseline_value": base.value if base else np.nan,
                        "baseline_period": base.period if base else None,
                        "baseline_end": period_end(base.period if base else None),
                        "target_value": tgt.value if tgt else np.nan,
                        "target_period": tgt.period if tgt else None,
                        "target_end": period_end(tgt.period if tgt else None),
                        "target_kind": tgt.kind if tgt else None,
                        "milestone_ends": ends,
                        "milestone_fracs": fracs,
                        "sdg_limit": ind.sdg_limit if ind.sdg_limit is not None else np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=PARAM_COLUMNS)


def place_params(catalogue: Catalogue) -> pd.DataFrame:
    """Return one row per place: code, level, parent, comparison flag and whether it is the default city."""
    city = catalogue.framework.default_place
    return pd.DataFrame(
        [
            {
                "place_code": p.code,
                "name_zh": p.name_zh,
                "level": p.level,
                "parent": p.parent,
                "comparison": p.comparison,
                "is_city": p.code == city,
                "is_county": p.parent == city and not p.comparison,
            }
            for p in catalogue.places
        ],
        columns=["place_code", "name_zh", "level", "parent", "comparison", "is_city", "is_county"],
    )
