"""An area the app will fill in a later version: it says so plainly instead of pretending."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from supervisor_app.ui.widgets.labels import page_layout


class PlaceholderPage(QWidget):
    def __init__(self, title: str, purpose: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        body = QLabel(f"{purpose}\n\nThis area is not available in this version of Coaching Supervisor yet.")
        body.setObjectName("placeholderText")
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = page_layout(self)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)
