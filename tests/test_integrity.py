"""History that cannot be rewritten quietly: the database refuses UPDATE/DELETE on revisions, and
`verify` finds a row changed behind the app's back (triggers dropped or disabled, raw SQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from indicators.cli import main as cli
from indicators.store.integrity import GENESIS, canonical_json, verify
from indicators.store.store import Store

HOMES = "homes_adapted_for_elderly"
CITY = "371600"


def fill(store: Store) -> None:
    store.save(HOMES, CITY, "2022", 10, entered_by="li", note="first")
    store.save(HOMES, CITY, "2023", 12, entered_by="li")
    store.save(HOMES, CITY, "2023", 13, entered_by="wang", expected_revision=1, reason="late")
    store.retract(HOMES, CITY, "2022", entered_by="li", reason="wrong", expected_revision=1)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE observations SET value = 99 WHERE revision = 1", "DELETE FROM observations WHERE revision = 1"],
)
def test_the_database_refuses_to_change_or_delete_a_revision(store: Store, statement: str):
    fill(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert verify(store.engine).ok


def test_account_events_are_append_only_too(store: Store):
    from indicators.accounts import Accounts

    Accounts(store.engine).add_user("zhao", "viewer", password=None)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM account_events"))


def test_every_revision_is_chained(store: Store):
    fill(store)
    report = verify(store.engine)
    assert report.ok and report.rows == 4 and report.head != GENESIS


def _tamper(store: Store, statement: str) -> None:
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER observations_no_update"))
            conn.execute(text("DROP TRIGGER observations_no_delete"))
        else:  # what a superuser could do
            conn.execute(text("ALTER TABLE observations DISABLE TRIGGER USER"))
        conn.execute(text(statement))


def test_verify_reports_a_value_changed_with_raw_sql(store: Store, capsys):
    fill(store)
    _tamper(store, "UPDATE observations SET value = 14 WHERE period = '2023' AND revision = 2")
    report = verify(store.engine)
    assert not report.ok
    assert len(report.broken) == 1 and "rev 2" in report.broken[0] and "content changed" in report.broken[0]
    assert set(report.missing_triggers) == {"observations_no_update", "observations_no_delete"}
    code = cli.main(["verify", "--db", store.url])
    out = capsys.readouterr()
    assert code == 1 and "rev 2" in out.err and "Traceback" not in out.err + out.out


def test_verify_reports_a_deleted_revision(store: Store):
    fill(store)
    _tamper(store, "DELETE FROM observations WHERE period = '2023' AND revision = 1")
    (broken,) = verify(store.engine).broken
    assert "does not follow" in broken


def test_verify_passes_on_an_untouched_database_from_the_command_line(store: Store, capsys):
    fill(store)
    assert cli.main(["verify", "--db", store.url]) == 0
    assert "4 revisions" in capsys.readouterr().out


def test_a_null_column_added_later_does_not_change_an_old_hash():
    row = {"id": 1, "indicator_id": "x", "value": 1.5, "note": None}
    assert canonical_json(row) == canonical_json({**row, "flags": None})
    assert canonical_json(row) != canonical_json({**row, "flags": "odd"})


def test_account_changes_are_recorded(store: Store):
    from indicators.accounts import Accounts

    accounts = Accounts(store.engine)
    accounts.add_user("zhao", "viewer", password=None)
    accounts.set_role("zhao", "editor", ["care"])
    accounts.set_password("zhao", "Correct-Horse-Battery-9")
    accounts.disable_user("zhao")
    assert [e[2] for e in accounts.events("zhao")] == [
        "created",
        "role_changed",
        "password_reset",
        "disabled",
    ]
