"""总览 overview: the 心安指数, each theme's score, coverage and status counts, what is behind, what changed."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import figures, layout, progress_tables, reporting_view, texts
from dashboard.cached_views import Views
from dashboard.context import RunContext
from dashboard.export.charts import ChartMeta
from dashboard.i18n import name_of, t


def render(ctx: RunContext) -> None:
    """Draw the overview of the sidebar's place."""
    catalogue = ctx.catalogue
    place = ctx.place
    place_name = name_of(catalogue.place_by_code[place])
    layout.header("overview.title", t("overview.caption", place=place_name))
    standard_line = texts.standard_text(catalogue)
    if standard_line:
        st.caption(standard_line)

    reporting_view.round_summary(ctx)
    summary = ctx.views.rollup(place)
    cols = st.columns([1.2, 2.0])
    with cols[0]:
        layout.chart(
            ctx.memo(gauge_figure, place),
            key="index_gauge",
            meta=_meta(ctx, t("overview.index", place=place_name), "0–100"),
            frame=ctx.memo(gauge_frame, place),
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
        layout.chart(
            ctx.memo(themes_figure, place),
            key="theme_scores",
            meta=_meta(ctx, t("overview.themes"), "0–100"),
            frame=ctx.memo(themes_frame, place),
        )
        layout.source_line(t("overview.themes_note", place=place_name))
    _status_counts(ctx)
    _tables(ctx)


def _meta(ctx: RunContext, title: str, unit: str | None) -> ChartMeta:
    # Every chart of the overview shows the sidebar's place at the latest period, from the store.
    place = ctx.place
    return layout.export_meta(
        title,
        unit=unit,
        place=name_of(ctx.catalogue.place_by_code[place]),
        period=ctx.views.rollup(place).period or "—",
        source=t("export.source_store"),
        example=ctx.shared(has_example_target, place),
    )


def _status_counts(ctx: RunContext) -> None:
    """Each theme's score with its status counts, then the status counts of every indicator as a chart."""
    place = ctx.place
    summary = ctx.views.rollup(place)
    st.subheader(t("overview.status_counts"))
    metric_cols = st.columns(len(summary.themes) + 1)
    status_labels = texts.status_labels()
    theme_rows = ctx.shared(theme_records, place)
    for col, row in zip(metric_cols, theme_rows, strict=False):
        score = row["score"]
        col.metric(
            name_of(ctx.catalogue.theme(row["theme_id"])),
            "—" if pd.isna(score) else f"{score:.1f}",
            help=t("overview.theme_help", coverage=f"{row['coverage']:.0%}"),
        )
        col.caption(
            " · ".join(f"{status_labels[s]} {int(row.get(s, 0))}" for s in texts.STATUSES if row.get(s, 0))
        )
    metric_cols[-1].metric(
        t("common.coverage"), f"{summary.coverage:.0%}" if summary.coverage is not None else "—"
    )
    layout.chart(
        ctx.memo(status_figure, place),
        key="status_counts",
        meta=_meta(ctx, t("overview.status_all"), None),
        frame=ctx.memo(status_frame, place),
    )


def _tables(ctx: RunContext) -> None:
    """What is furthest behind, and what changed since the previous period."""
    place = ctx.place
    place_name = name_of(ctx.catalogue.place_by_code[place])
    left, right = st.columns(2)
    with left:
        st.subheader(t("overview.behind"))
        if ctx.memo(behind_rows, place).empty:
            st.info(t("common.no_data_place", place=place_name))
        else:
            layout.table(ctx, behind_rows, place, columns=progress_tables.progress_columns)
    with right:
        st.subheader(t("overview.changed"))
        if ctx.memo(changed_rows, place).empty:
            st.info(t("overview.nothing_changed"))
        else:
            layout.table(ctx, changed_rows, place)
    layout.source_line(t("overview.tables_note", place=place_name))


# Memo builders: functions of the data version's views and their arguments only (see Views.memo).


def has_example_target(views: Views, place: str) -> bool:
    """Return whether any indicator scored at the place is judged against an example target (示例目标)."""
    return bool((views.progress(place)["target_kind"] == "example").any())


def gauge_figure(views: Views, place: str) -> go.Figure:
    """Return the 心安指数 gauge of a place."""
    summary = views.rollup(place)
    place_name = name_of(views.catalogue.place_by_code[place])
    return figures.index_gauge(
        summary.score,
        summary.coverage,
        t("overview.index", place=place_name),
        t("common.coverage"),
        t("common.no_data"),
    )


def gauge_frame(views: Views, place: str) -> pd.DataFrame:
    """Return the data behind the gauge, for its CSV/XLSX download."""
    summary = views.rollup(place)
    return pd.DataFrame(
        {
            "place": [name_of(views.catalogue.place_by_code[place])],
            "period": [summary.period or "—"],
            "score": [summary.score],
            "coverage": [summary.coverage],
        }
    )


def themes_frame(views: Views, place: str) -> pd.DataFrame:
    """Return each theme's name, score and coverage at a place."""
    themes = views.rollup(place).themes
    return pd.DataFrame(
        {
            "name": [name_of(views.catalogue.theme(tid)) for tid in themes["theme_id"]],
            "score": themes["score"],
            "coverage": themes["coverage"],
        }
    )


def themes_figure(views: Views, place: str) -> go.Figure:
    """Return the theme scores of a place as bars with their coverage."""
    return figures.theme_scores_chart(
        views.memo(themes_frame, place),
        t("overview.themes"),
        t("common.score"),
        t("common.coverage"),
        t("common.no_data"),
    )


def theme_records(views: Views, place: str) -> list[dict]:
    """Return each theme's score, coverage and status counts at a place as records."""
    return views.rollup(place).themes.to_dict("records")


def status_figure(views: Views, place: str) -> go.Figure:
    """Return how many indicators have each status at a place."""
    counts = views.rollup(place).status_counts
    return figures.status_counts_chart(counts, texts.status_labels(), t("overview.status_all"))


def status_frame(views: Views, place: str) -> pd.DataFrame:
    """Return the data behind the status chart, for its download."""
    counts = views.rollup(place).status_counts
    labels = texts.status_labels()
    return pd.DataFrame({"status": [labels[s] for s in counts], "n": list(counts.values())})


def behind_rows(views: Views, place: str) -> pd.DataFrame:
    """Return the ten indicators furthest behind their path at a place, as a display table."""
    return progress_tables.behind_table(views.progress(place), views.catalogue, limit=10)


def changed_rows(views: Views, place: str) -> pd.DataFrame:
    """Return what changed since the previous period at a place, as a display table."""
    return progress_tables.changes_table(views.period_changes(place), views.catalogue)
