"""How many people speak in a recording, and the voices told apart again with that number (off the GUI thread,
with progress and Esc to cancel); a transcript a person has corrected keeps its lines and says so."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.media.diarize import MAX_SPEAKERS
from supervisor_app.services import speaker_attribution
from supervisor_app.services.speaker_attribution import Attribution
from supervisor_app.ui import workers
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel


class FindSpeakersDialog(QDialog):
    def __init__(self, context: AppContext, recording_id: int, has_transcript: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context, self.recording_id, self._has_transcript = context, recording_id, has_transcript
        self._task: workers.Task | None = None
        self.result: Attribution | None = None
        self.setWindowTitle("Find the speakers")
        self.setMinimumWidth(520)
        self.count = QSpinBox()
        self.count.setRange(1, MAX_SPEAKERS)
        self.count.setValue(speaker_attribution.speaker_count(context.database, context.actor, recording_id))
        self.count.setAccessibleName("People speaking in this recording")
        form = QFormLayout()
        form.addRow("People speaking in this recording:", self.count)
        intro = QLabel("The voices are told apart on this computer and every line is labelled Coach, Coachee, "
                       "Speaker 3, … in the order they are first heard (or Coach by the coach's remembered voice). "
                       "Lines corrected by hand are never relabelled." if has_transcript else
                       "The number is used when this recording is transcribed.")
        intro.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.error_label = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Find speakers" if has_transcript else "Save")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.on_rejected)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def start(self) -> None:
        db, actor, paths = self._context.database, self._context.actor, self._context.paths
        count = self.count.value()
        if not self._has_transcript:
            try:
                speaker_attribution.set_speaker_count(db, actor, self.recording_id, count)
            except SupervisorError as exc:
                self.error_label.show_message(str(exc))
                return
            self.accept()
            return
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.count.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        task = workers.Task(lambda progress, cancelled: speaker_attribution.reattribute(
            db, actor, paths, self.recording_id, count, on_progress=progress, is_cancelled=cancelled))
        task.signals.progressed.connect(lambda fraction: self.progress.setValue(int(fraction * 1000)))
        task.signals.finished.connect(self._finished)
        task.signals.failed.connect(self._failed)
        self._task = workers.start(task)

    def _finished(self, result: Attribution) -> None:
        self._task, self.result = None, result
        self.accept()

    def _failed(self, error: Exception) -> None:
        self._task = None
        self.progress.hide()
        self.count.setEnabled(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        if isinstance(error, InterruptedError):
            self.reject()
            return
        self.error_label.show_message(str(error) if isinstance(error, SupervisorError)
                                      else f"Speakers not found: {type(error).__name__}: {error}")

    def on_rejected(self) -> None:
        if self._task is not None:  # Esc or Cancel while working: stop, and close once it has stopped
            self._task.cancel()
            return
        self.reject()
