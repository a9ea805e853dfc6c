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


# ---------------------------------------------------------------- sdg-build's `limit`


def _sdg_build_no_target(base: float, current: float, years: float, limit: float | None, direction: int = 1):
    """sdg-build's method 1 with `limit`, transcribed from sdg/ProgressMeasure.py (open-sdg/sdg-build,
    SeriesProgress.get_progress_thresholds, methodology_1, get_progress_status, get_score) as the oracle."""
    thresholds = {"high": 0.015, "med": 0.005, "low": 0.0}
    coeff = 1.0
    if limit is not None:
        b, lim, a = abs(base), abs(limit), 4.44
        if b >= 2 * lim:
            coeff = 1
        elif b <= lim:
            coeff = 1 - (b / lim) ** a
        else:
            coeff = 1 - ((2 * lim - b) / lim) ** a
        thresholds = {k: v * coeff for k, v in thresholds.items()}
    sign = -1 if base < 0 else 1
    value = sign * direction * ((current / base) ** (1 / years) - 1)
    if value >= thresholds["high"]:
        status = "substantial"
    elif value >= thresholds["med"]:
        status = "moderate"
    elif value >= thresholds["low"]:
        status = "limited"
    else:
        status = "deterioration"
    if value < thresholds["low"]:
        score = max(125 * value - 2.5, -5)
    elif coeff == 0:
        score = 5
    elif value >= thresholds["high"]:
        score = min(500 * value / coeff - 5, 5)
    elif value >= thresholds["med"]:
        score = 250 * value / coeff - 1.25
    else:
        score = 500 * value / coeff - 2.5
    return value, coeff, status, score


def test_worked_example_a_share_near_its_limit_of_100():
    # Baseline 90 % in 2020, limit 100, no target; 92 % in 2025. CAGR_o = (92/90)^(1/5) − 1 = 0.0044055.
    # Without a limit that is below med 0.005 → limited. With it, c = 1 − 0.9^4.44 = 0.373622, so the
    # thresholds shrink to high 0.0056043, med 0.0018681 → moderate; score 250 · 0.0044055/0.373622 − 1.25
    # = 1.6978 (docs/scoring.md).
    ind = indicator(baseline=(90, "2020"), sdg_limit=100)
    r = row(sdg([ind], [("ind_a", CITY, "2025", 92.0)]))
    assert r.sdg_value == pytest.approx(0.0044055, abs=1e-7)
    assert r.sdg_coefficient == pytest.approx(0.373622, abs=1e-6)
    assert r.status == "moderate"
    assert r.sdg_score == pytest.approx(1.6978, abs=1e-4)
    plain = row(sdg([indicator(baseline=(90, "2020"))], [("ind_a", CITY, "2025", 92.0)]))
    assert plain.status == "limited" and math.isnan(plain.sdg_coefficient)


@pytest.mark.parametrize(
    ("base", "current", "limit", "direction"),
    [
        (90.0, 92.0, 100.0, "increase"),  # below the limit
        (150.0, 155.0, 100.0, "increase"),  # between limit and 2·limit
        (250.0, 260.0, 100.0, "increase"),  # at or past 2·limit: coefficient 1
        (12.0, 11.0, 10.0, "decrease"),  # a rate heading down toward a floor of 10
        (90.0, 88.0, 100.0, "increase"),  # moving away: deterioration, unscaled slope below low
        (99.0, 99.5, 100.0, "increase"),  # c = 0.0436: tiny growth is substantial
    ],
)
def test_limit_matches_sdg_builds_formula(base, current, limit, direction):
    d = 1 if direction == "increase" else -1
    value, coeff, status, score = _sdg_build_no_target(base, current, 5, limit, d)
    ind = indicator(direction=direction, baseline=(base, "2020"), sdg_limit=limit)
    r = row(sdg([ind], [("ind_a", CITY, "2025", current)]))
    assert r.sdg_value == pytest.approx(value, abs=1e-9)
    assert r.sdg_coefficient == pytest.approx(coeff, abs=1e-9)
    assert r.status == status
    assert r.sdg_score == pytest.approx(score, abs=1e-6)


def test_a_baseline_at_the_limit_scores_5_when_it_holds_and_deteriorates_when_it_falls():
    # c = 0: any non-negative growth is substantial (sdg-build: coefficient 0 → score 5).
    held = row(sdg([indicator(baseline=(100, "2020"), sdg_limit=100)], [("ind_a", CITY, "2025", 100.0)]))
    assert (held.sdg_coefficient, held.status, held.sdg_score) == (0.0, "substantial", 5.0)
    fell = row(sdg([indicator(baseline=(100, "2020"), sdg_limit=100)], [("ind_a", CITY, "2025", 99.0)]))
    assert fell.status == "deterioration"


def test_a_limit_is_ignored_when_there_is_a_target_and_the_framework_default_applies_otherwise():
    with_target = indicator(baseline=(90, "2020"), target=(95, "2030"), sdg_limit=100)
    r = row(sdg([with_target], [("ind_a", CITY, "2025", 92.0)]))
    assert math.isnan(r.sdg_limit) and math.isnan(r.sdg_coefficient)
    # No sdg_limit on the indicator: framework.scoring.sdg.limit is the default.
    from indicators.models import Scoring

    cat = catalogue([indicator(baseline=(90, "2020"))], scoring=Scoring(sdg=SdgThresholds(limit=100)))
    r = row(score(observations([("ind_a", CITY, "2025", 92.0)]), cat, method="sdg_progress").indicators)
    assert r.sdg_limit == 100 and r.status == "moderate"
    # An indicator's own limit wins over the default.
    cat = catalogue(
        [indicator(baseline=(90, "2020"), sdg_limit=1000)], scoring=Scoring(sdg=SdgThresholds(limit=100))
    )
    r = row(score(observations([("ind_a", CITY, "2025", 92.0)]), cat, method="sdg_progress").indicators)
    assert r.sdg_limit == 1000 and r.sdg_coefficient == pytest.approx(1 - 0.09**4.44)
