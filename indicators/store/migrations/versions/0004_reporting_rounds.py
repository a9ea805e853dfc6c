"""Reporting rounds: reviewer role, accounts scoped to departments, reviews and period locks.

Values already stored when this runs count as approved: one 'approve' review by 'system' is written for the
latest revision of every cell, so scores keep showing what they showed before the upgrade.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_ROLES = "role IN ('viewer', 'editor', 'admin')"
NEW_ROLES = "role IN ('viewer', 'editor', 'reviewer', 'admin')"


def upgrade() -> None:
    """Add users.departments, the reviewer role, reviews (approving current values) and period_locks."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("departments", sa.Text, nullable=False, server_default=""))
        batch.drop_constraint("ck_users_role", type_="check")
        batch.create_check_constraint("ck_users_role", NEW_ROLES)
    op.create_table(
        "reviews",
        sa.Column("id", _id_type, primary_key=True, autoincrement=True),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("place_code", sa.String(6), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("reviewed_by", sa.String(100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('approve', 'return')", name="ck_review_action"),
        sa.CheckConstraint("action = 'approve' OR reason IS NOT NULL", name="ck_review_return_reason"),
    )
    op.create_index("ix_reviews_cell", "reviews", ["indicator_id", "place_code", "period", "revision"])
    op.create_table(
        "period_locks",
        sa.Column("id", _id_type, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("place_code", sa.String(6), nullable=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('lock', 'unlock')", name="ck_lock_action"),
        sa.CheckConstraint("action = 'lock' OR reason IS NOT NULL", name="ck_unlock_reason"),
    )
    now = dt.datetime.now(dt.UTC)
    op.execute(
        sa.text(
            "INSERT INTO reviews (indicator_id, place_code, period, revision, action, reason, reviewed_by,"
            " reviewed_at) SELECT indicator_id, place_code, period, MAX(revision), 'approve', NULL, 'system',"
            " :now FROM observations GROUP BY indicator_id, place_code, period"
        ).bindparams(sa.bindparam("now", now, type_=sa.DateTime(timezone=True)))
    )


def downgrade() -> None:
    """Drop the reporting tables and column (reviewer accounts become editors)."""
    op.drop_table("period_locks")
    op.drop_index("ix_reviews_cell", table_name="reviews")
    op.drop_table("reviews")
    op.execute("UPDATE users SET role = 'editor' WHERE role = 'reviewer'")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("ck_users_role", type_="check")
        batch.create_check_constraint("ck_users_role", OLD_ROLES)
        batch.drop_column("departments")
