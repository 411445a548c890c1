"""The transcription queue: jobs persisted in the database, each run by a separate worker process.

The worker (`transcription_worker`) loads the model, streams segments into the database as they are produced
and updates the job's progress. The runner here starts one worker at a time, kills it on cancel (so cancel is
immediate), notices when it dies, and is driven by `poll()` from the GUI's timer or the CLI's loop.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, make_url, select, update
from sqlalchemy.orm import Session

from supervisor_app.core.consent import Scope
from supervisor_app.core.roles import Permission
from supervisor_app.errors import ConflictError, NotFoundError
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, consent
from supervisor_app.services.context import Actor, require
from supervisor_app.store import queue
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, Transcript, TranscriptionJob, utc_now

ACTIVE = ("queued", "running", "cancelling")
WORKER_MODULE = "supervisor_app.services.transcription_worker"


@dataclass(frozen=True)
class JobRow:
    id: int
    recording_id: int
    recording_name: str
    status: str
    progress_s: float
    duration_s: float
    resumed_from_s: float
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    message: str

    @property
    def fraction(self) -> float:
        return min(self.progress_s / self.duration_s, 1.0) if self.duration_s else 0.0

    def eta_seconds(self, now: dt.datetime) -> float | None:
        """Remaining time from the pace so far (audio seconds per wall second since the worker started)."""
        if self.status != "running" or self.started_at is None:
            return None
        done = self.progress_s - self.resumed_from_s
        elapsed = (now - self.started_at).total_seconds()
        if done <= 0 or elapsed <= 0:
            return None
        return (self.duration_s - self.progress_s) * elapsed / done


def enqueue(db: Database, actor: Actor, recording_ids: Sequence[int], settings: TranscriptionSettings,
            *, replace: bool = False) -> list[int]:
    """Queue a job per recording. A finished transcript is only replaced when asked; active jobs are not doubled."""
    require(actor, Permission.TRANSCRIBE)
    settings = settings.validated()
    created = []
    with db.transaction() as session:
        for recording_id in recording_ids:
            recording = session.get(Recording, recording_id)
            if recording is None:
                raise NotFoundError(f"There is no recording with id {recording_id}.")
            consent.check(session, recording_id, Scope.TRANSCRIBE)
            if session.scalar(select(TranscriptionJob.id).where(TranscriptionJob.recording_id == recording_id,
                                                                TranscriptionJob.status.in_(ACTIVE))) is not None:
                continue
            transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording_id))
            if transcript is not None and transcript.status == "complete":
                if not replace:
                    raise ConflictError(f"{recording.original_name} already has a transcript; choose to replace it "
                                        "(its edits are lost) or leave it.")
                session.delete(transcript)
            elif transcript is not None:
                session.delete(transcript)  # a partial one from a cancelled or failed run
            job = TranscriptionJob(recording_id=recording_id, status="queued", settings=settings.as_dict(),
                                   created_by_id=actor.user_id, duration_s=recording.duration_s)
            session.add(job)
            session.flush()
            audit.record(session, actor, "transcription.enqueue", "recording", recording_id,
                         {"job": job.id, **{k: str(v) for k, v in settings.as_dict().items()}})
            created.append(job.id)
    return created


def _job_rows(db: Database, where: object | None = None) -> list[JobRow]:
    with db.transaction() as session:
        query = (select(TranscriptionJob, Recording.original_name)
                 .join(Recording, Recording.id == TranscriptionJob.recording_id).order_by(TranscriptionJob.id))
        if where is not None:
            query = query.where(where)  # type: ignore[arg-type]
        return [JobRow(j.id, j.recording_id, name, j.status, j.progress_s, j.duration_s, j.resumed_from_s,
                       j.started_at, j.finished_at, j.message) for j, name in session.execute(query)]


def list_jobs(db: Database, actor: Actor, *, active_only: bool = False) -> list[JobRow]:
    require(actor, Permission.VIEW_RECORDINGS)
    return _job_rows(db, TranscriptionJob.status.in_(ACTIVE) if active_only else None)


def get_job(db: Database, actor: Actor, job_id: int) -> JobRow:
    require(actor, Permission.VIEW_RECORDINGS)
    rows = _job_rows(db, TranscriptionJob.id == job_id)
    if not rows:
        raise NotFoundError(f"There is no transcription job {job_id}.")
    return rows[0]


def cancel(db: Database, actor: Actor, job_id: int) -> None:
    """A queued job is cancelled at once; a running one is marked, and the runner kills its worker."""
    require(actor, Permission.TRANSCRIBE)
    with db.transaction() as session:
        job = session.get(TranscriptionJob, job_id)
        if job is None:
            raise NotFoundError(f"There is no transcription job {job_id}.")
        if job.status == "queued":
            _finish_cancelled(session, job)
        elif job.status == "running":
            job.status = "cancelling"
        audit.record(session, actor, "transcription.cancel", "recording", job.recording_id, {"job": job.id})


def _finish_cancelled(session: Session, job: TranscriptionJob) -> None:
    job.status, job.finished_at, job.message = "cancelled", utc_now(), "Cancelled."
    session.execute(delete(Transcript).where(Transcript.recording_id == job.recording_id,
                                             Transcript.status != "complete"))


def _worker_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        return WORKER_MODULE.encode() in cmdline.read_bytes()
    return True


def recover_interrupted(db: Database) -> list[int]:
    """At start-up: jobs left running by a crash or quit are queued again to resume where they stopped."""
    recovered = []
    with db.transaction() as session:
        for job in session.scalars(select(TranscriptionJob).where(TranscriptionJob.status.in_(("running",
                                                                                              "cancelling")))):
            gone = queue.worker_gone(session, job)
            if gone is False or (gone is None and _worker_alive(job.worker_pid)):
                continue
            if job.status == "cancelling":
                _finish_cancelled(session, job)
                continue
            job.status, job.worker_pid = "queued", None
            job.message = f"Interrupted at {job.progress_s:.0f} s; resumes from the last saved segment."
            audit.record(session, None, "transcription.recover", "recording", job.recording_id, {"job": job.id})
            recovered.append(job.id)
    return recovered


class TranscriptionRunner:
    """Runs queued jobs one at a time, each in its own worker process. Call `poll()` often (GUI timer, CLI loop)."""

    def __init__(self, db: Database, paths: AppPaths, db_url: str) -> None:
        self._db = db
        self._paths = paths
        self._db_url = db_url
        self._process: subprocess.Popen[bytes] | None = None
        self._job_id: int | None = None

    @property
    def current_job(self) -> int | None:
        return self._job_id

    def poll(self) -> None:
        if self._process is not None:
            self._check_running()
        if self._process is None:
            self._start_next()

    def _status(self, job_id: int) -> str:
        with self._db.transaction() as session:
            return session.scalar(select(TranscriptionJob.status).where(TranscriptionJob.id == job_id)) or ""

    def _check_running(self) -> None:
        assert self._process is not None
        assert self._job_id is not None
        status = self._status(self._job_id)
        if status == "cancelling":
            self._kill()
            with self._db.transaction() as session:
                job = session.get(TranscriptionJob, self._job_id)
                if job is not None:
                    _finish_cancelled(session, job)
            self._forget()
            return
        code = self._process.poll()
        if code is None:
            return
        if status in ("running", "queued"):
            with self._db.transaction() as session:
                session.execute(update(TranscriptionJob).where(TranscriptionJob.id == self._job_id).values(
                    status="failed", finished_at=utc_now(),
                    message=f"The transcription worker stopped unexpectedly (exit code {code}). "
                            f"Details: {self._log_file(self._job_id)}"))
        self._forget()

    def _log_file(self, job_id: int) -> Path:
        return self._paths.logs_dir / f"transcription-job-{job_id}.log"

    def _start_next(self) -> None:
        with self._db.transaction() as session:
            job_id = queue.claim_next(session)
        if job_id is None:
            return
        self._paths.ensure()
        log = open(self._log_file(job_id), "ab")  # noqa: SIM115 - handed to the child, closed below
        url = make_url(self._db_url)
        environment = dict(os.environ)
        if url.password is not None:  # a typed server password reaches the worker privately, not on its command line
            environment["PGPASSWORD"] = url.password
            url = url.set(password=None)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", WORKER_MODULE, "--db", url.render_as_string(hide_password=False),
                 "--data-dir", str(self._paths.data_dir), "--job", str(job_id)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=environment,
            )
        except OSError:
            with self._db.transaction() as session:
                session.execute(update(TranscriptionJob).where(TranscriptionJob.id == job_id)
                                .values(status="queued", worker_host=""))
            raise
        finally:
            log.close()
        self._job_id = job_id

    def _kill(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            if hasattr(os, "killpg"):
                os.killpg(self._process.pid, signal.SIGKILL)
            else:
                self._process.kill()
        self._process.wait(timeout=10)

    def _forget(self) -> None:
        self._process = None
        self._job_id = None

    def shutdown(self) -> None:
        """On quit: stop the worker; its job goes back to the queue and resumes at the next start."""
        if self._process is None or self._job_id is None:
            return
        self._kill()
        with self._db.transaction() as session:
            job = session.get(TranscriptionJob, self._job_id)
            if job is not None and job.status in ("running", "cancelling"):
                if job.status == "cancelling":
                    _finish_cancelled(session, job)
                else:
                    job.status, job.worker_pid = "queued", None
                    job.message = f"Stopped at {job.progress_s:.0f} s when the app closed; resumes at the next start."
        self._forget()
