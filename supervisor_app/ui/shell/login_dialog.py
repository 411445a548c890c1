"""Sign in as a local user."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from supervisor_app import APP_NAME
from supervisor_app.errors import SupervisorError
from supervisor_app.services import accounts
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from supervisor_app.ui.widgets.labels import ErrorLabel


class LoginDialog(QDialog):
    def __init__(self, database: Database, username: str = "", hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self.actor: Actor | None = None
        self.setWindowTitle(f"Sign in — {APP_NAME}")
        self.setMinimumWidth(400)
        heading = QLabel(f"<h2>{APP_NAME}</h2>")
        self.username_edit = QLineEdit(username)
        self.username_edit.setPlaceholderText("user name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("password")
        form = QFormLayout()
        form.addRow("&User name", self.username_edit)
        form.addRow("&Password", self.password_edit)
        self.hint_label = QLabel(hint)
        self.hint_label.setObjectName("hintLabel")
        self.hint_label.setWordWrap(True)
        self.hint_label.setVisible(bool(hint))
        self.error_label = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        (self.password_edit if username else self.username_edit).setFocus()

    def on_buttons_accepted(self) -> None:
        try:
            self.actor = accounts.authenticate(self._database, self.username_edit.text(), self.password_edit.text())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        self.accept()
