"""The generated data set: exact size, plausible values, gap-free revisions, loadable only into an empty db."""

from __future__ import annotations

import pytest

from indicators.errors import IndicatorsError
from indicators.store.generate import generate_observations, load_generated, periods_for
from indicators.store.store import Store
from indicators.units import UNITS

# Generates and loads large synthetic data sets.
pytestmark = pytest.mark.slow


def test_generated_set_has_exactly_the_asked_number_of_rows_with_numbered_revisions(catalogue):
    frame = generate_observations(catalogue, 40_000, seed=1)
    assert len(frame) == 40_000
    revs = frame.groupby(["indicator_id", "place_code", "period"])["revision"]
    assert (revs.min() == 1).all()
    assert (revs.max() == revs.count()).all()  # 1, 2, 3 … without gaps


def test_generated_values_respect_units_and_frequencies(catalogue):
    frame = generate_observations(catalogue, 40_000, seed=2)
    percent = frame[frame["unit"] == "%"]["value"]
    assert percent.between(0, 100).all()
    counts = frame[frame["unit"].map(lambda u: UNITS[u].kind == "count")]["value"]
    assert (counts >= 0).all()
    # Counts are whole numbers in every revision, as in the first (a revised count of 10,113.52 户 is no count).
    assert (counts == counts.round()).all()
    for ind_id, periods in frame.groupby("indicator_id")["period"]:
        allowed = set(periods_for(catalogue.indicators[ind_id].frequency))
        assert set(periods) <= allowed


def test_the_same_seed_gives_the_same_data(catalogue):
    a = generate_observations(catalogue, 5_000, seed=3)
    b = generate_observations(catalogue, 5_000, seed=3)
    assert a.equals(b)


def test_loaded_data_are_what_the_store_reads_back(tmp_path, catalogue):
    url = f"sqlite:///{tmp_path / 'gen.db'}"
    assert load_generated(url, 3_000, seed=4, catalogue=catalogue) == 3_000
    with Store(url, catalogue) as store:
        history = store.changes_frame()
        assert len(history) == 3_000
        current = store.current_frame()
        assert len(current) == len(history.drop_duplicates(["indicator_id", "place_code", "period"]))
        assert set(history["source_kind"]) == {"import"}


def test_generation_refuses_a_database_that_holds_data(tmp_path, catalogue):
    url = f"sqlite:///{tmp_path / 'gen.db'}"
    load_generated(url, 100, catalogue=catalogue)
    with pytest.raises(IndicatorsError, match="already holds 100 observations"):
        load_generated(url, 100, catalogue=catalogue)
    with Store(url, catalogue) as store:
        assert len(store.changes_frame()) == 100
