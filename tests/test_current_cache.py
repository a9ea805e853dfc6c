"""The store keeps the whole current frame and reads only what changed: after saves, corrections,
retractions, reviews and writes by another process, it is exactly what a full read gives."""

from __future__ import annotations

import pandas as pd

from indicators.store.rounds import review
from indicators.store.store import Store

HOMES = "homes_adapted_for_elderly"
CITY = "371600"
WUDI = "371623"


def _full(store: Store, approved_only: bool) -> pd.DataFrame:
    return store._read_current(None, None, approved_only)


def _same(store: Store) -> None:
    for approved_only in (False, True):
        kept = store.current_frame(approved_only=approved_only)
        pd.testing.assert_frame_equal(
            kept.reset_index(drop=True), _full(store, approved_only).reset_index(drop=True)
        )


def test_kept_frame_follows_every_kind_of_write(db_url, small_catalogue):
    with Store(db_url, small_catalogue) as store, Store(db_url, small_catalogue) as other:
        _same(store)  # empty
        store.save(HOMES, CITY, "2023", 15000, entered_by="li")
        store.save(HOMES, WUDI, "2023", 900, entered_by="li")
        _same(store)
        # Another app server writes: this store sees it on its next read.
        other.save(HOMES, CITY, "2023", 15500, entered_by="wang", expected_revision=1)
        other.save(HOMES, CITY, "2022", 14000, entered_by="wang")
        _same(store)
        assert store.current_frame().set_index("period").loc["2023", "value"].tolist() == [15500.0, 900.0]
        review(other, [((HOMES, CITY, "2023"), 2)], "approve", by="chief")
        _same(store)
        assert (HOMES, CITY, "2023") in {
            tuple(r)
            for r in store.current_frame(approved_only=True)[["indicator_id", "place_code", "period"]].values
        }
        other.retract(HOMES, WUDI, "2023", entered_by="wang", reason="wrong county", expected_revision=1)
        _same(store)
        assert WUDI not in set(store.current_frame()["place_code"])


def test_a_replaced_database_is_read_again_in_full(tmp_path, small_catalogue):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with Store(url, small_catalogue) as store:
        store.save(HOMES, CITY, "2023", 15000, entered_by="li")
        assert store.current_frame()["value"].tolist() == [15000.0]
        # The file is replaced by another database with as many revisions but a different history.
        store.engine.dispose()
        (tmp_path / "a.db").unlink()
        for extra in tmp_path.glob("a.db-*"):
            extra.unlink()
        with Store(url, small_catalogue) as fresh:
            fresh.save(HOMES, CITY, "2023", 77, entered_by="li")
        assert store.current_frame()["value"].tolist() == [77.0]
