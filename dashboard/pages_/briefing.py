"""简报导出 (URL path `briefing`): choose themes, place and period; build the PPTX and PDF pack; download both."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run on its own (tests), not only through app.py
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard.export.briefing import build_briefing, build_pack, period_text  # noqa: E402
from dashboard.export.system import missing_packages  # noqa: E402
from indicators.catalogue import Catalogue, load_catalogue  # noqa: E402
from indicators.db import resolve_url  # noqa: E402
from indicators.errors import IndicatorsError  # noqa: E402
from indicators.scoring_params import period_ends  # noqa: E402
from indicators.store import Store  # noqa: E402

RESULT_KEY = "briefing_result"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@st.cache_resource(show_spinner=False)
def _catalogue() -> Catalogue:
    return load_catalogue()


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url=url, catalogue=_catalogue())


@st.cache_data(show_spinner=False, max_entries=4)
def _observations(url: str, version: int) -> pd.DataFrame:
    return _store(url).current_frame()


def _periods(obs: pd.DataFrame) -> list[str]:
    periods = obs["period"].astype(str).drop_duplicates()
    order = period_ends(periods).argsort()[::-1]
    return [str(p) for p in periods.iloc[order]]


def main() -> None:
    """Draw the briefing page."""
    st.title("简报导出")
    st.caption("选择主题、地区和时期，生成汇报用的 PPTX 演示文稿和同样内容的 PDF。")
    missing = missing_packages()
    if missing:
        st.error(
            f"导出需要的 Debian 软件包未安装：{' '.join(missing)}。请运行 `make run`，"
            f"或 `apt-get install -y {' '.join(missing)}`。"
        )
        st.stop()
    catalogue = _catalogue()
    url = resolve_url()
    try:
        store = _store(url)
        obs = _observations(url, store.data_version())
    except IndicatorsError as exc:
        st.error("无法读取数据库：\n\n" + "\n".join(f"- {p}" for p in exc.problems))
        st.stop()
    if obs.empty:
        st.info("数据库中还没有观测值：请先录入或导入数据。")
        st.stop()
    city = catalogue.framework.default_place
    places = [city] + [p.code for p in catalogue.counties(city)]
    periods = _periods(obs)
    with st.form("briefing-form"):
        themes = st.multiselect(
            "主题",
            [t.id for t in catalogue.themes],
            default=[t.id for t in catalogue.themes],
            format_func=lambda tid: catalogue.theme(tid).name_zh,
            key="briefing-themes",
        )
        cols = st.columns(2)
        place = cols[0].selectbox(
            "地区", places, format_func=lambda c: catalogue.place_by_code[c].name_zh, key="briefing-place"
        )
        period = cols[1].selectbox(
            "数据截至", periods, index=0, format_func=period_text, key="briefing-period"
        )
        submitted = st.form_submit_button("生成简报", type="primary", icon=":material/slideshow:")
    if submitted:
        bar = st.progress(0.0, text="准备数据")
        try:
            pack = build_pack(
                catalogue,
                obs,
                place_code=place,
                theme_ids=themes,
                period=period,
                data_version=str(store.data_version()),
            )
            files = build_briefing(pack, progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
        except IndicatorsError as exc:
            bar.empty()
            st.error("无法生成简报：\n\n" + "\n".join(f"- {p}" for p in exc.problems))
            st.stop()
        stem = f"briefing_{place}_{period}"
        st.session_state[RESULT_KEY] = {
            "pptx": files.pptx,
            "pdf": files.pdf,
            "stem": stem,
            "charts": files.n_charts,
            "seconds": files.timings["total"],
            "title": pack.title,
            "period": pack.period_text,
        }
    result = st.session_state.get(RESULT_KEY)
    if result:
        st.success(
            f"{result['title']}（{result['period']}）：{result['charts']} 张图，用时 {result['seconds']:.1f} 秒。"
        )
        cols = st.columns(2)
        cols[0].download_button(
            "下载 PPTX",
            data=result["pptx"],
            file_name=f"{result['stem']}.pptx",
            mime=PPTX_MIME,
            key="briefing-pptx",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )
        cols[1].download_button(
            "下载 PDF",
            data=result["pdf"],
            file_name=f"{result['stem']}.pdf",
            mime="application/pdf",
            key="briefing-pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
            width="stretch",
        )


main()
