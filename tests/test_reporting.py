"""The reporting calendar and the state of a round: due dates, expected cells, the department matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.access import User
from indicators.guarded import GuardedStore
from indicators.scoring import reporting
from indicators.store import rounds
from indicators.store.store import Store

CITY = "371600"
COUNTY = "371602"
HOMES = "homes_adapted_for_elderly"  # civil_affairs, yearly, sum
VISITS = "home_visits"  # civil_affairs, quarterly
CALLS = "hotline_calls"  # health_commission, monthly
EDITOR = User(name="li", role="editor", departments=("civil_affairs",))
REVIEWER = User(name="zhao", role="reviewer")


def test_due_dates_come_from_the_framework_calendar(small_catalogue):
    assert reporting.due_date(small_catalogue, HOMES, "2024") == dt.date(2025, 1, 31)
    assert reporting.due_date(small_catalogue, VISITS, "2024Q1") == dt.date(2024, 4, 15)
    assert reporting.due_date(small_catalogue, VISITS, "2024Q4") == dt.date(2025, 1, 15)
    assert reporting.due_date(small_catalogue, CALLS, "2024-02") == dt.date(2024, 3, 10)


def test_an_indicator_can_override_its_due_days(small_catalogue):
    ind = small_catalogue.indicators[HOMES].model_copy(update={"due_days": 60})
    small = type(small_catalogue)(
        framework=small_catalogue.framework,
        themes=small_catalogue.themes,
        places=small_catalogue.places,
        directory=small_catalogue.directory,
        departments=small_catalogue.departments,
    )
    small.indicators[HOMES] = ind
    assert reporting.due_date(small, HOMES, "2024") == dt.date(2025, 3, 1)


def test_only_ended_periods_are_owed(small_catalogue):
    assert reporting.expected_periods("year", 2024, dt.date(2025, 3, 1)) == ["2024"]
    assert reporting.expected_periods("quarter", 2025, dt.date(2025, 7, 1)) == ["2025Q1", "2025Q2"]


def test_the_matrix_counts_each_state_and_overdue_only_after_the_due_date(store: Store):
    editor, reviewer = GuardedStore(store, EDITOR), GuardedStore(store, REVIEWER)
    editor.save(HOMES, CITY, "2024", 10)
    editor.save(VISITS, CITY, "2024Q1", 5)
    editor.save(VISITS, CITY, "2024Q2", 6)
    reviewer.review([((VISITS, CITY, "2024Q1"), 1)], "approve")
    reviewer.review([((VISITS, CITY, "2024Q2"), 1)], "return", reason="口径不一致")
    states = rounds.state_frame(store)
    cat = store.catalogue

    def row(matrix, period):
        found = matrix[(matrix["department"] == "civil_affairs") & (matrix["period"] == period)]
        return found.iloc[0][reporting.COUNTS].tolist()

    # Before 2024's due date (31 Jan 2025) the missing yearly values are not overdue yet.
    early = reporting.status_matrix(cat, states, dt.date(2025, 1, 20), start_year=2024)
    # civil_affairs owes two yearly indicators at the city (no county data yet): one submitted.
    assert row(early, "2024") == [2, 0, 1, 0, 1, 0]
    assert row(early, "2024Q1") == [1, 1, 0, 0, 0, 0]
    assert row(early, "2024Q2") == [1, 0, 0, 1, 0, 0]
    assert row(early, "2024Q3") == [1, 0, 0, 0, 1, 1]
    late = reporting.status_matrix(cat, states, dt.date(2025, 2, 10), start_year=2024)
    assert row(late, "2024") == [2, 0, 1, 0, 1, 1]
    owed = reporting.cells(cat, states, dt.date(2025, 2, 10), department="civil_affairs", periods={"2024"})
    overdue = owed[owed["state"] == "overdue"]
    assert overdue[["indicator_id", "due", "days_overdue"]].values.tolist() == [
        ["social_work_station_coverage", dt.date(2025, 1, 31), 10]
    ]
    returned = reporting.cells(cat, states, dt.date(2025, 2, 10), periods={"2024Q2"})
    assert returned.loc[returned["indicator_id"] == VISITS, "reason"].tolist() == ["口径不一致"]


def test_counties_are_owed_once_a_county_value_exists(store: Store):
    GuardedStore(store, EDITOR).save(HOMES, COUNTY, "2024", 3)
    matrix = reporting.status_matrix(store.catalogue, rounds.state_frame(store), dt.date(2025, 2, 1), 2024)
    year = matrix[(matrix["department"] == "civil_affairs") & (matrix["period"] == "2024")].iloc[0]
    counties = len(store.catalogue.counties(CITY))
    assert year["expected"] == 2 + counties  # HOMES at the city and every county; the other at the city
    assert year["submitted"] == 1


def test_the_round_rate_reaches_one_when_every_owed_cell_is_approved(store: Store):
    cat = store.catalogue
    editor, reviewer = GuardedStore(store, EDITOR), GuardedStore(store, REVIEWER)
    today = dt.date(2025, 2, 10)
    owed = reporting.cells(
        cat, rounds.state_frame(store), today, department="civil_affairs", periods={"2024"}
    )
    for r in owed.itertuples():
        editor.save(r.indicator_id, r.place_code, r.period, 1)
        reviewer.review([((r.indicator_id, r.place_code, r.period), 1)], "approve")
    matrix = reporting.status_matrix(cat, rounds.state_frame(store), today, 2024)
    done = matrix[(matrix["department"] == "civil_affairs") & (matrix["period"] == "2024")].iloc[0]
    assert done["approved_rate"] == pytest.approx(1.0)
