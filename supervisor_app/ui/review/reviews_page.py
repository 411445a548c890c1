"""Reviews: my drafts, my submitted reviews, feedback due and overdue; opens the workspace."""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.roles import Permission
from supervisor_app.errors import SupervisorError
from supervisor_app.services import reviews
from supervisor_app.services.export import ExportScope
from supervisor_app.services.reviews import ReviewSummary
from supervisor_app.ui.audits.audits_page import ExportDialog
from supervisor_app.ui.review.practice_dialogs import ChooseGoldDialog
from supervisor_app.ui.review.review_workspace import ReviewWorkspace
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.labels import page_layout, page_subtitle, page_title
from supervisor_app.ui.widgets.messages import choose, show_error
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel
from supervisor_app.ui.widgets.shortcuts import add_shortcuts

FILTERS = ("My drafts", "My submitted reviews", "Feedback due", "Overdue feedback", "All")


def _when(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"


class ReviewsPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.workspace: ReviewWorkspace | None = None
        self.stack = QStackedWidget()
        listing = QWidget()
        title = page_title("Reviews")
        start_from = ("Start a review from the Library (Review… or Ctrl+R)."
                      if context.actor.can(Permission.VIEW_RECORDINGS) else
                      "Your assigned recordings and calibration rounds appear here: select one and press Open.")
        subtitle = page_subtitle(
            "Score recordings against the rubric; written feedback is due 48 hours after submitting. " + start_from)
        self.filter_combo = QComboBox()
        self.filter_combo.addItems(FILTERS)
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("primaryButton")
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setToolTip("The audit workbook for the selected submitted reviews (Ctrl+E)")
        self.export_button.setVisible(context.actor.can(Permission.READ_ALL_REVIEWS))
        self.export_button.setEnabled(False)
        self.practice_button = QPushButton("Practise…")
        self.practice_button.setToolTip("Score a gold-standard recording blind and compare with the gold (Ctrl+P)")
        self.active_dialog: QDialog | None = None
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.filter_combo)
        bar.addStretch(1)
        bar.addWidget(self.practice_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.open_button)
        now = dt.datetime.now(dt.UTC)
        self.model: RowTableModel[ReviewSummary] = RowTableModel([
            Column("Recording", lambda r: r.recording_name),
            Column("Kind", lambda r: "practice" if r.is_practice else "calibration" if r.round_id else "review"),
            Column("Coach", lambda r: r.coach_name),
            Column("Rater", lambda r: r.rater),
            Column("Status", lambda r: f"{r.status} (v{r.version})"),
            Column("Updated", lambda r: _when(r.updated_at), sort_key=lambda r: r.updated_at.isoformat()),
            Column("Feedback due", lambda r: _when(r.feedback_due_at),
                   colour=lambda r: "#b3261e" if r.feedback_overdue(now) else None),
            Column("Feedback sent", lambda r: _when(r.feedback_sent_at)),
        ], row_id=lambda r: r.id)
        self.table = FilteredTable(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.count_label = QLabel()
        self.count_label.setObjectName("pageFooter")
        layout = page_layout(listing)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.stack.addWidget(listing)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.open_button.clicked.connect(self.open_selected)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._update_export_button())
        self.export_button.clicked.connect(self.export_selected)
        self.practice_button.clicked.connect(self.choose_practice)
        add_shortcuts(listing, [(QKeySequence("Ctrl+E"), self.export_selected),
                                (QKeySequence("Ctrl+P"), self.choose_practice)])
        self.refresh()

    def _exportable(self) -> list[int]:
        chosen = set(self.table.selected_ids())
        return [r.id for r in self.model.rows() if r.id in chosen and r.status == "submitted" and not r.is_practice]

    def _update_export_button(self) -> None:
        ids = self._exportable()
        self.export_button.setEnabled(bool(ids))
        self.export_button.setText(f"Export {len(ids)} to Excel…" if len(ids) > 1 else "Export to Excel…")

    def export_selected(self) -> None:
        ids = self._exportable()
        if not ids or not self._context.actor.can(Permission.READ_ALL_REVIEWS):
            return
        dialog = ExportDialog(self._context, ExportScope(review_ids=tuple(sorted(ids))),
                              f"{len(ids)} selected submitted review{'s' if len(ids) != 1 else ''}", self)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def choose_practice(self) -> None:
        dialog = ChooseGoldDialog(self._context, self)
        dialog.accepted.connect(lambda: dialog.chosen_review_id and self.open_review(dialog.chosen_review_id))
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def refresh(self) -> None:
        rows = reviews.list_reviews(self._context.database, self._context.actor)
        me, now = self._context.actor.display_name, dt.datetime.now(dt.UTC)
        chosen = self.filter_combo.currentText()
        keep = {
            "My drafts": lambda r: r.rater == me and r.status == "draft",
            "My submitted reviews": lambda r: r.rater == me and r.status in ("submitted", "superseded"),
            "Feedback due": lambda r: (r.status == "submitted" and r.feedback_due_at is not None
                                       and r.feedback_sent_at is None),
            "Overdue feedback": lambda r: r.feedback_overdue(now),
            "All": lambda r: True,
        }[chosen]
        shown = [r for r in rows if keep(r)]
        self.model.set_rows(shown)
        self.table.fit_columns()
        self.count_label.setText(f"{len(shown)} review{'s' if len(shown) != 1 else ''}")

    def open_selected(self) -> None:
        review_id = self.table.selected_id()
        if review_id is not None:
            self.open_review(review_id)

    def start_for_recording(self, recording_id: int) -> None:
        """Review… on a recording: the draft if there is one; after a submitted review, ask whether to open it or
        start a new one (a second look) — never a silent second draft."""
        db, actor = self._context.database, self._context.actor
        try:
            mine = reviews.own_reviews_of(db, actor, recording_id)
        except SupervisorError as exc:
            show_error(self, "Review not started", str(exc))
            return
        submitted = next((r for r in mine if r.status == "submitted"), None)
        if submitted is not None and not any(r.status == "draft" for r in mine):
            when = submitted.submitted_at.astimezone().strftime("%Y-%m-%d") if submitted.submitted_at else ""
            choice = choose(self, "Already reviewed",
                            f"You submitted a review of {submitted.recording_name} on {when}. Open it, or start a "
                            "new review of the same recording (to amend the submitted one, open it and choose "
                            "Amend)?", ["Open my review", "Start a new review"])
            if choice is None:
                return
            if choice == 0:
                self.open_review(submitted.id)
                return
        try:
            detail = reviews.start_review(db, actor, recording_id)
        except SupervisorError as exc:
            show_error(self, "Review not started", str(exc))
            return
        self.open_review(detail.id)

    def open_review(self, review_id: int) -> None:
        self.close_workspace()
        try:
            workspace = ReviewWorkspace(self._context, review_id)
        except SupervisorError as exc:
            show_error(self, "Review not opened", str(exc))
            return
        workspace.closed.connect(self.close_workspace)
        workspace.saved.connect(lambda _detail: self.refresh())
        workspace.review_replaced.connect(self.open_review)
        self.workspace = workspace
        self.stack.addWidget(workspace)
        self.stack.setCurrentWidget(workspace)
        workspace.setFocus()

    def close_workspace(self) -> None:
        if self.workspace is None:
            return
        workspace, self.workspace = self.workspace, None
        workspace.save_now()
        workspace.shutdown()
        self.stack.removeWidget(workspace)
        workspace.deleteLater()
        self.stack.setCurrentIndex(0)
        self.refresh()
