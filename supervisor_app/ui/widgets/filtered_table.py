"""A sortable, searchable table view over a RowTableModel."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from supervisor_app.ui.widgets.row_table_model import ROW_ID_ROLE, SORT_ROLE, RowTableModel


class FilteredTable(QTableView):
    def __init__(self, model: RowTableModel, parent=None) -> None:  # type: ignore[type-arg]
        super().__init__(parent)
        self.source_model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(30)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)

    def set_filter_text(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)

    def selected_id(self) -> int | None:
        indexes = self.selectionModel().selectedRows()
        if not indexes:
            return None
        return int(indexes[0].data(ROW_ID_ROLE))

    def selected_ids(self) -> list[int]:
        return [int(index.data(ROW_ID_ROLE)) for index in self.selectionModel().selectedRows()]

    def select_id(self, row_id: int) -> None:
        source_row = self.source_model.row_for_id(row_id)
        if source_row is None:
            return
        index = self.proxy.mapFromSource(self.source_model.index(source_row, 0))
        self.selectRow(index.row())
        self.scrollTo(index)

    def fit_columns(self) -> None:
        self.resizeColumnsToContents()
        for column in range(self.proxy.columnCount()):
            self.setColumnWidth(column, min(self.columnWidth(column) + 12, 360))
