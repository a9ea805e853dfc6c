"""sign_in_throttle.last_failed_at: when a key last failed, so rows of names tried once and never again
(unknown names typed by anyone) can be purged once their window has passed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add sign_in_throttle.last_failed_at (nullable; rows from before count as old) and its index."""
    # Plain ADD COLUMN (SQLite and PostgreSQL both have it): the table is not rebuilt.
    op.add_column("sign_in_throttle", sa.Column("last_failed_at", sa.DateTime, nullable=True))
    op.create_index("ix_sign_in_throttle_last_failed_at", "sign_in_throttle", ["last_failed_at"])


def downgrade() -> None:
    """Drop the column and its index."""
    op.drop_index("ix_sign_in_throttle_last_failed_at", table_name="sign_in_throttle")
    with op.batch_alter_table("sign_in_throttle") as batch:
        batch.drop_column("last_failed_at")
