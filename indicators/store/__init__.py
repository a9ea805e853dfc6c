"""The append-only observation store: database, migrations, checks, guarded writes, loading and generation."""
