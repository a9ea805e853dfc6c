"""区县 places: counties × themes (or × one theme's indicators) as a colour-coded matrix."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import figures, layout, progress_tables
from dashboard.cached_views import Views
from dashboard.context import RunContext
from dashboard.i18n import labels_for, name_of, t


def render(ctx: RunContext) -> None:
    """Draw the matrix of the city and its counties by theme, or by the indicators of one theme."""
    catalogue = ctx.catalogue
    layout.header("places.title")
    city = catalogue.framework.default_place
    options = ["all"] + [th.id for th in catalogue.themes]
    choice = st.segmented_control(
        t("places.columns"),
        options,
        default="all",
        format_func=labels_for(
            options, lambda o: t("places.by_theme") if o == "all" else name_of(catalogue.theme(o))
        ),
        key="places_columns",
    )
    choice = choice or "all"
    # The matrix, its rounded table and its download frame depend on the data, the choice and the language only.
    title = ctx.memo(scores_matrix, choice)[1]
    layout.chart(
        ctx.memo(matrix_figure, choice),
        key="matrix",
        meta=layout.export_meta(
            title,
            unit="0–100",
            place=name_of(catalogue.place_by_code[city]),
            period=ctx.views.rollup(city).period or "—",
            source=t("export.source_store"),
        ),
        frame=ctx.memo(download_frame, choice),
    )
    layout.source_line(t("places.note"))
    shown = ctx.memo(rounded, choice)
    layout.dataframe(
        ctx,
        linked_rows,
        choice,
        width="stretch",
        column_config={
            **{
                c: st.column_config.ProgressColumn(c, min_value=0, max_value=100, format="%.0f")
                for c in shown.columns
            },
            t("entry_safety.col_open"): progress_tables.link_column(),
        },
    )


# Memo builders: functions of the data version's views and their arguments only (see Views.memo).


def _codes(views: Views) -> tuple[str, ...]:
    city = views.catalogue.framework.default_place
    return (city, *(p.code for p in views.catalogue.counties(city)))


def scores_matrix(views: Views, choice: str) -> tuple[pd.DataFrame, str]:
    """Return the scores with place names as rows (themes, or one theme's indicators, as columns) and a title."""
    catalogue = views.catalogue
    if choice == "all":
        scores = views.theme_matrix(_codes(views)).copy()
        scores.columns = [name_of(catalogue.theme(c)) for c in scores.columns]
        title = t("places.matrix_themes")
    else:
        scores = views.indicator_matrix(choice, _codes(views)).copy()
        scores.columns = [name_of(catalogue.indicators[c]) for c in scores.columns]
        title = t("places.matrix_theme", theme=name_of(catalogue.theme(choice)))
    scores.index = [name_of(catalogue.place_by_code[c]) for c in scores.index]
    return scores, title


def matrix_figure(views: Views, choice: str) -> go.Figure:
    """Return the colour-coded matrix chart."""
    scores, title = views.memo(scores_matrix, choice)
    return figures.score_matrix_chart(scores, title=title, no_data=t("common.no_data"))


def rounded(views: Views, choice: str) -> pd.DataFrame:
    """Return the scores rounded to one decimal, as shown and downloaded."""
    return views.memo(scores_matrix, choice)[0].round(1)


def download_frame(views: Views, choice: str) -> pd.DataFrame:
    """Return the shown scores with the place as a column, for the chart's download."""
    return views.memo(rounded, choice).rename_axis(t("sidebar.place")).reset_index()


def linked_rows(views: Views, choice: str) -> pd.DataFrame:
    """Return the shown scores with a link per row opening that place (the theme's page, or the overview)."""
    links = [
        f"theme?theme={choice}&place={c}" if choice != "all" else f"overview?place={c}" for c in _codes(views)
    ]
    return views.memo(rounded, choice).assign(**{t("entry_safety.col_open"): links})
