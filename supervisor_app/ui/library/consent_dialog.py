"""Consent of the selected recording's coachee: the records, a new one, and withdrawal (with the offer to purge)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.consent import Scope
from supervisor_app.errors import SupervisorError
from supervisor_app.services import consent
from supervisor_app.services.library import RecordingRow
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel
from supervisor_app.ui.widgets.messages import confirm

HEADERS = ("Record", "For", "Scopes", "Withdrawn", "Captured", "Expires", "Document", "Signed form", "State")


def _date_edit(value: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class ConsentDialog(QDialog):
    changed = Signal()

    def __init__(self, context: AppContext, recording: RecordingRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._recording = recording
        self.setWindowTitle(f"Consent — {recording.coachee_pseudonym or recording.original_name}")
        self.resize(900, 560)
        intro = QLabel(f"Recording {recording.original_name} · coachee {recording.coachee_pseudonym or '(none)'}. "
                       "The newest record for this recording applies, else the coachee's newest.")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()

        self.scope_checks = {scope: QCheckBox(scope.label) for scope in Scope}
        for check in self.scope_checks.values():
            check.setChecked(True)
        scopes_box = QGroupBox("Scopes (new record, or those to withdraw)")
        scopes_layout = QVBoxLayout(scopes_box)
        for check in self.scope_checks.values():
            scopes_layout.addWidget(check)
        self.captured_edit = _date_edit(dt.date.today())
        self.expires_check = QCheckBox("Expires on")
        self.expires_edit = _date_edit(dt.date.today() + dt.timedelta(days=365))
        self.expires_edit.setEnabled(False)
        self.expires_check.toggled.connect(self.expires_edit.setEnabled)
        self.document_edit = QLineEdit()
        self.document_edit.setPlaceholderText("signed form's reference or file name")
        self.only_this_check = QCheckBox("Only for this recording (it differs from the coachee's general consent)")
        self.withdraw_edit = _date_edit(dt.date.today())
        form = QFormLayout()
        form.addRow("Captured on", self.captured_edit)
        expiry = QHBoxLayout()
        expiry.addWidget(self.expires_check)
        expiry.addWidget(self.expires_edit)
        expiry.addStretch(1)
        form.addRow("", expiry)
        form.addRow("Document", self.document_edit)
        form.addRow("", self.only_this_check)
        form.addRow("Withdraw from", self.withdraw_edit)
        self.add_button = QPushButton("Add consent")
        self.withdraw_button = QPushButton("Withdraw scopes of the selected record…")
        self.attach_button = QPushButton("Attach signed form…")
        self.attach_button.setToolTip("Keep the scan or PDF of the signed form with the selected record")
        self.save_scan_button = QPushButton("Save signed form…")
        self.close_button = QPushButton("Close")
        self.error_label = ErrorLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.save_scan_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        columns = QHBoxLayout()
        columns.addWidget(scopes_box)
        columns.addLayout(form, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(columns)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.add_consent)
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.attach_button.clicked.connect(self.choose_scan)
        self.save_scan_button.clicked.connect(self.choose_scan_target)
        self.close_button.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()

    def _chosen(self) -> list[Scope]:
        return [scope for scope, check in self.scope_checks.items() if check.isChecked()]

    def refresh(self) -> None:
        coachee = self._recording.coachee_pseudonym
        views = [v for v in consent.list_consents(self._context.database, self._context.actor)
                 if v.recording_id == self._recording.id or (coachee and v.coachee == coachee
                                                              and v.recording_id is None)]
        self.table.setRowCount(len(views))
        for row, view in enumerate(views):
            cells = (str(view.id), f"recording {view.recording_id}" if view.recording_id else "the coachee",
                     ", ".join(view.scopes), ", ".join(f"{k} {d}" for k, d in view.withdrawn.items()),
                     view.captured_on.isoformat(), view.expires_on.isoformat() if view.expires_on else "",
                     view.document_ref, view.scan or "—", view.state)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def _update_buttons(self) -> None:
        items = self.table.selectedItems()
        self.withdraw_button.setEnabled(bool(items))
        self.attach_button.setEnabled(bool(items))
        self.save_scan_button.setEnabled(bool(items) and self.table.item(items[0].row(), 7).text() != "—")

    def choose_scan(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Signed consent form", str(Path.home()),
                                              "Scans (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)")
        if name:
            self.attach_scan(Path(name))

    def attach_scan(self, path: Path) -> None:
        record = self.selected_record()
        if record is None:
            return
        try:
            view = consent.attach_scan(self._context.database, self._context.actor, record, path)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.error_label.show_message(f"Signed form {view.scan} kept with record {view.id}.")
        self.refresh()

    def choose_scan_target(self) -> None:
        record = self.selected_record()
        if record is None:
            return
        shown = self.table.item(self.table.selectedItems()[0].row(), 7).text()
        name, _ = QFileDialog.getSaveFileName(self, "Save signed form", str(Path.home() / shown))
        if name:
            self.save_scan(record, Path(name))

    def save_scan(self, record: int, target: Path) -> None:
        try:
            consent.save_scan(self._context.database, self._context.actor, record, target)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.error_label.show_message(f"Written {target}.")

    def selected_record(self) -> int | None:
        items = self.table.selectedItems()
        return int(self.table.item(items[0].row(), 0).text()) if items else None

    def add_consent(self) -> None:
        try:
            consent.add_consent(
                self._context.database, self._context.actor, self._recording.coachee_pseudonym, self._chosen(),
                self.captured_edit.date().toPython(), self.document_edit.text(),
                self.expires_edit.date().toPython() if self.expires_check.isChecked() else None,
                self._recording.id if self.only_this_check.isChecked() else None)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.error_label.hide()
        self.document_edit.clear()
        self.refresh()
        self.changed.emit()

    def withdraw_selected(self) -> None:
        record = self.selected_record()
        if record is None:
            return
        db, actor = self._context.database, self._context.actor
        scopes = self._chosen()
        try:
            governed = consent.withdraw(db, actor, record, scopes, self.withdraw_edit.date().toPython())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.error_label.hide()
        self.refresh()
        self.changed.emit()
        if governed and confirm(self, "Consent withdrawn",
                                f"Further use of {len(governed)} recording(s) has stopped. Also purge their audio and "
                                "transcripts now? Quotes from them in reviews become “[withdrawn]”; submitted scores "
                                "are kept. This cannot be undone.", "Purge now"):
            try:
                result = consent.purge_recordings(db, actor, self._context.paths, governed,
                                                  f"consent record {record} withdrawn")
            except SupervisorError as exc:
                self.error_label.show_message(str(exc))
                return
            self.error_label.show_message(
                f"Purged: {result.files} audio file(s), {result.transcripts} transcript(s), {result.quotes} "
                "quote(s) replaced.")
            self.changed.emit()
