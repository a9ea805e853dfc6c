"""Uploads cannot exhaust the server: declared and actual sheet sizes are checked while streaming, the
command line has the same limits, and free text has a length limit on every write path."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from cli_helpers import add_accounts

from indicators.cli import main as cli
from indicators.errors import IndicatorsError
from indicators.store.store import Store
from indicators.tabular import MAX_COLUMNS, read_table
from indicators.uploads import MAX_TEXT, read_upload

HOMES = "homes_adapted_for_elderly"
CITY = "371600"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="observations" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def xfd_workbook(rows: int, dimension: str | None) -> bytes:
    """A workbook with one number in column XFD on every row: tiny on disk, 16,384 columns wide."""
    body = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, rows + 1))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{body}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


@pytest.mark.parametrize("dimension", ["A1:XFD3000", None, "A1:A1"])
def test_one_cell_in_column_xfd_per_row_is_refused(dimension: str | None):
    data = xfd_workbook(3000, dimension)
    assert len(data) < 100_000
    with pytest.raises(IndicatorsError) as exc:
        read_upload("wide.xlsx", data)
    (problem,) = exc.value.problems
    assert problem.code == "upload.too_many_columns"
    assert str(MAX_COLUMNS) in problem.message


def test_declared_rows_past_the_limit_are_refused_before_reading(monkeypatch):
    from indicators import tabular

    monkeypatch.setattr(tabular, "MAX_ROWS", 10)
    with pytest.raises(IndicatorsError) as exc:
        read_upload("long.xlsx", xfd_workbook(1, "A1:B50"))
    assert exc.value.problems[0].code == "upload.too_many_rows"


def test_the_command_line_import_has_the_same_size_limit(tmp_path: Path, capsys, monkeypatch):
    from indicators import uploads

    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    big = tmp_path / "big.csv"
    big.write_text("indicator_id,place_code,period,value\n" + f"{HOMES},{CITY},2023,1\n" * 100)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    add_accounts(db, ("li",))
    code = cli.main(["import", str(big), "--db", db, "--user", "li"])
    assert code == 1
    err = capsys.readouterr().err
    assert "limit" in err and "Traceback" not in err


def test_a_wide_csv_is_refused():
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 5))
    with pytest.raises(IndicatorsError) as exc:
        read_upload("wide.csv", (header + "\n").encode())
    assert exc.value.problems[0].code == "upload.too_many_columns"


def test_read_table_still_reads_a_normal_workbook():
    import pandas as pd

    from indicators.tabular import to_xlsx_bytes

    data = to_xlsx_bytes(
        pd.DataFrame({"indicator_id": [HOMES], "place_code": [CITY], "period": ["2023"], "value": [1]})
    )
    table = read_table(data, "ok.xlsx")
    assert table.rows == [(2, [HOMES, CITY, "2023", 1])]


@pytest.mark.parametrize("field", ["note", "source_ref", "reason"])
def test_long_free_text_is_refused_on_save(store: Store, field: str):
    kwargs = {field: "长" * (MAX_TEXT + 1)}
    with pytest.raises(IndicatorsError) as exc:
        store.save(HOMES, CITY, "2023", 1, entered_by="li", **kwargs)
    (problem,) = exc.value.problems
    assert problem.code == "text_too_long" and problem.path == field
    assert store.current_frame().empty


def test_long_reason_is_refused_on_retract(store: Store):
    store.save(HOMES, CITY, "2023", 1, entered_by="li")
    with pytest.raises(IndicatorsError):
        store.retract(HOMES, CITY, "2023", entered_by="li", reason="x" * (MAX_TEXT + 1), expected_revision=1)


def test_long_note_in_an_import_is_a_row_error(store: Store):
    from indicators.bulk import dry_run

    note = "x" * (MAX_TEXT + 1)
    data = f"indicator_id,place_code,period,value,note\n{HOMES},{CITY},2023,1,{note}\n".encode()
    plan = dry_run(store, read_table(data, "n.csv"), "li")
    assert [(e.row, e.column) for e in plan.errors] == [(2, "note")]


def test_append_many_refuses_long_text(store: Store):
    checked, _ = store.checker().check(HOMES, CITY, "2023", 1.0, None, None)
    assert checked is not None
    row = store.row(
        checked, note="x" * (MAX_TEXT + 1), source_kind="import", source_ref=None, entered_by="x", reason=None
    )
    with pytest.raises(IndicatorsError):
        store.append_many([row], {})
    assert store.current_frame().empty
