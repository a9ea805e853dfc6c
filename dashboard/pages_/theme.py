"""主题 theme: one theme's first-level → second-level indicators with value, target, progress and status."""

from __future__ import annotations

import streamlit as st

from dashboard import data, layout, tables
from dashboard.i18n import name_of, t

catalogue = data.catalogue()
place = layout.place()
place_name = name_of(catalogue.place_by_code[place])
layout.header("theme.title")

theme_ids = [th.id for th in catalogue.themes]
# ?id= opens a theme (links, reloads); the choice made here is written back to the URL.
layout.follow_url("theme_choice", "id", theme_ids)
if st.session_state.get("theme_choice") not in theme_ids:
    st.session_state["theme_choice"] = theme_ids[0]
theme_id = st.segmented_control(
    t("common.theme"),
    theme_ids,
    format_func=lambda tid: name_of(catalogue.theme(tid)),
    key="theme_choice",
)
theme_id = theme_id or theme_ids[0]
layout.publish_url("theme_choice", "id")
theme = catalogue.theme(theme_id)
if theme.goal_zh:
    st.caption(f"{theme.project_zh or ''} · {theme.goal_zh}")
part = tables.standard_part_text(catalogue, theme)
if part:
    st.caption(part)

status_labels = tables.status_labels()
shown_statuses = list(tables.ALL_STATUSES if data.scores().method == "sdg_progress" else tables.STATUSES)
statuses = st.pills(
    t("theme.filter_status"),
    shown_statuses,
    selection_mode="multi",
    default=shown_statuses,
    format_func=lambda s: status_labels[s],
    key="theme_status_filter",
)
progress = data.progress(place)
sparks = data.sparklines(place)
summary = data.rollup(place)
for first in theme.first_level:
    score = summary.first_level_score(first.id)
    mark = f"（{t('origin_short.' + first.origin.kind)}）" if first.origin.kind != "article" else ""
    heading = f"{name_of(first)}{mark}"
    if score is not None:
        heading += f" · {t('common.score')} {score:.1f}"
    st.subheader(heading)
    table = data.memo(
        ("theme:table", place, first.id, tuple(statuses)),
        lambda first=first: tables.theme_table(
            first, progress, sparks, catalogue, statuses, data.article_metrics_by_indicator(), place
        ),
    )
    if table.empty:
        st.caption(t("theme.none_with_status"))
        continue
    # A first-level indicator has a handful of rows: static HTML, not a grid (docs/performance.md).
    layout.table(table, ("theme:table", place, first.id, tuple(statuses)), tables.theme_columns())
layout.source_line(t("theme.note", place=place_name))
