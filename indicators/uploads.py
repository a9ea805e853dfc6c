"""Limits on uploaded files, checked before any parser reads them: size, rows, and zip bombs in XLSX."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

from indicators.errors import IndicatorsError, Problem
from indicators.store.observations import MAX_TEXT

__all__ = ["MAX_TEXT"]

if TYPE_CHECKING:
    from indicators import bulk

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_MB = 5  # the same limit for .streamlit/config.toml server.maxUploadSize
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
ALLOWED_SUFFIXES = (".csv", ".xlsx")


def _refuse(
    name: str,
    message: str,
    hint: str = "",
    code: str = "",
    params: dict[str, object] | None = None,
    **more: object,
) -> IndicatorsError:
    return IndicatorsError(
        [Problem(message, file=name, hint=hint, code=code, params={"file": name, **(params or {}), **more})]
    )


def too_many_columns(name: str, columns: int, line: int | None = None) -> IndicatorsError:
    """Return the refusal for a sheet or CSV wider than MAX_COLUMNS."""
    where = f" (row {line})" if line else ""
    return _refuse(
        name,
        f"the sheet has data in column {columns}{where}; an import has at most {MAX_COLUMNS} columns",
        "delete the extra columns, or start from the template",
        code="upload.too_many_columns",
        params={"columns": columns, "limit": MAX_COLUMNS},
    )


def too_many_rows(name: str, rows: int) -> IndicatorsError:
    """Return the refusal for a sheet with more than MAX_ROWS data rows."""
    return _refuse(
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
        raise _refuse(
            name,
            f"the sheet declares {rows * columns:,} cells; the limit is {MAX_CELLS:,}",
            code="upload.too_many_cells",
            params={"cells": rows * columns, "limit": MAX_CELLS},
        )


def check_file_size(name: str, size: int) -> None:
    """Refuse a file larger than MAX_UPLOAD_BYTES (pages and the command line alike)."""
    if size > MAX_UPLOAD_BYTES:
        raise _refuse(
            name,
            f"file is {size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,} bytes",
            "split the file by theme or by year",
            code="upload.too_big",
            params={"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_MB},
        )


def read_upload_file(path: str) -> bulk.Table:
    """Read a file named on the command line under the same limits as an upload (size checked first)."""
    from pathlib import Path

    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise _refuse(path, f"cannot read the file: {exc.strerror}") from exc
    check_file_size(path, size)
    return read_upload(file.name, file.read_bytes())


def check_upload(name: str, data: bytes) -> None:
    """Raise IndicatorsError if an uploaded file is of the wrong kind, too big, or an unsafe XLSX."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ALLOWED_SUFFIXES:
        raise _refuse(
            name,
            f"'{suffix}' files cannot be imported: only CSV or XLSX",
            "",
            "upload.type",
            suffix=suffix or "—",
        )
    check_file_size(name, len(data))
    if not data:
        raise _refuse(name, "the file is empty", "", "upload.empty")
    if suffix == ".xlsx":
        check_xlsx_container(name, data)


def check_xlsx_container(name: str, data: bytes) -> None:
    """Raise IndicatorsError unless `data` is a zip whose declared sizes are safe to unpack."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(
            name,
            "not a valid XLSX file: it is not a zip archive",
            "save it again from Excel or WPS as .xlsx, or export CSV",
            "upload.not_xlsx",
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS:
            raise _refuse(
                name,
                f"too many parts in the XLSX ({len(members)})",
                "",
                "upload.too_many_parts",
                parts=len(members),
            )
        if "[Content_Types].xml" not in archive.namelist():
            raise _refuse(
                name, "not a valid XLSX file: [Content_Types].xml is missing", "", "upload.not_xlsx"
            )
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members)
        if total > MAX_XLSX_UNCOMPRESSED:
            raise _refuse(
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
                raise _refuse(
                    name,
                    f"part {member.filename} has a compression ratio above {MAX_XLSX_RATIO}:1",
                    "this looks like a zip bomb; the file was not opened",
                    "upload.ratio",
                    ratio=member.file_size // max(member.compress_size, 1),
                    limit=MAX_XLSX_RATIO,
                )
        if total >= RATIO_CHECK_FROM and total > MAX_XLSX_RATIO * max(packed, 1):
            raise _refuse(
                name,
                f"compression ratio above {MAX_XLSX_RATIO}:1",
                "",
                "upload.ratio",
                ratio=total // max(packed, 1),
                limit=MAX_XLSX_RATIO,
            )


def read_upload(name: str, data: bytes) -> bulk.Table:
    """Check an uploaded file's limits, then read it as a table (see bulk.read_table)."""
    from indicators import bulk

    check_upload(name, data)
    table = bulk.read_table(data, name)
    check_row_count(name, len(table.rows))
    return table


def check_row_count(name: str, rows: int) -> None:
    """Raise IndicatorsError if a file has more data rows than one import may hold."""
    if rows > MAX_ROWS:
        raise too_many_rows(name, rows)
