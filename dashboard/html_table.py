"""Short display tables as static HTML: what a Streamlit grid shows, without the grid's canvas and code.

`st.dataframe` draws a glide-data-grid on a canvas and loads its code per tab; for a table of a few dozen
rows the browser spends more on that than on everything else of the page (docs/performance.md, "Where the
time goes"). The same columns are written here as an HTML table: progress as a bar with its percentage,
sparklines as a small inline SVG, links as links, help texts as header tooltips. Every cell is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

EMPTY = "—"
# Added to the page style (dashboard/layout.py) once per run, not to every table.
RULES = """
.xa-table-wrap { overflow-x: auto; margin-bottom: 0.6rem; }
table.xa-table { border-collapse: collapse; width: 100%; min-width: 720px; font-size: 0.86rem; line-height: 1.45; }
table.xa-table th { text-align: left; font-weight: 600; color: #455a64; background: #f5f7f9;
  border-bottom: 1px solid #cfd8dc; padding: 4px 8px; white-space: nowrap; }
table.xa-table td { border-bottom: 1px solid #eceff1; padding: 4px 8px; vertical-align: top; }
table.xa-table td.xa-num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.xa-table .xa-bar { display: inline-block; width: 56px; height: 8px; background: #eceff1;
  border-radius: 4px; margin-right: 6px; vertical-align: middle; }
table.xa-table .xa-bar > span { display: block; height: 8px; border-radius: 4px; background: #1e88e5; }
table.xa-table .xa-spark { color: #1e88e5; font-size: 0.55rem; letter-spacing: -1px; white-space: nowrap; }
table.xa-table td:first-child { min-width: 8em; }
table.xa-table a.xa-link { white-space: nowrap; }
table.xa-table abbr { text-decoration: none; cursor: help; }
"""


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, list | tuple) else False
    except (TypeError, ValueError):
        return False


def _printf(fmt: str | None, value: float) -> str:
    if not fmt:
        return f"{value:g}"
    try:
        return fmt % value
    except (TypeError, ValueError):
        return f"{value:g}"


def _progress(value: Any, config: Mapping[str, Any]) -> str:
    if _missing(value):
        return EMPTY
    low, high = config.get("min_value") or 0, config.get("max_value") or 1
    share = 0.0 if high == low else min(1.0, max(0.0, (float(value) - low) / (high - low)))
    text = html.escape(_printf(config.get("format"), float(value)))
    return f'<span class="xa-bar"><span style="width:{share * 100:.0f}%"></span></span>{text}'


def _sparkline(values: Any) -> str:
    # Sparklines come as lists or numpy arrays (Arrow hands lists back as arrays).
    shown = [] if values is None or isinstance(values, str | bytes) else values
    try:
        points = [float(v) for v in shown if not _missing(v)]
    except TypeError:
        return EMPTY
    if len(points) < 2:
        return EMPTY
    # Block characters, not SVG: st.html's sanitizer keeps text, and a row of bars reads as a trend.
    low, high = min(points), max(points)
    span = high - low or 1.0
    bars = "".join(_BARS[round((v - low) / span * (len(_BARS) - 1))] for v in points)
    return f'<span class="xa-spark" title="{html.escape(_spark_title(points))}">{bars}</span>'


_BARS = "▁▂▃▄▅▆▇█"


def _spark_title(points: list[float]) -> str:
    return " → ".join(f"{v:,.6g}" for v in points)


def _cell(value: Any, config: Mapping[str, Any] | None) -> tuple[str, bool]:
    """Return a cell's HTML and whether it is a number (right-aligned)."""
    kind = (config or {}).get("type_config", {}) or {}
    match kind.get("type"):
        case "progress":
            return _progress(value, kind), True
        case "line_chart":
            return _sparkline(value), False
        case "link":
            if _missing(value) or not str(value):
                return EMPTY, False
            label = html.escape(str(kind.get("display_text") or value))
            href = html.escape(str(value), quote=True)
            return f'<a class="xa-link" href="{href}" target="_blank" rel="noopener">{label}</a>', False
        case "number":
            if _missing(value):
                return EMPTY, True
            return html.escape(_printf(kind.get("format"), float(value))), True
    if isinstance(value, list | tuple):  # a list cell without a column setting: its items, comma-separated
        return html.escape("、".join(str(v) for v in value)) or EMPTY, False
    if _missing(value) or value == "":
        return EMPTY, False
    if isinstance(value, bool):
        return html.escape(str(value)), False
    if isinstance(value, int | float):
        return html.escape(f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"), True
    return html.escape(str(value)), False


def table_html(frame: pd.DataFrame, column_config: Mapping[str, Any] | None = None) -> str:
    """Return a display frame as an escaped HTML table; columns configured as None are left out."""
    config = dict(column_config or {})
    columns = [c for c in frame.columns if not (c in config and config[c] is None)]
    head = []
    for c in columns:
        label = html.escape(str((config.get(c) or {}).get("label") or c))
        help_text = (config.get(c) or {}).get("help")
        if help_text:
            label = f'<abbr title="{html.escape(str(help_text), quote=True)}">{label} ⓘ</abbr>'
        head.append(f"<th>{label}</th>")
    rows = []
    for record in frame[columns].itertuples(index=False, name=None):
        cells = []
        for c, value in zip(columns, record, strict=True):
            text, numeric = _cell(value, config.get(c))
            cells.append(f'<td class="xa-num">{text}</td>' if numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="xa-table-wrap"><table class="xa-table"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )
