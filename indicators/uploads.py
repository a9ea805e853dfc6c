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


def _refuse(name: str, message: str, hint: str = "") -> IndicatorsError:
    return IndicatorsError([Problem(message, file=name, hint=hint)])


def check_upload(name: str, data: bytes) -> None:
    """Raise IndicatorsError if an uploaded file is of the wrong kind, too big, or an unsafe XLSX."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ALLOWED_SUFFIXES:
        raise _refuse(name, f"文件类型 {suffix or '(无)'} 不支持 / only CSV or XLSX files can be imported")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(
            name,
            f"文件过大：{len(data) / 1024 / 1024:.1f} MB，上限 {MAX_UPLOAD_MB} MB / "
            f"file is {len(data):,} bytes; the limit is {MAX_UPLOAD_BYTES:,} bytes",
            "split the file by theme or by year",
        )
    if not data:
        raise _refuse(name, "文件为空 / the file is empty")
    if suffix == ".xlsx":
        check_xlsx_container(name, data)


def check_xlsx_container(name: str, data: bytes) -> None:
    """Raise IndicatorsError unless `data` is a zip whose declared sizes are safe to unpack."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(
            name,
            "不是有效的 XLSX 文件（无法解压）/ not a valid XLSX file: it is not a zip archive",
            "save it again from Excel or WPS as .xlsx, or export CSV",
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS:
            raise _refuse(name, f"XLSX 含 {len(members)} 个部件，过多 / too many parts in the XLSX")
        if "[Content_Types].xml" not in archive.namelist():
            raise _refuse(
                name, "不是有效的 XLSX 文件 / not a valid XLSX file: [Content_Types].xml is missing"
            )
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members)
        if total > MAX_XLSX_UNCOMPRESSED:
            raise _refuse(
                name,
                f"XLSX 解压后 {total / 1024 / 1024:.0f} MB，超过上限 {MAX_XLSX_UNCOMPRESSED // 1024 // 1024} MB "
                f"/ unpacks to {total:,} bytes; the limit is {MAX_XLSX_UNCOMPRESSED:,}",
                "this looks like a zip bomb or a very large workbook; export CSV instead",
            )
        for member in members:
            if member.file_size >= RATIO_CHECK_FROM and member.file_size > MAX_XLSX_RATIO * max(
                member.compress_size, 1
            ):
                raise _refuse(
                    name,
                    f"XLSX 部件 {member.filename} 压缩比异常（{member.file_size // max(member.compress_size, 1)}:1）"
                    f" / part {member.filename} has a compression ratio above {MAX_XLSX_RATIO}:1",
                    "this looks like a zip bomb; the file was not opened",
                )
        if total >= RATIO_CHECK_FROM and total > MAX_XLSX_RATIO * max(packed, 1):
            raise _refuse(name, f"XLSX 压缩比超过 {MAX_XLSX_RATIO}:1 / compression ratio too high")


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
            f"文件有 {rows:,} 行，上限 {MAX_ROWS:,} 行 / {rows:,} rows; one import holds at most {MAX_ROWS:,}",
            "split the file by theme or by year",
        )
