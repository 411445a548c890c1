"""The recordings list: ids in the order the database sorts them, rows fetched lazily in blocks.

Sorting and filtering happen in SQL, so ten thousand recordings cost one id query and a few row blocks.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from supervisor_app.core.transcripts import clock
from supervisor_app.services import library
from supervisor_app.services.library import RecordingRow
from supervisor_app.ui.shell.app_context import AppContext

BLOCK = 200
ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = (
    ("Coach", "coach"), ("Coachee", "coachee"), ("Session date", "session_date"), ("Length", "duration"),
    ("Transcript", None), ("Review", None), ("Consent", None), ("File", "name"),
)
_STATUS_COLOURS = {"failed": "#b3261e", "interrupted": "#a15c00", "transcribed": "#146c2e"}


class RecordingTableModel(QAbstractTableModel):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._ids: list[int] = []
        self._cache: dict[int, RecordingRow] = {}
        self.search = ""
        self.sort_key = "session_date"
        self.descending = True

    def reload(self) -> None:
        """Re-run the id query (after a change, a new search or a new sort) and drop the row cache."""
        self.beginResetModel()
        self._ids = library.recording_ids(self._context.database, self._context.actor, search=self.search,
                                          sort=self.sort_key, descending=self.descending)
        self._cache.clear()
        self.endResetModel()

    def refresh_rows(self, ids: list[int]) -> None:
        """Refetch some rows (their transcription status moved) without resetting the view."""
        rows = library.recording_rows(self._context.database, self._context.actor, ids)
        for row in rows:
            self._cache[row.id] = row
        positions = [self._ids.index(r.id) for r in rows if r.id in self._ids]
        if positions:
            self.dataChanged.emit(self.index(min(positions), 0), self.index(max(positions), len(COLUMNS) - 1))

    def row_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, recording_id: int) -> int | None:
        try:
            return self._ids.index(recording_id)
        except ValueError:
            return None

    def recording(self, row: int) -> RecordingRow:
        recording_id = self._ids[row]
        if recording_id not in self._cache:
            start = (row // BLOCK) * BLOCK
            for fetched in library.recording_rows(self._context.database, self._context.actor,
                                                  self._ids[start:start + BLOCK]):
                self._cache[fetched.id] = fetched
        return self._cache[recording_id]

    def cached_ids(self) -> list[int]:
        return list(self._cache)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == ROW_ID_ROLE:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole):
            return None
        row = self.recording(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 4:
                colour = _STATUS_COLOURS.get(row.transcript_status.split()[0])
                return QBrush(QColor(colour)) if colour else None
            if column == 6 and any(word in row.consent_state for word in ("withdrawn", "pending", "expired",
                                                                          "purged")):
                return QBrush(QColor("#b3261e"))
            return QBrush(QColor("#b3261e")) if row.damage_note and column == 7 else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 6:
                return f"Consent: {row.consent_state}"
            return row.damage_note or f"{row.original_name} · {row.codec}, {row.sample_rate} Hz, {row.channels} ch"
        values = (row.coach_name, row.coachee_pseudonym or "—",
                  row.session_date.isoformat() if row.session_date else "—", clock(row.duration_s),
                  row.transcript_status, row.review_status, row.consent_state,
                  ("⚠ " if row.damage_note else "") + row.original_name)
        return values[column]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1]
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()
