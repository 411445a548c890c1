"""The rubric side of the workspace: each competency with its behaviours and anchors, its score or gate
decision, a rationale, and the evidence pinned to it."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.core.rubric import Competency, Rubric
from supervisor_app.core.transcripts import clock
from supervisor_app.ui.review.waveform_view import competency_colour

VISIBLE_COMPETENCIES = 12  # a longer rubric scrolls its list
SCORE_CHOICES: tuple[tuple[str, int | bool], ...] = (
    ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5), ("Pass", True), ("Fail", False))


class RubricPanel(QWidget):
    score_changed = Signal(object)           # CompetencyScore
    evidence_activated = Signal(object)      # Evidence (play it)
    evidence_edit_requested = Signal(int)    # index into the content's evidence
    evidence_remove_requested = Signal(int)

    def __init__(self, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rubric = rubric
        self.content = ReviewContent()
        self.editable = True
        self._updating = False
        self.competency_list = QListWidget()
        self.competency_list.setObjectName("competencyList")
        for index, competency in enumerate(rubric.competencies):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, competency.id)
            swatch = QPixmap(12, 12)  # the colour of its evidence on the waveform: the list is the legend
            swatch.fill(competency_colour(index))
            item.setIcon(QIcon(swatch))
            item.setToolTip(f"{competency.title}: its evidence is drawn in this colour on the waveform")
            self.competency_list.addItem(item)
        # every competency in view at once, at a height that never changes with the text below it
        rows = min(len(rubric.competencies), VISIBLE_COMPETENCIES)
        self.competency_list.setFixedHeight(rows * max(self.competency_list.sizeHintForRow(0), 18)
                                            + 2 * self.competency_list.frameWidth() + 4)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setObjectName("competencyDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        detail_area = QScrollArea()
        detail_area.setWidgetResizable(True)
        detail_area.setFrameShape(QFrame.Shape.NoFrame)
        detail_area.setWidget(self.detail)
        # keyed by label: True == 1 in Python, so the values themselves cannot be the keys
        self.score_buttons: dict[str, QPushButton] = {}
        score_row = QHBoxLayout()
        for label, value in SCORE_CHOICES:
            button = QPushButton(label)
            button.setObjectName("scoreChip")  # the chosen score is a filled chip (style.qss)
            button.setCheckable(True)
            button.setMinimumWidth(44)
            button.clicked.connect(lambda _checked=False, v=value: self.choose(v))
            self.score_buttons[label] = button
            score_row.addWidget(button)
        self.not_observed_check = QCheckBox("Not observed")
        self.not_observed_check.toggled.connect(self.on_not_observed_check_toggled)
        score_row.addWidget(self.not_observed_check)
        score_row.addStretch(1)
        self.rationale_edit = QPlainTextEdit()
        self.rationale_edit.setPlaceholderText("Rationale: what you heard that justifies this score")
        self.rationale_edit.setMaximumHeight(90)
        self.rationale_edit.setTabChangesFocus(True)  # Tab leaves the rationale; it never types a tab
        self.rationale_edit.textChanged.connect(self.on_rationale_edit_text_changed)
        self.evidence_list = QListWidget()
        self.evidence_list.setObjectName("evidenceList")
        self.evidence_list.setWordWrap(True)
        self.evidence_list.itemActivated.connect(self.on_evidence_list_item_activated)
        self.evidence_list.itemDoubleClicked.connect(self.on_evidence_list_item_activated)
        self.edit_evidence_button = QPushButton("Edit evidence…")
        self.remove_evidence_button = QPushButton("Remove evidence")
        self.edit_evidence_button.clicked.connect(
            lambda: self._emit_for_current(self.evidence_edit_requested))
        self.remove_evidence_button.clicked.connect(
            lambda: self._emit_for_current(self.evidence_remove_requested))
        evidence_buttons = QHBoxLayout()
        evidence_buttons.addWidget(QLabel("Evidence (E captures the current moment or selection)"), 1)
        evidence_buttons.addWidget(self.edit_evidence_button)
        evidence_buttons.addWidget(self.remove_evidence_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.competency_list)
        layout.addWidget(detail_area, 3)
        layout.addLayout(score_row)
        layout.addWidget(self.rationale_edit)
        layout.addLayout(evidence_buttons)
        layout.addWidget(self.evidence_list, 2)
        self.competency_list.currentRowChanged.connect(lambda _row: self.refresh())
        self.competency_list.setCurrentRow(0)
        QWidget.setTabOrder(self.competency_list, self.rationale_edit)  # Up/Down in the rubric, Tab to rationale
        QWidget.setTabOrder(self.rationale_edit, self.evidence_list)

    # ------------------------------------------------------------------ state

    def current_competency(self) -> Competency:
        row = max(self.competency_list.currentRow(), 0)
        return self.rubric.competencies[row]

    def current_score(self) -> CompetencyScore:
        competency = self.current_competency()
        return self.content.scores.get(competency.id, CompetencyScore(competency.id))

    def set_content(self, content: ReviewContent, editable: bool) -> None:
        self.content, self.editable = content, editable
        self.refresh()

    def refresh(self) -> None:
        self._updating = True
        for row, competency in enumerate(self.rubric.competencies):
            score = self.content.scores.get(competency.id, CompetencyScore(competency.id))
            evidence = len(self.content.evidence_for(competency.id))
            if score.not_observed:
                value = "not observed"
            elif competency.is_gate:
                value = {True: "pass", False: "fail", None: "—"}[score.gate_passed]
            else:
                value = str(score.score) if score.score is not None else "—"
            self.competency_list.item(row).setText(f"{competency.title}    [{value}]  · {evidence} evidence")
        current = self.competency_list.currentItem()
        if current is not None:
            self.competency_list.scrollToItem(current)
        competency, score = self.current_competency(), self.current_score()
        anchors = "".join(f"<tr><td><b>{level}</b></td><td>{escape(text)}</td></tr>"
                          for level, text in competency.anchors.items())
        behaviours = "".join(f"<li>{escape(b)}</li>" for b in competency.behaviours)
        criterion = f"<p><b>Criterion:</b> {escape(competency.criterion or '')}</p>" if competency.is_gate else ""
        self.detail.setText(f"<b>{escape(competency.title)}</b> <span style='color:#5f6670'>"
                            f"({competency.category.value})</span><ul>{behaviours}</ul>{criterion}"
                            f"<table cellspacing='2'>{anchors}</table>")
        for label, value in SCORE_CHOICES:
            button = self.score_buttons[label]
            gate_value = isinstance(value, bool)
            button.setVisible(gate_value == competency.is_gate)
            button.setEnabled(self.editable and not score.not_observed)
            button.setChecked(score.gate_passed is value if gate_value else score.score == value)
        self.not_observed_check.setEnabled(self.editable)
        self.not_observed_check.setChecked(score.not_observed)
        if self.rationale_edit.toPlainText() != score.rationale:
            self.rationale_edit.setPlainText(score.rationale)
        self.rationale_edit.setReadOnly(not self.editable)
        self.evidence_list.clear()
        for item in self.content.evidence_for(competency.id):
            label = f"{clock(item.start_s)}–{clock(item.end_s)}  {item.tag or 'untagged'}\n“{item.quote}”"
            if item.note:
                label += f"\n{item.note}"
            entry = QListWidgetItem(label)
            entry.setData(Qt.ItemDataRole.UserRole, self.content.evidence.index(item))
            self.evidence_list.addItem(entry)
        for button in (self.edit_evidence_button, self.remove_evidence_button):
            button.setEnabled(self.editable)
        self._updating = False

    # ------------------------------------------------------------------ edits

    def _emit(self, score: CompetencyScore) -> None:
        if not self._updating and self.editable:
            self.score_changed.emit(score)

    def choose(self, value: object) -> None:
        """Score 1–5 (a scale) or pass/fail (a gate) for the current competency; the same choice again clears."""
        competency, score = self.current_competency(), self.current_score()
        if not self.editable or score.not_observed:
            return
        if isinstance(value, bool):
            if not competency.is_gate:
                return
            chosen = None if score.gate_passed is value else value
            self._emit(CompetencyScore(competency.id, None, chosen, False, score.rationale))
        else:
            if competency.is_gate:
                return
            chosen_score = None if score.score == value else int(value)  # type: ignore[call-overload]
            self._emit(CompetencyScore(competency.id, chosen_score, None, False, score.rationale))

    def on_not_observed_check_toggled(self, checked: bool) -> None:
        score = self.current_score()
        if checked != score.not_observed:
            self._emit(CompetencyScore(score.competency_id, None, None, checked, score.rationale))

    def on_rationale_edit_text_changed(self) -> None:
        score = self.current_score()
        text = self.rationale_edit.toPlainText()
        if text != score.rationale:
            self._emit(CompetencyScore(score.competency_id, score.score, score.gate_passed, score.not_observed, text))

    def _emit_for_current(self, signal: object) -> None:
        item = self.evidence_list.currentItem()
        if item is not None and self.editable:
            signal.emit(int(item.data(Qt.ItemDataRole.UserRole)))  # type: ignore[attr-defined]

    def on_evidence_list_item_activated(self, item: QListWidgetItem) -> None:
        self.evidence_activated.emit(self.content.evidence[int(item.data(Qt.ItemDataRole.UserRole))])

    def step(self, delta: int) -> None:
        """The next (or previous) competency, from wherever the focus is (Alt+Down / Alt+Up)."""
        row = min(max(self.competency_list.currentRow() + delta, 0), self.competency_list.count() - 1)
        self.competency_list.setCurrentRow(row)

    def select_competency(self, competency_id: str) -> None:
        for row, competency in enumerate(self.rubric.competencies):
            if competency.id == competency_id:
                self.competency_list.setCurrentRow(row)

    def evidence_ranges(self) -> list[tuple[Evidence, int]]:
        order = {c.id: i for i, c in enumerate(self.rubric.competencies)}
        return [(e, order.get(e.competency_id, 0)) for e in self.content.evidence]
