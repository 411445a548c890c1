"""Lists every problem found in a file, each with its JSON path, so the author can fix them all at once."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from supervisor_app.errors import DocumentInvalidError


class IssuesDialog(QDialog):
    def __init__(self, error: DocumentInvalidError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rubric not imported")
        self.setMinimumSize(720, 380)
        count = len(error.issues)
        heading = QLabel(f"<b>{error.what} is not valid</b> — {count} problem{'s' if count != 1 else ''}. "
                         "Nothing was imported. Fix the file and import it again.")
        heading.setWordWrap(True)
        self.issue_list = QListWidget()
        self.issue_list.setObjectName("issueList")
        self.issue_list.setWordWrap(True)
        for issue in error.issues:
            self.issue_list.addItem(f"{issue.path}\n      {issue.message}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy list")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(
            "\n".join(str(issue) for issue in error.issues)))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.issue_list, 1)
        layout.addWidget(buttons)
