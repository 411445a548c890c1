from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from supervisor_app.errors import DatabaseError, DatabaseTooNewError
from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, system
from supervisor_app.store import migrate
from supervisor_app.store.backup import list_backups
from supervisor_app.store.db import Database


def test_migrate_from_empty_reaches_head(paths: AppPaths) -> None:
    opened = system.open_database(paths, paths.default_database_url())
    try:
        assert opened.migration.from_revision is None
        assert opened.migration.to_revision == migrate.head_revision()
        assert opened.migration.backup is None
        tables = set(inspect(opened.database.engine).get_table_names())
        assert {"users", "coaches", "rubric_versions", "audit_events", "alembic_version"} <= tables
    finally:
        opened.database.dispose()


def test_migrations_produce_exactly_the_models_schema(db: Database) -> None:
    with db.engine.connect() as connection:
        differences = migrate.schema_differences(connection)
    assert differences == []


def test_second_start_changes_nothing(paths: AppPaths, db: Database) -> None:
    again = system.open_database(paths, paths.default_database_url())
    try:
        assert not again.migration.changed
        assert list_backups(paths.backups_dir) == []
    finally:
        again.database.dispose()


def test_database_from_a_newer_app_is_refused_and_left_alone(paths: AppPaths, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    db.dispose()
    with pytest.raises(DatabaseTooNewError, match="newer version") as caught:
        system.open_database(paths, paths.default_database_url())
    assert "9999_from_the_future" in str(caught.value)
    with sqlite3.connect(paths.database_file) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999_from_the_future",)


def test_foreign_database_is_refused(paths: AppPaths) -> None:
    with sqlite3.connect(paths.database_file) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseError, match="not a Coaching Supervisor database"):
        system.open_database(paths, paths.default_database_url())
    with sqlite3.connect(paths.database_file) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["invoices"]


def test_upgrade_backs_up_first(paths: AppPaths, db: Database, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A real pending revision (a copy of our scripts plus one more) triggers a verified backup first."""
    accounts.create_first_admin(db, "root", "Root", "correct-horse")
    db.dispose()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (scripts / "versions" / "9000_test_extra.py").write_text(
        '"""test-only revision"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f"revision = '9000_test_extra'\ndown_revision = {head!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n    op.create_table('scratch', sa.Column('id', sa.Integer(), primary_key=True))\n\n\n"
        "def downgrade() -> None:\n    op.drop_table('scratch')\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    opened = system.open_database(paths, paths.default_database_url())
    opened.database.dispose()
    assert opened.migration.from_revision == head
    assert opened.migration.to_revision == "9000_test_extra"
    backup = opened.migration.backup
    assert backup is not None
    assert backup.parent == paths.backups_dir
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
        assert connection.execute("SELECT username FROM users").fetchall() == [("root",)]
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
