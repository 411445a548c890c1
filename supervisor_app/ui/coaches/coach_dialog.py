"""Add or edit one coach. The service validates; errors show in the dialog, which stays open."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.coaches import CoachLevel
from supervisor_app.errors import SupervisorError
from supervisor_app.services import coaches
from supervisor_app.services.coaches import CoachInput, CoachRow, CoachSaved
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel


class CoachDialog(QDialog):
    coach_saved = Signal(object)

    def __init__(self, context: AppContext, existing: CoachRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._existing = existing
        self.setWindowTitle("Edit coach" if existing else "New coach")
        self.setMinimumWidth(460)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Full name")
        self.employee_id_edit = QLineEdit()
        self.employee_id_edit.setPlaceholderText("Optional, from the HR system")
        self.level_combo = QComboBox()
        for level in CoachLevel:
            self.level_combo.addItem(level.label, level)
        self.unit_edit = QLineEdit()
        self.unit_edit.setPlaceholderText("e.g. Operations")
        self.supervisor_combo = QComboBox()
        self.supervisor_combo.addItem("— none —", None)
        for choice in coaches.supervisor_choices(context.database, context.actor):
            self.supervisor_combo.addItem(choice.display_name, choice.id)
        self.certified_check = QCheckBox("Certified on")
        self.certified_date = QDateEdit()
        self.certified_date.setCalendarPopup(True)
        self.certified_date.setDisplayFormat("yyyy-MM-dd")
        self.certified_date.setMaximumDate(QDate.currentDate())
        self.certified_date.setDate(QDate.currentDate())
        certified_row = QHBoxLayout()
        certified_row.addWidget(self.certified_check)
        certified_row.addWidget(self.certified_date, 1)
        self.active_check = QCheckBox("Active (in the program now)")
        self.active_check.setChecked(True)

        form = QFormLayout()
        form.setSpacing(10)
        form.addRow("&Name", self.name_edit)
        form.addRow("&Employee id", self.employee_id_edit)
        form.addRow("&Level", self.level_combo)
        form.addRow("&Business unit", self.unit_edit)
        form.addRow("&Supervisor", self.supervisor_combo)
        form.addRow("Certification", certified_row)
        form.addRow("", self.active_check)

        self.error_label = ErrorLabel()
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningLabel")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.buttons)

        self.level_combo.currentIndexChanged.connect(self.on_level_changed)
        self.certified_check.toggled.connect(self.certified_date.setEnabled)
        if existing is not None:
            self._fill(existing)
        self.on_level_changed()
        self.certified_date.setEnabled(self.certified_check.isChecked())

    def _fill(self, row: CoachRow) -> None:
        self.name_edit.setText(row.name)
        self.employee_id_edit.setText(row.employee_id or "")
        self.level_combo.setCurrentIndex(self.level_combo.findData(row.level))
        self.unit_edit.setText(row.business_unit)
        index = self.supervisor_combo.findData(row.supervisor_id)
        if index < 0 and row.supervisor_id is not None:
            self.supervisor_combo.addItem(f"{row.supervisor_name} (not a supervisor now)", row.supervisor_id)
            index = self.supervisor_combo.count() - 1
        self.supervisor_combo.setCurrentIndex(max(index, 0))
        self.certified_check.setChecked(row.certified_on is not None)
        if row.certified_on is not None:
            self.certified_date.setDate(QDate(row.certified_on.year, row.certified_on.month, row.certified_on.day))
        self.active_check.setChecked(row.active)

    def on_level_changed(self) -> None:
        certified_level = self.selected_level().is_certified
        self.certified_check.setEnabled(certified_level)
        if not certified_level:
            self.certified_check.setChecked(False)

    def selected_level(self) -> CoachLevel:
        return CoachLevel(self.level_combo.currentData())  # Qt hands enum data back as plain str

    def current_input(self) -> CoachInput:
        certified_on = None
        if self.certified_check.isChecked():
            qdate = self.certified_date.date()
            certified_on = dt.date(qdate.year(), qdate.month(), qdate.day())
        return CoachInput(
            name=self.name_edit.text(), level=self.selected_level(), business_unit=self.unit_edit.text(),
            supervisor_id=self.supervisor_combo.currentData(), certified_on=certified_on,
            employee_id=self.employee_id_edit.text(), active=self.active_check.isChecked(),
        )

    def on_buttons_accepted(self) -> None:
        data = self.current_input()
        try:
            if self._existing is None:
                saved: CoachSaved = coaches.add_coach(self._context.database, self._context.actor, data)
            else:
                saved = coaches.update_coach(self._context.database, self._context.actor, self._existing.id, data)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            field = getattr(exc, "field", None)
            target = {"name": self.name_edit, "employee_id": self.employee_id_edit,
                      "business_unit": self.unit_edit, "supervisor_id": self.supervisor_combo,
                      "certified_on": self.certified_date}.get(field or "")
            if target is not None:
                target.setFocus()
            return
        self.coach_saved.emit(saved)
        self.accept()
