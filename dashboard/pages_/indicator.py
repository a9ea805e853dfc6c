"""指标 indicator: the series against its target path, counties side by side, comparison places apart,
the definition with its source, and every revision of every value."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, layout, tables
from dashboard.i18n import current_language, name_of, t

catalogue = data.catalogue()
place = layout.place()
place_name = name_of(catalogue.place_by_code[place])
layout.header("indicator.title")

# ?id= opens an indicator (links from tables, the entry page, reloads); the choice is written back.
layout.follow_url("indicator_choice", "id", list(catalogue.indicators))
ind_id = layout.indicator_picker("indicator_choice", default=st.query_params.get("id"))
ind = catalogue.indicators[ind_id]
layout.publish_url("indicator_choice", "id")
theme = catalogue.theme(catalogue.theme_of[ind_id])
first = catalogue.first_levels[catalogue.first_level_of[ind_id]]
st.markdown(f"### {name_of(ind)}")
st.caption(f"{name_of(theme)} › {name_of(first)} · {ind.unit} · {t('frequency.' + ind.frequency)}")

row = data.shared(("indicator:row", ind_id, place), lambda: tables.progress_row(data.progress(place), ind_id))
cols = st.columns(4)
cols[0].metric(
    t("common.latest"),
    tables.value_text(row.get("value"), ind.unit, row.get("qualifier")),
    help=tables.provenance(row, place_name),
)
cols[1].metric(t("common.period"), row.get("period") or "—")
progress_value = row.get("progress")
cols[2].metric(
    t("col.progress"),
    "—" if tables.is_missing(progress_value) else f"{progress_value:.0f}%",
    help=t("col.progress_help"),
)
cols[3].metric(t("common.status"), tables.status_text(row))
layout.source_line(tables.provenance(row, place_name))
st.markdown(f"**{t('common.target')}** {tables.target_text(ind)}")

series = data.series(ind_id, place)
# The target and its path are the city's; a county is judged by them only where scoring says so (rates,
# not counts). Where they do not apply, the chart draws none, as the status (无目标) says.
applies = row.get("target_applies")
target_here = bool(applies) if not tables.is_missing(applies) else place == catalogue.framework.default_place
if not target_here and ind.target is not None:
    st.caption(t("entry_safety.target_not_here", place=place_name))
example = target_here and ind.target is not None and ind.target.kind == "example"
source = f"{catalogue.department_names(ind_id, current_language())}（{ind.data_source}）"
labels = figures.SeriesLabels(
    observed=t("indicator.observed", place=place_name),
    target_path=t("indicator.target_path"),
    milestone=t("indicator.milestone"),
    target=tables.target_kind_label(ind.target.kind) if ind.target else t("common.target"),
    baseline=t("common.baseline"),
    period=t("common.period"),
    value=t("common.value"),
    flagged=t("entry_safety.flagged_marker"),
)
layout.chart(
    data.memo(
        ("indicator:series", ind_id, place, target_here),
        lambda: figures.series_chart(
            series,
            unit=ind.unit,
            title=t("indicator.series_title", name=name_of(ind), place=place_name),
            labels=labels,
            target_path=data.target_path(ind_id) if target_here else None,
            milestones=tables.milestones_frame(ind) if target_here else None,
            baseline=(ind.baseline.period, ind.baseline.value) if ind.baseline and target_here else None,
            target=(ind.target.period, ind.target.value) if ind.target and target_here else None,
            lang=layout.lang(),
        ),
    ),
    key="series",
    meta=layout.export_meta(
        t("indicator.series_title", name=name_of(ind), place=place_name),
        unit=ind.unit,
        place=place_name,
        period=data.shared(
            ("indicator:series_span", ind_id, place),
            lambda: layout.period_span(series["period"]) if "period" in series else "—",
        ),
        source=source,
        example=example,
    ),
    frame=series,
)
layout.source_line(t("indicator.series_note", unit=ind.unit, place=place_name, source=ind.data_source))

city = catalogue.framework.default_place
counties = data.memo(
    ("indicator:counties", ind_id),
    lambda: layout.with_place_names(data.places_series(ind_id, [p.code for p in catalogue.counties(city)])),
)
st.subheader(t("indicator.counties"))
if counties.empty:
    st.info(t("indicator.no_county_data"))
else:
    left, right = st.columns(2)
    with left:
        layout.chart(
            data.memo(
                ("indicator:counties_lines", ind_id),
                lambda: figures.places_lines_chart(
                    counties,
                    unit=ind.unit,
                    title=t("indicator.counties_series"),
                    period_label=t("common.period"),
                    lang=layout.lang(),
                ),
            ),
            key="counties_lines",
            meta=layout.export_meta(
                t("indicator.counties_series"),
                unit=ind.unit,
                place=t("indicator.counties"),
                period=data.shared(
                    ("indicator:counties_span", ind_id), lambda: layout.period_span(counties["period"])
                ),
                source=source,
            ),
            frame=counties,
        )
    with right:
        latest = data.memo(("indicator:counties_last", ind_id), lambda: tables.latest_per_place(counties))
        layout.chart(
            data.memo(
                ("indicator:counties_latest", ind_id),
                lambda: figures.latest_bars_chart(
                    latest, unit=ind.unit, title=t("indicator.counties_latest"), lang=layout.lang()
                ),
            ),
            key="counties_latest",
            meta=layout.export_meta(
                t("indicator.counties_latest"),
                unit=ind.unit,
                place=t("indicator.counties"),
                period=data.shared(
                    ("indicator:counties_last_span", ind_id), lambda: layout.period_span(latest["period"])
                ),
                source=source,
            ),
            frame=latest,
        )
    layout.source_line(t("indicator.counties_note", unit=ind.unit, source=ind.data_source))

comparison = data.memo(
    ("indicator:comparison", ind_id),
    lambda: layout.with_place_names(
        data.places_series(ind_id, [p.code for p in catalogue.places if p.comparison])
    ),
)
if not comparison.empty:
    st.subheader(t("indicator.comparison"))
    st.warning(t("indicator.comparison_warning"))
    latest = data.memo(("indicator:comparison_last", ind_id), lambda: tables.latest_per_place(comparison))
    layout.chart(
        data.memo(
            ("indicator:comparison_chart", ind_id),
            lambda: figures.latest_bars_chart(
                latest,
                unit=ind.unit,
                title=t("indicator.comparison"),
                colour=figures.PALETTE[6],
                lang=layout.lang(),
            ),
        ),
        key="comparison",
        meta=layout.export_meta(
            t("indicator.comparison"),
            unit=ind.unit,
            place="、".join(latest["place"].astype(str)),
            period=data.shared(
                ("indicator:comparison_span", ind_id), lambda: layout.period_span(latest["period"])
            ),
            source=source,
        ),
        frame=latest,
    )
    key = ("indicator:comparison_table", ind_id)
    shown = data.memo(key, lambda: tables.observations_table(comparison, catalogue))
    layout.table(shown, key)

st.subheader(t("indicator.about"))
about = st.columns(2)
with about[0]:
    st.markdown(f"**{t('indicator.definition')}** {ind.definition}")
    st.markdown(f"**{t('common.department')}** {catalogue.department_names(ind_id, current_language())}")
    st.markdown(f"**{t('indicator.data_source')}** {ind.data_source}")
    st.markdown(f"**{t('indicator.direction')}** {t('direction.' + ind.direction)}")
    st.markdown(f"**{t('common.target')}** {tables.target_text(ind)}")
    target_source = tables.target_source_text(ind)
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
            st.caption(t("indicator.origin_article", article=data.article_title(seed) or seed))
    part = getattr(origin, "part", None)
    if part:
        st.caption(t("standard.origin_clause", part=part, clause=origin.clause))
    note = getattr(origin, "note", None)
    if note:
        st.caption(note)

st.subheader(t("indicator.history"))
history = data.indicator_history(ind_id, place)
if history.empty:
    st.info(t("indicator.no_history", place=place_name))
else:
    key = ("indicator:history", ind_id, place)
    shown = data.memo(key, lambda: tables.history_table(history, catalogue))
    layout.dataframe(shown, key, hide_index=True, width="stretch")

quoted = data.quoted_values(ind_id)
if quoted:
    from dashboard.document_views import sentence_html

    st.subheader(t("documents.quoted_title"))
    for q in quoted:
        with st.container(border=True):
            st.markdown(
                f'<div class="xa-quote">{sentence_html(q.sentence, q.start, q.end)}</div>',
                unsafe_allow_html=True,
            )
            st.caption(
                t(
                    "documents.quoted_caption",
                    value=tables.value_text(q.value, q.unit, q.qualifier),
                    place=name_of(catalogue.place_by_code[q.place_code]),
                    period=q.period,
                    title=q.document_title,
                    who=q.entered_by,
                )
            )
