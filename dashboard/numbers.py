"""How numbers read on pages and charts: thousands separators, no exponent, no trailing zeros."""

from __future__ import annotations

import math

# d3-format for plotly hover text: up to 10 significant digits, trailing zeros trimmed (20,000 not 2e+04).
D3_NUMBER = ",.10~r"


def fmt_number(value: float, *, signed: bool = False) -> str:
    """Return a value as staff write it: 20,000 · 96.25 · 0.37 (never 2e+04)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = "+" if signed else ""
    text = f"{value:{sign},.10g}"
    if "e" in text:
        # Beyond 10 digits the exponent form appears; a whole number reads better in full.
        text = f"{value:{sign},.0f}"
    return text


def fmt_wan(value: float) -> str:
    """Return a value the Chinese way: 150万, 1.2亿, 8,000 (万 from ten thousand, 亿 from a hundred million)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    size = abs(value)
    if size >= 1e8:
        return f"{value / 1e8:,.4g}亿"
    if size >= 1e4:
        return f"{value / 1e4:,.4g}万"
    return fmt_number(value)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return about `count` round tick values covering low..high (1, 2, 2.5 or 5 × a power of ten apart)."""
    low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    if span <= 0:
        return [low]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks
