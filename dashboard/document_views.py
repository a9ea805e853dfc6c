"""How a document's figures are shown: a table with what became of each, and the text with them marked."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from dashboard.i18n import name_of, t
from dashboard.texts import is_missing, value_text
from indicators.catalogue import Catalogue
from indicators.text import squash

STATUSES = ("accepted", "curated", "skipped", "open")


def _fed(row: dict[str, Any], catalogue: Catalogue) -> bool:
    ind = row.get("indicator_id")
    return (
        row.get("status") in ("accepted", "curated") and not is_missing(ind) and ind in catalogue.indicators
    )


def figures_table(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Return a document's figures: as written, value, what became of it, indicator, place, period, sentence."""
    rows = []
    for row in frame.to_dict("records"):
        fed = _fed(row, catalogue)
        place = catalogue.place_by_code.get(row["place_code"]) if fed and row.get("place_code") else None
        value = value_text(row["value"], row["unit"], row["qualifier"])
        if fed and not is_missing(row.get("stored_value")):
            # What was stored, in the indicator's unit: the editor may have corrected the figure.
            ind = catalogue.indicators[row["indicator_id"]]
            value = value_text(row["stored_value"], ind.unit, row["qualifier"])
        rows.append(
            {
                t("col.as_written"): squash(row["text"]),
                t("col.value"): value,
                t("documents.col_status"): t(f"documents.status_{row['status']}"),
                t("col.indicator"): name_of(catalogue.indicators[row["indicator_id"]]) if fed else "—",
                t("col.place"): name_of(place) if place is not None else "—",
                t("col.period"): row["period"] if fed else "—",
                t("col.quote"): row["quote"],
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = {t(f"documents.status_{s}"): i for i, s in enumerate(STATUSES)}
    return out.sort_values(t("documents.col_status"), key=lambda s: s.map(order), kind="stable")


def marked_html(text: str, frame: pd.DataFrame, catalogue: Catalogue) -> str:
    """Return the document's text as HTML: figures fed to an indicator stand out, skipped ones are struck."""
    out, pos = [], 0
    rows = sorted(frame.to_dict("records"), key=lambda r: r["start"]) if not frame.empty else []
    for row in rows:
        start, end = int(row["start"]), int(row["end"])
        if start < pos:
            continue
        fed = _fed(row, catalogue)
        css = "xa-fed" if fed else ("xa-skipped" if row["status"] == "skipped" else "xa-figure")
        title = value_text(row["value"], row["unit"], row["qualifier"])
        if fed:
            title += " → " + name_of(catalogue.indicators[row["indicator_id"]])
        elif row["status"] == "skipped":
            title += " · " + t("documents.status_skipped")
        out.append(html.escape(text[pos:start]))
        out.append(
            f'<mark class="{css}" title="{html.escape(title, quote=True)}">{html.escape(text[start:end])}</mark>'
        )
        if fed:
            out.append(
                f'<sup class="xa-tag">{html.escape(name_of(catalogue.indicators[row["indicator_id"]]))}</sup>'
            )
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def sentence_html(sentence: str, start: int, end: int) -> str:
    """Return a sentence as HTML with the figure at start..end marked."""
    return (
        html.escape(sentence[:start])
        + f'<mark class="xa-fed">{html.escape(sentence[start:end])}</mark>'
        + html.escape(sentence[end:])
    )
