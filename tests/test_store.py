"""The observation store on SQLite and PostgreSQL: revisions, retractions, conflicts, history, frames."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import IntegrityError

from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError
from indicators.store.db import ENV_VAR, head_revision, observations, resolve_url
from indicators.store.store import CHANGES_COLUMNS, CURRENT_COLUMNS, Store

HOMES = "homes_adapted_for_elderly"
CITY = "371600"
WUDI = "371623"


def conflict_of(exc: pytest.ExceptionInfo[IndicatorsError]) -> str:
    (problem,) = exc.value.problems
    assert problem.code == "conflict"
    return problem.message


def test_a_new_database_is_created_and_brought_to_the_newest_schema(db_url, small_catalogue):
    store = Store(db_url, catalogue=small_catalogue)
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert {"observations", "store_state", "alembic_version"} <= tables
        with store.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
            )
        assert store.data_version() == 0
    finally:
        store.close()


def test_default_sqlite_file_uses_write_ahead_logging(tmp_path: Path, small_catalogue):
    path = tmp_path / "data" / "xinan.db"
    with Store(f"sqlite:///{path}", catalogue=small_catalogue) as store:
        assert path.exists()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"


def test_url_comes_from_the_argument_then_the_environment_then_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_url(None).startswith("sqlite:///") and resolve_url(None).endswith("data/xinan.db")
    monkeypatch.setenv(ENV_VAR, f"sqlite:///{tmp_path}/env.db")
    assert resolve_url(None) == f"sqlite:///{tmp_path}/env.db"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_unreachable_database_is_one_clear_problem(small_catalogue):
    with pytest.raises(IndicatorsError) as exc:
        Store("postgresql://nobody@127.0.0.1:1/none", catalogue=small_catalogue)
    (problem,) = exc.value.problems
    assert "cannot open the database postgresql+psycopg://nobody@127.0.0.1:1/none" in problem.message


def test_reopening_a_database_keeps_every_value(db_url, small_catalogue):
    with Store(db_url, catalogue=small_catalogue) as first:
        first.save(HOMES, CITY, "2023", 15000, entered_by="li")
    with Store(db_url, catalogue=small_catalogue) as again:
        assert [o.value for o in again.history(HOMES, CITY, "2023")] == [15000]


def test_save_returns_the_stored_row_with_revision_one_and_utc_time(store: Store):
    before = dt.datetime.now(dt.UTC)
    saved = store.save(
        HOMES,
        CITY,
        "2023",
        15000,
        qualifier="about",
        note="累计",
        source_ref="民政局报表",
        entered_by="li",
    )
    assert saved.revision == 1
    assert saved.value == 15000 and saved.unit == "户" and saved.qualifier == "about"
    assert saved.source_kind == "form" and saved.entered_by == "li"
    assert saved.entered_at.tzinfo is not None and before <= saved.entered_at <= dt.datetime.now(dt.UTC)
    (stored,) = store.history(HOMES, CITY, "2023")
    assert stored == saved


def test_a_correction_adds_a_revision_and_the_latest_is_current(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    corrected = store.save(HOMES, CITY, "2023", 15500, entered_by="wang", reason="typo", expected_revision=1)
    assert corrected.revision == 2
    history = store.history(HOMES, CITY, "2023")
    assert [(o.revision, o.value, o.entered_by, o.reason) for o in history] == [
        (1, 15000, "li", None),
        (2, 15500, "wang", "typo"),
    ]
    current = store.current_frame()
    assert current["value"].tolist() == [15500] and current["revision"].tolist() == [2]


def test_a_retraction_is_a_revision_and_hides_the_current_value(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    store.save(HOMES, WUDI, "2023", 900, entered_by="li")
    retracted = store.retract(
        HOMES, CITY, "2023", entered_by="wang", reason="wrong place", expected_revision=1
    )
    assert retracted.revision == 2 and retracted.retracted and retracted.value is None
    assert store.current_frame()["place_code"].tolist() == [WUDI]
    assert [o.value for o in store.history(HOMES, CITY, "2023")] == [15000, None]
    # A value can be entered again on top of the retraction, starting from its revision.
    again = store.save(HOMES, CITY, "2023", 15100, entered_by="li", expected_revision=2)
    assert again.revision == 3


def test_a_retraction_needs_a_reason_and_the_current_revision(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    with pytest.raises(IndicatorsError) as exc:
        store.retract(HOMES, CITY, "2023", entered_by="wang", reason=" ", expected_revision=1)
    assert [p.path for p in exc.value.problems] == ["reason"]
    with pytest.raises(IndicatorsError) as stale:
        store.retract(HOMES, CITY, "2024", entered_by="wang", reason="x", expected_revision=1)
    assert "has no value yet" in conflict_of(stale)
    store.retract(HOMES, CITY, "2023", entered_by="wang", reason="dup", expected_revision=1)
    with pytest.raises(IndicatorsError) as twice:
        store.retract(HOMES, CITY, "2023", entered_by="wang", reason="dup", expected_revision=2)
    assert "already retracted" in str(twice.value)


def test_stale_save_is_refused_with_who_and_when(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    changed = store.save(HOMES, CITY, "2023", 15500, entered_by="wang", expected_revision=1)
    version = store.data_version()
    with pytest.raises(IndicatorsError) as exc:
        store.save(HOMES, CITY, "2023", 16000, entered_by="zhao", expected_revision=1)
    message = conflict_of(exc)
    assert "wang" in message
    assert f"{changed.entered_at:%Y-%m-%d %H:%M:%S} UTC" in message
    assert "revision 2" in message and "nothing was saved" in message
    assert [o.value for o in store.history(HOMES, CITY, "2023")] == [15000, 15500]
    assert store.data_version() == version


def test_saving_over_an_existing_value_without_its_revision_is_refused(store: Store):
    store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    for expected in (None, 0):
        with pytest.raises(IndicatorsError) as exc:
            store.save(HOMES, CITY, "2023", 1, entered_by="zhao", expected_revision=expected)
        assert "already has a value (revision 1, entered by li" in conflict_of(exc)
    assert store.current_revision(HOMES, CITY, "2023") == 1


def test_database_refuses_two_rows_with_the_same_revision_of_a_cell(store: Store):
    saved = store.save(HOMES, CITY, "2023", 15000, entered_by="li")
    duplicate = saved.model_dump() | {"value": 1.0}
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(observations), duplicate)
    assert [o.value for o in store.history(HOMES, CITY, "2023")] == [15000]


def test_data_version_changes_with_every_write_and_only_then(store: Store):
    seen = [store.data_version()]
    store.save(HOMES, CITY, "2023", 1, entered_by="li")
    seen.append(store.data_version())
    store.save(HOMES, CITY, "2023", 2, entered_by="li", expected_revision=1)
    seen.append(store.data_version())
    store.retract(HOMES, CITY, "2023", entered_by="li", reason="x", expected_revision=2)
    seen.append(store.data_version())
    assert seen == sorted(set(seen)), "every write moves the version forward"
    with pytest.raises(IndicatorsError):
        store.save(HOMES, CITY, "2023", 3, entered_by="li", expected_revision=1)
    with pytest.raises(IndicatorsError):
        store.save(HOMES, CITY, "2099", 3, entered_by="li")
    store.current_frame()
    assert store.data_version() == seen[-1]


def test_current_frame_has_the_documented_columns_and_filters(store: Store):
    empty = store.current_frame()
    assert list(empty.columns) == CURRENT_COLUMNS and empty.empty
    store.save(HOMES, CITY, "2023", 15000, entered_by="li", note="累计")
    store.save(HOMES, WUDI, "2023", 1.5, unit="万户", entered_by="li")
    store.save("home_visits", CITY, "2024Q3", 160000, entered_by="li")
    frame = store.current_frame()
    assert list(frame.columns) == CURRENT_COLUMNS
    assert len(frame) == 3
    assert str(frame["entered_at"].dt.tz) == "UTC"
    wudi = store.current_frame(place_codes=[WUDI])
    assert wudi[["indicator_id", "value", "unit"]].values.tolist() == [[HOMES, 15000.0, "户"]]
    assert store.current_frame(indicator_ids=["home_visits"])["period"].tolist() == ["2024Q3"]


def test_changes_frame_lists_who_changed_what_newest_first(store: Store):
    store.save(HOMES, CITY, "2023", 100, entered_by="li")
    store.save("home_visits", CITY, "2024Q1", 5, entered_by="wang")
    middle = dt.datetime.now(dt.UTC)
    store.save(HOMES, CITY, "2023", 120, entered_by="wang", expected_revision=1, reason="late report")
    changes = store.changes_frame()
    assert list(changes.columns) == CHANGES_COLUMNS
    assert changes[["indicator_id", "value", "previous_value"]].values.tolist()[0] == [HOMES, 120.0, 100.0]
    assert changes["entered_at"].is_monotonic_decreasing
    assert store.changes_frame(since=middle)["value"].tolist() == [120.0]
    assert store.changes_frame(entered_by="wang")["value"].tolist() == [120.0, 5.0]
    assert store.changes_frame(indicator_id="home_visits")["entered_by"].tolist() == ["wang"]
    assert len(store.changes_frame(place_code=WUDI)) == 0


def test_history_of_an_empty_cell_is_empty(store: Store, small_catalogue: Catalogue):
    assert store.history(HOMES, CITY, "2020") == []
    assert store.current_revision(HOMES, CITY, "2020") == 0


def test_the_migrations_build_exactly_the_schema_the_code_uses(store: Store):
    # A schema change without a migration would leave existing users' databases behind.
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import indicators.accounts  # noqa: F401  (its tables are in the same metadata)
    from indicators.store.db import metadata

    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
