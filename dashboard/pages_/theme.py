"""主题 theme: one theme's first-level → second-level indicators with value, target, progress and status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import layout, progress_tables, sources_data, texts
from dashboard.cached_views import Views
from dashboard.context import RunContext
from dashboard.i18n import labels_for, name_of, t


def render(ctx: RunContext) -> None:
    """Draw one theme's indicators, first level by first level, at the sidebar's place."""
    catalogue = ctx.catalogue
    place = ctx.place
    place_name = name_of(catalogue.place_by_code[place])
    layout.header("theme.title")

    theme_ids = [th.id for th in catalogue.themes]
    # ?theme= opens a theme (links, reloads), as on the entry page; the choice made here is written back to
    # the URL. Links made before used ?id=, and still open their theme.
    if "theme" not in st.query_params and st.query_params.get("id") in theme_ids:
        st.query_params["theme"] = st.query_params["id"]
    if "id" in st.query_params:
        del st.query_params["id"]
    layout.follow_url("theme_choice", "theme", theme_ids)
    if st.session_state.get("theme_choice") not in theme_ids:
        st.session_state["theme_choice"] = theme_ids[0]
    theme_id = st.segmented_control(
        t("common.theme"),
        theme_ids,
        format_func=labels_for(theme_ids, lambda tid: name_of(catalogue.theme(tid))),
        key="theme_choice",
    )
    theme_id = theme_id or theme_ids[0]
    layout.publish_url("theme_choice", "theme")
    theme = catalogue.theme(theme_id)
    if theme.goal_zh:
        st.caption(f"{theme.project_zh or ''} · {theme.goal_zh}")
    part = texts.standard_part_text(catalogue, theme)
    if part:
        st.caption(part)

    status_labels = texts.status_labels()
    shown_statuses = list(
        texts.ALL_STATUSES if ctx.views.scores().method == "sdg_progress" else texts.STATUSES
    )
    statuses = st.pills(
        t("theme.filter_status"),
        shown_statuses,
        selection_mode="multi",
        default=shown_statuses,
        format_func=lambda s: status_labels[s],
        key="theme_status_filter",
    )
    summary = ctx.views.rollup(place)
    chosen = tuple(statuses)
    for first in theme.first_level:
        score = summary.first_level_score(first.id)
        mark = f"（{t('origin_short.' + first.origin.kind)}）" if first.origin.kind != "article" else ""
        heading = f"{name_of(first)}{mark}"
        if score is not None:
            heading += f" · {t('common.score')} {score:.1f}"
        st.subheader(heading)
        table = ctx.memo(theme_rows, place, first.id, chosen)
        if table.empty:
            st.caption(t("theme.none_with_status"))
            continue
        # A first-level indicator has a handful of rows: static HTML, not a grid (docs/performance.md).
        layout.table(ctx, theme_rows, place, first.id, chosen, columns=progress_tables.theme_columns)
    layout.source_line(t("theme.note", place=place_name))


def theme_rows(views: Views, place: str, first_id: str, statuses: tuple[str, ...]) -> pd.DataFrame:
    """Return a first-level indicator's second-level rows at a place with the statuses chosen (a memo builder)."""
    catalogue = views.catalogue
    first = catalogue.first_levels[first_id]
    return progress_tables.theme_table(
        first,
        views.progress(place),
        views.sparklines(place),
        catalogue,
        list(statuses),
        sources_data.article_metrics_by_indicator(),
        place,
    )
