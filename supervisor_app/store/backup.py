"""Backups through the SQLite online backup API (never a file copy), verified and rotated."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from supervisor_app.errors import DatabaseCorruptError, DatabaseError
from supervisor_app.files import atomic_target

KEEP_BACKUPS = 10
_BACKUP_PATTERN = "supervisor-*.sqlite3"


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path)
    try:
        yield connection
    finally:
        connection.close()


def verify(path: Path) -> None:
    """Raise DatabaseCorruptError unless `path` is an SQLite file that passes integrity_check."""
    try:
        with _connect(path) as connection:
            rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise DatabaseCorruptError(f"{path} is not a readable SQLite database: {exc}.") from exc
    if rows != ["ok"]:
        raise DatabaseCorruptError(f"{path} fails its integrity check: {'; '.join(rows[:5])}.")


def create_backup(database_file: Path, backups_dir: Path, reason: str, *, keep: int = KEEP_BACKUPS) -> Path:
    """Copy the live database through the backup API into a verified, timestamped file."""
    if not database_file.exists():
        raise DatabaseError(f"There is no database at {database_file} to back up.")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    label = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "manual"
    target = backups_dir / f"supervisor-{stamp}-{label}.sqlite3"
    with atomic_target(target) as tmp:
        with _connect(database_file) as source, _connect(tmp) as destination:
            source.backup(destination)
        verify(tmp)
    rotate(backups_dir, keep)
    return target


def rotate(backups_dir: Path, keep: int) -> None:
    backups = list_backups(backups_dir)
    for old in backups[keep:]:
        old.unlink(missing_ok=True)


def list_backups(backups_dir: Path) -> list[Path]:
    """Newest first."""
    return sorted(backups_dir.glob(_BACKUP_PATTERN), key=lambda p: p.name, reverse=True)


def restore_into(backup_file: Path, database_file: Path) -> None:
    """Replace the live database's content with the backup's, through the backup API."""
    verify(backup_file)
    with _connect(backup_file) as source, _connect(database_file) as destination:
        source.backup(destination)
