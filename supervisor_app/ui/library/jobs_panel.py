"""Transcription jobs: progress (audio time done of the recording's length), ETA, cancel."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.transcripts import clock
from supervisor_app.services.transcription import JobRow

RECENT = 20


class JobsPanel(QWidget):
    cancel_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Recording", "Status", "Progress", "Time left", ""])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(2, 220)
        self._shown: list[tuple[int, str]] = []
        self.progress_bars: dict[int, QProgressBar] = {}
        self.cancel_buttons: dict[int, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.table)

    def show_jobs(self, jobs: list[JobRow]) -> None:
        jobs = [j for j in jobs if j.status in ("queued", "running", "cancelling")] + \
               [j for j in reversed(jobs) if j.status not in ("queued", "running", "cancelling")][:RECENT]
        shape = [(j.id, j.status) for j in jobs]
        if shape != self._shown:
            self._rebuild(jobs)
            self._shown = shape
        now = dt.datetime.now(dt.UTC)
        for row, job in enumerate(jobs):
            bar = self.progress_bars[job.id]
            bar.setValue(int(job.fraction * 1000))
            bar.setFormat(f"{clock(job.progress_s)} / {clock(job.duration_s)}")
            eta = job.eta_seconds(now)
            self.table.item(row, 3).setText(clock(eta) if eta is not None else "")

    def _rebuild(self, jobs: list[JobRow]) -> None:
        self.table.setRowCount(len(jobs))
        self.progress_bars.clear()
        self.cancel_buttons.clear()
        for row, job in enumerate(jobs):
            name = QTableWidgetItem(job.recording_name)
            name.setToolTip(job.message)
            self.table.setItem(row, 0, name)
            status = QTableWidgetItem(job.status + (f" — {job.message}" if job.message else ""))
            status.setToolTip(job.message)
            self.table.setItem(row, 1, status)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            self.progress_bars[job.id] = bar
            self.table.setCellWidget(row, 2, bar)
            self.table.setItem(row, 3, QTableWidgetItem(""))
            if job.status in ("queued", "running"):
                button = QPushButton("Cancel")
                button.clicked.connect(lambda _checked=False, job_id=job.id: self.cancel_requested.emit(job_id))
                self.cancel_buttons[job.id] = button
                self.table.setCellWidget(row, 4, button)
            else:
                self.table.removeCellWidget(row, 4)
