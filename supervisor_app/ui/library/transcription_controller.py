"""Drives the transcription runner from the GUI: a light timer polls it and the job table.

The worker process does the heavy work and the database writes; this side only reads a few rows three times
a second, so the event loop stays free. On a team server the job table is read again only when the change feed
says jobs changed (`on_jobs_changed_elsewhere`), and a server that does not answer is skipped quietly: the
window's banner says so.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from supervisor_app.core.roles import Permission
from supervisor_app.errors import ServerUnreachableError
from supervisor_app.services import transcription
from supervisor_app.services.transcription import JobRow, TranscriptionRunner
from supervisor_app.ui.shell.app_context import AppContext

POLL_INTERVAL_MS = 300

log = logging.getLogger(__name__)


class TranscriptionController(QObject):
    jobs_changed = Signal(object)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        db_url = context.database.url.render_as_string(hide_password=False)
        self.runner = TranscriptionRunner(context.database, context.paths, db_url)
        self.jobs: list[JobRow] = []
        self._jobs_stale = True
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_INTERVAL_MS)
        self.timer.timeout.connect(self.on_timer_timeout)
        self.timer.start()

    def on_jobs_changed_elsewhere(self, tables: frozenset[str]) -> None:
        if "transcription_jobs" in tables:
            self._jobs_stale = True

    def on_timer_timeout(self) -> None:
        database = self._context.database
        try:
            self.runner.poll()
            if not self._context.actor.can(Permission.VIEW_RECORDINGS):
                return
            if not (database.is_sqlite or self._jobs_stale):
                return
            self._jobs_stale = False
            jobs = transcription.list_jobs(database, self._context.actor)
        except ServerUnreachableError:
            log.debug("transcription queue not polled: the server is away", exc_info=True)
            self._jobs_stale = True
            return
        if jobs != self.jobs:
            self.jobs = jobs
            self.jobs_changed.emit(jobs)

    def shutdown(self) -> None:
        self.timer.stop()
        self.runner.shutdown()
