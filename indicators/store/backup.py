"""Consistent backups of a live database, and restores that prove they hold the same history.

SQLite: the online backup API (sqlite3.Connection.backup) copies one consistent snapshot while the app
keeps writing; copying the database file itself can catch it half-written (and misses the -wal file).
PostgreSQL: `pg_dump -Fc` inside a snapshot that the digest in the manifest is computed from, so the
manifest describes exactly what the dump holds.

Each backup FILE gets FILE.manifest.json: backend, schema revision, number of revisions and a SHA-256
over all of them (indicators.store.integrity.digest). `restore` loads FILE into an EMPTY database and refuses
to call it done unless the restored history has the same count and digest and its hash chain holds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from indicators.errors import IndicatorsError, Problem
from indicators.store.db import current_revision, display_url, make_engine, resolve_url
from indicators.store.integrity import digest, verify

PG_BIN = Path(os.environ.get("XINAN_PG_BIN", "/usr/lib/postgresql/15/bin"))
MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: enough to check a restore against."""

    backend: str
    schema_revision: str | None
    revisions: int
    digest: str
    created_at: str

    def write(self, backup_file: Path) -> Path:
        """Write the manifest beside the backup file, readable by its owner only."""
        path = manifest_path(backup_file)
        _create_private(path)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path


def manifest_path(backup_file: Path) -> Path:
    """Return where the manifest of a backup file lives."""
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def _problem(message: str, hint: str = "", path: str = "backup") -> IndicatorsError:
    return IndicatorsError([Problem(message, path=path, hint=hint)])


def _create_private(path: Path) -> None:
    # Created 0600 before anything is written into it: a backup holds every account's password hash.
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise _problem(
            f"{path} already exists; a backup never overwrites a file", "choose a new name"
        ) from None
    except OSError as exc:
        raise _problem(f"cannot create {path}: {exc.strerror}") from exc
    os.close(fd)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise _problem("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _summary(db_url: str) -> tuple[str | None, int, str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            count, total = digest(conn)
            return current_revision(conn), count, total
    finally:
        engine.dispose()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- backup ---------------------------------------------------------------------------------------


def backup(url: str | None, out: str | Path) -> Manifest:
    """Write a consistent backup of the database to `out` (new file, mode 0600) and its manifest."""
    db_url = resolve_url(url)
    parsed = make_url(db_url)
    target = Path(out)
    if parsed.get_backend_name() == "sqlite":
        return _backup_sqlite(_sqlite_path(parsed), target)
    return _backup_postgres(db_url, target)


def _backup_sqlite(source: Path, target: Path) -> Manifest:
    if not source.exists():
        raise _problem(f"there is no database at {source}")
    if target.exists():
        raise _problem(f"{target} already exists; a backup never overwrites a file", "choose a new name")
    # Written under a temporary name and renamed once complete with its manifest: a backup killed half-way
    # leaves FILE.partial, never a FILE that looks like a backup.
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _create_private(partial)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # one consistent snapshot, even while the app writes (WAL readers don't block)
            dst.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
        finally:
            dst.close()
            src.close()
        schema, count, total = _summary(f"sqlite:///{partial}")
        manifest = Manifest("sqlite", schema, count, total, _now())
        manifest.write(target)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        manifest_path(target).unlink(missing_ok=True)
        raise _problem(f"the backup failed: {exc}") from exc
    return manifest


def _libpq(db_url: str) -> tuple[str, dict[str, str]]:
    # Password through the environment, never on a command line other users can read in `ps`.
    url = make_url(db_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    tool = PG_BIN / name
    if tool.exists():
        return str(tool)
    found = shutil.which(name)
    if found is None:
        raise _problem(f"{name} not found in {PG_BIN} or on PATH", "install postgresql-client-15")
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise _problem(f"{what} failed: {result.stderr.strip()[-2000:]}")


def _backup_postgres(db_url: str, target: Path) -> Manifest:
    if target.exists():
        raise _problem(f"{target} already exists; a backup never overwrites a file", "choose a new name")
    engine = make_engine(db_url)
    conninfo, env = _libpq(db_url)
    partial = target.with_name(target.name + ".partial")  # renamed once complete (see _backup_sqlite)
    partial.unlink(missing_ok=True)
    _create_private(partial)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # pg_dump reads the snapshot this transaction sees, so the digest describes the dump.
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                count, total = digest(conn)
                schema = current_revision(conn)
                _run(
                    [_pg_tool("pg_dump"), "-Fc", f"--snapshot={snapshot}", "-f", str(partial), conninfo],
                    env,
                    "pg_dump",
                )
        manifest = Manifest("postgresql", schema, count, total, _now())
        manifest.write(target)
        os.replace(partial, target)
    except (IndicatorsError, OSError):
        partial.unlink(missing_ok=True)
        manifest_path(target).unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    return manifest


# --- restore --------------------------------------------------------------------------------------


def read_manifest(backup_file: Path) -> Manifest | None:
    """Return the manifest written with a backup, or None when it is missing."""
    path = manifest_path(backup_file)
    if not path.exists():
        return None
    try:
        return Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise _problem(f"{path} is not a backup manifest: {exc}", path="restore") from exc


def restore(url: str | None, file: str | Path) -> Manifest:
    """Load a backup into an EMPTY database; raise unless the restored history equals the backup's."""
    db_url = resolve_url(url)
    parsed = make_url(db_url)
    source = Path(file)
    if not source.is_file():
        raise _problem(f"there is no backup file {source}", path="restore")
    expected = read_manifest(source)
    if parsed.get_backend_name() == "sqlite":
        _restore_sqlite(source, _sqlite_path(parsed), expected)
    else:
        _restore_postgres(db_url, source)
    try:
        return _check_restored(db_url, parsed.get_backend_name(), expected)
    except (IndicatorsError, SQLAlchemyError):
        # A restore that is refused leaves nothing behind that the next restore or `verify` would take
        # for a database (an SQLite file of a forged or truncated backup).
        if parsed.get_backend_name() == "sqlite":
            _remove_sqlite(_sqlite_path(parsed))
        raise


def _remove_sqlite(path: Path) -> None:
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        part.unlink(missing_ok=True)


def _check_restored(db_url: str, backend: str, expected: Manifest | None) -> Manifest:
    try:
        schema, count, total = _summary(db_url)
    except SQLAlchemyError as exc:
        raise _problem(
            f"the restored file is not a database of this program: {exc.orig}", path="restore"
        ) from exc
    if expected is not None and (count, total) != (expected.revisions, expected.digest):
        raise _problem(
            f"the restored history differs from the backup: {count} revisions (digest {total[:16]}…), "
            f"the backup holds {expected.revisions} (digest {expected.digest[:16]}…)",
            "do not use the restored database; check the backup file",
            path="restore",
        )
    engine = make_engine(db_url)
    try:
        report = verify(engine)
    finally:
        engine.dispose()
    if report.broken:
        raise _problem(f"the restored history's hash chain is broken: {report.broken[0]}", path="restore")
    return Manifest(backend, schema, count, total, _now())


SQLITE_HEADER = b"SQLite format 3\x00"


def _restore_sqlite(source: Path, target: Path, expected: Manifest | None) -> None:
    with source.open("rb") as f:
        header = f.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        what = "empty" if not header else "not a SQLite database"
        raise _problem(
            f"{source} is {what}; nothing was restored", "restore from a file `backup` wrote", path="restore"
        )
    if target.exists() and target.stat().st_size > 0:
        raise _problem(
            f"{target} already exists; restore only into a new, empty database",
            "stop the app, move the old file aside (with its -wal and -shm files), then restore",
            path="restore",
        )
    if expected is not None and expected.backend != "sqlite":
        raise _problem(f"{source} is a {expected.backend} backup, not SQLite", path="restore")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    _create_private(partial)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise _problem(f"{source} is not a SQLite backup: {exc}", path="restore") from exc
    target.unlink(missing_ok=True)
    os.replace(partial, target)  # all or nothing: the database appears only once it is complete


def _restore_postgres(db_url: str, source: Path) -> None:
    engine = make_engine(db_url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise _problem(
            f"{display_url(db_url)} is not empty ({len(tables)} tables); restore only into a new database",
            "createdb a new database, restore into it, then point the app at it",
            path="restore",
        )
    conninfo, env = _libpq(db_url)
    _run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            conninfo,
            str(source),
        ],
        env,
        "pg_restore",
    )
