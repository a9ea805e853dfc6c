"""Backup and restore drill: a writer keeps saving while the backup runs; the restore into an empty
database holds exactly the history the backup describes, a prefix of the live history."""

from __future__ import annotations

import stat
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from indicators.catalogue import Catalogue
from indicators.cli import main as cli
from indicators.errors import IndicatorsError
from indicators.store.backup import backup, read_manifest, restore
from indicators.store.db import make_engine, observations
from indicators.store.integrity import canonical_json, digest, verify
from indicators.store.store import Store

VISITS = "hotline_calls"
CITY = "371600"


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second, empty database on the same backend as db_url."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'store.db'}"
        return
    from pg_server import create_database, drop_database

    server = request.getfixturevalue("pg_server")
    name = f"restore_{uuid.uuid4().hex[:12]}"
    yield create_database(server, name)
    drop_database(server, name)


def _writer(url: str, catalogue: Catalogue, stop: threading.Event, written: list[int]) -> None:
    with Store(url, catalogue=catalogue) as store:
        n = 0
        while not stop.is_set():
            month = 1 + n % 12
            period = f"{2020 + (n // 12) % 5}-{month:02d}"
            rev = store.current_revision(VISITS, CITY, period)
            store.save(
                VISITS, CITY, period, float(n), entered_by="writer", expected_revision=rev, reason="drill"
            )
            n += 1
            written.append(n)


def _rows(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [
                canonical_json(r)
                for r in conn.execute(select(observations).order_by(observations.c.id)).mappings()
            ]
    finally:
        engine.dispose()


def test_restore_drill_while_the_app_writes(
    store: Store, empty_url: str, small_catalogue: Catalogue, tmp_path: Path
):
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(store.url, small_catalogue, stop, written))
    thread.start()
    try:
        while len(written) < 30:
            threading.Event().wait(0.02)
        manifest = backup(store.url, tmp_path / "drill.backup")
        before = len(written)
        while len(written) < before + 20:  # keep writing after the backup, too
            threading.Event().wait(0.02)
    finally:
        stop.set()
        thread.join()
    backup_file = tmp_path / "drill.backup"
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert read_manifest(backup_file) == manifest
    restored = restore(empty_url, backup_file)
    assert (restored.revisions, restored.digest) == (manifest.revisions, manifest.digest)
    live, back = _rows(store.url), _rows(empty_url)
    # A consistent snapshot: exactly the first N revisions of the live history, nothing torn or extra.
    assert 30 <= len(back) < len(live)
    assert back == live[: len(back)]
    engine = make_engine(empty_url)
    try:
        assert verify(engine).ok
    finally:
        engine.dispose()
    with Store(empty_url, catalogue=small_catalogue) as again:  # the app opens the restored database
        assert len(again.changes_frame()) == len(back)


def test_restore_refuses_a_database_that_is_not_empty(store: Store, tmp_path: Path):
    store.save(VISITS, CITY, "2024-01", 1, entered_by="li")
    backup(store.url, tmp_path / "b.backup")
    with pytest.raises(IndicatorsError, match="empty"):
        restore(store.url, tmp_path / "b.backup")


def test_restore_refuses_a_backup_that_does_not_match_its_manifest(
    store: Store, empty_url: str, tmp_path: Path
):
    store.save(VISITS, CITY, "2024-01", 1, entered_by="li")
    manifest = backup(store.url, tmp_path / "b.backup")
    path = tmp_path / "b.backup.manifest.json"
    path.write_text(path.read_text().replace(manifest.digest, "0" * 64))
    with pytest.raises(IndicatorsError, match="differs from the backup"):
        restore(empty_url, tmp_path / "b.backup")


def test_backup_never_overwrites(store: Store, tmp_path: Path):
    (tmp_path / "b.backup").write_text("keep me")
    with pytest.raises(IndicatorsError, match="already exists"):
        backup(store.url, tmp_path / "b.backup")
    assert (tmp_path / "b.backup").read_text() == "keep me"


def test_backup_and_restore_from_the_command_line(store: Store, empty_url: str, tmp_path: Path, capsys):
    store.save(VISITS, CITY, "2024-01", 1, entered_by="li")
    out = tmp_path / "cli.backup"
    assert cli.main(["backup", "--db", store.url, "--out", str(out)]) == 0
    assert cli.main(["restore", str(out), "--db", empty_url]) == 0
    assert "restored 1 revisions" in capsys.readouterr().out
    with make_engine(empty_url).connect() as conn:
        assert digest(conn)[0] == 1


def test_a_new_sqlite_database_is_created_readable_by_its_owner_only(
    tmp_path: Path, small_catalogue: Catalogue
):
    path = tmp_path / "new.db"
    with Store(f"sqlite:///{path}", catalogue=small_catalogue):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_restoring_an_empty_or_foreign_file_exits_with_a_message_and_leaves_no_database(tmp_path, capsys):
    empty = tmp_path / "empty.backup"
    empty.write_bytes(b"")
    target = tmp_path / "restored.db"
    assert cli.main(["restore", str(empty), "--db", f"sqlite:///{target}"]) == 1
    assert "is empty" in capsys.readouterr().err
    assert not target.exists()
    # A real SQLite file that is not this program's database: refused after loading, and removed again.
    import sqlite3

    foreign = tmp_path / "foreign.backup"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert cli.main(["restore", str(foreign), "--db", f"sqlite:///{target}"]) == 1
    assert "not a database of this program" in capsys.readouterr().err
    assert not target.exists() and not list(tmp_path.glob("restored.db*"))


def test_a_backup_killed_half_way_leaves_no_file_under_the_chosen_name(tmp_path, sqlite_url, monkeypatch):
    # kill -9 runs no clean-up: what matters is that nothing is under FILE until it is complete.
    from indicators.store import backup as backup_module

    folder = tmp_path / "backups"
    folder.mkdir()
    out = folder / "nightly.backup"
    summary = backup_module._summary
    seen_while_copying = []

    def summarise(url: str):
        seen_while_copying.append(sorted(p.name for p in folder.iterdir()))
        return summary(url)

    monkeypatch.setattr(backup_module, "_summary", summarise)
    backup(sqlite_url, out)
    assert seen_while_copying == [["nightly.backup.partial"]]
    assert sorted(p.name for p in folder.iterdir()) == ["nightly.backup", "nightly.backup.manifest.json"]

    def killed(_url: str):
        raise OSError("killed")

    monkeypatch.setattr(backup_module, "_summary", killed)
    with pytest.raises(IndicatorsError, match="the backup failed"):
        backup(sqlite_url, folder / "second.backup")
    assert sorted(p.name for p in folder.iterdir()) == ["nightly.backup", "nightly.backup.manifest.json"]
