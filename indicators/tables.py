"""Flat tables of the catalogue, for pages, exports and templates."""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import Catalogue


def catalogue_frame(catalogue: Catalogue) -> pd.DataFrame:
    """Return one row per second-level indicator with its theme, first level and definition fields."""
    rows = []
    for theme in catalogue.themes:
        for first in theme.first_level:
            for ind in first.indicators:
                origin = ind.origin
                rows.append(
                    {
                        "theme_id": theme.id,
                        "theme_zh": theme.name_zh,
                        "theme_en": theme.name_en,
                        "first_level_id": first.id,
                        "first_level_zh": first.name_zh,
                        "first_level_en": first.name_en,
                        "first_level_origin": first.origin.kind,
                        "indicator_id": ind.id,
                        "name_zh": ind.name_zh,
                        "name_en": ind.name_en,
                        "definition": ind.definition,
                        "unit": ind.unit,
                        "direction": ind.direction,
                        "range_min": ind.range.min if ind.range else None,
                        "range_max": ind.range.max if ind.range else None,
                        "frequency": ind.frequency,
                        "combine": ind.combine,
                        "baseline_value": ind.baseline.value if ind.baseline else None,
                        "baseline_period": ind.baseline.period if ind.baseline else None,
                        "target_value": ind.target.value if ind.target else None,
                        "target_period": ind.target.period if ind.target else None,
                        "target_kind": ind.target.kind if ind.target else None,
                        "department": " ".join(ind.departments),
                        "data_source": ind.data_source,
                        "origin": origin.kind,
                        "seed": getattr(origin, "seed", None),
                        "quote": getattr(origin, "quote", None),
                    }
                )
    return pd.DataFrame(rows)
