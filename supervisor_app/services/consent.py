"""Consent per coachee pseudonym (or per recording), enforced where a recording is used: transcription, a
calibration round, an audit sample, quotes in exports, playback. Withdrawal stops further use at once; purging
then removes the audio (store, cache, team server) and transcript and replaces the recording's quotes in reviews
by "[withdrawn]" — the submitted scores stay, they are about the coach.

The rules themselves are in `core.consent`; the program's policy (`consent_required`, in the database so every
laptop agrees) decides whether a recording without any consent record may be used ("no consent recorded") or
is "consent pending": stored, playable only by whoever imported it, used for nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from supervisor_app.core import consent as rules
from supervisor_app.core.consent import ConsentRecord, Decision, Scope
from supervisor_app.core.roles import Permission
from supervisor_app.errors import (
    ConflictError,
    DatabaseCorruptError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from supervisor_app.files import atomic_target, read_bounded
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, retention
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CoachVoice,
    Consent,
    ConsentScan,
    EvidenceItem,
    ProgramSetting,
    Recording,
    Review,
    Transcript,
    utc_now,
)
from supervisor_app.store.recording_store import RecordingStore

POLICY_KEY = "consent_required"
WITHDRAWN_QUOTE = "[withdrawn]"
NO_CONSENT_QUOTE = "[no consent to quote]"
DOCUMENT_MAX = 500
SCAN_MAX_BYTES = 20 * 1024 * 1024
# what a signed form arrives as, told by its first bytes (a name can lie)
SCAN_TYPES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
              (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))


class ConsentMissingError(PermissionDeniedError):
    """A recording is about to be used in a way its consent does not allow."""


@dataclass(frozen=True)
class ConsentView:
    id: int
    coachee: str
    recording_id: int | None
    scopes: tuple[str, ...]
    withdrawn: dict[str, str]
    captured_on: dt.date
    expires_on: dt.date | None
    document_ref: str
    state: str
    scan: str = ""


@dataclass(frozen=True)
class PurgeResult:
    recordings: tuple[int, ...]
    transcripts: int
    quotes: int
    files: int


def _record(row: Consent) -> ConsentRecord:
    return ConsentRecord(row.id, row.coachee_pseudonym, row.recording_id,
                         frozenset(Scope(s) for s in row.scopes if s in Scope.__members__.values()),
                         row.captured_on, row.expires_on,
                         {Scope(k): dt.date.fromisoformat(v) for k, v in (row.withdrawn or {}).items()},
                         row.document_ref)


def _today() -> dt.date:
    return dt.date.today()


def required(session: Session) -> bool:
    stored = session.get(ProgramSetting, POLICY_KEY)
    return bool(stored.value) if stored is not None else False


def _records_for(session: Session, recordings: Sequence[Recording]) -> list[ConsentRecord]:
    coachees = {r.coachee_pseudonym for r in recordings if r.coachee_pseudonym}
    ids = [r.id for r in recordings]
    rows = session.scalars(select(Consent).where(or_(Consent.recording_id.in_(ids),
                                                     Consent.coachee_pseudonym.in_(coachees)
                                                     & Consent.recording_id.is_(None))))
    return [_record(row) for row in rows]


def decision(session: Session, recording: Recording, scope: Scope) -> Decision:
    record = rules.applicable(_records_for(session, [recording]), recording.id, recording.coachee_pseudonym)
    return rules.decide(record, scope, _today())


def check(session: Session, recording_id: int, scope: Scope) -> None:
    """Refuse, naming the consent that is missing, withdrawn or expired."""
    recording = session.get(Recording, recording_id)
    if recording is None:
        raise NotFoundError(f"There is no recording with id {recording_id}.")
    if recording.purged_at is not None:
        raise ConsentMissingError(f"{recording.original_name}: its audio and transcript were purged after consent "
                                  "was withdrawn; it can no longer be used.")
    found = decision(session, recording, scope)
    if not found.allowed(required(session)):
        who = f" (coachee {recording.coachee_pseudonym})" if recording.coachee_pseudonym else ""
        raise ConsentMissingError(f"{recording.original_name}{who}: {found.describe()}. Record the consent under "
                                  "Consent (or `consent add`) first; nothing was changed.")


def allowed_ids(session: Session, recording_ids: Iterable[int], scope: Scope) -> list[int]:
    """Those of these recordings that may be used for `scope` (order kept)."""
    wanted = list(recording_ids)
    recordings = {r.id: r for r in session.scalars(select(Recording).where(Recording.id.in_(wanted)))}
    records = _records_for(session, list(recordings.values()))
    needed = required(session)
    today = _today()
    return [i for i in wanted if i in recordings and recordings[i].purged_at is None and rules.decide(
        rules.applicable(records, i, recordings[i].coachee_pseudonym), scope, today).allowed(needed)]


def summaries(session: Session, recordings: Sequence[Recording]) -> dict[int, str]:
    """A short consent state per recording, for lists."""
    records = _records_for(session, recordings)
    today = _today()
    pending = required(session)
    out = {}
    for recording in recordings:
        if recording.purged_at is not None:
            out[recording.id] = "purged"
            continue
        record = rules.applicable(records, recording.id, recording.coachee_pseudonym)
        text = rules.summary(record, today)
        out[recording.id] = "consent pending" if record is None and pending else text
    return out


def playable_by(session: Session, actor: Actor, recording: Recording) -> None:
    """Playback: refused after a withdrawal of the recording consent; while consent is pending (required but not
    recorded), only whoever imported the recording plays it."""
    if recording.purged_at is not None:
        raise NotFoundError(f"{recording.original_name}: the audio was purged after consent was withdrawn.")
    found = decision(session, recording, Scope.RECORD)
    if found.state in (rules.State.WITHDRAWN, rules.State.EXPIRED, rules.State.NOT_GRANTED):
        raise ConsentMissingError(f"{recording.original_name}: {found.describe()}; it is not played any more.")
    if found.state is rules.State.MISSING and required(session) and recording.imported_by_id != actor.user_id:
        raise ConsentMissingError(f"{recording.original_name}: consent pending — only whoever imported it may play "
                                  "it until the coachee's consent is recorded.")


def _view(row: Consent, scan: str = "") -> ConsentView:
    record = _record(row)
    return ConsentView(row.id, row.coachee_pseudonym, row.recording_id, tuple(row.scopes), dict(row.withdrawn or {}),
                       row.captured_on, row.expires_on, row.document_ref, rules.summary(record, _today()), scan)


def add_consent(db: Database, actor: Actor, coachee: str, scopes: Iterable[Scope], captured_on: dt.date,
                document_ref: str, expires_on: dt.date | None = None, recording_id: int | None = None) -> ConsentView:
    require(actor, Permission.MANAGE_RECORDINGS)
    name = " ".join(coachee.split())
    granted = sorted({Scope(s).value for s in scopes})
    if not name and recording_id is None:
        raise ValidationError("Name the coachee pseudonym (or the recording) the consent is for.", field="coachee")
    if not granted:
        raise ValidationError("Choose at least one scope the coachee consented to.", field="scopes")
    if captured_on > _today():
        raise ValidationError("The consent's capture date is in the future.", field="captured_on")
    if expires_on is not None and expires_on < captured_on:
        raise ValidationError(f"The consent expires ({expires_on}) before it was captured ({captured_on}); check "
                              "the dates.", field="expires_on")
    reference = " ".join(document_ref.split())
    if len(reference) > DOCUMENT_MAX:
        raise ValidationError(f"The document reference is longer than {DOCUMENT_MAX} characters.",
                              field="document_ref")
    with db.transaction() as session:
        if recording_id is not None:
            recording = session.get(Recording, recording_id)
            if recording is None:
                raise NotFoundError(f"There is no recording with id {recording_id}.")
            name = name or recording.coachee_pseudonym
        row = Consent(coachee_pseudonym=name, recording_id=recording_id, scopes=granted, withdrawn={},
                      captured_on=captured_on, expires_on=expires_on, document_ref=reference,
                      captured_by_id=actor.user_id)
        session.add(row)
        session.flush()
        audit.record(session, actor, "consent.add", "consent", row.id,
                     {"coachee": name, "recording": recording_id, "scopes": granted, "document": reference,
                      "expires": str(expires_on) if expires_on else ""})
        return _view(row)


def list_consents(db: Database, actor: Actor, coachee: str | None = None) -> list[ConsentView]:
    require(actor, Permission.VIEW_RECORDINGS)
    with db.transaction() as session:
        query = select(Consent).order_by(Consent.coachee_pseudonym, Consent.captured_on.desc(), Consent.id.desc())
        if coachee:
            query = query.where(Consent.coachee_pseudonym == " ".join(coachee.split()))
        scans = dict(session.execute(select(ConsentScan.consent_id, ConsentScan.file_name)).all())
        return [_view(row, scans.get(row.id, "")) for row in session.scalars(query)]


def attach_scan(db: Database, actor: Actor, consent_id: int, path: Path) -> ConsentView:
    """Keep the signed form (PDF, PNG, JPEG or TIFF, at most 20 MB) with its consent record, in the database; a
    second scan replaces the first (both are in the audit trail by their SHA-256)."""
    require(actor, Permission.MANAGE_RECORDINGS)
    data = read_bounded(path, SCAN_MAX_BYTES, "a consent scan")
    media_type = next((kind for magic, kind in SCAN_TYPES if data.startswith(magic)), None)
    if media_type is None:
        raise ValidationError(f"{path.name} is not a PDF, PNG, JPEG or TIFF file; scan or save the signed form in "
                              "one of those formats.", field="scan")
    digest = hashlib.sha256(data).hexdigest()
    with db.transaction() as session:
        row = session.get(Consent, consent_id)
        if row is None:
            raise NotFoundError(f"There is no consent record {consent_id}.")
        scan = session.get(ConsentScan, consent_id)
        replaced = scan.sha256 if scan is not None else None
        if scan is None:
            scan = ConsentScan(consent_id=consent_id)
            session.add(scan)
        scan.file_name, scan.media_type, scan.sha256, scan.data = path.name[:255], media_type, digest, data
        scan.attached_by_id, scan.attached_at = actor.user_id, utc_now()
        audit.record(session, actor, "consent.attach_scan", "consent", consent_id,
                     {"sha256": digest, "type": media_type, "bytes": len(data), "replaced": replaced})
        return _view(row, scan.file_name)


def save_scan(db: Database, actor: Actor, consent_id: int, target: Path) -> Path:
    """Write the consent record's scan to `target` (atomically), checked against its SHA-256."""
    require(actor, Permission.MANAGE_RECORDINGS)
    with db.transaction() as session:
        scan = session.get(ConsentScan, consent_id)
        if scan is None:
            raise NotFoundError(f"Consent record {consent_id} has no scan attached.")
        data, digest = scan.data, scan.sha256
    if hashlib.sha256(data).hexdigest() != digest:
        raise DatabaseCorruptError(f"The scan of consent record {consent_id} does not match its SHA-256; restore "
                                   "it from a backup.")
    with atomic_target(target) as tmp:
        tmp.write_bytes(data)
    return target


def withdraw(db: Database, actor: Actor, consent_id: int, scopes: Iterable[Scope], on: dt.date | None = None
             ) -> list[int]:
    """Withdraw scopes from a date on (default today): further use stops at once. Returns the recordings the
    record governs (for the purge the caller offers)."""
    require(actor, Permission.MANAGE_RECORDINGS)
    when = on or _today()
    chosen = {Scope(s) for s in scopes}
    if not chosen:
        raise ValidationError("Choose the scope(s) to withdraw.", field="scopes")
    with db.transaction() as session:
        row = session.get(Consent, consent_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"There is no consent record {consent_id}.")
        if when < row.captured_on:
            raise ValidationError(f"A withdrawal on {when} would come before the consent was captured "
                                  f"({row.captured_on}).", field="on")
        never = sorted(s.value for s in chosen if s.value not in row.scopes)
        if never:
            raise ValidationError(f"Consent record {consent_id} never granted {', '.join(never)}; nothing to "
                                  "withdraw.", field="scopes")
        already = sorted(s.value for s in chosen if s.value in (row.withdrawn or {}))
        if already:
            raise ConflictError(f"{', '.join(already)} already withdrawn on "
                                f"{', '.join(row.withdrawn[s] for s in already)}.")
        row.withdrawn = {**(row.withdrawn or {}), **{s.value: when.isoformat() for s in chosen}}
        audit.record(session, actor, "consent.withdraw", "consent", row.id,
                     {"scopes": sorted(s.value for s in chosen), "on": when.isoformat()})
        return _governed(session, row)


def _governed(session: Session, row: Consent) -> list[int]:
    if row.recording_id is not None:
        return [row.recording_id]
    recordings = list(session.scalars(select(Recording).where(Recording.coachee_pseudonym == row.coachee_pseudonym)))
    records = _records_for(session, recordings)
    return [r.id for r in recordings
            if (chosen := rules.applicable(records, r.id, r.coachee_pseudonym)) is not None and chosen.id == row.id]


def purge_recordings(db: Database, actor: Actor, paths: AppPaths, recording_ids: Sequence[int],
                     reason: str, *, require_withdrawal: bool = True) -> PurgeResult:
    """After a withdrawal, confirmed by the user: the audio (store, decode cache, team server) and transcript go,
    quotes of the recording in reviews become "[withdrawn]"; the row and the submitted scores stay. Recorded in the
    audit trail with the audio's SHA-256, no content."""
    require(actor, Permission.MANAGE_RECORDINGS)
    store = RecordingStore(db, paths.recordings_dir)
    files: list[str] = []
    transcripts = quotes = 0
    with db.transaction() as session:
        # locked: a second laptop purging the same recordings waits, then finds them purged
        recordings = list(session.scalars(select(Recording).where(Recording.id.in_(list(recording_ids)))
                                          .with_for_update(of=Recording)))
        if len(recordings) != len(set(recording_ids)):
            raise NotFoundError("One of the recordings to purge does not exist.")
        held = retention.hold_on(session, recordings)
        if held:
            first = next(r for r in recordings if r.id in held)
            raise ConflictError(f"{first.original_name} is under {held[first.id]}: nothing is purged until the "
                                "hold is released (hold release).")
        records = _records_for(session, recordings)
        today = _today()
        for recording in recordings:
            governing = rules.applicable(records, recording.id, recording.coachee_pseudonym)
            if require_withdrawal and not any(rules.decide(governing, s, today).state is rules.State.WITHDRAWN
                                              for s in Scope):
                raise ConflictError(f"{recording.original_name}: no consent was withdrawn for it; nothing is purged.")
            if recording.purged_at is not None:
                continue
            transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording.id))
            if transcript is not None:
                session.delete(transcript)
                transcripts += 1
            quoted = (EvidenceItem.review_id.in_(select(Review.id).where(Review.recording_id == recording.id)),
                      EvidenceItem.quote != "", EvidenceItem.quote != WITHDRAWN_QUOTE)
            quotes += session.scalar(select(func.count()).select_from(EvidenceItem).where(*quoted)) or 0
            session.execute(update(EvidenceItem).where(*quoted).values(quote=WITHDRAWN_QUOTE))
            session.execute(delete(CoachVoice).where(CoachVoice.recording_id == recording.id))  # a voice heard there
            store.forget(session, recording.sha256)
            recording.purged_at = utc_now()
            files.append(recording.stored_name)
            audit.record(session, actor, "recording.purge", "recording", recording.id,
                         {"sha256": recording.sha256, "transcript": transcript is not None}, reason)
        hashes = [r.sha256 for r in recordings]
    removed = retention.remove_local(store, paths, files, hashes)
    return PurgeResult(tuple(r.id for r in recordings), transcripts, quotes, removed)


def set_required(db: Database, actor: Actor, required_now: bool) -> None:
    """The program's policy: with it, a recording without recorded consent is 'consent pending'."""
    require(actor, Permission.MANAGE_USERS)
    with db.transaction() as session:
        if session.get(ProgramSetting, POLICY_KEY) is None:
            try:  # two administrators at once: the second finds the first one's row and updates it
                with session.begin_nested():
                    session.add(ProgramSetting(key=POLICY_KEY, value=required_now, updated_by_id=actor.user_id))
            except IntegrityError:
                pass
        stored = session.get(ProgramSetting, POLICY_KEY, with_for_update=True, populate_existing=True)
        assert stored is not None
        stored.value, stored.updated_at, stored.updated_by_id = required_now, utc_now(), actor.user_id
        audit.record(session, actor, "consent.policy", "setting", POLICY_KEY, {"required": required_now})


def is_required(db: Database) -> bool:
    with db.transaction() as session:
        return required(session)
