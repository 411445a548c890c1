"""The fields that describe a recording (coach, coachee pseudonym, session date), shared by import and edit."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QFormLayout, QHBoxLayout, QLineEdit, QWidget

from supervisor_app.services import coaches
from supervisor_app.services.library import PSEUDONYM_MAX, RecordingInput
from supervisor_app.ui.shell.app_context import AppContext


class RecordingFields(QWidget):
    def __init__(self, context: AppContext, current: RecordingInput | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.coach_combo = QComboBox()
        for coach in coaches.list_coaches(context.database, context.actor, include_inactive=current is not None):
            self.coach_combo.addItem(f"{coach.name} — {coach.level.label}", coach.id)
        self.coachee_edit = QLineEdit()
        self.coachee_edit.setMaxLength(PSEUDONYM_MAX)
        self.coachee_edit.setPlaceholderText("a pseudonym, never the leader's real name")
        self.date_check = QCheckBox("Session date")
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_check.setChecked(True)
        self.date_check.toggled.connect(self.date_edit.setEnabled)
        if current is not None:
            self.coach_combo.setCurrentIndex(max(self.coach_combo.findData(current.coach_id), 0))
            self.coachee_edit.setText(current.coachee_pseudonym)
            self.date_check.setChecked(current.session_date is not None)
            if current.session_date is not None:
                day = current.session_date
                self.date_edit.setDate(QDate(day.year, day.month, day.day))
        date_row = QHBoxLayout()
        date_row.addWidget(self.date_check)
        date_row.addWidget(self.date_edit, 1)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("&Coach", self.coach_combo)
        form.addRow("Coachee &pseudonym", self.coachee_edit)
        form.addRow("", date_row)

    def has_coaches(self) -> bool:
        return self.coach_combo.count() > 0

    def value(self) -> RecordingInput:
        date = None
        if self.date_check.isChecked():
            q = self.date_edit.date()
            date = dt.date(q.year(), q.month(), q.day())
        return RecordingInput(int(self.coach_combo.currentData()), self.coachee_edit.text(), date)
