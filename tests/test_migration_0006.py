"""Migration 0006 on a database written before it: stray spellings merged append-only."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import insert

from indicators.store.db import (
    _alembic_config,
    current_revision,
    make_engine,
    observations,
    write_transaction,
)
from indicators.store.integrity import verify
from indicators.store.store import Store

HOMES = "homes_adapted_for_elderly"
CITY = "371600"


def old_database(url: str) -> None:
    """Bring the test's database back to the schema as it was at 0002, rows as they were written then."""
    engine = make_engine(url)
    with write_transaction(engine) as conn:
        # db_url may come at the newest schema (a copied template); going down to 0002 leaves what an
        # old installation had, which is what the migration must handle.
        if current_revision(conn) is not None:
            command.downgrade(_alembic_config(conn), "0002")
        command.upgrade(_alembic_config(conn), "0002")
    engine.dispose()


def raw_row(period: str, revision: int, value: float | None, at: dt.datetime, who: str = "a") -> dict:
    return {
        "indicator_id": HOMES,
        "place_code": CITY,
        "period": period,
        "revision": revision,
        "value": value,
        "unit": "户",
        "qualifier": "exact",
        "retracted": value is None,
        "note": None,
        "source_kind": "form",
        "source_ref": None,
        "entered_by": who,
        "entered_at": at,
        "reason": None,
    }


def test_a_stray_full_width_cell_is_merged_into_the_canonical_cell(db_url, small_catalogue):
    old_database(db_url)
    engine = make_engine(db_url)
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with write_transaction(engine) as conn:
        conn.execute(insert(observations), raw_row("2024", 1, 10.0, t0))
        conn.execute(insert(observations), raw_row("２０２４", 1, 11.0, t0 + dt.timedelta(days=1), "b"))
        conn.execute(insert(observations), raw_row("０００１", 1, 3.0, t0))
    engine.dispose()
    with Store(db_url, catalogue=small_catalogue) as store:
        current = store.current_frame()
        by_period = dict(zip(current["period"], current["value"], strict=True))
        # The newer value typed with full-width digits is now the value of 2024, with its history.
        assert by_period["2024"] == 11.0
        assert "２０２４" not in by_period
        # An impossible year is left for a person to look at, not guessed at.
        assert by_period["０００１"] == 3.0
        history = store.history(HOMES, CITY, "2024")
        assert [h.value for h in history] == [10.0, 11.0]
        assert "２０２４" in (history[-1].reason or "")
        changes = store.changes_frame()
        stray = changes[changes["period"] == "２０２４"]
        assert sorted(stray["retracted"]) == [False, True]  # kept, then retracted: nothing deleted
        # Rows written before 0006 (and by it) were given hashes the store's verify accepts.
        report = verify(store.engine)
        assert report.ok and report.rows == 5
        store.save(HOMES, CITY, "2023", 1, entered_by="after")  # and the chain continues from them
        assert verify(store.engine).ok


def test_an_older_stray_value_does_not_override_the_canonical_cell(db_url, small_catalogue):
    old_database(db_url)
    engine = make_engine(db_url)
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with write_transaction(engine) as conn:
        conn.execute(insert(observations), raw_row("２０２４", 1, 9.0, t0))
        conn.execute(insert(observations), raw_row("2024", 1, 10.0, t0 + dt.timedelta(days=1)))
    engine.dispose()
    with Store(db_url, catalogue=small_catalogue) as store:
        assert list(store.current_frame()["value"]) == [10.0]
        assert [h.value for h in store.history(HOMES, CITY, "2024")] == [10.0]


def test_of_two_newer_stray_spellings_the_newest_value_becomes_current(db_url, small_catalogue):
    # Both strays are newer than the canonical cell: the first merge is dated "now", the second (the
    # newest) must still win by when it was entered (15300 was lost, 15200 kept).
    old_database(db_url)
    engine = make_engine(db_url)
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with write_transaction(engine) as conn:
        conn.execute(insert(observations), raw_row("2024", 1, 15000.0, t0))
        conn.execute(insert(observations), raw_row("２０２４", 1, 15200.0, t0 + dt.timedelta(days=1), "b"))
        conn.execute(insert(observations), raw_row("２024", 1, 15300.0, t0 + dt.timedelta(days=2), "c"))
    engine.dispose()
    with Store(db_url, catalogue=small_catalogue) as store:
        current = store.current_frame()
        assert current.loc[current["period"] == "2024", "value"].tolist() == [15300.0]
        assert [h.value for h in store.history(HOMES, CITY, "2024")] == [15000.0, 15200.0, 15300.0]
        assert verify(store.engine).ok
