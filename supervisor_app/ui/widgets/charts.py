"""Charts on pyqtgraph with labelled axes, legends, reference lines or bands and tooltips.

`BarChart` draws one horizontal bar per label from zero (negative values to the left), optionally with its
confidence interval as error bars; `LineChart` draws one line per series over ordered categories (rounds,
sessions), gaps where a series has no value. Each keeps what it draws (`bars`, `categories`, `series`) so tests
can assert what the user sees, and answers `tip_at(x, y)` with the tooltip for a point of the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

INK = "#374151"
FAINT = "#6b7280"
BAND = (26, 115, 232, 28)
LINE_COLOURS = ("#1a73e8", "#d93025", "#188038", "#e37400", "#9334e6", "#007b83", "#b06000", "#c5221f")
ROW_HEIGHT = 26


def _short(label: str, limit: int = 28) -> str:
    """A category label that fits under its point (the tooltip has it in full)."""
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def styled_plot(title: str, x_label: str = "", y_label: str = "") -> pg.PlotWidget:
    """A white plot with dark axes and labels, a faint grid, no mouse zoom and no 'A' button."""
    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color=INK, size="10pt")
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(INK)
        axis.setTextPen(INK)
    if x_label:
        plot.setLabel("bottom", x_label, color=INK)
    if y_label:
        plot.setLabel("left", y_label, color=INK)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.2)
    return plot


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    colour: str = LINE_COLOURS[0]
    interval: tuple[float, float] | None = None
    tip: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    colour: str


class _Chart(QWidget):
    def __init__(self, title: str, x_label: str, y_label: str, empty_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.plot = styled_plot(title, x_label, y_label)
        self.empty_text = empty_text
        self.references: list[tuple[float, str]] = []
        self.band: tuple[float, float] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.plot.scene().sigMouseMoved.connect(self._hover)

    def _hover(self, position: QPointF) -> None:
        box = self.plot.getViewBox()
        point = box.mapSceneToView(position)
        box.setToolTip(self.tip_at(point.x(), point.y()))

    def tip_at(self, x: float, y: float) -> str:
        raise NotImplementedError

    def _empty(self) -> None:
        self.plot.clear()
        if self.plot.getPlotItem().legend is not None:
            self.plot.getPlotItem().legend.setVisible(False)
        self.plot.getAxis("left").setWidth(None)
        message = pg.TextItem(self.empty_text, color=FAINT, anchor=(0.5, 0.5))
        self.plot.addItem(message)
        message.setPos(0.5, 0.5)
        self.plot.setXRange(0, 1)
        self.plot.setYRange(0, 1)
        self.plot.getAxis("left").setTicks([[]])
        self.plot.getAxis("bottom").setTicks(None)

    def _guides(self, vertical: bool) -> None:
        angle = 90 if vertical else 0
        if self.band is not None:
            region = pg.LinearRegionItem(values=self.band, orientation="vertical" if vertical else "horizontal",
                                         brush=pg.mkBrush(*BAND), pen=pg.mkPen(None), movable=False)
            region.setZValue(-10)
            self.plot.addItem(region)
        for value, label in self.references:
            line = pg.InfiniteLine(pos=value, angle=angle, pen=pg.mkPen(FAINT, width=1, style=Qt.PenStyle.DashLine),
                                   label=label, labelOpts={"position": 0.99 if vertical else 0.02, "color": FAINT,
                                                           "anchors": [(0.5, 0), (0.5, 0)] if vertical
                                                           else [(0, 1), (0, 1)]})
            self.plot.addItem(line)


class BarChart(_Chart):
    """Horizontal bars from zero, top to bottom in the given order; None draws as 'not defined'."""

    def __init__(self, title: str, value_label: str, low: float, high: float, *, empty_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, value_label, "", empty_text, parent)
        self.low, self.high = low, high
        self.bars: list[Bar] = []
        self.set_bars([])

    def set_bars(self, bars: Sequence[Bar], references: Sequence[tuple[float, str]] = (),
                 band: tuple[float, float] | None = None) -> None:
        self.bars, self.references, self.band = list(bars), list(references), band
        self.setMinimumHeight(ROW_HEIGHT * max(len(self.bars), 3) + 110)
        if not self.bars:
            self._empty()
            return
        self.plot.clear()
        rows = [-index for index in range(len(self.bars))]
        drawn = [(row, bar) for row, bar in zip(rows, self.bars, strict=True) if bar.value is not None]
        if drawn:
            self.plot.addItem(pg.BarGraphItem(
                x0=[0.0] * len(drawn), width=[bar.value for _, bar in drawn], y=[row for row, _ in drawn],
                height=0.6, brushes=[bar.colour for _, bar in drawn], pens=[pg.mkPen(None)] * len(drawn)))
        intervals = [(row, bar.value, bar.interval) for row, bar in drawn
                     if bar.interval is not None and bar.value is not None]
        if intervals:
            self.plot.addItem(pg.ErrorBarItem(
                x=np.array([value for _, value, _ in intervals]), y=np.array([row for row, _, _ in intervals]),
                left=np.array([value - interval[0] for _, value, interval in intervals]),
                right=np.array([interval[1] - value for _, value, interval in intervals]),
                beam=0.25, pen=pg.mkPen(INK, width=1.5)))
        low = min([self.low, *(b.value for _, b in drawn if b.value is not None),
                   *(interval[0] for _, _, interval in intervals)])
        high = max([self.high, *(b.value for _, b in drawn if b.value is not None),
                    *(interval[1] for _, _, interval in intervals)])
        for row, bar in zip(rows, self.bars, strict=True):
            text = "not defined" if bar.value is None else (f"{bar.value:+.2f}" if self.low < 0 else
                                                            f"{bar.value:.2f}")
            label = pg.TextItem(text, color=INK if bar.value is not None else FAINT,
                                anchor=(0, 0.5) if (bar.value or 0.0) >= 0 else (1, 0.5))
            self.plot.addItem(label)
            end = bar.interval[1] if bar.interval is not None and (bar.value or 0.0) >= 0 else (
                bar.interval[0] if bar.interval is not None else bar.value or 0.0)
            label.setPos(end, row)
        self.plot.addItem(pg.InfiniteLine(pos=0.0, angle=90, pen=pg.mkPen(INK, width=1)))
        self._guides(vertical=True)
        axis = self.plot.getAxis("left")
        axis.setTicks([[(row, bar.label) for row, bar in zip(rows, self.bars, strict=True)]])
        metrics = QFontMetrics(axis.font() if axis.style["tickFont"] is None else axis.style["tickFont"])
        axis.setWidth(max(metrics.horizontalAdvance(bar.label) for bar in self.bars) + 16)  # labels never cut
        self.plot.getAxis("bottom").setTicks(None)
        span = high - low
        room = 0.2 * span  # for the value written beyond each bar's end
        self.plot.setXRange(low - (room if low < 0 else 0.05 * span), high + room, padding=0)
        headroom = 1.3 if self.references else 0.6  # a strip above the first bar for the lines' labels
        self.plot.setYRange(rows[-1] - 0.6, headroom, padding=0)

    def tip_at(self, x: float, y: float) -> str:
        row = -round(y)
        if not 0 <= row < len(self.bars):
            return ""
        bar = self.bars[row]
        return bar.tip or f"{bar.label}: {'not defined' if bar.value is None else f'{bar.value:.2f}'}"


class LineChart(_Chart):
    """One line per series over the categories in order, with a dot per value and a legend."""

    def __init__(self, title: str, x_label: str, y_label: str, *, empty_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, x_label, y_label, empty_text, parent)
        self.setMinimumHeight(260)
        self.categories: list[str] = []
        self.series: list[Series] = []
        self.value_format = "{:.2f}"
        self.set_lines([], [])

    def set_lines(self, categories: Sequence[str], series: Sequence[Series],
                  references: Sequence[tuple[float, str]] = (), band: tuple[float, float] | None = None,
                  y_range: tuple[float, float] | None = None) -> None:
        self.categories, self.series = list(categories), list(series)
        self.references, self.band = list(references), band
        if not self.categories or not any(v is not None for s in self.series for v in s.values):
            self._empty()
            return
        self.plot.clear()
        legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 220))
        legend.setVisible(len(self.series) > 1)  # one line is named by the chart's title
        positions = list(range(len(self.categories)))
        for line in self.series:
            values = [math.nan if v is None else v for v in line.values]
            self.plot.plot(positions, values, pen=pg.mkPen(line.colour, width=2), symbol="o", symbolSize=8,
                           symbolBrush=line.colour, symbolPen=pg.mkPen("w"), name=line.name, connect="finite")
        self._guides(vertical=False)
        self.plot.getAxis("bottom").setTicks([[(i, _short(c)) for i, c in enumerate(self.categories)]])
        self.plot.getAxis("left").setTicks(None)
        room = 0.25 * len(self.categories) + 0.3 if len(self.series) > 1 else 0.0  # the legend's corner
        self.plot.setXRange(-0.5, len(self.categories) - 0.5 + room, padding=0)
        if y_range is not None:
            found = [v for s in self.series for v in s.values if v is not None]
            self.plot.setYRange(min(y_range[0], *found), max(y_range[1], *found), padding=0.05)

    def tip_at(self, x: float, y: float) -> str:
        index = round(x)
        if not self.categories or not 0 <= index < len(self.categories):
            return ""
        lines = [self.categories[index]]
        for line in self.series:
            value = line.values[index]
            lines.append(f"{line.name}: {'—' if value is None else self.value_format.format(value)}")
        return "\n".join(lines)
