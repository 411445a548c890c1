"""Import one or more recordings: who is coached, the coachee's pseudonym, the session date; then progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.services import library
from supervisor_app.services.library import ImportOutcome
from supervisor_app.ui import workers
from supervisor_app.ui.library.recording_fields import RecordingFields
from supervisor_app.ui.shell.app_context import AppContext


class ImportDialog(QDialog):
    """Imports the files one after another off the GUI thread; each file's result is listed."""

    recording_imported = Signal(int)
    all_done = Signal()

    def __init__(self, context: AppContext, files: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._files = list(files)
        self._task: workers.Task | None = None
        self.failures = 0
        self.setWindowTitle(f"Import {len(files)} recording{'s' if len(files) != 1 else ''}")
        self.setMinimumWidth(640)

        self.fields = RecordingFields(context)

        self.file_list = QListWidget()
        self.file_list.setWordWrap(True)
        for path in self._files:
            self.file_list.addItem(path.name)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.on_buttons_rejected)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(QLabel("Files"))
        layout.addWidget(self.file_list, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)

    def start_import(self) -> None:
        if not self.fields.has_coaches():
            self.status_label.setText("Add the coach first (Coaches screen): every recording belongs to a coach.")
            return
        self.fields.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.progress.show()
        self._next(0)

    def _next(self, position: int) -> None:
        if position >= len(self._files):
            self._task = None
            self.progress.setValue(1000)
            done = len(self._files) - self.failures
            self.status_label.setText(f"Done: {done} imported or already present, {self.failures} refused.")
            self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
            self.buttons.rejected.connect(self.accept)
            close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
            close.setDefault(True)
            close.setFocus()  # the fields went grey under the focus: Enter or Esc now closes
            self.all_done.emit()
            return
        path, data = self._files[position], self.fields.value()
        self.status_label.setText(f"Checking and copying {path.name}…")
        db, actor, paths = self._context.database, self._context.actor, self._context.paths
        task = workers.Task(lambda progress, cancelled: library.import_recording(db, actor, paths, path, data,
                                                                                 progress, cancelled))
        task.signals.progressed.connect(lambda f: self.progress.setValue(int((position + f) / len(self._files) * 1000)))
        task.signals.finished.connect(lambda outcome: self._on_file_done(position, outcome))
        task.signals.failed.connect(lambda exc: self._on_file_failed(position, exc))
        self._task = workers.start(task)

    def _on_file_done(self, position: int, outcome: ImportOutcome) -> None:
        item = self.file_list.item(position)
        item.setText(f"{'↺' if outcome.duplicate else '✓'}  {outcome.message}")
        if not outcome.duplicate:
            self.recording_imported.emit(outcome.recording.id)
        self._next(position + 1)

    def _on_file_failed(self, position: int, exc: BaseException) -> None:
        self.failures += 1
        message = str(exc) if isinstance(exc, SupervisorError) else f"{type(exc).__name__}: {exc}"
        self.file_list.item(position).setText(f"✗  {message}")
        self._next(position + 1)

    def on_buttons_rejected(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.reject()
