"""Observations for export tests: every indicator of some themes over six years, some clearly behind target."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from indicators.catalogue import Catalogue
from indicators.store.store import Store

CITY = "371600"
YEARS = range(2019, 2025)


def period_of(frequency: str, year: int) -> str:
    """Return the last period of a year in the indicator's frequency."""
    return {"year": str(year), "quarter": f"{year}Q4", "month": f"{year}-12"}[frequency]


def observations(
    catalogue: Catalogue,
    themes: Iterable[str] | None = None,
    *,
    place: str = CITY,
    behind: Iterable[str] = (),
    years: Iterable[int] = YEARS,
) -> pd.DataFrame:
    """Return current-frame-like rows; indicators in `behind` stay at their baseline, the rest hit the target."""
    wanted = set(themes) if themes is not None else {t.id for t in catalogue.themes}
    behind = set(behind)
    rows = []
    for ind_id, ind in catalogue.indicators.items():
        if catalogue.theme_of[ind_id] not in wanted or ind.baseline is None:
            continue
        base = ind.baseline.value
        goal = ind.target.value if ind.target is not None else base
        for year in years:
            reached = ind_id not in behind and year > int(ind.baseline.period[:4])
            value = goal if reached else base
            rows.append(
                {
                    "indicator_id": ind_id,
                    "place_code": place,
                    "period": period_of(ind.frequency, year),
                    "value": float(value),
                    "unit": ind.unit,
                    "qualifier": "exact",
                    "source_kind": "form",
                    "source_ref": "=cmd|' /C calc'!A0",
                }
            )
    return pd.DataFrame(rows)


def fill_store(store: Store, frame: pd.DataFrame) -> None:
    """Save every row of the frame into the store as a form entry."""
    for row in frame.itertuples(index=False):
        store.save(
            row.indicator_id,
            row.place_code,
            row.period,
            row.value,
            unit=row.unit,
            source_kind="form",
            source_ref="统计月报",
            entered_by="test",
        )
