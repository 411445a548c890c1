"""The whole recording's waveform from cached peaks: zoom with the wheel, click to seek, drag to select a range.

The playhead and every evidence range are drawn on it: each range as a bar in its competency's colour, one lane
per competency along the top (so overlapping evidence never blends into one colour), the focused competency's
ranges also as a light band over the waveform; hovering a bar names its competency and time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from supervisor_app.core.transcripts import clock
from supervisor_app.media.decoded import PEAK_BLOCK

PALETTE = ("#1a73e8", "#d93025", "#188038", "#e37400", "#9334e6", "#12b5cb", "#b31412", "#5f6368", "#f538a0",
           "#3c4043")


LANE_H = 5.0
LANE_GAP = 1.0


def competency_colour(index: int) -> QColor:
    return QColor(PALETTE[index % len(PALETTE)])


@dataclass(frozen=True)
class Marker:
    """One evidence range: its lane is its competency's place among those that have evidence."""

    start_s: float
    end_s: float
    colour: QColor
    label: str
    lane: int
    focused: bool


class WaveformView(QWidget):
    seek_requested = Signal(float)
    range_selected = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(120)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._peaks = np.zeros((0, 2), dtype=np.int16)
        self._rate = 16_000
        self.duration_s = 0.0
        self.view_start = 0.0
        self.view_length = 0.0
        self.playhead_s = 0.0
        self.selection: tuple[float, float] | None = None
        self.markers: list[Marker] = []
        self._press_s: float | None = None
        self.setMouseTracking(True)

    def set_peaks(self, peaks: np.ndarray, rate: int, duration_s: float) -> None:
        self._peaks, self._rate, self.duration_s = peaks, rate, duration_s
        self.view_start, self.view_length = 0.0, duration_s
        self.update()

    def set_playhead(self, seconds: float) -> None:
        self.playhead_s = seconds
        if self.view_length and not self.view_start <= seconds <= self.view_start + self.view_length:
            self.view_start = max(0.0, min(seconds - self.view_length * 0.1, self.duration_s - self.view_length))
        self.update()

    def set_markers(self, markers: list[Marker]) -> None:
        self.markers = markers
        self.update()

    def _marker_rect(self, marker: Marker) -> QRectF:
        left = self._x_of(marker.start_s)
        return QRectF(left, 2 + marker.lane * (LANE_H + LANE_GAP), max(self._x_of(marker.end_s) - left, 3), LANE_H)

    def markers_at(self, x: float, y: float) -> list[Marker]:
        return [m for m in self.markers if self._marker_rect(m).adjusted(-2, -1, 2, 1).contains(QPointF(x, y))]

    def zoom(self, factor: float, anchor_s: float | None = None) -> None:
        if not self.duration_s:
            return
        anchor = self.playhead_s if anchor_s is None else anchor_s
        length = min(max(self.view_length * factor, 2.0), self.duration_s)
        share = (anchor - self.view_start) / self.view_length if self.view_length else 0.5
        self.view_start = min(max(anchor - share * length, 0.0), self.duration_s - length)
        self.view_length = length
        self.update()

    def _x_of(self, seconds: float) -> float:
        return (seconds - self.view_start) / self.view_length * self.width() if self.view_length else 0.0

    def _seconds_at(self, x: float) -> float:
        return min(max(self.view_start + x / max(self.width(), 1) * self.view_length, 0.0), self.duration_s)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        height, middle = self.height(), self.height() / 2
        for marker in self.markers:
            if marker.focused:
                faded = QColor(marker.colour)
                faded.setAlpha(45)
                painter.fillRect(QRectF(self._x_of(marker.start_s), 0,
                                        max(self._x_of(marker.end_s) - self._x_of(marker.start_s), 2), height), faded)
        if self.selection is not None:
            start, end = self.selection
            painter.fillRect(QRectF(self._x_of(start), 0, self._x_of(end) - self._x_of(start), height),
                             QColor(11, 87, 208, 50))
        if len(self._peaks) and self.view_length:
            width = max(self.width(), 1)
            per_block = PEAK_BLOCK / self._rate
            first = int(self.view_start / per_block)
            last = max(int((self.view_start + self.view_length) / per_block), first + 1)
            window = self._peaks[first:last]
            if len(window):
                starts = np.minimum(np.linspace(0, len(window), width, endpoint=False).astype(int), len(window) - 1)
                highs = np.maximum.reduceat(window[:, 1], starts)
                lows = np.minimum.reduceat(window[:, 0], starts)
                scale = middle / 32768 * 0.95
                painter.setPen(QPen(QColor("#5f6b7a"), 1))
                painter.drawLines([QLineF(x, middle - float(h) * scale, x, middle - float(lo) * scale)
                                   for x, (h, lo) in enumerate(zip(highs, lows, strict=True))])
        for marker in self.markers:
            painter.fillRect(self._marker_rect(marker), marker.colour)
        painter.setPen(QPen(QColor("#d93025"), 2))
        x = self._x_of(self.playhead_s)
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press_s = self._seconds_at(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press_s is None:
            under = self.markers_at(event.position().x(), event.position().y())
            if under:
                QToolTip.showText(event.globalPosition().toPoint(), "\n".join(
                    f"{m.label} · {clock(m.start_s)}–{clock(m.end_s)}" for m in under), self)
            else:
                QToolTip.hideText()
            return
        if self._press_s is not None:
            now = self._seconds_at(event.position().x())
            self.selection = (min(self._press_s, now), max(self._press_s, now))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press_s is None:
            return
        released = self._seconds_at(event.position().x())
        start, end = sorted((self._press_s, released))
        self._press_s = None
        if end - start >= 0.2:
            self.selection = (start, end)
            self.range_selected.emit(start, end)
        else:
            self.selection = None
            self.seek_requested.emit(released)
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom(0.8 if event.angleDelta().y() > 0 else 1.25, self._seconds_at(event.position().x()))
