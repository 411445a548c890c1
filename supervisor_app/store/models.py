"""The ORM models. Portable SQL only: the same schema runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from supervisor_app.core.coaches import CoachLevel
from supervisor_app.core.roles import Role

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _values_in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_values_in("role", [r.value for r in Role]), name="role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # deferred: on a team server, logins may not read it (only sign-in by app password touches it)
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True)
    # on a team server, the PostgreSQL login that acts as this user (row-level security keys on it)
    db_login: Mapped[str | None] = mapped_column(String(63), unique=True, nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Coach(Base):
    __tablename__ = "coaches"
    __table_args__ = (CheckConstraint(_values_in("level", [lv.value for lv in CoachLevel]), name="level_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    level: Mapped[str] = mapped_column(String(40))
    business_unit: Mapped[str] = mapped_column(String(200), default="")
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    # the coach's own account, when they also use the app (a lead coach on a panel): never their own reviewer
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    certified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    supervisor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[supervisor_id])


class RubricVersion(Base):
    """One imported version of a rubric; the document is stored whole and never changed in place."""

    __tablename__ = "rubric_versions"
    __table_args__ = (UniqueConstraint("rubric_key", "version", name="uq_rubric_versions_key_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rubric_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    source_name: Mapped[str] = mapped_column(String(500), default="")
    # saved from the rubric editor: the version it was edited from, and why it changed
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rubric_versions.id"), nullable=True)
    change_note: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(Base):
    """Append-only, hash-chained record of who did what, when, to which record, and why."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Recording(Base):
    """One recorded coaching session; the file lives in the managed store, named by its SHA-256."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(500))
    stored_name: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer)
    container: Mapped[str] = mapped_column(String(100))
    codec: Mapped[str] = mapped_column(String(100))
    duration_s: Mapped[float] = mapped_column(Float)
    sample_rate: Mapped[int] = mapped_column(Integer)
    channels: Mapped[int] = mapped_column(Integer)
    has_video: Mapped[bool] = mapped_column(Boolean, default=False)
    damage_note: Mapped[str] = mapped_column(Text, default="")
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    coachee_pseudonym: Mapped[str] = mapped_column(String(100), default="", index=True)
    session_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # set when its audio and transcript were purged (consent withdrawn): the row stays for the reviews of it
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    speakers: Mapped[int] = mapped_column(Integer, default=2)  # voices to tell apart

    coach: Mapped[Coach] = relationship(lazy="joined")


class Transcript(Base):
    """The transcript of one recording: which model and settings made it, and whether it is complete."""

    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    model_name: Mapped[str] = mapped_column(String(200))
    model_sha256: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(50))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(20), default="")
    language_probability: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # machine-made until a person confirms it (text and speaker labels); a new transcription starts unconfirmed
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TranscriptVoices(Base):
    """The voices speaker attribution found in a transcript, by label ({"Coach": Voice.as_dict(), ...}), renamed
    with the labels. Kept apart from the transcript so that on PostgreSQL only staff can read them."""

    __tablename__ = "transcript_voices"

    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True)
    voices: Mapped[dict[str, Any]] = mapped_column(JSON)


class TranscriptSegment(Base):
    __tablename__ = "transcript_segments"
    __table_args__ = (UniqueConstraint("transcript_id", "idx", name="uq_transcript_segments_transcript_idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str] = mapped_column(String(64), default="")
    words: Mapped[list[Any]] = mapped_column(JSON)
    avg_logprob: Mapped[float] = mapped_column(Float, default=0.0)
    no_speech_prob: Mapped[float] = mapped_column(Float, default=0.0)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    overlap: Mapped[bool] = mapped_column(Boolean, default=False)  # two voices at once


class CoachVoice(Base):
    """A coach's voice as a person named it in one of their recordings: later recordings of the coach where the
    voice matches call that voice Coach. Staff only (on PostgreSQL raters have no grant)."""

    __tablename__ = "coach_voices"

    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), primary_key=True)
    voice: Mapped[dict[str, Any]] = mapped_column(JSON)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id", ondelete="SET NULL"),
                                                     nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class TranscriptEdit(Base):
    """Edit history of transcript segments: who changed which field, from what, to what."""

    __tablename__ = "transcript_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("transcript_segments.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    field: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)


class TranscriptionJob(Base):
    """A persisted queue entry: survives crashes and restarts; the worker process updates it as it goes."""

    __tablename__ = "transcription_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    progress_s: Mapped[float] = mapped_column(Float, default=0.0)
    resumed_from_s: Mapped[float] = mapped_column(Float, default=0.0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    worker_host: Mapped[str] = mapped_column(String(255), default="")
    message: Mapped[str] = mapped_column(Text, default="")


class Review(Base):
    """One rater scoring one recording against one rubric version. Submitted versions never change."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # bumped by every save of the draft: a save based on an older revision is a conflict, never an overwrite
    revision: Mapped[int] = mapped_column(Integer, default=0)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), nullable=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("calibration_rounds.id"), nullable=True, index=True)
    amendment_reason: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    feedback_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    feedback_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # retention anonymised it: rationale, feedback and evidence text are gone, the scores stay
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # a practice review against this gold standard: training only, never in audit figures or exports
    gold_standard_id: Mapped[int | None] = mapped_column(ForeignKey("gold_standards.id"), nullable=True, index=True)


class ReviewScore(Base):
    __tablename__ = "review_scores"
    __table_args__ = (UniqueConstraint("review_id", "competency_id", name="uq_review_scores_review_competency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gate_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    not_observed: Mapped[bool] = mapped_column(Boolean, default=False)
    rationale: Mapped[str] = mapped_column(Text, default="")


class EvidenceItem(Base):
    """A moment in the recording that justifies a score: time range, the words said, a tag, a note."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    quote: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class CalibrationRound(Base):
    """Several raters score the same recordings blind; then reveal, compare, agree a consensus, close."""

    __tablename__ = "calibration_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    master_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    hide_identity: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    revealed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reveal_reason: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RoundRecording(Base):
    __tablename__ = "round_recordings"
    __table_args__ = (UniqueConstraint("round_id", "recording_id", name="uq_round_recordings_round_recording"),
                      UniqueConstraint("round_id", "code", name="uq_round_recordings_round_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("calibration_rounds.id", ondelete="CASCADE"), index=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"))
    code: Mapped[str] = mapped_column(String(16))


class RoundRater(Base):
    __tablename__ = "round_raters"
    __table_args__ = (UniqueConstraint("round_id", "rater_id", name="uq_round_raters_round_rater"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("calibration_rounds.id", ondelete="CASCADE"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class RoundConsensus(Base):
    __tablename__ = "round_consensus"
    __table_args__ = (UniqueConstraint("round_id", "recording_id", "competency_id",
                                       name="uq_round_consensus_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("calibration_rounds.id", ondelete="CASCADE"), index=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"))
    competency_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gate_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class RoundNote(Base):
    """Discussion after the reveal."""

    __tablename__ = "round_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("calibration_rounds.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id"), nullable=True)
    competency_id: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)


class AuditCycle(Base):
    """A quarter's audit: the frame of active coaches and the seed it was drawn with (docs/audit-sampling.md)."""

    __tablename__ = "audit_cycles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), unique=True)
    share_numerator: Mapped[int] = mapped_column(Integer)
    share_denominator: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    stratify: Mapped[str] = mapped_column(String(40), default="")
    prioritise_unaudited: Mapped[bool] = mapped_column(Boolean, default=False)
    independent: Mapped[bool] = mapped_column(Boolean, default=False)
    frame: Mapped[list[Any]] = mapped_column(JSON)
    frame_sha256: Mapped[str] = mapped_column(String(64))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditSample(Base):
    """One sampled coach, in draw order, with the session picked for review (or the date one is due by)."""

    __tablename__ = "audit_samples"
    __table_args__ = (UniqueConstraint("cycle_id", "coach_id", name="uq_audit_samples_cycle_coach"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("audit_cycles.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"))
    position: Mapped[int] = mapped_column(Integer)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id"), nullable=True)
    recording_due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    excused_reason: Mapped[str] = mapped_column(Text, default="")


class Assignment(Base):
    """A reviewer asked to review a recording by a date: the access model for raters (they open the recordings,
    transcripts and reviews of their own assignments). Reassigning keeps the old row with its reason."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("audit_cycles.id"), nullable=True, index=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), nullable=True)
    double_scored: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class SupervisionSession(Base):
    """A supervision 1:1 with the coach after a review (the program asks for one within a week)."""

    __tablename__ = "supervision_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), unique=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class RecordingBlob(Base):
    """A recording's bytes on a team server, named by their SHA-256 and stored in chunks (one pg_dump backs up
    everything). `complete` once every chunk is in: an interrupted upload resumes with the chunks it lacks."""

    __tablename__ = "recording_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    chunk_bytes: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class RecordingChunk(Base):
    __tablename__ = "recording_chunks"

    sha256: Mapped[str] = mapped_column(ForeignKey("recording_blobs.sha256", ondelete="CASCADE"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ProgramSetting(Base):
    """Settings every laptop of a program must share (pseudonym key, calibration rule, retention, audit)."""

    __tablename__ = "program_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Consent(Base):
    """A coachee's consent (or one recording's, where it differs): the scopes granted, by whom it was captured,
    the document it rests on, its expiry, and each withdrawal with its date (scope → ISO date)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coachee_pseudonym: Mapped[str] = mapped_column(String(100), index=True)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"),
                                                     nullable=True, index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    withdrawn: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    captured_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    document_ref: Mapped[str] = mapped_column(String(500), default="")
    captured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class ConsentScan(Base):
    """The signed consent form attached to a consent record (a scan or PDF), kept in the database so backups and
    the team server hold it too."""

    __tablename__ = "consent_scans"

    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    attached_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class Redaction(Base):
    """A span of one transcript segment's text that names or identifies someone: suggested by a detector or
    marked by hand, then accepted or rejected by a person. `raw` is the covered text (read only by the roles
    allowed raw text), used to find the same words in quotes copied from the transcript."""

    __tablename__ = "redactions"
    __table_args__ = (UniqueConstraint("segment_id", "start_char", "end_char", name="uq_redactions_span"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("transcript_segments.id", ondelete="CASCADE"), index=True)
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class RedactionTerm(Base):
    """A program-wide word or phrase to redact (company, client or project name; a person's real name)."""

    __tablename__ = "redaction_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class LegalHold(Base):
    """While a hold is in force (not released), retention purges nothing of its coach, recording or round."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class GoldStandard(Base):
    """A recording's reference scoring for practice: a revealed round's consensus or its master's review, copied
    when the lead marks it (so later changes to the round cannot move the target a rater practised against)."""

    __tablename__ = "gold_standards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("calibration_rounds.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(20))
    tolerance: Mapped[int] = mapped_column(Integer, default=1)
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class GoldStandardScore(Base):
    __tablename__ = "gold_scores"
    __table_args__ = (UniqueConstraint("gold_id", "competency_id", name="uq_gold_scores_gold_competency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gold_id: Mapped[int] = mapped_column(ForeignKey("gold_standards.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gate_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    rationale: Mapped[str] = mapped_column(Text, default="")


class GoldEvidence(Base):
    __tablename__ = "gold_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gold_id: Mapped[int] = mapped_column(ForeignKey("gold_standards.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[str] = mapped_column(String(64))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    quote: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str] = mapped_column(String(40), default="")


class PracticeCredit(Base):
    """The lead's decision that a practice review counts towards the rater being calibrated. A table of its own
    (not a column of the review) so that on the team server only staff can write it."""

    __tablename__ = "practice_credits"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
