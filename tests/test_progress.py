"""Progress toward targets: expected path, status boundaries, trend and the edge cases staff meet."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scoring_helpers import CITY, COUNTIES, HEBEI, catalogue, indicator, observations, row

from indicators.errors import IndicatorsError
from indicators.scoring.scores import score

# Baseline 0 in 2020, target 100 in 2030: at 2025 the straight path expects 50 %.
LINEAR = {"baseline": (0, "2020"), "target": (100, "2030")}


def scored(inds, rows, **kw):
    return score(observations(rows), catalogue(inds, **kw)).indicators


@pytest.mark.parametrize(
    ("value", "status", "progress"),
    [
        (100.0, "achieved", 100.0),
        (130.0, "achieved", 100.0),  # beyond the target: progress stops at 100 %
        (45.0, "on_track", 45.0),  # 45 / 50 = 0.9 exactly: on_track threshold is inclusive
        (44.99, "at_risk", 44.99),
        (30.0, "at_risk", 30.0),  # 30 / 50 = 0.6 exactly: at_risk threshold is inclusive
        (29.99, "off_track", 29.99),
        (0.0, "off_track", 0.0),
        (-10.0, "off_track", 0.0),  # worse than the baseline: progress is 0, not negative
    ],
)
def test_status_boundaries_of_target_progress(value, status, progress):
    r = row(scored([indicator(**LINEAR)], [("ind_a", CITY, "2025", value)]))
    assert r.expected == pytest.approx(50.0)
    assert r.status == status
    assert r.progress == pytest.approx(progress)


def test_thresholds_come_from_the_framework_file():
    from indicators.models import Scoring, StatusThresholds

    strict = Scoring(status=StatusThresholds(on_track=1.0, at_risk=0.95))
    r = row(scored([indicator(**LINEAR)], [("ind_a", CITY, "2025", 45.0)], scoring=strict))
    assert r.status == "off_track"  # 0.9 of the expected progress is below 0.95


def test_missed_deadline_is_off_track_however_close():
    r = row(scored([indicator(**LINEAR)], [("ind_a", CITY, "2030", 99.0)]))
    assert (r.status, r.expected) == ("off_track", 100.0)


def test_at_the_baseline_period_nothing_is_expected_yet():
    r = row(scored([indicator(**LINEAR)], [("ind_a", CITY, "2020", 0.0)]))
    assert (r.status, r.expected, r.progress) == ("on_track", 0.0, 0.0)


@pytest.mark.parametrize(
    ("ind", "period", "flagged"),
    [
        (LINEAR, "2020", True),  # the baseline period itself
        (LINEAR, "2019", False),  # before it: insufficient data, not scored
        (LINEAR, "2021", False),  # the path has begun
        ({"baseline": (0, "2020")}, "2020", False),  # no target: not scored, so not "at baseline"
    ],
)
def test_values_in_or_before_the_baseline_period_are_told_apart_from_lagging_ones(ind, period, flagged):
    from indicators.scoring.progress import at_baseline

    frame = scored([indicator(**ind)], [("ind_a", CITY, period, 0.0)])
    assert at_baseline(frame[frame["place_code"] == CITY]).tolist() == [flagged]


def test_decrease_direction_counts_falling_values_as_progress():
    ind = indicator(direction="decrease", baseline=(450, "2023"), target=(380, "2027"))
    rows = [("ind_a", CITY, "2024", 430.0), ("ind_a", CITY, "2025", 415.0)]
    r = row(scored([ind], rows))
    # 2025 is half-way from the end of 2023 to the end of 2027; 415 is half-way from 450 to 380.
    assert r.progress == pytest.approx(50.0)
    assert r.expected == pytest.approx(50.0)
    assert r.status == "on_track"
    assert r.change_prev == pytest.approx(-15.0)
    assert r.change_baseline == pytest.approx(-35.0)
    assert r.trend == "improving"


def test_decrease_direction_rising_value_is_worsening_with_zero_progress():
    ind = indicator(direction="decrease", baseline=(450, "2023"), target=(380, "2027"))
    r = row(scored([ind], [("ind_a", CITY, "2024", 440.0), ("ind_a", CITY, "2025", 460.0)]))
    assert (r.progress, r.status, r.trend) == (0.0, "off_track", "worsening")


def test_single_data_point_is_measured_against_the_catalogue_baseline():
    r = row(scored([indicator(**LINEAR)], [("ind_a", CITY, "2025", 50.0)]))
    assert (r.baseline_source, r.baseline_value, r.status) == ("catalogue", 0.0, "on_track")
    assert math.isnan(r.change_prev) and r.prev_period is None and r.trend is None


def test_single_data_point_without_any_baseline_is_insufficient_data_not_a_score():
    r = row(scored([indicator(target=(100, "2030"))], [("ind_a", CITY, "2025", 50.0)]))
    assert r.status == "insufficient_data"
    assert math.isnan(r.progress) and math.isnan(r.score)


def test_single_data_point_without_baseline_can_still_have_achieved_the_target():
    r = row(scored([indicator(target=(100, "2030"))], [("ind_a", CITY, "2025", 100.0)]))
    assert (r.status, r.progress) == ("achieved", 100.0)


def test_missing_baseline_uses_the_first_observation_and_says_so():
    ind = indicator(target=(100, "2030"))
    rows = [("ind_a", CITY, "2020", 20.0), ("ind_a", CITY, "2025", 60.0)]
    r = row(scored([ind], rows))
    assert (r.baseline_source, r.baseline_period, r.baseline_value) == ("first_observation", "2020", 20.0)
    assert r.progress == pytest.approx(50.0)  # 20 → 60 of 20 → 100
    assert r.expected == pytest.approx(50.0)


def test_own_observation_at_the_baseline_period_wins_over_the_catalogue_figure():
    rows = [("ind_a", CITY, "2020", 10.0), ("ind_a", CITY, "2025", 55.0)]
    r = row(scored([indicator(**LINEAR)], rows))
    assert (r.baseline_source, r.baseline_value) == ("observed", 10.0)
    assert r.progress == pytest.approx(50.0)


@pytest.mark.parametrize(("value", "status", "progress"), [(5.0, "achieved", 100.0), (4.0, "off_track", 0.0)])
def test_target_equal_to_baseline_means_hold_the_level(value, status, progress):
    ind = indicator(baseline=(5, "2020"), target=(5, "2030"))
    r = row(scored([ind], [("ind_a", CITY, "2025", value)]))
    assert (r.status, r.progress, r.expected) == (status, progress, 100.0)


def test_zero_incidents_kept_at_zero_is_achieved():
    ind = indicator(unit="起", direction="decrease", combine="sum", baseline=(0, "2023"), target=(0, "2027"))
    r = row(scored([ind], [("ind_a", CITY, "2024", 0.0)]))
    assert r.status == "achieved"


@pytest.mark.parametrize(
    ("value", "status", "progress"),
    [
        (4.0, "achieved", 100.0),
        (3.0, "achieved", 100.0),  # on the bound counts as inside
        (6.0, "at_risk", 100 * (1.5 - 0.5) / 1.5),  # gap to the band shrank from 1.5 to 0.5
        (8.0, "off_track", 0.0),
    ],
)
def test_range_direction_measures_distance_to_the_band(value, status, progress):
    ind = indicator(direction="range", range={"min": 3.0, "max": 5.5}, baseline=(7.0, "2023"))
    r = row(scored([ind], [("ind_a", CITY, "2024", value)]))
    assert r.status == status
    assert r.progress == pytest.approx(progress)
    assert r.expected == 100.0  # without a deadline the band should hold now


def test_quarterly_series_expected_progress_follows_quarters():
    ind = indicator(frequency="quarter", baseline=(90, "2023Q4"), target=(98, "2025Q4"))
    rows = [("ind_a", CITY, "2024Q3", 93.0), ("ind_a", CITY, "2024Q4", 94.0)]
    r = row(scored([ind], rows))
    assert r.period == "2024Q4" and r.prev_period == "2024Q3"
    assert r.expected == pytest.approx(50.0)
    assert r.progress == pytest.approx(50.0)
    assert r.change_prev == pytest.approx(1.0)


def test_monthly_series_expected_progress_follows_months():
    ind = indicator(frequency="month", baseline=(0, "2024-01"), target=(120, "2025-01"))
    rows = [("ind_a", CITY, "2024-06", 40.0), ("ind_a", CITY, "2024-07", 50.0)]
    r = row(scored([ind], rows))
    assert r.expected == pytest.approx(50.0)  # 6 of 12 months
    assert r.progress == pytest.approx(100 * 50 / 120)
    assert r.status == "at_risk"  # 41.7 / 50 = 0.83


def test_milestones_bend_the_expected_path():
    ind = indicator(baseline=(0, "2020"), target=(100, "2030"), milestones=[(80, "2022")])
    rows = [("ind_a", CITY, "2021", 40.0)]
    assert row(scored([ind], rows)).expected == pytest.approx(40.0)  # half-way to the 2022 milestone
    rows = [("ind_a", CITY, "2026", 90.0)]
    assert row(scored([ind], rows)).expected == pytest.approx(90.0)  # 80 + 20 × 4/8
    rows = [("ind_a", CITY, "2022", 80.0)]
    assert row(scored([ind], rows)).status == "on_track"


@pytest.mark.parametrize(
    ("direction", "target", "value", "qualifier", "achieved"),
    [
        ("increase", 100, 100, "exact", True),
        ("increase", 100, 100, "more_than", True),  # more than 100 ≥ 100
        ("increase", 100, 100, "nearly", False),  # nearly 100 is below 100
        ("increase", 100, 100, "at_most", False),  # at most 100 may be below
        ("increase", 100, 100, "about", True),  # about: taken at face value
        ("increase", 90, 100, "nearly", True),  # away from the target the stated number counts
        ("decrease", 20, 20, "exact", True),
        ("decrease", 20, 20, "more_than", False),  # more than 20 is above 20
        ("decrease", 20, 20, "at_most", True),
        ("decrease", 20, 20, "nearly", True),
    ],
)
def test_bounds_decide_achievement_only_on_the_target(direction, target, value, qualifier, achieved):
    base = 0 if direction == "increase" else 40
    ind = indicator(direction=direction, baseline=(base, "2020"), target=(target, "2030"))
    r = row(scored([ind], [("ind_a", CITY, "2025", value, qualifier)]))
    assert (r.status == "achieved") is achieved
    assert r.qualifier == qualifier


def test_example_and_official_targets_are_carried_to_the_output():
    inds = [
        indicator("ind_a", **LINEAR, target_kind="example"),
        indicator("ind_b", **LINEAR, target_kind="official"),
    ]
    out = scored(inds, [("ind_a", CITY, "2025", 50.0), ("ind_b", CITY, "2025", 50.0)])
    assert row(out, "ind_a").target_kind == "example"
    assert row(out, "ind_b").target_kind == "official"


def test_indicator_without_target_has_value_and_trend_but_no_status():
    rows = [("ind_a", CITY, "2024", 10.0), ("ind_a", CITY, "2025", 12.0)]
    r = row(scored([indicator()], rows))
    assert (r.status, r.value, r.change_prev, r.trend) == ("no_target", 12.0, 2.0, "improving")
    assert math.isnan(r.score)


def test_every_indicator_and_place_gets_a_row_even_without_data():
    out = scored(
        [indicator("ind_a", **LINEAR), indicator("ind_b", **LINEAR)], [("ind_a", CITY, "2025", 50.0)]
    )
    r = row(out, "ind_b")
    assert r.status == "no_data" and math.isnan(r.value) and math.isnan(r.score)
    assert set(out["place_code"]) >= {CITY, *COUNTIES, HEBEI}


def test_city_target_applies_to_county_rates_but_not_county_counts_or_comparison_places():
    rate = indicator("rate", **LINEAR)
    count = indicator("count", unit="人", combine="sum", **LINEAR)
    rows = [
        ("rate", COUNTIES[0], "2020", 0.0),
        ("rate", COUNTIES[0], "2025", 50.0),
        ("count", COUNTIES[0], "2025", 50.0),
        ("rate", HEBEI, "2025", 50.0),
    ]
    out = scored([rate, count], rows)
    assert row(out, "rate", COUNTIES[0]).status == "on_track"
    county_count = row(out, "count", COUNTIES[0])
    assert county_count.status == "no_target" and county_count.target_value != county_count.target_value
    hebei = row(out, "rate", HEBEI)
    assert hebei.status == "no_target" and pd.isna(hebei.target_kind) and pd.isna(hebei.target_value)


def test_observations_of_unknown_indicators_are_reported_not_scored():
    s = score(
        observations([("ind_a", CITY, "2025", 1.0), ("gone", CITY, "2025", 1.0)]), catalogue([indicator()])
    )
    assert s.unknown_indicators == ["gone"]
    assert "gone" not in set(s.indicators["indicator_id"])


def test_unreadable_period_is_reported_with_rows():
    with pytest.raises(IndicatorsError) as info:
        scored([indicator()], [("ind_a", CITY, "2025", 1.0), ("ind_a", CITY, "2025年", 2.0)])
    text = str(info.value)
    assert "2025年" in text and "rows [1]" in text
