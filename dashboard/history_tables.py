"""Revision tables: every revision of a value or an indicator, who saved what when, and one stored value field by field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dashboard.i18n import name_of, t
from dashboard.texts import _when, flags_text, is_missing, source_text, value_text
from indicators.articles.quantity import format_plain  # noqa: F401  (pages write plain numbers with it)
from indicators.catalogue import Catalogue

HISTORY_ROWS = 500


def value_history_rows(views: Any, ind_id: str, place: str, period: str) -> pd.DataFrame:
    """Return one value's revisions as a display table, newest first (a memo builder: ctx.memo)."""
    return history_table(views.value_history(ind_id, place, period), views.catalogue, views.display_names())


def indicator_history_rows(views: Any, ind_id: str, place: str) -> pd.DataFrame:
    """Return every revision of an indicator at a place as a display table (a memo builder: ctx.memo)."""
    return history_table(views.indicator_history(ind_id, place), views.catalogue, views.display_names())


def history_table(
    history: pd.DataFrame, catalogue: Catalogue, names: Mapping[str, str], *, with_indicator: bool = False
) -> pd.DataFrame:
    """Return revisions newest first: who saved what value (by display name), when, why, from which source."""
    # Column names looked up once, not per revision: a place's history has hundreds of rows.
    label = {
        key: t(key)
        for key in (
            "col.indicator",
            "col.place",
            "col.period",
            "col.revision",
            "col.value",
            "entry_safety.col_flags",
            "entry_safety.col_flag_reason",
            "col.source",
            "col.entered_by",
            "col.entered_at",
            "col.reason",
            "col.note",
        )
    }
    retracted_text = t("history.retracted")
    rows = []
    for row in history.to_dict("records"):
        ind = catalogue.indicators.get(row["indicator_id"])
        unit = row.get("unit") or (ind.unit if ind else "")
        cells: dict[str, Any] = {}
        if with_indicator:
            cells[label["col.indicator"]] = name_of(ind) if ind else row["indicator_id"]
        place = catalogue.place_by_code.get(row["place_code"])
        cells[label["col.place"]] = name_of(place) if place else row["place_code"]
        cells[label["col.period"]] = row["period"]
        cells[label["col.revision"]] = row.get("revision")
        retracted = bool(row.get("retracted")) if not is_missing(row.get("retracted")) else False
        cells[label["col.value"]] = (
            retracted_text if retracted else value_text(row.get("value"), unit, row.get("qualifier"))
        )
        # A flagged value and the reason it was confirmed sit next to the value, not off-screen.
        cells[label["entry_safety.col_flags"]] = flags_text(row.get("flags"))
        cells[label["entry_safety.col_flag_reason"]] = _text_or_blank(row.get("flag_reason"))
        cells[label["col.source"]] = source_text(row)
        login = row.get("entered_by")
        cells[label["col.entered_by"]] = "—" if is_missing(login) else names.get(str(login), str(login))
        cells[label["col.entered_at"]] = _when(row.get("entered_at"))
        cells[label["col.reason"]] = row.get("reason") or ""
        cells[label["col.note"]] = row.get("note") or ""
        rows.append(cells)
    return pd.DataFrame(rows)


def _text_or_blank(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def stored_table(record: dict[str, Any], catalogue: Catalogue) -> pd.DataFrame:
    """Return every stored field of one value as label / value rows."""
    shown = {k: ("" if is_missing(v) else str(v)) for k, v in record.items()}
    return pd.DataFrame({t("col.field"): list(shown), t("col.value"): list(shown.values())})
