"""Short tables drawn as static HTML keep what the grid showed: every column, units, links, and no markup from data."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.html_table import table_html


def _read(body: str, links: bool = False) -> pd.DataFrame:
    return pd.read_html(io.StringIO(body), flavor="lxml", extract_links="body" if links else None)[0]


def test_cells_are_shown_as_typed_never_as_markup():
    frame = pd.DataFrame({"来源": ["<script>alert(1)</script> & <b>x</b>"], "最新值": ["1,200 户"]})
    body = table_html(frame)
    assert "<script>" not in body and "<b>" not in body
    assert _read(body).iloc[0].tolist() == ["<script>alert(1)</script> & <b>x</b>", "1,200 户"]


def test_configured_columns_read_as_in_the_grid():
    frame = pd.DataFrame(
        {
            "指标": ["适老化改造户数"],
            "打开": ["indicator?id=elderly_home_retrofits&place=371602"],
            "走势": [np.array([1.0, 3.0, 2.0])],
            "进度": [62.4],
            "应达进度": [None],
            "id": ["elderly_home_retrofits"],
        }
    )
    config = {
        "打开": st.column_config.LinkColumn("打开", display_text="查看 ›"),
        "走势": st.column_config.LineChartColumn("走势"),
        "进度": st.column_config.ProgressColumn(
            "进度", min_value=0, max_value=100, format="%.0f%%", help="完成度"
        ),
        "应达进度": st.column_config.NumberColumn("应达进度", format="%.0f%%"),
        "id": None,
    }
    body = table_html(frame, config)
    row = _read(body, links=True).iloc[0]
    assert list(_read(body).columns) == ["指标", "打开", "走势", "进度 ⓘ", "应达进度"]  # id is not shown
    assert row["打开"] == ("查看 ›", "indicator?id=elderly_home_retrofits&place=371602")
    assert _read(body).iloc[0]["进度 ⓘ"] == "62%" and 'title="完成度"' in body
    assert _read(body).iloc[0]["应达进度"] == "—"  # nothing shown reads as nothing, not "None"
    assert _read(body).iloc[0]["走势"] == "▁█▅" and 'style="width:62%"' in body
