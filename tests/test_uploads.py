"""Hostile uploads are refused before any parser opens them, with the limit stated."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from indicators.errors import IndicatorsError
from indicators.tabular import MAX_ROWS
from indicators.uploads import (
    MAX_UPLOAD_BYTES,
    check_row_count,
    check_upload,
)


def _workbook_bytes(rows: int = 3) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["indicator_id", "place_code", "period", "value"])
    for i in range(rows):
        ws.append(["x", "371600", "2024", i])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_genuine_workbook_and_csv_pass():
    check_upload("values.xlsx", _workbook_bytes(1000))
    check_upload("values.csv", b"indicator_id,place_code,period,value\nx,371600,2024,1\n")


def test_oversized_upload_is_refused_with_the_limit():
    with pytest.raises(IndicatorsError) as err:
        check_upload("big.csv", b"a" * (MAX_UPLOAD_BYTES + 1))
    assert f"{MAX_UPLOAD_BYTES:,}" in str(err.value) and "big.csv" in str(err.value)


def test_too_many_rows_is_refused_with_the_limit():
    check_row_count("values.csv", MAX_ROWS)
    with pytest.raises(IndicatorsError, match="200,000"):
        check_row_count("values.csv", MAX_ROWS + 1)


@pytest.mark.parametrize("name", ["values.xls", "values.exe", "values", "values.xlsm"])
def test_other_file_kinds_are_refused(name):
    with pytest.raises(IndicatorsError, match="only CSV or XLSX"):
        check_upload(name, b"data")


def test_malformed_xlsx_is_refused_as_not_a_zip():
    with pytest.raises(IndicatorsError, match="not a zip archive"):
        check_upload("broken.xlsx", b"PK\x03\x04 this is not really a workbook")


def test_zip_without_workbook_parts_is_refused():
    with pytest.raises(IndicatorsError, match=r"\[Content_Types\].xml is missing"):
        check_upload("other.xlsx", _zip({"readme.txt": b"hello"}))


def test_zip_bomb_part_with_huge_compression_ratio_is_refused():
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000  # small on the wire, so only the ratio check can catch it
    with pytest.raises(IndicatorsError, match="zip bomb"):
        check_upload("bomb.xlsx", bomb)


def test_zip_bomb_of_many_small_parts_is_refused_by_total_size():
    parts = {"[Content_Types].xml": b"<Types/>"}
    parts.update({f"xl/media/p{i}.bin": b"\0" * (900 * 1024) for i in range(130)})
    bomb = _zip(parts)
    with pytest.raises(IndicatorsError, match="unpacks to"):
        check_upload("bomb.xlsx", bomb)


def test_streamlit_upload_limit_matches_the_domain_limit():
    import tomllib

    from indicators.paths import PROJECT_DIR
    from indicators.uploads import MAX_UPLOAD_MB

    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert MAX_UPLOAD_MB * 1024 * 1024 == MAX_UPLOAD_BYTES
