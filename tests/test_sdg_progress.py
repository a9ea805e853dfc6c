"""The Open SDG progress measure: worked examples computed by hand, thresholds and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scoring_helpers import CITY, HEBEI, catalogue, indicator, observations, row

from indicators.models import SdgThresholds
from indicators.scoring.scores import score
from indicators.scoring.sdg_progress import sdg_score, sdg_status

DEFAULTS = SdgThresholds()


def sdg(inds, rows):
    return score(observations(rows), catalogue(inds), method="sdg_progress").indicators


# Baseline 100 in 2020, target 200 in 2030: required growth CAGR_r = 2^(1/10) − 1 = 0.0717735.
# Each case: latest value in 2025 (5 years on), CAGR_o = (v/100)^(1/5) − 1, value = CAGR_o / |CAGR_r|,
# score from sdg-build's lines 7.1429·p − 4.2857 (p ≥ 0.6) or 4.1667·p − 2.5 (below).
@pytest.mark.parametrize(
    ("value", "cagr_o", "progress_value", "status", "sdg_score_"),
    [
        # v = target: achieved is checked first, whatever the growth ratio (2.07 here)
        (200.0, 0.1486984, None, "target_achieved", 5.0),
        (150.0, 0.0844718, 1.176922, "substantial", 4.1209),
        (127.62815625, 0.05, 0.696636, "moderate", 0.6903),  # 100 · 1.05^5
        (101.0, 0.0019920, 0.027755, "limited", -2.3844),
        (90.0, -0.0208516, -0.290520, "deterioration", -3.7105),
    ],
)
def test_worked_examples_with_a_target(value, cagr_o, progress_value, status, sdg_score_):
    ind = indicator(baseline=(100, "2020"), target=(200, "2030"))
    r = row(sdg([ind], [("ind_a", CITY, "2025", value)]))
    assert r.status == status
    assert r.cagr_observed == pytest.approx(cagr_o, abs=1e-6)
    assert r.cagr_required == pytest.approx(0.0717735, abs=1e-6)
    if progress_value is not None:
        assert r.sdg_value == pytest.approx(progress_value, abs=1e-5)
    assert r.sdg_score == pytest.approx(sdg_score_, abs=1e-3)
    assert r.score == pytest.approx((sdg_score_ + 5) * 10, abs=1e-2)


def test_worked_example_decrease_toward_a_lower_target():
    # 50 → 25 by 2030 needs CAGR_r = 0.5^(1/10) − 1 = −0.0669670; 40 in 2025 is CAGR_o = 0.8^(1/5) − 1
    # = −0.0436475; value = −1 · (−0.0436475) / 0.0669670 = 0.651776 → moderate.
    ind = indicator(direction="decrease", baseline=(50, "2020"), target=(25, "2030"))
    r = row(sdg([ind], [("ind_a", CITY, "2025", 40.0)]))
    assert r.sdg_value == pytest.approx(0.651776, abs=1e-5)
    assert r.status == "moderate"


@pytest.mark.parametrize(
    ("value", "direction", "progress_value", "status", "sdg_score_"),
    [
        # No target: value = d · CAGR_o over 5 years from 100; sdg-build's no-target lines.
        (110.0, "increase", 0.0192449, "substantial", 4.6224),  # 500·p − 5
        (103.0, "increase", 0.0059293, "moderate", 0.2323),  # 250·p − 1.25
        (101.0, "increase", 0.0019920, "limited", -1.5040),  # 500·p − 2.5
        (99.0, "increase", -0.0020080, "deterioration", -2.7510),  # 125·p − 2.5
        (90.0, "decrease", 0.0208516, "substantial", 5.0),  # falling is good; capped at 5
    ],
)
def test_worked_examples_without_a_target(value, direction, progress_value, status, sdg_score_):
    ind = indicator(direction=direction, baseline=(100, "2020"))
    r = row(sdg([ind], [("ind_a", CITY, "2025", value)]))
    assert r.sdg_value == pytest.approx(progress_value, abs=1e-6)
    assert r.status == status
    assert r.sdg_score == pytest.approx(sdg_score_, abs=1e-3)
    assert math.isnan(r.cagr_required)


@pytest.mark.parametrize(
    ("value", "with_target", "status"),
    [
        (0.95, True, "substantial"),
        (0.9499, True, "moderate"),
        (0.6, True, "moderate"),
        (0.5999, True, "limited"),
        (0.0, True, "limited"),
        (-0.0001, True, "deterioration"),
        (0.015, False, "substantial"),
        (0.0149, False, "moderate"),
        (0.005, False, "moderate"),
        (0.0049, False, "limited"),
        (0.0, False, "limited"),
        (-0.0001, False, "deterioration"),
        (float("nan"), True, "insufficient_data"),
    ],
)
def test_status_boundaries_of_the_sdg_method(value, with_target, status):
    out = sdg_status(np.array([value]), np.array([with_target]), np.array([False]), DEFAULTS)
    assert out[0] == status


def test_target_achieved_is_checked_before_thresholds():
    out = sdg_status(np.array([-3.0]), np.array([True]), np.array([True]), DEFAULTS)
    assert out[0] == "target_achieved"


@pytest.mark.parametrize(
    ("value", "with_target", "expected"),
    [
        (0.95, True, 2.5),
        (0.6, True, 0.0),
        (0.0, True, -2.5),
        (0.8, True, 7.1429 * 0.8 - 4.2857),
        (0.3, True, 4.1667 * 0.3 - 2.5),
        (2.0, True, 5.0),
        (-1.0, True, -5.0),
        (0.015, False, 2.5),
        (0.01, False, 250 * 0.01 - 1.25),
        (0.003, False, 500 * 0.003 - 2.5),
        (-0.01, False, 125 * -0.01 - 2.5),
        (0.05, False, 5.0),
    ],
)
def test_score_reproduces_sdg_build_lines(value, with_target, expected):
    assert sdg_score(np.array([value]), np.array([with_target]), DEFAULTS)[0] == pytest.approx(
        expected, abs=2e-3
    )


def test_thresholds_come_from_the_framework_file():
    from indicators.models import Scoring

    strict = Scoring(method="sdg_progress", sdg=SdgThresholds(with_target=(2.0, 1.5, 0.0)))
    ind = indicator(baseline=(100, "2020"), target=(200, "2030"))
    out = score(observations([("ind_a", CITY, "2025", 150.0)]), catalogue([ind], scoring=strict)).indicators
    assert row(out).status == "limited"  # 1.18 is below the stricter 1.5


def test_single_data_point_at_the_baseline_period_is_insufficient():
    ind = indicator(baseline=(100, "2020"), target=(200, "2030"))
    r = row(sdg([ind], [("ind_a", CITY, "2020", 100.0)]))
    assert r.status == "insufficient_data" and math.isnan(r.score)


def test_zero_baseline_is_replaced_by_a_small_stand_in_like_sdg_build():
    ind = indicator(unit="人", baseline=(0, "2020"), target=(10, "2030"))
    r = row(sdg([ind], [("ind_a", CITY, "2025", 2.0)]))
    # (2 / 0.001)^(1/5) − 1 against (10 / 0.001)^(1/10) − 1
    assert r.sdg_value == pytest.approx(((2 / 0.001) ** 0.2 - 1) / ((10 / 0.001) ** 0.1 - 1))


def test_target_equal_to_baseline_and_moving_away_is_deterioration():
    ind = indicator(unit="起", direction="decrease", baseline=(0, "2020"), target=(0, "2030"))
    r = row(sdg([ind], [("ind_a", CITY, "2025", 3.0)]))
    assert r.status == "deterioration"
    assert r.sdg_score == -5.0


def test_quarterly_growth_is_annualised_over_the_elapsed_years():
    ind = indicator(frequency="quarter", baseline=(100, "2023Q4"))
    r = row(sdg([ind], [("ind_a", CITY, "2024Q3", 110.0)]))
    assert r.cagr_observed == pytest.approx(1.1 ** (1 / 0.75) - 1)  # three quarters = 0.75 years


def test_range_outside_the_band_heads_for_the_nearer_bound():
    ind = indicator(
        direction="range", range={"min": 3.0, "max": 5.5}, baseline=(8.0, "2020"), target=(5.0, "2030")
    )
    r = row(sdg([ind], [("ind_a", CITY, "2025", 6.0)]))
    # falling from 8 toward 5.5: (6/8)^(1/5) − 1 against (5.5/8)^(1/10) − 1, direction −1
    expected = -((6 / 8) ** 0.2 - 1) / abs((5.5 / 8) ** 0.1 - 1)
    assert r.sdg_value == pytest.approx(expected)
    inside = row(sdg([ind], [("ind_a", CITY, "2025", 4.0)]))
    assert inside.status == "target_achieved"


def test_comparison_place_is_measured_without_the_city_target():
    ind = indicator(baseline=(100, "2020"), target=(200, "2030"))
    rows = [("ind_a", HEBEI, "2020", 100.0), ("ind_a", HEBEI, "2025", 110.0)]
    r = row(sdg([ind], rows), place=HEBEI)
    assert not r.target_applies
    assert r.sdg_value == pytest.approx(1.1**0.2 - 1)
    assert r.status == "substantial"
