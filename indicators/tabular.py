"""CSV and XLSX in and out: reading a file into a Table under size limits, and writing cells a spreadsheet
cannot run.

One module for every table file: imports (indicators/bulk.py, indicators/uploads.py), exports and the
entry template (indicators/bulk.py), and chart and table downloads (dashboard/export/data.py). Every text
cell written passes `neutralise`, every CSV cell read passes `restore`; an XLSX is streamed read-only and
refused as soon as it is past a limit (declared or actual rows, columns, cells; zip bombs before opening).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.errors import IndicatorsError, Problem
from indicators.store.cells import utc

SHEET_NAME = "observations"
MAX_ROWS = 200_000
# The template has 12 columns and an export 16; a sheet wider than this is not ours (a cell in column
# XFD made a 100 KB workbook unpack to 16,384 cells per row and took the server to 2.8 GB).
MAX_COLUMNS = 64
MAX_CELLS = 4_000_000
# A genuine 200,000-row workbook unpacks to well under this; a zip bomb is many times more.
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_MEMBERS = 1_000
# Small members (styles, content types) compress very well; the ratio is judged on large ones only.
RATIO_CHECK_FROM = 1024 * 1024

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); full-width
# forms are included because some spreadsheet apps normalise them, tab and CR because they start DDE payloads.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(text: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula; numbers stay numbers."""
    if PLAIN_NUMBER.match(text):
        return text
    if text.lstrip("'").startswith(_FORMULA_START):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo `neutralise`, so exported text imports back exactly."""
    if text.startswith("'") and text.lstrip("'").startswith(_FORMULA_START):
        return text[1:]
    return text


def safe_text(value: Any) -> Any:
    """Return value unchanged unless it is text a spreadsheet would run; then prefix an apostrophe."""
    return neutralise(value) if isinstance(value, str) else value


# --- limits -------------------------------------------------------------------------------------


def refusal(
    name: str,
    message: str,
    hint: str = "",
    code: str = "",
    params: dict[str, object] | None = None,
    **more: object,
) -> IndicatorsError:
    """Return the error refusing file `name`, its parameters naming the file."""
    return IndicatorsError(
        [Problem(message, file=name, hint=hint, code=code, params={"file": name, **(params or {}), **more})]
    )


def too_many_columns(name: str, columns: int, line: int | None = None) -> IndicatorsError:
    """Return the refusal for a sheet or CSV wider than MAX_COLUMNS."""
    where = f" (row {line})" if line else ""
    return refusal(
        name,
        f"the sheet has data in column {columns}{where}; an import has at most {MAX_COLUMNS} columns",
        "delete the extra columns, or start from the template",
        code="upload.too_many_columns",
        params={"columns": columns, "limit": MAX_COLUMNS},
    )


def too_many_rows(name: str, rows: int) -> IndicatorsError:
    """Return the refusal for a sheet with more than MAX_ROWS data rows."""
    return refusal(
        name,
        f"{rows:,} rows; one import holds at most {MAX_ROWS:,} rows",
        "split the file by theme or by year",
        code="upload.too_many_rows",
        params={"rows": f"{rows:,}", "limit": f"{MAX_ROWS:,}"},
    )


def check_sheet_dimensions(name: str, rows: int | None, columns: int | None) -> None:
    """Refuse a sheet whose declared size (its <dimension> element) is past the limits, before reading it."""
    if columns is not None and columns > MAX_COLUMNS:
        raise too_many_columns(name, columns)
    if rows is not None and rows - 1 > MAX_ROWS:
        raise too_many_rows(name, rows - 1)
    if rows is not None and columns is not None and rows * columns > MAX_CELLS:
        raise refusal(
            name,
            f"the sheet declares {rows * columns:,} cells; the limit is {MAX_CELLS:,}",
            code="upload.too_many_cells",
            params={"cells": rows * columns, "limit": MAX_CELLS},
        )


def check_xlsx_container(name: str, data: bytes) -> None:
    """Raise IndicatorsError unless `data` is a zip whose declared sizes are safe to unpack."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise refusal(
            name,
            "not a valid XLSX file: it is not a zip archive",
            "save it again from Excel or WPS as .xlsx, or export CSV",
            "upload.not_xlsx",
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS:
            raise refusal(
                name,
                f"too many parts in the XLSX ({len(members)})",
                "",
                "upload.too_many_parts",
                parts=len(members),
            )
        if "[Content_Types].xml" not in archive.namelist():
            raise refusal(
                name, "not a valid XLSX file: [Content_Types].xml is missing", "", "upload.not_xlsx"
            )
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members)
        if total > MAX_XLSX_UNCOMPRESSED:
            raise refusal(
                name,
                f"unpacks to {total:,} bytes; the limit is {MAX_XLSX_UNCOMPRESSED:,}",
                "this looks like a zip bomb or a very large workbook; export CSV instead",
                "upload.unpacks_too_big",
                size=f"{total / 1024 / 1024:.0f}",
                limit=MAX_XLSX_UNCOMPRESSED // 1024 // 1024,
            )
        for member in members:
            if member.file_size >= RATIO_CHECK_FROM and member.file_size > MAX_XLSX_RATIO * max(
                member.compress_size, 1
            ):
                raise refusal(
                    name,
                    f"part {member.filename} has a compression ratio above {MAX_XLSX_RATIO}:1",
                    "this looks like a zip bomb; the file was not opened",
                    "upload.ratio",
                    ratio=member.file_size // max(member.compress_size, 1),
                    limit=MAX_XLSX_RATIO,
                )
        if total >= RATIO_CHECK_FROM and total > MAX_XLSX_RATIO * max(packed, 1):
            raise refusal(
                name,
                f"compression ratio above {MAX_XLSX_RATIO}:1",
                "",
                "upload.ratio",
                ratio=total // max(packed, 1),
                limit=MAX_XLSX_RATIO,
            )


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Table:
    """Rows of an uploaded file as read: header names and cells, with spreadsheet row numbers."""

    filename: str
    columns: list[str]
    rows: list[tuple[int, list[Any]]]


def _decode(data: bytes, filename: str) -> str:
    # Excel in China saves CSV as GB18030/GBK unless told UTF-8; try UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IndicatorsError(
        [
            Problem(
                "cannot read the file as text",
                file=filename,
                hint="save it as CSV UTF-8 from Excel",
                code="import.not_text",
                params={"file": filename},
            )
        ]
    )


def _not_csv(filename: str, line: int, exc: csv.Error) -> IndicatorsError:
    return IndicatorsError(
        [
            Problem(
                f"not a CSV file: {exc}",
                file=filename,
                line=line,
                code="import.not_csv",
                params={"row": line},
            )
        ]
    )


def _empty(filename: str, what: str) -> IndicatorsError:
    return IndicatorsError(
        [
            Problem(
                f"the {what} is empty", file=filename, line=1, code="upload.empty", params={"file": filename}
            )
        ]
    )


def _read_csv(data: bytes, filename: str) -> Table:
    text = _decode(data, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _empty(filename, "file") from None
    except csv.Error as exc:
        raise _not_csv(filename, 1, exc) from exc
    header = _within_width(filename, 1, header)
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if number - 1 > MAX_ROWS:
                raise too_many_rows(filename, number - 1)
            if any(c.strip() for c in cells):
                rows.append((number, [restore(c) for c in _within_width(filename, number, cells)]))
    except csv.Error as exc:
        raise _not_csv(filename, reader.line_num, exc) from exc
    return Table(filename, [h.strip() for h in header], rows)


def _read_xlsx(data: bytes, filename: str) -> Table:
    from openpyxl import load_workbook

    # Every path that opens a workbook (page upload and command line) refuses zip bombs first.
    check_xlsx_container(filename, data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or mislabelled file
        raise IndicatorsError(
            [
                Problem(
                    f"cannot open as an Excel workbook: {exc}",
                    file=filename,
                    hint="save it as .xlsx",
                    code="upload.not_xlsx",
                    params={"file": filename},
                )
            ]
        ) from exc
    try:
        sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        # The declared size (<dimension ref="A1:XFD3000">) is refused before a row is read; read-only
        # mode would otherwise pad every row to that width.
        check_sheet_dimensions(filename, sheet.max_row, sheet.max_column)
        # The declaration may lie or be missing: read rows at their real width and check each one.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        return _xlsx_rows(sheet, filename)
    finally:
        book.close()


def _xlsx_rows(sheet: Any, filename: str) -> Table:
    rows_iter = sheet.iter_rows(values_only=True)
    header_cells = next(rows_iter, None)
    if header_cells is None:
        raise _empty(filename, "sheet")
    header = _within_width(filename, 1, list(header_cells))
    header = ["" if h is None else str(h).strip() for h in header]
    rows = []
    cells = 0
    for number, row_cells in enumerate(rows_iter, start=2):
        if number - 1 > MAX_ROWS:
            raise too_many_rows(filename, number - 1)
        values = _within_width(filename, number, list(row_cells))
        if any(v is not None and str(v).strip() for v in values):
            rows.append((number, values))
            cells += len(values)
            if cells > MAX_CELLS:
                raise too_many_rows(filename, number - 1)
    return Table(filename, header, rows)


def _within_width(filename: str, number: int, values: list[Any]) -> list[Any]:
    if len(values) > MAX_COLUMNS:
        last = max((i for i, v in enumerate(values) if v is not None and str(v).strip()), default=-1)
        if last >= MAX_COLUMNS:
            raise too_many_columns(filename, last + 1, number)
        del values[MAX_COLUMNS:]
    return values


def read_table(path_or_bytes: str | Path | bytes, filename: str | None = None) -> Table:
    """Read a CSV or XLSX file (path, or bytes with its file name) into a Table."""
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
        name = filename or "upload"
    else:
        path = Path(path_or_bytes)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IndicatorsError(
                [
                    Problem(
                        f"cannot read the file: {exc.strerror}",
                        file=str(path),
                        code="import.cannot_read",
                        params={"file": str(path), "error": exc.strerror},
                    )
                ]
            ) from exc
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return _read_csv(data, name)
    if suffix == ".xlsx":
        return _read_xlsx(data, name)
    raise IndicatorsError(
        [
            Problem(
                f"cannot import '{suffix or name}' files",
                file=name,
                hint="use a .csv or .xlsx file",
                code="upload.type",
                params={"file": name, "suffix": suffix or "—"},
            )
        ]
    )


# --- writing ------------------------------------------------------------------------------------
# Two cell formats: "exact" (exports and the template, which import reads back to the same values) and
# whatever a download passes in (dashboard/export/data.py shows local times as spreadsheet dates). Both go
# through the same writers, so no cell reaches a spreadsheet as a formula.


def number_text(value: float) -> str:
    """Return a number as export writes it: 15000 not 15000.0, and every digit needed to read it back."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _plain(value: Any) -> Any:
    # pandas hands over NaN for empty cells, Timestamps for times and numpy scalars for numbers.
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def _utc_text(value: dt.datetime) -> str:
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def exact_value(value: Any) -> Any:
    """Return a cell as an export's XLSX holds it: times as UTC text, every number read back exactly."""
    value = _plain(value)
    if isinstance(value, dt.datetime):
        return _utc_text(value)
    # openpyxl writes numbers with 16 significant digits ("%.16g"); a double can need 17. Such a value
    # is written as its exact text, which import reads back to the same double, rather than rounded.
    if isinstance(value, float) and math.isfinite(value) and float(f"{value:.16g}") != value:
        return repr(value)
    return value


def exact_text(value: Any) -> str:
    """Return a cell as an export's CSV writes it: '' for empty, UTC times, numbers with every digit."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(float(value))
    if isinstance(value, dt.datetime):
        return _utc_text(value)
    return str(value)


def to_csv_bytes(frame: pd.DataFrame, cell_text: Callable[[Any], str] = exact_text) -> bytes:
    """Return the frame as UTF-8 CSV (with BOM, so Excel shows Chinese); no cell is a live formula."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for values in frame.itertuples(index=False, name=None):
        writer.writerow([neutralise(cell_text(v)) for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_rows(sheet: Any, rows: Iterable[Sequence[Any]], cell_value: Callable[[Any], Any]) -> None:
    """Append rows to an openpyxl sheet with every text cell stored as text, never as a formula."""
    for values in rows:
        out = [cell_value(v) for v in values]
        sheet.append(out)
        row = sheet.max_row
        for column, value in enumerate(out, start=1):
            # openpyxl turns any "=…" string into a formula; say it is text.
            if isinstance(value, str):
                sheet.cell(row, column).data_type = "s"


def _shown_width(text: str) -> int:
    # A Chinese character takes two columns' width in a spreadsheet.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_sheet(sheet: Any, frame: pd.DataFrame, cell_value: Callable[[Any], Any] = exact_value) -> None:
    """Write the frame to an empty sheet: bold header, safe cells, frozen header row, fitted widths."""
    from openpyxl.styles import Font

    write_rows(sheet, [[str(c) for c in frame.columns]], str)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    write_rows(sheet, frame.itertuples(index=False, name=None), cell_value)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(frame.columns, start=1):
        shown = [str(column), *(str(v) for v in frame.iloc[:200, i - 1])]
        width = max(_shown_width(s) for s in shown) + 2
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(max(width, 8), 60)


def book_bytes(book: Any) -> bytes:
    """Return an openpyxl workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_xlsx_bytes(
    frame: pd.DataFrame,
    sheets: dict[str, pd.DataFrame] | None = None,
    cell_value: Callable[[Any], Any] = exact_value,
) -> bytes:
    """Return the frame (and any further named sheets) as an .xlsx workbook; text is never a formula."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    for n, (name, data) in enumerate({SHEET_NAME: frame, **(sheets or {})}.items()):
        sheet = first if n == 0 else book.create_sheet()
        sheet.title = name
        write_sheet(sheet, data, cell_value)
    return book_bytes(book)
