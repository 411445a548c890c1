"""Audits: export the results for HR as an Excel workbook (a revealed round, or the reviews of a period), and
the workbooks exported before (from the audit trail)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from supervisor_app.services import export
from supervisor_app.services.export import ExportScope, PastExport
from supervisor_app.ui.audits.export_panel import ExportPanel
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel
from supervisor_app.ui.widgets.shortcuts import add_shortcuts


class AuditsPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = page_title("Audits")
        subtitle = page_subtitle(
            "Export audit results for HR as an Excel workbook: summary and coverage, scores, agreement "
            "per competency, raters, evidence and the method behind every figure.")
        self._context = context
        self.panel = ExportPanel(context)
        history_title = QLabel("Exported before")
        history_title.setObjectName("sectionTitle")
        self.history_model: RowTableModel[PastExport] = RowTableModel([
            Column("When", lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M"), sort_key=lambda e: e.at.isoformat()),
            Column("By", lambda e: e.by),
            Column("File", lambda e: e.file_name),
            Column("Scope", lambda e: e.scope),
            Column("Content", lambda e: "aggregates only" if e.aggregates_only else "full"),
            Column("SHA-256", lambda e: e.sha256[:16] + "…", tooltip=lambda e: e.sha256),
        ], row_id=lambda e: hash((e.at, e.sha256)))
        self.history = FilteredTable(self.history_model)
        self.history.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(self.panel)
        layout.addWidget(history_title)
        layout.addWidget(self.history, 1)
        self.panel.finished.connect(lambda _result: self.refresh())
        add_shortcuts(self, [(QKeySequence("Ctrl+E"), self.panel.choose_file_and_export)])
        self.refresh()

    def refresh(self) -> None:
        self.history_model.set_rows(export.recent_exports(self._context.database, self._context.actor))
        self.history.fit_columns()


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
