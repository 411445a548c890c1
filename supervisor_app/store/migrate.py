"""Alembic, driven from code: upgrade at start-up (backup first), refuse a database from a newer app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect

from supervisor_app.errors import DatabaseError, DatabaseTooNewError
from supervisor_app.store.backup import create_backup
from supervisor_app.store.db import Database
from supervisor_app.store.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


SEARCH_INDEX_PREFIX = "segment_fts"


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the SQLite full-text index (a virtual table and its shadow tables) out of schema comparisons."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_INDEX_PREFIX))


def schema_differences(connection: Connection) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the models (empty when equal)."""
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
    return list(compare_metadata(context, Base.metadata))


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    if head is None:
        raise DatabaseError("The app ships no database migrations; reinstall it.")
    return head


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class MigrationResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.from_revision != self.to_revision


def check_compatible(database: Database) -> str | None:
    """The database's revision; raise if a newer app wrote it, or if it is not one of ours."""
    current = current_revision(database)
    if current is None:
        with database.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        if tables:
            raise DatabaseError(
                f"The database at {database.describe()} holds tables ({', '.join(sorted(tables)[:5])}) but is "
                "not a Coaching Supervisor database. Point --db or --data-dir at another location."
            )
        return None
    try:
        known = script_directory().get_revision(current)
    except CommandError:
        known = None
    if known is None:
        raise DatabaseTooNewError(
            f"The database at {database.describe()} has schema revision {current}, which this version of "
            f"Coaching Supervisor does not know (newest known: {head_revision()}). It was written by a newer "
            "version: install that version, or point --data-dir at another folder. Nothing was changed."
        )
    return current


def upgrade(database: Database, backups_dir: Path | None) -> MigrationResult:
    """Bring the schema to head. An existing SQLite database is backed up first."""
    current = check_compatible(database)
    head = head_revision()
    database.use_wal()
    if current == head:
        return MigrationResult(current, head, None)
    backup = None
    sqlite_file = database.sqlite_file
    if current is not None and sqlite_file is not None and backups_dir is not None:
        backup = create_backup(sqlite_file, backups_dir, f"before-migration-to-{head}")
    with database.engine.begin() as connection:
        command.upgrade(_config(connection), "head")
    return MigrationResult(current, head, backup)
