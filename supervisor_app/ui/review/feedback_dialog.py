"""Written feedback for the coach: drafted from the tagged evidence, edited here, due 48 hours after submission,
and saved as the PDF document the coach receives (services/feedback_pdf)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.services import feedback_pdf, reviews
from supervisor_app.services.reviews import ReviewDetail
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import ErrorLabel


class FeedbackDialog(QDialog):
    def __init__(self, context: AppContext, detail: ReviewDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.detail = detail
        summary = detail.summary
        self.setWindowTitle(f"Feedback for {summary.coach_name}")
        self.setMinimumSize(640, 520)
        if summary.feedback_due_at is None:
            due = "Due 48 hours after the review is submitted."
        else:
            late = dt.datetime.now(dt.UTC) > summary.feedback_due_at and summary.feedback_sent_at is None
            due = (f"Due {summary.feedback_due_at.astimezone():%Y-%m-%d %H:%M}" + (" — overdue" if late else "")
                   + (f"; sent {summary.feedback_sent_at.astimezone():%Y-%m-%d %H:%M}"
                      if summary.feedback_sent_at else ""))
        self.due_label = QLabel(due)
        text = detail.feedback or reviews.feedback_draft(context.database, context.actor, detail.id)
        self.text_edit = QPlainTextEdit(text)
        self.text_edit.setTabChangesFocus(True)  # Tab goes on to the buttons (the feedback has no use for tabs)
        self.regenerate_button = QPushButton("Draft again from evidence")
        self.pdf_button = QPushButton("Save as PDF…")
        self.sent_button = QPushButton("Mark as sent")
        self.sent_button.setEnabled(summary.status == "submitted" and summary.feedback_sent_at is None)
        self.error_label = ErrorLabel()
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        self.saved_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        for button in (self.regenerate_button, self.pdf_button, self.sent_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.regenerate_button.clicked.connect(lambda: self.text_edit.setPlainText(
            reviews.feedback_draft(context.database, context.actor, detail.id)))
        self.pdf_button.clicked.connect(self.choose_pdf)
        self.sent_button.clicked.connect(lambda: self.save(sent=True))
        layout = QVBoxLayout(self)
        layout.addWidget(self.due_label)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.saved_label)
        layout.addWidget(buttons)

    def save(self, sent: bool = False) -> bool:
        try:
            self.detail = reviews.set_feedback(self._context.database, self._context.actor, self.detail.id,
                                               self.text_edit.toPlainText(), sent=sent)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return False
        if sent:
            self.sent_button.setEnabled(False)
            self.due_label.setText(self.due_label.text() + " — sent")
        return True

    def choose_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save feedback as PDF", str(Path.home() / self.default_file_name()),
                                              "PDF (*.pdf)")
        if name:
            self.save_pdf(Path(name))

    def default_file_name(self) -> str:
        """Named after the coach and the day, as a coach would file it (not after a database id)."""
        summary = self.detail.summary
        coach = re.sub(r"[^A-Za-z0-9]+", "-", summary.coach_name).strip("-") or "coach"
        day = (summary.submitted_at or summary.updated_at).astimezone()
        return f"feedback-{coach}-{day:%Y-%m-%d}.pdf"

    def save_pdf(self, target: Path) -> None:
        """The document of the words on screen, which are saved first (nothing typed is lost to a print)."""
        if not self.save():
            return
        try:
            letter = feedback_pdf.feedback_letter(self._context.database, self._context.actor, self.detail.id,
                                                  self.text_edit.toPlainText())
            feedback_pdf.write_feedback_pdf(letter, target)
        except (OSError, SupervisorError) as exc:
            self.error_label.show_message(f"The PDF could not be written: {exc}")
            return
        self.saved_label.setText(f"Saved as {target}")  # a file is never written silently
        self.saved_label.show()
