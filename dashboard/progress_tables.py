"""Progress tables for the overview, theme and indicator pages: indicators with value, progress, status, target and source."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import current_language, name_of, t
from dashboard.numbers import fmt_number
from dashboard.texts import is_flagged, is_missing, source_text, status_text, target_text, value_text
from indicators.articles.metrics import ArticleMetric
from indicators.articles.quantity import format_plain  # noqa: F401  (pages write plain numbers with it)
from indicators.catalogue import Catalogue
from indicators.models import FirstLevel, Indicator


def progress_row(progress: pd.DataFrame, ind_id: str) -> dict[str, Any]:
    """Return the scored row of one indicator at the page's place (empty when absent)."""
    rows = progress[progress["indicator_id"] == ind_id]
    return rows.iloc[0].to_dict() if len(rows) else {}


def progress_columns() -> dict[str, Any]:
    """Return column settings shared by progress tables."""
    return {
        t("col.progress"): st.column_config.ProgressColumn(
            t("col.progress"), min_value=0, max_value=100, format="%.0f%%", help=t("col.progress_help")
        ),
        t("col.expected"): st.column_config.NumberColumn(t("col.expected"), format="%.0f%%"),
    }


def _ind_cells(ind: Indicator, row: dict[str, Any], place_name: str | None) -> dict[str, Any]:
    flagged = is_flagged(row)
    latest = value_text(row.get("value"), ind.unit, row.get("qualifier"))
    cells: dict[str, Any] = {
        t("col.indicator"): name_of(ind),
        t("col.latest"): f"⚠ {latest}" if flagged else latest,
        t("col.period"): row.get("period") if not is_missing(row.get("period")) else "—",
    }
    if place_name is not None:
        cells[t("col.place")] = place_name
    cells[t("col.progress")] = row.get("progress")
    cells[t("col.expected")] = row.get("expected")
    cells[t("col.status")] = status_text(row)
    cells[t("col.target")] = target_text(ind)
    cells[t("col.source")] = source_text(row)
    return cells


def behind_table(progress: pd.DataFrame, catalogue: Catalogue, limit: int = 10) -> pd.DataFrame:
    """Return the indicators furthest behind their expected progress at one place."""
    scored = progress[progress["status"].isin(["off_track", "at_risk", "deterioration", "limited"])].copy()
    if scored.empty:
        return pd.DataFrame()
    # Furthest behind: the lowest score, then the widest gap to where the path says it should be.
    scored["gap"] = scored["expected"] - scored["progress"]
    scored = scored.sort_values(["score", "gap"], ascending=[True, False]).head(limit)
    rows = []
    for row in scored.to_dict("records"):
        ind = catalogue.indicators[row["indicator_id"]]
        place_name = name_of(catalogue.place_by_code[row["place_code"]])
        rows.append(_ind_cells(ind, row, place_name))
    return pd.DataFrame(rows)


def changes_table(changes: pd.DataFrame, catalogue: Catalogue, limit: int = 12) -> pd.DataFrame:
    """Return latest values next to the previous period's, with the change and whether it is better."""
    if changes.empty:
        return pd.DataFrame()
    rows = []
    for row in changes.head(limit).to_dict("records"):
        ind = catalogue.indicators[row["indicator_id"]]
        trend = row.get("trend")
        rows.append(
            {
                t("col.indicator"): name_of(ind),
                t("col.latest"): f"{value_text(row['value'], ind.unit)}（{row['period']}）",
                t("col.previous"): f"{value_text(row['prev_value'], ind.unit)}（{row['prev_period']}）",
                t("col.change"): f"{fmt_number(row['change_prev'], signed=True)} {ind.unit}",
                t("col.trend"): t(f"trend.{trend}") if isinstance(trend, str) else "—",
                t("col.source"): source_text(row),
            }
        )
    return pd.DataFrame(rows)


def indicator_url(ind_id: str, place: str | None = None) -> str:
    """Return the (relative) address of an indicator's page, at a place when given."""
    return f"indicator?id={ind_id}" + (f"&place={place}" if place else "")


def link_column() -> Any:
    """Return the column setting of a table column holding page addresses (shown as a short link text)."""
    return st.column_config.LinkColumn(
        t("entry_safety.col_open"), display_text=t("entry_safety.open_link"), width="small"
    )


def theme_columns() -> dict[str, Any]:
    """Return column settings of the theme table: progress bars and sparklines."""
    cols = progress_columns()
    cols[t("entry_safety.col_open")] = link_column()
    cols[t("col.sparkline")] = st.column_config.LineChartColumn(t("col.sparkline"), width="small")
    cols["id"] = None  # kept for sorting and links, not shown
    return cols


def article_figure_text(metrics: list[ArticleMetric], catalogue: Catalogue) -> str:
    """Return the article figures of an indicator with whose and when they are, or — when none."""
    shown = []
    for m in metrics:
        place = catalogue.place_by_code[m.place]
        value = value_text(m.value, m.unit, m.qualifier)
        shown.append(t("theme.article_figure", value=value, place=name_of(place), period=m.period))
    return "；".join(shown) if shown else "—"


def theme_table(
    first: FirstLevel,
    progress: pd.DataFrame,
    sparks: dict[str, list[float]],
    catalogue: Catalogue,
    statuses: list[str],
    article_metrics: dict[str, list[ArticleMetric]] | None = None,
    place: str | None = None,
) -> pd.DataFrame:
    """Return one row per second-level indicator of a first-level one, keeping only chosen statuses.

    Each row also says which article figure feeds the indicator (whose and when) and where the indicator
    comes from (article, inferred from the articles, or proposed by the team).
    """
    article_metrics = article_metrics or {}
    by_id = progress.set_index("indicator_id")
    rows = []
    for ind in first.indicators:
        row = by_id.loc[ind.id].to_dict() if ind.id in by_id.index else {}
        status = row.get("status") or "no_data"
        if status not in statuses:
            continue
        cells = _ind_cells(ind, row, None)
        # The sparkline sits next to the latest value it ends with; the link next to the name.
        ordered = {}
        for key, value in cells.items():
            ordered[key] = value
            if key == t("col.indicator"):
                ordered[t("entry_safety.col_open")] = indicator_url(ind.id, place)
            if key == t("col.period"):
                ordered[t("col.sparkline")] = sparks.get(ind.id, [])
        cells = ordered
        cells[t("col.article_figure")] = article_figure_text(article_metrics.get(ind.id, []), catalogue)
        cells[t("col.origin")] = t("origin_short." + ind.origin.kind)
        cells[t("col.department")] = catalogue.department_names(ind.id, current_language())
        cells["id"] = ind.id
        rows.append(cells)
    return pd.DataFrame(rows)


def milestones_frame(ind: Indicator) -> pd.DataFrame:
    """Return an indicator's milestones as period, value rows."""
    return pd.DataFrame(
        [{"period": m.period, "value": m.value} for m in ind.milestones], columns=["period", "value"]
    )


def latest_per_place(frame: pd.DataFrame) -> pd.DataFrame:
    """Return each place's last row of a place, period, value frame already sorted by period."""
    return frame.groupby("place", sort=False).tail(1).reset_index(drop=True)


def observations_table(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Return observations of comparison places with unit, period, place and source."""
    rows = []
    for row in frame.to_dict("records"):
        ind = catalogue.indicators[row["indicator_id"]]
        rows.append(
            {
                t("col.place"): row["place"],
                t("col.period"): row["period"],
                t("col.value"): value_text(row["value"], row.get("unit") or ind.unit, row.get("qualifier")),
                t("col.source"): source_text(row),
            }
        )
    return pd.DataFrame(rows)
