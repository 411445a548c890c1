"""Calibration: rounds, who has submitted, the reveal, the side-by-side comparison, consensus and closing."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.agreement import Agreement, CalibrationRule
from supervisor_app.core.roles import Permission
from supervisor_app.errors import SupervisorError, ValidationError
from supervisor_app.services import calibration, drift, practice, program_settings
from supervisor_app.services.calibration import Comparison, RoundSummary
from supervisor_app.services.export import ExportScope
from supervisor_app.ui.audits.audits_page import ExportDialog
from supervisor_app.ui.calibration.gold_dialog import GoldDialog
from supervisor_app.ui.calibration.new_round_dialog import NewRoundDialog
from supervisor_app.ui.calibration.timeline_view import TimelineView
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.charts import LINE_COLOURS, Bar, BarChart, LineChart, Series
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.messages import show_error, show_info
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel

DEVIATION_COLOURS = {0: "#e6f4ea", 1: "#fef7e0"}  # 2 or more points: red
WITHIN, BEYOND = "#188038", "#d93025"


def _agreement_colour(value: float | None) -> str:
    """Koo & Li's bands for ICC: good (≥ 0.75) blue, moderate amber, poor (< 0.5) red."""
    if value is None:
        return "#9ca3af"
    return "#1a73e8" if value >= 0.75 else "#e37400" if value >= 0.5 else "#d93025"


def _competency_order(table: Comparison, name: str) -> int:
    """The pooled figure first, then the competencies in the rubric's order."""
    order = list(table.titles)
    return -1 if name == "overall" else order.index(name) if name in order else len(order)


def _shared_warnings(results: dict[str, Agreement]) -> set[str]:
    """Warnings every competency (and the pooled figure) carries, e.g. too few recordings: said once, not under
    each of them."""
    per = [set(r.warnings) for name, r in results.items() if name != "overall"]  # the pooled figure has more units
    return set.intersection(*per) if per else set()


def _row_keys(table: Comparison) -> list[tuple[int, str]]:
    """The comparison's rows: recording by recording, each competency in the rubric's order."""
    order = {competency_id: index for index, competency_id in enumerate(table.titles)}
    return sorted(table.cells, key=lambda key: (table.codes.get(key[0], ""), order.get(key[1], len(order)), key))


class CalibrationPage(QWidget):
    anchors_requested = Signal(str)  # a competency whose scores are not reliable: show its anchors

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.active_dialog: QWidget | None = None
        self.comparison: Comparison | None = None
        title = page_title("Calibration")
        subtitle = page_subtitle(
            "A panel scores the same recordings blind; after the reveal, compare, agree a consensus "
            "per competency and close the round. Score your part in Reviews.")
        self.new_button = QPushButton("New round…")
        self.new_button.setObjectName("primaryButton")
        self.new_button.setVisible(context.actor.can(Permission.RUN_CALIBRATION))
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.new_button)
        self.model: RowTableModel[RoundSummary] = RowTableModel([
            Column("Round", lambda r: r.title),
            Column("Status", lambda r: r.status),
            Column("Due", lambda r: r.due_at.astimezone().strftime("%Y-%m-%d %H:%M")),
            Column("Lead", lambda r: r.lead),
        ], row_id=lambda r: r.id)
        self.rounds = FilteredTable(self.model)
        self.rounds.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # the latest due first, as on first opening
        self.progress_label = QLabel("Select a round.")
        self.progress_label.setWordWrap(True)
        self.reveal_button = QPushButton("Reveal…")
        self.consensus_button = QPushButton("Record consensus…")
        self.close_button = QPushButton("Close round")
        self.gold_button = QPushButton("Make gold standard…")
        self.gold_button.setToolTip("Make the selected row's recording a gold standard raters practise on")
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setToolTip("The audit workbook for this round (after the reveal)")
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.reveal_button, self.consensus_button, self.close_button, self.gold_button,
                       self.export_button):
            actions.addWidget(button)
        self.matrix = QTableWidget(0, 0)
        self.matrix.setObjectName("comparisonMatrix")
        self.agreement_label = QLabel()
        self.agreement_label.setWordWrap(True)
        self.agreement_label.linkActivated.connect(
            lambda link: self.anchors_requested.emit(link.removeprefix("anchors:")))
        self.timeline_title = QLabel("Select a row on the Comparison tab to see which moments each rater cited.")
        self.timeline_title.setObjectName("pageSubtitle")
        self.timeline = TimelineView()
        self.notes_list = QListWidget()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("Add a discussion note for the selected row and press Enter")
        self.tabs = QTabWidget()
        self.agreement_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        agreement_area = QScrollArea()
        agreement_area.setWidgetResizable(True)
        agreement_area.setWidget(self.agreement_label)
        # the scores get most of the room; the figures below scroll, and the divider can be dragged
        comparison_tab = QSplitter(Qt.Orientation.Vertical)
        comparison_tab.setChildrenCollapsible(False)
        comparison_tab.addWidget(self.matrix)
        comparison_tab.addWidget(agreement_area)
        comparison_tab.setStretchFactor(0, 3)
        comparison_tab.setStretchFactor(1, 2)
        comparison_tab.setSizes([3000, 2000])  # the proportion, whatever the window (the table asks for more)
        timeline_tab = QWidget()
        timeline_layout = QVBoxLayout(timeline_tab)
        timeline_layout.addWidget(self.timeline_title)
        timeline_layout.addWidget(self.timeline)
        timeline_layout.addStretch(1)
        discussion_tab = QWidget()
        discussion_layout = QVBoxLayout(discussion_tab)
        discussion_layout.addWidget(self.notes_list, 1)
        discussion_layout.addWidget(self.note_edit)
        self.tabs.addTab(comparison_tab, "Comparison")
        self.tabs.addTab(timeline_tab, "Evidence timeline")
        self.tabs.addTab(discussion_tab, "Discussion")
        charts_tab = QScrollArea()
        charts_tab.setWidgetResizable(True)
        charts_body = QWidget()
        charts_layout = QVBoxLayout(charts_body)
        self.agreement_chart = BarChart(
            "Agreement per competency with its 95 % interval: ICC(2,1), or ordinal alpha where ICC is undefined",
            "agreement (1 = raters agree perfectly)", 0.0, 1.0,
            empty_text="Agreement appears here when the round is revealed.")
        self.bias_chart = BarChart("Bias per rater in this round: mean points above (+) or below (−) the reference",
                                   "points", -1.0, 1.0, empty_text="Bias appears here when the round is revealed.")
        self.drift_chart = LineChart("Rater drift: bias against the master in each revealed round (band: ±0.5)",
                                     "revealed round", "points",
                                     empty_text="Drift needs revealed rounds with a master.")
        self.drift_chart.value_format = "{:+.2f}"
        for chart in (self.agreement_chart, self.bias_chart, self.drift_chart):
            charts_layout.addWidget(chart)
        charts_layout.addStretch(1)
        charts_tab.setWidget(charts_body)
        self.tabs.addTab(charts_tab, "Charts")
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.progress_label)
        detail_layout.addLayout(actions)
        detail_layout.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.rounds)
        splitter.addWidget(detail)
        splitter.setSizes([140, 600])
        layout = page_layout(self)
        layout.addLayout(header)
        layout.addWidget(subtitle)
        layout.addWidget(splitter, 1)
        self.new_button.clicked.connect(self.open_new_round)
        self.rounds.selectionModel().selectionChanged.connect(lambda *_: self.show_round())
        self.reveal_button.clicked.connect(self.reveal)
        self.consensus_button.clicked.connect(self.record_consensus)
        self.close_button.clicked.connect(self.close_round)
        self.gold_button.clicked.connect(self.make_gold)
        self.export_button.clicked.connect(self.export_round)
        self.matrix.currentCellChanged.connect(lambda row, *_: self.show_timeline(row))
        self.note_edit.returnPressed.connect(self.add_note)
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        self.model.set_rows(calibration.list_rounds(self._context.database, self._context.actor))
        self.rounds.fit_columns()
        if select_id is not None:
            self.rounds.select_id(select_id)
        elif self.rounds.selected_id() is None and self.model.rowCount():
            self.rounds.selectRow(0)  # the newest round, rather than an empty screen
        self.show_round()

    def selected(self) -> RoundSummary | None:
        round_id = self.rounds.selected_id()
        row = self.model.row_for_id(round_id) if round_id is not None else None
        return None if row is None else self.model.row_at(row)

    def show_round(self) -> None:
        summary = self.selected()
        for button in (self.reveal_button, self.consensus_button, self.close_button, self.gold_button,
                       self.export_button):
            button.setEnabled(False)
        self.matrix.clear()
        self.matrix.setRowCount(0)
        self.matrix.setColumnCount(0)
        self.agreement_label.clear()
        self.notes_list.clear()
        self.timeline.set_moments(0.0, [], [])
        self.timeline_title.setText("Select a row on the Comparison tab to see which moments each rater cited.")
        self.agreement_chart.set_bars([])  # never the previous round's figures
        self.bias_chart.set_bars([])
        self.drift_chart.set_lines([], [])
        self.note_edit.setEnabled(False)
        self.comparison = None
        if summary is None:
            self.progress_label.setText("Select a round.")
            return
        db, actor = self._context.database, self._context.actor
        progress = calibration.progress(db, actor, summary.id)
        done = ", ".join(f"{name} {count}/{progress.expected_per_rater}" for name, count in progress.submitted.items())
        self.progress_label.setText(f"{summary.title} — {summary.status}. Submitted: {done}")
        self.reveal_button.setEnabled(summary.is_lead and summary.status == "open")
        if summary.status == "open":
            self.agreement_label.setText("This round is blind until the lead reveals it: nobody sees the others' "
                                         "scores, and the comparison, timeline and charts appear at the reveal.")
            return
        self.consensus_button.setEnabled(summary.is_lead and summary.status == "revealed")
        self.close_button.setEnabled(summary.is_lead and summary.status == "revealed")
        self.gold_button.setEnabled(summary.is_lead)
        self.export_button.setEnabled(actor.can(Permission.READ_ALL_REVIEWS))
        self.comparison = calibration.comparison(db, actor, summary.id, self.rule())
        self._fill_matrix(self.comparison)
        self.note_edit.setEnabled(True)
        for author, text in calibration.notes(db, actor, summary.id):
            self.notes_list.addItem(f"{author}: {text}")

    def rule(self) -> CalibrationRule:
        return program_settings.calibration_rule(self._context.database)

    def _fill_matrix(self, table: Comparison) -> None:
        keys = _row_keys(table)
        raters = [cell.rater for cell in table.cells[keys[0]]] if keys else []
        self.matrix.setColumnCount(len(raters) + 2)
        self.matrix.setHorizontalHeaderLabels(["Recording", "Competency",
                                               *(f"{r} (master)" if r == table.master else r for r in raters)])
        self.matrix.setRowCount(len(keys))
        for row, key in enumerate(keys):
            recording_id, competency_id = key
            self.matrix.setItem(row, 0, QTableWidgetItem(table.codes[recording_id]))
            title_item = QTableWidgetItem(table.titles.get(competency_id, competency_id))
            title_item.setToolTip(competency_id)
            self.matrix.setItem(row, 1, title_item)
            for column, cell in enumerate(table.cells[key], start=2):
                if cell.score is None:
                    text = "—"
                elif competency_id in table.gates:
                    text = "pass" if cell.score else "fail"
                else:
                    text = f"{cell.score:g}"
                item = QTableWidgetItem(text)
                if cell.deviation is not None:
                    colour = DEVIATION_COLOURS.get(int(abs(cell.deviation)), "#fce8e6")
                    item.setBackground(QBrush(QColor(colour)))
                    item.setToolTip(f"{cell.deviation:+g} from the {table.reference}")
                self.matrix.setItem(row, column, item)
        self.matrix.resizeColumnsToContents()
        lines = []
        shared = _shared_warnings(table.agreement)
        for name, result in table.agreement.items():
            bands = result.bands()
            title = "All competencies (pooled)" if name == "overall" else table.titles.get(name, name)
            own = [w for w in result.warnings if w not in shared]
            icc = f"ICC(2,1) {result.icc2_1:.2f} ({bands['icc2_1'].label})" if result.icc2_1 is not None else ""
            alpha = (f"alpha {result.alpha_ordinal:.2f} ({bands['alpha_ordinal'].label})"
                     if result.alpha_ordinal is not None else "")
            exact = f"exact {result.exact_agreement:.0%}" if result.exact_agreement is not None else ""
            weak = result.unreliable() if name != "overall" else None
            lines.append(f"<b>{escape(title)}</b>: " + " · ".join(p for p in (icc, alpha, exact) if p)
                         + (f" <span style='color:#c5221f'>⚠ not reliable yet ({weak}): "
                            f"<a href='anchors:{name}'>tighten its anchors</a></span>" if weak else "")
                         + (f" <i>({'; '.join(own)})</i>" if own else ""))
        status = ", ".join(f"{rater}: {'calibrated' if ok else 'not calibrated' if ok is False else '—'}"
                           for rater, ok in sorted(table.calibrated.items()))
        current = self.rule()
        rule = (f"≥ {current.within_one_share:.0%} of scores within ±1 of the master"
                + (" and the same decision on every gate" if current.same_gate_decisions else ""))
        legend = (f"Cell colours: <span style='background:#e6f4ea'>&nbsp;same as the {table.reference}&nbsp;</span> "
                  "<span style='background:#fef7e0'>&nbsp;1 point off&nbsp;</span> "
                  "<span style='background:#fce8e6'>&nbsp;2 or more off&nbsp;</span>")
        notes = (f"<br><i>Note for every competency: {'; '.join(sorted(shared))}</i>" if shared else "")
        self.agreement_label.setText(f"{legend}<br>Calibration ({rule}): "
                                     f"{status or '— (no master in this round)'}<br>" + "<br>".join(lines) + notes)
        self._fill_charts(table)

    def _fill_charts(self, table: Comparison) -> None:
        bars = []
        for name, result in sorted(table.agreement.items(), key=lambda item: _competency_order(table, item[0])):
            title = "All competencies (pooled)" if name == "overall" else table.titles.get(name, name)
            if result.icc2_1 is not None:
                value, interval, measure = result.icc2_1, result.icc2_1_ci, "ICC(2,1)"
            else:
                value, interval, measure = result.alpha_ordinal, result.alpha_ordinal_ci, "ordinal alpha"
            tip = f"{title}: {measure} " + ("not defined (every rater gave the same scores, or too few)"
                                            if value is None else f"{value:.2f}")
            if value is not None and interval is not None:
                tip += f", 95 % interval {interval[0]:.2f} to {interval[1]:.2f}"
            tip += f"\n{result.n_units} recording-competency pairs, {result.n_raters} raters"
            bars.append(Bar(title, value, _agreement_colour(value), interval, tip))
        self.agreement_chart.set_bars(bars, [(0.5, "0.5 moderate"), (0.75, "0.75 good"), (0.9, "0.9 excellent")])
        overall = table.agreement.get("overall")
        bias = overall.bias if overall is not None else {}
        key = "vs_master" if table.reference == "master" else "vs_panel"
        self.bias_chart.set_bars(
            [Bar(rater, values[key], BEYOND if values[key] is not None and abs(values[key]) > 0.5 else WITHIN,
                 tip=f"{rater}: " + ("—" if values[key] is None else
                                     f"{values[key]:+.2f} points against the {table.reference} on average"))
             for rater, values in sorted(bias.items())], band=(-0.5, 0.5))
        if self._context.actor.can(Permission.RUN_CALIBRATION):
            history = drift.rater_rounds(self._context.database, self._context.actor)
            self.drift_chart.set_lines(
                history.rounds, [Series(rater, values, LINE_COLOURS[index % len(LINE_COLOURS)])
                                 for index, (rater, values) in enumerate(sorted(history.biases.items()))],
                band=(-0.5, 0.5), y_range=(-1.0, 1.0))

    def show_timeline(self, row: int) -> None:
        summary, table = self.selected(), self.comparison
        if summary is None or table is None or row < 0:
            return
        recording_id, competency_id = _row_keys(table)[row]
        raters = [cell.rater for cell in table.cells[(recording_id, competency_id)]]
        duration, moments = calibration.evidence_timeline(self._context.database, self._context.actor, summary.id,
                                                          recording_id, competency_id)
        self.timeline.setToolTip("")
        self.timeline.set_moments(duration, raters, moments)
        self.timeline_title.setText(f"Moments cited for {table.titles.get(competency_id, competency_id)} in "
                                    f"{table.codes[recording_id]}: {len(moments)}")

    def add_note(self) -> None:
        summary, table = self.selected(), self.comparison
        text = self.note_edit.text().strip()
        if summary is None or table is None or not text:
            return
        row = self.matrix.currentRow()
        recording_id, competency_id = _row_keys(table)[row] if row >= 0 else (None, "")
        prefix = f"[{table.codes[recording_id]} · {competency_id}] " if recording_id is not None else ""
        try:
            calibration.add_note(self._context.database, self._context.actor, summary.id, prefix + text,
                                 recording_id, competency_id)
        except SupervisorError as exc:
            show_error(self, "Note not added", str(exc))
            return
        self.notes_list.addItem(f"{self._context.actor.display_name}: {prefix}{text}")
        self.note_edit.clear()

    def export_round(self) -> None:
        summary = self.selected()
        if summary is None or summary.status == "open":
            return
        dialog = ExportDialog(self._context, ExportScope(round_id=summary.id),
                              f"Calibration round: {summary.title} ({summary.status})", self)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def open_new_round(self) -> None:
        dialog = NewRoundDialog(self._context, self)
        dialog.round_created.connect(lambda round_id: self.refresh(select_id=round_id))
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def reveal(self, reason: str | None = None) -> None:
        summary = self.selected()
        if summary is None:
            return
        try:
            calibration.reveal(self._context.database, self._context.actor, summary.id, reason or "")
        except ValidationError:
            why, accepted = QInputDialog.getMultiLineText(
                self, "Reveal early", "Some reviews are not in. Why reveal now? (kept in the audit trail)")
            if accepted:
                self.reveal(why or " ")
            return
        except SupervisorError as exc:
            show_error(self, "Not revealed", str(exc))
            return
        self.refresh(select_id=summary.id)

    def record_consensus(self) -> None:
        summary, table = self.selected(), self.comparison
        row = self.matrix.currentRow()
        if summary is None or table is None or row < 0:
            show_error(self, "Record consensus", "Select a row of the comparison first.")
            return
        recording_id, competency_id = _row_keys(table)[row]
        value, accepted = QInputDialog.getItem(self, "Consensus", f"{table.codes[recording_id]} · {competency_id}",
                                               ["1", "2", "3", "4", "5", "pass", "fail"], 2, False)
        if accepted:
            self.set_consensus(recording_id, competency_id, value)

    def set_consensus(self, recording_id: int, competency_id: str, value: str) -> None:
        summary = self.selected()
        if summary is None:
            return
        gate = {"pass": True, "fail": False}.get(value)
        try:
            calibration.record_consensus(self._context.database, self._context.actor, summary.id, recording_id,
                                         competency_id, score=None if gate is not None else int(value),
                                         gate_passed=gate)
        except SupervisorError as exc:
            show_error(self, "Consensus not recorded", str(exc))

    def make_gold(self) -> None:
        summary, table = self.selected(), self.comparison
        row = self.matrix.currentRow()
        if summary is None or table is None or row < 0:
            show_error(self, "Make gold standard", "Select a row of the comparison first: its recording becomes the "
                       "gold standard.")
            return
        recording_id, _competency = _row_keys(table)[row]
        dialog = GoldDialog(self._context, summary.id, recording_id, table.codes[recording_id], bool(table.master),
                            len(table.codes), self)
        dialog.accepted.connect(lambda: show_info(
            self, "Gold standard made", f"Gold standard{'s' if len(dialog.gold_ids) > 1 else ''} "
            f"{', '.join(practice.gold_code(g) for g in dialog.gold_ids)} made. Raters who were not on this panel "
            "can practise from Reviews → Practise…"))
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def close_round(self) -> None:
        summary = self.selected()
        if summary is None:
            return
        try:
            calibration.close_round(self._context.database, self._context.actor, summary.id)
        except SupervisorError as exc:
            show_error(self, "Round not closed", str(exc))
            return
        self.refresh(select_id=summary.id)
