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
