"""Tamper-evident history: every revision carries a SHA-256 chained to the revision before it.

row_hash = sha256(prev_hash + "\\n" + canonical JSON of the row). The canonical JSON holds every column
except `id` and the two hash columns, and leaves out columns whose value is NULL, so a nullable column
added later (NULL in every old row) does not change an old row's hash. Rows are chained in `id` order,
which is commit order: writers are serialised on the store_state row (see Store._bump).

A column added later with a NOT NULL server default WOULD change the hash of rows written without it;
new observation columns must be nullable, or be set by the store on every insert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from indicators.store.cells import utc
from indicators.store.db import observations

GENESIS = "0" * 64
HASH_COLUMNS = ("prev_hash", "row_hash")
_SKIP = {"id", *HASH_COLUMNS}
# Rows read per round trip while verifying; keeps memory flat on a large history.
_BATCH = 5_000
OBSERVATION_TRIGGERS = ("observations_no_update", "observations_no_delete")


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool:  # the common cases first: this runs per column per row
        return value
    if kind is float:
        return repr(value)  # exact, and the same text on every platform
    if isinstance(value, dt.datetime):
        return utc(value).isoformat(timespec="microseconds")
    if isinstance(value, bool | int):
        return bool(value) if isinstance(value, bool) else int(value)
    return str(value)


def canonical_json(row: Mapping[str, Any]) -> str:
    """Return the text a row's hash covers: non-null columns except id and hashes, keys sorted."""
    content = {
        name: _plain(value)
        for name, value in row.items()
        if value is not None and name not in _SKIP and not name.startswith("_")
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """Return the hash of a row chained to the hash of the row before it."""
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(row)}".encode()).hexdigest()


def last_hash(conn: Connection) -> str:
    """Return the newest revision's hash, or GENESIS for an empty history."""
    found = conn.execute(
        select(observations.c.row_hash).order_by(observations.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return found or GENESIS


def chain(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Fill prev_hash and row_hash of rows about to be inserted in this order (caller holds the write lock)."""
    prev = last_hash(conn)
    for row in rows:
        row["prev_hash"] = prev
        row["row_hash"] = prev = row_hash(prev, row)


def _rows(conn: Connection) -> Iterator[Mapping[str, Any]]:
    after = -1
    while True:
        batch = (
            conn.execute(
                select(observations)
                .where(observations.c.id > after)
                .order_by(observations.c.id)
                .limit(_BATCH)
            )
            .mappings()
            .all()
        )
        if not batch:
            return
        yield from batch
        after = batch[-1]["id"]


@dataclass
class VerifyReport:
    """What `verify` found: rows checked, the final hash, and every row whose hash does not hold."""

    rows: int = 0
    head: str = GENESIS
    broken: list[str] = field(default_factory=list)
    missing_triggers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row and every guard is as written."""
        return not self.broken and not self.missing_triggers


def verify(engine: Engine) -> VerifyReport:
    """Recompute the chain over every revision and check the append-only triggers are in place."""
    report = VerifyReport()
    with engine.connect() as conn:
        prev = GENESIS
        for row in _rows(conn):
            report.rows += 1
            expected = row_hash(prev, row)
            where = f"id {row['id']} ({row['indicator_id']} {row['place_code']} {row['period']} rev {row['revision']})"
            if row["prev_hash"] != prev:
                report.broken.append(
                    f"{where}: does not follow the row before it (a row was removed or inserted)"
                )
            elif row["row_hash"] != expected:
                report.broken.append(f"{where}: its content changed after it was written")
            prev = row["row_hash"] or expected
        report.head = prev
        report.missing_triggers = [t for t in OBSERVATION_TRIGGERS if not _has_trigger(conn, t)]
    return report


def _has_trigger(conn: Connection, name: str) -> bool:
    if conn.dialect.name == "sqlite":
        query = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :name"
    else:
        query = "SELECT 1 FROM pg_trigger WHERE tgname = :name AND tgenabled <> 'D'"
    return conn.execute(text(query), {"name": name}).first() is not None


def digest(conn: Connection) -> tuple[int, str]:
    """Return (number of revisions, sha256 over all of them in id order) for comparing two copies."""
    total = hashlib.sha256()
    count = 0
    for row in _rows(conn):
        count += 1
        total.update(canonical_json(row).encode())
        total.update(b"\n")
    return count, total.hexdigest()
