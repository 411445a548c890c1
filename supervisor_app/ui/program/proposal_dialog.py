"""The automatic proposal of who reviews which sampled session, which the lead can change before storing it."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.services import audits
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


class ProposalDialog(QDialog):
    assigned = Signal(int)

    def __init__(self, context: AppContext, quarter: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._quarter = quarter
        self.setWindowTitle(f"Assign the {quarter} reviews")
        self.setMinimumSize(760, 520)
        self.reviewers = audits.reviewers(context.database, context.actor)
        self.double_spin = QDoubleSpinBox()
        self.double_spin.setRange(0.0, 1.0)
        self.double_spin.setSingleStep(0.05)
        self.double_spin.setValue(0.0)
        self.double_spin.setToolTip("A share of the sessions is scored blind by a second reviewer; their agreement "
                                    "is reported.")
        self.double_spin.valueChanged.connect(lambda _value: self.propose())
        self.warnings = QLabel()
        self.warnings.setObjectName("warningLabel")
        self.warnings.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Coach", "Session", "Reviewer", "Second review"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        form = QFormLayout()
        form.addRow("Double-scored share", self.double_spin)
        self.error_label = finish_form(self, form, self.warnings, self.table, accept_text="Assign")
        self.proposal: audits.ProposalView | None = None
        self.propose()

    def propose(self) -> None:
        try:
            self.proposal = audits.propose_assignments(self._context.database, self._context.actor, self._quarter,
                                                       (), Fraction(f"{self.double_spin.value():.2f}"))
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        cycle = audits.get_cycle(self._context.database, self._context.actor, self._quarter)
        names = {c.coach_id: (c.coach_name, c.recording_name) for c in cycle.sample}
        self.table.setRowCount(len(self.proposal.assignments))
        for row, proposed in enumerate(self.proposal.assignments):
            coach, session = names.get(proposed.coach_id, ("?", "?"))
            self.table.setItem(row, 0, QTableWidgetItem(coach))
            self.table.setItem(row, 1, QTableWidgetItem(session))
            combo = QComboBox()
            for user_id, name in self.reviewers.items():
                combo.addItem(name, user_id)
            combo.setCurrentIndex(combo.findData(proposed.reviewer_id))
            combo.currentIndexChanged.connect(lambda _index: self.error_label.hide())  # what it said may be fixed
            self.table.setCellWidget(row, 2, combo)
            self.table.setItem(row, 3, QTableWidgetItem("yes" if proposed.double_scored else ""))
        self.warnings.setText("\n".join(self.proposal.warnings))
        self.warnings.setVisible(bool(self.proposal.warnings))

    def chosen(self) -> audits.ProposalView:
        """The proposal as the table now shows it (the lead may have changed reviewers)."""
        assert self.proposal is not None
        edited = []
        for row, proposed in enumerate(self.proposal.assignments):
            combo = self.table.cellWidget(row, 2)
            assert isinstance(combo, QComboBox)
            edited.append(dataclasses.replace(proposed, reviewer_id=int(combo.currentData())))
        return dataclasses.replace(self.proposal, assignments=tuple(edited))

    def on_buttons_accepted(self) -> None:
        if self.proposal is None:
            return
        try:
            rows = audits.assign_cycle(self._context.database, self._context.actor, self._quarter, self.chosen())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.assigned.emit(len(rows))
        self.accept()
