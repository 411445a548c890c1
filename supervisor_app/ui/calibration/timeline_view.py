"""Which moments each rater cited for one competency: one lane per rater across the recording."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from supervisor_app.core.transcripts import clock
from supervisor_app.services.calibration import CitedMoment
from supervisor_app.ui.review.waveform_view import competency_colour

LANE = 26
LABEL_WIDTH = 130


class TimelineView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration_s = 0.0
        self.lanes: dict[str, list[CitedMoment]] = {}
        self.setMinimumHeight(LANE * 2)

    def set_moments(self, duration_s: float, raters: list[str], moments: list[CitedMoment]) -> None:
        self.duration_s = duration_s
        self.lanes = {rater: [m for m in moments if m.rater == rater] for rater in raters}
        self.setFixedHeight(LANE * (len(raters) + 1) + 8)
        for moment in moments:
            self.setToolTip((self.toolTip() + "\n" if self.toolTip() else "")
                            + f"{moment.rater} {clock(moment.start_s)}: “{moment.quote}”")
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        width = max(self.width() - LABEL_WIDTH - 10, 1)
        for lane, (rater, moments) in enumerate(self.lanes.items()):
            top = lane * LANE + 4
            painter.setPen(QColor("#374151"))
            painter.drawText(QRectF(4, top, LABEL_WIDTH - 8, LANE - 6), Qt.AlignmentFlag.AlignVCenter, rater)
            painter.fillRect(QRectF(LABEL_WIDTH, top + LANE / 2 - 1, width, 2), QColor("#e5e7eb"))
            for moment in moments:
                if not self.duration_s:
                    continue
                x = LABEL_WIDTH + moment.start_s / self.duration_s * width
                span = max((moment.end_s - moment.start_s) / self.duration_s * width, 3)
                painter.fillRect(QRectF(x, top + 3, span, LANE - 12), competency_colour(lane))
        painter.setPen(QColor("#6b7280"))
        bottom = len(self.lanes) * LANE + 4
        painter.drawText(QRectF(LABEL_WIDTH, bottom, width, LANE - 6), Qt.AlignmentFlag.AlignLeft, "0:00:00")
        painter.drawText(QRectF(LABEL_WIDTH, bottom, width, LANE - 6), Qt.AlignmentFlag.AlignRight,
                         clock(self.duration_s))
        painter.end()
