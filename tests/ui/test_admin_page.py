from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from supervisor_app.core.roles import Role
from supervisor_app.services import accounts
from supervisor_app.ui.admin.admin_page import AdminPage
from supervisor_app.ui.admin.user_dialog import UserDialog
from supervisor_app.ui.shell.app_context import AppContext
from tests.ui.conftest import screenshot


def test_add_a_user_and_verify_the_trail(qtbot: QtBot, admin_context: AppContext) -> None:
    page = AdminPage(admin_context)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    assert page.users_model.rowCount() == 7
    qtbot.mouseClick(page.add_user_button, Qt.MouseButton.LeftButton)
    dialog = page.active_dialog
    assert isinstance(dialog, UserDialog)
    qtbot.keyClicks(dialog.username_edit, "olu")
    qtbot.keyClicks(dialog.display_name_edit, "Olu Adeyemi")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.RATER))
    qtbot.keyClicks(dialog.password_edit, "short")
    qtbot.keyClicks(dialog.repeat_edit, "short")
    dialog.on_buttons_accepted()
    assert "at least 8 characters" in dialog.error_label.text()
    for edit in (dialog.password_edit, dialog.repeat_edit):
        edit.clear()
        qtbot.keyClicks(edit, "olu-password")
    with qtbot.waitSignal(dialog.user_saved, timeout=5000):
        dialog.on_buttons_accepted()
    assert page.users_model.rowCount() == 8

    page.tabs.setCurrentIndex(1)
    newest = page.audit_model.rows()[0]
    assert (newest.actor, newest.action, newest.details["username"]) == ("admin", "user.create", "olu")
    assert accounts.authenticate(admin_context.database, "olu", "olu-password").role is Role.RATER
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert page.verify_label.text().startswith("✓ The audit trail is intact")
    screenshot(page, "admin-audit-trail")
