from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from supervisor_app.core.roles import Role
from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, system
from supervisor_app.store.db import Database
from supervisor_app.ui import app as app_module
from supervisor_app.ui.shell.first_run_dialog import FirstRunDialog
from supervisor_app.ui.shell.login_dialog import LoginDialog
from tests.ui.conftest import screenshot


def test_login_dialog_wrong_then_right_password(qtbot: QtBot, demo_db: Database) -> None:
    dialog = LoginDialog(demo_db, username="maria")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password_edit, "not-it")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.error_label.isVisible()
    assert "wrong password" in dialog.error_label.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    screenshot(dialog, "login-error")
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, "demo-supervisor")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.actor is not None
    assert dialog.actor.role is Role.SUPERVISOR


def test_first_run_creates_the_administrator(qtbot: QtBot, db: Database) -> None:
    dialog = FirstRunDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    screenshot(dialog, "first-run")
    qtbot.keyClicks(dialog.username_edit, "priya")
    qtbot.keyClicks(dialog.display_name_edit, "Priya Shah")
    qtbot.keyClicks(dialog.password_edit, "a-long-password")
    qtbot.keyClicks(dialog.repeat_edit, "a-different-one")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "differ" in dialog.error_label.text()
    assert accounts.needs_first_admin(db)
    dialog.repeat_edit.clear()
    qtbot.keyClicks(dialog.repeat_edit, "a-long-password")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None
    assert dialog.actor.display_name == "Priya Shah"
    assert not accounts.needs_first_admin(db)


def test_first_run_loads_the_demo(qtbot: QtBot, db: Database) -> None:
    dialog = FirstRunDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert dialog.demo_loaded
    assert accounts.authenticate(db, "admin", "demo-admin").role is Role.ADMIN


def _capture_errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(app_module, "show_error", lambda _parent, _title, text: shown.append(text))
    return shown


def test_second_instance_is_refused(paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _capture_errors(monkeypatch)
    holder = system.InstanceLock(paths)
    holder.acquire()
    try:
        assert app_module.run_gui(paths, paths.default_database_url()) == 1
    finally:
        holder.release()
    assert len(shown) == 1
    assert "already running" in shown[0]


def test_unopenable_database_is_explained_before_any_window(paths: AppPaths, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _capture_errors(monkeypatch)
    paths.database_file.write_text("not a database" * 100)
    assert app_module.run_gui(paths, paths.default_database_url()) == 1
    assert "failed its integrity check" in shown[0]
