"""The data behind a chart as CSV or XLSX, safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dashboard import timefmt
from dashboard.export.charts import LABELS, ChartMeta
from indicators.bulk import neutralise

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


SHOWN_ZONE = ZoneInfo("Asia/Shanghai")


def safe_text(value: Any) -> Any:
    """Return value unchanged unless it is text a spreadsheet would run; then prefix an apostrophe."""
    return neutralise(value) if isinstance(value, str) else value


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones (openpyxl refuses aware times): write the Beijing wall-clock time.
        return value.astimezone(SHOWN_ZONE).replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


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
    safe = local_times(frame)
    safe.columns = [str(safe_text(str(c))) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(safe_text)
    return safe.to_csv(index=False).encode("utf-8-sig")


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


def _write_text_cell(ws: Any, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col)
    value = _clean(value)
    cell.value = value
    if isinstance(value, str):
        # openpyxl stores text starting with "=" as a formula; force it to stay text.
        cell.data_type = "s"


def to_xlsx(frame: pd.DataFrame, meta: ChartMeta) -> bytes:
    """Return an XLSX workbook: the data sheet, and a notes sheet with title, unit, place, period, source."""
    frame = local_times(frame)
    wb = Workbook()
    ws = wb.active
    ws.title = "数据" if meta.lang == "zh" else "Data"
    bold = Font(bold=True)
    for j, column in enumerate(frame.columns, start=1):
        _write_text_cell(ws, 1, j, str(column))
        ws.cell(row=1, column=j).font = bold
    for i, record in enumerate(frame.itertuples(index=False), start=2):
        for j, value in enumerate(record, start=1):
            _write_text_cell(ws, i, j, value)
    for j, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in frame.iloc[:200, j - 1]])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, longest * 1.6), 60)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明" if meta.lang == "zh" else "Notes")
    for i, (label, value) in enumerate(meta_rows(meta), start=1):
        _write_text_cell(notes, i, 1, label)
        notes.cell(row=i, column=1).font = bold
        _write_text_cell(notes, i, 2, value)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
