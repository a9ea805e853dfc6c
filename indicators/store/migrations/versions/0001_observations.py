"""Append-only observations with one row per revision, and the data version counter.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create observations and store_state."""
    op.create_table(
        "observations",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("place_code", sa.String(6), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("qualifier", sa.String(16), nullable=False),
        sa.Column("retracted", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("source_kind", sa.String(8), nullable=False),
        sa.Column("source_ref", sa.Text, nullable=True),
        sa.Column("entered_by", sa.String(100), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.UniqueConstraint(
            "indicator_id", "place_code", "period", "revision", name="uq_observation_revision"
        ),
        sa.CheckConstraint("revision >= 1", name="ck_observation_revision_positive"),
        sa.CheckConstraint(
            "qualifier IN ('exact', 'more_than', 'nearly', 'about', 'at_most')",
            name="ck_observation_qualifier",
        ),
        sa.CheckConstraint("source_kind IN ('article', 'form', 'import')", name="ck_observation_source_kind"),
        sa.CheckConstraint(
            "(retracted AND value IS NULL) OR (NOT retracted AND value IS NOT NULL)", name="ck_value"
        ),
    )
    op.create_index("ix_observations_entered_at", "observations", ["entered_at"])
    state = op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("data_version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "data_version": 0}])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("store_state")
    op.drop_index("ix_observations_entered_at", table_name="observations")
    op.drop_table("observations")
