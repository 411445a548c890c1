"""Import the coach roster from an HRIS export: map the columns, preview every row with its errors, then apply.

The mapping is remembered for next time. Nothing changes until Import is pressed, and not then either when rows
are invalid unless "skip invalid rows" is ticked; Cancel changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.services import roster
from supervisor_app.services.roster import FIELDS, REQUIRED, RosterPreview
from supervisor_app.settings import SettingKey
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel

NOT_IN_FILE = "(not in this file)"
CHOOSE = "— choose a column —"
FIELD_LABELS = {"employee_id": "Employee id", "name": "Name", "level": "Level", "business_unit": "Business unit",
                "supervisor": "Supervisor", "certified_on": "Certified on", "active": "Active"}
ACTION_COLOURS = {"create": "#e6f4ea", "update": "#e8f0fe", "invalid": "#fce8e6"}


class RosterImportDialog(QDialog):
    imported = Signal(dict)  # counts: created, updated, unchanged, skipped

    def __init__(self, context: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._table = roster.read_file(path)  # a clear error for an unreadable file; the caller shows it
        self.plan: RosterPreview | None = None
        self.setWindowTitle(f"Import roster — {path.name}")
        self.resize(900, 620)
        header = [h.strip() for h in self._table[0]]
        stored = context.settings.get(SettingKey.ROSTER_MAPPING)
        remembered = {k: v for k, v in stored.items() if isinstance(v, str)} if isinstance(stored, dict) else None
        guessed = roster.guess_mapping(header, remembered)

        mapping_box = QGroupBox("Which column holds what")
        form = QFormLayout(mapping_box)
        self.combos: dict[str, QComboBox] = {}
        for name in FIELDS:
            combo = QComboBox()
            combo.addItem(CHOOSE if name in REQUIRED else NOT_IN_FILE, "")
            for column in header:
                if column:
                    combo.addItem(column, column)
            chosen = guessed.get(name, "")
            combo.setCurrentIndex(max(combo.findData(chosen), 0))
            combo.currentIndexChanged.connect(lambda _i: self.refresh_preview())
            self.combos[name] = combo
            form.addRow(FIELD_LABELS[name] + (" *" if name in REQUIRED else ""), combo)

        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["Line", "Action", "Employee id", "Name", "Level", "Problems"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.skip_check = QCheckBox("Skip invalid rows and import the others")
        self.skip_check.toggled.connect(lambda _on: self._update_buttons())
        self.error_label = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("primaryButton")
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(mapping_box)
        note = QLabel("Rows are matched to coaches by employee id: new ids are added, known ones updated. This is a "
                      "preview: nothing is stored until you press Import.")
        note.setWordWrap(True)
        note.setObjectName("pageSubtitle")
        top.addWidget(note, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.skip_check)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.refresh_preview()

    def mapping(self) -> dict[str, str]:
        return {name: str(combo.currentData() or "") for name, combo in self.combos.items()}

    def refresh_preview(self) -> None:
        self.error_label.hide()
        self.plan = None
        self.table.setRowCount(0)
        try:
            self.plan = roster.preview(self._context.database, self._context.actor, self._table, self.mapping())
        except SupervisorError as exc:
            self.summary_label.clear()
            self.error_label.show_message(str(exc))
            self._update_buttons()
            return
        plan = self.plan
        self.summary_label.setText(
            f"{len(plan.rows)} rows: {plan.count('create')} new, {plan.count('update')} to update, "
            f"{plan.count('unchanged')} unchanged, {len(plan.invalid)} invalid.")
        self.table.setRowCount(len(plan.rows))
        for index, row in enumerate(plan.rows):
            action = "invalid" if row.errors else row.action
            cells = [str(row.line), action, row.employee_id, row.data.name if row.data else "",
                     row.data.level.label if row.data else "", "; ".join(row.errors)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if action in ACTION_COLOURS:
                    item.setBackground(QBrush(QColor(ACTION_COLOURS[action])))
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def _update_buttons(self) -> None:
        plan = self.plan
        invalid = bool(plan and plan.invalid)
        self.skip_check.setVisible(invalid)
        changes = bool(plan) and (plan.count("create") + plan.count("update")) > 0  # type: ignore[union-attr]
        ready = changes and (not invalid or self.skip_check.isChecked())
        self.import_button.setEnabled(ready)
        if plan is not None and invalid and not self.skip_check.isChecked():
            self.import_button.setToolTip("Fix the invalid rows in the file, or tick 'Skip invalid rows'.")
        elif plan is not None and not changes:
            self.import_button.setToolTip("Nothing to change: every valid row matches the roster already.")
        else:
            self.import_button.setToolTip("")

    def apply(self) -> None:
        if self.plan is None:
            return
        try:
            counts = roster.apply(self._context.database, self._context.actor, self.plan,
                                  skip_invalid=self.skip_check.isChecked())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self._context.settings.set(SettingKey.ROSTER_MAPPING, self.mapping())
        self.imported.emit(counts)
        self.accept()
