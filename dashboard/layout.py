"""What every page shares: page chrome, the sidebar (language, place) and how a figure is labelled."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit import dataframe_util

from dashboard import cached_views, context, html_table, resources
from dashboard.chart_data import chart_data
from dashboard.export.charts import ChartMeta
from dashboard.export.widgets import chart_downloads
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    LANG_KEY,
    LANGUAGES,
    current_language,
    labels_for,
    name_of,
    t,
    translate,
)
from indicators.errors import IndicatorsError
from indicators.logs import logger
from indicators.uploads import MAX_UPLOAD_MB

PLACE_KEY = "place"
CSS = (
    """
<style>
  .block-container { padding-top: 2.2rem; }
  h1, h2, h3 { letter-spacing: 0.02em; }
  [data-testid="stMetricValue"] { font-size: 1.9rem; }
  .xa-source { color: #546e7a; font-size: 0.82rem; margin-top: -0.4rem; }
  .xa-example { background: #fff3e0; color: #e65100; border-radius: 4px; padding: 0 4px; font-size: 0.8rem; }
  .xa-quote mark.xa-figure { background: #eceff1; padding: 0 2px; border-radius: 3px; }
  .xa-quote mark.xa-fed { background: #fff176; padding: 0 2px; border-radius: 3px; font-weight: 600; }
  .xa-quote mark.xa-skipped { background: #f5f5f5; color: #9e9e9e; text-decoration: line-through; }
  .xa-quote sup.xa-tag { color: #1565c0; font-size: 0.72rem; margin-left: 2px; }
  .xa-quote { line-height: 1.9; font-size: 0.95rem; }
  .xa-badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 0.8rem; color: #fff; }
"""
    + html_table.RULES
    + "</style>\n"
)


@functools.cache
def widget_text_css(lang: str) -> str:
    """Return the CSS that shows Streamlit's built-in widget texts (English only) in the page's language."""
    if lang == "en":
        return ""
    # Streamlit writes these texts itself, with no parameter to change them: the English text is shrunk to
    # nothing and the translation drawn in its place, at the size the original had.
    texts = {
        '[role="listbox"][data-empty="true"] [role="option"] span': (
            translate("widgets.no_results", lang),
            "14px",
        ),
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p': (
            translate("widgets.upload_button", lang),
            "14px",
        ),
        '[data-testid="stFileUploaderDropzoneInstructions"] span': (
            translate("widgets.upload_limit", lang, mb=MAX_UPLOAD_MB),
            "12px",
        ),
    }
    hint = '[data-testid="InputInstructions"] span:first-child'
    for widget, enter in (("stTextInput", "enter"), ("stNumberInput", "enter"), ("stTextArea", "ctrl_enter")):
        # The hint under a field while typing: "apply" outside a form, "submit form" inside one.
        texts[f'[data-testid="{widget}"] {hint}'] = (translate(f"widgets.{enter}_apply", lang), "12px")
        texts[f'[data-testid="stForm"] [data-testid="{widget}"] {hint}'] = (
            translate(f"widgets.{enter}_submit", lang),
            "12px",
        )
    rules = [
        f"{sel} {{ font-size: 0; }} {sel}::after {{ content: {_css_string(text)}; font-size: {size}; }}"
        for sel, (text, size) in texts.items()
    ]
    return "<style>\n" + "\n".join(rules) + "\n</style>\n"


def _css_string(text: str) -> str:
    """Return text as a quoted CSS string (backslashes, quotes and line ends escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def init_language() -> None:
    """Set the session's language from ?lang= on its first run."""
    if LANG_KEY not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state[LANG_KEY] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE


def begin_run() -> context.RunContext:
    """Read the data version once for this run (a value saved by anyone shows on the next run)."""
    try:
        return context.begin_run()
    except (IndicatorsError, SQLAlchemyError):
        # Database down or its schema unusable: a sentence for the person, the details for the log.
        logger().error("page run: the database cannot be read", exc_info=True)
        st.error(t("ops.health_down"))
        st.stop()
        raise


def sidebar(ctx: context.RunContext) -> None:
    """Draw the shared sidebar: language switch and place selector; keep their choices in the session."""
    st.markdown(CSS + widget_text_css(current_language()), unsafe_allow_html=True)
    with st.sidebar:
        follow_url(LANG_KEY, "lang", LANGUAGES)
        st.radio(
            t("sidebar.language"),
            LANGUAGES,
            key=LANG_KEY,
            format_func=lambda code: {"zh": "中文", "en": "English"}[code],
            horizontal=True,
        )
        publish_url(LANG_KEY, "lang")
        catalogue = ctx.catalogue
        city = catalogue.framework.default_place
        codes = [city] + [p.code for p in catalogue.counties(city)]
        follow_url(PLACE_KEY, "place", codes)
        if st.session_state.get(PLACE_KEY) not in codes:
            st.session_state[PLACE_KEY] = city
        st.selectbox(
            t("sidebar.place"),
            codes,
            key=PLACE_KEY,
            format_func=labels_for(codes, lambda code: name_of(catalogue.place_by_code[code])),
        )
        st.toggle(
            t("reporting.include_pending"),
            key=resources.INCLUDE_PENDING_KEY,
            help=t("reporting.include_pending_help"),
        )
        if not ctx.views.approved_only:
            st.caption(t("reporting.working_view_note"))
        publish_url(PLACE_KEY, "place")
        # The database address is for whoever runs the installation, not for every viewer.
        from dashboard import signin

        user = signin.current_user()
        if user is not None and user.role == "admin":
            st.caption(t("sidebar.database", url=resources.display_url()))
        st.caption(t("sidebar.data_version", version=ctx.version))


def follow_url(
    key: str, param: str, options: list[str] | tuple[str, ...], values: list[str] | None = None
) -> None:
    """Take ?param= into the widget `key` when the URL asks for a value it did not show last (a link, a reload).

    Call before the widget is drawn; `publish_url` after it writes the widget's value back to the URL,
    so a reload or a copied link opens the same view, and a value the person picks is not undone.
    `values`, when given, are the widget's values for `options` (a tab's label in the session's language
    for the tab's name in the URL); a stored value that is not one of them (the label in the other
    language) is replaced too.
    """
    wanted = st.query_params.get(param)
    values = list(options) if values is None else values
    stale = key in st.session_state and st.session_state[key] not in values
    if wanted is not None and wanted in options and (wanted != st.session_state.get(_SEEN + key) or stale):
        st.session_state[key] = values[list(options).index(wanted)]


def publish_url(key: str, param: str, value: str | None = None) -> None:
    """Write the widget's value (or `value`, its text in the URL) to ?param= (see `follow_url`)."""
    value = st.session_state.get(key) if value is None else value
    if value is None:
        return
    st.session_state[_SEEN + key] = str(value)
    if st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)


_SEEN = "_url_seen:"


def sidebar_places() -> list[str]:
    """Return the places the sidebar offers: the city, then its counties."""
    catalogue = resources.catalogue()
    city = catalogue.framework.default_place
    return [city] + [p.code for p in catalogue.counties(city)]


def place() -> str:
    """Return the place code chosen in the sidebar."""
    return st.session_state.get(PLACE_KEY) or resources.catalogue().framework.default_place


def header(title_key: str, caption: str | None = None) -> None:
    """Draw a page title (and optional caption) the same way on every page."""
    st.title(t(title_key))
    if caption:
        st.caption(caption)


def source_line(text: str) -> None:
    """Draw the small line under a figure saying unit, period, place and source."""
    # The text can hold user data (source references); escape it so it is shown, never rendered.
    safe = html.escape(text).replace("[", "&#91;").replace("]", "&#93;")
    st.markdown(f'<div class="xa-source">{safe}</div>', unsafe_allow_html=True)


def chart(fig: object, key: str, meta: ChartMeta | None = None, frame: pd.DataFrame | None = None) -> None:
    """Draw a plotly figure full width; with meta, the PNG/SVG/PDF/CSV/XLSX download buttons under it."""
    st.plotly_chart(
        fig,
        key=key,
        width="stretch",
        config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}},
    )
    if meta is not None:
        chart_downloads(fig, meta, frame, key, shown=chart_data)


def export_meta(
    title: str, *, unit: str | None, place: str, period: str, source: str, example: bool = False
) -> ChartMeta:
    """Return what an exported chart states about itself, in the session's language."""
    return ChartMeta(
        title=title,
        unit=unit,
        place=place,
        period=period,
        source=source,
        example_target=example,
        lang="en" if lang() == "en" else "zh",
    )


def period_span(periods: pd.Series) -> str:
    """Return 'first—last' of the periods shown in a chart (or — when there are none)."""
    from indicators.scoring.params import period_ends

    shown = periods.dropna().astype(str).drop_duplicates()
    if shown.empty:
        return "—"
    order = period_ends(shown).argsort()
    first, last = shown.iloc[order[0]], shown.iloc[order[-1]]
    return first if first == last else f"{first}—{last}"


EMPTY_CELL = "—"


def dataframe(
    ctx: context.RunContext, build: Callable[..., pd.DataFrame], *args: Hashable, **kwargs: Any
) -> None:
    """Draw the display table `ctx.memo(build, *args)` returns (st.dataframe's options in kwargs).

    Streamlit turns a pandas frame into an Arrow table on every rerun; the Arrow table is kept with the
    display table instead, and Streamlit sends exactly the same bytes.
    """
    arrow = ctx.memo(_arrow_table, build, *args)
    if arrow.num_rows == 0:
        # Streamlit's grid with no rows says "empty", in English whatever the page's language.
        st.caption(t("common.no_rows"))
        return
    # An empty cell reads "None" in Streamlit's grid; staff read "—" as "nothing here" everywhere else.
    kwargs.setdefault("placeholder", EMPTY_CELL)
    st.dataframe(arrow, **kwargs)


def _arrow_table(views: cached_views.Views, build: Callable[..., pd.DataFrame], *args: Hashable) -> Any:
    return dataframe_util.convert_pandas_df_to_arrow_table(views.memo(build, *args))


def table(
    ctx: context.RunContext,
    build: Callable[..., pd.DataFrame],
    *args: Hashable,
    columns: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Draw the short display table `ctx.memo(build, *args)` returns as static HTML (no sorting or scrolling).

    For tables of a few dozen rows at most: the browser draws it in a fraction of a grid's time
    (docs/performance.md). Long tables people sort or scroll (history, review queue) stay grids.
    `columns` returns the table's column configuration (as for st.dataframe) in the session's language.
    """
    st.html(ctx.memo(_table_html, build, columns, *args))


def _table_html(
    views: cached_views.Views,
    build: Callable[..., pd.DataFrame],
    columns: Callable[[], dict[str, Any]] | None,
    *args: Hashable,
) -> str:
    return html_table.table_html(views.memo(build, *args), columns() if columns else None)


def with_place_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a frame with a place_code column plus a `place` column naming each place."""
    if frame.empty:
        return frame
    places = resources.catalogue().place_by_code
    return frame.assign(place=[name_of(places[c]) for c in frame["place_code"]])


def lang() -> str:
    """Return the session's language code."""
    return current_language()


def indicator_picker(
    ctx: context.RunContext,
    key: str,
    *,
    default: str | None = None,
    theme_id: str | None = None,
    label: str | None = None,
    only: tuple[str, ...] | None = None,
) -> str:
    """Draw a searchable indicator selector (type part of a name or alias to filter); return the chosen id.

    `only`: offer just these indicators (those the person may enter)."""
    # The labels depend on the language only; built once, not once per option on every rerun.
    labels = ctx.memo(indicator_labels, theme_id)
    ids = list(labels) if only is None else [i for i in labels if i in only]
    if st.session_state.get(key) not in ids:
        st.session_state[key] = default if default in ids else ids[0]
    return st.selectbox(label or t("common.indicator"), ids, key=key, format_func=labels.__getitem__)


def indicator_labels(views: cached_views.Views, theme_id: str | None) -> dict[str, str]:
    """Return each indicator's label in the picker (name · first level (unit) · aliases), of one theme or all."""
    catalogue = views.catalogue
    labels = {}
    for ind_id, ind in catalogue.indicators.items():
        if theme_id is None or catalogue.theme_of[ind_id] == theme_id:
            first = catalogue.first_levels[catalogue.first_level_of[ind_id]]
            label = f"{name_of(ind)} · {name_of(first)}（{ind.unit}）"
            # Aliases in the label make them searchable: the selectbox filters on what it shows.
            labels[ind_id] = f"{label} · {'、'.join(ind.aliases)}" if ind.aliases else label
    return labels


def place_label(code: str) -> str:
    """Return a place's name, marked when it is a comparison place outside Binzhou."""
    place = resources.catalogue().place_by_code[code]
    mark = f"（{t('common.comparison_place')}）" if place.comparison else ""
    return name_of(place) + mark
