"""Retention and legal hold: the program's policy per data class, what is due and why, and the purge — a verified
backup first, then audio out of the store and caches, transcripts and unsubmitted drafts deleted, old submitted
reviews anonymised, each recorded in the audit trail by ids and content hashes (never content); backups older
than the shortest window are pruned, and the preview names the backups that still hold purged data.

The rules are in `core.retention`; the policy lives in the database (`program_settings`), so every laptop of a
team agrees on it. On a team server the app cannot dump the database: the purge asks the administrator to
confirm that a pg_dump was taken.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from supervisor_app.core.retention import DataClass, HoldTarget, Policy, Usage, due_since
from supervisor_app.core.roles import Permission
from supervisor_app.errors import ConflictError, NotFoundError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit
from supervisor_app.services.context import Actor, require
from supervisor_app.store import backup
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    Assignment,
    AuditCycle,
    AuditSample,
    CalibrationRound,
    Coach,
    CoachVoice,
    EvidenceItem,
    GoldEvidence,
    GoldStandard,
    GoldStandardScore,
    LegalHold,
    ProgramSetting,
    Recording,
    Review,
    ReviewScore,
    RoundRecording,
    Transcript,
    TranscriptSegment,
    utc_now,
)
from supervisor_app.store.recording_store import RecordingStore

POLICY_KEY = "retention_policy"
LAST_PURGE_KEY = "retention_last_purge"
PURGED_QUOTE = "[purged: retention]"
REASON_MIN = 5
_DRAFT, _SUBMITTED = "draft", "submitted"


@dataclass(frozen=True)
class DueItem:
    data_class: DataClass
    entity_id: int
    description: str
    last_use: dt.datetime
    due_since: dt.datetime
    held_by: str = ""

    @property
    def why(self) -> str:
        window = (self.due_since - self.last_use).days
        text = f"last used {self.last_use:%Y-%m-%d}; kept {window} days, due since {self.due_since:%Y-%m-%d}"
        return text + (f" — suspended by {self.held_by}" if self.held_by else "")


@dataclass(frozen=True)
class BackupNote:
    name: str
    created: dt.datetime
    holds_purged_data: bool
    pruned_after: dt.datetime


@dataclass(frozen=True)
class Preview:
    policy: Policy
    due: tuple[DueItem, ...]
    backups: tuple[BackupNote, ...]
    last_purge: dt.datetime | None

    @property
    def purgeable(self) -> tuple[DueItem, ...]:
        return tuple(d for d in self.due if not d.held_by)

    @property
    def held(self) -> tuple[DueItem, ...]:
        return tuple(d for d in self.due if d.held_by)

    def summary(self) -> str:
        counts: dict[DataClass, int] = defaultdict(int)
        for item in self.purgeable:
            counts[item.data_class] += 1
        if not counts:
            return (f"Nothing can be purged now: {len(self.held)} item(s) are due but held." if self.held
                    else "Nothing is due for purging under the retention policy.")
        parts = [f"{n} {c.label}{'s' if n != 1 else ''}" for c, n in counts.items()]
        held = f" ({len(self.held)} more held)" if self.held else ""
        return f"Due for purging: {', '.join(parts)}{held}."


@dataclass(frozen=True)
class PurgeReport:
    backup: str
    purged: tuple[DueItem, ...]
    files_removed: int
    backups_pruned: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class HoldView:
    id: int
    target: HoldTarget
    entity_id: int
    reason: str
    placed_at: dt.datetime
    released_at: dt.datetime | None


# ------------------------------------------------------------------ policy
def policy_of(session: Session) -> Policy:
    stored = session.get(ProgramSetting, POLICY_KEY)
    return Policy.from_json(stored.value if stored is not None else None)


def get_policy(db: Database) -> Policy:
    with db.transaction() as session:
        return policy_of(session)


def set_policy(db: Database, actor: Actor, policy: Policy) -> Policy:
    require(actor, Permission.MANAGE_USERS)
    problems = policy.problems()
    if problems:
        raise ValidationError("The retention policy is not valid: " + "; ".join(problems) + ".", field="policy")
    with db.transaction() as session:
        row = session.get(ProgramSetting, POLICY_KEY)
        if row is None:
            session.add(ProgramSetting(key=POLICY_KEY, value=policy.as_json(), updated_by_id=actor.user_id))
        else:
            row.value, row.updated_at, row.updated_by_id = policy.as_json(), utc_now(), actor.user_id
        audit.record(session, actor, "retention.policy", "program_setting", POLICY_KEY, policy.as_json())
    return policy


# ------------------------------------------------------------------ legal holds
def _hold_view(row: LegalHold) -> HoldView:
    return HoldView(row.id, HoldTarget(row.entity_type), row.entity_id, row.reason, row.placed_at, row.released_at)


def place_hold(db: Database, actor: Actor, target: HoldTarget, entity_id: int, reason: str) -> HoldView:
    """Suspend purging of a coach's, a recording's or a round's data until the hold is released."""
    require(actor, Permission.MANAGE_USERS)
    why = " ".join(reason.split())
    if len(why) < REASON_MIN:
        raise ValidationError(f"Say why the data is held (at least {REASON_MIN} characters, e.g. the case "
                              "reference).", field="reason")
    model = {HoldTarget.COACH: Coach, HoldTarget.RECORDING: Recording, HoldTarget.ROUND: CalibrationRound}[target]
    with db.transaction() as session:
        if session.get(model, entity_id) is None:
            raise NotFoundError(f"There is no {target.value} {entity_id} to hold.")
        row = LegalHold(entity_type=target.value, entity_id=entity_id, reason=why, placed_by_id=actor.user_id)
        session.add(row)
        session.flush()
        audit.record(session, actor, "retention.hold", target.value, entity_id, {"hold": row.id}, why)
        return _hold_view(row)


def release_hold(db: Database, actor: Actor, hold_id: int, reason: str) -> HoldView:
    require(actor, Permission.MANAGE_USERS)
    why = " ".join(reason.split())
    if len(why) < REASON_MIN:
        raise ValidationError(f"Say why the hold ends (at least {REASON_MIN} characters).", field="reason")
    with db.transaction() as session:
        row = session.get(LegalHold, hold_id)
        if row is None:
            raise NotFoundError(f"There is no legal hold {hold_id}.")
        if row.released_at is not None:
            raise ConflictError(f"Legal hold {hold_id} was already released on {row.released_at:%Y-%m-%d}.")
        row.released_at, row.released_by_id = utc_now(), actor.user_id
        audit.record(session, actor, "retention.release", row.entity_type, row.entity_id, {"hold": row.id}, why)
        return _hold_view(row)


def list_holds(db: Database, actor: Actor, *, active_only: bool = False) -> list[HoldView]:
    require(actor, Permission.MANAGE_RECORDINGS)
    with db.transaction() as session:
        statement = select(LegalHold).order_by(LegalHold.id.desc())
        if active_only:
            statement = statement.where(LegalHold.released_at.is_(None))
        return [_hold_view(r) for r in session.scalars(statement)]


class _Holds:
    def __init__(self, session: Session) -> None:
        self.by_target: dict[tuple[str, int], LegalHold] = {
            (h.entity_type, h.entity_id): h
            for h in session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None)))}
        self.rounds_of: dict[int, set[int]] = defaultdict(set)
        for round_id, recording_id in session.execute(select(RoundRecording.round_id, RoundRecording.recording_id)):
            self.rounds_of[recording_id].add(round_id)

    def _describe(self, hold: LegalHold) -> str:
        return f"legal hold {hold.id} on {hold.entity_type} {hold.entity_id} ({hold.reason})"

    def on_recording(self, recording: Recording, round_id: int | None = None) -> str:
        keys = [("recording", recording.id), ("coach", recording.coach_id),
                *(("round", r) for r in self.rounds_of.get(recording.id, ())),
                *((("round", round_id),) if round_id is not None else ())]
        hold = next((self.by_target[k] for k in keys if k in self.by_target), None)
        return self._describe(hold) if hold is not None else ""


# ------------------------------------------------------------------ what is due
def _usage(session: Session, recordings: Sequence[Recording]) -> dict[int, Usage]:
    """Each of these (unpurged) recordings' last use, and what still uses it."""
    uses: dict[int, list[dt.datetime]] = defaultdict(list)
    in_use: dict[int, str] = {}
    for recording_id, updated, submitted in session.execute(
            select(Review.recording_id, Review.updated_at, Review.submitted_at)):
        uses[recording_id] += [t for t in (updated, submitted) if t is not None]
    cycle_rows = session.execute(
        select(AuditSample.recording_id, AuditCycle.quarter, AuditCycle.status, AuditCycle.closed_at)
        .join(AuditCycle, AuditCycle.id == AuditSample.cycle_id).where(AuditSample.recording_id.is_not(None))
        .union_all(select(Assignment.recording_id, AuditCycle.quarter, AuditCycle.status, AuditCycle.closed_at)
                   .join(AuditCycle, AuditCycle.id == Assignment.cycle_id)))
    for used_id, quarter, status, closed_at in cycle_rows:
        if used_id is None:
            continue
        if status != "closed" or closed_at is None:
            in_use[used_id] = f"audit cycle {quarter} is open"
        else:
            uses[used_id].append(closed_at)
    for recording_id, title, status, closed_at in session.execute(
            select(RoundRecording.recording_id, CalibrationRound.title, CalibrationRound.status,
                   CalibrationRound.closed_at).join(CalibrationRound, CalibrationRound.id == RoundRecording.round_id)):
        if status != "closed" or closed_at is None:
            in_use[recording_id] = f"calibration round “{title}” is not closed"
        else:
            uses[recording_id].append(closed_at)
    return {r.id: Usage(r.imported_at, tuple(uses.get(r.id, ())), in_use.get(r.id, "")) for r in recordings}


def _describe(recording: Recording) -> str:
    return f"recording {recording.id} ({recording.original_name}, coach {recording.coach.name})"


def _due(session: Session, now: dt.datetime) -> list[DueItem]:
    policy, holds = policy_of(session), _Holds(session)
    items: list[DueItem] = []
    recordings = {r.id: r for r in session.scalars(select(Recording))}
    usage = _usage(session, [r for r in recordings.values() if r.purged_at is None])
    transcribed = set(session.scalars(select(Transcript.recording_id)))
    for recording_id, use in usage.items():
        if use.in_use_by:
            continue
        recording = recordings[recording_id]
        held = holds.on_recording(recording)
        since = due_since(use.last(), policy.window(DataClass.RECORDING), now)
        if since is not None:
            items.append(DueItem(DataClass.RECORDING, recording_id, _describe(recording)
                                 + (" with its transcript" if recording_id in transcribed else ""),
                                 use.last(), since, held))
            continue
        since = due_since(use.last(), policy.window(DataClass.TRANSCRIPT), now)
        if since is not None and recording_id in transcribed:
            items.append(DueItem(DataClass.TRANSCRIPT, recording_id, f"transcript of {_describe(recording)}",
                                 use.last(), since, held))
    open_rounds = set(session.scalars(select(CalibrationRound.id).where(CalibrationRound.status != "closed")))
    assigned = set(session.scalars(select(Assignment.review_id).where(Assignment.review_id.is_not(None))))
    for review in session.scalars(select(Review).where(Review.purged_at.is_(None))):
        if review.status == _DRAFT:  # a draft never submitted, unless a round or an assignment still uses it
            if review.round_id in open_rounds or review.id in assigned:
                continue
            data_class, since_when, label = DataClass.DRAFT, review.updated_at, f"draft review {review.id}"
        elif review.submitted_at is not None:
            data_class, since_when, label = DataClass.REVIEW, review.submitted_at, f"review {review.id} (text)"
        else:
            continue
        since = due_since(since_when, policy.window(data_class), now)
        if since is not None:
            recording = recordings[review.recording_id]
            items.append(DueItem(data_class, review.id, f"{label} of {_describe(recording)}", since_when, since,
                                 holds.on_recording(recording, review.round_id)))
    return sorted(items, key=lambda i: (i.due_since, i.data_class.value, i.entity_id))


def _backup_time(path: Path) -> dt.datetime | None:
    stamp = path.name.removeprefix("supervisor-").split("-", 1)[0]
    try:
        return dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _backups(paths: AppPaths, policy: Policy, last_purge: dt.datetime | None) -> list[BackupNote]:
    notes = []
    for path in backup.list_backups(paths.backups_dir):
        created = _backup_time(path)
        if created is not None:
            notes.append(BackupNote(path.name, created, last_purge is not None and created <= last_purge,
                                    created + policy.shortest))
    return notes


def _last_purge(session: Session) -> dt.datetime | None:
    stored = session.get(ProgramSetting, LAST_PURGE_KEY)
    return dt.datetime.fromisoformat(stored.value) if stored is not None and isinstance(stored.value, str) else None


def preview(db: Database, actor: Actor, paths: AppPaths, now: dt.datetime | None = None) -> Preview:
    """What the policy says must go now, and why; held items are listed with their hold."""
    require(actor, Permission.MANAGE_RECORDINGS)
    moment = now or utc_now()
    with db.transaction() as session:
        policy, last = policy_of(session), _last_purge(session)
        return Preview(policy, tuple(_due(session, moment)), tuple(_backups(paths, policy, last)), last)


def due_notice(db: Database, actor: Actor, paths: AppPaths) -> str | None:
    """One sentence for the start of a session (staff only), or None when nothing is due."""
    if not actor.can(Permission.MANAGE_RECORDINGS):
        return None
    result = preview(db, actor, paths)
    return result.summary() if result.purgeable else None


# ------------------------------------------------------------------ the purge
def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()


def _drop_transcript(session: Session, recording_id: int) -> str | None:
    transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording_id))
    if transcript is None:
        return None
    texts = list(session.scalars(select(TranscriptSegment.text).where(TranscriptSegment.transcript_id == transcript.id)
                                 .order_by(TranscriptSegment.idx)))
    session.delete(transcript)
    quoted = (EvidenceItem.review_id.in_(select(Review.id).where(Review.recording_id == recording_id)),
              EvidenceItem.quote != "")
    session.execute(update(EvidenceItem).where(*quoted).values(quote=PURGED_QUOTE))
    return _digest(texts)


def purge(db: Database, actor: Actor, paths: AppPaths, now: dt.datetime | None = None, *,
          server_backup_taken: bool = False) -> PurgeReport:
    """Purge what is due (never what is held): backup first, then the store, caches and rows; returns the report."""
    require(actor, Permission.MANAGE_USERS)
    moment = now or utc_now()
    if db.sqlite_file is None and not server_backup_taken:
        raise ConflictError("A purge cannot be undone. On a team server, take a backup with pg_dump first, then "
                            "confirm that you did (retention purge --server-backup-taken).")
    with db.transaction() as session:
        due = [d for d in _due(session, moment) if not d.held_by]
    if not due:
        return PurgeReport("", (), 0)
    taken = backup.create_backup(db.sqlite_file, paths.backups_dir, "before-retention-purge").name \
        if db.sqlite_file is not None else "pg_dump (confirmed by the administrator)"
    store = RecordingStore(db, paths.recordings_dir)
    files: list[str] = []
    hashes: list[str] = []
    done: list[DueItem] = []
    with db.transaction() as session:
        still_due = {(d.data_class, d.entity_id) for d in _due(session, moment) if not d.held_by}
        for item in due:
            if (item.data_class, item.entity_id) not in still_due:
                continue  # changed since the first look (a new review, a hold): left alone
            details = _purge_item(session, store, item, files, hashes)
            audit.record(session, actor, f"retention.purge_{item.data_class.value}", item.data_class.value,
                         item.entity_id, details, "retention policy")
            done.append(item)
        finished = utc_now().isoformat()  # every backup taken before this moment holds what was purged
        row = session.get(ProgramSetting, LAST_PURGE_KEY)
        if row is None:
            session.add(ProgramSetting(key=LAST_PURGE_KEY, value=finished, updated_by_id=actor.user_id))
        else:
            row.value, row.updated_at, row.updated_by_id = finished, utc_now(), actor.user_id
        policy = policy_of(session)
    removed = remove_local(store, paths, files, hashes)
    return PurgeReport(taken, tuple(done), removed, _prune_backups(paths, policy, moment, keep=taken))


def remove_local(store: RecordingStore, paths: AppPaths, stored_names: Sequence[str], hashes: Sequence[str]) -> int:
    """Delete this laptop's copies of purged audio (store files, decoded caches); returns how many files went."""
    removed = 0
    for stored_name in stored_names:
        path = store.path(stored_name)
        if path.exists():
            path.unlink()
            removed += 1
    for sha256 in hashes:
        for cached in paths.audio_cache_dir.glob(f"{sha256}*"):
            cached.unlink(missing_ok=True)
    return removed


def _forget_gold(session: Session, recording_id: int) -> None:
    """A gold standard copies its reviews' rationale and quotes: they go with the reviews' text, and no new practice
    starts against what is left."""
    for gold in session.scalars(select(GoldStandard).where(GoldStandard.recording_id == recording_id)):
        gold.withdrawn_at = gold.withdrawn_at or utc_now()
        for score in session.scalars(select(GoldStandardScore).where(GoldStandardScore.gold_id == gold.id)):
            score.rationale = ""
        for moment in session.scalars(select(GoldEvidence).where(GoldEvidence.gold_id == gold.id)):
            moment.quote = ""


def _purge_item(session: Session, store: RecordingStore, item: DueItem, files: list[str], hashes: list[str]
                ) -> dict[str, object]:
    if item.data_class is DataClass.RECORDING:
        recording = session.get(Recording, item.entity_id)
        assert recording is not None
        transcript = _drop_transcript(session, recording.id)
        _forget_gold(session, recording.id)
        session.execute(delete(CoachVoice).where(CoachVoice.recording_id == recording.id))  # a voice heard there
        store.forget(session, recording.sha256)
        recording.purged_at = utc_now()
        files.append(recording.stored_name)
        hashes.append(recording.sha256)
        return {"sha256": recording.sha256, "transcript_sha256": transcript}
    if item.data_class is DataClass.TRANSCRIPT:
        return {"transcript_sha256": _drop_transcript(session, item.entity_id)}
    review = session.get(Review, item.entity_id)
    assert review is not None
    scores = list(session.scalars(select(ReviewScore).where(ReviewScore.review_id == review.id)))
    evidence = list(session.scalars(select(EvidenceItem).where(EvidenceItem.review_id == review.id)))
    content = _digest([(s.competency_id, s.score, s.gate_passed, s.rationale) for s in scores],
                      [(e.competency_id, e.start_s, e.end_s, e.quote, e.note) for e in evidence], review.feedback)
    if item.data_class is DataClass.DRAFT:
        session.delete(review)
        return {"content_sha256": content, "recording": review.recording_id}
    for score in scores:
        score.rationale = ""
    for evidence_item in evidence:
        evidence_item.quote, evidence_item.note = "", ""
    review.feedback, review.purged_at = "", utc_now()
    _forget_gold(session, review.recording_id)
    return {"content_sha256": content, "recording": review.recording_id, "scores_kept": len(scores)}


def _prune_backups(paths: AppPaths, policy: Policy, now: dt.datetime, keep: str) -> tuple[str, ...]:
    pruned = []
    for path in backup.list_backups(paths.backups_dir):
        created = _backup_time(path)
        if path.name != keep and created is not None and created + policy.shortest <= now:
            path.unlink(missing_ok=True)
            pruned.append(path.name)
    return tuple(pruned)


def sweep_local(db: Database, paths: AppPaths) -> int:
    """Remove this laptop's copies (store cache and decoded audio) of recordings purged elsewhere — on a team
    server another laptop may have purged them; run at start. Returns how many audio files went."""
    with db.transaction() as session:
        purged = list(session.execute(select(Recording.stored_name, Recording.sha256)
                                      .where(Recording.purged_at.is_not(None))))
    return remove_local(RecordingStore(db, paths.recordings_dir), paths, [n for n, _ in purged],
                         [h for _, h in purged])


def hold_on(session: Session, recordings: Sequence[Recording]) -> dict[int, str]:
    """Which of these recordings a legal hold covers, with the hold in words (consent purges and erasure ask)."""
    holds = _Holds(session)
    return {r.id: text for r in recordings if (text := holds.on_recording(r))}
