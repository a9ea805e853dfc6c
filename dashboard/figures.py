"""Plotly figures for the pages: pure functions, data in, figure out (no Streamlit)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.numbers import D3_NUMBER, fmt_number, fmt_wan, nice_ticks
from indicators.periods import frequency_of, parse_period, period_start

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
STATUS_COLOURS = {
    "achieved": "#1b5e20",
    "target_achieved": "#1b5e20",
    "on_track": "#43a047",
    "substantial": "#43a047",
    "moderate": "#9e9d24",
    "at_risk": "#f9a825",
    "limited": "#f9a825",
    "off_track": "#c62828",
    "deterioration": "#c62828",
    "insufficient_data": "#b0bec5",
    "no_target": "#78909c",
    "no_data": "#e0e0e0",
}
ACCENT = "#1565c0"
TARGET_COLOUR = "#6a1b9a"
FLAG_COLOUR = "#d84315"  # a value saved despite plausibility flags
PALETTE = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#546e7a"]
# Red → amber → green for scores 0–100, matching the status colours.
SCORE_SCALE = [[0.0, "#c62828"], [0.6, "#f9a825"], [0.9, "#66bb6a"], [1.0, "#2e7d32"]]


@dataclass(frozen=True)
class SeriesLabels:
    """Words a time-series chart shows, already in the user's language."""

    observed: str
    target_path: str
    milestone: str
    target: str
    baseline: str
    period: str
    value: str
    flagged: str = "⚠"


def chinese_value_axis(fig: go.Figure, values: Sequence[float], axis: str = "y", lang: str = "zh") -> None:
    """Label a value axis 150万 / 1.2亿 in Chinese (plotly would write 1.5M); other languages keep plotly's."""
    shown = [float(v) for v in values if v is not None and not pd.isna(v)]
    if lang != "zh" or not shown or max(abs(v) for v in shown) < 1e4:
        return
    ticks = nice_ticks(min(shown), max(shown))
    settings = {"tickmode": "array", "tickvals": ticks, "ticktext": [fmt_wan(v) for v in ticks]}
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**settings)


def period_date(period: str) -> pd.Timestamp:
    """Return the first day of a period string as a timestamp for a time axis."""
    return pd.Timestamp(period_start(parse_period(period)))


MAX_YEAR_TICKS = 10


def period_axis(periods: Iterable[str]) -> dict[str, str]:
    """Return x-axis settings that label periods as written (2024, 2024-07), not as English month names."""
    shown = [str(p) for p in periods]
    if all(frequency_of(p) == "year" for p in shown):
        years = [int(p) for p in shown]
        span = max(years) - min(years) + 1 if years else 1
        # A tick every year, or every few years for long series: at most ~10 labels, never rotated.
        step = max(1, math.ceil(span / MAX_YEAR_TICKS))
        return {"tickformat": "%Y", "dtick": f"M{12 * step}", "hoverformat": "%Y"}
    return {"tickformat": "%Y-%m", "hoverformat": "%Y-%m"}


def _base_layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        # No plotly template: st.plotly_chart applies the app's theme, and a template costs ~8 ms a figure.
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    )
    return fig


def index_gauge(
    score: float | None, coverage: float | None, title: str, coverage_label: str, no_data: str = "—"
) -> go.Figure:
    """Return a gauge of the 心安指数 (0–100) with the share of indicators that have data.

    Without a score the needle and number are left out (never drawn as 0) and `no_data` is written.
    """
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number" if score is not None else "gauge",
            value=score if score is not None else 0.0,
            number={"suffix": "", "valueformat": ".1f"},
            gauge={
                "axis": {"range": [0, 100]},
                "bar": {"color": ACCENT},
                "steps": [
                    {"range": [0, 60], "color": "#ffebee"},
                    {"range": [60, 90], "color": "#fff8e1"},
                    {"range": [90, 100], "color": "#e8f5e9"},
                ],
            },
        )
    )
    if score is None:
        fig.update_traces(gauge_bar_thickness=0)
        fig.add_annotation(
            text=no_data, x=0.5, y=0.2, showarrow=False, xref="paper", yref="paper", font={"size": 26}
        )
    if coverage is not None:
        fig.add_annotation(
            text=f"{coverage_label} {coverage:.0%}",
            x=0.5,
            y=-0.05,
            showarrow=False,
            xref="paper",
            yref="paper",
        )
    return _base_layout(fig, title, height=260)


INSIDE_LABEL_MIN = 45  # a score bar this long holds "48.2 · 覆盖率 100%"


def theme_scores_chart(
    frame: pd.DataFrame, title: str, score_label: str, coverage_label: str, no_data: str = "—"
) -> go.Figure:
    """Return horizontal bars of theme scores; frame has name, score (0–100 or NaN), coverage (0–1)."""
    data = frame.iloc[::-1]
    text = [
        no_data if pd.isna(s) else f"{s:.1f} · {coverage_label} {c:.0%}"
        for s, c in zip(data["score"], data["coverage"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=data["score"].fillna(0),
            y=data["name"],
            orientation="h",
            text=text,
            # Short bars (and themes without data) carry their label beside the bar: inside it is hidden.
            textposition=["inside" if s >= INSIDE_LABEL_MIN else "outside" for s in data["score"].fillna(0)],
            insidetextanchor="end",
            cliponaxis=False,
            marker={"color": data["score"].fillna(0), "colorscale": SCORE_SCALE, "cmin": 0, "cmax": 100},
            hovertemplate="%{y}: %{x:.1f}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 100], title=score_label)
    return _base_layout(fig, title, height=60 + 44 * len(frame))


def status_counts_chart(counts: Mapping[str, int], labels: Mapping[str, str], title: str) -> go.Figure:
    """Return one stacked bar of how many indicators are in each status."""
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        n = int(counts.get(status, 0))
        if n == 0:
            continue
        fig.add_trace(
            go.Bar(
                x=[n],
                y=[""],
                orientation="h",
                name=f"{labels.get(status, status)} {n}",
                marker={"color": colour},
                text=[n],
                textposition="inside",
                hovertemplate=f"{labels.get(status, status)}: {n}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", showlegend=True)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, title, height=150)


def series_chart(
    observed: pd.DataFrame,
    *,
    unit: str,
    title: str,
    labels: SeriesLabels,
    target_path: pd.DataFrame | None = None,
    milestones: pd.DataFrame | None = None,
    baseline: tuple[str, float] | None = None,
    target: tuple[str, float] | None = None,
    lang: str = "zh",
) -> go.Figure:
    """Return observed values over time against the target path, milestones, baseline and target.

    observed/target_path/milestones have columns period, value.
    """
    fig = go.Figure()
    if target_path is not None and not target_path.empty:
        fig.add_trace(
            go.Scatter(
                x=[period_date(p) for p in target_path["period"]],
                y=target_path["value"],
                mode="lines",
                name=labels.target_path,
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 1.5},
                customdata=target_path["period"],
                hovertemplate=f"%{{customdata}}: %{{y:{D3_NUMBER}}} {unit}<extra>{labels.target_path}</extra>",
            )
        )
    if milestones is not None and not milestones.empty:
        fig.add_trace(
            go.Scatter(
                x=[period_date(p) for p in milestones["period"]],
                y=milestones["value"],
                mode="markers",
                name=labels.milestone,
                marker={"symbol": "diamond", "size": 11, "color": TARGET_COLOUR},
                customdata=milestones["period"],
                hovertemplate=f"%{{customdata}}: %{{y:{D3_NUMBER}}} {unit}<extra>{labels.milestone}</extra>",
            )
        )
    for point, name, symbol in ((baseline, labels.baseline, "circle-open"), (target, labels.target, "star")):
        if point is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[period_date(point[0])],
                y=[point[1]],
                mode="markers",
                name=f"{name} {(fmt_wan if lang == 'zh' else fmt_number)(point[1])} {unit}（{point[0]}）",
                marker={"symbol": symbol, "size": 14, "color": TARGET_COLOUR},
                hovertemplate=f"{point[0]}: {fmt_number(point[1])} {unit}<extra>{name}</extra>",
            )
        )
    if not observed.empty:
        fig.add_trace(
            go.Scatter(
                x=[period_date(p) for p in observed["period"]],
                y=observed["value"],
                mode="lines+markers",
                name=labels.observed,
                line={"color": ACCENT, "width": 2.5},
                customdata=observed["period"],
                hovertemplate=f"%{{customdata}}: %{{y:{D3_NUMBER}}} {unit}<extra>{labels.observed}</extra>",
            )
        )
    if not observed.empty and "flags" in observed:
        # A value saved despite plausibility flags is marked: a 100× typo never passes as progress unseen.
        # `flag_label` (when given) says per point whether a reviewer has approved it since.
        flagged = observed[observed["flags"].notna() & (observed["flags"].astype(str) != "")]
        marks = (
            flagged["flag_label"]
            if "flag_label" in flagged
            else pd.Series(labels.flagged, index=flagged.index)
        )
        for name in dict.fromkeys(marks):
            rows = flagged[marks == name]
            fig.add_trace(
                go.Scatter(
                    x=[period_date(p) for p in rows["period"]],
                    y=rows["value"],
                    mode="markers+text",
                    name=name,
                    text=[name] * len(rows),
                    textposition="top center",
                    textfont={"color": FLAG_COLOUR},
                    # The label of a point at the top of the plot stays whole (it was clipped in the PNG).
                    cliponaxis=False,
                    marker={"symbol": "x-open", "size": 16, "color": FLAG_COLOUR, "line": {"width": 2}},
                    customdata=rows["period"],
                    hovertemplate=f"%{{customdata}}: %{{y:{D3_NUMBER}}} {unit}<extra>{name}</extra>",
                )
            )
    fig.update_yaxes(title=f"{labels.value}（{unit}）", rangemode="tozero")
    values = [*observed.get("value", []), *(p[1] for p in (baseline, target) if p is not None)]
    if target_path is not None:
        values += list(target_path.get("value", []))
    chinese_value_axis(fig, values, "y", lang)
    shown = [*observed.get("period", []), *(pt[0] for pt in (baseline, target) if pt is not None)]
    if target_path is not None:
        shown += list(target_path.get("period", []))
    fig.update_xaxes(title=labels.period, **period_axis(shown))
    return _base_layout(fig, title, height=380)


def places_lines_chart(
    frame: pd.DataFrame, *, unit: str, title: str, period_label: str, lang: str = "zh"
) -> go.Figure:
    """Return one line per place over time; frame has place, period, value (places side by side)."""
    fig = go.Figure()
    for i, (place, rows) in enumerate(frame.groupby("place", sort=False)):
        rows = rows.sort_values("period", key=lambda s: s.map(lambda p: parse_period(p).end))
        fig.add_trace(
            go.Scatter(
                x=[period_date(p) for p in rows["period"]],
                y=rows["value"],
                mode="lines+markers",
                name=str(place),
                line={"color": PALETTE[i % len(PALETTE)]},
                customdata=rows["period"],
                hovertemplate=f"{place} %{{customdata}}: %{{y:{D3_NUMBER}}} {unit}<extra></extra>",
            )
        )
    fig.update_yaxes(title=unit, rangemode="tozero")
    chinese_value_axis(fig, frame["value"], "y", lang)
    fig.update_xaxes(title=period_label, **period_axis(frame["period"]))
    fig = _base_layout(fig, title, height=400)
    # Seven counties fit neither beside the title nor under the (often rotated) period ticks without
    # overlapping the axis title: a list at the right, for which plotly makes room itself.
    fig.update_layout(legend={"orientation": "v", "y": 1.0, "yanchor": "top", "x": 1.02, "xanchor": "left"})
    return fig


def latest_bars_chart(
    frame: pd.DataFrame, *, unit: str, title: str, colour: str = ACCENT, lang: str = "zh"
) -> go.Figure:
    """Return bars of the latest value per place; frame has place, period, value."""
    fmt = fmt_wan if lang == "zh" else fmt_number
    text = [f"{fmt(v)} {unit}（{p}）" for v, p in zip(frame["value"], frame["period"], strict=True)]
    # Horizontal bars: a label such as "96.45 %（2025）" fits beside its bar, not squeezed above it.
    fig = go.Figure(
        go.Bar(
            y=frame["place"],
            x=frame["value"],
            orientation="h",
            text=text,
            textposition="outside",
            cliponaxis=False,
            marker={"color": colour},
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(title=unit)
    if len(frame) and frame["value"].min() >= 0 and frame["value"].max() > 0:
        # Room at the right for the outside labels.
        fig.update_xaxes(range=[0, frame["value"].max() * 1.45])
    chinese_value_axis(fig, frame["value"], "x", lang)
    # The first place reads at the top, as in the table.
    fig.update_yaxes(autorange="reversed")
    return _base_layout(fig, title, height=max(300, 80 + 36 * len(frame)))


def score_matrix_chart(
    scores: pd.DataFrame, *, title: str, text: pd.DataFrame | None = None, no_data: str = "—"
) -> go.Figure:
    """Return a colour-coded matrix: rows are places, columns themes or indicators, cells scores 0–100."""
    shown = text if text is not None else scores.map(lambda v: no_data if pd.isna(v) else f"{v:.0f}")
    fig = go.Figure(
        go.Heatmap(
            z=scores.to_numpy(dtype=float),
            x=[str(c) for c in scores.columns],
            y=[str(r) for r in scores.index],
            text=shown.to_numpy(),
            texttemplate="%{text}",
            colorscale=SCORE_SCALE,
            zmin=0,
            zmax=100,
            xgap=3,
            ygap=3,
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
            colorbar={"thickness": 12},
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    fig = _base_layout(fig, title, height=max(280, 100 + 42 * len(scores.index)))
    fig.update_layout(margin={"t": 90})
    return fig
