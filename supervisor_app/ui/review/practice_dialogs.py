"""Practice against a gold standard: choose a gold recording to practise on, and after submitting, see each
competency's score beside the gold, the gold's moments beside yours, and the gold's rationale."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.practice import CompetencyOutcome
from supervisor_app.core.roles import Permission
from supervisor_app.core.transcripts import clock
from supervisor_app.errors import SupervisorError
from supervisor_app.services import practice
from supervisor_app.services.calibration import CitedMoment
from supervisor_app.services.practice import GoldSummary, PracticeResult
from supervisor_app.ui.calibration.timeline_view import TimelineView
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.messages import show_error
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel

GOLD_LANE, MINE_LANE = "Gold standard", "You"
MET, MISSED = "#1b5e20", "#b3261e"


class ChooseGoldDialog(QDialog):
    """The gold standards in force; Practise opens (or continues) a blind practice review of the chosen one."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Practise against a gold standard")
        self.resize(760, 420)
        self._context = context
        self.chosen_review_id: int | None = None
        intro = QLabel("Score a recording whose reference scoring a lead has agreed. You score it blind, as in a "
                       "calibration round; once you submit you see your scores beside the gold standard. Practice "
                       "never counts in audit figures; a lead may credit it towards your calibration.")
        intro.setWordWrap(True)
        self.model: RowTableModel[GoldSummary] = RowTableModel([
            Column("Gold", lambda g: g.code),
            Column("Rubric", lambda g: g.rubric_label),
            Column("Length", lambda g: clock(g.duration_s) if g.duration_s is not None else "—"),
            Column("Reference", lambda g: "panel consensus" if g.source == practice.CONSENSUS else "master's review"),
            Column("Tolerance", lambda g: f"±{g.tolerance}"),
            Column("Your attempts", lambda g: str(g.my_attempts), align_right=True),
            Column("Note", lambda g: g.blocked.capitalize() if g.blocked else ""),
        ], row_id=lambda g: g.id, muted=lambda g: bool(g.blocked))
        self.table = FilteredTable(self.model)
        self.empty_label = QLabel("No gold standard yet. A lead marks one from a revealed calibration round "
                                  "(Calibration → Make gold standard…).")
        self.empty_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.practise_button = self.buttons.addButton("Practise", QDialogButtonBox.ButtonRole.AcceptRole)
        self.practise_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.table.doubleClicked.connect(lambda _index: self.on_buttons_accepted())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_button())
        rows = practice.list_gold(context.database, context.actor)
        self.model.set_rows(rows)
        self.table.fit_columns()
        self.empty_label.setVisible(not rows)
        self.table.setVisible(bool(rows))
        available = next((g for g in rows if not g.blocked), None)
        if available is not None:
            self.table.select_id(available.id)
        self._update_button()

    def _selected(self) -> GoldSummary | None:
        chosen = self.table.selected_id()
        return next((g for g in self.model.rows() if g.id == chosen), None)

    def _update_button(self) -> None:
        selected = self._selected()
        self.practise_button.setEnabled(selected is not None and not selected.blocked)
        self.practise_button.setToolTip(selected.blocked.capitalize() if selected and selected.blocked else "")

    def on_buttons_accepted(self) -> None:
        selected = self._selected()
        if selected is None or selected.blocked:
            return
        try:
            detail = practice.start_practice(self._context.database, self._context.actor, selected.id)
        except SupervisorError as exc:
            show_error(self, "Practice not started", str(exc))
            return
        self.chosen_review_id = detail.id
        self.accept()


def _difference(outcome: CompetencyOutcome) -> str:
    if outcome.difference is None:
        return ""
    return f"{outcome.difference:+d}" if outcome.difference else "0"


def _within(outcome: CompetencyOutcome) -> str:
    if not outcome.counted:
        return "not counted (the gold left it unscored)"
    return "✓ same decision" if outcome.is_gate and outcome.met else "✗ different decision" if outcome.is_gate \
        else "✓ within tolerance" if outcome.met else "✗ outside tolerance"


class PracticeResultDialog(QDialog):
    """A submitted practice review beside its gold standard."""

    def __init__(self, context: AppContext, review_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.result: PracticeResult = practice.result(context.database, context.actor, review_id)
        result = self.result
        self.setWindowTitle(f"Practice against {result.code}")
        self.resize(980, 640)
        verdict = ("Meets the calibration rule on this recording." if result.meets
                   else "Does not meet the calibration rule on this recording yet.")
        self.summary_label = QLabel(f"<b>{result.outcome.summary}.</b> {verdict}")
        self.summary_label.setObjectName("practiceSummary")
        self.summary_label.setWordWrap(True)
        self.model: RowTableModel[CompetencyOutcome] = RowTableModel([
            Column("Competency", lambda c: c.title),
            Column("Yours", lambda c: c.mine),
            Column("Gold", lambda c: c.gold),
            Column("Difference", lambda c: _difference(c), align_right=True),
            Column("Result", _within, colour=lambda c: None if not c.counted else MET if c.met else MISSED),
        ], row_id=lambda c: result.outcome.competencies.index(c), muted=lambda c: not c.counted)
        self.table = FilteredTable(self.model)
        self.table.setSortingEnabled(False)
        self.table.proxy.sort(-1)  # the rubric's order
        self.model.set_rows(list(result.outcome.competencies))
        self.table.fit_columns()
        self.rationale = QTextBrowser()
        self.rationale.setObjectName("goldRationale")
        self.timeline = TimelineView()
        self.timeline_caption = QLabel()
        self.timeline_caption.setWordWrap(True)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.timeline_caption)
        lower_layout.addWidget(self.timeline)
        lower_layout.addWidget(self.rationale, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setSizes([320, 260])
        self.credit_box = QCheckBox("Counts towards this rater being calibrated")
        self.credit_box.setToolTip("A lead's decision: credited practice counts like a calibration round on the "
                                   "dashboard. It never enters audit figures.")
        self.credit_box.setChecked(result.credited)
        may_credit = context.actor.can(Permission.RUN_CALIBRATION) and result.rater != context.actor.display_name
        self.credit_box.setVisible(may_credit)
        self.credit_state = QLabel("Credited towards calibration by a lead." if result.credited
                                   else "Not credited towards calibration (a lead decides).")
        self.credit_state.setVisible(not may_credit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.credit_box)
        layout.addWidget(self.credit_state)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.accept)
        self.credit_box.toggled.connect(self.on_credit_box_toggled)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.show_competency())
        first = next((i for i, c in enumerate(result.outcome.competencies) if c.counted and not c.met), 0)
        self.table.select_id(first)
        self.show_competency()

    def show_competency(self) -> None:
        chosen = self.table.selected_id()
        if chosen is None:
            return
        outcome = self.result.outcome.competencies[chosen]
        moments = [CitedMoment(GOLD_LANE, m.start_s, m.end_s, m.quote, m.tag)
                   for m in self.result.gold_evidence if m.competency_id == outcome.competency_id]
        moments += [CitedMoment(MINE_LANE, m.start_s, m.end_s, m.quote, m.tag)
                    for m in self.result.my_evidence if m.competency_id == outcome.competency_id]
        self.timeline.setToolTip("")
        self.timeline.set_moments(self.result.duration_s, [GOLD_LANE, MINE_LANE], moments)
        self.timeline_caption.setText(f"<b>{outcome.title}</b>: the moments the gold standard cites, above yours. "
                                      "Hover for the quotes.")
        gold_moments = "".join(
            f"<li>{clock(m.start_s)}–{clock(m.end_s)} {html.escape(m.tag)}: “{html.escape(m.quote)}”</li>"
            for m in moments if m.rater == GOLD_LANE)
        rationale = outcome.gold_rationale or "The gold standard gives no rationale for this competency."
        self.rationale.setHtml(f"<p><b>Gold rationale.</b> {html.escape(rationale)}</p>"
                               + (f"<p><b>Gold evidence</b></p><ul>{gold_moments}</ul>" if gold_moments
                                  else "<p>The gold standard cites no moment for this competency.</p>"))

    def on_credit_box_toggled(self, checked: bool) -> None:
        try:
            practice.set_credit(self._context.database, self._context.actor, self.result.review_id, checked)
        except SupervisorError as exc:
            show_error(self, "Credit not changed", str(exc))
            self.credit_box.blockSignals(True)
            self.credit_box.setChecked(not checked)
            self.credit_box.blockSignals(False)
