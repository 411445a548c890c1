from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from supervisor_app.errors import AlreadyRunningError, PermissionDeniedError
from supervisor_app.paths import AppPaths
from supervisor_app.services import demo, system
from supervisor_app.store.backup import list_backups
from supervisor_app.store.db import Database
from tests.conftest import login

HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from supervisor_app.paths import AppPaths
    from supervisor_app.services.system import InstanceLock
    lock = InstanceLock(AppPaths(__import__('pathlib').Path(sys.argv[1])))
    lock.acquire()
    print('locked', flush=True)
    time.sleep(60)
""")


def test_one_instance_per_data_folder_and_no_stale_lock_after_a_crash(paths: AppPaths) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(paths.data_dir)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunningError, match=str(paths.data_dir)):
            system.InstanceLock(paths).acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        assert paths.lock_file.exists()
        lock = system.InstanceLock(paths)
        lock.acquire()
        lock.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_manual_backup_and_restore(paths: AppPaths, demo_db: Database) -> None:
    admin = login(demo_db, "admin")
    backup = system.backup_now(demo_db, paths, admin)
    assert backup in list_backups(paths.backups_dir)
    with pytest.raises(PermissionDeniedError):
        system.backup_now(demo_db, paths, login(demo_db, "maria"))
    with demo_db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM coaches WHERE employee_id = 'E1001'")
    safety = system.restore_backup(demo_db, paths, backup, admin)
    assert safety.exists()
    restored = Database(paths.default_database_url())
    try:
        with restored.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM coaches").scalar() == 12
    finally:
        restored.dispose()


def test_versions_name_every_part(db: Database) -> None:
    found = system.versions(db)
    for key in ("Coaching Supervisor", "SQLAlchemy", "faster-whisper", "Database schema (app)",
                "Database schema (file)"):
        assert found[key]
    assert found["Database schema (app)"] == found["Database schema (file)"]


def test_demo_is_idempotent_and_guarded(demo_db: Database) -> None:
    with pytest.raises(PermissionDeniedError, match="administrator"):
        demo.load_demo(demo_db, None)
    with pytest.raises(PermissionDeniedError):
        demo.load_demo(demo_db, login(demo_db, "maria"))
    again = demo.load_demo(demo_db, login(demo_db, "admin"))
    assert (again.users_added, again.coaches_added, again.rubric_added) == (0, 0, False)
    assert "already loaded" in again.message


def test_demo_on_an_empty_database(db: Database) -> None:
    result = demo.load_demo(db, None)
    assert (result.users_added, result.coaches_added, result.rubric_added) == (7, 12, True)
