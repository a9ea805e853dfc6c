"""Where the observation database is, how to connect to it, and its schema (kept current by migrations)."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from indicators.errors import IndicatorsError, Problem
from indicators.paths import DATA_DIR, PACKAGE_DIR

ENV_VAR = "XINAN_DB_URL"
DEFAULT_DB_FILE = DATA_DIR / "xinan.db"
MIGRATIONS_DIR = PACKAGE_DIR / "store" / "migrations"
# Any constant shared by every process of this application: PostgreSQL serialises migrations on it.
_MIGRATION_LOCK_KEY = 0x58494E414E  # "XINAN"

metadata = MetaData()
# County codes have 6 digits, towns (乡镇/街道) 9; 12 leaves room for the statistical village codes.
PLACE_CODE_LENGTH = 12

ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER keys

observations = Table(
    "observations",
    metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("indicator_id", String(64), nullable=False),
    Column("place_code", String(PLACE_CODE_LENGTH), nullable=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("value", Float, nullable=True),
    Column("unit", String(16), nullable=False),
    Column("qualifier", String(16), nullable=False),
    Column("retracted", Boolean, nullable=False),
    Column("note", Text, nullable=True),
    Column("source_kind", String(8), nullable=False),
    Column("source_ref", Text, nullable=True),
    Column("entered_by", String(100), nullable=False),
    Column("entered_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=True),
    # From a document (migration 0005): which one, the verbatim clause and where the figure stands in it.
    Column("document_id", ID_TYPE, nullable=True),
    Column("quote", Text, nullable=True),
    Column("quote_offset", Integer, nullable=True),
    # Plausibility flags (JSON list) raised when the value was saved, and the reason it was confirmed.
    Column("flags", Text, nullable=True),
    Column("flag_reason", Text, nullable=True),
    # The hash chain (indicators.store.integrity): NULL only in a database not yet migrated to 0006.
    Column("prev_hash", String(64), nullable=True),
    Column("row_hash", String(64), nullable=True),
    UniqueConstraint("indicator_id", "place_code", "period", "revision", name="uq_observation_revision"),
    CheckConstraint("revision >= 1", name="ck_observation_revision_positive"),
    CheckConstraint(
        "qualifier IN ('exact', 'more_than', 'nearly', 'about', 'at_most')", name="ck_observation_qualifier"
    ),
    CheckConstraint("source_kind IN ('article', 'form', 'import')", name="ck_observation_source_kind"),
    CheckConstraint(
        "(retracted AND value IS NULL) OR (NOT retracted AND value IS NOT NULL)", name="ck_value"
    ),
    Index("ix_observations_entered_at", "entered_at"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("publisher", Text, nullable=True),
    Column("published", Date, nullable=True),
    Column("url", Text, nullable=True),
    Column("file_name", Text, nullable=True),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("added_by", String(100), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("content_hash", name="uq_documents_content_hash"),
)

document_reviews = Table(
    "document_reviews",
    metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("document_id", ID_TYPE, ForeignKey("documents.id", name="fk_reviews_document"), nullable=False),
    Column("quote_offset", Integer, nullable=False),
    Column("figure_text", Text, nullable=False),
    Column("decision", String(8), nullable=False),
    Column("indicator_id", String(64), nullable=True),
    Column("place_code", String(PLACE_CODE_LENGTH), nullable=True),
    Column("period", String(7), nullable=True),
    Column("value", Float, nullable=True),
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("decision IN ('accepted', 'skipped')", name="ck_review_decision"),
    Index("ix_document_reviews_document", "document_id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("indicator_id", String(64), nullable=False),
    Column("place_code", String(PLACE_CODE_LENGTH), nullable=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String(8), nullable=False),
    Column("reason", Text, nullable=True),
    Column("reviewed_by", String(100), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("action IN ('approve', 'return')", name="ck_review_action"),
    CheckConstraint("action = 'approve' OR reason IS NOT NULL", name="ck_review_return_reason"),
    Index("ix_reviews_cell", "indicator_id", "place_code", "period", "revision"),
)

period_locks = Table(
    "period_locks",
    metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),
    # NULL: every place.
    Column("place_code", String(PLACE_CODE_LENGTH), nullable=True),
    Column("action", String(8), nullable=False),
    Column("reason", Text, nullable=True),
    Column("set_by", String(100), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("action IN ('lock', 'unlock')", name="ck_lock_action"),
    CheckConstraint("action = 'lock' OR reason IS NOT NULL", name="ck_unlock_reason"),
)

store_state = Table(
    "store_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("data_version", BigInteger, nullable=False),
)


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)\S*@")  # greedy: a password may itself hold an @


def mask_password(text: str) -> str:
    """Return text with any password in a URL (scheme://user:PASSWORD@host) replaced by ***."""
    return _PASSWORD_IN_URL.sub(r"\1***@", text)


def resolve_url(url: str | None = None) -> str:
    """Return the database URL: the one given, else $XINAN_DB_URL, else the SQLite file under data/."""
    chosen = url or os.environ.get(ENV_VAR) or f"sqlite:///{DEFAULT_DB_FILE}"
    hint = "write sqlite:///path/to/file.db or postgresql://user@host:5432/dbname"
    try:
        parsed = make_url(chosen)
        parsed.port  # noqa: B018  (a port that is not a number only fails when read)
    except (ArgumentError, ValueError) as exc:
        # Never echo the URL as given: it may carry a password.
        raise IndicatorsError(
            [Problem(f"'{mask_password(chosen)}' is not a database URL", path="db", hint=hint)]
        ) from exc
    # psycopg 3 is the driver installed; plain postgresql:// would ask SQLAlchemy for psycopg2.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise IndicatorsError(
            [
                Problem(
                    f"unsupported database '{parsed.drivername}' in {display_url(chosen)}",
                    path="db",
                    hint=hint,
                )
            ]
        )
    return parsed.render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """Return the URL with any password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves: pysqlite's lazy BEGIN would make a read-then-write race possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a committed value survives power loss
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock at BEGIN, so their read of the current revision cannot go stale.
        immediate = conn.get_execution_options().get("xinan_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _create_private_file(path: Path) -> None:
    # The database holds password hashes: create it readable by its owner only (SQLite gives its -wal
    # and -shm files the same mode). An existing file keeps the mode its owner chose.
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    """Create an engine for the URL; for SQLite create the folder and use WAL mode."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            _create_private_file(Path(database))
        engine = create_engine(url)
        _sqlite_events(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Open a transaction that writes: SQLite takes its write lock at once."""
    with engine.connect() as conn:
        conn.execution_options(xinan_write=True)
        with conn.begin():
            yield conn


def bump(conn: Connection) -> None:
    """Count a write in store_state; also serialises writers (PostgreSQL holds the row lock until commit)."""
    # Every writer calls it first in its transaction: page caches see that something changed, and the hash
    # chain's "last row" cannot move under a writer.
    conn.execute(
        update(store_state).where(store_state.c.id == 1).values(data_version=store_state.c.data_version + 1)
    )


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


# Cached: the migration scripts are part of the program; reading them again on every open cost ~50 ms.
@functools.cache
def head_revision() -> str:
    """Return the newest schema revision the code knows."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """Return the schema revision the database is at, or None when it has no schema yet."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest revision, once even when many processes open at the same time."""
    from alembic import command

    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return head
    from alembic.util import CommandError
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    try:
        with write_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            found = current_revision(conn)
            if found != head:
                command.upgrade(_alembic_config(conn), "head")
    except OperationalError:
        raise  # the server is unreachable: the caller says so
    except (CommandError, SQLAlchemyError) as exc:
        from indicators.logs import log_file, logger

        # DDL is transactional on both backends, so the old schema is intact; the log has the details.
        logger().error("migration of %s failed", display_url(str(engine.url)), exc_info=True)
        raise IndicatorsError(
            [
                Problem(
                    f"the database schema could not be brought up to date ({type(exc).__name__}: "
                    f"{mask_password(str(exc).splitlines()[0])}); nothing was changed",
                    path="db",
                    hint=f"details in {log_file()}; a schema newer than this program needs a newer program",
                    code="ops.migration_failed",
                )
            ]
        ) from exc
    return head


def is_latest_revision(latest: Any) -> Any:
    """Return the join condition: an observation row is its cell's newest revision.

    `latest` is a subquery with indicator_id, place_code, period and `latest` (the highest revision).
    """
    o = observations.c
    return and_(
        o.indicator_id == latest.c.indicator_id,
        o.place_code == latest.c.place_code,
        o.period == latest.c.period,
        o.revision == latest.c.latest,
    )
