"""A bare Streamlit app for bench/bench_browser.py: the same pages and plotly charts, nothing else.

The layout comes from env BARE_LAYOUT (JSON: url path → list of chart heights in px), measured on the
dashboard by the bench, so each bare page draws as many plotly charts of the same size as the real one.
Run alone: BARE_LAYOUT='{"overview": [300, 300]}' streamlit run bench/bare_app.py
"""

from __future__ import annotations

import json
import os

import plotly.graph_objects as go
import streamlit as st

LAYOUT: dict[str, list[int]] = json.loads(os.environ.get("BARE_LAYOUT", '{"overview": [400]}'))


def _page(path: str, heights: list[int]) -> st.Page:
    def draw() -> None:
        st.title(path)
        for i, height in enumerate(heights):
            fig = go.Figure(
                go.Bar(x=[f"c{k}" for k in range(12)], y=[(k * 7 + i) % 11 + 1 for k in range(12)])
            )
            fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 30, "b": 30})
            st.plotly_chart(fig, key=f"{path}-{i}", width="stretch")

    return st.Page(draw, title=path, url_path=path)


st.set_page_config(page_title="bare", layout="wide")
pages = [_page(path, heights) for path, heights in LAYOUT.items()]


def home() -> None:
    # As in the dashboard: the root opens the first page under its own path, so every page has a link.
    st.switch_page(pages[0])


root = st.Page(home, title="home", url_path="home", default=True, visibility="hidden")
st.navigation([root, *pages]).run()
