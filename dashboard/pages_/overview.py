"""总览 overview: the 心安指数, each theme's score, coverage and status counts, what is behind, what changed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures, layout, reporting_view, tables
from dashboard.i18n import name_of, t

catalogue = data.catalogue()
place = layout.place()
place_name = name_of(catalogue.place_by_code[place])
layout.header("overview.title", t("overview.caption", place=place_name))
standard_line = tables.standard_text(catalogue)
if standard_line:
    st.caption(standard_line)

reporting_view.round_summary()
summary = data.rollup(place)
themes = summary.themes
source = t("export.source_store")
example = data.shared(
    ("overview:example", place), lambda: bool((data.progress(place)["target_kind"] == "example").any())
)
period = summary.period or "—"
cols = st.columns([1.2, 2.0])
with cols[0]:
    gauge = data.memo(
        ("overview:gauge", place),
        lambda: figures.index_gauge(
            summary.score,
            summary.coverage,
            t("overview.index", place=place_name),
            t("common.coverage"),
            t("common.no_data"),
        ),
    )
    layout.chart(
        gauge,
        key="index_gauge",
        meta=layout.export_meta(
            t("overview.index", place=place_name),
            unit="0–100",
            place=place_name,
            period=period,
            source=source,
            example=example,
        ),
        frame=data.memo(
            ("overview:gauge_frame", place),
            lambda: pd.DataFrame(
                {
                    "place": [place_name],
                    "period": [period],
                    "score": [summary.score],
                    "coverage": [summary.coverage],
                }
            ),
        ),
    )
    layout.source_line(
        t(
            "overview.index_note",
            place=place_name,
            period=summary.period or "—",
            n=summary.indicators_with_data,
            total=summary.indicators_total,
        )
    )
    if summary.at_baseline:
        # A first year of figures scores 0 everywhere; say so, or 0.0 reads as "failing".
        st.info(t("overview.at_baseline", n=summary.at_baseline), icon=":material/info:")
with cols[1]:
    frame = data.memo(
        ("overview:themes_frame", place),
        lambda: pd.DataFrame(
            {
                "name": [name_of(catalogue.theme(tid)) for tid in themes["theme_id"]],
                "score": themes["score"],
                "coverage": themes["coverage"],
            }
        ),
    )
    bars = data.memo(
        ("overview:themes", place),
        lambda: figures.theme_scores_chart(
            frame, t("overview.themes"), t("common.score"), t("common.coverage"), t("common.no_data")
        ),
    )
    layout.chart(
        bars,
        key="theme_scores",
        meta=layout.export_meta(
            t("overview.themes"),
            unit="0–100",
            place=place_name,
            period=period,
            source=source,
            example=example,
        ),
        frame=frame,
    )
    layout.source_line(t("overview.themes_note", place=place_name))

st.subheader(t("overview.status_counts"))
metric_cols = st.columns(len(themes) + 1)
status_labels = tables.status_labels()
theme_rows = data.shared(("overview:theme_rows", place), lambda: themes.to_dict("records"))
for col, row in zip(metric_cols, theme_rows, strict=False):
    score = row["score"]
    col.metric(
        name_of(catalogue.theme(row["theme_id"])),
        "—" if pd.isna(score) else f"{score:.1f}",
        help=t("overview.theme_help", coverage=f"{row['coverage']:.0%}"),
    )
    col.caption(
        " · ".join(f"{status_labels[s]} {int(row.get(s, 0))}" for s in tables.STATUSES if row.get(s, 0))
    )
metric_cols[-1].metric(
    t("common.coverage"), f"{summary.coverage:.0%}" if summary.coverage is not None else "—"
)
layout.chart(
    data.memo(
        ("overview:status", place),
        lambda: figures.status_counts_chart(summary.status_counts, status_labels, t("overview.status_all")),
    ),
    key="status_counts",
    meta=layout.export_meta(
        t("overview.status_all"), unit=None, place=place_name, period=period, source=source, example=example
    ),
    frame=data.memo(
        ("overview:status_frame", place),
        lambda: pd.DataFrame(
            {
                "status": [status_labels[s] for s in summary.status_counts],
                "n": list(summary.status_counts.values()),
            }
        ),
    ),
)

left, right = st.columns(2)
with left:
    st.subheader(t("overview.behind"))
    behind = data.memo(
        ("overview:behind", place), lambda: tables.behind_table(data.progress(place), catalogue, limit=10)
    )
    if behind.empty:
        st.info(t("common.no_data_place", place=place_name))
    else:
        layout.table(behind, ("overview:behind", place), tables.progress_columns())
with right:
    st.subheader(t("overview.changed"))
    changed = data.memo(
        ("overview:changed", place), lambda: tables.changes_table(data.period_changes(place), catalogue)
    )
    if changed.empty:
        st.info(t("overview.nothing_changed"))
    else:
        layout.table(changed, ("overview:changed", place))
layout.source_line(t("overview.tables_note", place=place_name))
