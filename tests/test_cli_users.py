"""An admin manages accounts on the server: user add / list / disable / passwd, with --db."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
import sqlalchemy as sa

from indicators.accounts import open_accounts, users
from indicators.cli.main import main
from indicators.paths import PROJECT_DIR

# Every account command hashes a password with argon2 (deliberately slow).
pytestmark = pytest.mark.slow

GOOD = "correct horse battery"


@pytest.fixture
def db_url(sqlite_url) -> str:
    return sqlite_url


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_add_with_password_stdin_then_list_shows_role_and_themes(monkeypatch, capsys, db_url):
    _stdin(monkeypatch, GOOD + "\n")
    args = ["user", "add", "zhang", "--role", "editor", "--theme", "health", "--theme", "peace"]
    assert main([*args, "--password-stdin", "--db", db_url]) == 0
    assert main(["user", "list", "--db", db_url]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("zhang"))
    assert "editor" in line and "health peace" in line and "active" in line
    assert open_accounts(db_url).sign_in("zhang", GOOD).user.themes == ("health", "peace")


def test_add_prompts_twice_and_refuses_when_they_differ(monkeypatch, capsys, db_url):
    answers = iter([GOOD, GOOD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "add", "zhang", "--role", "viewer", "--db", db_url]) == 1
    assert "two passwords differ" in capsys.readouterr().err
    assert open_accounts(db_url).list_users() == []


def test_add_prompted_password_is_stored(monkeypatch, db_url):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": GOOD)
    assert main(["user", "add", "li", "--role", "admin", "--db", db_url]) == 0
    assert open_accounts(db_url).sign_in("li", GOOD).user.role == "admin"


def test_unknown_theme_and_weak_password_are_reported_together(monkeypatch, capsys, db_url):
    _stdin(monkeypatch, "short\n")
    code = main(
        ["user", "add", "zhang", "--role", "editor", "--theme", "wether", "--password-stdin", "--db", db_url]
    )
    err = capsys.readouterr().err
    assert code == 1 and "unknown theme 'wether'" in err and "too short" in err and "2 problems" in err


def test_disable_ends_sign_in_and_list_shows_it(monkeypatch, capsys, db_url):
    _stdin(monkeypatch, GOOD + "\n")
    main(["user", "add", "zhang", "--role", "viewer", "--password-stdin", "--db", db_url])
    assert main(["user", "disable", "zhang", "--db", db_url]) == 0
    assert main(["user", "list", "--db", db_url]) == 0
    assert "disabled" in capsys.readouterr().out
    assert main(["user", "disable", "nobody", "--db", db_url]) == 1


def test_passwd_replaces_the_password(monkeypatch, db_url):
    _stdin(monkeypatch, GOOD + "\n")
    main(["user", "add", "zhang", "--role", "viewer", "--password-stdin", "--db", db_url])
    _stdin(monkeypatch, "another long password\n")
    assert main(["user", "passwd", "zhang", "--password-stdin", "--db", db_url]) == 0
    assert open_accounts(db_url).sign_in("zhang", "another long password").user.name == "zhang"


def test_oidc_only_account_has_no_password(db_url):
    code = main(
        ["user", "add", "wang", "--role", "editor", "--theme", "safety", "--no-password",
         "--email", "wang@binzhou.gov.cn", "--db", db_url]
    )  # fmt: skip
    assert code == 0
    with open_accounts(db_url).engine.connect() as conn:
        assert conn.execute(sa.select(users.c.password_hash)).scalar_one() is None


def test_command_line_entry_point_reads_password_from_stdin(db_url):
    run = subprocess.run(
        [sys.executable, "-m", "indicators", "user", "add", "zhao", "--role", "viewer", "--password-stdin",
         "--db", db_url],
        input=GOOD + "\n", capture_output=True, text=True, cwd=PROJECT_DIR, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert GOOD not in run.stdout + run.stderr
