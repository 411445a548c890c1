"""Assign one recording to a reviewer by hand (from the Library), outside any audit cycle."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QDialog, QFormLayout, QLabel, QWidget

from supervisor_app.errors import SupervisorError
from supervisor_app.services import audits
from supervisor_app.services.library import RecordingRow
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


class AssignDialog(QDialog):
    assigned = Signal(int)

    def __init__(self, context: AppContext, recording: RecordingRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._recording = recording
        self.setWindowTitle("Assign for review")
        self.setMinimumWidth(460)
        self.reviewer_combo = QComboBox()
        for user_id, name in audits.reviewers(context.database, context.actor).items():
            self.reviewer_combo.addItem(name, user_id)
        self.due_edit = QDateEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        self.due_edit.setDate(QDate(dt.date.today() + dt.timedelta(days=audits.REVIEW_DUE_DAYS)))
        form = QFormLayout()
        form.addRow("Recording", QLabel(f"{recording.original_name} · {recording.coach_name}"))
        form.addRow("Reviewer", self.reviewer_combo)
        form.addRow("Due by", self.due_edit)
        self.error_label = finish_form(self, form, accept_text="Assign")

    def on_buttons_accepted(self) -> None:
        due = dt.datetime.combine(self.due_edit.date().toPython(), dt.time(23, 59), dt.UTC)
        try:
            row = audits.add_assignment(self._context.database, self._context.actor, self._recording.id,
                                        int(self.reviewer_combo.currentData()), due)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.assigned.emit(row.id)
        self.accept()
