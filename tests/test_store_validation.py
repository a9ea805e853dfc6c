"""Every value is checked against the catalogue before it is written; each problem gets one message."""

from __future__ import annotations

import pytest

from indicators.errors import IndicatorsError
from indicators.store.observations import china_today
from indicators.store.store import Store

HOMES = "homes_adapted_for_elderly"  # 户, yearly, count
VISITS = "home_visits"  # 人次, quarterly
COVERAGE = "social_work_station_coverage"  # %, yearly
CALLS = "hotline_calls"  # 次, monthly
MOOD = "satisfaction_change"  # 百分点, yearly, may be negative
CITY = "371600"


def refused(store: Store, *args, **kwargs) -> list[tuple[str, str]]:
    """Save, expect a refusal, check nothing was written; return (field, message) per problem."""
    version = store.data_version()
    with pytest.raises(IndicatorsError) as exc:
        store.save(*args, entered_by=kwargs.pop("entered_by", "li"), **kwargs)
    assert store.data_version() == version
    assert store.changes_frame().empty
    return [(p.path, p.message) for p in exc.value.problems]


def test_unknown_indicator_is_refused_with_a_suggestion(store: Store):
    with pytest.raises(IndicatorsError) as exc:
        store.save("homes_adapted_for_elderley", CITY, "2023", 1, entered_by="li")
    (problem,) = exc.value.problems
    assert problem.path == "indicator_id"
    assert problem.message == "unknown indicator 'homes_adapted_for_elderley'"
    assert problem.hint == f"did you mean '{HOMES}'?"


def test_unknown_place_is_refused(store: Store):
    assert refused(store, HOMES, "371699", "2023", 1) == [("place_code", "unknown place code '371699'")]


def test_a_unit_with_the_same_base_is_converted(store: Store):
    saved = store.save(HOMES, CITY, "2023", 1.5, unit="万户", entered_by="li")
    assert (saved.value, saved.unit) == (15000, "户")
    assert store.current_frame()["value"].tolist() == [15000]


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        ("人", "unit '人' cannot be converted to this indicator's unit '户'"),
        ("%", "unit '%' cannot be converted to this indicator's unit '户'"),
        ("households", "unknown unit 'households'"),
    ],
)
def test_a_unit_that_cannot_be_converted_is_refused(store: Store, unit: str, message: str):
    assert refused(store, HOMES, CITY, "2023", 5, unit=unit) == [("unit", message)]


@pytest.mark.parametrize("value", [-0.1, 100.5, 250])
def test_percent_outside_0_to_100_is_refused(store: Store, value: float):
    assert refused(store, COVERAGE, CITY, "2023", value) == [("value", f"value {value:g} is outside 0–100 %")]


def test_percent_at_the_bounds_is_accepted(store: Store):
    store.save(COVERAGE, CITY, "2022", 0, entered_by="li")
    store.save(COVERAGE, CITY, "2023", 100, entered_by="li")
    assert store.current_frame()["value"].tolist() == [0, 100]


def test_negative_counts_are_refused_but_a_negative_change_is_data(store: Store):
    assert refused(store, HOMES, CITY, "2023", -3) == [
        ("value", "value -3 cannot be negative for unit 户"),
    ]
    assert store.save(MOOD, CITY, "2023", -1.2, entered_by="li").value == -1.2


@pytest.mark.parametrize(
    ("indicator_id", "period", "example"),
    [
        (VISITS, "2024", "2024Q3"),
        (CALLS, "2024Q3", "2024-07"),
        (HOMES, "2024-07", "2024"),
        (HOMES, "24", "2024"),
    ],
)
def test_a_period_must_match_the_frequency(store: Store, indicator_id: str, period: str, example: str):
    ((field, message),) = refused(store, indicator_id, CITY, period, 1)
    assert field == "period"
    assert f"period '{period}' does not fit frequency" in message and f"write it like {example}" in message


def test_periods_that_have_not_begun_are_refused(store: Store):
    next_year = str(china_today().year + 1)
    ((field, message),) = refused(store, HOMES, CITY, next_year, 1)
    assert field == "period" and message.startswith(f"period {next_year} has not begun yet")


def test_the_period_under_way_is_accepted_once_confirmed_with_a_reason(store: Store):
    today = china_today()
    # A period that has not ended is not refused, but its value may be incomplete: the person confirms.
    with pytest.raises(IndicatorsError) as exc:
        store.save(HOMES, CITY, str(today.year), 1, entered_by="li")
    assert [p.code for p in exc.value.problems] == ["plausibility.unconfirmed"]
    store.save(HOMES, CITY, str(today.year), 1, entered_by="li", flag_reason="年中快报")
    store.save(CALLS, CITY, f"{today.year}-{today.month:02d}", 1, entered_by="li", flag_reason="月中数")
    assert len(store.current_frame()) == 2
    saved = store.history(HOMES, CITY, str(today.year))[-1]
    assert saved.flag_reason == "年中快报" and "period_not_ended" in (saved.flags or "")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_refused(store: Store, value: float):
    assert refused(store, HOMES, CITY, "2023", value) == [
        ("value", f"value must be a finite number (got {value})")
    ]


def test_every_problem_is_reported_once_in_one_refusal(store: Store):
    problems = refused(store, COVERAGE, "999999", "2023Q1", 120, qualifier="roughly", entered_by=" ")
    fields = [field for field, _ in problems]
    assert sorted(fields) == ["entered_by", "period", "place_code", "qualifier", "value"]


def test_qualifier_and_source_kind_come_from_fixed_lists(store: Store):
    assert refused(store, HOMES, CITY, "2023", 1, source_kind="rumour") == [
        ("source_kind", "unknown source kind 'rumour'")
    ]
    for qualifier in ("exact", "more_than", "nearly", "about", "at_most"):
        revision = store.current_revision(HOMES, CITY, "2020")
        store.save(HOMES, CITY, "2020", 1, qualifier=qualifier, entered_by="li", expected_revision=revision)
    assert [o.qualifier for o in store.history(HOMES, CITY, "2020")][-1] == "at_most"
