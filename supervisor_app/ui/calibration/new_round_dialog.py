"""Create a calibration round: recordings, panel, optional master rater, due date, blinding of identities."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.services import calibration, library, rubrics
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


def _checklist(items: list[tuple[int, str]]) -> QListWidget:
    widget = QListWidget()
    widget.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    for item_id, label in items:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, item_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def checked_ids(widget: QListWidget) -> list[int]:
    return [int(widget.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


class NewRoundDialog(QDialog):
    round_created = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        db, actor = context.database, context.actor
        self.setWindowTitle("New calibration round")
        self.setMinimumSize(620, 560)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(calibration.TITLE_MAX)
        self.title_edit.setPlaceholderText("e.g. Q4 panel — listening and questioning")
        self.rubric_combo = QComboBox()
        for summary in reversed(rubrics.list_rubrics(db, actor)):
            self.rubric_combo.addItem(summary.label, summary.id)
        self.recordings = _checklist([(r.id, f"{r.coach_name} · {r.original_name} · {r.session_date or '—'}")
                                      for r in library.list_recordings(db, actor)])
        candidates = calibration.panel_candidates(db, actor)
        self.raters = _checklist([(c.id, c.display_name) for c in candidates])
        self.master_combo = QComboBox()
        self.master_combo.addItem("— no master (compare with the panel median) —", None)
        for candidate in candidates:
            self.master_combo.addItem(candidate.display_name, candidate.id)
        self.due_edit = QDateTimeEdit(QDateTime.currentDateTime().addDays(14))
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.hide_check = QCheckBox("Hide coach identity (recordings appear as R-XXXX codes until the round closes)")
        self.hide_check.setChecked(True)
        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        form.addRow("&Rubric", self.rubric_combo)
        form.addRow("Re&cordings", self.recordings)
        form.addRow("&Panel", self.raters)
        form.addRow("&Master rater", self.master_combo)
        form.addRow("&Due", self.due_edit)
        form.addRow("", self.hide_check)
        self.error_label = finish_form(self, form, accept_text="Create round")
        # a message about a field goes as soon as that field is changed (no stale "Give the round a title.")
        self.title_edit.textChanged.connect(self.error_label.clear_message)
        self.master_combo.currentIndexChanged.connect(self.error_label.clear_message)

    def on_buttons_accepted(self) -> None:
        due = self.due_edit.dateTime().toSecsSinceEpoch()
        try:
            round_id = calibration.create_round(
                self._context.database, self._context.actor, self.title_edit.text(), checked_ids(self.recordings),
                checked_ids(self.raters), int(self.rubric_combo.currentData()),
                dt.datetime.fromtimestamp(due, dt.UTC), master_id=self.master_combo.currentData(),
                hide_identity=self.hide_check.isChecked())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.round_created.emit(round_id)
        self.accept()
