"""An experiment app for bench/bench_elements.py: one page per kind of element the dashboard adds to charts.

Each page draws a title and one plotly chart, plus one kind of element in the amount a dashboard page
draws it (grids like the theme page's, popovers of download buttons like the overview's, the sign-in form,
the sources page's article texts, metrics), so the browser's cost of each kind can be timed alone.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
ROWS = 8
TABLES = 6


def _frame(i: int) -> pd.DataFrame:
    # Like a theme table: names, value with unit, target, progress, status, a sparkline, source.
    return pd.DataFrame(
        {
            "指标": [f"指标 {i}-{k} 城镇新增就业人数" for k in range(ROWS)],
            "数值": [f"{1000 + 37 * k:,} 人" for k in range(ROWS)],
            "期间": ["2024"] * ROWS,
            "目标": [f"{1200 + 40 * k:,} 人" for k in range(ROWS)],
            "进度": [min(1.0, 0.1 * k + 0.05) for k in range(ROWS)],
            "状态": ["达标", "接近", "落后", "无数据"] * (ROWS // 4),
            "走势": [[1 + (k * j) % 5 for j in range(6)] for k in range(ROWS)],
            "来源": ["滨州日报 2024-05-01"] * ROWS,
        }
    )


COLUMNS = {
    "进度": st.column_config.ProgressColumn("进度", min_value=0.0, max_value=1.0, format="percent"),
    "走势": st.column_config.LineChartColumn("走势"),
}


def _chart() -> None:
    fig = go.Figure(go.Bar(x=[f"c{k}" for k in range(12)], y=[(k * 7) % 11 + 1 for k in range(12)]))
    fig.update_layout(height=300, margin={"l": 40, "r": 10, "t": 30, "b": 30})
    st.plotly_chart(fig, key="chart", width="stretch")


def bare() -> None:
    """Only the title and the chart."""


def grids() -> None:
    """Six st.dataframe grids with progress and sparkline columns (the theme page)."""
    for i in range(TABLES):
        st.subheader(f"一级指标 {i}")
        st.dataframe(_frame(i), hide_index=True, width="stretch", column_config=COLUMNS, key=f"g{i}")


def grids_plain() -> None:
    """Six st.dataframe grids without special columns."""
    for i in range(TABLES):
        st.subheader(f"一级指标 {i}")
        st.dataframe(_frame(i).drop(columns=["走势"]), hide_index=True, width="stretch", key=f"p{i}")


def grid_one() -> None:
    """One st.dataframe grid."""
    st.dataframe(_frame(0), hide_index=True, width="stretch", column_config=COLUMNS)


def tables() -> None:
    """The same six tables as st.table."""
    for i in range(TABLES):
        st.subheader(f"一级指标 {i}")
        st.table(_frame(i).drop(columns=["走势"]).set_index("指标"))


def html_tables() -> None:
    """The same six tables as one static HTML table each (st.markdown)."""
    for i in range(TABLES):
        st.subheader(f"一级指标 {i}")
        frame = _frame(i).drop(columns=["走势"])
        st.markdown(frame.to_html(index=False, escape=True), unsafe_allow_html=True)


def popovers() -> None:
    """Three popovers of five download buttons each, bytes made on click (the overview)."""
    for i in range(3):
        box = st.popover("下载", icon=":material/download:")
        for fmt in ("png", "svg", "pdf", "csv", "xlsx"):
            box.download_button(
                fmt.upper(),
                data=lambda: b"x",
                file_name=f"c{i}.{fmt}",
                key=f"dl{i}{fmt}",
                on_click="ignore",
                help="下载图表",
                icon=":material/image:",
                width="stretch",
            )


def signin_form() -> None:
    """The sidebar's sign-in form (st.html)."""
    from dashboard import cookie_auth
    from dashboard.signin import FORM_CSS

    with st.sidebar:
        st.html(cookie_auth.sign_in_form_html("zh", "") + FORM_CSS)


def _articles() -> list[str]:
    texts = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        body = html.escape(path.read_text(encoding="utf-8"))
        # Mark every number, as the sources page marks every figure.
        import re

        body = re.sub(r"(\d[\d.,]*)", r"<mark>\1</mark>", body)
        texts.append(body.replace("\n", "<br>"))
    return texts


def articles() -> None:
    """The five article texts in full with figures marked (the sources page), open."""
    for i, text in enumerate(_articles()):
        st.subheader(f"文章 {i}")
        st.markdown(f"<div>{text}</div>", unsafe_allow_html=True)


def articles_folded() -> None:
    """The same texts, each in a closed expander."""
    for i, text in enumerate(_articles()):
        with st.expander(f"文章 {i}"):
            st.markdown(f"<div>{text}</div>", unsafe_allow_html=True)


def metrics() -> None:
    """Six metrics with help and captions (the overview's status counts)."""
    cols = st.columns(6)
    for i, col in enumerate(cols):
        col.metric(f"主题 {i}", f"{60 + i:.1f}", help="覆盖率 80%")
        col.caption("达标 3 · 接近 2")


def _page(fn: object) -> st.Page:
    def draw() -> None:
        st.title(fn.__name__)
        _chart()
        fn()

    return st.Page(draw, title=fn.__name__, url_path=fn.__name__)


VARIANTS = [bare, grids, grids_plain, grid_one, tables, html_tables, popovers, signin_form, articles]
VARIANTS += [articles_folded, metrics]
st.set_page_config(page_title="elements", layout="wide")
pages = [_page(fn) for fn in VARIANTS]


def home() -> None:
    # As in bench/bare_app.py: the root opens the first page under its own path, so /bare exists.
    st.switch_page(pages[0])


root = st.Page(home, title="home", url_path="home", default=True, visibility="hidden")
st.navigation([root, *pages], expanded=True).run()
