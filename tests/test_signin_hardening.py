"""Sign-in that cannot be raced or turned against users: attempts are counted before they are checked,
per client address as well as per account; unknown names and disabled accounts answer like wrong
passwords; weak and common passwords are refused."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from indicators.accounts import (
    ACCOUNT_FAILURES_BEFORE_LOCK,
    ADDRESS_FAILURES_BEFORE_LOCK,
    FAILURES_BEFORE_LOCK,
    THROTTLE_WINDOW,
    Accounts,
    is_common_password,
    sign_in_throttle,
)
from indicators.errors import IndicatorsError
from indicators.store.db import make_engine, migrate

FAST = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
GOOD = "correct horse battery"


class CountingHasher(PasswordHasher):
    """Counts how many passwords were really checked."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.checked = 0
        self.lock = threading.Lock()

    def verify(self, hash, password):
        with self.lock:
            self.checked += 1
        return super().verify(hash, password)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_sixteen_parallel_guesses_are_not_all_checked(engine):
    hasher = CountingHasher()
    accounts = Accounts(engine, hasher=hasher)
    accounts.add_user("zhang", "viewer", password=GOOD)
    hasher.checked = 0
    guesses = [f"guess number {i}" for i in range(16)]
    results: list[str] = []
    barrier = threading.Barrier(len(guesses))

    def attempt(password: str) -> None:
        other_process = Accounts(engine, hasher=hasher)
        barrier.wait()
        try:
            other_process.sign_in("zhang", password)
            results.append("signed in")
        except IndicatorsError as exc:
            results.append(exc.problems[0].message)

    threads = [threading.Thread(target=attempt, args=(g,)) for g in guesses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert hasher.checked == FAILURES_BEFORE_LOCK
    assert sum("too many failed sign-ins" in r for r in results) == len(guesses) - FAILURES_BEFORE_LOCK
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        accounts.sign_in("zhang", GOOD)  # the right password comes too late: the account is locked


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2025, 3, 20, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now


def test_one_address_guessing_is_stopped_without_locking_the_real_user_out(engine):
    clock = Clock()
    accounts = Accounts(engine, hasher=FAST, clock=clock)
    accounts.add_user("zhang", "viewer", password=GOOD)
    for i in range(ADDRESS_FAILURES_BEFORE_LOCK):
        with pytest.raises(IndicatorsError, match="wrong user name"):
            accounts.sign_in("zhang", f"guess {i}", client="203.0.113.9")
    # The attacker's address is stopped, for any name …
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        accounts.sign_in("zhang", GOOD, client="203.0.113.9")
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        accounts.sign_in("wang", "anything at all", client="203.0.113.9")
    # … while zhang, at the office, still signs in.
    assert accounts.sign_in("zhang", GOOD, client="198.51.100.7").user.name == "zhang"
    assert ADDRESS_FAILURES_BEFORE_LOCK < ACCOUNT_FAILURES_BEFORE_LOCK


def test_many_addresses_together_still_lock_the_account(engine):
    accounts = Accounts(engine, hasher=FAST, clock=Clock())
    accounts.add_user("zhang", "viewer", password=GOOD)
    for i in range(ACCOUNT_FAILURES_BEFORE_LOCK):
        with pytest.raises(IndicatorsError, match="wrong user name"):
            accounts.sign_in("zhang", "guess", client=f"203.0.113.{i}")
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        accounts.sign_in("zhang", GOOD, client="198.51.100.7")


def test_unknown_and_known_names_are_answered_alike_including_the_lock(engine):
    hasher = CountingHasher()
    accounts = Accounts(engine, hasher=hasher, clock=Clock())
    accounts.add_user("zhang", "viewer", password=GOOD)
    answers = {}
    for name in ("zhang", "nobody"):
        seen = []
        hasher.checked = 0
        for _ in range(FAILURES_BEFORE_LOCK + 1):
            with pytest.raises(IndicatorsError) as exc:
                accounts.sign_in(name, "not the password")
            seen.append(str(exc.value))
        answers[name] = (seen, hasher.checked)
    assert answers["zhang"] == answers["nobody"]  # same messages, same lock, same argon2 work


def test_a_disabled_account_does_not_reveal_itself_even_to_the_right_password(engine):
    accounts = Accounts(engine, hasher=FAST, clock=Clock())
    accounts.add_user("zhang", "viewer", password=GOOD)
    accounts.disable_user("zhang")
    with pytest.raises(IndicatorsError) as disabled:
        accounts.sign_in("zhang", GOOD)
    with pytest.raises(IndicatorsError) as unknown:
        accounts.sign_in("nobody", GOOD)
    assert str(disabled.value) == str(unknown.value)


@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "Password2024!",
        "qwertyuiop",
        "1234567890",
        "woaini1314520",
        "aaaaaaaaaaaa",
        "zhang2024zhang",
        "Binzhou2025",
    ],
)
def test_common_and_weak_passwords_are_refused(engine, password: str):
    accounts = Accounts(engine, hasher=FAST, clock=Clock())
    with pytest.raises(IndicatorsError) as exc:
        accounts.add_user("zhang", "viewer", password=password)
    assert any(p.path == "password" for p in exc.value.problems)
    accounts.add_user("zhang", "viewer", password=GOOD)
    with pytest.raises(IndicatorsError):
        accounts.set_password("zhang", password)


def test_a_good_password_is_not_common():
    assert not is_common_password("violet tractor 7 rivers", "zhang")


def _throttle_keys(engine) -> dict[str, tuple[int, dt.datetime | None]]:
    with engine.connect() as conn:
        return {r.key: (r.failures, r.locked_until) for r in conn.execute(sa.select(sign_in_throttle))}


def test_throttle_rows_of_names_tried_long_ago_are_purged_and_a_live_lockout_is_kept(engine):
    clock = Clock()
    accounts = Accounts(engine, hasher=FAST, clock=clock)
    accounts.add_user("zhang", "viewer", password=GOOD)
    # Yesterday morning: someone typed two names nobody has, once each.
    for name in ("nobody.1", "nobody.2"):
        with pytest.raises(IndicatorsError, match="wrong user name"):
            accounts.sign_in(name, "whatever")
    assert {"name:nobody.1", "name:nobody.2"} <= set(_throttle_keys(engine))
    # A day and a minute later, zhang's account is being guessed at and gets locked.
    clock.now += THROTTLE_WINDOW + dt.timedelta(minutes=1)
    for i in range(FAILURES_BEFORE_LOCK):
        with pytest.raises(IndicatorsError, match="wrong user name"):
            accounts.sign_in("zhang", f"guess {i}")
    rows = _throttle_keys(engine)
    # The old unknown names are gone (their window has passed); the lockout stays and still holds.
    assert "name:nobody.1" not in rows and "name:nobody.2" not in rows
    failures, locked_until = rows["name:zhang"]
    assert failures == FAILURES_BEFORE_LOCK and locked_until is not None and locked_until > clock.now
    with pytest.raises(IndicatorsError, match="too many failed sign-ins"):
        accounts.sign_in("zhang", GOOD)


def test_a_recent_failure_and_a_lock_that_ended_within_the_window_are_remembered(engine):
    clock = Clock()
    accounts = Accounts(engine, hasher=FAST, clock=clock)
    for i in range(FAILURES_BEFORE_LOCK):
        with pytest.raises(IndicatorsError):
            accounts.sign_in("nobody", f"guess {i}")
    with pytest.raises(IndicatorsError):
        accounts.sign_in("someone.else", "x")
    # Two hours on: the 30 s lock is over but the doubling must still count; nothing is purged yet.
    clock.now += dt.timedelta(hours=2)
    assert accounts.purge_throttle() == 0
    assert _throttle_keys(engine)["name:nobody"][0] == FAILURES_BEFORE_LOCK
    # A day after the last failure both rows go, at most `limit` per call.
    clock.now += THROTTLE_WINDOW
    assert accounts.purge_throttle(limit=1) == 1
    assert accounts.purge_throttle() == 1
    assert _throttle_keys(engine) == {}
