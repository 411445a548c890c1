"""The recording library: import (probe, hash, copy into the managed store), list, edit, remove."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from supervisor_app.core.roles import Permission
from supervisor_app.core.transcripts import clock
from supervisor_app.errors import ConflictError, NotFoundError, ValidationError
from supervisor_app.files import open_regular
from supervisor_app.media.audio import MediaError, Probe, check_suffix, probe
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, audits, consent
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CalibrationRound,
    Coach,
    Recording,
    Review,
    Transcript,
    TranscriptionJob,
    TranscriptSegment,
)
from supervisor_app.store.recording_store import RecordingStore

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
PSEUDONYM_MAX = 100
_CHUNK = 1024 * 1024
SORT_COLUMNS = ("session_date", "coach", "coachee", "duration", "name", "imported")


@dataclass(frozen=True)
class RecordingInput:
    coach_id: int
    coachee_pseudonym: str = ""
    session_date: dt.date | None = None


@dataclass(frozen=True)
class RecordingRow:
    id: int
    original_name: str
    coach_id: int
    coach_name: str
    coachee_pseudonym: str
    session_date: dt.date | None
    duration_s: float
    container: str
    codec: str
    sample_rate: int
    channels: int
    has_video: bool
    damage_note: str
    imported_at: dt.datetime
    transcript_status: str
    review_status: str
    consent_state: str = ""

    def as_input(self) -> RecordingInput:
        return RecordingInput(self.coach_id, self.coachee_pseudonym, self.session_date)


@dataclass(frozen=True)
class ImportOutcome:
    recording: RecordingRow
    duplicate: bool

    @property
    def message(self) -> str:
        name = self.recording.original_name
        if self.duplicate:
            return (f"Already in the library as recording {self.recording.id} ({name}, coach "
                    f"{self.recording.coach_name}); nothing was added.")
        note = f" {self.recording.damage_note}" if self.recording.damage_note else ""
        return f"Imported {name} as recording {self.recording.id} ({clock(self.recording.duration_s)}).{note}"


def _status_columns() -> tuple[Any, ...]:
    latest_job = (select(TranscriptionJob.status).where(TranscriptionJob.recording_id == Recording.id)
                  .order_by(TranscriptionJob.id.desc()).limit(1).scalar_subquery())
    latest_progress = (select(TranscriptionJob.progress_s).where(TranscriptionJob.recording_id == Recording.id)
                       .order_by(TranscriptionJob.id.desc()).limit(1).scalar_subquery())
    segments = (select(func.count(TranscriptSegment.id)).where(TranscriptSegment.transcript_id == Transcript.id)
                .scalar_subquery())
    submitted = (select(func.count(Review.id)).where(Review.recording_id == Recording.id,
                                                     Review.status == "submitted").scalar_subquery())
    drafts = (select(func.count(Review.id)).where(Review.recording_id == Recording.id, Review.status == "draft")
              .scalar_subquery())
    return latest_job, latest_progress, Transcript.status, segments, submitted, drafts


def transcript_status(job_status: str | None, progress_s: float | None, transcript: str | None,
                      segments: int | None, duration_s: float) -> str:
    if job_status in ("running", "cancelling"):
        share = (progress_s or 0) / duration_s if duration_s else 0
        return f"transcribing {share:.0%}"
    if job_status == "queued":
        return "queued"
    if transcript == "complete":
        return "transcribed" if segments else "no speech found"
    if job_status == "failed":
        return "failed"
    if transcript == "partial":
        return "interrupted"
    return "not transcribed"


def review_status(submitted: int, drafts: int) -> str:
    parts = []
    if submitted:
        parts.append(f"{submitted} submitted")
    if drafts:
        parts.append(f"{drafts} draft{'s' if drafts != 1 else ''}")
    return ", ".join(parts) or "—"


def _rows(session: Session, query: Select[Any]) -> list[RecordingRow]:
    rows = []
    found = session.execute(query).all()
    states = consent.summaries(session, [row[0] for row in found])
    for recording, job_status, progress, transcript, segments, submitted, drafts in found:
        rows.append(RecordingRow(
            id=recording.id, original_name=recording.original_name, coach_id=recording.coach_id,
            coach_name=recording.coach.name, coachee_pseudonym=recording.coachee_pseudonym,
            session_date=recording.session_date, duration_s=recording.duration_s, container=recording.container,
            codec=recording.codec, sample_rate=recording.sample_rate, channels=recording.channels,
            has_video=recording.has_video, damage_note=recording.damage_note, imported_at=recording.imported_at,
            transcript_status=transcript_status(job_status, progress, transcript, segments, recording.duration_s),
            review_status=review_status(submitted or 0, drafts or 0), consent_state=states[recording.id],
        ))
    return rows


def _base_query() -> Select[Any]:
    return (select(Recording, *_status_columns())
            .outerjoin(Transcript, Transcript.recording_id == Recording.id))


def _ordered_ids_query(search: str, sort: str, descending: bool) -> Select[Any]:
    if sort not in SORT_COLUMNS:
        raise ValidationError(f"Cannot sort by {sort!r}; use one of {', '.join(SORT_COLUMNS)}.")
    query: Select[Any] = select(Recording.id).join(Coach, Coach.id == Recording.coach_id)
    for term in search.split():
        query = query.where(or_(Coach.name.ilike(f"%{term}%"), Recording.coachee_pseudonym.ilike(f"%{term}%"),
                                Recording.original_name.ilike(f"%{term}%")))
    column = {"session_date": Recording.session_date, "coach": Coach.name, "coachee": Recording.coachee_pseudonym,
              "duration": Recording.duration_s, "name": Recording.original_name,
              "imported": Recording.imported_at}[sort]
    order = column.desc() if descending else column.asc()
    return query.order_by(order.nulls_last(), Recording.id.desc() if descending else Recording.id.asc())


def recording_ids(db: Database, actor: Actor, *, search: str = "", sort: str = "session_date",
                  descending: bool = True) -> list[int]:
    """Ids of the recordings matching `search` (coach, coachee or file name), in the order asked for."""
    require(actor, Permission.VIEW_RECORDINGS)
    with db.transaction() as session:
        return list(session.scalars(_ordered_ids_query(search, sort, descending)))


def recording_rows(db: Database, actor: Actor, ids: Sequence[int]) -> list[RecordingRow]:
    """The rows for these ids, in the same order (a block of a lazily filled list)."""
    require(actor, Permission.VIEW_RECORDINGS)
    with db.transaction() as session:
        found = {row.id: row for row in _rows(session, _base_query().where(Recording.id.in_(list(ids))))}
    return [found[i] for i in ids if i in found]


def list_recordings(db: Database, actor: Actor, *, search: str = "") -> list[RecordingRow]:
    return recording_rows(db, actor, recording_ids(db, actor, search=search))


def get_recording(db: Database, actor: Actor, recording_id: int) -> RecordingRow:
    rows = recording_rows(db, actor, [recording_id])
    if not rows:
        raise NotFoundError(f"There is no recording with id {recording_id}.")
    return rows[0]


def _validated(session: Session, data: RecordingInput) -> RecordingInput:
    coach = session.get(Coach, data.coach_id)
    if coach is None:
        raise ValidationError(f"There is no coach with id {data.coach_id}.", field="coach_id")
    pseudonym = " ".join(data.coachee_pseudonym.split())
    if len(pseudonym) > PSEUDONYM_MAX:
        raise ValidationError(f"The coachee pseudonym is longer than {PSEUDONYM_MAX} characters.",
                              field="coachee_pseudonym")
    if data.session_date is not None and data.session_date > dt.date.today():
        raise ValidationError("The session date is in the future.", field="session_date")
    return RecordingInput(coach.id, pseudonym, data.session_date)


INCOMING_PREFIX = ".incoming-"


def display_name(path: Path) -> str:
    """The file's name as text: bytes that are not UTF-8 (the name came from another system) shown as U+FFFD."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")[:500]


@contextlib.contextmanager
def _store_in_use(paths: AppPaths, db: Database) -> Iterator[None]:
    """Held (shared) by every import while it copies and commits. The first import that finds no other one at
    work takes it exclusively for a moment and removes what a killed import left: private copies, and stored
    files that no recording row names (a kill between the file's rename and the row's commit)."""
    if fcntl is None:  # no advisory locks on this system: imports still work, orphans are left alone
        yield
        return
    with open(paths.store_lock_file, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            _remove_orphans(paths, db)
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_orphans(paths: AppPaths, db: Database) -> None:
    with db.transaction() as session:
        known = set(session.scalars(select(Recording.stored_name)))
        if dropped := recording_store(db, paths).sweep_abandoned(session):
            log.warning("removed %d upload(s) to the team server that were abandoned unfinished", dropped)
    root = paths.recordings_dir
    for entry in root.glob("*/*"):
        name = entry.relative_to(root).as_posix()
        if entry.is_file() and name not in known:
            log.warning("removing %s: a stored file no recording refers to (an import was interrupted)", entry)
            entry.unlink(missing_ok=True)
    for entry in root.glob(f"{INCOMING_PREFIX}*"):
        log.warning("removing %s: left by an interrupted import", entry)
        entry.unlink(missing_ok=True)


def _copy_hashed(source: Path, target_dir: Path, on_progress: Callable[[float], None] | None,
                 is_cancelled: Callable[[], bool] | None) -> tuple[str, Path]:
    """Copy `source` into a private file in `target_dir` while hashing it, reading the source exactly once
    through one handle: what is probed, hashed and stored is the same bytes, whatever happens to the source."""
    fd = open_regular(source, "a recording")
    handle, temp_name = tempfile.mkstemp(dir=target_dir, prefix=f"{INCOMING_PREFIX}{os.getpid()}-",
                                         suffix=source.suffix.lower())
    temp = Path(temp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb") as reader, os.fdopen(handle, "wb") as writer:
            total = os.fstat(reader.fileno()).st_size or 1
            copied = 0
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                copied += len(chunk)
                if on_progress:
                    on_progress(min(copied / total, 1.0))
                if is_cancelled and is_cancelled():
                    raise MediaError(f"{display_name(source)}: import cancelled.")
            writer.flush()
            os.fsync(writer.fileno())
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise MediaError(f"{display_name(source)}: reading it failed part-way ({exc.strerror}); nothing was "
                         "imported. Copy the recording to this computer and try again.") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), temp


COPY_SHARE = 0.2  # of an import's progress bar: the copy; the rest is the decode that checks the audio
UPLOAD_SHARE = 0.4  # on a team server: sending the checked copy to the server


def recording_store(db: Database, paths: AppPaths) -> RecordingStore:
    return RecordingStore(db, paths.recordings_dir)


def import_recording(db: Database, actor: Actor, paths: AppPaths, source: Path, data: RecordingInput,
                     on_progress: Callable[[float], None] | None = None,
                     is_cancelled: Callable[[], bool] | None = None) -> ImportOutcome:
    """Copy the file privately (hashing it), probe that copy (a bad file changes nothing), send it to the team
    server if there is one (resumable), then store it under its SHA-256 and add its row in one step: a kill at any
    moment leaves no row without its file, and the next import removes any file without its row."""
    require(actor, Permission.MANAGE_RECORDINGS)
    check_suffix(source)
    with db.transaction() as session:
        clean = _validated(session, data)
    paths.ensure()
    name = display_name(source)
    store = recording_store(db, paths)
    upload_share = UPLOAD_SHARE if store.shared else 0.0
    probe_share = 1 - COPY_SHARE - upload_share

    def part(start: float, share: float) -> Callable[[float], None] | None:
        return (lambda f: on_progress(start + f * share)) if on_progress else None

    with _store_in_use(paths, db):
        sha, temp = _copy_hashed(source, paths.recordings_dir, part(0.0, COPY_SHARE), is_cancelled)
        try:
            facts: Probe = probe(temp, part(COPY_SHARE, probe_share), is_cancelled, name=name)
            with db.transaction() as session:
                existing = session.scalar(select(Recording.id).where(Recording.sha256 == sha))
            if existing is not None:
                return ImportOutcome(get_recording(db, actor, existing), duplicate=True)
            store.upload(temp, sha, part(COPY_SHARE + probe_share, upload_share), is_cancelled)
            stored_name = f"{sha[:2]}/{sha}{source.suffix.lower()}"
            size = temp.stat().st_size
            placed = False
            try:
                with db.transaction() as session:
                    recording = Recording(
                        sha256=sha, original_name=name, stored_name=stored_name, size_bytes=size,
                        container=facts.container, codec=facts.codec, duration_s=facts.decoded_s,
                        sample_rate=facts.sample_rate, channels=facts.channels, has_video=facts.has_video,
                        damage_note=facts.damage_note, coach_id=clean.coach_id,
                        coachee_pseudonym=clean.coachee_pseudonym, session_date=clean.session_date,
                        imported_by_id=actor.user_id,
                    )
                    session.add(recording)
                    session.flush()
                    audit.record(session, actor, "recording.import", "recording", recording.id,
                                 {"sha256": sha, "name": name, "damaged": bool(facts.damage_note)})
                    new_id = recording.id
                    placed = store.place(session, temp, sha, stored_name)
            except Exception:
                if placed:
                    store.path(stored_name).unlink(missing_ok=True)
                raise
        finally:
            temp.unlink(missing_ok=True)
    return ImportOutcome(get_recording(db, actor, new_id), duplicate=False)


def update_recording(db: Database, actor: Actor, recording_id: int, data: RecordingInput) -> RecordingRow:
    require(actor, Permission.MANAGE_RECORDINGS)
    with db.transaction() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        clean = _validated(session, data)
        changes = {}
        for field_name in ("coach_id", "coachee_pseudonym", "session_date"):
            old, new = getattr(recording, field_name), getattr(clean, field_name)
            if old != new:
                setattr(recording, field_name, new)
                changes[field_name] = str(new)
        if changes:
            audit.record(session, actor, "recording.update", "recording", recording.id, changes)
    return get_recording(db, actor, recording_id)


def remove_recording(db: Database, actor: Actor, paths: AppPaths, recording_id: int, reason: str = "") -> None:
    """Delete the recording, its transcript and jobs, and its file in the store."""
    require(actor, Permission.MANAGE_RECORDINGS)
    with db.transaction() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        busy = session.scalar(select(TranscriptionJob.id).where(TranscriptionJob.recording_id == recording_id,
                                                                TranscriptionJob.status.in_(("running", "cancelling"))))
        if busy is not None:
            raise ConflictError("This recording is being transcribed; cancel the job first.")
        reviews = session.scalar(select(func.count(Review.id)).where(Review.recording_id == recording_id)) or 0
        if reviews:
            raise ConflictError(f"This recording has {reviews} review(s) scored against it; it is kept while they "
                                "exist.")
        stored_name = recording.stored_name
        audit.record(session, actor, "recording.remove", "recording", recording.id,
                     {"sha256": recording.sha256, "name": recording.original_name}, reason)
        store = recording_store(db, paths)
        store.forget(session, recording.sha256)
        session.delete(recording)
    store.path(stored_name).unlink(missing_ok=True)


def identity_hidden_for(session: Session, actor: Actor, recording_id: int) -> bool:
    """True while the actor scores this recording in a calibration round that hides who is coaching, or
    practises on it without seeing the library: everything they read of it (transcript speakers included, on every
    face: GUI, CLI, exports) must not name the coach."""
    if not actor.can(Permission.VIEW_RECORDINGS) and session.scalar(select(Review.id).where(
            Review.recording_id == recording_id, Review.rater_id == actor.user_id,
            Review.gold_standard_id.is_not(None)).limit(1)) is not None:
        return True
    return session.scalar(
        select(Review.id).join(CalibrationRound, CalibrationRound.id == Review.round_id)
        .where(Review.recording_id == recording_id, Review.rater_id == actor.user_id,
               CalibrationRound.hide_identity.is_(True), CalibrationRound.status != "closed").limit(1)) is not None


@dataclass(frozen=True)
class PlaybackSource:
    path: Path
    cache_key: str
    duration_s: float


def require_recording_access(session: Session, actor: Actor, recording_id: int) -> None:
    """Those who see the library, a rater with a review of this recording (e.g. in a calibration round), and a
    reviewer it is assigned to."""
    if actor.can(Permission.VIEW_RECORDINGS) or audits.assignment_for(session, actor, recording_id) is not None:
        return
    if session.scalar(select(Review.id).where(Review.recording_id == recording_id,
                                              Review.rater_id == actor.user_id).limit(1)) is None:
        require(actor, Permission.VIEW_RECORDINGS)


def consent_state(db: Database, actor: Actor, recording_id: int) -> str:
    """The recording's consent in a few words, for whoever may open it (a rater too)."""
    with db.transaction() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        require_recording_access(session, actor, recording_id)
        return consent.summaries(session, [recording])[recording_id]


def playback_source(db: Database, actor: Actor, paths: AppPaths, recording_id: int,
                    on_progress: Callable[[float], None] | None = None,
                    is_cancelled: Callable[[], bool] | None = None) -> PlaybackSource:
    """The file to play; readable by those who see the library and by a rater scoring it. On a team server a
    recording this laptop has not opened before is fetched first (with progress) and kept in its cache."""
    with db.transaction() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        require_recording_access(session, actor, recording_id)
        consent.playable_by(session, actor, recording)
        sha256, stored_name, duration_s = recording.sha256, recording.stored_name, recording.duration_s
    path = recording_store(db, paths).local_file(sha256, stored_name, on_progress, is_cancelled)
    return PlaybackSource(path, sha256, duration_s)
