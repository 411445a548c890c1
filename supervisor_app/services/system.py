"""Start-up and maintenance: open and migrate the database, one instance per data folder, backups."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import sqlalchemy
from filelock import FileLock, Timeout
from sqlalchemy.exc import DBAPIError

from supervisor_app import __version__
from supervisor_app.core.roles import Permission
from supervisor_app.errors import AccessDeniedByServerError, AlreadyRunningError, DatabaseError
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, program_settings
from supervisor_app.services.context import Actor, require
from supervisor_app.settings import Settings
from supervisor_app.store import backup, logins, migrate
from supervisor_app.store.db import Database, translated
from supervisor_app.store.models import User


@dataclass(frozen=True)
class OpenedDatabase:
    database: Database
    migration: migrate.MigrationResult


def open_database(paths: AppPaths, url: str) -> OpenedDatabase:
    """Connect, check integrity, and migrate to the app's schema (backing up first). Raises our errors only."""
    paths.ensure()
    database = Database(url)
    try:
        database.check_connection()
        database.quick_check()
        try:
            result = migrate.upgrade(database, paths.backups_dir)
        except DBAPIError as exc:
            raise _refused_on_open(database, translated(exc, database.describe())) from exc
        program_settings.adopt_local(database, Settings(paths.settings_file))
    except Exception:
        database.dispose()
        raise
    return OpenedDatabase(database, result)


def _refused_on_open(database: Database, error: Exception) -> Exception:
    if not isinstance(error, AccessDeniedByServerError):
        return error
    login = database.url.username or "(your login)"
    return AccessDeniedByServerError(
        f"The login {login!r} may not use the program's database at {database.describe()}, or may not upgrade it "
        f"to this version of the app (schema {migrate.head_revision()}). Ask the administrator to add you "
        "(`supervisor-app user add NAME --role ROLE`) or to upgrade the server (`supervisor-app db upgrade` with "
        "the owner's connection).")


def server_status(database: Database) -> dict[str, str]:
    """What a team server reports about itself and this connection (no secrets)."""
    current, head = database_status(database)
    with database.transaction() as session:
        login = logins.connected_login(session)
        user = logins.signed_in_user(session)
        version = str(session.scalar(sqlalchemy.text("SHOW server_version")))
    return {"server": database.describe(), "PostgreSQL": version, "schema": f"{current} (app needs {head})",
            "login": login, "signs in as": f"{user.username} ({user.role})" if user else
            "no app user (the owner's or an unknown login)"}


def database_status(database: Database) -> tuple[str | None, str]:
    """(current revision, newest revision this app knows)."""
    migrate.check_compatible(database)
    return migrate.current_revision(database), migrate.head_revision()


class InstanceLock:
    """One running app per data folder. The OS drops the lock when the process dies, so a crash never blocks."""

    def __init__(self, paths: AppPaths) -> None:
        paths.ensure()
        self._path = paths.lock_file
        self._lock = FileLock(str(self._path))

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise AlreadyRunningError(
                f"Coaching Supervisor is already running with the data folder {self._path.parent}. "
                "Switch to that window, or close it first."
            ) from None

    def release(self) -> None:
        self._lock.release()


def backup_now(database: Database, paths: AppPaths, actor: Actor) -> Path:
    require(actor, Permission.MANAGE_USERS)
    sqlite_file = _require_sqlite(database)
    target = backup.create_backup(sqlite_file, paths.backups_dir, "manual")
    with database.transaction() as session:
        audit.record(session, actor, "database.backup", "database", sqlite_file.name, {"backup": target.name})
    return target


def restore_backup(database: Database, paths: AppPaths, backup_file: Path, actor: Actor | None) -> Path:
    """Replace the database with a backup; the current state is backed up first. Returns that safety copy.

    An administrator restores; `actor` may be None only where there is nobody to sign in as (a database with no
    users yet, or one too damaged to open — the caller decides that). The restore is recorded in the restored
    database's audit trail. The caller holds the instance lock, so no window is using the database.
    """
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    sqlite_file = _require_sqlite(database)
    if not backup_file.is_file():
        raise DatabaseError(f"There is no backup file at {backup_file}.")
    backup.verify(backup_file)
    candidate = Database(f"sqlite:///{backup_file}")
    try:
        migrate.check_compatible(candidate)
    finally:
        candidate.dispose()
    safety = backup.create_backup(sqlite_file, paths.backups_dir, "before-restore")
    database.dispose()
    backup.restore_into(backup_file, sqlite_file)
    restored = Database(f"sqlite:///{sqlite_file}")
    try:
        with restored.transaction() as session:
            user = session.get(User, actor.user_id) if actor is not None else None
            known = user is not None and actor is not None and user.username == actor.username
            audit.record(session, actor if known else None, "database.restore", "database", sqlite_file.name,
                         {"backup": backup_file.name, "safety_copy": safety.name,
                          "by": actor.username if actor else "nobody signed in (no usable users)"})
    finally:
        restored.dispose()
    return safety


def _require_sqlite(database: Database) -> Path:
    if database.sqlite_file is None:
        raise DatabaseError("Backups here use the SQLite backup API; back up a PostgreSQL server with pg_dump.")
    return database.sqlite_file


def versions(database: Database | None = None) -> dict[str, str]:
    """Versions for the About dialog and bug reports (the GUI adds Qt's)."""
    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    found = {
        "Coaching Supervisor": __version__,
        "Python": platform.python_version(),
        "SQLAlchemy": sqlalchemy.__version__,
        "faster-whisper": installed("faster-whisper"),
        "Database schema (app)": migrate.head_revision(),
    }
    if database is not None:
        found["Database schema (file)"] = migrate.current_revision(database) or "empty"
        found["Database"] = database.describe()
    return found
