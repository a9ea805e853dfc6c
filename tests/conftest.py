"""Shared fixtures: the shipped catalogue, and fresh stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from ci_env import running_in_ci

from indicators import accounts
from indicators.catalogue import Catalogue, load_catalogue
from indicators.store.store import Store

# The hasher the app uses; tests swap it for a cheap one below, and test_accounts checks this one's cost.
production_hasher = accounts.default_hasher


@pytest.fixture(scope="session", autouse=True)
def _log_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Failures the tests provoke are logged to a temporary file, not the project's data/logs."""
    previous = os.environ.get("XINAN_LOG_FILE")
    os.environ["XINAN_LOG_FILE"] = str(tmp_path_factory.mktemp("logs") / "xinan.log")
    yield
    if previous is None:
        os.environ.pop("XINAN_LOG_FILE", None)
    else:
        os.environ["XINAN_LOG_FILE"] = previous


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Accounts made in tests hash with argon2-cffi's CHEAPEST profile (the one it provides for tests).

    The production cost (~0.3 s a hash here, more under load) is paid by every `Accounts` (a dummy hash)
    and every user added: it was a third of the quick suite's time and tells nothing a test asserts.
    """
    from argon2 import PasswordHasher, profiles

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "default_hasher", lambda: PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded once."""
    return load_catalogue()


# --- observation store: one fresh database per test, on SQLite and on a real PostgreSQL server ---------

SMALL_CATALOGUE_DIR = Path(__file__).resolve().parent / "fixtures" / "catalogue_small"


@pytest.fixture(scope="session")
def small_catalogue() -> Catalogue:
    """The five-indicator catalogue the store tests write against."""
    return load_catalogue(SMALL_CATALOGUE_DIR)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL 15 server for the whole session; CI fails (never skips) when it cannot start."""
    from pg_server import PostgresMissing, temporary_postgres

    try:
        with temporary_postgres() as url:
            yield url
    except PostgresMissing as exc:
        if running_in_ci():
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest schema, made once per session for `db_url` to copy."""
    from indicators.store.db import make_engine, migrate

    path = tmp_path_factory.mktemp("template") / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, _migrated_sqlite: Path) -> str:
    """URL of a new SQLite database at the newest schema, for tests that are about SQLite or the app."""
    target = tmp_path / "migrated.db"
    shutil.copyfile(_migrated_sqlite, target)
    return f"sqlite:///{target}"


# PostgreSQL runs start a server and create a database per test: `make quick` keeps only SQLite.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a new, empty database on each backend."""
    if request.param == "sqlite":
        # A copy of one migrated database: running the migration chain for each test was most of the
        # quick suite's setup time. Tests that need a file without any schema make their own URL.
        target = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("_migrated_sqlite"), target)
        yield f"sqlite:///{target}"
        return
    from pg_server import create_database, drop_database

    server = request.getfixturevalue("pg_server")
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = create_database(server, name)
    yield url
    drop_database(server, name)


@pytest.fixture
def store(db_url: str, small_catalogue: Catalogue) -> Iterator[Store]:
    """An opened store on a fresh database, with the small catalogue."""
    opened = Store(db_url, catalogue=small_catalogue)
    yield opened
    opened.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a real-browser test that skips (no chromium, no playwright) fails: it must run there."""
    report = yield
    if report.skipped and running_in_ci() and item.get_closest_marker("browser") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"a browser test may not skip in CI: {reason}"
    return report
