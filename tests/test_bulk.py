"""Bulk import (dry run, all-or-nothing, idempotent) and export (CSV/XLSX, formula-safe, round trip)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from indicators.bulk import (
    apply,
    dry_run,
    export_current,
    export_history,
    template,
)
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError
from indicators.store.store import Store
from indicators.tabular import neutralise, read_table, restore

HOMES = "homes_adapted_for_elderly"
VISITS = "home_visits"
COVERAGE = "social_work_station_coverage"
CITY = "371600"
WUDI = "371623"
HEADER = "indicator_id,place_code,period,value,unit,qualifier,note"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def plan_for(store: Store, data: bytes, name: str = "values.csv", user: str = "li"):
    return dry_run(store, read_table(data, name), user)


def import_bytes(store: Store, data: bytes, name: str = "values.csv", user: str = "li") -> int:
    return apply(store, plan_for(store, data, name, user))


def parse_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# --- template -------------------------------------------------------------------------------------


def test_template_lists_every_indicator_with_id_name_unit_and_frequency(small_catalogue: Catalogue):
    rows = parse_csv(template(small_catalogue, "csv"))
    # Chinese column headers for the people who fill it in.
    assert list(rows[0])[:4] == ["指标编号", "指标名称", "指标英文名称", "单位"]
    assert [r["指标编号"] for r in rows] == list(small_catalogue.indicators)
    homes = rows[0]
    assert (homes["指标名称"], homes["单位"], homes["统计频率"], homes["时期写法示例"]) == (
        "适老化改造户数",
        "户",
        "年",
        "2024",
    )
    assert {r["地区（名称或代码）"] for r in rows} == {CITY}
    assert all(r["数值"] == "" and r["时期"] == "" for r in rows)


def test_xlsx_template_has_the_same_rows_and_a_places_sheet(small_catalogue: Catalogue):
    book = load_workbook(io.BytesIO(template(small_catalogue, "xlsx")))
    assert book.sheetnames == ["observations", "places"]
    ids = [row[0] for row in book["observations"].iter_rows(min_row=2, values_only=True)]
    assert ids == list(small_catalogue.indicators)
    assert book["places"].max_row == len(small_catalogue.places) + 1


def test_a_filled_in_template_imports(store: Store, small_catalogue: Catalogue, tmp_path: Path):
    rows = parse_csv(template(small_catalogue, "csv"))
    rows[0].update({"时期": "2023", "数值": "1.5", "单位": "万户"})
    # A place by its name, as people write it, instead of its code.
    rows[1].update({"时期": "2024Q3", "数值": "160000", "地区（名称或代码）": "滨州市"})
    path = tmp_path / "filled.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plan = dry_run(store, read_table(path), "li")
    assert plan.summary() == {"new": 2, "changed": 0, "unchanged": 0, "skipped_blank": 3, "errors": 0}
    assert apply(store, plan) == 2
    frame = store.current_frame()
    assert sorted(frame["value"].tolist()) == [15000, 160000]
    assert set(frame["source_kind"]) == {"import"}
    assert frame["source_ref"].tolist()[0].startswith("filled.csv row ")


# --- dry run and apply ----------------------------------------------------------------------------


def test_dry_run_lists_new_changed_and_unchanged_rows_and_writes_nothing(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    store.save(HOMES, WUDI, "2023", 900, entered_by="li")
    version = store.data_version()
    plan = plan_for(
        store,
        csv_bytes(
            HEADER,
            f"{HOMES},{CITY},2023,15000,户,exact,",
            f"{HOMES},{WUDI},2023,950,户,exact,",
            f"{VISITS},{CITY},2024Q3,160000,人次,about,",
        ),
    )
    assert [(r.row, r.status) for r in plan.rows] == [(2, "unchanged"), (3, "changed"), (4, "new")]
    assert plan.changed[0].old_value == 900 and plan.changed[0].expected_revision == 1
    assert plan.errors == []
    assert store.data_version() == version


def test_dry_run_reports_every_error_with_row_and_column(store: Store):
    plan = plan_for(
        store,
        csv_bytes(
            HEADER,
            f"{HOMES},{CITY},2023,15000,户,exact,",
            f"{HOMES},{CITY},2023Q1,-3,户,exact,",
            f"{COVERAGE},999999,2023,101,%,exact,",
            f"{HOMES},{WUDI},2023,很多,户,exact,",
            f"{HOMES},{CITY},2023,15000,户,exact,",
        ),
    )
    found = [(e.row, e.column) for e in plan.errors]
    assert found == [(3, "period"), (3, "value"), (4, "place_code"), (4, "value"), (5, "value"), (6, "")]
    messages = [str(p) for p in plan.problems()]
    assert messages[0].startswith("values.csv: row 3, column period: period '2023Q1' does not fit")
    assert "'很多' is not a number" in messages[4]
    assert "is already on row 2" in messages[5]


def test_an_import_with_one_bad_row_writes_nothing(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    version = store.data_version()
    data = csv_bytes(HEADER, f"{HOMES},{WUDI},2023,900,户,exact,", f"{COVERAGE},{CITY},2023,150,%,exact,")
    plan = plan_for(store, data)
    with pytest.raises(IndicatorsError) as exc:
        apply(store, plan)
    assert [p.path for p in exc.value.problems] == ["row 3, column value"]
    assert store.data_version() == version
    assert len(store.changes_frame()) == 1


def test_importing_the_same_file_twice_changes_nothing(store: Store):
    data = csv_bytes(
        HEADER, f"{HOMES},{CITY},2023,15000,户,exact,累计", f"{HOMES},{WUDI},2023,0.09,万户,about,"
    )
    assert import_bytes(store, data) == 2
    version = store.data_version()
    again = plan_for(store, data)
    assert again.summary()["unchanged"] == 2
    assert import_bytes(store, data) == 0
    assert store.data_version() == version
    assert len(store.changes_frame()) == 2


def test_unknown_and_missing_columns_are_reported_on_row_1(store: Store):
    plan = plan_for(
        store, csv_bytes("indicator_id,place_code,period,vaule,colour", f"{HOMES},{CITY},2023,1,red")
    )
    assert [(e.row, e.column, e.message, e.hint) for e in plan.errors] == [
        (1, "vaule", "unknown column 'vaule'", "did you mean 'value'?"),
        (1, "colour", "unknown column 'colour'", "start from the template"),
        (1, "value", "required column 'value' is missing", "start from the template"),
    ]


def test_a_cell_changed_between_dry_run_and_apply_is_a_conflict_and_nothing_is_written(store: Store):
    data = csv_bytes(HEADER, f"{HOMES},{CITY},2023,15000,户,exact,", f"{HOMES},{WUDI},2023,900,户,exact,")
    plan = plan_for(store, data, user="importer")
    store.save(HOMES, WUDI, "2023", 905, entered_by="wang")
    with pytest.raises(IndicatorsError) as exc:
        apply(store, plan)
    (problem,) = exc.value.problems
    assert problem.code == "conflict" and problem.path == "row 3" and "wang" in problem.message
    assert store.current_frame()["value"].tolist() == [905]


def test_gb18030_csv_from_excel_is_read(store: Store):
    data = f"{HEADER}\n{HOMES},{CITY},2023,15000,户,exact,滨州市民政局\n".encode("gb18030")
    plan = plan_for(store, data)
    assert plan.errors == [] and plan.rows[0].note == "滨州市民政局"


def test_other_file_types_are_refused_by_name(store: Store):
    with pytest.raises(IndicatorsError) as exc:
        read_table(b"x", "values.ods")
    assert str(exc.value) == "values.ods: cannot import '.ods' files (hint: use a .csv or .xlsx file)"


# --- export and round trips -----------------------------------------------------------------------


def test_export_has_names_and_units_and_imports_back_unchanged(store: Store):
    store.save(HOMES, CITY, "2023", 15000, qualifier="more_than", note="累计, 含农村", entered_by="li")
    store.save(
        COVERAGE, CITY, "2022", 63.7, note='=HYPERLINK("x")', source_ref="-河北省数据", entered_by="li"
    )
    store.save("satisfaction_change", CITY, "2023", -1.25, note="+2 vs 2021", entered_by="li")
    data = export_current(store, "csv")
    rows = parse_csv(data)
    first = rows[0]
    assert (first["indicator_id"], first["name_zh"], first["unit"], first["place_name_zh"]) == (
        HOMES,
        "适老化改造户数",
        "户",
        "滨州市",
    )
    by_id = {r["indicator_id"]: r for r in rows}
    assert by_id[COVERAGE]["note"] == '\'=HYPERLINK("x")'
    assert by_id[COVERAGE]["source_ref"] == "'-河北省数据"
    assert by_id["satisfaction_change"]["value"] == "-1.25", "a negative number stays a number"
    assert by_id["satisfaction_change"]["note"] == "'+2 vs 2021"
    version = store.data_version()
    plan = plan_for(store, data, "export.csv")
    assert plan.summary() == {"new": 0, "changed": 0, "unchanged": 3, "skipped_blank": 0, "errors": 0}
    apply(store, plan)
    assert store.data_version() == version
    assert {r.indicator_id: r.note for r in plan.rows} == {
        HOMES: "累计, 含农村",
        COVERAGE: '=HYPERLINK("x")',
        "satisfaction_change": "+2 vs 2021",
    }


def test_xlsx_export_keeps_text_as_text_and_imports_back_unchanged(store: Store):
    store.save(HOMES, CITY, "2023", 15000, note="=1+1", entered_by="li")
    store.save(VISITS, CITY, "2024Q3", 160000, entered_by="li")
    data = export_current(store, "xlsx")
    sheet = load_workbook(io.BytesIO(data))["observations"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == HOMES)
    note = row[header.index("note")]
    assert note.value == "=1+1" and note.data_type == "s"
    plan = plan_for(store, data, "export.xlsx")
    assert plan.summary()["unchanged"] == 2 and plan.errors == []


def test_history_export_has_every_revision(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    store.save(HOMES, CITY, "2023", 15500, entered_by="wang", expected_revision=1, reason="typo")
    store.retract(HOMES, CITY, "2023", entered_by="zhao", reason="duplicate", expected_revision=2)
    rows = parse_csv(export_history(store, "csv"))
    assert [(r["revision"], r["value"], r["entered_by"], r["retracted"], r["reason"]) for r in rows] == [
        ("1", "15000", "li", "false", ""),
        ("2", "15500", "wang", "false", "typo"),
        ("3", "", "zhao", "true", "duplicate"),
    ]


def test_an_edited_export_row_changed_by_someone_else_since_is_refused(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    rows = parse_csv(export_current(store, "csv"))
    store.save(HOMES, CITY, "2023", 15200, entered_by="wang", expected_revision=1)
    rows[0]["value"] = "15100"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    plan = plan_for(store, out.getvalue().encode(), "old_export.csv")
    (error,) = plan.errors
    assert (error.row, error.column) == (2, "revision")
    assert "changed by wang" in error.message and "after this file was exported" in error.message


@given(st.text(alphabet=st.sampled_from(list("=+-@'\t\r 0123456789.eE,abc滨")), max_size=8))
def test_neutralising_a_cell_is_undone_exactly_on_import(text: str):
    assert restore(neutralise(text)) == text
    shown = neutralise(text)
    assert not shown.startswith(("=", "+", "-", "@", "\t", "\r")) or float(shown) == float(text)


def test_data_in_a_column_without_a_header_is_an_error(store: Store):
    plan = plan_for(
        store, csv_bytes(HEADER, f"{HOMES},{CITY},2023,15000,户,exact,,", f"{HOMES},{WUDI},2023,9,户,,,x")
    )
    assert [(e.row, e.message) for e in plan.errors] == [(3, "row has data in column 8, which has no header")]
    assert [r.row for r in plan.rows] == [2]


def test_an_import_reads_numbers_the_way_people_type_them_like_the_entry_form(store: Store):
    from indicators.articles.quantity import read_typed_number

    typed = ["1.5万", "15,000", "１５０００", "1,500", "0.2亿"]
    places = [CITY, WUDI, "371602", "371603", "371621"]
    rows = [f'{HOMES},{place},2023,"{text}",户,exact,' for place, text in zip(places, typed, strict=True)]
    plan = plan_for(store, csv_bytes(HEADER, *rows))
    assert plan.errors == []
    read = [r.value for r in plan.rows]
    assert read == [15000.0, 15000.0, 15000.0, 1500.0, 20_000_000.0]
    # One reader: the form reads each text exactly as the import did.
    assert read == [read_typed_number(t, "户").value for t in typed]
