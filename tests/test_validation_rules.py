"""Validation rules between indicators: declared in rules.yaml, located errors, findings on current values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from indicators.access import User
from indicators.errors import IndicatorsError
from indicators.guarded import GuardedStore
from indicators.paths import DEFINITIONS_DIR
from indicators.scoring import validation
from indicators.store import rounds
from indicators.store.store import Store

CITY = "371600"


def _values(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "place_code", "period", "value"])


def test_the_shipped_rules_load_against_the_catalogue(catalogue):
    rules = validation.load_rules(catalogue)
    assert {r.kind for r in rules} == {"part_of_whole", "ratio_range", "county_sum"}


def test_a_part_above_its_whole_is_found_with_both_numbers(catalogue):
    rules = validation.load_rules(catalogue)
    found = validation.findings_frame(
        catalogue,
        rules,
        _values([("hard_to_employ_placed", CITY, "2025", 1200), ("urban_new_jobs", CITY, "2025", 1000)]),
    )
    row = found[found["rule_id"] == "hard_to_employ_within_new_jobs"].iloc[0]
    assert (row["left"], row["right"], row["period"]) == (1200, 1000, "2025")
    assert ("hard_to_employ_placed", CITY, "2025") in row["cells"]
    assert "1200 > 1000" in row["text"]


def test_a_ratio_outside_its_band_and_a_county_sum_above_the_city_are_found(catalogue):
    rules = validation.load_rules(catalogue)
    counties = [p.code for p in catalogue.counties(CITY)]
    rows = [("social_work_trainees", CITY, "2024", 1800), ("social_work_training_courses", CITY, "2024", 2)]
    rows += [("xinan_cells", CITY, "2024", 100)] + [("xinan_cells", c, "2024", 20) for c in counties[:6]]
    found = validation.findings_frame(catalogue, rules, _values(rows))
    assert set(found["rule_id"]) == {"trainees_per_course", "counties_within_city"}
    county = found[found["rule_id"] == "counties_within_city"].iloc[0]
    assert (county["left"], county["right"]) == (120, 100)


def test_values_that_keep_the_rules_give_no_findings(catalogue):
    rows = [("hard_to_employ_placed", CITY, "2025", 900), ("urban_new_jobs", CITY, "2025", 1000)]
    rows += [("social_work_trainees", CITY, "2024", 1800), ("social_work_training_courses", CITY, "2024", 11)]
    assert validation.findings_frame(catalogue, validation.load_rules(catalogue), _values(rows)).empty


def test_an_unknown_indicator_in_a_rule_is_a_located_error_with_a_hint(tmp_path: Path, catalogue):
    shutil.copy(DEFINITIONS_DIR / "rules.yaml", tmp_path / "rules.yaml")
    text = (
        (tmp_path / "rules.yaml")
        .read_text(encoding="utf-8")
        .replace("whole: urban_new_jobs", "whole: urban_new_job")
    )
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(IndicatorsError) as exc:
        validation.load_rules(catalogue, tmp_path)
    problem = exc.value.problems[0]
    assert problem.line == 12 and "urban_new_job" in problem.message
    assert "did you mean 'urban_new_jobs'" in problem.hint


def test_a_broken_rule_is_flagged_not_refused(tmp_path: Path, catalogue):
    # The value is stored and awaits review; the finding is what the reviewer sees beside it.
    with Store(f"sqlite:///{tmp_path / 'rules.db'}", catalogue=catalogue) as store:
        editor = GuardedStore(store, User(name="ren", role="editor", themes=("employment",)))
        editor.save("urban_new_jobs", CITY, "2025", 1000)
        editor.save("hard_to_employ_placed", CITY, "2025", 1200)
        states = rounds.state_frame(store)
        assert set(states["state"]) == {"submitted"}
        found = validation.findings_frame(catalogue, validation.load_rules(catalogue), states)
        assert list(found["rule_id"]) == ["hard_to_employ_within_new_jobs"]
