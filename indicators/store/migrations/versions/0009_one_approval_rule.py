"""One approval rule and one kind of time.

1. Until now a revision with source_kind 'article' counted as approved without a review: the seed articles'
   figures, but also every figure a person took from an uploaded document, and even an article figure a
   reviewer had returned. From now on only a review approves (indicators.store.approval). So that the seed
   figures keep counting, each seed revision (source_kind 'article', no document) that has no review at all
   gets an approval by 'system' here, as `init` now writes with each seed figure it loads. Figures taken
   from documents (document_id set) get none: they wait in the review queue, as they always should have.
2. SQLite stored times in two forms: SQLAlchemy's inserts as naive UTC text ('2026-12-07 10:00:00.000000'),
   the bulk insert of imports and article loads through the driver as '2026-12-07 10:00:00.000000+00:00'.
   Read back, the two are naive and aware datetimes that cannot be compared (the review queue crashed
   sorting them). Every such text is rewritten in SQLAlchemy's form, converted to UTC. The row hashes of
   0006 cover the time as UTC, not its text, so every hash still holds. PostgreSQL stores timestamptz:
   one form already.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SYSTEM = "system"
# Marks the reviews written here, so the downgrade removes exactly them.
MIGRATION_NOTE = "0009: seed article figure, approved as loaded"
# (table, time column) of every time the store writes with timezone.
_TIMES = (
    ("observations", "entered_at"),
    ("reviews", "reviewed_at"),
    ("period_locks", "set_at"),
    ("documents", "added_at"),
    ("document_reviews", "decided_at"),
)


def _approve_seed_figures(conn: sa.Connection) -> int:
    now = dt.datetime.now(dt.UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # SQLAlchemy's own text form (see 2.)
    return conn.execute(
        sa.text(
            "INSERT INTO reviews (indicator_id, place_code, period, revision, action, reason, reviewed_by, "
            "reviewed_at) "
            "SELECT o.indicator_id, o.place_code, o.period, o.revision, 'approve', :note, :system, :now "
            "FROM observations o WHERE o.source_kind = 'article' AND o.document_id IS NULL "
            "AND NOT o.retracted AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.indicator_id = o.indicator_id "
            "AND r.place_code = o.place_code AND r.period = o.period AND r.revision = o.revision)"
        ),
        {"note": MIGRATION_NOTE, "system": SYSTEM, "now": now},
    ).rowcount


def _sqlite_text(value: str) -> str:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%d %H:%M:%S.%f")


def _one_time_form(conn: sa.Connection) -> int:
    changed = 0
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS observations_no_update")
    for table, column in _TIMES:
        # The common case in SQL: UTC with '+00:00', with or without microseconds.
        changed += conn.exec_driver_sql(
            f"UPDATE {table} SET {column} = CASE WHEN length({column}) = 25 "
            f"THEN substr({column}, 1, 19) || '.000000' ELSE substr({column}, 1, 26) END "
            f"WHERE {column} LIKE '%+00:00'"
        ).rowcount
        # Anything else with an offset (or a 'T'), one by one: none is written by this program.
        odd = conn.exec_driver_sql(
            f"SELECT rowid, {column} FROM {table} WHERE length({column}) <> 26 OR {column} LIKE '%T%'"
        ).all()
        for rowid, value in odd:
            conn.exec_driver_sql(
                f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (_sqlite_text(value), rowid)
            )
        changed += len(odd)
    # 0006's SQLite guard, written out again, not imported: a migration keeps doing what it did when written.
    conn.exec_driver_sql(
        "CREATE TRIGGER observations_no_update BEFORE UPDATE ON observations "
        "BEGIN SELECT RAISE(ABORT, 'observations is append-only: UPDATE refused'); END"
    )
    return changed


def upgrade() -> None:
    """Approve the seed figures that counted without a review; on SQLite, one text form for times."""
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _one_time_form(conn)
    _approve_seed_figures(conn)


def downgrade() -> None:
    """Remove the approvals written here; times keep the one form (both forms read the same)."""
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM reviews WHERE reason = :note"), {"note": MIGRATION_NOTE})
