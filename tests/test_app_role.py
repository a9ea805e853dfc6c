"""The app servers' PostgreSQL role (`python -m indicators grant-app-role`): connected as it, the app's
normal work succeeds (save, review, lock, sign in and out, throttle), and rewriting history is refused by
permission — even with the append-only triggers dropped by the owner."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from indicators.access import User
from indicators.accounts import Accounts, open_accounts
from indicators.cli.main import main as cli_main
from indicators.errors import IndicatorsError
from indicators.guarded import GuardedStore
from indicators.store import rounds
from indicators.store.db import make_engine, metadata
from indicators.store.integrity import verify
from indicators.store.roles import APP_PRIVILEGES, HISTORY_TABLES
from indicators.store.store import Store

CITY = "371600"
HOMES = "homes_adapted_for_elderly"  # civil_affairs, yearly
PASSWORD = "app role test password"


@pytest.fixture
def app_role(pg_server: str, small_catalogue) -> Iterator[tuple[str, str]]:
    """A migrated database (as the owner), an account, and a login role granted by the CLI: (owner, app) URLs."""
    from pg_server import create_database, drop_database

    name = f"role_{uuid.uuid4().hex[:10]}"
    role = f"xinan_app_{uuid.uuid4().hex[:8]}"
    owner_url = create_database(pg_server, name)
    Store(owner_url, small_catalogue).close()  # migrates as the owner
    open_accounts(owner_url).add_user("li", "editor", departments=["civil_affairs"], password=PASSWORD)
    open_accounts(owner_url).add_user("zhao", "reviewer", password=PASSWORD)
    owner = make_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
    assert cli_main(["grant-app-role", role, "--db", owner_url]) == 0
    app_url = make_url(owner_url).set(username=role).render_as_string(hide_password=False)
    yield owner_url, app_url
    owner.dispose()
    drop_database(pg_server, name)
    with make_engine(pg_server).begin() as conn:
        conn.execute(sa.text(f"DROP ROLE {role}"))


def _refused(engine: sa.Engine, sql: str) -> str:
    with pytest.raises(sa.exc.ProgrammingError) as exc, engine.begin() as conn:
        conn.execute(sa.text(sql))
    assert isinstance(exc.value.orig, psycopg.errors.InsufficientPrivilege), exc.value
    return str(exc.value.orig)


def test_every_table_of_the_schema_has_its_app_privileges_listed():
    # Imported for their tables, which join the metadata.
    for module in ("indicators.accounts", "indicators.articles.documents", "indicators.store.rounds"):
        importlib.import_module(module)

    assert set(APP_PRIVILEGES) == set(metadata.tables) | {"alembic_version"}
    assert set(HISTORY_TABLES) >= {"observations", "reviews", "period_locks", "account_events"}


def test_the_app_role_does_its_work_and_cannot_rewrite_history(app_role, small_catalogue):
    owner_url, app_url = app_role
    with Store(app_url, small_catalogue) as store:
        # Normal work as the app role: save, correct, review, lock …
        editor = GuardedStore(store, User(name="li", role="editor", departments=("civil_affairs",)))
        editor.save(HOMES, CITY, "2023", 10)
        editor.save(HOMES, CITY, "2023", 11, expected_revision=1)
        GuardedStore(store, User(name="zhao", role="reviewer")).review(
            [((HOMES, CITY, "2023"), 2)], "approve"
        )
        GuardedStore(store, User(name="zhao", role="reviewer")).lock("2023", reason="年度考核")
        with pytest.raises(IndicatorsError, match="locked"):
            editor.save(HOMES, CITY, "2023", 12, expected_revision=2)
        assert rounds.cell_states(store)[(HOMES, CITY, "2023")].state == "approved"
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_user")).scalar() == make_url(app_url).username
    # … sign in (throttle row, session, last sign-in), a wrong password, sign out, purge.
    accounts = Accounts(make_engine(app_url))
    with pytest.raises(IndicatorsError, match="wrong user name"):
        accounts.sign_in("li", "not the password", client="203.0.113.5")
    session = accounts.sign_in("li", PASSWORD, client="203.0.113.5")
    assert accounts.session_user(session.token).name == "li"
    accounts.sign_out(session.token)
    assert accounts.session_user(session.token) is None
    accounts.purge_throttle()

    app = make_engine(app_url)
    for sql in (
        "UPDATE observations SET value = 1000",
        "DELETE FROM observations",
        "TRUNCATE observations",
        "UPDATE reviews SET action = 'approve'",
        "DELETE FROM period_locks",
        "DELETE FROM account_events",
        "INSERT INTO users (name, role) VALUES ('intruder', 'admin')",
        "DROP TABLE observations",
    ):
        message = _refused(app, sql)
        assert "permission denied" in message or "must be owner" in message, message
    # The triggers are a second wall, not the only one: with them dropped by the owner, still refused.
    owner = make_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER observations_no_update ON observations"))
    assert "permission denied for table observations" in _refused(app, "UPDATE observations SET value = 0")
    with owner.begin() as conn:
        values = conn.execute(sa.text("SELECT revision, value FROM observations ORDER BY id")).all()
    assert [tuple(v) for v in values] == [(1, 10.0), (2, 11.0)]
    assert not verify(owner).broken
    app.dispose()
    owner.dispose()
