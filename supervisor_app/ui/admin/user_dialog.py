"""Add a user, or change a user's name, role, active flag and password."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from supervisor_app.core.roles import Role
from supervisor_app.errors import SupervisorError, ValidationError
from supervisor_app.services import accounts
from supervisor_app.services.accounts import UserRow
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


class UserDialog(QDialog):
    user_saved = Signal(object)

    def __init__(self, context: AppContext, existing: UserRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._existing = existing
        self.setWindowTitle(f"Edit user {existing.username}" if existing else "New user")
        self.setMinimumWidth(420)
        self.username_edit = QLineEdit(existing.username if existing else "")
        self.username_edit.setEnabled(existing is None)
        self.display_name_edit = QLineEdit(existing.display_name if existing else "")
        self.role_combo = QComboBox()
        for role in Role:
            self.role_combo.addItem(role.label, role)
        if existing is not None:
            self.role_combo.setCurrentIndex(self.role_combo.findData(existing.role))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("unchanged" if existing else f"at least {accounts.MIN_PASSWORD_LENGTH} "
                                                                          "characters")
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.active_check = QCheckBox("Account active")
        self.active_check.setChecked(existing.active if existing else True)
        self.active_check.setVisible(existing is not None)
        self.on_server = not context.database.is_sqlite
        self.login_edit = QLineEdit()
        self.login_edit.setPlaceholderText("the user name")
        self.login_edit.setToolTip("The PostgreSQL login this person connects with; the server keeps the password.")

        form = QFormLayout()
        form.addRow("&User name", self.username_edit)
        form.addRow("&Display name", self.display_name_edit)
        form.addRow("&Role", self.role_combo)
        if self.on_server and existing is None:
            form.addRow("Server &login", self.login_edit)
        form.addRow("&Password", self.password_edit)
        form.addRow("Repeat password", self.repeat_edit)
        form.addRow("", self.active_check)
        self.error_label = finish_form(self, form)

    def on_buttons_accepted(self) -> None:
        db, actor = self._context.database, self._context.actor
        password = self.password_edit.text()
        try:
            if password != self.repeat_edit.text():
                raise ValidationError("The two passwords differ.", field="password")
            role = Role(self.role_combo.currentData())  # Qt hands enum data back as plain str
            if self._existing is None:
                login = (self.login_edit.text().strip() or accounts.normalise_username(self.username_edit.text())
                         ) if self.on_server else None
                row = accounts.create_user(db, actor, self.username_edit.text(), self.display_name_edit.text(), role,
                                           password, login)
            else:
                row = accounts.update_user(db, actor, self._existing.id, display_name=self.display_name_edit.text(),
                                           role=role, active=self.active_check.isChecked())
                if password:
                    accounts.set_password(db, actor, self._existing.id, password)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.user_saved.emit(row)
        self.accept()
