"""Local accounts: hashed passwords, throttled sign-in that holds across processes, expiring sessions."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from indicators.accounts import (
    FAILURES_BEFORE_LOCK,
    SESSION_ABSOLUTE,
    SESSION_IDLE,
    Accounts,
    lock_duration,
    user_sessions,
    users,
)
from indicators.errors import IndicatorsError
from indicators.store.db import make_engine, migrate

# Cheap parameters keep the suite fast; the product uses argon2-cffi's defaults (checked below).
FAST = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
GOOD = "correct horse battery"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 3, 20, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def db_engine(db_url):
    # db_url (conftest) is a fresh database on SQLite and on a real PostgreSQL server.
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def accounts(db_engine, clock) -> Accounts:
    return Accounts(db_engine, hasher=FAST, clock=clock)


def test_password_is_stored_as_argon2id_hash_never_in_clear(db_engine):
    accounts = Accounts(db_engine)
    accounts.add_user("zhang", "editor", themes=["health"], password=GOOD)
    with db_engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and GOOD not in stored
    assert accounts.sign_in("zhang", GOOD).user.name == "zhang"


def test_the_app_hashes_passwords_at_no_less_than_the_owasp_argon2id_cost():
    # Tests hash cheaply (conftest); the hasher the app uses must stay at a real cost: OWASP's argon2id
    # minimum is 19 MiB of memory and 2 passes.
    from conftest import production_hasher

    hasher = production_hasher()
    assert hasher.type.name == "ID"
    assert hasher.memory_cost >= 19 * 1024 and hasher.time_cost >= 2
    assert hasher.hash(GOOD).startswith("$argon2id$")


def test_weak_password_unknown_role_and_theme_are_all_reported(accounts, catalogue):
    with pytest.raises(IndicatorsError) as err:
        accounts.add_user("zhang", "boss", themes=["weather"], password="short", catalogue=catalogue)
    text = str(err.value)
    assert "too short" in text and "unknown role 'boss'" in text and "unknown theme 'weather'" in text
    assert accounts.list_users() == []


def test_duplicate_name_is_refused_whatever_the_case(accounts):
    accounts.add_user("zhang", "viewer", password=GOOD)
    with pytest.raises(IndicatorsError, match="already exists"):
        accounts.add_user("Zhang", "viewer", password=GOOD)


def test_wrong_password_and_unknown_user_get_the_same_message(accounts):
    accounts.add_user("zhang", "viewer", password=GOOD)
    with pytest.raises(IndicatorsError) as wrong_password:
        accounts.sign_in("zhang", "not the password")
    with pytest.raises(IndicatorsError) as unknown_user:
        accounts.sign_in("nobody", "not the password")
    assert str(wrong_password.value) == str(unknown_user.value)


def test_repeated_failures_lock_the_account_for_a_growing_delay(accounts, clock):
    accounts.add_user("zhang", "viewer", password=GOOD)
    for _ in range(FAILURES_BEFORE_LOCK):
        with pytest.raises(IndicatorsError, match="wrong user name or password"):
            accounts.sign_in("zhang", "guess guess")
    # Even the right password is refused while locked.
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        accounts.sign_in("zhang", GOOD)
    clock.advance(seconds=lock_duration(FAILURES_BEFORE_LOCK).total_seconds() + 1)
    with pytest.raises(IndicatorsError, match="wrong user name or password"):
        accounts.sign_in("zhang", "guess again")
    assert lock_duration(FAILURES_BEFORE_LOCK + 1) == 2 * lock_duration(FAILURES_BEFORE_LOCK)
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        accounts.sign_in("zhang", GOOD)
    clock.advance(seconds=lock_duration(FAILURES_BEFORE_LOCK + 1).total_seconds() + 1)
    assert accounts.sign_in("zhang", GOOD).user.name == "zhang"
    assert accounts.list_users()[0].failed_count == 0


def test_lock_holds_across_processes_because_it_is_in_the_database(db_engine, clock):
    first = Accounts(db_engine, hasher=FAST, clock=clock)
    first.add_user("zhang", "viewer", password=GOOD)
    for _ in range(FAILURES_BEFORE_LOCK):
        with pytest.raises(IndicatorsError):
            first.sign_in("zhang", "guess guess")
    another_process = Accounts(db_engine, hasher=FAST, clock=clock)
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        another_process.sign_in("zhang", GOOD)


def test_lock_duration_is_capped():
    assert lock_duration(10_000) == dt.timedelta(hours=1)
    assert lock_duration(FAILURES_BEFORE_LOCK - 1) == dt.timedelta(0)


def test_session_expires_after_idle_time(accounts, clock):
    accounts.add_user("zhang", "viewer", password=GOOD)
    token = accounts.sign_in("zhang", GOOD).token
    clock.advance(seconds=SESSION_IDLE.total_seconds() - 60)
    assert accounts.session_user(token).name == "zhang"
    clock.advance(seconds=SESSION_IDLE.total_seconds() + 1)
    assert accounts.session_user(token) is None


def test_session_expires_after_absolute_time_even_when_active(accounts, clock):
    accounts.add_user("zhang", "viewer", password=GOOD)
    token = accounts.sign_in("zhang", GOOD).token
    for _ in range(int(SESSION_ABSOLUTE / dt.timedelta(minutes=20))):
        clock.advance(minutes=20)
        assert accounts.session_user(token) is not None
    clock.advance(minutes=20)
    assert accounts.session_user(token) is None


def test_sign_out_and_disable_end_sessions(accounts):
    accounts.add_user("zhang", "viewer", password=GOOD)
    accounts.add_user("wang", "editor", themes=["health"], password=GOOD)
    token = accounts.sign_in("zhang", GOOD).token
    accounts.sign_out(token)
    assert accounts.session_user(token) is None
    other = accounts.sign_in("wang", GOOD).token
    accounts.disable_user("wang")
    assert accounts.session_user(other) is None
    # A disabled account answers like a wrong password, even to the right one: it does not reveal itself.
    with pytest.raises(IndicatorsError, match="wrong user name or password"):
        accounts.sign_in("wang", GOOD)


def test_forged_or_empty_token_is_nobody(accounts):
    assert accounts.session_user("forged-token") is None
    assert accounts.session_user("") is None
    assert accounts.session_user(None) is None


def test_oidc_identity_maps_by_verified_email_or_subject_never_by_name(accounts):
    accounts.add_user("zhang", "editor", themes=["health"], password=None, email="Zhang@binzhou.gov.cn")
    accounts.add_user("wang", "admin", password=None, oidc_subject="https://idp.example|42")
    user = accounts.user_for_identity("zhang@binzhou.gov.cn", "whatever", email_verified=True)
    assert user.name == "zhang" and user.role == "editor" and user.themes == ("health",)
    assert accounts.user_for_identity("zhang@binzhou.gov.cn", "zhang", email_verified=False) is None
    assert accounts.user_for_identity(None, "zhang") is None  # a name claim is anyone's to choose
    assert accounts.user_for_identity(None, "wang") is None
    assert accounts.user_for_identity(None, None, subject="https://idp.example|42").name == "wang"
    assert accounts.user_for_identity("stranger@example.com", "stranger", email_verified=True) is None
    # An OIDC-only account has no password, so the local form cannot be used for it.
    with pytest.raises(IndicatorsError, match="wrong user name or password"):
        accounts.sign_in("zhang", "")


def test_migration_creates_the_tables_the_code_uses(db_engine):
    inspector = sa.inspect(db_engine)
    for table in (users, user_sessions):
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.columns.keys())


def test_the_idle_timer_reads_the_time_left_without_keeping_the_session_alive(accounts, clock):
    accounts.add_user("zhang", "editor", themes=["health"], password=GOOD)
    token = accounts.sign_in("zhang", GOOD).token
    clock.advance(minutes=20)
    assert accounts.session_remaining(token) == SESSION_IDLE - dt.timedelta(minutes=20)
    # Asking again and again (the warning timer) does not count as use: the session still ends.
    clock.advance(minutes=9)
    assert accounts.session_remaining(token) == dt.timedelta(minutes=1)
    clock.advance(minutes=2)
    assert accounts.session_remaining(token) is None
    assert accounts.session_user(token) is None
    # Whose it was stays known, so what they had typed can wait for them.
    assert accounts.session_owner(token) == "zhang"
    assert accounts.session_owner("no such token") is None


def test_signing_out_ends_what_the_timer_sees_at_once(accounts):
    accounts.add_user("zhang", "editor", themes=["health"], password=GOOD)
    token = accounts.sign_in("zhang", GOOD).token
    assert accounts.session_remaining(token) == SESSION_IDLE
    accounts.sign_out(token)
    assert accounts.session_remaining(token) is None


def test_sign_in_refusals_carry_codes_the_app_translates(accounts, clock):
    accounts.add_user("zhang", "editor", themes=["health"], password=GOOD)
    codes = []
    for _ in range(FAILURES_BEFORE_LOCK + 1):
        with pytest.raises(IndicatorsError) as err:
            accounts.sign_in("zhang", "wrong password!")
        codes.append(err.value.problems[0].code)
    assert codes[:FAILURES_BEFORE_LOCK] == ["signin.wrong"] * FAILURES_BEFORE_LOCK
    assert codes[-1] == "signin.locked"
    assert err.value.problems[0].params["seconds"] > 0


def test_display_names_map_logins_to_the_names_people_know(accounts):
    accounts.add_user("wang.fang", "editor", themes=["health"], password=GOOD, display_name="王芳")
    accounts.add_user("li", "viewer", password=GOOD)
    assert accounts.display_names() == {"wang.fang": "王芳"}
