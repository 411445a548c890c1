"""Export the audit workbook for HR: choose the scope and the options, pick a file, watch it being written.

The same panel serves the Audits page (a round or a date range) and the export dialog that the Reviews and
Calibration screens open with their scope already chosen. The work runs off the GUI thread and can be cancelled;
a cancelled or failed export leaves no file behind (the service writes to a temporary name).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.roles import Permission
from supervisor_app.errors import SupervisorError, ValidationError
from supervisor_app.services import export, program_settings
from supervisor_app.services.export import ExportCancelledError, ExportOptions, ExportResult, ExportScope
from supervisor_app.settings import SettingKey
from supervisor_app.ui import workers
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel
from supervisor_app.ui.widgets.messages import show_error


def quarter_start(today: dt.date) -> dt.date:
    return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


class ExportPanel(QWidget):
    finished = Signal(object)  # ExportResult

    def __init__(self, context: AppContext, fixed_scope: ExportScope | None = None, scope_text: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._fixed_scope = fixed_scope
        self._task: workers.Task | None = None
        self.last_result: ExportResult | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        scope_box = QGroupBox("What to export")
        scope_layout = QFormLayout(scope_box)
        self.round_radio = QRadioButton("Calibration round")
        self.range_radio = QRadioButton("Reviews submitted")
        self.cycle_radio = QRadioButton("Audit cycle")
        self.round_combo = QComboBox()
        self.cycle_combo = QComboBox()
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        today = dt.datetime.now(dt.UTC).date()
        self.start_edit.setDate(QDate(quarter_start(today)))
        self.end_edit.setDate(QDate(today))
        if fixed_scope is None:
            group = QButtonGroup(self)
            group.addButton(self.round_radio)
            group.addButton(self.range_radio)
            group.addButton(self.cycle_radio)
            for quarter in export.exportable_cycles(context.database, context.actor):
                self.cycle_combo.addItem(quarter, quarter)
            for item in export.exportable_rounds(context.database, context.actor):
                self.round_combo.addItem(f"{item.title} ({item.status})", item.id)
            dates = QHBoxLayout()
            dates.addWidget(QLabel("from"))
            dates.addWidget(self.start_edit)
            dates.addWidget(QLabel("to"))
            dates.addWidget(self.end_edit)
            dates.addStretch(1)
            scope_layout.addRow(self.round_radio, self.round_combo)
            scope_layout.addRow(self.range_radio, dates)
            scope_layout.addRow(self.cycle_radio, self.cycle_combo)
            has_cycles = self.cycle_combo.count() > 0
            self.cycle_radio.setEnabled(has_cycles)
            self.cycle_combo.setEnabled(has_cycles)
            if not has_cycles:
                self.cycle_combo.addItem("No audit cycle yet")
            has_rounds = self.round_combo.count() > 0
            self.round_radio.setEnabled(has_rounds)
            self.round_combo.setEnabled(has_rounds)
            if not has_rounds:
                self.round_combo.addItem("No revealed round yet")
            (self.round_radio if has_rounds else self.range_radio).setChecked(True)
        else:
            scope_layout.addRow(QLabel(scope_text))

        options_box = QGroupBox("Options")
        options_layout = QVBoxLayout(options_box)
        self.pseudonyms_check = QCheckBox("Coaches as pseudonyms (the same coach keeps the same pseudonym)")
        self.pseudonyms_check.setChecked(bool(self._remembered().get("pseudonyms", False)))
        self.aggregates_check = QCheckBox("Aggregates only: no rationale, quotes or evidence notes")
        if not context.actor.can(Permission.READ_ALL_REVIEWS):
            self.aggregates_check.setChecked(True)
            self.aggregates_check.setEnabled(False)
            self.aggregates_check.setToolTip("Your role receives aggregates only.")
        options_layout.addWidget(self.pseudonyms_check)
        options_layout.addWidget(self.aggregates_check)

        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setObjectName("primaryButton")
        self.export_button.setToolTip("Choose where to save the workbook (Ctrl+E)")
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.hide()
        self.open_folder_button = QPushButton("Show folder")
        self.open_folder_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.error_label = ErrorLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)

        layout.addWidget(scope_box)
        layout.addWidget(options_box)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)

        self.export_button.clicked.connect(self.choose_file_and_export)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_folder_button.clicked.connect(self.on_open_folder_button_clicked)

    # ------------------------------------------------------------ state

    def scope(self) -> ExportScope:
        if self._fixed_scope is not None:
            return self._fixed_scope
        if self.round_radio.isChecked():
            return ExportScope(round_id=int(self.round_combo.currentData()))
        if self.cycle_radio.isChecked():
            return ExportScope(quarter=str(self.cycle_combo.currentData()))
        return ExportScope(start=self.start_edit.date().toPython(), end=self.end_edit.date().toPython())

    def _default_name(self, scope: ExportScope) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        if scope.round_id is not None:
            return f"audit-round-{scope.round_id}-{stamp}.xlsx"
        if scope.start is not None and scope.end is not None:
            return f"audit-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.xlsx"
        if scope.quarter is not None:
            return f"audit-cycle-{scope.quarter}-{stamp}.xlsx"
        return f"audit-reviews-{stamp}.xlsx"

    def _remembered(self) -> dict[str, object]:
        """The last export's folder and pseudonym choice, from the settings."""
        stored = self._context.settings.get(SettingKey.EXPORT)
        return stored if isinstance(stored, dict) else {}

    @property
    def running(self) -> bool:
        return self._task is not None

    # ------------------------------------------------------------ export

    def choose_file_and_export(self) -> None:
        if self.running:
            return
        self.error_label.hide()
        try:
            scope = self.scope()
            scope.check()
        except ValidationError as exc:
            self.error_label.show_message(str(exc))
            return
        folder = self._remembered().get("folder")
        start = Path(folder) if isinstance(folder, str) and Path(folder).is_dir() else Path.home()
        name, _ = QFileDialog.getSaveFileName(self, "Save the audit workbook", str(start / self._default_name(scope)),
                                              "Excel workbook (*.xlsx)")
        if not name:
            return
        target = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
        self.start_export(scope, target)

    def start_export(self, scope: ExportScope, target: Path) -> None:
        settings = self._context.settings
        db, actor = self._context.database, self._context.actor
        try:
            options = ExportOptions(pseudonyms=self.pseudonyms_check.isChecked(),
                                    aggregates_only=self.aggregates_check.isChecked(),
                                    pseudonym_key=program_settings.pseudonym_key(db, actor),
                                    rule=program_settings.calibration_rule(db))
        except SupervisorError as exc:
            show_error(self, "Export failed", str(exc))
            return
        settings.set(SettingKey.EXPORT, {"folder": str(target.parent), "pseudonyms": options.pseudonyms})

        def run(on_progress: workers.ProgressCallback, cancelled: workers.CancelCheck) -> ExportResult:
            def progress(done: int, total: int) -> bool:
                on_progress(done / total if total else 1.0)
                return not cancelled()
            return export.export_audit(db, actor, scope, target, options, progress)

        task = workers.Task(run)
        task.signals.progressed.connect(lambda fraction: self.progress.setValue(int(fraction * 1000)))
        task.signals.finished.connect(self._on_finished)
        task.signals.failed.connect(self._on_failed)
        self.export_button.setEnabled(False)
        self.cancel_button.show()
        self.open_folder_button.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.status_label.setText(f"Writing {target.name}…")
        self._task = workers.start(task)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status_label.setText("Cancelling…")

    def _done(self) -> None:
        self._task = None
        self.export_button.setEnabled(True)
        self.cancel_button.hide()
        self.progress.hide()

    def _on_finished(self, result: ExportResult) -> None:
        self._done()
        self.last_result = result
        content = "aggregates only" if result.aggregates_only else "full content"
        self.status_label.setText(
            f"Written {result.path} ({content}): {result.reviews} reviews, {result.score_rows} score rows, "
            f"{result.evidence_rows} evidence items. SHA-256 {result.sha256[:16]}… (recorded in the audit trail).")
        self.open_folder_button.show()
        self.finished.emit(result)

    def _on_failed(self, exc: BaseException) -> None:
        self._done()
        if isinstance(exc, ExportCancelledError):
            self.status_label.setText(str(exc))
            return
        self.status_label.clear()
        message = str(exc) if isinstance(exc, SupervisorError) else f"The export failed: {type(exc).__name__}: {exc}"
        self.error_label.show_message(message + " No file was written.")

    def on_open_folder_button_clicked(self) -> None:
        if self.last_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_result.path.parent)))
