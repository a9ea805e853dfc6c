"""Imports are exact: any change is a change, every stored digit survives export and re-import, and
digits a stored number cannot hold are refused instead of being rounded away."""

from __future__ import annotations

import pytest

from indicators.bulk import apply, dry_run, export_current
from indicators.store.store import Store
from indicators.tabular import read_table

HOMES = "homes_adapted_for_elderly"
SAT = "satisfaction_change"
CITY = "371600"
HEADER = "indicator_id,place_code,period,value"


def plan_for(store: Store, data: bytes, name: str = "values.csv"):
    return dry_run(store, read_table(data, name), "li")


def test_a_change_of_one_in_a_billion_is_a_change(store: Store):
    store.save(HOMES, CITY, "2023", 1234567890, entered_by="li")
    plan = plan_for(store, f"{HEADER}\n{HOMES},{CITY},2023,1234567891\n".encode())
    assert [(r.status, r.value) for r in plan.rows] == [("changed", 1234567891.0)]
    apply(store, plan)
    assert store.current_frame()["value"].tolist() == [1234567891.0]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("value", [0.30000000000000004, 1234567.891234567, -1.2345678901234567e-7, 2.5])
def test_full_precision_survives_export_and_reimport(store: Store, fmt: str, value: float):
    store.save(SAT, CITY, "2023", value, entered_by="li")
    data = export_current(store, fmt)  # type: ignore[arg-type]
    plan = plan_for(store, data, f"export.{fmt}")
    assert plan.errors == []
    assert [(r.status, r.value) for r in plan.rows] == [("unchanged", value)]
    # The same file with the last digit changed is a change, not "unchanged".
    table = read_table(data, f"export.{fmt}")
    at = table.columns.index("value")
    table.rows[0][1][at] = value * (1 + 4e-16) if value != 2.5 else 2.5000000000000004
    changed = dry_run(store, table, "li")
    assert [r.status for r in changed.rows] == ["changed"]


@pytest.mark.parametrize("text", ["1234567890.123456789", "12345678901234567890", "0.12345678901234567891"])
def test_digits_a_stored_number_cannot_hold_are_refused(store: Store, text: str):
    plan = plan_for(store, f"{HEADER}\n{SAT},{CITY},2023,{text}\n".encode())
    (error,) = plan.errors
    assert (error.row, error.column) == (2, "value")
    assert "significant digits" in error.message
    assert plan.rows == []


@pytest.mark.parametrize("text", ["123456789012345", "1.5", "0.30000000000000004", "1e-300", "1,234,567.5"])
def test_numbers_that_fit_are_accepted(store: Store, text: str):
    plan = plan_for(store, f'{HEADER}\n{SAT},{CITY},2023,"{text}"\n'.encode())
    assert plan.errors == []
