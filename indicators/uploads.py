"""Limits on uploaded files, checked before any parser reads them: kind and size; then the file is read by
indicators.tabular, which streams it under the row, column, cell and zip-bomb limits."""

from __future__ import annotations

from pathlib import Path

from indicators import tabular
from indicators.store.observations import MAX_TEXT
from indicators.tabular import Table, check_xlsx_container, refusal, too_many_rows

__all__ = ["MAX_TEXT"]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_MB = 5  # the same limit for .streamlit/config.toml server.maxUploadSize
ALLOWED_SUFFIXES = (".csv", ".xlsx")


def check_file_size(name: str, size: int) -> None:
    """Refuse a file larger than MAX_UPLOAD_BYTES (pages and the command line alike)."""
    if size > MAX_UPLOAD_BYTES:
        raise refusal(
            name,
            f"file is {size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,} bytes",
            "split the file by theme or by year",
            code="upload.too_big",
            params={"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_MB},
        )


def read_upload_file(path: str) -> Table:
    """Read a file named on the command line under the same limits as an upload (size checked first)."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise refusal(path, f"cannot read the file: {exc.strerror}") from exc
    check_file_size(path, size)
    return read_upload(file.name, file.read_bytes())


def check_upload(name: str, data: bytes) -> None:
    """Raise IndicatorsError if an uploaded file is of the wrong kind, too big, or an unsafe XLSX."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ALLOWED_SUFFIXES:
        raise refusal(
            name,
            f"'{suffix}' files cannot be imported: only CSV or XLSX",
            "",
            "upload.type",
            suffix=suffix or "—",
        )
    check_file_size(name, len(data))
    if not data:
        raise refusal(name, "the file is empty", "", "upload.empty")
    if suffix == ".xlsx":
        check_xlsx_container(name, data)


def read_upload(name: str, data: bytes) -> Table:
    """Check an uploaded file's limits, then read it as a table (see tabular.read_table)."""
    check_upload(name, data)
    table = tabular.read_table(data, name)
    check_row_count(name, len(table.rows))
    return table


def check_row_count(name: str, rows: int) -> None:
    """Raise IndicatorsError if a file has more data rows than one import may hold."""
    if rows > tabular.MAX_ROWS:
        raise too_many_rows(name, rows)
