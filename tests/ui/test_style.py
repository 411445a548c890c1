"""The application style, looked at in pixels where a rule once hid something."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot


def test_a_combo_popup_shows_its_current_item(qtbot: QtBot) -> None:
    """Issue 16, point 9: the current item of an open combo box was drawn blank (white on white)."""
    combo = QComboBox()
    combo.addItems(["Calibration round", "Reviews submitted", "Audit cycle"])
    combo.setCurrentIndex(1)
    qtbot.addWidget(combo)
    combo.resize(380, 30)
    combo.show()
    combo.showPopup()
    QApplication.processEvents()
    view = combo.view()
    image = view.window().grab().toImage()
    rect = view.visualRect(combo.model().index(1, 0)).translated(view.mapTo(view.window(), view.rect().topLeft()))
    columns = range(max(rect.left(), 0), min(rect.right(), image.width()), 2)
    rows = range(max(rect.top(), 0), min(rect.bottom(), image.height()))
    dark = sum(1 for x in columns for y in rows if image.pixelColor(x, y).lightness() < 100)
    assert dark > 20  # the words are there
    combo.hidePopup()
