"""Run a plain long-running function off the GUI thread.

The function takes `on_progress(fraction)` and `is_cancelled()`; only plain values cross threads, and progress
reaches the GUI at most ten times a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

PROGRESS_INTERVAL_S = 0.1
ProgressCallback = Callable[[float], None]
CancelCheck = Callable[[], bool]


class _Signals(QObject):
    progressed = Signal(float)
    finished = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    def __init__(self, function: Callable[[ProgressCallback, CancelCheck], Any]) -> None:
        super().__init__()
        self.signals = _Signals()
        self._function = function
        self._cancelled = threading.Event()
        self._last_progress = 0.0

    def cancel(self) -> None:
        self._cancelled.set()

    def _on_progress(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last_progress = now
            self.signals.progressed.emit(fraction)

    def run(self) -> None:
        try:
            result = self._function(self._on_progress, self._cancelled.is_set)
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which shows it
            self.signals.failed.emit(exc)
            return
        self.signals.finished.emit(result)


def start(task: Task) -> Task:
    QThreadPool.globalInstance().start(task)
    return task
