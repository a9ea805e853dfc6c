"""One cell, one spelling: periods, place codes and ids typed with full-width or other Unicode digits
land in the same cell as their ASCII spelling, on every write path; impossible years are refused."""

from __future__ import annotations

import pytest

from indicators.bulk import apply, dry_run
from indicators.canonical import canonical
from indicators.errors import IndicatorsError
from indicators.periods import check_frequency
from indicators.store.store import Store
from indicators.tabular import Table

HOMES = "homes_adapted_for_elderly"
VISITS = "home_visits"
CITY = "371600"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("２０２４", "2024"),
        (" 2024 ", "2024"),
        ("２０２４Ｑ３", "2024Q3"),
        ("2024q3", "2024Q3"),
        ("２０２４－０７", "2024-07"),
        ("٢٠٢٤", "2024"),  # Arabic-Indic digits: not touched by NFKC, still digits
        ("３７１６００", "371600"),
    ],
)
def test_unicode_spellings_become_canonical_ascii(typed: str, expected: str):
    assert canonical(typed, upper=True) == expected


def test_full_width_period_saves_into_the_same_cell_as_ascii(store: Store):
    store.save(HOMES, CITY, "2024", 10, entered_by="a")
    with pytest.raises(IndicatorsError) as exc:
        # Same cell: a new save (expected revision 0) is a conflict, not a second cell.
        store.save(HOMES, CITY, "２０２４", 11, entered_by="b")
    assert exc.value.problems[0].code == "conflict"
    saved = store.save(HOMES, "３７１６００", "２０２４", 11, entered_by="b", expected_revision=1)
    assert (saved.place_code, saved.period, saved.revision) == (CITY, "2024", 2)
    frame = store.current_frame()
    assert list(frame["period"]) == ["2024"] and list(frame["value"]) == [11.0]


def test_retract_and_history_find_the_cell_under_any_spelling(store: Store):
    store.save(HOMES, CITY, "2024", 10, entered_by="a")
    assert store.current_revision(HOMES, CITY, "２０２４") == 1
    store.retract(HOMES, CITY, " ２０２４", entered_by="a", reason="typo", expected_revision=1)
    assert [o.revision for o in store.history(HOMES, CITY, "２０２４")] == [1, 2]


def test_append_many_stores_canonical_cells(store: Store):
    checked, problems = store.checker().check(HOMES, CITY, "2024", 5.0, None, None)
    assert not problems and checked is not None
    row = store.row(checked, note=None, source_kind="import", source_ref=None, entered_by="x", reason=None)
    row["period"] = "２０２４"
    store.append_many([row], {})
    assert list(store.current_frame()["period"]) == ["2024"]


def test_import_with_full_width_period_changes_the_existing_cell(store: Store):
    store.save(HOMES, CITY, "2024", 10, entered_by="a")
    table = Table(
        "f.csv", ["indicator_id", "place_code", "period", "value"], [(2, [HOMES, CITY, "２０２４", "12"])]
    )
    plan = dry_run(store, table, "importer")
    assert not plan.errors
    assert [(r.period, r.status) for r in plan.rows] == [("2024", "changed")]
    apply(store, plan)
    assert list(store.current_frame()["value"]) == [12.0]


@pytest.mark.parametrize("period", ["0000", "0001", "1900", "2101", "９９９９"])
def test_out_of_range_years_are_refused_with_a_message(store: Store, period: str):
    with pytest.raises(IndicatorsError) as exc:
        store.save(HOMES, CITY, period, 1, entered_by="a")
    (problem,) = exc.value.problems
    assert problem.path == "period"
    assert "1949" in problem.message and "2100" in problem.message


def test_out_of_range_quarter_is_refused_not_a_traceback(store: Store):
    with pytest.raises(IndicatorsError):
        store.save(VISITS, CITY, "0000Q1", 1, entered_by="a")


def test_check_frequency_refuses_year_zero():
    assert check_frequency("0000", "year") is not None
    assert check_frequency("2024", "year") is None
