"""Alembic environment: migrations run on the connection the store opened (see indicators.store.db.migrate)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
# SQLite and PostgreSQL both roll DDL back, so a failed upgrade leaves the old schema intact.
context.configure(connection=connection, transactional_ddl=True, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
