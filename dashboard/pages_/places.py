"""区县 places: counties × themes (or × one theme's indicators) as a colour-coded matrix."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures, layout, tables
from dashboard.i18n import name_of, t

catalogue = data.catalogue()
layout.header("places.title")
city = catalogue.framework.default_place
codes = [city] + [p.code for p in catalogue.counties(city)]
options = ["all"] + [th.id for th in catalogue.themes]
choice = st.segmented_control(
    t("places.columns"),
    options,
    default="all",
    format_func=lambda o: t("places.by_theme") if o == "all" else name_of(catalogue.theme(o)),
    key="places_columns",
)
choice = choice or "all"


def _scores() -> tuple[pd.DataFrame, str]:
    if choice == "all":
        scores = data.theme_matrix(codes)
        scores.columns = [name_of(catalogue.theme(c)) for c in scores.columns]
        title = t("places.matrix_themes")
    else:
        scores = data.indicator_matrix(choice, codes)
        scores.columns = [name_of(catalogue.indicators[c]) for c in scores.columns]
        title = t("places.matrix_theme", theme=name_of(catalogue.theme(choice)))
    scores.index = [name_of(catalogue.place_by_code[c]) for c in scores.index]
    return scores, title


# The matrix, its rounded table and its download frame depend on the data, the choice and the language only.
scores, title = data.memo(("places:scores", choice), _scores)
shown = data.memo(("places:shown", choice), lambda: scores.round(1))
layout.chart(
    data.memo(
        ("places:matrix", choice),
        lambda: figures.score_matrix_chart(scores, title=title, no_data=t("common.no_data")),
    ),
    key="matrix",
    meta=layout.export_meta(
        title,
        unit="0–100",
        place=name_of(catalogue.place_by_code[city]),
        period=data.rollup(city).period or "—",
        source=t("export.source_store"),
    ),
    frame=data.memo(("places:download", choice), lambda: shown.rename_axis(t("sidebar.place")).reset_index()),
)
layout.source_line(t("places.note"))


def _linked() -> pd.DataFrame:
    # Each row opens that place: the theme's page there, or with every theme the overview there.
    links = [f"theme?id={choice}&place={c}" if choice != "all" else f"overview?place={c}" for c in codes]
    return shown.assign(**{t("entry_safety.col_open"): links})


linked = data.memo(("places:linked", choice), _linked)
layout.dataframe(
    linked,
    ("places:linked", choice),
    width="stretch",
    column_config={
        **{
            c: st.column_config.ProgressColumn(c, min_value=0, max_value=100, format="%.0f")
            for c in shown.columns
        },
        t("entry_safety.col_open"): tables.link_column(),
    },
)
