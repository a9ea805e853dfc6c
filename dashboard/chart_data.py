"""The data behind a chart as people read it (the chart's CSV/XLSX download): headers, names and labels."""

from __future__ import annotations

import pandas as pd

from dashboard.i18n import has_key, name_of, t
from dashboard.texts import flags_text
from indicators.articles.quantity import format_plain  # noqa: F401  (pages write plain numbers with it)

# Columns of a chart's data as people read them (the chart's CSV/XLSX download); machine columns are dropped.
_CHART_COLUMNS = {
    "indicator_id": "col.indicator",
    "place": "col.place",
    "period": "col.period",
    "value": "col.value",
    "unit": "common.unit",
    "qualifier": "entry.qualifier",
    "source_kind": "entry.source_kind",
    "source_ref": "col.source",
    "revision": "col.revision",
    "entered_by": "col.entered_by",
    "entered_at": "col.entered_at",
    "flags": "entry_safety.col_flags",
    "flag_reason": "entry_safety.col_flag_reason",
}


# The curated article notes are the curators' working notes (English), the hashes are for `verify`.
_CHART_DROPPED = {"note", "place_code", "prev_hash", "row_hash", "document_id", "quote_offset"}


def chart_data(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the data behind a chart with headers and values people read: names, labels, flags as text."""
    from dashboard import context, resources

    catalogue = resources.catalogue()
    out = frame.drop(columns=[c for c in frame.columns if c.startswith("_") or c in _CHART_DROPPED])
    if "place" not in out and "place_code" in frame:
        out.insert(
            min(1, len(out.columns)),
            "place",
            [name_of(catalogue.place_by_code[c]) for c in frame["place_code"]],
        )
    convert = {
        "indicator_id": lambda v: name_of(catalogue.indicators[v]) if v in catalogue.indicators else v,
        "qualifier": lambda v: t("qualifier." + v) if isinstance(v, str) and has_key("qualifier." + v) else v,
        "source_kind": lambda v: (
            t("source_kind." + v) if isinstance(v, str) and has_key("source_kind." + v) else v
        ),
        "entered_by": lambda v: context.person(v) if isinstance(v, str) else v,
        "flags": flags_text,
    }
    for column, change in convert.items():
        if column in out:
            out[column] = [change(v) for v in out[column]]
    return out.rename(columns={c: t(key) for c, key in _CHART_COLUMNS.items() if c in out})
