"""Engine and sessions. SQLite connections get WAL, synchronous=FULL, foreign keys and a busy timeout."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from supervisor_app.errors import ConfigurationError, DatabaseCorruptError, DatabaseError

BUSY_TIMEOUT_MS = 10_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def _apply_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"{url!r} is not a database URL. Use e.g. sqlite:////path/to/file.sqlite3 "
            "or postgresql+psycopg://user:password@host/dbname."
        ) from exc


class Database:
    """One database: its engine and a session factory. `transaction()` is the unit of work."""

    def __init__(self, url: str) -> None:
        parsed = _parse_url(url)
        self.url = parsed
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:") or database.startswith("file:"):
                raise ConfigurationError("Use an SQLite file path, not an in-memory database.")
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(parsed, pool_pre_ping=not self.is_sqlite)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise ConfigurationError(
                f"No database driver for {parsed.drivername!r}: {exc}. For PostgreSQL install the extra "
                "'coaching-supervisor[postgres]' and use a postgresql+psycopg:// URL."
            ) from exc
        if self.is_sqlite:
            event.listen(self.engine, "connect", _apply_sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_file(self) -> Path | None:
        if not self.is_sqlite or not self.url.database:
            return None
        return Path(self.url.database).expanduser().resolve()

    def describe(self) -> str:
        """Where the data lives, without a password."""
        if self.sqlite_file is not None:
            return str(self.sqlite_file)
        return self.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        with self.sessions.begin() as session:
            yield session

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A transaction in which every query sees the same state of the data (a report built from many queries
        must add up while others keep writing). PostgreSQL needs REPEATABLE READ for that; Python's sqlite3 runs
        plain SELECTs outside any transaction, so on SQLite the transaction is begun explicitly."""
        with self.sessions.begin() as session:
            if self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN")
            else:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    def check_connection(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise DatabaseError(
                f"Cannot open the database at {self.describe()}: {exc.orig}. "
                "Check the path or server address, and that you may read and write it."
            ) from exc
        except SQLDatabaseError as exc:
            raise DatabaseCorruptError(_corrupt_message(self.describe(), str(exc.orig))) from exc

    def quick_check(self) -> None:
        """SQLite's quick_check; a failure says how to recover."""
        if not self.is_sqlite:
            return
        try:
            with self.engine.connect() as connection:
                rows = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check")]
        except SQLDatabaseError as exc:
            raise DatabaseCorruptError(_corrupt_message(self.describe(), str(exc.orig))) from exc
        if rows != ["ok"]:
            raise DatabaseCorruptError(_corrupt_message(self.describe(), "; ".join(map(str, rows[:5]))))

    def dispose(self) -> None:
        self.engine.dispose()


def _corrupt_message(where: str, detail: str) -> str:
    return (
        f"The database at {where} failed its integrity check ({detail}). Nothing was changed. "
        "Restore the newest backup with `supervisor-app db restore BACKUP_FILE` (backups are in the "
        "'backups' folder of the data directory), or move the damaged file away to start afresh."
    )
