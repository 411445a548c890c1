"""Administration: user accounts, the audit trail and retention."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.services import accounts, audit
from supervisor_app.services.accounts import UserRow
from supervisor_app.services.audit import AuditEntry
from supervisor_app.ui.admin.retention_panel import RetentionPanel
from supervisor_app.ui.admin.user_dialog import UserDialog
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.labels import page_layout, page_title
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel


class AdminPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.active_dialog: UserDialog | None = None
        title = page_title("Administration")

        self.users_model: RowTableModel[UserRow] = RowTableModel([
            Column("User name", lambda u: u.username),
            Column("Display name", lambda u: u.display_name),
            Column("Role", lambda u: u.role.label),
            Column("Status", lambda u: "active" if u.active else "deactivated"),
        ], row_id=lambda u: u.id, muted=lambda u: not u.active)
        self.users_table = FilteredTable(self.users_model)
        self.add_user_button = QPushButton("New user…")
        self.add_user_button.setObjectName("primaryButton")
        self.edit_user_button = QPushButton("Edit…")
        users_bar = QHBoxLayout()
        users_bar.addStretch(1)
        users_bar.addWidget(self.edit_user_button)
        users_bar.addWidget(self.add_user_button)
        users_tab = QWidget()
        users_layout = QVBoxLayout(users_tab)
        users_layout.addLayout(users_bar)
        users_layout.addWidget(self.users_table, 1)

        self.audit_model: RowTableModel[AuditEntry] = RowTableModel([
            Column("When", lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), sort_key=lambda e: e.id),
            Column("Who", lambda e: e.actor),
            Column("Action", lambda e: e.action),
            Column("Record", lambda e: e.record),
            Column("Reason", lambda e: e.reason),
            Column("Details", lambda e: ", ".join(f"{k}={v}" for k, v in e.details.items())),
        ], row_id=lambda e: e.id)
        self.audit_table = FilteredTable(self.audit_model)
        self.verify_label = QLabel()
        self.verify_button = QPushButton("Verify trail")
        audit_bar = QHBoxLayout()
        audit_bar.addWidget(self.verify_label, 1)
        audit_bar.addWidget(self.verify_button)
        audit_tab = QWidget()
        audit_layout = QVBoxLayout(audit_tab)
        audit_layout.addLayout(audit_bar)
        audit_layout.addWidget(self.audit_table, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(users_tab, "Users")
        self.tabs.addTab(audit_tab, "Audit trail")
        self.retention_panel = RetentionPanel(context)
        self.tabs.addTab(self.retention_panel, "Retention")
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)

        self.add_user_button.clicked.connect(lambda: self._open_dialog(None))
        self.edit_user_button.clicked.connect(self.on_edit_user_button_clicked)
        self.users_table.doubleClicked.connect(self.on_edit_user_button_clicked)
        self.verify_button.clicked.connect(self.on_verify_button_clicked)
        self.tabs.currentChanged.connect(lambda _index: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        db, actor = self._context.database, self._context.actor
        self.users_model.set_rows(accounts.list_users(db, actor))
        self.users_table.fit_columns()
        self.audit_model.set_rows(audit.list_events(db, actor))
        self.audit_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.audit_table.fit_columns()
        if self.tabs.currentWidget() is self.retention_panel:
            self.retention_panel.refresh()

    def on_edit_user_button_clicked(self) -> None:
        user_id = self.users_table.selected_id()
        row = self.users_model.row_for_id(user_id) if user_id is not None else None
        if row is not None:
            self._open_dialog(self.users_model.row_at(row))

    def _open_dialog(self, existing: UserRow | None) -> None:
        dialog = UserDialog(self._context, existing, self)
        dialog.user_saved.connect(lambda _row: self.refresh())
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def on_verify_button_clicked(self) -> None:
        broken = audit.verify_chain(self._context.database, self._context.actor)
        if broken:
            self.verify_label.setText(f"⚠ Altered events: {', '.join(map(str, broken[:20]))}")
            self.verify_label.setObjectName("errorLabel")
        else:
            self.verify_label.setText("✓ The audit trail is intact: every event matches its hash chain.")
            self.verify_label.setObjectName("okLabel")
        self.verify_label.style().unpolish(self.verify_label)
        self.verify_label.style().polish(self.verify_label)
