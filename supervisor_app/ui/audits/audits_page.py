"""Audits: export the results for HR as an Excel workbook (a revealed round, or the reviews of a period)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from supervisor_app.services.export import ExportScope
from supervisor_app.ui.audits.export_panel import ExportPanel
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.shortcuts import add_shortcuts


class AuditsPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = page_title("Audits")
        subtitle = page_subtitle(
            "Export audit results for HR as an Excel workbook: summary and coverage, scores, agreement "
            "per competency, raters, evidence and the method behind every figure.")
        self.panel = ExportPanel(context)
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(self.panel)
        layout.addStretch(1)
        add_shortcuts(self, [(QKeySequence("Ctrl+E"), self.panel.choose_file_and_export)])


class ExportDialog(QDialog):
    """The export panel for a scope another screen chose (selected reviews, one round)."""

    def __init__(self, context: AppContext, scope: ExportScope, scope_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export to Excel")
        self.setMinimumWidth(560)
        self.panel = ExportPanel(context, scope, scope_text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(buttons)

    def reject(self) -> None:
        self.panel.cancel()
        super().reject()
