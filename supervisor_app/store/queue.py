"""The transcription queue, shared by every laptop (and headless workers) of a team server.

A job is claimed with `SELECT … FOR UPDATE SKIP LOCKED`, so two runners never take the same one and neither waits
for the other. The worker process holds a session-level advisory lock on its job while it runs: the server drops
the lock the moment the worker's connection ends (a crash, a kill, a pulled cable), which is how any runner tells
a dead worker from a slow one, on any machine. SQLite (one laptop) has neither and needs neither: the caller
checks the worker's process id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
from collections.abc import Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from supervisor_app.errors import ConflictError
from supervisor_app.store.db import Database, is_server
from supervisor_app.store.models import TranscriptionJob, utc_now

JOB_LOCK_CLASS = 0x4353  # first key of the two-key advisory lock; the second is the job id
START_GRACE = dt.timedelta(seconds=60)  # a claimed job's worker takes its lock well within this


def host_name() -> str:
    return socket.gethostname()[:255]


def claim_next(session: Session) -> int | None:
    """Take the oldest queued job nobody else is taking (marked running on this host), or None."""
    job = session.scalar(select(TranscriptionJob).where(TranscriptionJob.status == "queued")
                         .order_by(TranscriptionJob.id).limit(1).with_for_update(skip_locked=True))
    if job is None:
        return None
    job.status, job.worker_host, job.worker_pid, job.started_at = "running", host_name(), None, utc_now()
    job.message = "Starting…"
    return job.id


@contextlib.contextmanager
def held_by_this_worker(db: Database, job_id: int) -> Iterator[None]:
    """While the worker runs: the job's lock on a connection of its own (server only)."""
    if db.is_sqlite:
        yield
        return
    with db.engine.connect() as connection:
        taken = connection.scalar(text("SELECT pg_try_advisory_lock(:c, :j)"), {"c": JOB_LOCK_CLASS, "j": job_id})
        connection.commit()
        if not taken:
            raise ConflictError(f"Job {job_id} is already being worked on by another worker.")
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:c, :j)"), {"c": JOB_LOCK_CLASS, "j": job_id})
            connection.commit()


def worker_gone(session: Session, job: TranscriptionJob) -> bool | None:
    """On a server: True when no worker holds the job's lock (and it was claimed long enough ago for one to have
    taken it). None on SQLite, where the caller asks the operating system about the worker's process."""
    if not is_server(session):
        return None
    if job.started_at is not None and utc_now() - job.started_at < START_GRACE:
        return False
    free = session.scalar(text("SELECT pg_try_advisory_xact_lock(:c, :j)"), {"c": JOB_LOCK_CLASS, "j": job.id})
    return bool(free)
