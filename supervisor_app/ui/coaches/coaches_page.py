"""Coaches: the roster of internal coaches, their levels, supervisors and recertification."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QCheckBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from supervisor_app.core.coaches import RecertificationStatus
from supervisor_app.core.roles import Permission
from supervisor_app.errors import SupervisorError
from supervisor_app.services import coaches, stance
from supervisor_app.services.coaches import CoachRow, CoachSaved
from supervisor_app.settings import SettingKey
from supervisor_app.ui.coaches.coach_dialog import CoachDialog
from supervisor_app.ui.coaches.roster_dialog import RosterImportDialog
from supervisor_app.ui.coaches.stance_dialog import StanceDialog
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.messages import confirm, show_error, show_info
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel
from supervisor_app.ui.widgets.shortcuts import add_shortcuts

_RECERT_COLOURS = {RecertificationStatus.OVERDUE: "#b3261e", RecertificationStatus.DUE: "#a15c00"}


def _columns() -> list[Column[CoachRow]]:
    return [
        Column("Name", lambda r: r.name),
        Column("Level", lambda r: r.level.label, sort_key=lambda r: list(type(r.level)).index(r.level)),
        Column("Business unit", lambda r: r.business_unit),
        Column("Supervisor", lambda r: r.supervisor_name),
        Column("Certified", lambda r: r.certified_on.isoformat() if r.certified_on else "—",
               sort_key=lambda r: r.certified_on.isoformat() if r.certified_on else ""),
        Column("Recertification", lambda r: r.recertification.value,
               colour=lambda r: _RECERT_COLOURS.get(r.recertification),
               tooltip=lambda r: "Recertification falls due 12 months after certification, overdue after 18."),
        Column("Employee id", lambda r: r.employee_id or ""),
        Column("Status", lambda r: "active" if r.active else "inactive"),
    ]


ROSTER_SUFFIXES = (".xlsx", ".csv")


class CoachesPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.can_manage = context.actor.can(Permission.MANAGE_COACHES)
        self.setAcceptDrops(self.can_manage)
        self.active_dialog: QDialog | None = None

        title = page_title("Coaches")
        subtitle = page_subtitle(
            "Internal coaches in the program, their supervisors and recertification status."
            + ("  Drop an HRIS export (.xlsx or .csv) here to import the roster." if self.can_manage else ""))

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search name, unit, supervisor…  (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(200)
        self.show_inactive_check = QCheckBox("Show inactive")
        self.show_inactive_check.setChecked(bool(context.settings.get(SettingKey.SHOW_INACTIVE_COACHES)))
        self.add_button = QPushButton("New coach…")
        self.add_button.setObjectName("primaryButton")
        self.add_button.setToolTip("Add a coach (Ctrl+N)")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Edit the selected coach (Enter)")
        self.toggle_button = QPushButton("Deactivate")
        self.roster_button = QPushButton("Import roster…")
        self.roster_button.setToolTip("Add and update coaches from an HRIS export (.xlsx or .csv)")
        for button in (self.add_button, self.edit_button, self.toggle_button, self.roster_button):
            button.setVisible(self.can_manage)
        self.stance_button = QPushButton("Stance…")
        self.stance_button.setToolTip("The selected coach's questions, reflections and advice across their latest "
                                      "transcribed sessions")
        self.stance_button.setVisible(context.actor.can(Permission.READ_ALL_REVIEWS))

        toolbar = QHBoxLayout()
        toolbar.addWidget(self.search_edit, 1)
        toolbar.addWidget(self.show_inactive_check)
        toolbar.addSpacing(12)
        toolbar.addWidget(self.stance_button)
        toolbar.addWidget(self.edit_button)
        toolbar.addWidget(self.toggle_button)
        toolbar.addWidget(self.roster_button)
        toolbar.addWidget(self.add_button)

        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningBanner")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()

        self.model: RowTableModel[CoachRow] = RowTableModel(_columns(), row_id=lambda r: r.id,
                                                            muted=lambda r: not r.active)
        self.table = FilteredTable(self.model)
        self.count_label = QLabel()
        self.count_label.setObjectName("pageFooter")

        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(toolbar)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self.search_edit.textChanged.connect(self.on_search_edit_text_changed)
        self.show_inactive_check.toggled.connect(self.on_show_inactive_toggled)
        self.add_button.clicked.connect(self.open_new_dialog)
        self.edit_button.clicked.connect(self.open_edit_dialog)
        self.toggle_button.clicked.connect(self.on_toggle_button_clicked)
        self.roster_button.clicked.connect(lambda: self.import_roster())
        self.stance_button.clicked.connect(self.show_stance)
        self.table.doubleClicked.connect(self.open_edit_dialog)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self._add_shortcuts()
        self.refresh()

    def show_stance(self) -> None:
        row_id = self.table.selected_id()
        chosen = next((r for r in self.model.rows() if r.id == row_id), None)
        if chosen is None:
            show_error(self, "Stance over time", "Select a coach first.")
            return
        trend = next((t for t in stance.coach_trends(self._context.database, self._context.actor)
                      if t.coach == chosen.name), None)
        if trend is None:
            show_error(self, "Stance over time", f"{chosen.name} has no transcribed session whose coach the speaker "
                       "labels name yet (Coach, or the coach's name).")
            return
        dialog = StanceDialog(trend, self)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def _add_shortcuts(self) -> None:
        shortcuts = [(QKeySequence.StandardKey.Find, self.search_edit.setFocus)]
        if self.can_manage:
            shortcuts += [(QKeySequence.StandardKey.New, self.open_new_dialog),
                          (QKeySequence(Qt.Key.Key_Return), self.open_edit_dialog)]
        add_shortcuts(self, shortcuts)

    def refresh(self, select_id: int | None = None) -> None:
        include_inactive = self.show_inactive_check.isChecked()
        rows = coaches.list_coaches(self._context.database, self._context.actor, include_inactive=include_inactive)
        self.model.set_rows(rows)
        self.table.fit_columns()
        warnings = coaches.supervision_load_warnings(self._context.database, self._context.actor)
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))
        active = sum(1 for r in rows if r.active)
        self.count_label.setText(f"{active} active coach{'es' if active != 1 else ''}"
                                 + (f", {len(rows) - active} inactive" if include_inactive else ""))
        if select_id is not None:
            self.table.select_id(select_id)
        self.on_table_selection_changed()

    def selected_row(self) -> CoachRow | None:
        coach_id = self.table.selected_id()
        if coach_id is None:
            return None
        row = self.model.row_for_id(coach_id)
        return None if row is None else self.model.row_at(row)

    def on_search_edit_text_changed(self, text: str) -> None:
        self.table.set_filter_text(text)

    def on_show_inactive_toggled(self, checked: bool) -> None:
        self._context.settings.set(SettingKey.SHOW_INACTIVE_COACHES, checked)
        self.refresh()

    def on_table_selection_changed(self, *_args: object) -> None:
        row = self.selected_row()
        self.edit_button.setEnabled(row is not None)
        self.toggle_button.setEnabled(row is not None)
        self.toggle_button.setText("Reactivate" if row is not None and not row.active else "Deactivate")

    def open_new_dialog(self) -> None:
        self._open_dialog(None)

    def open_edit_dialog(self) -> None:
        row = self.selected_row()
        if row is not None and self.can_manage:
            self._open_dialog(row)

    def _open_dialog(self, row: CoachRow | None) -> None:
        dialog = CoachDialog(self._context, row, self)
        dialog.coach_saved.connect(self.on_dialog_coach_saved)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def on_dialog_coach_saved(self, saved: CoachSaved) -> None:
        self.active_dialog = None
        self.refresh(select_id=saved.coach.id)
        window = self.window()
        if hasattr(window, "show_status"):
            window.show_status(f"Saved {saved.coach.name}.")

    def import_roster(self, path: Path | None = None) -> None:
        if path is None:
            folder = self._context.settings.get(SettingKey.LAST_IMPORT_FOLDER)
            start = folder if isinstance(folder, str) else str(Path.home())
            name, _ = QFileDialog.getOpenFileName(self, "Import roster", start,
                                                  "HRIS export (*.xlsx *.csv);;All files (*)")
            if not name:
                return
            path = Path(name)
        try:
            dialog = RosterImportDialog(self._context, path, self)
        except SupervisorError as exc:
            show_error(self, "Roster not read", str(exc))
            return
        dialog.imported.connect(self.on_roster_imported)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if self.can_manage and len(urls) == 1 and urls[0].toLocalFile().lower().endswith(ROSTER_SUFFIXES):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.import_roster(Path(event.mimeData().urls()[0].toLocalFile()))
        event.acceptProposedAction()

    def on_roster_imported(self, counts: dict[str, int]) -> None:
        self.refresh()
        show_info(self, "Roster imported", f"{counts['created']} coaches added, {counts['updated']} updated, "
                                           f"{counts['unchanged']} unchanged, {counts['skipped']} rows skipped.")

    def on_toggle_button_clicked(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        if row.active and not confirm(self, "Deactivate coach",
                                      f"Deactivate {row.name}? They leave the active roster and audit sampling; "
                                      "their history is kept and you can reactivate them at any time.",
                                      "Deactivate"):
            return
        try:
            coaches.set_coach_active(self._context.database, self._context.actor, row.id, not row.active)
        except SupervisorError as exc:
            show_error(self, "Coach not changed", str(exc))
            return
        self.refresh(select_id=row.id)
