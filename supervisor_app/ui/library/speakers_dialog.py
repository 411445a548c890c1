"""Name the voices of a recording once: each speaker label with how much they speak and what they say first, a
name for each (Coach and Coachee offered), and a swap for suggestions that came out the wrong way round."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.transcripts import NEUTRAL_SPEAKERS, Segment
from supervisor_app.errors import SupervisorError
from supervisor_app.services import transcripts
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel

SAMPLE_CHARS = 90


class SpeakersDialog(QDialog):
    def __init__(self, context: AppContext, recording_id: int, segments: list[Segment],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context, self.recording_id = context, recording_id
        self.setWindowTitle("Name the speakers")
        self.setMinimumWidth(640)
        seconds: dict[str, float] = defaultdict(float)
        first: dict[str, str] = {}
        for segment in segments:
            seconds[segment.speaker] += segment.end_s - segment.start_s
            first.setdefault(segment.speaker, segment.text.strip())
        total = sum(seconds.values()) or 1.0
        self.labels = sorted(seconds, key=lambda label: -seconds[label])
        grid = QGridLayout()
        self.name_edits: dict[str, QComboBox] = {}
        for row, label in enumerate(self.labels):
            sample = first[label] if len(first[label]) <= SAMPLE_CHARS else first[label][:SAMPLE_CHARS - 1] + "…"
            heading = QLabel(f"<b>{label or '(no label)'}</b> — {seconds[label] / total:.0%} of the speech<br>"
                             f"<i>“{sample}”</i>")
            heading.setWordWrap(True)
            choice = QComboBox()
            choice.setEditable(True)
            choice.addItems(list(dict.fromkeys([label, *NEUTRAL_SPEAKERS])))
            choice.setCurrentText(label)
            choice.setAccessibleName(f"Name for {label}")
            heading.setBuddy(choice)
            grid.addWidget(heading, row, 0)
            grid.addWidget(choice, row, 1)
            self.name_edits[label] = choice
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.swap_button = QPushButton("Swap Coach ↔ Coachee")
        self.swap_button.setToolTip("The suggestion took the coachee for the coach: exchange the two names")
        self.swap_button.setVisible(all(name in self.name_edits for name in NEUTRAL_SPEAKERS))
        self.swap_button.clicked.connect(self.swap)
        self.error_label = ErrorLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply to the whole recording")
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel("Say once who is who: the names replace the labels on every line of this recording (each "
                       "change is kept in History…). The voice you name Coach is remembered for this coach's later "
                       "recordings, where it is called Coach when it matches.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(grid)
        swap_row = QHBoxLayout()
        swap_row.addWidget(self.swap_button)
        swap_row.addStretch(1)
        layout.addLayout(swap_row)
        layout.addStretch(1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.naming: transcripts.Naming | None = None

    def swap(self) -> None:
        coach, coachee = (self.name_edits[name] for name in NEUTRAL_SPEAKERS)
        first, second = coach.currentText(), coachee.currentText()
        coach.setCurrentText(second)
        coachee.setCurrentText(first)

    def names(self) -> dict[str, str]:
        """Every label with its name (a label kept as it is still counts: naming the coach remembers the voice)."""
        return {label: edit.currentText() for label, edit in self.name_edits.items() if label}

    def apply(self) -> None:
        try:
            self.naming = transcripts.name_speakers(self._context.database, self._context.actor,
                                                    self.recording_id, self.names())
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.accept()
