"""Reliability: one spelling per cell, tamper-evident history, account events.

1. Cells stored under a non-canonical spelling (full-width or other Unicode digits, spaces, 2024q3) are
   MERGED, append-only: when the stray cell holds a value that is newer than (or absent from) the
   canonical cell, that value is appended as a new revision of the canonical cell; the stray cell then
   gets a retracting revision. Both revisions name this migration and the spelling in their reason, so
   the history is the report; nothing is deleted. A stray cell whose canonical spelling is still not a
   valid period (e.g. 0001) is left alone and listed in the log (alembic.runtime.migration).
2. Hash chain: observations get prev_hash/row_hash, filled for every existing row in id order
   (indicators.store.integrity, imported: the hash must be computed exactly as the store computes it).
3. Triggers refuse UPDATE and DELETE on observations (and TRUNCATE on PostgreSQL), and on account_events.
4. account_events: append-only record of account changes; sign_in_throttle (failed sign-ins per name,
   known or not, and per client address); users.oidc_subject (OpenID maps by subject or verified e-mail).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
MIGRATION_USER = "migration-0006"
# A copy, not an import: a migration must keep doing what it did when it was written.
_VALID_PERIOD = re.compile(r"^(19[4-9][0-9]|20[0-9][0-9]|2100)(Q[1-4]|-(0[1-9]|1[0-2]))?$")

_obs = sa.table(
    "observations",
    sa.column("id", sa.Integer),
    sa.column("indicator_id", sa.String),
    sa.column("place_code", sa.String),
    sa.column("period", sa.String),
    sa.column("revision", sa.Integer),
    sa.column("value", sa.Float),
    sa.column("unit", sa.String),
    sa.column("qualifier", sa.String),
    sa.column("retracted", sa.Boolean),
    sa.column("note", sa.Text),
    sa.column("source_kind", sa.String),
    sa.column("source_ref", sa.Text),
    sa.column("entered_by", sa.String),
    sa.column("entered_at", sa.DateTime(timezone=True)),
    sa.column("reason", sa.Text),
)


def _canonical(text: str, upper: bool = False) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    value = "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.decimal(ch, None) is not None else ch
        for ch in value
    )
    return value.upper() if upper else value


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _latest(conn: sa.Connection, cell: tuple[str, str, str]) -> sa.Row | None:
    o = _obs.c
    return conn.execute(
        sa.select(_obs)
        .where(o.indicator_id == cell[0], o.place_code == cell[1], o.period == cell[2])
        .order_by(o.revision.desc())
        .limit(1)
    ).first()


def merge_spellings(conn: sa.Connection) -> tuple[int, list[str]]:
    """Merge stray spellings into canonical cells; return (cells merged, cells left and why)."""
    o = _obs.c
    cells = conn.execute(sa.select(o.indicator_id, o.place_code, o.period).distinct()).all()
    stray = []
    for ind, place, period in cells:
        canonical = (_canonical(ind), _canonical(place), _canonical(period, upper=True))
        if canonical != (ind, place, period):
            stray.append(((ind, place, period), canonical))
    merged, left = 0, []
    now = dt.datetime.now(dt.UTC)
    # canonical cell → when the value merged into it was entered. A merged revision is dated now, so its
    # own time would make every later stray of the same cell look older than it (its newer value lost).
    entered_originally: dict[tuple[str, str, str], dt.datetime] = {}
    # Oldest stray first, so when several spellings of one cell exist the newest value ends on top.
    stray.sort(key=lambda pair: _aware(_latest(conn, pair[0]).entered_at))  # type: ignore[union-attr]
    for cell, canonical in stray:
        if not _VALID_PERIOD.match(canonical[2]):
            left.append(f"{cell!r}: '{canonical[2]}' is not a period between 1949 and 2100; left as stored")
            continue
        old = _latest(conn, cell)
        assert old is not None
        if old.retracted:
            continue
        spelled = "/".join(cell)
        target = _latest(conn, canonical)
        target_at = None if target is None else entered_originally.get(canonical, _aware(target.entered_at))
        newer = target is None or target.retracted or _aware(old.entered_at) > target_at
        if newer and (target is None or target.value != old.value or target.retracted):
            conn.execute(
                sa.insert(_obs).values(
                    indicator_id=canonical[0],
                    place_code=canonical[1],
                    period=canonical[2],
                    revision=(target.revision if target else 0) + 1,
                    value=old.value,
                    unit=old.unit,
                    qualifier=old.qualifier,
                    retracted=False,
                    note=old.note,
                    source_kind=old.source_kind,
                    source_ref=old.source_ref,
                    entered_by=MIGRATION_USER,
                    entered_at=now,
                    reason=f"merged from the cell spelled '{spelled}' (entered by {old.entered_by})",
                )
            )
            entered_originally[canonical] = _aware(old.entered_at)
        conn.execute(
            sa.insert(_obs).values(
                indicator_id=cell[0],
                place_code=cell[1],
                period=cell[2],
                revision=old.revision + 1,
                value=None,
                unit=old.unit,
                qualifier="exact",
                retracted=True,
                note=None,
                source_kind="form",
                source_ref=None,
                entered_by=MIGRATION_USER,
                entered_at=now,
                reason=f"non-canonical spelling of {'/'.join(canonical)}; its value is kept there",
            )
        )
        merged += 1
    if merged:
        conn.execute(sa.text("UPDATE store_state SET data_version = data_version + 1 WHERE id = 1"))
        log.warning("0006: merged %d cell(s) stored under a non-canonical spelling", merged)
    for line in left:
        log.warning("0006: %s", line)
    return merged, left


_GUARDED = ("observations", "account_events")


def _backfill_hashes(conn: sa.Connection) -> int:
    from indicators.store.integrity import GENESIS, row_hash

    table = sa.Table("observations", sa.MetaData(), autoload_with=conn)
    prev = GENESIS
    updates = []
    for row in conn.execute(sa.select(table).order_by(table.c.id)).mappings():
        current = row_hash(prev, row)
        updates.append({"b_id": row["id"], "b_prev": prev, "b_hash": current})
        prev = current
    if updates:
        conn.execute(
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values(prev_hash=sa.bindparam("b_prev"), row_hash=sa.bindparam("b_hash")),
            updates,
        )
    return len(updates)


def _create_triggers(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table in _GUARDED:
            for action in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )
        return
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION xinan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '%% is append-only: %% refused', TG_TABLE_NAME, TG_OP; END $$"
    )
    for table in _GUARDED:
        for action in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION xinan_append_only()"
            )
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION xinan_append_only()"
        )


def _drop_triggers(conn: sa.Connection) -> None:
    actions = ("update", "delete") if conn.dialect.name == "sqlite" else ("update", "delete", "truncate")
    for table in _GUARDED:
        for action in actions:
            on = "" if conn.dialect.name == "sqlite" else f" ON {table}"
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{action}{on}")
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS xinan_append_only()")


def upgrade() -> None:
    """Merge stray spellings, chain every revision, guard the history, record account events."""
    conn = op.get_bind()
    merge_spellings(conn)
    op.add_column("observations", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("observations", sa.Column("row_hash", sa.String(64), nullable=True))
    _backfill_hashes(conn)
    op.create_table(
        "account_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("actor", sa.String(100), nullable=True),
    )
    op.create_index("ix_account_events_user_name", "account_events", ["user_name"])
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime, nullable=True),
    )
    op.add_column("users", sa.Column("oidc_subject", sa.String(512), nullable=True))
    _create_triggers(conn)


def downgrade() -> None:
    """Drop the guards, the hash columns and account_events; merged revisions stay (they are history)."""
    conn = op.get_bind()
    _drop_triggers(conn)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("oidc_subject")
    op.drop_table("sign_in_throttle")
    op.drop_index("ix_account_events_user_name", table_name="account_events")
    op.drop_table("account_events")
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
