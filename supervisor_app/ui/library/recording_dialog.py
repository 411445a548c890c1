"""Edit a recording's coach, coachee pseudonym and session date."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QWidget

from supervisor_app.errors import SupervisorError
from supervisor_app.services import library
from supervisor_app.services.library import RecordingRow
from supervisor_app.ui.library.recording_fields import RecordingFields
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import finish_form


class RecordingDialog(QDialog):
    recording_saved = Signal(object)

    def __init__(self, context: AppContext, row: RecordingRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._row = row
        self.setWindowTitle(f"Edit {row.original_name}")
        self.setMinimumWidth(480)
        self.fields = RecordingFields(context, row.as_input())
        self.error_label = finish_form(self, self.fields)

    def on_buttons_accepted(self) -> None:
        try:
            saved = library.update_recording(self._context.database, self._context.actor, self._row.id,
                                             self.fields.value())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.recording_saved.emit(saved)
        self.accept()
