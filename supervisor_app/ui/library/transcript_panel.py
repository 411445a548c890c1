"""A recording's transcript: time, speaker and text per segment; text and speakers are corrected in place."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.roles import Permission
from supervisor_app.core.transcripts import Segment, clock
from supervisor_app.errors import NotFoundError, SupervisorError
from supervisor_app.services import transcripts
from supervisor_app.ui.library.edit_history_dialog import EditHistoryDialog
from supervisor_app.ui.library.find_speakers_dialog import FindSpeakersDialog
from supervisor_app.ui.library.redaction_dialog import RedactionDialog
from supervisor_app.ui.library.speakers_dialog import SpeakersDialog
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.messages import show_error

TIME, SPEAKER, TEXT = range(3)


class TranscriptModel(QAbstractTableModel):
    edit_failed = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.segments: list[Segment] = []
        self.highlighted: int | None = None
        self.editable = context.actor.can(Permission.EDIT_TRANSCRIPTS)

    def set_segments(self, segments: list[Segment]) -> None:
        self.beginResetModel()
        self.segments = segments
        self.highlighted = None
        self.endResetModel()

    def extend(self, segments: list[Segment]) -> bool:
        """Append segments that arrived while transcribing, when the ones shown are unchanged. False if not."""
        shown = len(self.segments)
        if len(segments) < shown or segments[:shown] != self.segments:
            return False
        if len(segments) > shown:
            self.beginInsertRows(QModelIndex(), shown, len(segments) - 1)
            self.segments = segments
            self.endInsertRows()
        return True

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.segments)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Time", "Speaker", "Text")[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if self.editable and index.column() in (SPEAKER, TEXT):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        segment = self.segments[index.row()]
        if role == Qt.ItemDataRole.DisplayRole and index.column() == SPEAKER and segment.overlap:
            return f"{segment.speaker} (overlap)"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (clock(segment.start_s), segment.speaker, segment.text)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            edited = " · corrected by hand" if segment.edited else ""
            overlap = " · two voices at once in this line: check who said which words" if segment.overlap else ""
            return f"{segment.start_s:.2f}–{segment.end_s:.2f} s{edited}{overlap}"
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == SPEAKER and segment.overlap:
            return QBrush(QColor("#fde7d9"))
        if role == Qt.ItemDataRole.BackgroundRole and index.row() == self.highlighted:
            return QBrush(QColor("#fff4d6"))
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == SPEAKER:
            return QBrush(QColor("#0b57d0" if segment.speaker == "Coach" else "#6b4fa0"))
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        segment = self.segments[index.row()]
        db, actor = self._context.database, self._context.actor
        try:
            if index.column() == TEXT:
                self.segments[index.row()] = transcripts.edit_text(db, actor, segment.id, str(value))
            elif index.column() == SPEAKER:
                transcripts.set_speaker(db, actor, [segment.id], str(value))
                self.segments[index.row()] = dataclasses.replace(segment, speaker=" ".join(str(value).split()),
                                                                 edited=True)
            else:
                return False
        except SupervisorError as exc:
            self.edit_failed.emit(str(exc))
            return False
        self.dataChanged.emit(index, index)
        return True


class TranscriptPanel(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.recording_id: int | None = None
        self.title = ""
        self.heading = QLabel("Select a recording to see its transcript.")
        self.heading.setObjectName("pageSubtitle")
        self.heading.setWordWrap(True)
        self.speaker_button = QPushButton("Set speaker…")
        self.speaker_button.setToolTip("Give the selected segments one speaker label")
        self.speaker_button.setVisible(context.actor.can(Permission.EDIT_TRANSCRIPTS))
        self.speaker_button.setEnabled(False)
        self.names_button = QPushButton("Name speakers…")
        self.names_button.setToolTip("Say once who is who: the names apply to every line of this recording")
        self.names_button.setVisible(context.actor.can(Permission.EDIT_TRANSCRIPTS))
        self.names_button.setEnabled(False)
        self.find_button = QPushButton("Find speakers…")
        self.find_button.setToolTip("How many people speak, and the voices told apart again (Ctrl+Shift+K)")
        self.find_button.setShortcut("Ctrl+Shift+K")
        self.find_button.setVisible(context.actor.can(Permission.EDIT_TRANSCRIPTS))
        self.find_button.setEnabled(False)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("hint")
        self.notice.hide()
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Every correction made to this transcript: who, when, what was there before")
        self.history_button.setEnabled(False)
        self.redact_button = QPushButton("Redact…")
        self.redact_button.setToolTip("Decide each suggested name or identifier, and mark missed ones (Ctrl+Shift+R)")
        self.redact_button.setShortcut("Ctrl+Shift+R")
        self.redact_button.setVisible(context.actor.can(Permission.EDIT_TRANSCRIPTS))
        self.redact_button.setEnabled(False)
        header = QHBoxLayout()  # the heading above on a narrow window would be cut beside five buttons
        header.addStretch(1)
        for button in (self.history_button, self.redact_button, self.find_button, self.names_button,
                       self.speaker_button):
            header.addWidget(button)
        self.model = TranscriptModel(context)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(TIME, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(SPEAKER, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(header)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        self.speaker_button.clicked.connect(self.on_speaker_button_clicked)
        self.history_button.clicked.connect(self.open_history)
        self.names_button.clicked.connect(self.open_speaker_names)
        self.find_button.clicked.connect(self.open_find_speakers)
        self.redact_button.clicked.connect(self.open_redaction)
        self.active_dialog: QWidget | None = None
        self.model.edit_failed.connect(lambda message: show_error(self, "Not changed", message))
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.speaker_button.setEnabled(bool(self.selected_segment_ids())))

    def show_recording(self, recording_id: int | None, title: str = "") -> None:
        previous, self.recording_id = self.recording_id, recording_id
        self.title = title
        self.history_button.setEnabled(recording_id is not None)
        self.redact_button.setEnabled(False)
        self.names_button.setEnabled(False)
        self.find_button.setEnabled(recording_id is not None)
        if recording_id != previous:
            self.notice.hide()
        if recording_id is None:
            self.model.set_segments([])
            self.heading.setText("Select a recording to see its transcript.")
            return
        try:
            view = transcripts.get_transcript(self._context.database, self._context.actor, recording_id)
        except NotFoundError:
            self.model.set_segments([])
            self.heading.setText(f"{title}: no transcript yet. Transcribe it with Ctrl+T.")
            return
        shown = self.model.rowCount()
        if recording_id == previous and self.model.extend(list(view.segments)):
            for row in range(shown, self.model.rowCount()):
                self.table.resizeRowToContents(row)
        else:
            self.model.set_segments(list(view.segments))
            self.table.resizeRowsToContents()
        self.redact_button.setEnabled(view.status == "complete" and bool(view.segments))
        self.names_button.setEnabled(view.status == "complete" and bool(view.segments))
        state = "" if view.status == "complete" else " (in progress)"
        count = len(view.segments)
        self.heading.setText(f"{title}: {count} segment{'s' if count != 1 else ''}{state} · {view.model_name}, "
                             f"{view.engine_version}, language {view.language or '?'} · redaction: {view.redaction}"
                             " · double-click to correct")
        if view.status == "complete" and not view.segments:
            self.heading.setText(f"{title}: no speech found in this recording.")

    def highlight_segment(self, segment_id: int) -> None:
        for row, segment in enumerate(self.model.segments):
            if segment.id == segment_id:
                self.model.highlighted = row
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, TEXT), QAbstractItemView.ScrollHint.PositionAtCenter)
                return

    def open_speaker_names(self) -> None:
        if self.recording_id is None:
            return
        dialog = SpeakersDialog(self._context, self.recording_id, list(self.model.segments), self)
        dialog.accepted.connect(lambda: self._after(dialog.naming.describe() if dialog.naming else ""))
        self._open(dialog)

    def open_find_speakers(self) -> None:
        if self.recording_id is None:
            return
        finished = self.names_button.isEnabled()  # a complete transcript with lines
        dialog = FindSpeakersDialog(self._context, self.recording_id, finished, self)
        dialog.accepted.connect(lambda: self._after(
            dialog.result.describe() if dialog.result else
            f"{dialog.count.value()} speaker(s) will be told apart when this recording is transcribed."))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        """Open a dialog of this panel window-modally; it is deleted once closed."""
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def _after(self, message: str) -> None:
        """Show the transcript again, with what the last speaker action did."""
        self.show_recording(self.recording_id, self.title)
        self.notice.setText(message)
        self.notice.setVisible(bool(message))

    def open_history(self) -> None:
        if self.recording_id is None:
            return
        entries = transcripts.edit_history(self._context.database, self._context.actor, self.recording_id)
        dialog = EditHistoryDialog(entries, self)
        self._open(dialog)

    def open_redaction(self) -> None:
        if self.recording_id is None:
            return
        dialog = RedactionDialog(self._context, self.recording_id, self.title or f"recording {self.recording_id}",
                                 self)
        dialog.finished.connect(lambda _result: self.show_recording(self.recording_id, self.title))
        self._open(dialog)

    def selected_segment_ids(self) -> list[int]:
        return [self.model.segments[i.row()].id for i in self.table.selectionModel().selectedRows()]

    def assign_speaker(self, segment_ids: list[int], label: str) -> None:
        try:
            transcripts.set_speaker(self._context.database, self._context.actor, segment_ids, label)
        except SupervisorError as exc:
            show_error(self, "Not changed", str(exc))
            return
        self.show_recording(self.recording_id, self.heading.text().split(":")[0])

    def on_speaker_button_clicked(self) -> None:
        ids = self.selected_segment_ids()
        labels = sorted({s.speaker for s in self.model.segments if s.speaker} | {"Coach", "Coachee"})
        label, accepted = QInputDialog.getItem(self, "Set speaker", f"Speaker for {len(ids)} segment(s):", labels,
                                               0, True)
        if accepted and label.strip():
            self.assign_speaker(ids, label)
