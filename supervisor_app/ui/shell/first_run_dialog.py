"""First run on an empty database: create the administrator, or load the demo data set to look around."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_app import APP_NAME
from supervisor_app.errors import SupervisorError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, demo
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from supervisor_app.ui.widgets.labels import ErrorLabel

DEMO_HINT = ("Demo users: admin / demo-admin, maria / demo-supervisor (supervisor), aisha / demo-rater (rater), "
             "helen / demo-hr-viewer (HR viewer).")


class FirstRunDialog(QDialog):
    """Accepted with either `actor` set (an admin was created) or `demo_loaded` True."""

    def __init__(self, database: Database, paths: AppPaths | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._paths = paths
        self.actor: Actor | None = None
        self.demo_loaded = False
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.setMinimumWidth(520)
        intro = QLabel(f"<h2>Welcome to {APP_NAME}</h2><p>This data folder is empty. Create the administrator "
                       "account to start for real, or load the demo data set to look around first.</p>")
        intro.setWordWrap(True)

        self.demo_button = QPushButton("Load the demo data set")
        demo_box = QGroupBox("Try it out")
        demo_text = QLabel("Fictional users, a dozen coaches, the default rubric, three short recorded sessions and a "
                           "revealed calibration round. " + DEMO_HINT)
        demo_text.setWordWrap(True)
        demo_layout = QVBoxLayout(demo_box)
        demo_layout.addWidget(demo_text)
        demo_row = QHBoxLayout()
        demo_row.addStretch(1)
        demo_row.addWidget(self.demo_button)
        demo_layout.addLayout(demo_row)

        admin_box = QGroupBox("Start for real")
        self.username_edit = QLineEdit()
        self.username_edit.setPlaceholderText("e.g. priya")
        self.display_name_edit = QLineEdit()
        self.display_name_edit.setPlaceholderText("e.g. Priya Shah")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(f"at least {accounts.MIN_PASSWORD_LENGTH} characters")
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("&User name", self.username_edit)
        form.addRow("&Display name", self.display_name_edit)
        form.addRow("&Password", self.password_edit)
        form.addRow("&Repeat password", self.repeat_edit)
        self.create_button = QPushButton("Create administrator")
        self.create_button.setObjectName("primaryButton")
        self.create_button.setDefault(True)
        admin_layout = QVBoxLayout(admin_box)
        admin_layout.addLayout(form)
        create_row = QHBoxLayout()
        create_row.addStretch(1)
        create_row.addWidget(self.create_button)
        admin_layout.addLayout(create_row)

        self.error_label = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(admin_box)
        layout.addWidget(demo_box)
        layout.addWidget(self.error_label)

        self.create_button.clicked.connect(self.on_create_button_clicked)
        self.demo_button.clicked.connect(self.on_demo_button_clicked)

    def _fail(self, exc: SupervisorError) -> None:
        self.error_label.show_message(str(exc))

    def on_create_button_clicked(self) -> None:
        try:
            if self.password_edit.text() != self.repeat_edit.text():
                raise ValidationError("The two passwords differ.")
            # on a team server (opened with the owner's connection) this is `server init`: the administrator
            # gets their own server login, named like the user, with this password
            login = None if self._database.is_sqlite else accounts.normalise_username(self.username_edit.text())
            self.actor = accounts.create_first_admin(self._database, self.username_edit.text(),
                                                     self.display_name_edit.text(), self.password_edit.text(), login)
        except SupervisorError as exc:
            self._fail(exc)
            return
        self.accept()

    def on_demo_button_clicked(self) -> None:
        try:
            demo.load_demo(self._database, None, self._paths)
        except SupervisorError as exc:
            self._fail(exc)
            return
        self.demo_loaded = True
        self.accept()
