"""Documents (reports and articles added to the store), the review of their figures, and the link from a value.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create documents and document_reviews; link observations to a document with quote and offset."""
    op.create_table(
        "documents",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=True),
        sa.Column("published", sa.Date, nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("file_name", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("content_hash", name="uq_documents_content_hash"),
    )
    op.create_table(
        "document_reviews",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column(
            "document_id", _id, sa.ForeignKey("documents.id", name="fk_reviews_document"), nullable=False
        ),
        sa.Column("quote_offset", sa.Integer, nullable=False),
        sa.Column("figure_text", sa.Text, nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("indicator_id", sa.String(64), nullable=True),
        sa.Column("place_code", sa.String(6), nullable=True),
        sa.Column("period", sa.String(7), nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision IN ('accepted', 'skipped')", name="ck_review_decision"),
    )
    op.create_index("ix_document_reviews_document", "document_reviews", ["document_id"])
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("document_id", _id, nullable=True))
        batch.add_column(sa.Column("quote", sa.Text, nullable=True))
        batch.add_column(sa.Column("quote_offset", sa.Integer, nullable=True))


def downgrade() -> None:
    """Drop the link columns and both tables."""
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("quote_offset")
        batch.drop_column("quote")
        batch.drop_column("document_id")
    op.drop_index("ix_document_reviews_document", table_name="document_reviews")
    op.drop_table("document_reviews")
    op.drop_table("documents")
