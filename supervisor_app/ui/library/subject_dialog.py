"""A subject request for the selected recording's coachee or coach: everything held, written to a folder; or the
coachee's erasure."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.services import subjects
from supervisor_app.services.library import RecordingRow
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel
from supervisor_app.ui.widgets.messages import confirm


class SubjectDialog(QDialog):
    def __init__(self, context: AppContext, recording: RecordingRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._recording = recording
        self.setWindowTitle("Subject request")
        self.setMinimumWidth(680)
        self.coachee_radio = QRadioButton(f"The coachee {recording.coachee_pseudonym or '(no pseudonym)'}")
        self.coach_radio = QRadioButton(f"The coach {recording.coach_name}")
        self.coachee_radio.setEnabled(bool(recording.coachee_pseudonym))
        (self.coachee_radio if recording.coachee_pseudonym else self.coach_radio).setChecked(True)
        self.folder_edit = QLineEdit(str(Path.home()))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self.choose_folder)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("the request's reference, e.g. SR-2026-14 (needed for erasure)")
        self.export_button = QPushButton("Write everything held to the folder")
        self.erase_button = QPushButton("Erase the coachee's data…")
        self.erase_button.setToolTip("Delete the audio and transcripts of all the coachee's recordings")
        self.close_button = QPushButton("Close")
        self.result_label = ErrorLabel()
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.erase_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Whose data?"))
        layout.addWidget(self.coachee_radio)
        layout.addWidget(self.coach_radio)
        layout.addWidget(QLabel("Folder to write into (a new folder named after the subject is made there):"))
        layout.addLayout(folder_row)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        self.export_button.clicked.connect(self.export)
        self.erase_button.clicked.connect(self.erase)
        self.close_button.clicked.connect(self.accept)
        self.coach_radio.toggled.connect(lambda coach: self.erase_button.setEnabled(not coach))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Write the subject's folder into", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def export(self) -> None:
        context, recording = self._context, self._recording
        try:
            result = subjects.export_subject(
                context.database, context.actor, context.paths, Path(self.folder_edit.text()),
                coachee=recording.coachee_pseudonym if self.coachee_radio.isChecked() else None,
                coach_id=recording.coach_id if self.coach_radio.isChecked() else None)
        except SupervisorError as exc:
            self.result_label.show_message(str(exc))
            return
        self.result_label.show_message(f"Written {result.folder}: {result.recordings} recording(s), "
                                       f"{result.reviews} review(s), {result.audio_files} audio file(s).")

    def erase(self) -> None:
        context, coachee = self._context, self._recording.coachee_pseudonym
        if not confirm(self, "Erase the coachee's data", f"Delete the audio and transcripts of every recording of "
                       f"{coachee} for good? Quotes from them become “[withdrawn]”; the coaches' submitted scores are "
                       "kept.", "Erase"):
            return
        try:
            result = subjects.erase_coachee(context.database, context.actor, context.paths, coachee,
                                            self.reason_edit.text())
        except SupervisorError as exc:
            self.result_label.show_message(str(exc))
            return
        self.result_label.show_message(f"Erased {len(result.recordings)} recording(s): {result.files} audio file(s), "
                                       f"{result.transcripts} transcript(s), {result.quotes} quote(s) replaced.")
