"""Limits on uploaded files, checked before any parser reads them: size, rows, and zip bombs in XLSX."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

from indicators.errors import IndicatorsError, Problem

if TYPE_CHECKING:
    from indicators import bulk

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_MB = 5  # the same limit for .streamlit/config.toml server.maxUploadSize
MAX_ROWS = 200_000
# A genuine 200,000-row workbook unpacks to well under this; a zip bomb is many times more.
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_MEMBERS = 1_000
# Small members (styles, content types) compress very well; the ratio is judged on large ones only.
RATIO_CHECK_FROM = 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".xlsx")


def _refuse(name: str, message: str, hint: str = "", code: str = "", **params: object) -> IndicatorsError:
    return IndicatorsError(
        [Problem(message, file=name, hint=hint, code=code, params={"file": name, **params})]
    )


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
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(
            name,
            f"file is {len(data):,} bytes; the limit is {MAX_UPLOAD_BYTES:,} bytes",
            "split the file by theme or by year",
            "upload.too_big",
            size=f"{len(data) / 1024 / 1024:.1f}",
            limit=MAX_UPLOAD_MB,
        )
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
        raise _refuse(
            name,
            f"{rows:,} rows; one import holds at most {MAX_ROWS:,}",
            "split the file by theme or by year",
            "upload.too_many_rows",
            rows=f"{rows:,}",
            limit=f"{MAX_ROWS:,}",
        )
