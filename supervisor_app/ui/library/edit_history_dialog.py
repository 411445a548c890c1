"""The corrections made to a transcript, oldest first."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.services.transcripts import EditEntry


class EditHistoryDialog(QDialog):
    def __init__(self, entries: list[EditEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Transcript corrections")
        self.setMinimumSize(760, 360)
        heading = QLabel(f"{len(entries)} correction{'s' if len(entries) != 1 else ''}; the recognised words and "
                         "timings are kept, so every change can be traced.")
        heading.setWordWrap(True)
        self.table = QTableWidget(len(entries), 6)
        self.table.setHorizontalHeaderLabels(["When", "Who", "Segment", "Field", "Was", "Now"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        for row, entry in enumerate(entries):
            values = (entry.at.astimezone().strftime("%Y-%m-%d %H:%M"), entry.user, str(entry.segment_index + 1),
                      entry.field, entry.old_value, entry.new_value)
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
