"""The data behind a chart: CSV and XLSX that open in a spreadsheet without running anything."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from dashboard.export.charts import ChartMeta
from dashboard.export.data import to_csv, to_xlsx
from indicators.tabular import safe_text

META = ChartMeta(
    title="群众安全感满意度",
    unit="%",
    place="滨州市",
    period="2019—2024",
    source="市委政法委",
    example_target=True,
    export_date=dt.date(2025, 3, 1),
)
FRAME = pd.DataFrame(
    {
        "地区": ["滨州市", '=HYPERLINK("http://x")', "@SUM(A1)"],
        "period": ["2024", "2024", "2024"],
        "value": [98.5, -3.0, None],
        "note": ["+1 比上年", "-5", "正常"],
    }
)


def test_formula_like_text_gets_a_leading_quote_and_numbers_stay() -> None:
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("＝1+1") == "'＝1+1"
    assert safe_text("\t=cmd") == "'\t=cmd"
    assert safe_text("-5") == "-5"
    assert safe_text("滨州市") == "滨州市"
    assert safe_text(-3.0) == -3.0


def test_csv_has_bom_chinese_and_no_live_formulas() -> None:
    data = to_csv(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["地区"].tolist() == ["滨州市", '\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert back["note"].tolist() == ["'+1 比上年", "-5", "正常"]
    assert back["value"].tolist() == ["98.5", "-3.0", ""]


def test_xlsx_keeps_formula_like_text_as_text_and_has_the_chart_notes() -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(FRAME, META)))
    data = wb["数据"]
    assert [c.value for c in data[1]] == ["地区", "period", "value", "note"]
    link = data["A3"]
    assert link.data_type == "s" and link.value == '=HYPERLINK("http://x")'
    assert data["C2"].value == 98.5 and data["C4"].value is None
    notes = {row[0].value: row[1].value for row in wb["说明"].iter_rows()}
    assert notes["标题"] == "群众安全感满意度"
    assert notes["数据来源"] == "市委政法委"
    assert notes["导出日期"] == "2025-03-01"
    assert "非官方" in notes["示例目标"]


def test_xlsx_download_of_a_series_with_entry_times_writes_beijing_time() -> None:
    # The indicator page's series carries entered_at (UTC, aware); Excel cannot hold a time zone.
    frame = pd.DataFrame(
        {
            "period": ["2024"],
            "value": [120.0],
            "entered_at": pd.to_datetime([dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC)], utc=True),
        }
    )
    book = load_workbook(io.BytesIO(to_xlsx(frame, META)))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["period", "value"]
    assert sheet.cell(row=1, column=3).value.startswith("entered_at")  # labelled with its zone
    assert sheet.cell(row=2, column=3).value == dt.datetime(2025, 3, 1, 10, 30)


def test_a_missing_time_is_an_empty_cell_in_both_files() -> None:
    frame = pd.DataFrame(
        {
            "value": [1.0, 2.0],
            "entered_at": pd.to_datetime([dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC), None], utc=True),
        }
    )
    back = pd.read_csv(io.BytesIO(to_csv(frame)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.iloc[:, 1].tolist() == ["2025-03-01 10:30:00", ""]
    sheet = load_workbook(io.BytesIO(to_xlsx(frame, META))).worksheets[0]
    assert sheet.cell(row=3, column=2).value is None
