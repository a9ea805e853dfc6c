"""After a save the dashboard scores only the indicators the write touched and reuses the rest: what it
shows must be exactly what scoring everything from scratch gives, after saves, corrections, retractions,
reviews, writes by another app server (its own store and connection) and with views skipped between."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from dashboard import cached_views
from indicators.scoring import scores as scoring
from indicators.scoring.scores import Scores, rescore, score
from indicators.store import rounds
from indicators.store.generate import load_generated
from indicators.store.rounds import review
from indicators.store.store import Store


def _assert_same(found: Scores, full: Scores) -> None:
    assert found.method == full.method
    pd.testing.assert_frame_equal(found.indicators, full.indicators)
    pd.testing.assert_frame_equal(found.rollups, full.rollups)
    pd.testing.assert_frame_equal(found.county_gaps, full.county_gaps)
    assert found.unknown_indicators == full.unknown_indicators


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def _random_write(rng: random.Random, store: Store, current: pd.DataFrame) -> str:
    """Correct, withdraw, approve or add one value somewhere; return the indicator written."""
    row = current.iloc[rng.randrange(len(current))]
    cell = (row["indicator_id"], row["place_code"], row["period"])
    revision = store.current_revision(*cell)
    kind = rng.choice(["correct", "correct", "retract", "approve", "new"])
    if kind == "retract":
        store.retract(*cell, entered_by="tester", reason="wrong figure", expected_revision=revision)
    elif kind == "approve":
        # An approved revision cannot be approved twice: return it instead (also a review to rescore).
        done = rounds.cell_state(store, *cell)
        again = len(done) and done["state"].iloc[0] == "approved"
        review(store, [(cell, revision)], "return" if again else "approve", by="chief", reason="check")
    elif kind == "new":
        # Another place of the same indicator and period (a county where only the city had one, …).
        place = rng.choice([p.code for p in store.catalogue.places if not p.comparison])
        there = store.current_revision(cell[0], place, cell[2])
        store.save(
            cell[0],
            place,
            cell[2],
            float(row["value"]),
            entered_by="tester",
            expected_revision=there,
            flag_reason="checked with the department",
        )
    else:
        store.save(
            *cell,
            float(row["value"]) * rng.choice([0.5, 0.9, 0.97, 1.0]),
            entered_by="tester",
            expected_revision=revision,
            flag_reason="checked with the department",
        )
    return str(cell[0])


@pytest.fixture
def generated(db_url, catalogue):
    """A generated set for the city and its counties (every kind of indicator, revisions, reviews)."""
    load_generated(db_url, 4_000, seed=3, catalogue=catalogue)
    return db_url


@pytest.mark.parametrize("approved", [False, True])
def test_views_after_writes_score_as_from_scratch_without_scoring_everything(
    generated, catalogue, approved, monkeypatch
):
    full_scores = []
    monkeypatch.setattr(cached_views, "score", lambda *a, **k: full_scores.append(1) or score(*a, **k))
    rng = random.Random(17 if approved else 5)
    first = cached_views.read_views(generated, approved=approved)
    first.scores()
    assert full_scores == [1]
    with Store(generated, catalogue) as other:  # another app server writing to the same database
        for step in range(8):
            views = cached_views.read_views(generated, approved=approved)
            writer = other if step % 3 == 0 else views.store
            _random_write(rng, writer, views.current())
            if step % 4 == 1:
                # A version nobody looked at: the next views derive from an older one.
                _random_write(rng, views.store, views.current())
            after = cached_views.read_views(generated, approved=approved)
            assert after is not views
            _assert_same(after.scores(), score(after.store._read_current(None, None, approved), catalogue))
            # The same values (the kept frame's text columns may be of another pandas string type).
            pd.testing.assert_frame_equal(
                _plain(after.current().drop(columns="_end").reset_index(drop=True)),
                _plain(after.store._read_current(None, None, approved)),
            )
    # Only the first views scored everything; every later one rescored the indicators written.
    assert full_scores == [1]


def test_rescore_falls_back_when_too_much_changed_or_the_method_differs(tmp_path, catalogue, monkeypatch):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    load_generated(url, 2_000, seed=1, catalogue=catalogue)
    with Store(url, catalogue) as store:
        current = store.current_frame()
    assert len(current)
    before = score(current, catalogue)
    every = set(catalogue.indicators)
    assert rescore(before, current, every, catalogue) is None
    assert rescore(before, current, {next(iter(every))}, catalogue, method="sdg_progress") is None
    # Nothing changed: the same scores, taken over.
    _assert_same(rescore(before, current, set(), catalogue), before)
    # A frame changed in one indicator: that indicator's rows and its places' roll-ups follow.
    one = current["indicator_id"].iat[0]
    changed = current.copy()
    changed.loc[changed["indicator_id"] == one, "value"] *= 0.5
    _assert_same(rescore(before, changed, {one}, catalogue), score(changed, catalogue))
    monkeypatch.setattr(scoring, "RESCORE_SHARE", 0.0)
    assert rescore(before, changed, {one}, catalogue) is None
