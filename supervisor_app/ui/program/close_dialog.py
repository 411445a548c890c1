"""Close the quarter's cycle: every sampled coach has a submitted review, or the lead records why not."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QWidget

from supervisor_app.errors import SupervisorError
from supervisor_app.services import audits
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


class CloseCycleDialog(QDialog):
    closed = Signal(str)

    def __init__(self, context: AppContext, cycle: audits.CycleView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._quarter = cycle.quarter
        self.setWindowTitle(f"Close the {cycle.quarter} audit cycle")
        self.setMinimumWidth(560)
        missing = [c for c in cycle.sample if not c.done]
        intro = QLabel(f"{len(cycle.sample) - len(missing)} of {len(cycle.sample)} sampled coaches have a submitted "
                       "review." + (" For each of the others, record why they were not reviewed (kept with the "
                                    "cycle and in the audit trail)." if missing else " The cycle can be closed."))
        intro.setWordWrap(True)
        form = QFormLayout()
        self.reasons: dict[int, QLineEdit] = {}
        for coach in missing:
            edit = QLineEdit()
            edit.setPlaceholderText("why not, e.g. on leave for the whole quarter")
            self.reasons[coach.coach_id] = edit
            form.addRow(coach.coach_name, edit)
        self.error_label = finish_form(self, intro, form, accept_text="Close the cycle")

    def on_buttons_accepted(self) -> None:
        excused = {coach: edit.text() for coach, edit in self.reasons.items() if edit.text().strip()}
        try:
            audits.close_cycle(self._context.database, self._context.actor, self._quarter, excused)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.closed.emit(self._quarter)
        self.accept()
