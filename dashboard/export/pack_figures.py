"""Plotly figures of the briefing pack: theme scores, indicator progress, one indicator's trend (pure)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.export.charts import FONT
from dashboard.figures import period_axis, period_date, theme_scores_chart
from dashboard.numbers import fmt_number
from indicators.periods import parse_period

STATUS_COLOURS = {
    "achieved": "#1b5e20",
    "on_track": "#2e7d32",
    "at_risk": "#f9a825",
    "off_track": "#c62828",
    "insufficient_data": "#90a4ae",
    "no_target": "#78909c",
    "no_data": "#cfd8dc",
}
STATUS_ZH = {
    "achieved": "已达标",
    "on_track": "进度正常",
    "at_risk": "有风险",
    "off_track": "滞后",
    "insufficient_data": "数据不足",
    "no_target": "无目标",
    "no_data": "无数据",
}
ACCENT = "#1565c0"
TARGET_COLOUR = "#6a1b9a"


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        font={"family": FONT, "size": 13},
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 20, "t": 20, "b": 10},
    )
    return fig


def theme_scores_figure(frame: pd.DataFrame) -> go.Figure:
    """Return bars of theme scores (0–100); frame has name, score (NaN when none), coverage (0–1)."""
    fig = theme_scores_chart(frame, "", "得分（0–100）", "覆盖率", no_data="无数据")
    # On a slide the labels sit outside the bars, so the axis runs on past 100 to hold them.
    fig.update_traces(textposition="outside", cliponaxis=False)
    fig.update_xaxes(range=[0, 118], tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_layout(showlegend=False, bargap=0.35, title=None)
    return _layout(fig, height=170 + 58 * len(frame))


def progress_figure(rows: pd.DataFrame) -> go.Figure:
    """Return one bar per indicator: progress toward its target (0–100) coloured by status, with the expected mark.

    rows has name, progress, expected, status; in display order (top first).
    """
    data = rows.iloc[::-1]
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        part = data[data["status"] == status]
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=part["progress"].fillna(0).clip(0, 100),
                y=part["name"],
                orientation="h",
                name=STATUS_ZH[status],
                marker={"color": colour},
                text=[("—" if pd.isna(p) else f"{p:.0f}") for p in part["progress"]],
                textposition="outside",
                cliponaxis=False,
            )
        )
    expected = data[data["expected"].notna()]
    if not expected.empty:
        fig.add_trace(
            go.Scatter(
                x=expected["expected"].clip(0, 100),
                y=expected["name"],
                mode="markers",
                name="应达进度",
                marker={"symbol": "line-ns", "size": 16, "line": {"width": 3, "color": "#263238"}},
            )
        )
    fig.update_xaxes(range=[0, 112], tickvals=[0, 25, 50, 75, 100], title="目标完成进度（%）")
    fig.update_yaxes(categoryorder="array", categoryarray=list(data["name"]))
    fig.update_layout(barmode="overlay", bargap=0.3, showlegend=True)
    return _layout(fig, height=int(200 + 24 * len(rows)))


def trend_figure(
    observed: pd.DataFrame,
    *,
    unit: str,
    baseline: tuple[str, float] | None,
    target: tuple[str, float] | None,
    example_target: bool,
) -> go.Figure:
    """Return an indicator's observed values over time with the straight path from baseline to target."""
    fig = go.Figure()
    if baseline is not None and target is not None:
        fig.add_trace(
            go.Scatter(
                x=[period_date(baseline[0]), period_date(target[0])],
                y=[baseline[1], target[1]],
                mode="lines",
                name="目标路径",
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 1.5},
            )
        )
    if target is not None:
        label = "示例目标" if example_target else "目标"
        fig.add_trace(
            go.Scatter(
                x=[period_date(target[0])],
                y=[target[1]],
                mode="markers",
                name=f"{label} {fmt_number(target[1])} {unit}（{target[0]}）",
                marker={"symbol": "star", "size": 14, "color": TARGET_COLOUR},
            )
        )
    if not observed.empty:
        ordered = observed.sort_values("period", key=lambda s: s.map(lambda p: parse_period(p).end))
        fig.add_trace(
            go.Scatter(
                x=[period_date(p) for p in ordered["period"]],
                y=ordered["value"],
                mode="lines+markers",
                name="实际值",
                line={"color": ACCENT, "width": 2.5},
            )
        )
    # The unit stands in the chart's subtitle; a one-character rotated axis title reads as a glyph.
    shown = [*observed.get("period", []), *(p for p, _ in (baseline, target) if p is not None)]
    fig.update_xaxes(**period_axis(shown))
    fig.update_layout(showlegend=True)
    return _layout(fig, height=420)
