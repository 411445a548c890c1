from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select, text

from supervisor_app.errors import ConfigurationError, DatabaseCorruptError
from supervisor_app.paths import AppPaths
from supervisor_app.services import system
from supervisor_app.store.backup import create_backup, list_backups, restore_into, verify
from supervisor_app.store.db import BUSY_TIMEOUT_MS, Database
from supervisor_app.store.models import Coach


def test_pragmas_are_set_on_every_connection(db: Database) -> None:
    connections = [db.engine.connect() for _ in range(4)]
    try:
        for connection in connections:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
    finally:
        for connection in connections:
            connection.close()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), db.engine.begin() as connection:
        connection.execute(text("INSERT INTO coaches (name, level, business_unit, supervisor_id, active, "
                                "created_at, updated_at) VALUES ('x', 'senior_coach', '', 999, 1, "
                                "'2026-01-01', '2026-01-01')"))


def test_corrupt_database_is_reported_with_a_way_out(paths: AppPaths, db: Database) -> None:
    db.dispose()
    data = bytearray(paths.database_file.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for offset in range(page_size, len(data), page_size):
        data[offset:offset + 64] = b"\xa5" * 64
    paths.database_file.write_bytes(bytes(data))
    with pytest.raises(DatabaseCorruptError, match="db restore"):
        system.open_database(paths, paths.default_database_url())


def test_a_text_file_posing_as_the_database(paths: AppPaths) -> None:
    paths.database_file.write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(DatabaseCorruptError, match="file is not a database"):
        system.open_database(paths, paths.default_database_url())
    assert paths.database_file.read_text().startswith("these are my notes")


@pytest.mark.parametrize("url", ["not a url", "sqlite://", "sqlite:///:memory:", "nosuchdriver://x/y"])
def test_unusable_database_urls(url: str) -> None:
    with pytest.raises(ConfigurationError):
        Database(url)


def test_backup_is_verified_rotated_and_restorable(paths: AppPaths, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        connection.execute(text("INSERT INTO notes VALUES ('before')"))
    first = create_backup(paths.database_file, paths.backups_dir, "manual")
    verify(first)
    for _ in range(4):
        create_backup(paths.database_file, paths.backups_dir, "manual", keep=3)
    assert len(list_backups(paths.backups_dir)) == 3
    newest = list_backups(paths.backups_dir)[0]
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE notes SET body = 'after'"))
    db.dispose()
    restore_into(newest, paths.database_file)
    with sqlite3.connect(paths.database_file) as connection:
        assert connection.execute("SELECT body FROM notes").fetchall() == [("before",)]


def test_verify_refuses_a_damaged_backup(tmp_path: AppPaths) -> None:
    bogus = tmp_path / "supervisor-x.sqlite3"  # type: ignore[operator]
    bogus.write_bytes(b"SQLite format 3\x00" + b"\x00" * 80)
    with pytest.raises(DatabaseCorruptError):
        verify(bogus)


def snapshot_holds_still(db: Database) -> None:
    """Writes committed by another connection during a snapshot are not seen by it, and are seen afterwards."""
    with db.transaction() as session:
        before = session.scalar(select(func.count()).select_from(Coach))
    with db.snapshot() as snapshot:
        assert snapshot.scalar(select(func.count()).select_from(Coach)) == before
        with db.transaction() as writer:
            writer.add(Coach(name="Written meanwhile", level="senior_coach"))
        assert snapshot.scalar(select(func.count()).select_from(Coach)) == before
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Coach)) == before + 1


def test_a_snapshot_sees_one_state_on_sqlite(db: Database) -> None:
    snapshot_holds_still(db)
