"""Subject requests: everything held about a coachee pseudonym or a coach, written to one folder (JSON and the
audio files); and erasure of a coachee's recordings and transcripts, done as carefully as a consent purge."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import undefer

from supervisor_app.core.roles import Permission
from supervisor_app.errors import NotFoundError, ValidationError
from supervisor_app.files import UnwritableFileError
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, consent, library
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    AuditEvent,
    Coach,
    Consent,
    ConsentScan,
    EvidenceItem,
    Recording,
    Review,
    ReviewScore,
    Transcript,
    TranscriptSegment,
    User,
    utc_now,
)

Progress = Callable[[float], None]


@dataclass(frozen=True)
class SubjectExport:
    folder: Path
    recordings: int
    reviews: int
    audio_files: int


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "subject"


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _recording_record(session: Any, recording: Recording, names: dict[int, str]) -> dict[str, Any]:
    transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording.id))
    segments = [] if transcript is None else [
        {"start_s": s.start_s, "end_s": s.end_s, "speaker": s.speaker, "text": s.text, "edited": s.edited}
        for s in session.scalars(select(TranscriptSegment).where(TranscriptSegment.transcript_id == transcript.id)
                                 .order_by(TranscriptSegment.idx))]
    reviews = []
    for review in session.scalars(select(Review).where(Review.recording_id == recording.id).order_by(Review.id)):
        reviews.append({
            "id": review.id, "rater": names.get(review.rater_id, "?"), "status": review.status,
            "version": review.version, "submitted_at": _plain(review.submitted_at), "feedback": review.feedback,
            "scores": [{"competency": s.competency_id, "score": s.score, "gate_passed": s.gate_passed,
                        "not_observed": s.not_observed, "rationale": s.rationale}
                       for s in session.scalars(select(ReviewScore).where(ReviewScore.review_id == review.id))],
            "evidence": [{"competency": e.competency_id, "start_s": e.start_s, "end_s": e.end_s, "quote": e.quote,
                          "tag": e.tag, "note": e.note}
                         for e in session.scalars(select(EvidenceItem).where(EvidenceItem.review_id == review.id))],
        })
    return {
        "id": recording.id, "file": recording.original_name, "sha256": recording.sha256,
        "coach": recording.coach.name, "coachee_pseudonym": recording.coachee_pseudonym,
        "session_date": _plain(recording.session_date), "imported_at": _plain(recording.imported_at),
        "duration_s": recording.duration_s, "purged_at": _plain(recording.purged_at),
        "transcript": None if transcript is None else {
            "model": transcript.model_name, "status": transcript.status, "segments": segments,
            "confirmed_at": _plain(transcript.confirmed_at)},
        "reviews": reviews,
    }


def export_subject(db: Database, actor: Actor, paths: AppPaths, target_dir: Path, *, coachee: str | None = None,
                   coach_id: int | None = None, on_progress: Progress | None = None) -> SubjectExport:
    """A new folder in `target_dir` with subject.json and the audio of every recording concerned. Written to a
    private folder first and renamed into place: a failure leaves nothing behind."""
    require(actor, Permission.MANAGE_RECORDINGS)
    if (coachee is None) == (coach_id is None):
        raise ValidationError("Name one subject: a coachee pseudonym or a coach.")
    name = " ".join((coachee or "").split())
    if coachee is not None and not name:
        raise ValidationError("The coachee pseudonym is empty.", field="coachee")
    if not target_dir.is_dir():
        raise ValidationError(f"{target_dir} is not a folder; choose an existing folder to write into.")
    with db.snapshot() as session:
        if coach_id is not None:
            coach = session.get(Coach, coach_id)
            if coach is None:
                raise NotFoundError(f"There is no coach with id {coach_id}.")
            recordings = list(session.scalars(select(Recording).where(Recording.coach_id == coach_id)
                                              .order_by(Recording.id)))
            subject: dict[str, Any] = {"kind": "coach", "id": coach.id, "name": coach.name,
                                       "employee_id": coach.employee_id, "level": coach.level,
                                       "business_unit": coach.business_unit, "active": coach.active,
                                       "certified_on": _plain(coach.certified_on)}
            label = coach.name
        else:
            recordings = list(session.scalars(select(Recording).where(Recording.coachee_pseudonym == name)
                                              .order_by(Recording.id)))
            if not recordings and session.scalar(select(Consent.id).where(
                    Consent.coachee_pseudonym == name).limit(1)) is None:
                raise NotFoundError(f"Nothing is held about a coachee called {name!r}.")
            subject = {"kind": "coachee", "pseudonym": name}
            label = name
        ids = [r.id for r in recordings]
        names = dict(session.execute(select(User.id, User.display_name)).all())
        records = [_recording_record(session, r, names) for r in recordings]
        consents = [{"id": c.id, "recording": c.recording_id, "scopes": c.scopes, "withdrawn": c.withdrawn,
                     "captured_on": _plain(c.captured_on), "expires_on": _plain(c.expires_on),
                     "document": c.document_ref}
                    for c in session.scalars(select(Consent).where(or_(
                        Consent.recording_id.in_(ids), Consent.coachee_pseudonym == (name or None))))]
        scans = [(s.consent_id, s.file_name, s.data) for s in session.scalars(
            select(ConsentScan).where(ConsentScan.consent_id.in_([c["id"] for c in consents]))
            .options(undefer(ConsentScan.data)))]
        for entry in consents:
            entry["scan"] = next((f"consent/{cid}-{_slug(file_name)}" for cid, file_name, _ in scans
                                  if cid == entry["id"]), None)
        entity_ids = [str(i) for i in ids]
        events = [{"at": _plain(e.at), "who": e.actor_name, "action": e.action, "record": e.entity_id,
                   "reason": e.reason}
                  for e in session.scalars(select(AuditEvent).where(
                      or_(AuditEvent.entity_type == "recording", AuditEvent.entity_type == "coach"),
                      AuditEvent.entity_id.in_(entity_ids + ([str(coach_id)] if coach_id else [])))
                      .order_by(AuditEvent.id))
                  if e.entity_type == "recording" or coach_id is not None]
        stored = [(r.id, r.sha256, r.stored_name, r.original_name, r.purged_at) for r in recordings]
    document = {"subject": subject, "exported_at": utc_now().isoformat(), "exported_by": actor.display_name,
                "recordings": records, "consent": consents, "audit_trail": events}
    final = target_dir / f"subject-{_slug(label)}-{dt.date.today().isoformat()}"
    if final.exists():
        raise ValidationError(f"{final} exists already; move it away or choose another folder.")
    try:
        work = Path(tempfile.mkdtemp(prefix=".subject-", dir=target_dir))
    except OSError as exc:
        raise UnwritableFileError(f"{target_dir}: cannot write there ({exc.strerror}).") from exc
    copied = 0
    try:
        (work / "audio").mkdir()
        if scans:
            (work / "consent").mkdir()
        for consent_id, file_name, data in scans:
            (work / "consent" / f"{consent_id}-{_slug(file_name)}").write_bytes(data)
        store = library.recording_store(db, paths)
        for index, (recording_id, sha256, stored_name, original, purged) in enumerate(stored, start=1):
            if purged is None:
                source = store.local_file(sha256, stored_name)
                if source.is_file():
                    shutil.copyfile(source, work / "audio" / f"{recording_id}-{_slug(original)}")
                    copied += 1
            if on_progress:
                on_progress(index / max(len(stored), 1))
        (work / "subject.json").write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n",
                                           encoding="utf-8")
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    with db.transaction() as session:
        audit.record(session, actor, "subject.export", subject["kind"], subject.get("id", name),
                     {"recordings": len(records), "audio": copied, "folder": final.name})
    return SubjectExport(final, len(records), sum(len(r["reviews"]) for r in records), copied)


def erase_coachee(db: Database, actor: Actor, paths: AppPaths, coachee: str, reason: str) -> consent.PurgeResult:
    """A coachee's erasure request: every recording of theirs purged as after a withdrawal (audio everywhere,
    transcript, quotes → "[withdrawn]"; the coach's scores kept); a purged recording is never used again."""
    require(actor, Permission.MANAGE_RECORDINGS)
    name = " ".join(coachee.split())
    why = " ".join(reason.split())
    if len(why) < 10:
        raise ValidationError("Say why (the request's reference, at least 10 characters); it is kept in the audit "
                              "trail.", field="reason")
    with db.transaction() as session:
        ids = list(session.scalars(select(Recording.id).where(Recording.coachee_pseudonym == name)))
    if not ids:
        raise NotFoundError(f"No recording of a coachee called {name!r}.")
    return consent.purge_recordings(db, actor, paths, ids, why, require_withdrawal=False)
