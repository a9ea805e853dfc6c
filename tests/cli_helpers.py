"""Accounts the command-line tests act as: every command that writes names an enabled account."""

from __future__ import annotations

from indicators.accounts import Accounts
from indicators.store.db import make_engine, migrate

PASSWORD = "quite-long-passphrase-7"
# name → (role, departments)
ACCOUNTS = {
    "li": ("editor", ("civil_affairs",)),
    "zhao": ("reviewer", ()),
    "boss": ("admin", ()),
    "vic": ("viewer", ()),
}


def add_accounts(url: str, names: tuple[str, ...] = tuple(ACCOUNTS)) -> None:
    """Create the named test accounts in the database at url."""
    engine = make_engine(url)
    migrate(engine)
    try:
        accounts = Accounts(engine)
        for name in names:
            role, departments = ACCOUNTS[name]
            accounts.add_user(name, role, departments=departments, password=PASSWORD)
    finally:
        engine.dispose()
