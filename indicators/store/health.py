"""Is the service healthy? The database answers, and its schema is the one the code expects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from indicators.errors import IndicatorsError
from indicators.logs import logger
from indicators.store.db import (
    current_revision,
    display_url,
    head_revision,
    make_engine,
    resolve_url,
    store_state,
)


@dataclass(frozen=True)
class Health:
    """The database's state as a health check reports it (safe to show: no password, no traceback)."""

    ok: bool
    backend: str
    schema_revision: str | None
    data_version: int | None
    message: str

    def as_dict(self) -> dict[str, object]:
        """Return the report as a JSON-ready mapping."""
        return {
            "ok": self.ok,
            "database": {
                "backend": self.backend,
                "schema_revision": self.schema_revision,
                "data_version": self.data_version,
            },
            "message": self.message,
        }


def health(url: str | None = None) -> Health:
    """Connect, run one query, compare the schema with the code's; never raise."""
    try:
        db_url = resolve_url(url)
    except IndicatorsError as exc:
        return Health(False, "unknown", None, None, exc.problems[0].message)
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    engine = None
    try:
        engine = make_engine(db_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = current_revision(conn)
            version = None
            if revision is not None:
                version = conn.execute(select(store_state.c.data_version)).scalar()
    except (SQLAlchemyError, OSError) as exc:
        logger().warning("health: %s unreachable: %s", display_url(db_url), exc)
        return Health(False, backend, None, None, f"cannot reach the database {display_url(db_url)}")
    finally:
        if engine is not None:
            engine.dispose()
    expected = head_revision()
    if revision != expected:
        return Health(
            False, backend, revision, version, f"schema is {revision or 'empty'}, the code expects {expected}"
        )
    return Health(True, backend, revision, version, "ok")
