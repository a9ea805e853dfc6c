"""The data behind a chart as CSV or XLSX, safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from dashboard import timefmt
from dashboard.export.charts import LABELS, ChartMeta
from indicators import tabular

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


SHOWN_ZONE = ZoneInfo("Asia/Shanghai")


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones (openpyxl refuses aware times): write the Beijing wall-clock time.
        return value.astimezone(SHOWN_ZONE).replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


def _shown_text(value: Any) -> str:
    # As pandas writes a CSV cell: floats as Python spells them (98.5, -3.0), times as 2026-12-03 21:05:00.
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def local_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with its zoned time columns in Beijing time (XINAN_TIMEZONE), the zone in the header.

    Spreadsheets cannot hold a zone (Excel refuses it): the times become plain local times, and the column
    name says which zone they are in.
    """
    out = frame.copy()
    renames = {}
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert(timefmt.zone()).dt.tz_localize(None)
            renames[column] = f"{column}（{timefmt.zone_label()}）"
    return out.rename(columns=renames)


def to_csv(frame: pd.DataFrame) -> bytes:
    """Return the frame as UTF-8 CSV with a byte-order mark (Excel then reads the Chinese correctly)."""
    return tabular.to_csv_bytes(local_times(frame), _shown_text)


def meta_rows(meta: ChartMeta) -> list[tuple[str, str]]:
    """Return the chart's metadata as label/value pairs for the notes sheet."""
    lab = LABELS[meta.lang]
    title = "标题" if meta.lang == "zh" else "Title"
    rows = [
        (title, meta.title),
        (lab["unit"], meta.unit or "—"),
        (lab["place"], meta.place),
        (lab["period"], meta.period),
        (lab["source"], meta.source),
        (lab["exported"], meta.export_date.isoformat()),
    ]
    if meta.example_target:
        rows.append((lab["example"], lab["example_note"]))
    return rows


def to_xlsx(frame: pd.DataFrame, meta: ChartMeta) -> bytes:
    """Return an XLSX workbook: the data sheet, and a notes sheet with title, unit, place, period, source."""
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = "数据" if meta.lang == "zh" else "Data"
    tabular.write_sheet(data, local_times(frame), _clean)
    notes = book.create_sheet("说明" if meta.lang == "zh" else "Notes")
    tabular.write_rows(notes, meta_rows(meta), _clean)
    for (label,) in notes.iter_rows(max_col=1):
        label.font = Font(bold=True)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 80
    return tabular.book_bytes(book)
