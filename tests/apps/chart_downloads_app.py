"""A page with one chart and its download buttons, as the dashboard pages draw them."""

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.export.charts import ChartMeta
from dashboard.export.widgets import chart_downloads

frame = pd.DataFrame({"地区": ["滨城区", "沾化区"], "value": [91.0, 88.5], "note": ["=1+1", "正常"]})
fig = go.Figure(go.Bar(x=frame["地区"], y=frame["value"]))
meta = ChartMeta(
    title="视频监控覆盖率",
    unit="%",
    place="滨州市",
    period="2024",
    source="市公安局",
    example_target=True,
    export_date=dt.date(2025, 3, 1),
)
st.plotly_chart(fig, key="chart")
chart_downloads(fig, meta, frame, key="coverage")
