"""Town-level place codes: place_code columns widen from 6 to 12 characters.

Towns and streets (乡镇/街道) have 9-digit codes (their county's 6 digits and 3 more); 12 leaves room for
the statistical village codes. Stored values are unchanged, so every row hash of 0006 still holds.

PostgreSQL widens a varchar in place (no table rewrite, no row trigger fires). SQLite cannot alter a
column: the table is rebuilt with its rows copied as they are (ids and hashes included); the append-only
triggers of observations go with the old table, so they are dropped first and created again after.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# (table, nullable) of every place_code column.
_COLUMNS = (
    ("observations", False),
    ("reviews", False),
    ("period_locks", True),
    ("document_reviews", True),
)
# A copy of 0006's SQLite guard, not an import: a migration keeps doing what it did when it was written.
_SQLITE_TRIGGERS = ("UPDATE", "DELETE")


def _drop_sqlite_triggers(conn: sa.Connection) -> None:
    for action in _SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS observations_no_{action.lower()}")


def _create_sqlite_triggers(conn: sa.Connection) -> None:
    for action in _SQLITE_TRIGGERS:
        conn.exec_driver_sql(
            f"CREATE TRIGGER observations_no_{action.lower()} BEFORE {action} ON observations "
            f"BEGIN SELECT RAISE(ABORT, 'observations is append-only: {action} refused'); END"
        )


def _resize(length_from: int, length_to: int) -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_triggers(conn)
    for table, nullable in _COLUMNS:
        if sqlite:
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.alter_column(
                    "place_code",
                    type_=sa.String(length_to),
                    existing_type=sa.String(length_from),
                    existing_nullable=nullable,
                )
        else:
            op.alter_column(
                table,
                "place_code",
                type_=sa.String(length_to),
                existing_type=sa.String(length_from),
                existing_nullable=nullable,
            )
    if sqlite:
        _create_sqlite_triggers(conn)


def upgrade() -> None:
    """Widen every place_code column to 12 characters."""
    _resize(6, 12)


def downgrade() -> None:
    """Narrow place_code back to 6 characters (fails on PostgreSQL while a town's value is stored)."""
    _resize(12, 6)
