"""Open a quarter's audit cycle: share, seed, strata and the two rules, then the draw."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLineEdit, QWidget

from supervisor_app.errors import SupervisorError
from supervisor_app.services import audits, dashboard
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


class CycleDialog(QDialog):
    cycle_created = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setWindowTitle("Open the quarter's audit cycle")
        self.setMinimumWidth(700)
        self.quarter_edit = QLineEdit(dashboard.quarter_containing(dt.date.today()).label)
        self.quarter_edit.setPlaceholderText("YEAR-QN, e.g. 2026-Q4")
        self.share_spin = QDoubleSpinBox()
        self.share_spin.setRange(0.20, 1.00)
        self.share_spin.setSingleStep(0.05)
        self.share_spin.setDecimals(2)
        self.share_spin.setValue(0.20)
        self.share_spin.setToolTip("The program reviews at least 20 % of its active coaches each quarter.")
        self.seed_edit = QLineEdit()
        self.seed_edit.setPlaceholderText("chosen at random and recorded")
        self.by_level = QCheckBox("Level")
        self.by_unit = QCheckBox("Business unit")
        strata = QHBoxLayout()
        strata.addWidget(self.by_level)
        strata.addWidget(self.by_unit)
        strata.addStretch(1)
        self.unaudited_first = QCheckBox("Draw coaches never audited, or not in the last two quarters, first")
        self.independent = QCheckBox("Independent: keep each coach's own supervisor out of their review")
        form = QFormLayout()
        form.addRow("Quarter", self.quarter_edit)
        form.addRow("Share of active coaches", self.share_spin)
        form.addRow("Seed", self.seed_edit)
        form.addRow("Proportional by", strata)
        form.addRow("", self.unaudited_first)
        form.addRow("", self.independent)
        self.error_label = finish_form(self, form, accept_text="Draw the sample")
        for edit in (self.quarter_edit, self.seed_edit):
            edit.textChanged.connect(lambda _text: self.error_label.hide())  # no stale complaint once corrected

    def on_buttons_accepted(self) -> None:
        seed_text = self.seed_edit.text().strip()
        if seed_text and not (seed_text.isdecimal() and len(seed_text) <= 19):
            self.error_label.show_message("The seed is a whole number (or leave it empty).")
            return
        strata = [name for name, box in (("level", self.by_level), ("unit", self.by_unit)) if box.isChecked()]
        try:
            cycle = audits.create_cycle(self._context.database, self._context.actor, self.quarter_edit.text(),
                                        share=f"{self.share_spin.value():.2f}",
                                        seed=int(seed_text) if seed_text else None, stratify=strata,
                                        prioritise_unaudited=self.unaudited_first.isChecked(),
                                        independent=self.independent.isChecked())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.cycle_created.emit(cycle.quarter)
        self.accept()
