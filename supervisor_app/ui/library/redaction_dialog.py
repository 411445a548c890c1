"""The redaction pass over one transcript, keyboard-driven like a spell checker: each suggestion in reading order,
shown in the whole transcript below; A accepts, R rejects, U puts it back, and the cursor moves on to the next
undecided one. Words a detector missed are selected anywhere in the transcript and marked with M."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.redaction import Kind
from supervisor_app.core.transcripts import Segment, clock
from supervisor_app.errors import SupervisorError
from supervisor_app.services import redaction, transcripts
from supervisor_app.services.redaction import RedactionView
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel

HEADERS = ("At", "Words", "Becomes", "Found by", "Decision")
STATE_TEXT = {redaction.SUGGESTED: "to decide", redaction.ACCEPTED: "redacted", redaction.REJECTED: "kept"}


class RedactionDialog(QDialog):
    changed = Signal()

    def __init__(self, context: AppContext, recording_id: int, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._recording_id = recording_id
        self.views: list[RedactionView] = []
        self.segments: list[Segment] = []
        self._text_at: dict[int, int] = {}  # segment id -> where its text starts in the document below
        self.setWindowTitle(f"Redaction — {title}")
        self.resize(980, 620)
        self.progress = QLabel()
        self.progress.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (0, 2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.sentence = QTextEdit()
        self.sentence.setReadOnly(True)
        self.sentence.setToolTip("The transcript; select words a detector missed and press M to redact them")
        self.kind_combo = QComboBox()
        for kind in Kind:
            self.kind_combo.addItem(f"{kind.label} {kind.value}", kind)
        self.accept_button = QPushButton("&Accept (A)")
        self.reject_button = QPushButton("&Reject — keep as spoken (R)")
        self.undo_button = QPushButton("&Undo (U)")
        self.mark_button = QPushButton("&Mark selection (M)")
        self.suggest_button = QPushButton("Find &suggestions again")
        self.error_label = ErrorLabel()
        decisions = QHBoxLayout()
        for button in (self.accept_button, self.reject_button, self.undo_button):
            decisions.addWidget(button)
        decisions.addStretch(1)
        decisions.addWidget(QLabel("Mark as"))
        decisions.addWidget(self.kind_combo)
        decisions.addWidget(self.mark_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.sentence, 1)
        lower_layout.addLayout(decisions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.suggest_button)
        bottom.addStretch(1)
        close = QPushButton("Close")
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(bottom)
        close.clicked.connect(self.accept)
        self.accept_button.clicked.connect(lambda: self.decide(redaction.ACCEPTED))
        self.reject_button.clicked.connect(lambda: self.decide(redaction.REJECTED))
        self.undo_button.clicked.connect(lambda: self.decide(redaction.SUGGESTED))
        self.mark_button.clicked.connect(self.mark_selection)
        self.suggest_button.clicked.connect(self.find_suggestions)
        for key, action in (("A", lambda: self.decide(redaction.ACCEPTED)),
                            ("R", lambda: self.decide(redaction.REJECTED)),
                            ("U", lambda: self.decide(redaction.SUGGESTED)), ("M", self.mark_selection)):
            QShortcut(QKeySequence(key), self, action)
        self.table.currentCellChanged.connect(lambda *_: self.show_current())
        self._show_transcript()
        self.find_suggestions()

    # ------------------------------------------------------------------ data
    def find_suggestions(self) -> None:
        try:
            redaction.suggest(self._context.database, self._context.actor, self._recording_id)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
        self.reload()

    def reload(self, keep_id: int | None = None) -> None:
        self.views = redaction.list_for(self._context.database, self._context.actor, self._recording_id)
        self.table.setRowCount(len(self.views))
        for row, view in enumerate(self.views):
            cells = (clock(view.start_s), view.raw, view.label, view.source, STATE_TEXT[view.state])
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if view.state == redaction.SUGGESTED:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        undecided = sum(v.state == redaction.SUGGESTED for v in self.views)
        self.progress.setText(
            f"{len(self.views) - undecided} of {len(self.views)} decided. Undecided suggestions are withheld from "
            "everyone who reads redacted text until you decide. A = redact, R = keep as spoken, U = undo; select "
            "missed words in the transcript below and press M.")
        rows = [i for i, v in enumerate(self.views) if v.id == keep_id]
        if rows:
            self.table.selectRow(rows[0])
        elif self.views:
            self.table.selectRow(self._next_undecided(-1))
        self.show_current()

    def _next_undecided(self, after: int) -> int:
        for row in [*range(after + 1, len(self.views)), *range(after + 1)]:
            if self.views[row].state == redaction.SUGGESTED:
                return row
        return max(0, min(after, len(self.views) - 1))

    def current(self) -> RedactionView | None:
        row = self.table.currentRow()
        return self.views[row] if 0 <= row < len(self.views) else None

    def show_current(self) -> None:
        view = self.current()
        for button in (self.accept_button, self.reject_button, self.undo_button):
            button.setEnabled(view is not None)
        self._paint(view)

    def _show_transcript(self) -> None:
        self.segments = list(transcripts.get_transcript(self._context.database, self._context.actor,
                                                        self._recording_id).segments)
        lines, self._text_at, position = [], {}, 0
        for segment in self.segments:
            prefix = f"[{clock(segment.start_s)}] {segment.speaker + ': ' if segment.speaker else ''}"
            self._text_at[segment.id] = position + len(prefix)
            lines.append(prefix + segment.text)
            position += len(lines[-1]) + 1
        self.sentence.setPlainText("\n".join(lines) if lines else "This transcript has no words.")

    def _paint(self, current: RedactionView | None) -> None:
        everything = QTextCursor(self.sentence.document())
        everything.select(QTextCursor.SelectionType.Document)
        everything.setCharFormat(QTextCharFormat())
        colours = {redaction.ACCEPTED: Qt.GlobalColor.lightGray, redaction.SUGGESTED: Qt.GlobalColor.yellow}
        current_id = current.id if current is not None else None
        focus = None
        for view in self.views:
            is_current = view.id == current_id
            if view.segment_id not in self._text_at or (view.state not in colours and not is_current):
                continue
            cursor = QTextCursor(self.sentence.document())
            cursor.setPosition(self._text_at[view.segment_id] + view.start_char)
            cursor.setPosition(self._text_at[view.segment_id] + view.end_char, QTextCursor.MoveMode.KeepAnchor)
            mark = QTextCharFormat()
            mark.setBackground(Qt.GlobalColor.cyan if is_current else colours[view.state])
            if is_current:
                mark.setFontWeight(700)
                focus = QTextCursor(cursor)
            cursor.mergeCharFormat(mark)
        if focus is not None:
            focus.clearSelection()
            self.sentence.setTextCursor(focus)
            self.sentence.ensureCursorVisible()

    def _selection(self) -> tuple[int, int, int] | None:
        """The selected words as (segment id, start, end) within that segment's text, or None."""
        cursor = self.sentence.textCursor()
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        for segment in self.segments:
            offset = self._text_at[segment.id]
            if offset <= start and end <= offset + len(segment.text):
                return segment.id, start - offset, end - offset
        return None

    # ------------------------------------------------------------------ actions
    def decide(self, state: str) -> None:
        view = self.current()
        if view is None:
            return
        row = self.table.currentRow()
        try:
            redaction.decide(self._context.database, self._context.actor, view.id, state)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.error_label.clear_message()
        self.changed.emit()
        self.reload(keep_id=view.id)
        if state != redaction.SUGGESTED and self.views:
            self.table.selectRow(self._next_undecided(row))

    def mark_selection(self) -> None:
        selected = self._selection() if self.sentence.textCursor().hasSelection() else None
        if selected is None:
            self.error_label.show_message("Select the words to redact in the transcript first (within one line, "
                                          "after its time and speaker).")
            return
        segment_id, start, end = selected
        try:
            marked = redaction.mark(self._context.database, self._context.actor, segment_id, start, end,
                                    Kind(self.kind_combo.currentData()))
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.error_label.clear_message()
        self.changed.emit()
        self.reload(keep_id=marked.id)
