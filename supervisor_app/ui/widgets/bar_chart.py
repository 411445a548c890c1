"""A small horizontal bar chart drawn with QPainter: one labelled bar per value, optional reference lines.

Used for agreement per competency, bias per rater and rater drift over rounds; values may be negative.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

ROW = 24
LABEL_WIDTH = 190
VALUE_WIDTH = 64


class BarChart(QWidget):
    def __init__(self, title: str, low: float, high: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.low, self.high = low, high
        self.bars: list[tuple[str, float | None, str]] = []
        self.references: list[tuple[float, str]] = []

    def set_bars(self, bars: Sequence[tuple[str, float | None, str]], references: Sequence[tuple[float, str]] = ()
                 ) -> None:
        """(label, value, colour) per bar; reference lines as (value, label)."""
        self.bars, self.references = list(bars), list(references)
        self.setFixedHeight(ROW * (len(self.bars) + 2) + 8)
        self.update()

    def _x(self, value: float, left: float, width: float) -> float:
        share = (min(max(value, self.low), self.high) - self.low) / (self.high - self.low)
        return left + share * width

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        left, width = LABEL_WIDTH, max(self.width() - LABEL_WIDTH - VALUE_WIDTH - 8, 10)
        painter.setPen(QColor("#111827"))
        painter.drawText(QRectF(4, 2, self.width() - 8, ROW), Qt.AlignmentFlag.AlignVCenter, self.title)
        zero = self._x(0.0, left, width) if self.low < 0 < self.high else left
        for row, (label, value, colour) in enumerate(self.bars):
            top = (row + 1) * ROW + 4
            painter.setPen(QColor("#374151"))
            painter.drawText(QRectF(4, top, LABEL_WIDTH - 8, ROW - 4), Qt.AlignmentFlag.AlignVCenter, label)
            if value is None:
                painter.drawText(QRectF(left, top, width, ROW - 4), Qt.AlignmentFlag.AlignVCenter, "—")
                continue
            end = self._x(value, left, width)
            painter.fillRect(QRectF(min(zero, end), top + 4, max(abs(end - zero), 2), ROW - 12), QColor(colour))
            painter.drawText(QRectF(left + width + 6, top, VALUE_WIDTH, ROW - 4), Qt.AlignmentFlag.AlignVCenter,
                             f"{value:+.2f}" if self.low < 0 else f"{value:.2f}")
        bottom = (len(self.bars) + 1) * ROW + 4
        for value, label in self.references:
            x = self._x(value, left, width)
            painter.setPen(QPen(QColor("#9ca3af"), 1, Qt.PenStyle.DashLine))
            painter.drawLine(int(x), ROW + 4, int(x), bottom)
            painter.setPen(QColor("#6b7280"))
            painter.drawText(QRectF(x - 40, bottom, 80, ROW - 4), Qt.AlignmentFlag.AlignCenter, label)
        painter.end()
