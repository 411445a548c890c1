"""Engine and sessions. SQLite connections get WAL, synchronous=FULL, foreign keys and a busy timeout."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from supervisor_app.errors import ConfigurationError, DatabaseCorruptError, DatabaseError, ValidationError

BUSY_TIMEOUT_MS = 10_000
SQLITE_PRAGMAS = (
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def _apply_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    """Connection settings only: nothing here writes to the file. A new, empty database is switched to WAL at once;
    an existing file keeps its journal mode until it is known to be ours and current (`Database.use_wal`), so
    refusing another program's file or a newer version's leaves it byte for byte as it was."""
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
            cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _lone_surrogate(text: str) -> int | None:
    return next((i for i, char in enumerate(text) if "\ud800" <= char <= "\udfff"), None)


def _json_texts(value: object) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _singular(table_name: str) -> str:
    words = table_name.replace("_", " ")
    return words[:-2] if words.endswith(("ches", "shes", "sses")) else words.removesuffix("s")


def _check_text(session: Session, _context: object, _instances: object) -> None:
    """Before anything is written: text that neither database can store as typed is refused in words.

    A lone surrogate (half of a UTF-16 pair, e.g. from a mangled paste or `\\ud800` in a JSON file) cannot be
    encoded as UTF-8, and SQLite does not enforce VARCHAR lengths that PostgreSQL does: both would otherwise
    surface as a driver traceback, or as a value that a later PostgreSQL migration could not hold.
    """
    for instance in (*session.new, *session.dirty):
        state = inspect(instance)
        for attribute in state.mapper.column_attrs:
            column = attribute.columns[0]
            value = getattr(instance, attribute.key, None)
            what = f"{column.name.replace('_', ' ')} ({_singular(column.table.name)})"
            if isinstance(value, str):
                texts: Iterator[str] = iter((value,))
                length = getattr(column.type, "length", None)
                if length is not None and len(value) > length:
                    raise ValidationError(f"The {what} is {len(value):,} characters long; at most {length:,} are "
                                          "kept. Shorten it.", field=column.name)
            elif isinstance(value, dict | list):
                texts = _json_texts(value)
            else:
                continue
            for found in texts:
                if (at := _lone_surrogate(found)) is not None:
                    raise ValidationError(f"The {what} contains \\u{ord(found[at]):04x} at position {at}: half of a "
                                          "character pair, not text. Remove it or type the text again.",
                                          field=column.name)


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
            location = Path(database).expanduser()
            if location.exists() and not location.is_file():
                raise ConfigurationError(f"The database path {location} is not a file (a folder, device or pipe); "
                                         "point --db or --data-dir at an SQLite file.")
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
        event.listen(self.sessions, "before_flush", _check_text)

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

    def use_wal(self) -> None:
        """Write-ahead logging for a database known to be ours (readers never wait for the writer)."""
        if self.is_sqlite:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    def dispose(self) -> None:
        self.engine.dispose()


def _corrupt_message(where: str, detail: str) -> str:
    return (
        f"The database at {where} failed its integrity check ({detail}). Nothing was changed. "
        "Restore the newest backup with `supervisor-app db restore BACKUP_FILE` (backups are in the "
        "'backups' folder of the data directory), or move the damaged file away to start afresh."
    )
