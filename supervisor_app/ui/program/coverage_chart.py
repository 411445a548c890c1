"""The quarter's audit at a glance: coaches drawn, assigned and reviewed against the 20 % the program needs, and
the reviews each reviewer carries (pyqtgraph: axes, labels, the target as a line)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from supervisor_app.services import audits
from supervisor_app.ui.widgets.charts import styled_plot

BAR = "#0b57d0"
TARGET = "#b3261e"


class CoverageChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.coverage = styled_plot("Audit coverage (coaches)", y_label="coaches")
        self.loads = styled_plot("Reviews per reviewer", y_label="reviews")
        for plot in (self.coverage, self.loads):
            plot.setMinimumHeight(180)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.coverage, 1)
        layout.addWidget(self.loads, 1)
        self.values: dict[str, float] = {}
        self.target = 0.0
        self.per_reviewer: dict[str, int] = {}

    def show_cycle(self, cycle: audits.CycleView | None, rows: list[audits.AssignmentRow]) -> None:
        self.coverage.clear()
        self.loads.clear()
        if cycle is None:
            self.values, self.target, self.per_reviewer = {}, 0.0, {}
            return
        drawn = len(cycle.sample)
        assigned = sum(bool(c.reviews) for c in cycle.sample)
        reviewed = sum(any(s == audits.SUBMITTED for _, s in c.reviews) for c in cycle.sample)
        self.values = {"active": float(cycle.frame_size), "drawn": float(drawn), "assigned": float(assigned),
                       "reviewed": float(reviewed)}
        self.target = 0.2 * cycle.frame_size
        names = list(self.values)
        self.coverage.addItem(pg.BarGraphItem(x=list(range(len(names))), height=list(self.values.values()), width=0.6,
                                              brush=BAR))
        self.coverage.getAxis("bottom").setTicks([list(enumerate(names))])
        dashed = pg.mkPen(TARGET, width=2, style=Qt.PenStyle.DashLine)
        line = pg.InfiniteLine(pos=self.target, angle=0, pen=dashed, label="20 % target",
                               labelOpts={"position": 0.85, "color": TARGET})
        self.coverage.addItem(line)
        per_reviewer: dict[str, int] = {}
        for row in rows:
            if row.quarter == cycle.quarter:
                per_reviewer[row.reviewer] = per_reviewer.get(row.reviewer, 0) + 1
        reviewers = sorted(per_reviewer)
        self.loads.addItem(pg.BarGraphItem(x=list(range(len(reviewers))), height=[per_reviewer[r] for r in reviewers],
                                           width=0.6, brush="#146c2e"))
        self.loads.getAxis("bottom").setTicks([[(i, name.split()[0]) for i, name in enumerate(reviewers)]])
        self.per_reviewer = per_reviewer
