"""Roll-ups: counties into the city, indicators into first-level, theme and the 心安指数 with coverage."""

from __future__ import annotations

import math

import pytest
from scoring_helpers import CITY, COUNTIES, HEBEI, catalogue, indicator, observations, row

from indicators.scoring.rollup import ROLLUP_SOURCE
from indicators.scoring.scores import score

SHANDONG = "370000"


def county_rows(
    ind: str, period: str, values: list[float], qualifiers: list[str] | None = None
) -> list[tuple]:
    quals = qualifiers or ["exact"] * len(values)
    return [(ind, c, period, v, q) for c, v, q in zip(COUNTIES, values, quals, strict=False)]


def run(inds, rows, **kw):
    return score(observations(rows), catalogue(inds, **kw))


def test_counts_are_summed_over_all_counties_and_never_include_comparison_places():
    ind = indicator(unit="人", combine="sum")
    rows = county_rows("ind_a", "2024", [1, 2, 3, 4, 5, 6, 7]) + [
        ("ind_a", HEBEI, "2024", 1000.0),
        ("ind_a", SHANDONG, "2024", 5000.0),
    ]
    r = row(run([ind], rows).indicators)
    assert r.value == 28.0
    assert r.source_kind == ROLLUP_SOURCE


def test_rates_are_averaged_over_the_counties():
    ind = indicator(combine="mean")
    r = row(run([ind], county_rows("ind_a", "2024", [90, 91, 92, 93, 94, 95, 96])).indicators)
    assert r.value == pytest.approx(93.0)


def test_combine_none_is_never_rolled_up():
    ind = indicator(combine="none")
    r = row(run([ind], county_rows("ind_a", "2024", [1] * 7)).indicators)
    assert r.status == "no_data" and math.isnan(r.value)


def test_partial_county_coverage_gives_no_city_value_and_is_reported():
    ind = indicator(unit="人", combine="sum")
    s = run([ind], county_rows("ind_a", "2024", [1, 2, 3, 4, 5]))  # two counties missing
    assert row(s.indicators).status == "no_data"
    gaps = s.county_gaps
    assert len(gaps) == 1
    gap = gaps.iloc[0]
    assert (gap.indicator_id, gap.period, gap.n_reported, gap.n_counties) == ("ind_a", "2024", 5, 7)
    assert gap.missing_counties == sorted(COUNTIES[5:])


def test_the_city_own_value_wins_over_the_county_roll_up():
    ind = indicator(unit="人", combine="sum")
    rows = county_rows("ind_a", "2024", [1] * 7) + [("ind_a", CITY, "2024", 100.0)]
    r = row(run([ind], rows).indicators)
    assert (r.value, r.source_kind) == (100.0, "official")


def test_city_series_mixes_own_and_rolled_up_periods_with_a_trend():
    ind = indicator(unit="人", combine="sum")
    rows = [("ind_a", CITY, "2023", 20.0)] + county_rows("ind_a", "2024", [4] * 7)
    r = row(run([ind], rows).indicators)
    assert (r.value, r.prev_value, r.change_prev, r.source_kind) == (28.0, 20.0, 8.0, ROLLUP_SOURCE)


@pytest.mark.parametrize(
    ("qualifiers", "expected"),
    [
        (["exact"] * 7, "exact"),
        (["more_than"] + ["exact"] * 6, "more_than"),  # a sum with a lower bound is a lower bound
        (["nearly", "nearly"] + ["exact"] * 5, "nearly"),
        (["more_than", "nearly"] + ["exact"] * 5, "about"),
    ],
)
def test_rolled_up_qualifier_keeps_bounds(qualifiers, expected):
    ind = indicator(unit="人", combine="sum")
    r = row(run([ind], county_rows("ind_a", "2024", [1] * 7, qualifiers)).indicators)
    assert r.qualifier == expected


LIN = {"baseline": (0, "2020"), "target": (100, "2030")}


def rollup_of(s, level: str, ident: str, place: str = CITY):
    r = s.rollups
    hit = r[(r["place_code"] == place) & (r["level"] == level) & (r["id"] == ident)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_missing_data_is_left_out_of_the_mean_and_shown_as_coverage():
    inds = [indicator("ind_a", **LIN), indicator("ind_b", **LIN), indicator("ind_c", **LIN)]
    s = run(inds, [("ind_a", CITY, "2025", 40.0)])
    fl = rollup_of(s, "first_level", "fl_a")
    assert fl.score == pytest.approx(40.0)  # not (40 + 0 + 0) / 3
    assert (fl.n_indicators, fl.n_with_data, fl.n_with_target, fl.n_scored) == (3, 1, 3, 1)
    assert fl.coverage_data == pytest.approx(1 / 3)


def test_indicator_weights_are_renormalised_over_those_with_a_score():
    inds = [
        indicator("ind_a", weight=3.0, **LIN),
        indicator("ind_b", weight=1.0, **LIN),
        indicator("ind_c", weight=10.0, **LIN),  # no data: its weight must not dilute the others
    ]
    s = run(inds, [("ind_a", CITY, "2025", 40.0), ("ind_b", CITY, "2025", 80.0)])
    assert rollup_of(s, "first_level", "fl_a").score == pytest.approx((3 * 40 + 1 * 80) / 4)


def test_theme_and_index_are_weighted_means_of_children_with_scores():
    themes = {
        "theme_a": {"fl_a": [indicator("ind_a", **LIN)], "fl_b": [indicator("ind_b", **LIN)]},
        "theme_b": {"fl_c": [indicator("ind_c", **LIN)]},
        "theme_c": {"fl_d": [indicator("ind_d", **LIN)]},  # no data at all
    }
    rows = [("ind_a", CITY, "2025", 20.0), ("ind_b", CITY, "2025", 60.0), ("ind_c", CITY, "2025", 100.0)]
    s = run(
        themes,
        rows,
        theme_weights={"theme_a": 1, "theme_b": 3, "theme_c": 5},
        first_level_weights={"fl_a": 3},
    )
    theme_a = rollup_of(s, "theme", "theme_a")
    assert theme_a.score == pytest.approx((3 * 20 + 1 * 60) / 4)
    theme_c = rollup_of(s, "theme", "theme_c")
    assert math.isnan(theme_c.score) and theme_c.n_with_data == 0 and theme_c.coverage_data == 0
    index = rollup_of(s, "index", "index")
    assert index.score == pytest.approx((1 * 30 + 3 * 100) / 4)
    assert (index.n_indicators, index.n_with_data, index.n_scored) == (4, 3, 3)


def test_indicators_without_targets_count_as_data_but_not_as_scored():
    inds = [indicator("ind_a", **LIN), indicator("ind_b")]
    s = run(inds, [("ind_a", CITY, "2025", 50.0), ("ind_b", CITY, "2025", 7.0)])
    fl = rollup_of(s, "first_level", "fl_a")
    assert (fl.n_with_data, fl.n_with_target, fl.n_scored, fl.score) == (2, 1, 1, 50.0)


def test_coverage_says_how_much_of_the_score_rests_on_example_targets():
    inds = [indicator("ind_a", **LIN, target_kind="official"), indicator("ind_b", **LIN)]
    s = run(inds, [("ind_a", CITY, "2025", 50.0), ("ind_b", CITY, "2025", 50.0)])
    assert rollup_of(s, "index", "index").n_scored_example_target == 1


def test_index_without_any_data_is_missing_not_zero():
    s = run([indicator(**LIN)], [])
    index = rollup_of(s, "index", "index")
    assert math.isnan(index.score) and index.coverage_data == 0


def test_sdg_method_scores_the_index_on_zero_to_hundred():
    inds = [indicator("ind_a", baseline=(100, "2020"), target=(200, "2030"))]
    s = score(observations([("ind_a", CITY, "2025", 200.0)]), catalogue(inds), method="sdg_progress")
    assert rollup_of(s, "index", "index").score == 100.0  # target achieved = sdg score 5
