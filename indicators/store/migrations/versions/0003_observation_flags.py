"""Plausibility flags and the reason a flagged value was confirmed, stored with each revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add observations.flags (JSON text) and observations.flag_reason, both nullable."""
    # Plain ADD COLUMN (SQLite and PostgreSQL both have it): the table is not rebuilt.
    op.add_column("observations", sa.Column("flags", sa.Text, nullable=True))
    op.add_column("observations", sa.Column("flag_reason", sa.Text, nullable=True))


def downgrade() -> None:
    """Drop the flag columns."""
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("flag_reason")
        batch.drop_column("flags")
