"""指标 indicator: the series against its target path, counties side by side, comparison places apart,
the definition with its source, and every revision of every value."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import context, figures, history_tables, layout, progress_tables, sources_data, summary, texts
from dashboard.cached_views import Views
from dashboard.context import RunContext
from dashboard.i18n import current_language, name_of, t
from indicators.models import Indicator


def render(ctx: RunContext) -> None:
    """Draw the indicator page for the indicator in ?id= (or picked) at the sidebar's place."""
    catalogue = ctx.catalogue
    layout.header("indicator.title")
    # ?id= opens an indicator (links from tables, the entry page, reloads); the choice is written back.
    layout.follow_url("indicator_choice", "id", list(catalogue.indicators))
    ind_id = layout.indicator_picker(ctx, "indicator_choice", default=st.query_params.get("id"))
    layout.publish_url("indicator_choice", "id")
    ind = catalogue.indicators[ind_id]
    theme = catalogue.theme(catalogue.theme_of[ind_id])
    first = catalogue.first_levels[catalogue.first_level_of[ind_id]]
    st.markdown(f"### {name_of(ind)}")
    st.caption(f"{name_of(theme)} › {name_of(first)} · {ind.unit} · {t('frequency.' + ind.frequency)}")
    source = f"{catalogue.department_names(ind_id, current_language())}（{ind.data_source}）"
    _series(ctx, ind, source)
    _counties(ctx, ind, source)
    _comparison(ctx, ind, source)
    _about(ctx, ind)
    _history(ctx, ind_id)
    _quoted(ctx, ind_id)


def _series(ctx: RunContext, ind: Indicator, source: str) -> None:
    """The latest value as metrics, then the series at the sidebar's place against the target path."""
    place = ctx.place
    place_name = name_of(ctx.catalogue.place_by_code[place])
    row = ctx.shared(progress_row, ind.id, place)
    cols = st.columns(4)
    cols[0].metric(
        t("common.latest"),
        texts.value_text(row.get("value"), ind.unit, row.get("qualifier")),
        help=texts.provenance(row, place_name),
    )
    cols[1].metric(t("common.period"), "—" if texts.is_missing(row.get("period")) else str(row["period"]))
    progress_value = row.get("progress")
    cols[2].metric(
        t("col.progress"),
        "—" if texts.is_missing(progress_value) else f"{progress_value:.0f}%",
        help=t("col.progress_help"),
    )
    cols[3].metric(t("common.status"), texts.status_text(row))
    layout.source_line(texts.provenance(row, place_name))
    st.markdown(f"**{t('common.target')}** {texts.target_text(ind)}")
    baseline = texts.baseline_text(row, ind.unit)
    if baseline:
        # The one baseline 进度 counts from, and where it comes from; the chart draws the same point.
        st.caption(baseline)

    target_here = ctx.shared(target_applies, ind.id, place)
    if not target_here and ind.target is not None:
        st.caption(t("entry_safety.target_not_here", place=place_name))
    example = target_here and ind.target is not None and ind.target.kind == "example"
    series = ctx.views.series(ind.id, place)
    if series.empty:
        # No axes without values (after a withdrawal, or a place that never reported): say so instead.
        st.info(t("indicator.no_values_here", place=place_name))
        return
    title = t("indicator.series_title", name=name_of(ind), place=place_name)
    layout.chart(
        ctx.memo(series_figure, ind.id, place, target_here),
        key="series",
        meta=layout.export_meta(
            title,
            unit=ind.unit,
            place=place_name,
            period=ctx.shared(series_span, ind.id, place),
            source=source,
            example=example,
        ),
        frame=series,
    )
    layout.source_line(t("indicator.series_note", unit=ind.unit, place=place_name, source=ind.data_source))


def _counties(ctx: RunContext, ind: Indicator, source: str) -> None:
    """The counties' series side by side, and their latest values as bars."""
    counties = ctx.memo(county_series, ind.id)
    st.subheader(t("indicator.counties"))
    if counties.empty:
        st.info(t("indicator.no_county_data"))
        return
    left, right = st.columns(2)
    with left:
        layout.chart(
            ctx.memo(counties_lines_figure, ind.id),
            key="counties_lines",
            meta=layout.export_meta(
                t("indicator.counties_series"),
                unit=ind.unit,
                place=t("indicator.counties"),
                period=ctx.memo(period_span_of, county_series, ind.id),
                source=source,
            ),
            frame=counties,
        )
    with right:
        latest = ctx.memo(latest_of, county_series, ind.id)
        layout.chart(
            ctx.memo(counties_latest_figure, ind.id),
            key="counties_latest",
            meta=layout.export_meta(
                t("indicator.counties_latest"),
                unit=ind.unit,
                place=t("indicator.counties"),
                period=ctx.memo(latest_span_of, county_series, ind.id),
                source=source,
            ),
            frame=latest,
        )
    layout.source_line(t("indicator.counties_note", unit=ind.unit, source=ind.data_source))


def _comparison(ctx: RunContext, ind: Indicator, source: str) -> None:
    """Places outside Binzhou named in the articles, apart and with a warning."""
    comparison = ctx.memo(comparison_series, ind.id)
    if comparison.empty:
        return
    st.subheader(t("indicator.comparison"))
    st.warning(t("indicator.comparison_warning"))
    latest = ctx.memo(latest_of, comparison_series, ind.id)
    layout.chart(
        ctx.memo(comparison_figure, ind.id),
        key="comparison",
        meta=layout.export_meta(
            t("indicator.comparison"),
            unit=ind.unit,
            place="、".join(latest["place"].astype(str)),
            period=ctx.memo(latest_span_of, comparison_series, ind.id),
            source=source,
        ),
        frame=latest,
    )
    layout.table(ctx, comparison_rows, ind.id)


def _about(ctx: RunContext, ind: Indicator) -> None:
    """The definition, department, source, direction, target and where the indicator comes from."""
    catalogue = ctx.catalogue
    st.subheader(t("indicator.about"))
    about = st.columns(2)
    with about[0]:
        st.markdown(f"**{t('indicator.definition')}** {ind.definition}")
        st.markdown(f"**{t('common.department')}** {catalogue.department_names(ind.id, current_language())}")
        st.markdown(f"**{t('indicator.data_source')}** {ind.data_source}")
        st.markdown(f"**{t('indicator.direction')}** {t('direction.' + ind.direction)}")
        st.markdown(f"**{t('common.target')}** {texts.target_text(ind)}")
        target_source = texts.target_source_text(ind)
        if target_source:
            st.caption(target_source)
        if ind.aliases:
            st.markdown(f"**{t('standard.aliases')}** {'、'.join(ind.aliases)}")
    with about[1]:
        origin = ind.origin
        st.markdown(f"**{t('indicator.origin')}** {t('origin.' + origin.kind)}")
        quote = getattr(origin, "quote", None)
        if quote:
            st.markdown(f"> {quote}")
            seed = getattr(origin, "seed", None)
            if seed:  # a heading quoted from the standard has no article
                st.caption(t("indicator.origin_article", article=sources_data.article_title(seed) or seed))
        part = getattr(origin, "part", None)
        if part:
            st.caption(t("standard.origin_clause", part=part, clause=origin.clause))
        note = getattr(origin, "note", None)
        if note:
            st.caption(note)


def _history(ctx: RunContext, ind_id: str) -> None:
    """Every revision of every value of the indicator at the sidebar's place."""
    st.subheader(t("indicator.history"))
    if ctx.views.indicator_history(ind_id, ctx.place).empty:
        st.info(t("indicator.no_history", place=name_of(ctx.catalogue.place_by_code[ctx.place])))
        return
    layout.dataframe(
        ctx, history_tables.indicator_history_rows, ind_id, ctx.place, hide_index=True, width="stretch"
    )


def _quoted(ctx: RunContext, ind_id: str) -> None:
    """The indicator's current values read from documents, each with its sentence marked."""
    quoted = sources_data.quoted_values(ind_id)
    if not quoted:
        return
    from dashboard.document_views import sentence_html

    st.subheader(t("documents.quoted_title"))
    for q in quoted:
        with st.container(border=True):
            st.markdown(
                f'<div class="xa-quote">{sentence_html(q.sentence, q.start, q.end)}</div>',
                unsafe_allow_html=True,
            )
            caption = t(
                "documents.quoted_caption",
                value=texts.value_text(q.value, q.unit, q.qualifier),
                place=name_of(ctx.catalogue.place_by_code[q.place_code]),
                period=q.period,
                title=q.document_title,
                who=context.person(q.entered_by),
            )
            # Quoted is not approved: until a reviewer approves it the figure is not in the scores above.
            st.caption(f"{caption} · {t('reporting.state.' + q.state)}")


# Memo builders: functions of the data version's views and their arguments only (see Views.memo).


def progress_row(views: Views, ind_id: str, place: str) -> dict:
    """Return the scored row of an indicator at a place (latest value, progress, status, source)."""
    return progress_tables.progress_row(views.progress(place), ind_id)


def target_applies(views: Views, ind_id: str, place: str) -> bool:
    """Return whether the city's target and path judge this place (rates, not counts; scoring says so)."""
    applies = views.shared(progress_row, ind_id, place).get("target_applies")
    if not texts.is_missing(applies):
        return bool(applies)
    return place == views.catalogue.framework.default_place


def series_span(views: Views, ind_id: str, place: str) -> str:
    """Return 'first—last' of the periods of the series at a place."""
    series = views.series(ind_id, place)
    return layout.period_span(series["period"]) if "period" in series else "—"


def series_figure(views: Views, ind_id: str, place: str, target_here: bool) -> go.Figure:
    """Return the series chart of an indicator at a place, with the target path where it applies."""
    ind = views.catalogue.indicators[ind_id]
    place_name = name_of(views.catalogue.place_by_code[place])
    labels = figures.SeriesLabels(
        observed=t("indicator.observed", place=place_name),
        target_path=t("indicator.target_path"),
        milestone=t("indicator.milestone"),
        target=texts.target_kind_label(ind.target.kind) if ind.target else t("common.target"),
        baseline=t("common.baseline"),
        period=t("common.period"),
        value=t("common.value"),
        flagged=t("entry_safety.flagged_marker"),
    )
    row = progress_tables.progress_row(views.progress(place), ind_id)
    # Where the city's target does not apply, the chart draws none, as the status (无目标) says.
    return figures.series_chart(
        flag_states(views, ind_id, place),
        unit=ind.unit,
        title=t("indicator.series_title", name=name_of(ind), place=place_name),
        labels=labels,
        target_path=summary.target_path(views.catalogue, ind_id) if target_here else None,
        milestones=progress_tables.milestones_frame(ind) if target_here else None,
        # The baseline progress counts from (the place's own value at the baseline period, else the
        # catalogue's), not always the catalogue's: one baseline on the page.
        baseline=texts.baseline_point(row) if target_here else None,
        target=(ind.target.period, ind.target.value) if ind.target and target_here else None,
        lang=current_language(),
    )


def flag_states(views: Views, ind_id: str, place: str) -> pd.DataFrame:
    """Return the series at a place with `flag_label`: whether a reviewer approved each (flagged) value."""
    series = views.series(ind_id, place)
    if series.empty:
        return series
    # A flagged value a reviewer has approved is not "to check" any more; in the working view some shown
    # values still wait for review.
    if views.approved_only:
        ok = pd.Series(True, index=series.index)
    else:
        approved = views.store.current_frame([ind_id], [place], approved_only=True)
        counted = set(zip(approved["period"], approved["revision"], strict=True))
        ok = pd.Series(
            [(p, r) in counted for p, r in zip(series["period"], series["revision"], strict=True)],
            index=series.index,
        )
    names = {True: t("entry_safety.flagged_marker_approved"), False: t("entry_safety.flagged_marker")}
    return series.assign(flag_label=ok.map(names))


def county_series(views: Views, ind_id: str) -> pd.DataFrame:
    """Return the indicator's values at the city's counties, with place names."""
    cat = views.catalogue
    codes = tuple(p.code for p in cat.counties(cat.framework.default_place))
    return layout.with_place_names(views.places_series(ind_id, codes))


def comparison_series(views: Views, ind_id: str) -> pd.DataFrame:
    """Return the indicator's values at the comparison places outside Binzhou, with place names."""
    codes = tuple(p.code for p in views.catalogue.places if p.comparison)
    return layout.with_place_names(views.places_series(ind_id, codes))


def latest_of(views: Views, places_builder: object, ind_id: str) -> pd.DataFrame:
    """Return the latest value per place of what `places_builder` (county or comparison series) gives."""
    return progress_tables.latest_per_place(views.memo(places_builder, ind_id))  # type: ignore[arg-type]


def period_span_of(views: Views, places_builder: object, ind_id: str) -> str:
    """Return 'first—last' of the periods of the places' series."""
    return layout.period_span(views.memo(places_builder, ind_id)["period"])  # type: ignore[arg-type]


def latest_span_of(views: Views, places_builder: object, ind_id: str) -> str:
    """Return 'first—last' of the periods of the places' latest values."""
    return layout.period_span(views.memo(latest_of, places_builder, ind_id)["period"])


def counties_lines_figure(views: Views, ind_id: str) -> go.Figure:
    """Return the counties' series as lines."""
    return figures.places_lines_chart(
        views.memo(county_series, ind_id),
        unit=views.catalogue.indicators[ind_id].unit,
        title=t("indicator.counties_series"),
        period_label=t("common.period"),
        lang=current_language(),
    )


def counties_latest_figure(views: Views, ind_id: str) -> go.Figure:
    """Return the counties' latest values as bars."""
    return figures.latest_bars_chart(
        views.memo(latest_of, county_series, ind_id),
        unit=views.catalogue.indicators[ind_id].unit,
        title=t("indicator.counties_latest"),
        lang=current_language(),
    )


def comparison_figure(views: Views, ind_id: str) -> go.Figure:
    """Return the comparison places' latest values as bars."""
    return figures.latest_bars_chart(
        views.memo(latest_of, comparison_series, ind_id),
        unit=views.catalogue.indicators[ind_id].unit,
        title=t("indicator.comparison"),
        colour=figures.PALETTE[6],
        lang=current_language(),
    )


def comparison_rows(views: Views, ind_id: str) -> pd.DataFrame:
    """Return the comparison places' values as a display table."""
    return progress_tables.observations_table(views.memo(comparison_series, ind_id), views.catalogue)
