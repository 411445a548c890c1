"""The program lead's home screen: the dashboard's tiles (each opens the list behind it), this quarter's audit
cycle, and the review assignments with what is overdue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.errors import NotFoundError, SupervisorError
from supervisor_app.services import audits, dashboard, outcomes
from supervisor_app.ui.program.close_dialog import CloseCycleDialog
from supervisor_app.ui.program.coverage_chart import CoverageChart
from supervisor_app.ui.program.cycle_dialog import CycleDialog
from supervisor_app.ui.program.proposal_dialog import ProposalDialog
from supervisor_app.ui.program.reassign_dialog import ReassignDialog
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.messages import confirm, show_error, show_info
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel
from supervisor_app.ui.widgets.shortcuts import add_shortcuts

TILE_MIN_WIDTH = 205  # a tile's title and figure are readable from this width; fewer columns in a narrow window
TILE_COLUMNS_MAX = 5
CYCLE_BUTTON_COLUMNS = 4
_STATUS_WORD = {dashboard.OK: "✓", dashboard.WARN: "check", dashboard.ALERT: "act now"}


class TileButton(QPushButton):
    """One dashboard figure: its title, its value and whether it keeps the program's rule."""

    def __init__(self, tile: dashboard.Tile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tile = tile
        self.setObjectName(f"tile_{tile.status}")
        self.setCheckable(True)
        self.setText(f"{tile.title}  ·  {_STATUS_WORD[tile.status]}\n{tile.value}")
        note = f" ({tile.note})" if tile.note else ""
        self.setToolTip(f"{tile.title}: {tile.value}{note}.\nThe program's rule: {tile.rule}.")
        self.setMinimumHeight(64)
        self.setMinimumWidth(150)
        # the grid gives every tile its share of the width; a long value is cut, and the tooltip has it whole
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)


class ProgramPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.active_dialog: QWidget | None = None
        self.cycle: audits.CycleView | None = None
        self.tiles: list[TileButton] = []
        self._placed_columns = 0
        self.board: dashboard.Dashboard | None = None
        title = page_title("Program")
        subtitle = page_subtitle("This quarter against the program's rules: the audit sample, reviews and feedback "
                                 "on time, 1:1s, recertification, supervision ratios, calibration and drift. Click "
                                 "a figure for the list behind it.")
        self.tile_grid = QGridLayout()
        self.tile_grid.setSpacing(8)
        tiles_holder = QWidget()
        tiles_holder.setLayout(self.tile_grid)
        self.detail_title = QLabel()
        self.detail_title.setObjectName("sectionTitle")
        self.detail_title.setWordWrap(True)
        self.detail = FilteredTable(RowTableModel([], row_id=hash))
        self.cycle_label = QLabel()
        self.cycle_label.setWordWrap(True)
        self.open_button = QPushButton("Open the quarter's cycle…")
        self.open_button.setObjectName("primaryButton")
        self.assign_button = QPushButton("Assign reviews…")
        self.verify_button = QPushButton("Verify the draw")
        self.reassign_button = QPushButton("Reassign…")
        self.redraw_button = QPushButton("Redraw…")
        self.redraw_button.setToolTip("Draw again from today's roster with a new seed (only before any assignment).")
        self.close_button = QPushButton("Close the cycle…")
        self.brief_button = QPushButton("Outcomes brief…")
        self.brief_button.setToolTip("A one-page PDF for the sponsor: coverage, agreement, strengths, gaps, actions.")
        # the cycle's state on a line of its own, its actions in rows that fit a 1100-pixel window
        cycle_bar = QVBoxLayout()
        cycle_bar.addWidget(self.cycle_label)
        cycle_buttons = QGridLayout()
        for index, button in enumerate((self.open_button, self.redraw_button, self.assign_button, self.verify_button,
                                        self.reassign_button, self.close_button, self.brief_button)):
            cycle_buttons.addWidget(button, index // CYCLE_BUTTON_COLUMNS, index % CYCLE_BUTTON_COLUMNS)
        cycle_bar.addLayout(cycle_buttons)
        now = dt.datetime.now(dt.UTC)
        self.assignments_model: RowTableModel[audits.AssignmentRow] = RowTableModel([
            Column("Quarter", lambda a: a.quarter or "—"),
            Column("Coach", lambda a: a.coach_name),
            Column("Session", lambda a: a.recording_name),
            Column("Reviewer", lambda a: a.reviewer),
            Column("Due", lambda a: a.due_at.astimezone().strftime("%Y-%m-%d"), sort_key=lambda a: a.due_at),
            Column("State", lambda a: a.state + (" · double-scored" if a.double_scored else "")),
            Column("Overdue", lambda a: "overdue" if a.overdue(now) else "",
                   colour=lambda a: "#b3261e" if a.overdue(now) else None),
        ], row_id=lambda a: a.id)
        self.assignments = FilteredTable(self.assignments_model)
        self.chart = CoverageChart()
        assignments_title = QLabel("Review assignments")
        assignments_title.setObjectName("sectionTitle")

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(tiles_holder)
        upper_layout.addWidget(self.detail_title)
        upper_layout.addWidget(self.detail, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(cycle_bar)
        lower_layout.addWidget(self.chart)
        lower_layout.addWidget(assignments_title)
        lower_layout.addWidget(self.assignments, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([330, 470])
        self.splitter.setChildrenCollapsible(False)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.splitter)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.splitter.setMinimumHeight(760)
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(scroll, 1)

        self.open_button.clicked.connect(self.open_cycle_dialog)
        self.assign_button.clicked.connect(self.open_proposal_dialog)
        self.verify_button.clicked.connect(self.verify)
        self.reassign_button.clicked.connect(self.open_reassign_dialog)
        self.brief_button.clicked.connect(self.save_brief)
        self.redraw_button.clicked.connect(self.redraw)
        self.close_button.clicked.connect(self.open_close_dialog)
        add_shortcuts(self, [(QKeySequence("F5"), self.refresh)])
        self.refresh()

    def _tile_columns(self) -> int:
        return max(2, min(TILE_COLUMNS_MAX, (self.width() - 80) // TILE_MIN_WIDTH))

    def _place_tiles(self) -> None:
        columns = self._tile_columns()
        for index, button in enumerate(self.tiles):
            self.tile_grid.removeWidget(button)
            self.tile_grid.addWidget(button, index // columns, index % columns)
        self._placed_columns = columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._tile_columns() != self._placed_columns:
            self._place_tiles()

    @property
    def quarter(self) -> str:
        return self.board.quarter if self.board else dashboard.quarter_containing(dt.date.today()).label

    def refresh(self) -> None:
        db, actor = self._context.database, self._context.actor
        self.board = dashboard.dashboard(db, actor)
        selected = next((t.tile.key for t in self.tiles if t.isChecked()), "coverage")
        for tile in self.tiles:
            self.tile_grid.removeWidget(tile)
            tile.setParent(None)
            tile.deleteLater()
        self.tiles = []
        for tile in self.board.tiles:
            button = TileButton(tile)
            button.clicked.connect(lambda _checked=False, key=tile.key: self.show_tile(key))
            button.show()  # a layout shows a new child only on the next turn of the event loop
            self.tiles.append(button)
        self._place_tiles()
        self.show_tile(selected)
        try:
            cycle = audits.get_cycle(db, actor, self.quarter)
        except NotFoundError:
            cycle = None
        rows = audits.list_assignments(db, actor)
        self.assignments_model.set_rows(rows)
        self.chart.show_cycle(cycle, rows)
        self.assignments.fit_columns()
        has_assignments = any(r.quarter == self.quarter for r in rows)
        if cycle is None:
            self.cycle_label.setText(f"No audit cycle for {self.quarter} yet: open it to draw the sample.")
        else:
            self.cycle_label.setText(
                f"Audit {cycle.quarter} ({cycle.status}): {len(cycle.sample)} of {cycle.frame_size} active coaches "
                f"drawn ({cycle.coverage:.0%}), seed {cycle.seed}"
                + (f", strata {' × '.join(cycle.stratify)}" if cycle.stratify else "") + ".")
        self.open_button.setEnabled(cycle is None)
        self.assign_button.setEnabled(cycle is not None and cycle.status == audits.OPEN and not has_assignments)
        self.verify_button.setEnabled(cycle is not None)
        self.brief_button.setEnabled(cycle is not None)
        is_open = cycle is not None and cycle.status == audits.OPEN
        self.redraw_button.setEnabled(is_open and not has_assignments)
        self.close_button.setEnabled(is_open)
        self.cycle = cycle
        self.reassign_button.setEnabled(bool(rows))

    def show_tile(self, key: str) -> None:
        if self.board is None:
            return
        tile = self.board.tile(key)
        for button in self.tiles:
            button.setChecked(button.tile.key == key)
        note = f"; {tile.note}" if tile.note else ""
        self.detail_title.setText(f"{tile.title}: {tile.value}{note} — the rule: {tile.rule}")
        model: RowTableModel[tuple[str, ...]] = RowTableModel(
            [Column(header, lambda row, i=i: row[i]) for i, header in enumerate(tile.headers)], row_id=hash)
        model.set_rows(list(tile.rows))
        self.detail.source_model = model
        self.detail.proxy.setSourceModel(model)
        self.detail.fit_columns()

    def open_cycle_dialog(self) -> None:
        dialog = CycleDialog(self._context, self)
        dialog.cycle_created.connect(lambda _quarter: self.refresh())
        self.active_dialog = dialog
        dialog.open()

    def open_proposal_dialog(self) -> None:
        dialog = ProposalDialog(self._context, self.quarter, self)
        dialog.assigned.connect(lambda _count: self.refresh())
        self.active_dialog = dialog
        dialog.open()

    def redraw(self) -> None:
        if not confirm(self, "Redraw the sample", f"Draw the {self.quarter} sample again from today's roster with a "
                       "new seed? The previous seed and frame stay in the audit trail.", "Redraw"):
            return
        try:
            audits.redraw_cycle(self._context.database, self._context.actor, self.quarter)
        except SupervisorError as exc:
            show_error(self, "Redraw", str(exc))
            return
        self.refresh()

    def open_close_dialog(self) -> None:
        if self.cycle is None:
            return
        dialog = CloseCycleDialog(self._context, self.cycle, self)
        dialog.closed.connect(lambda _quarter: self.refresh())
        self.active_dialog = dialog
        dialog.open()

    def open_reassign_dialog(self) -> None:
        selected = self.assignments.selected_id()
        row = next((r for r in self.assignments_model.rows() if r.id == selected), None)
        if row is None:
            show_info(self, "Reassign", "Select an assignment in the list first.")
            return
        dialog = ReassignDialog(self._context, row, self)
        dialog.reassigned.connect(lambda _id: self.refresh())
        self.active_dialog = dialog
        dialog.open()

    def verify(self) -> None:
        try:
            result = audits.verify_cycle(self._context.database, self._context.actor, self.quarter)
        except SupervisorError as exc:
            show_error(self, "Verify the draw", str(exc))
            return
        lines = [f"The sample {'matches' if result.sample_matches else 'does NOT match'} a fresh draw from the "
                 "recorded frame and seed.",
                 f"The frame {'matches' if result.frame_matches_fingerprint else 'does NOT match'} its fingerprint."]
        if result.joined:
            lines.append(f"Joined since the draw: {', '.join(result.joined)}.")
        if result.left:
            lines.append(f"No longer active: {', '.join(result.left)}.")
        show_info(self, f"Audit {result.quarter}", "\n".join(lines))

    def save_brief(self) -> None:
        suggested = Path.home() / f"audit-{self.quarter}-outcomes.pdf"
        name, _ = QFileDialog.getSaveFileName(self, "Save the outcomes brief", str(suggested), "PDF (*.pdf)")
        if not name:
            return
        target = Path(name) if name.lower().endswith(".pdf") else Path(name + ".pdf")
        try:
            found = outcomes.write_brief(self._context.database, self._context.actor, self.quarter, target)
        except SupervisorError as exc:
            show_error(self, "Outcomes brief", str(exc))
            return
        show_info(self, "Outcomes brief", f"Saved {target}.\n{found.reviewed} of {found.frame} coaches reviewed "
                                          f"({found.coverage:.0%}); {found.below_standard} session(s) below the "
                                          "standard.")
