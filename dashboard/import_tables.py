"""An import's dry run as tables: counts per kind and the rows of each kind with row, column and problem."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.i18n import name_of, t
from dashboard.messages import column_label, problem_message
from dashboard.texts import _who, value_text
from indicators.articles.quantity import format_plain  # noqa: F401  (pages write plain numbers with it)
from indicators.catalogue import Catalogue

PLAN_KINDS = ("new", "changed", "unchanged", "errors")


def plan_counts(plan: Any) -> dict[str, int]:
    """Return how many rows of a dry run are new, changed, unchanged or in error."""
    summary = plan.summary()
    return {kind: int(summary.get(kind, 0)) for kind in PLAN_KINDS}


def plan_table(plan: Any, kind: str, catalogue: Catalogue) -> pd.DataFrame:
    """Return the rows of one dry-run outcome; errors name their row and column."""
    if kind == "errors":
        return pd.DataFrame(
            [
                {
                    t("col.row"): e.row,
                    t("col.column"): column_label(e.column),
                    t("col.problem"): problem_message(e.problem(plan.filename)),
                }
                for e in plan.errors
            ]
        )
    rows = []
    for r in getattr(plan, kind):
        ind = catalogue.indicators.get(r.indicator_id)
        place = catalogue.place_by_code.get(r.place_code)
        cells = {
            t("col.row"): r.row,
            t("col.indicator"): name_of(ind) if ind else r.indicator_id,
            t("col.place"): name_of(place) if place else r.place_code,
            t("col.period"): r.period,
            t("col.value"): value_text(r.value, r.unit, r.qualifier),
        }
        if kind == "changed":
            cells[t("col.previous")] = value_text(r.old_value, r.unit)
            cells[t("col.entered_by")] = _who(r.current_by) if r.current_by else ""
        cells[t("col.source")] = r.source_ref or ""
        rows.append(cells)
    return pd.DataFrame(rows)
