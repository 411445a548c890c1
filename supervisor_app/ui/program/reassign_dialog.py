"""Hand an open assignment to another reviewer, with the reason the history keeps."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLineEdit, QWidget

from supervisor_app.errors import SupervisorError
from supervisor_app.services import audits
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


class ReassignDialog(QDialog):
    reassigned = Signal(int)

    def __init__(self, context: AppContext, assignment: audits.AssignmentRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._assignment = assignment
        self.setWindowTitle(f"Reassign: {assignment.coach_name} · {assignment.recording_name}")
        self.setMinimumWidth(480)
        self.reviewer_combo = QComboBox()
        for user_id, name in audits.reviewers(context.database, context.actor).items():
            if user_id != assignment.reviewer_id:
                self.reviewer_combo.addItem(name, user_id)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("why, e.g. on leave until January (kept with the history)")
        form = QFormLayout()
        form.addRow("Now with", QLineEdit(assignment.reviewer, readOnly=True))
        form.addRow("Give it to", self.reviewer_combo)
        form.addRow("Reason", self.reason_edit)
        self.error_label = finish_form(self, form, accept_text="Reassign")

    def on_buttons_accepted(self) -> None:
        try:
            row = audits.reassign(self._context.database, self._context.actor, self._assignment.id,
                                  int(self.reviewer_combo.currentData()), self.reason_edit.text())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.reassigned.emit(row.id)
        self.accept()
