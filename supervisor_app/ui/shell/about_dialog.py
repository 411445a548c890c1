"""About: what this is, and the versions of every part (for bug reports)."""

from __future__ import annotations

from html import escape

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from supervisor_app import APP_NAME
from supervisor_app.services import system
from supervisor_app.store.db import Database


def version_rows(database: Database | None) -> dict[str, str]:
    rows = system.versions(database)
    rows["Qt"] = qVersion()
    rows["PySide6"] = PySide6.__version__
    return rows


class AboutDialog(QDialog):
    def __init__(self, database: Database | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setMinimumWidth(520)
        rows = "".join(f"<tr><td style='color:#5f6670;padding-right:16px'>{escape(k)}</td><td>{escape(v)}</td></tr>"
                       for k, v in version_rows(database).items())
        self.label = QLabel(
            f"<h2>{APP_NAME}</h2><p>Score recorded coaching sessions offline against a competency rubric, "
            "calibrate raters, and run the quarterly audit. Everything stays on this computer.</p>"
            f"<table>{rows}</table>"
        )
        self.label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
