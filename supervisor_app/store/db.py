"""Engine and sessions. SQLite connections get WAL, synchronous=FULL, foreign keys and a busy timeout."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from supervisor_app.errors import (
    AccessDeniedByServerError,
    ConcurrentChangeError,
    ConfigurationError,
    DatabaseCorruptError,
    DatabaseError,
    ServerLoginError,
    ServerUnreachableError,
    ValidationError,
)

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
        unloaded = state.unloaded  # deferred columns not read (a server login may not read them): not changed
        for attribute in state.mapper.column_attrs:
            if attribute.key in unloaded:
                continue
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


def is_server(session: Session) -> bool:
    """True when this session talks to a team server (PostgreSQL) rather than a laptop's SQLite file."""
    return session.get_bind().dialect.name == "postgresql"


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
        """A session inside one transaction: committed on success, rolled back on any error. A server's refusal,
        a broken connection or a clash with another writer becomes one of our errors, in words."""
        with self._translated(), self.sessions.begin() as session:
            yield session

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A transaction in which every query sees the same state of the data (a report built from many queries
        must add up while others keep writing). PostgreSQL needs REPEATABLE READ for that; Python's sqlite3 runs
        plain SELECTs outside any transaction, so on SQLite the transaction is begun explicitly."""
        with self._translated(), self.sessions.begin() as session:
            if self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN")
            else:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Driver errors that are ours to explain (see `translated`) leave as our errors; the rest unchanged."""
        try:
            yield
        except DBAPIError as exc:
            if (ours := translated(exc, self.describe())) is exc:
                raise
            raise ours from exc

    def check_connection(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            detail = _first_line(exc.orig)
            if any(sign in detail for sign in PASSWORD_REFUSALS):
                raise ServerLoginError(
                    f"The team server at {self.describe()} refused the login {self.url.username or ''!r}: "
                    f"{detail}. Put the password in your ~/.pgpass (or the file PGPASSFILE names), or enter it "
                    "when asked.") from exc
            raise DatabaseError(
                f"Cannot open the database at {self.describe()}: {detail}. "
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


PASSWORD_REFUSALS = ("password authentication failed", "no password supplied")
CONNECTION_CLASS = "08"  # SQLSTATE class: connection exceptions
CONCURRENCY_STATES = ("40001", "40P01")  # serialization failure, deadlock
PRIVILEGE_STATE = "42501"  # insufficient privilege, including a row-level security refusal


def translated(exc: DBAPIError, where: str) -> Exception:
    """Our error for what the driver said, or the driver's error unchanged when it is not one of these."""
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    if exc.connection_invalidated or state.startswith(CONNECTION_CLASS) or (
            isinstance(exc, OperationalError) and not state and "sqlite" not in type(exc.orig).__module__):
        return ServerUnreachableError(
            f"The team server at {where} stopped answering ({_first_line(exc.orig)}); what you were doing was not "
            "saved. Check the network, then try again.")
    if state in CONCURRENCY_STATES:
        return ConcurrentChangeError("Someone else changed the same records at the same moment; nothing was saved. "
                                     "Try again.")
    if state == PRIVILEGE_STATE:
        return AccessDeniedByServerError(
            f"The team server does not let your login do this ({_first_line(exc.orig)}). Ask the administrator "
            "if you need it.")
    return exc


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _corrupt_message(where: str, detail: str) -> str:
    return (
        f"The database at {where} failed its integrity check ({detail}). Nothing was changed. "
        "Restore the newest backup with `supervisor-app db restore BACKUP_FILE` (backups are in the "
        "'backups' folder of the data directory), or move the damaged file away to start afresh."
    )
