"""The PostgreSQL role the app servers connect as: it reads, appends, and updates only the bookkeeping
tables that must change (sessions, sign-in throttle, the data version). It cannot UPDATE, DELETE or
TRUNCATE any history table, so even with the append-only triggers dropped it cannot rewrite history.

Migrations (`python -m indicators init`) run as the owner of the tables; after each, the owner runs
`python -m indicators grant-app-role ROLE` again so new tables get their grants.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from indicators.errors import IndicatorsError, Problem

# What the app does to each table (see indicators.accounts, .store.store, .store.rounds, .articles.documents).
APP_PRIVILEGES: dict[str, tuple[str, ...]] = {
    # History: read and append only.
    "observations": ("SELECT", "INSERT"),
    "reviews": ("SELECT", "INSERT"),
    "period_locks": ("SELECT", "INSERT"),
    "account_events": ("SELECT", "INSERT"),
    "documents": ("SELECT", "INSERT"),
    "document_reviews": ("SELECT", "INSERT"),
    # Accounts are added by the owner (CLI `user add`); a sign-in records its time and may re-hash.
    "users": ("SELECT", "UPDATE"),
    # A session is touched while used and ended at sign-out (ended_at), never deleted.
    "user_sessions": ("SELECT", "INSERT", "UPDATE"),
    # Counted before each check (row lock: FOR UPDATE needs UPDATE) and purged a day after the last failure.
    "sign_in_throttle": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    # The data version, bumped with each write; its row lock serialises writers.
    "store_state": ("SELECT", "UPDATE"),
    # Read to check the schema is current; only the owner migrates.
    "alembic_version": ("SELECT",),
}
HISTORY_TABLES = tuple(t for t, p in APP_PRIVILEGES.items() if p == ("SELECT", "INSERT"))
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(role: str) -> list[str]:
    """Return the SQL that gives `role` exactly the app's privileges (revoking any others first)."""
    if not _ROLE.match(role):
        raise IndicatorsError(
            [
                Problem(
                    f"role name {role!r} is not a plain lower-case PostgreSQL name",
                    path="role",
                    hint="e.g. xinan_app",
                )
            ]
        )
    tables = ", ".join(APP_PRIVILEGES)
    statements = [f"REVOKE ALL ON {tables} FROM {role}"]
    statements += [f"GRANT {', '.join(p)} ON {t} TO {role}" for t, p in APP_PRIVILEGES.items()]
    # nextval() for the id columns of the tables it appends to.
    statements.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return statements


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Give an existing PostgreSQL role the app's privileges on this database; return the SQL run."""
    if engine.dialect.name != "postgresql":
        raise IndicatorsError(
            [Problem("database roles exist only on PostgreSQL", path="--db", hint="SQLite has no roles")]
        )
    statements = grant_statements(role)
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if exists is None:
            raise IndicatorsError(
                [
                    Problem(
                        f"role {role} does not exist",
                        path="role",
                        hint=f"CREATE ROLE {role} LOGIN PASSWORD '…' (as a superuser), then run this again",
                    )
                ]
            )
        for statement in statements:
            conn.execute(text(statement))
    return statements
