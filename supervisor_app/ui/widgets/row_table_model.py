"""One QAbstractTableModel for lists of plain row objects, described by column specs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

RowT = TypeVar("RowT")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column(Generic[RowT]):
    header: str
    text: Callable[[RowT], str]
    sort_key: Callable[[RowT], Any] | None = None
    tooltip: Callable[[RowT], str] | None = None
    colour: Callable[[RowT], str | None] | None = None
    align_right: bool = False


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """Rows are replaced wholesale by `set_rows` after a service call (one change signal, no partial state)."""

    def __init__(self, columns: Sequence[Column[RowT]], row_id: Callable[[RowT], int],
                 muted: Callable[[RowT], bool] | None = None) -> None:
        super().__init__()
        self._columns = list(columns)
        self._rows: list[RowT] = []
        self._row_id = row_id
        self._muted = muted

    def set_rows(self, rows: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> RowT:
        return self._rows[row]

    def rows(self) -> list[RowT]:
        return list(self._rows)

    def row_for_id(self, row_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if self._row_id(r) == row_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == SORT_ROLE:
            return column.sort_key(row) if column.sort_key else column.text(row).lower()
        if role == ROW_ID_ROLE:
            return self._row_id(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.colour and (colour := column.colour(row)):
                return QBrush(QColor(colour))
            if self._muted and self._muted(row):
                return QBrush(QColor("#8a8f98"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
