"""简报导出 (URL path `briefing`): choose themes, place and period; build the PPTX and PDF pack; download both."""

from __future__ import annotations

import streamlit as st

from dashboard import layout, messages
from dashboard.cached_views import Views
from dashboard.context import RunContext
from dashboard.export.briefing import build_briefing, build_pack, period_text
from dashboard.export.system import missing_packages
from dashboard.i18n import labels_for, name_of, t
from indicators.errors import IndicatorsError
from indicators.scoring.params import period_ends

RESULT_KEY = "briefing_result"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def periods_newest_first(views: Views) -> list[str]:
    """Return every period with data, newest first (a memo builder)."""
    periods = views.current()["period"].astype(str).drop_duplicates()
    order = period_ends(periods).argsort()[::-1]
    return [str(p) for p in periods.iloc[order]]


def _problems(exc: IndicatorsError) -> str:
    return "\n".join(f"- {messages.problem_text(p)}" for p in exc.problems)


def render(ctx: RunContext) -> None:
    """Draw the briefing page."""
    layout.header("briefing.title", t("briefing.caption"))
    missing = missing_packages()
    if missing:
        st.error(t("briefing.missing_packages", packages=" ".join(missing)))
        st.stop()
    catalogue = ctx.catalogue
    try:
        obs = ctx.views.current()
        version = ctx.version
    except IndicatorsError as exc:
        st.error(t("briefing.no_database") + "\n\n" + _problems(exc))
        st.stop()
    if obs.empty:
        st.info(t("briefing.no_data"))
        st.stop()
    city = catalogue.framework.default_place
    places = [city] + [p.code for p in catalogue.counties(city)]
    chosen_place = ctx.place
    periods = ctx.shared(periods_newest_first)
    with st.form("briefing-form"):
        theme_ids = [th.id for th in catalogue.themes]
        themes = st.multiselect(
            t("briefing.themes"),
            theme_ids,
            default=theme_ids,
            format_func=labels_for(theme_ids, lambda tid: name_of(catalogue.theme(tid))),
            key="briefing-themes",
            placeholder=t("widgets.choose_many"),
        )
        cols = st.columns(2)
        place = cols[0].selectbox(
            t("briefing.place"),
            places,
            index=places.index(chosen_place) if chosen_place in places else 0,
            format_func=labels_for(places, lambda c: name_of(catalogue.place_by_code[c])),
            key="briefing-place",
        )
        period = cols[1].selectbox(
            t("briefing.period"), periods, format_func=period_text, key="briefing-period"
        )
        submitted = st.form_submit_button(t("briefing.build"), type="primary", icon=":material/slideshow:")
    if submitted:
        bar = st.progress(0.0, text=t("briefing.preparing"))
        try:
            pack = build_pack(
                catalogue, obs, place_code=place, theme_ids=themes, period=period, data_version=version
            )
            files = build_briefing(pack, progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
        except IndicatorsError as exc:
            bar.empty()
            st.error(t("briefing.failed") + "\n\n" + _problems(exc))
            st.stop()
        st.session_state[RESULT_KEY] = {
            "pptx": files.pptx,
            "pdf": files.pdf,
            "stem": f"briefing_{place}_{period}",
            "charts": files.n_charts,
            "seconds": files.timings["total"],
            "title": f"{pack.title}（{pack.period_text}）",
        }
    result = st.session_state.get(RESULT_KEY)
    if result:
        st.success(
            t(
                "briefing.done",
                title=result["title"],
                charts=result["charts"],
                seconds=f"{result['seconds']:.1f}",
            )
        )
        cols = st.columns(2)
        cols[0].download_button(
            t("briefing.download_pptx"),
            data=result["pptx"],
            file_name=f"{result['stem']}.pptx",
            mime=PPTX_MIME,
            key="briefing-pptx",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )
        cols[1].download_button(
            t("briefing.download_pdf"),
            data=result["pdf"],
            file_name=f"{result['stem']}.pdf",
            mime="application/pdf",
            key="briefing-pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
            width="stretch",
        )
