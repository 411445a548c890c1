"""The pyqtgraph charts draw what they are given: negative bars left of zero, intervals as error bars, gaps for a
rater who sat a round out, a message when there is nothing, and tooltips in words."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pytestqt.qtbot import QtBot

from supervisor_app.ui.widgets.charts import Bar, BarChart, LineChart, Series


def _items(chart: BarChart | LineChart, kind: type) -> list:  # type: ignore[type-arg]
    return [item for item in chart.plot.getPlotItem().items if isinstance(item, kind)]


def test_bars_with_intervals_negatives_and_undefined(qtbot: QtBot) -> None:
    chart = BarChart("Agreement", "agreement", 0.0, 1.0, empty_text="Nothing yet.")
    qtbot.addWidget(chart)
    chart.set_bars([Bar("Pooled", 0.62, interval=(0.41, 0.80), tip="Pooled: ICC(2,1) 0.62"),
                    Bar("Listens actively", -0.2, interval=(-0.6, 0.3)), Bar("Gate", None)],
                   references=[(0.75, "0.75 good")])
    bars = _items(chart, pg.BarGraphItem)[0].opts
    assert list(bars["width"]) == [0.62, -0.2]  # 'Gate' has no bar
    errors = _items(chart, pg.ErrorBarItem)[0].opts
    assert np.allclose(errors["left"], [0.21, 0.4])
    assert np.allclose(errors["right"], [0.18, 0.5])
    assert chart.plot.getViewBox().viewRange()[0][0] < -0.6  # the whole interval left of zero is in view
    texts = [item.toPlainText() for item in _items(chart, pg.TextItem)]
    assert texts == ["0.62", "-0.20", "not defined"]
    assert chart.tip_at(0.3, 0.1) == "Pooled: ICC(2,1) 0.62"
    assert chart.tip_at(0.3, -2.2) == "Gate: not defined"
    assert chart.tip_at(0.3, -5.0) == ""
    assert [label for _pos, label in chart.plot.getAxis("left")._tickLevels[0]] == ["Pooled", "Listens actively",
                                                                                   "Gate"]
    chart.set_bars([])
    assert not _items(chart, pg.BarGraphItem)
    assert [item.toPlainText() for item in _items(chart, pg.TextItem)] == ["Nothing yet."]


def test_lines_align_on_categories_with_gaps(qtbot: QtBot) -> None:
    chart = LineChart("Drift", "round", "points", empty_text="No rounds yet.")
    qtbot.addWidget(chart)
    chart.value_format = "{:+.2f}"
    chart.set_lines(["May", "August", "November"],
                    [Series("Aisha", (0.2, None, 0.9), "#1a73e8"), Series("Tom", (-0.1, -0.4, -0.7), "#d93025")],
                    band=(-0.5, 0.5))
    lines = chart.plot.getPlotItem().listDataItems()
    assert [line.name() for line in lines] == ["Aisha", "Tom"]
    _x, aisha = lines[0].getOriginalDataset()
    assert aisha[0] == 0.2
    assert math.isnan(aisha[1])
    assert aisha[2] == 0.9
    assert chart.plot.getPlotItem().legend.isVisible()
    assert _items(chart, pg.LinearRegionItem)[0].getRegion() == (-0.5, 0.5)
    assert chart.tip_at(1.1, 0.0) == "August\nAisha: —\nTom: -0.40"
    chart.set_lines(["May"], [Series("Aisha", (None,), "#1a73e8")])
    assert not chart.plot.getPlotItem().listDataItems()
    assert [item.toPlainText() for item in _items(chart, pg.TextItem)] == ["No rounds yet."]
