"""Library: recorded sessions, their transcripts and transcription jobs; search across every transcript."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QWidget,
)

from supervisor_app.core.roles import Permission
from supervisor_app.core.transcripts import clock
from supervisor_app.errors import ConflictError, SupervisorError
from supervisor_app.media.audio import SUPPORTED_SUFFIXES
from supervisor_app.services import library, transcription, transcripts
from supervisor_app.services.library import RecordingRow
from supervisor_app.services.transcription import JobRow
from supervisor_app.settings import SettingKey
from supervisor_app.ui.library.consent_dialog import ConsentDialog
from supervisor_app.ui.library.import_dialog import ImportDialog
from supervisor_app.ui.library.jobs_panel import JobsPanel
from supervisor_app.ui.library.recording_dialog import RecordingDialog
from supervisor_app.ui.library.recording_table_model import RecordingTableModel
from supervisor_app.ui.library.subject_dialog import SubjectDialog
from supervisor_app.ui.library.transcript_panel import TranscriptPanel
from supervisor_app.ui.library.transcription_controller import TranscriptionController
from supervisor_app.ui.library.transcription_settings_dialog import TranscriptionSettingsDialog, load_settings
from supervisor_app.ui.program.assign_dialog import AssignDialog
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.messages import confirm, show_error
from supervisor_app.ui.widgets.shortcuts import add_shortcuts

FILE_FILTER = "Recordings (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ");;All files (*)"


class LibraryPage(QWidget):
    review_requested = Signal(int)

    def __init__(self, context: AppContext, controller: TranscriptionController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._controller = controller
        self.can_manage = context.actor.can(Permission.MANAGE_RECORDINGS)
        self.can_transcribe = context.actor.can(Permission.TRANSCRIBE)
        self.active_dialog: QWidget | None = None
        self._transcript_progress: dict[int, tuple[str, float]] = {}
        self.setAcceptDrops(self.can_manage)

        title = page_title("Library")
        subtitle = page_subtitle(
            "Recorded coaching sessions and their offline transcripts."
            + ("  Drop audio or video files here to import them." if self.can_manage else ""))
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by coach, coachee or file…  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search all transcripts…  (Ctrl+Shift+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.import_button = QPushButton("Import…")
        self.import_button.setObjectName("primaryButton")
        self.import_button.setToolTip("Import recordings (Ctrl+O)")
        self.transcribe_button = QPushButton("Transcribe")
        self.transcribe_button.setToolTip("Transcribe the selected recordings offline (Ctrl+T)")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setToolTip("Remove the selected recording and its file (Delete)")
        self.review_button = QPushButton("Review…")
        self.review_button.setToolTip("Score the selected recording against the rubric (Ctrl+R)")
        self.review_button.setVisible(context.actor.can(Permission.REVIEW))
        self.assign_button = QPushButton("Assign…")
        self.assign_button.setToolTip("Assign the selected recording to a reviewer, with a due date")
        self.assign_button.setVisible(context.actor.can(Permission.RUN_AUDITS))
        # consent and subject requests share one button with a menu, so the row fits beside the sidebar at 1100 px
        self.privacy_button = QPushButton("Consent")
        privacy_menu = QMenu(self.privacy_button)
        self.consent_action = privacy_menu.addAction("Consent…")
        self.consent_action.setToolTip("The coachee's consent for the selected recording: record, withdraw, purge")
        self.subject_action = privacy_menu.addAction("Subject request…")
        self.privacy_button.setMenu(privacy_menu)
        self.subject_action.setToolTip("Everything held about the selected recording's coachee or coach, or the "
                                       "coachee's erasure")
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Transcription model and options")
        for button in (self.import_button, self.edit_button, self.remove_button, self.privacy_button):
            button.setVisible(self.can_manage)
        for button in (self.transcribe_button, self.settings_button):
            button.setVisible(self.can_transcribe)
        search_row = QHBoxLayout()  # the boxes on a row of their own: all buttons fit beside nothing at 1100 px
        search_row.addWidget(self.filter_edit, 1)
        search_row.addWidget(self.search_edit, 1)
        toolbar = QHBoxLayout()
        toolbar.addStretch(1)
        for button in (self.settings_button, self.remove_button, self.edit_button, self.privacy_button,
                       self.transcribe_button, self.assign_button, self.review_button, self.import_button):
            toolbar.addWidget(button)

        self.model = RecordingTableModel(context)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 120, 110, 70, 130, 80, 140)):
            self.table.setColumnWidth(column, width)

        self.hits = QListWidget()
        self.hits.setObjectName("searchHits")
        self.hits.hide()
        self.transcript_panel = TranscriptPanel(context)
        self.jobs_panel = JobsPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.transcript_panel, "Transcript")
        self.tabs.addTab(self.jobs_panel, "Transcription jobs")
        self.upper_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.upper_splitter.addWidget(self.table)
        self.upper_splitter.addWidget(self.hits)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.upper_splitter)
        splitter.addWidget(self.tabs)
        splitter.setSizes([380, 320])
        self.count_label = QLabel()
        self.count_label.setObjectName("pageFooter")

        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(search_row)
        layout.addLayout(toolbar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.count_label)

        self.filter_edit.textChanged.connect(self.on_filter_edit_text_changed)
        self.search_edit.returnPressed.connect(self.run_search)
        self.search_edit.textChanged.connect(lambda text: self.hits.setVisible(bool(text.strip())
                                                                               and self.hits.count() > 0))
        self.hits.itemActivated.connect(self.on_hits_item_activated)
        self.hits.itemClicked.connect(self.on_hits_item_activated)
        self.import_button.clicked.connect(self.choose_files)
        self.transcribe_button.clicked.connect(self.transcribe_selected)
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.settings_button.clicked.connect(self.open_settings)
        self.review_button.clicked.connect(self.review_selected)
        self.assign_button.clicked.connect(self.assign_selected)
        self.consent_action.triggered.connect(self.consent_for_selected)
        self.subject_action.triggered.connect(self.subject_request_for_selected)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.jobs_panel.cancel_requested.connect(self.cancel_job)
        controller.jobs_changed.connect(self.on_controller_jobs_changed)
        self._add_shortcuts()
        self.reload()
        self.on_controller_jobs_changed(controller.jobs)

    def _add_shortcuts(self) -> None:
        shortcuts = [(QKeySequence.StandardKey.Find, self.filter_edit.setFocus),
                     (QKeySequence("Ctrl+Shift+F"), self.search_edit.setFocus)]
        if self.can_manage:
            shortcuts += [(QKeySequence.StandardKey.Open, self.choose_files),
                          (QKeySequence(Qt.Key.Key_Delete), self.remove_selected)]
        if self.can_transcribe:
            shortcuts.append((QKeySequence("Ctrl+T"), self.transcribe_selected))
        if self._context.actor.can(Permission.REVIEW):
            shortcuts.append((QKeySequence("Ctrl+R"), self.review_selected))
        add_shortcuts(self, shortcuts)

    # ------------------------------------------------------------------ list

    def reload(self, select_id: int | None = None) -> None:
        keep = select_id if select_id is not None else self.selected_id()
        self.model.reload()
        count = self.model.rowCount()
        self.count_label.setText(f"{count} recording{'s' if count != 1 else ''}"
                                 + (f" matching “{self.model.search}”" if self.model.search else ""))
        if keep is not None:
            self.select_recording(keep)
        self.on_table_selection_changed()

    def select_recording(self, recording_id: int) -> None:
        row = self.model.row_of(recording_id)
        if row is None:
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                           | QItemSelectionModel.SelectionFlag.Rows)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def selected_rows(self) -> list[RecordingRow]:
        return [self.model.recording(index.row()) for index in self.table.selectionModel().selectedRows()]

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row_id(rows[0].row()) if rows else None

    def on_filter_edit_text_changed(self, text: str) -> None:
        self.model.search = text.strip()
        self.reload()

    def on_table_selection_changed(self, *_args: object) -> None:
        rows = self.selected_rows()
        self.edit_button.setEnabled(len(rows) == 1)
        self.remove_button.setEnabled(len(rows) == 1)
        self.transcribe_button.setEnabled(bool(rows))
        self.review_button.setEnabled(len(rows) == 1)
        self.assign_button.setEnabled(len(rows) == 1)
        self.privacy_button.setEnabled(len(rows) == 1)
        if len(rows) == 1:
            self.transcript_panel.show_recording(rows[0].id, rows[0].original_name)
        else:
            self.transcript_panel.show_recording(None)

    # ------------------------------------------------------------------ import

    def choose_files(self) -> None:
        if not self.can_manage:
            return
        start = str(self._context.settings.get(SettingKey.LAST_IMPORT_FOLDER) or Path.home())
        names, _ = QFileDialog.getOpenFileNames(self, "Import recordings", start, FILE_FILTER)
        if names:
            self.import_files([Path(n) for n in names])

    def import_files(self, files: list[Path]) -> None:
        self._context.settings.set(SettingKey.LAST_IMPORT_FOLDER, str(files[0].parent))
        dialog = ImportDialog(self._context, files, self)
        dialog.recording_imported.connect(lambda recording_id: self.reload(select_id=recording_id))
        self._open(dialog)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.can_manage and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.import_files(files)

    # ------------------------------------------------------------------ actions

    def _selected_for_dialog(self) -> RecordingRow | None:
        rows = self.selected_rows()
        return rows[0] if len(rows) == 1 and self.can_manage else None

    def _open(self, dialog: QDialog) -> None:
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def consent_for_selected(self) -> None:
        if (row := self._selected_for_dialog()) is not None:
            dialog = ConsentDialog(self._context, row, self)
            dialog.changed.connect(lambda: self.reload(select_id=row.id))
            self._open(dialog)

    def subject_request_for_selected(self) -> None:
        if (row := self._selected_for_dialog()) is not None:
            dialog = SubjectDialog(self._context, row, self)
            dialog.finished.connect(lambda _result: self.reload(select_id=row.id))
            self._open(dialog)

    def edit_selected(self) -> None:
        if (row := self._selected_for_dialog()) is not None:
            dialog = RecordingDialog(self._context, row, self)
            dialog.recording_saved.connect(lambda saved: self.reload(select_id=saved.id))
            self._open(dialog)

    def remove_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 1 or not self.can_manage:
            return
        row = rows[0]
        if not confirm(self, "Remove recording",
                       f"Remove {row.original_name} ({row.coach_name}, {clock(row.duration_s)})? The file, its "
                       "transcript and its jobs are deleted from this computer's library. This cannot be undone.",
                       "Remove"):
            return
        try:
            library.remove_recording(self._context.database, self._context.actor, self._context.paths, row.id)
        except SupervisorError as exc:
            show_error(self, "Not removed", str(exc))
            return
        self.reload()

    def transcribe_selected(self) -> None:
        rows = self.selected_rows()
        if not rows or not self.can_transcribe:
            return
        settings = load_settings(self._context.settings)
        db, actor = self._context.database, self._context.actor
        try:
            created = transcription.enqueue(db, actor, [r.id for r in rows], settings)
        except ConflictError as exc:
            if not confirm(self, "Replace transcript", f"{exc}\n\nReplace it with a new transcription?", "Replace"):
                return
            try:
                created = transcription.enqueue(db, actor, [r.id for r in rows], settings, replace=True)
            except SupervisorError as again:
                show_error(self, "Not queued", str(again))
                return
        except SupervisorError as exc:
            show_error(self, "Not queued", str(exc))
            return
        self.model.refresh_rows([r.id for r in rows])
        self.tabs.setCurrentWidget(self.jobs_panel)
        window = self.window()
        if hasattr(window, "show_status"):
            window.show_status(f"{len(created)} transcription job(s) queued.")
        self._controller.on_timer_timeout()

    def assign_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 1:
            return
        dialog = AssignDialog(self._context, rows[0], self)
        dialog.assigned.connect(lambda _id: self._show_status("Assigned for review."))
        self.active_dialog = dialog
        dialog.open()

    def _show_status(self, text: str) -> None:
        window = self.window()
        if hasattr(window, "show_status"):
            window.show_status(text)

    def review_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) == 1:
            self.review_requested.emit(rows[0].id)

    def cancel_job(self, job_id: int) -> None:
        try:
            transcription.cancel(self._context.database, self._context.actor, job_id)
        except SupervisorError as exc:
            show_error(self, "Not cancelled", str(exc))
            return
        self._controller.on_timer_timeout()

    def open_settings(self) -> None:
        self._open(TranscriptionSettingsDialog(self._context.settings, self))

    # ------------------------------------------------------------------ live updates

    def on_controller_jobs_changed(self, jobs: list[JobRow]) -> None:
        self.jobs_panel.show_jobs(jobs)
        active = sum(1 for j in jobs if j.status in ("queued", "running", "cancelling"))
        self.tabs.setTabText(1, f"Transcription jobs ({active})" if active else "Transcription jobs")
        progress = {j.recording_id: (j.status, j.progress_s) for j in jobs}
        moved = [rid for rid, value in progress.items() if self._transcript_progress.get(rid) != value]
        self._transcript_progress = progress
        cached = set(self.model.cached_ids())
        if moved:
            self.model.refresh_rows([rid for rid in moved if rid in cached])
            selected = self.selected_id()
            if selected in moved and self._transcript_grew(selected, progress[selected][0]):
                row = self.model.recording(self.model.row_of(selected) or 0)
                self.transcript_panel.show_recording(selected, row.original_name)

    def _transcript_grew(self, recording_id: int, status: str) -> bool:
        """Re-read the transcript only when its job ended or new segments arrived (not on every progress tick)."""
        if status != "running":
            return True
        count = transcripts.segment_count(self._context.database, self._context.actor, recording_id)
        return count != self.transcript_panel.model.rowCount()

    # ------------------------------------------------------------------ search

    def run_search(self) -> None:
        query = self.search_edit.text().strip()
        self.hits.clear()
        if not query:
            self.hits.hide()
            return
        hits = transcripts.search(self._context.database, self._context.actor, query)
        for hit in hits:
            item = QListWidgetItem(f"{hit.coach_name} · {hit.recording_name} · {clock(hit.start_s)}\n"
                                   f"{hit.speaker + ': ' if hit.speaker else ''}{hit.text}")
            item.setData(Qt.ItemDataRole.UserRole, (hit.recording_id, hit.segment_id))
            item.setToolTip(hit.text)
            self.hits.addItem(item)
        if not hits:
            self.hits.addItem(f"No transcript contains “{query}”.")
        self.hits.show()
        width = self.upper_splitter.width()
        self.upper_splitter.setSizes([width - width // 3, width // 3])

    def on_hits_item_activated(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if not target:
            return
        recording_id, segment_id = target
        if self.model.row_of(recording_id) is None:
            self.filter_edit.clear()
        self.select_recording(recording_id)
        self.tabs.setCurrentWidget(self.transcript_panel)
        self.transcript_panel.highlight_segment(segment_id)
