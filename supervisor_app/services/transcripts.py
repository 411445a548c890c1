"""Reading, correcting, exporting and searching transcripts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from supervisor_app.core.roles import Permission
from supervisor_app.core.transcripts import ExportFormat, Segment, fts_query, neutral_speakers, render
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.files import atomic_write_text
from supervisor_app.services import audit, library, redaction, speaker_attribution
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    Coach,
    Recording,
    Transcript,
    TranscriptEdit,
    TranscriptSegment,
    User,
    utc_now,
)

SPEAKER_MAX = 64
SEARCH_LIMIT = 200


MACHINE_MADE = "machine-made, not yet reviewed by a person"


@dataclass(frozen=True)
class TranscriptView:
    id: int
    recording_id: int
    status: str
    model_name: str
    model_sha256: str
    engine_version: str
    settings: dict[str, Any]
    language: str
    segments: tuple[Segment, ...]
    confirmed_by: str | None = None
    confirmed_at: dt.datetime | None = None
    redacted: bool = False
    redaction: str = ""

    @property
    def review_state(self) -> str:
        """Machine output counts only once a person has confirmed it."""
        if self.confirmed_by is None or self.confirmed_at is None:
            return MACHINE_MADE
        return f"reviewed by {self.confirmed_by} on {self.confirmed_at.astimezone():%Y-%m-%d %H:%M}"

    def metadata(self) -> dict[str, Any]:
        return {"recording_id": self.recording_id, "status": self.status, "model": self.model_name,
                "model_sha256": self.model_sha256, "engine": self.engine_version, "language": self.language,
                "settings": self.settings, "review": self.review_state, "redaction": self.notice}

    @property
    def notice(self) -> str:
        """What a file made from this transcript says about its identifiers."""
        if self.redacted:
            return (f"REDACTED: names and identifiers are replaced by labels such as [NAME] ({self.redaction}); "
                    "times are unchanged.")
        return ("UNREDACTED: this transcript contains the names and identifiers as spoken; do not pass it on "
                f"outside the supervisors ({self.redaction}).")


@dataclass(frozen=True)
class EditEntry:
    at: dt.datetime
    user: str
    segment_index: int
    field: str
    old_value: str
    new_value: str


@dataclass(frozen=True)
class SearchHit:
    recording_id: int
    segment_id: int
    start_s: float
    end_s: float
    speaker: str
    text: str
    recording_name: str
    coach_name: str


def _segment(row: TranscriptSegment) -> Segment:
    return Segment(row.id, row.idx, row.start_s, row.end_s, row.text, row.speaker,
                   tuple((w[0], w[1], w[2], w[3]) for w in row.words), row.edited, row.overlap)


def get_transcript(db: Database, actor: Actor, recording_id: int, *, raw: bool = True) -> TranscriptView:
    """The transcript; raw text only for the roles allowed it (and when `raw`), otherwise redacted."""
    with db.transaction() as session:
        library.require_recording_access(session, actor, recording_id)
        transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording_id))
        if transcript is None:
            raise NotFoundError(f"Recording {recording_id} has no transcript yet; transcribe it first.")
        rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.transcript_id == transcript.id)
                               .order_by(TranscriptSegment.idx))
        segments = [_segment(s) for s in rows]
        if library.identity_hidden_for(session, actor, recording_id):
            segments = neutral_speakers(segments)
        redact = not (raw and redaction.reads_raw(actor))
        if redact:
            segments = redaction.redacted_segments(session, recording_id, segments)
        confirmer = session.get(User, transcript.confirmed_by_id) if transcript.confirmed_by_id else None
        return TranscriptView(transcript.id, recording_id, transcript.status, transcript.model_name,
                              transcript.model_sha256, transcript.engine_version, transcript.settings,
                              transcript.language, tuple(segments),
                              confirmer.display_name if confirmer else None, transcript.confirmed_at, redact,
                              redaction.status(session, recording_id).describe())


def confirm(db: Database, actor: Actor, recording_id: int) -> TranscriptView:
    """A person has read the machine-made transcript (text and speaker labels) against the recording and confirms
    it; recorded in the audit trail. A new transcription starts unconfirmed again."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    with db.transaction() as session:
        transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording_id))
        if transcript is None:
            raise NotFoundError(f"Recording {recording_id} has no transcript yet; transcribe it first.")
        if transcript.status != "complete":
            raise ValidationError("The transcript is not complete yet; confirm it once its job has finished.")
        if transcript.confirmed_by_id is not None:
            raise ConflictError("This transcript is already confirmed.")
        transcript.confirmed_by_id, transcript.confirmed_at = actor.user_id, utc_now()
        audit.record(session, actor, "transcript.confirm", "recording", recording_id,
                     {"transcript": transcript.id, "model": transcript.model_name})
    return get_transcript(db, actor, recording_id)


def segment_count(db: Database, actor: Actor, recording_id: int) -> int:
    """How many segments the recording's transcript has so far (cheap; for live views while transcribing)."""
    require(actor, Permission.VIEW_RECORDINGS)
    with db.transaction() as session:
        return session.scalar(select(func.count(TranscriptSegment.id)).join(Transcript)
                              .where(Transcript.recording_id == recording_id)) or 0


def _segment_for_edit(session: Session, segment_id: int) -> TranscriptSegment:
    segment = session.get(TranscriptSegment, segment_id)
    if segment is None:
        raise NotFoundError(f"There is no transcript segment {segment_id}.")
    return segment


def _log(session: Session, actor: Actor, segment: TranscriptSegment, field: str, old: str, new: str) -> None:
    session.add(TranscriptEdit(segment_id=segment.id, user_id=actor.user_id, field=field, old_value=old,
                               new_value=new))


def edit_text(db: Database, actor: Actor, segment_id: int, new_text: str) -> Segment:
    """Correct a segment's words; its start and end times stay as they are."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    clean = " ".join(new_text.split())
    if not clean:
        raise ValidationError("A segment cannot be empty; correct its words instead.", field="text")
    with db.transaction() as session:
        segment = _segment_for_edit(session, segment_id)
        if clean != segment.text:
            _log(session, actor, segment, "text", segment.text, clean)
            old_text, segment.text, segment.edited = segment.text, clean, True
            redaction.follow_edit(session, segment, old_text)
            audit.record(session, actor, "transcript.edit_text", "transcript_segment", segment.id)
        return _segment(segment)


def _speaker_label(text: str) -> str:
    label = " ".join(text.split())
    if not label or len(label) > SPEAKER_MAX:
        raise ValidationError(f"A speaker label has 1–{SPEAKER_MAX} characters.", field="speaker")
    return label


def _relabel(session: Session, actor: Actor, labels: Sequence[tuple[int, str]]) -> int:
    """Give each (segment id, label) its label, logging every change in the edit history; how many changed."""
    changed = 0
    for segment_id, label in labels:
        segment = _segment_for_edit(session, segment_id)
        if segment.speaker != label:
            _log(session, actor, segment, "speaker", segment.speaker, label)
            segment.speaker, segment.edited = label, True
            changed += 1
    return changed


def set_speaker(db: Database, actor: Actor, segment_ids: Sequence[int], speaker: str) -> int:
    """Assign one speaker label to many segments at once; returns how many changed."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    label = _speaker_label(speaker)
    with db.transaction() as session:
        changed = _relabel(session, actor, [(segment_id, label) for segment_id in segment_ids])
        if changed:
            audit.record(session, actor, "transcript.set_speaker", "transcript_segment",
                         ",".join(map(str, segment_ids[:20])), {"speaker": label, "segments": changed})
    return changed


@dataclass(frozen=True)
class Naming:
    changed: int  # lines relabelled
    voice_remembered_for: str | None  # the coach whose voice is now remembered, when one was named

    def describe(self) -> str:
        said = f"{self.changed} line{'s' if self.changed != 1 else ''} relabelled."
        if self.voice_remembered_for:
            said += (f" {self.voice_remembered_for}'s voice is remembered: their later recordings call it Coach "
                     "where it matches.")
        return said


def name_speakers(db: Database, actor: Actor, recording_id: int, names: Mapping[str, str]) -> Naming:
    """Name the voices of a whole recording at once: each old label becomes its new one, all together (so
    {"Coach": "Coachee", "Coachee": "Coach"} swaps two suggestions the wrong way round; a label given its own name
    stays). Every change is kept in the edit history. The voice named as the coach (Coach, or the coach's name) is
    remembered for the coach's later recordings."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    cleaned = {old: _speaker_label(new) for old, new in names.items()}
    transcript = get_transcript(db, actor, recording_id)
    present = {s.speaker for s in transcript.segments}
    unknown = sorted(set(cleaned) - present)
    if unknown:
        raise ValidationError(f"This transcript has no speaker {', '.join(unknown)}; its speakers are "
                              f"{', '.join(sorted(present)) or 'none yet'}.", field="speaker")
    with db.transaction() as session:
        changed = _relabel(session, actor, [(s.id, cleaned[s.speaker]) for s in transcript.segments
                                            if s.speaker in cleaned])
        if changed:
            audit.record(session, actor, "transcript.name_speakers", "recording", recording_id,
                         {"names": cleaned, "segments": changed})
        remembered = (None if library.identity_hidden_for(session, actor, recording_id)
                      else speaker_attribution.rename_voices(session, actor, recording_id, cleaned))
    return Naming(changed, remembered)


def edit_history(db: Database, actor: Actor, recording_id: int) -> list[EditEntry]:
    require(actor, Permission.VIEW_RECORDINGS)
    with db.transaction() as session:
        if library.identity_hidden_for(session, actor, recording_id):
            raise PermissionDeniedError("You score this recording in a round that hides who is coaching; its "
                                        "correction history can name people and is shown once the round closes.")
        rows = session.execute(
            select(TranscriptEdit, TranscriptSegment.idx, User.username)
            .join(TranscriptSegment, TranscriptSegment.id == TranscriptEdit.segment_id)
            .join(Transcript, Transcript.id == TranscriptSegment.transcript_id)
            .outerjoin(User, User.id == TranscriptEdit.user_id)
            .where(Transcript.recording_id == recording_id).order_by(TranscriptEdit.id)
        )
        return [EditEntry(e.at, user or "", idx, e.field, e.old_value, e.new_value) for e, idx, user in rows]


def export(db: Database, actor: Actor, recording_id: int, export_format: ExportFormat, target: Path | None = None,
           *, redacted: bool = True) -> str:
    """The transcript in a file format, redacted unless `redacted` is False and the role may read raw text (the
    file then says it is unredacted); written atomically to `target` when given."""
    if not redacted and not redaction.reads_raw(actor):
        raise PermissionDeniedError("Your role reads transcripts redacted only; export the redacted transcript.")
    transcript = get_transcript(db, actor, recording_id, raw=not redacted)
    if transcript.status != "complete":
        raise ValidationError("The transcript is not complete yet; wait for its job to finish.")
    content = render(transcript.segments, export_format, transcript.metadata(), transcript.notice)
    if target is not None:
        atomic_write_text(target, content)
        with db.transaction() as session:
            audit.record(session, actor, "transcript.export", "recording", recording_id,
                         {"format": export_format.value, "file": target.name, "redacted": transcript.redacted})
    return content


def search(db: Database, actor: Actor, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Full-text search over every transcript, newest segments first: FTS5 on SQLite, ILIKE elsewhere."""
    require(actor, Permission.VIEW_RECORDINGS)
    words = query.split()
    if not words:
        return []
    columns = (TranscriptSegment.id, TranscriptSegment.start_s, TranscriptSegment.end_s, TranscriptSegment.speaker,
               TranscriptSegment.text, Recording.id, Recording.original_name, Coach.name)
    base = (select(*columns).join(Transcript, Transcript.id == TranscriptSegment.transcript_id)
            .join(Recording, Recording.id == Transcript.recording_id).join(Coach, Coach.id == Recording.coach_id))
    with db.transaction() as session:
        if db.is_sqlite:
            match = fts_query(query)
            if not match:
                return []
            matching = text("SELECT rowid FROM segment_fts WHERE segment_fts MATCH :match "
                            "ORDER BY rowid DESC LIMIT :limit")
            ids = [row[0] for row in session.execute(matching, {"match": match, "limit": limit})]
            order = {segment_id: position for position, segment_id in enumerate(ids)}
            rows = sorted(session.execute(base.where(TranscriptSegment.id.in_(ids))), key=lambda row: order[row[0]])
        else:
            statement = base
            for word in words:
                statement = statement.where(TranscriptSegment.text.ilike(f"%{word}%"))
            rows = list(session.execute(statement.order_by(TranscriptSegment.id.desc()).limit(limit)))
        return [SearchHit(r[5], r[0], r[1], r[2], r[3], r[4], r[6], r[7]) for r in rows]
