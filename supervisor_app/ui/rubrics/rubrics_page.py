"""Rubrics: every stored version, shown readably; import a new version from a JSON file (or drop one here)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QWidget,
)

from supervisor_app.core.roles import Permission
from supervisor_app.errors import DocumentInvalidError, SupervisorError
from supervisor_app.services import rubric_pdf, rubrics
from supervisor_app.settings import SettingKey
from supervisor_app.ui.rubrics.issues_dialog import IssuesDialog
from supervisor_app.ui.rubrics.rubric_editor import RubricEditor
from supervisor_app.ui.rubrics.rubric_html import rubric_to_html
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.messages import show_error, show_info
from supervisor_app.ui.widgets.shortcuts import add_shortcuts


class RubricsPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.can_import = context.actor.can(Permission.IMPORT_RUBRICS)
        self.active_dialog: IssuesDialog | None = None
        self.setAcceptDrops(self.can_import)

        title = page_title("Rubrics")
        subtitle = page_subtitle(
            "Competency rubrics. Each imported version is kept unchanged; reviews name the exact "
            "version they were scored against." + ("  Drop a .json file here to import it."
            if self.can_import else ""))
        self.import_button = QPushButton("Import rubric…")
        self.import_button.setObjectName("primaryButton")
        self.import_button.setToolTip("Import a rubric JSON file as a new version (Ctrl+I)")
        self.import_button.setVisible(self.can_import)
        self.edit_button = QPushButton("Edit as new version…")
        self.edit_button.setToolTip("Change the selected version in the editor and save it as a new version; the "
                                    "stored one never changes (Ctrl+Shift+E)")
        self.edit_button.setVisible(self.can_import)
        self.export_json_button = QPushButton("Export JSON…")
        self.export_json_button.setToolTip("The selected version as JSON, which Import rubric… reads")
        self.export_pdf_button = QPushButton("Print for coaches…")
        self.export_pdf_button.setToolTip("The selected version as a one-page PDF for coaches")
        self.active_editor: RubricEditor | None = None
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        for button in (self.export_json_button, self.export_pdf_button, self.edit_button, self.import_button):
            header.addWidget(button)

        self.version_list = QListWidget()
        self.version_list.setObjectName("rubricVersionList")
        self.version_list.setMinimumWidth(260)
        self.version_list.setWordWrap(True)
        self.version_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewer = QTextBrowser()
        self.viewer.setObjectName("rubricViewer")
        self.viewer.setOpenExternalLinks(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.version_list)
        splitter.addWidget(self.viewer)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 900])

        layout = page_layout(self)
        layout.addLayout(header)
        layout.addWidget(subtitle)
        layout.addWidget(splitter, 1)

        self.import_button.clicked.connect(self.choose_and_import)
        self.edit_button.clicked.connect(self.edit_selected)
        self.export_json_button.clicked.connect(lambda: self.export_selected("json"))
        self.export_pdf_button.clicked.connect(lambda: self.export_selected("pdf"))
        add_shortcuts(self, [(QKeySequence("Ctrl+Shift+E"), self.edit_selected)])
        self.version_list.currentItemChanged.connect(self.on_version_list_current_item_changed)
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        summaries = rubrics.list_rubrics(self._context.database, self._context.actor)
        self.version_list.clear()
        for summary in summaries:
            item = QListWidgetItem(f"{summary.title}\nv{summary.version} · {summary.competencies} competencies, "
                                   f"{summary.gates} gates")
            item.setData(Qt.ItemDataRole.UserRole, summary.id)
            item.setToolTip(f"{summary.rubric_key}@{summary.version}, imported "
                            f"{summary.imported_at.astimezone():%Y-%m-%d %H:%M}")
            self.version_list.addItem(item)
            if summary.id == select_id:
                self.version_list.setCurrentItem(item)
        if self.version_list.currentItem() is None and self.version_list.count():
            self.version_list.setCurrentRow(self.version_list.count() - 1)
        if not summaries:
            self.viewer.setHtml("<p>No rubric stored yet. Import one with <b>Import rubric…</b>.</p>")

    def selected_id(self) -> int | None:
        current = self.version_list.currentItem()
        return None if current is None else int(current.data(Qt.ItemDataRole.UserRole))

    def on_version_list_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        for button in (self.edit_button, self.export_json_button, self.export_pdf_button):
            button.setEnabled(current is not None)
        if current is None:
            return
        db, actor = self._context.database, self._context.actor
        version_id = int(current.data(Qt.ItemDataRole.UserRole))
        stored = rubrics.stored_version(db, actor, version_id)
        origin = (f"<p class='meta'>Edited from {escape(stored.based_on)}: {escape(stored.change_note)}</p>"
                  if stored.based_on else "")
        self.viewer.setHtml(rubric_to_html(rubrics.get_rubric(db, actor, version_id), origin))

    def edit_selected(self) -> None:
        version_id = self.selected_id()
        if version_id is None or not self.can_import:
            return
        editor = RubricEditor(self._context, version_id, self)
        editor.accepted.connect(lambda: self._edited(editor))
        editor.finished.connect(editor.deleteLater)
        self.active_editor = editor
        editor.open()

    def _edited(self, editor: RubricEditor) -> None:
        if editor.saved_id is None:
            return
        self.refresh(select_id=editor.saved_id)
        show_info(self, "New version saved", "The edited rubric is stored as a new version. Reviews already "
                  "scored keep the version they used; new reviews and rounds can choose this one.")

    def export_selected(self, kind: str) -> None:
        version_id = self.selected_id()
        if version_id is None:
            return
        db, actor = self._context.database, self._context.actor
        summary = next(s for s in rubrics.list_rubrics(db, actor) if s.id == version_id)
        suggested = Path.home() / f"{summary.rubric_key}-{summary.version}.{kind}"
        file_name, _ = QFileDialog.getSaveFileName(
            self, "Export rubric" if kind == "json" else "Print rubric for coaches", str(suggested),
            "Rubric JSON (*.json)" if kind == "json" else "PDF (*.pdf)")
        if file_name:
            self.export_to(version_id, Path(file_name), kind)

    def export_to(self, version_id: int, target: Path, kind: str) -> None:
        db, actor = self._context.database, self._context.actor
        if target.suffix.lower() != f".{kind}":
            target = target.with_name(target.name + f".{kind}")
        try:
            if kind == "json":
                rubrics.export_json(db, actor, version_id, target)
            else:
                rubric_pdf.write_pdf(rubrics.get_rubric(db, actor, version_id), target)
        except SupervisorError as exc:
            show_error(self, "Rubric not exported", str(exc))
            return
        show_info(self, "Rubric exported", f"Saved {target.name} in {target.parent}.")

    def show_competency(self, competency_id: str) -> None:
        """Scroll the shown version to a competency's anchors (the reveal screen links here)."""
        self.viewer.scrollToAnchor(competency_id)

    def choose_and_import(self) -> None:
        if not self.can_import:
            return
        start = str(self._context.settings.get(SettingKey.LAST_IMPORT_FOLDER) or Path.home())
        file_name, _ = QFileDialog.getOpenFileName(self, "Import rubric", start, "Rubric JSON (*.json);;All files (*)")
        if file_name:
            self.import_file(Path(file_name))

    def import_file(self, path: Path) -> None:
        self._context.settings.set(SettingKey.LAST_IMPORT_FOLDER, str(path.parent))
        try:
            result = rubrics.import_rubric(self._context.database, self._context.actor, path)
        except DocumentInvalidError as exc:
            self.active_dialog = IssuesDialog(exc, self)
            self.active_dialog.open()
            return
        except SupervisorError as exc:
            show_error(self, "Rubric not imported", str(exc))
            return
        self.refresh(select_id=result.rubric.id)
        show_info(self, "Rubric imported" if result.created else "Already imported", result.message)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if self.can_import and len(urls) == 1 and urls[0].toLocalFile().lower().endswith(".json"):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.import_file(Path(event.mimeData().urls()[0].toLocalFile()))
        event.acceptProposedAction()
