"""Make a revealed round's consensus (or its master's review) of one recording its gold standard for practice."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from supervisor_app.core.practice import DEFAULT_TOLERANCE, MAX_TOLERANCE
from supervisor_app.errors import SupervisorError
from supervisor_app.services import practice
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.messages import show_error


class GoldDialog(QDialog):
    def __init__(self, context: AppContext, round_id: int, recording_id: int, code: str, has_master: bool,
                 recordings: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Make gold standard")
        self._context, self._round_id, self._recording_id = context, round_id, recording_id
        self.gold_ids: list[int] = []
        intro = QLabel(f"Raters who were not on this panel can practise on recording {code} and compare their "
                       "scores with this reference. The scores, evidence and rationale are copied now, so later "
                       "changes to the round do not move the target. An earlier gold of the recording is withdrawn.")
        intro.setWordWrap(True)
        self.source_combo = QComboBox()
        self.source_combo.addItem("The panel's consensus", practice.CONSENSUS)
        if has_master:
            self.source_combo.addItem("The master's review", practice.MASTER)
        self.tolerance_spin = QSpinBox()
        self.tolerance_spin.setRange(0, MAX_TOLERANCE)
        self.tolerance_spin.setValue(DEFAULT_TOLERANCE)
        self.tolerance_spin.setPrefix("±")
        self.tolerance_spin.setSuffix(" point(s)")
        self.tolerance_spin.setToolTip("How far a practice score may be from the gold and still meet it; gates "
                                       "must always match")
        self.all_box = QCheckBox(f"Every recording in this round ({recordings}), not only {code}")
        self.all_box.setVisible(recordings > 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("Make gold standard", QDialogButtonBox.ButtonRole.AcceptRole).setDefault(True)
        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow("&Reference", self.source_combo)
        form.addRow("&Tolerance", self.tolerance_spin)
        form.addRow("", self.all_box)
        form.addRow(buttons)
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)

    def on_buttons_accepted(self) -> None:
        try:
            self.gold_ids = practice.mark_gold(
                self._context.database, self._context.actor, self._round_id,
                None if self.all_box.isChecked() else self._recording_id, str(self.source_combo.currentData()),
                self.tolerance_spin.value())
        except SupervisorError as exc:
            show_error(self, "Gold standard not made", str(exc))
            return
        self.accept()
