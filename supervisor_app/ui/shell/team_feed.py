"""Live team state in the window: the change feed polled on a short timer (a non-blocking read of one socket,
no table is queried), turned into Qt signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from supervisor_app.store.changes import ChangeFeed
from supervisor_app.store.db import Database

POLL_MS = 250  # well inside the 2 s in which another laptop's change should appear


class TeamFeed(QObject):
    changed = Signal(frozenset)       # names of the tables other users changed
    reachability_changed = Signal(bool)

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.feed = ChangeFeed(database)
        self._reachable = True
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.on_timer_timeout)
        if self.feed.shared:
            self.feed.poll()  # listening from now on: nothing committed after the window opened is missed
            self.timer.start()

    def on_timer_timeout(self) -> None:
        changes = self.feed.poll()
        if self.feed.connected != self._reachable:
            self._reachable = self.feed.connected
            self.reachability_changed.emit(self._reachable)
        if changes:
            self.changed.emit(frozenset(change.table for change in changes))

    def stop(self) -> None:
        self.timer.stop()
        self.feed.close()
