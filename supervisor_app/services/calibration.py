"""Calibration rounds: a panel scores the same recordings blind, then the lead reveals, compares, records a
consensus per competency and closes the round.

Blinding lives here, not in the GUI: while a round is open nobody — rater, lead or administrator — can read
another rater's scores, evidence or notes for it; the lead sees only who has submitted.
"""

from __future__ import annotations

import datetime as dt
import secrets
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervisor_app.core.agreement import Agreement, CalibrationRule, Rating, by_competency, calibrated
from supervisor_app.core.consent import Scope
from supervisor_app.core.reviews import numeric_value
from supervisor_app.core.roles import Permission
from supervisor_app.core.rubric import Rubric
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.services import audit, consent, redaction, rubrics
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CalibrationRound,
    EvidenceItem,
    Recording,
    Review,
    ReviewScore,
    RoundConsensus,
    RoundNote,
    RoundRater,
    RoundRecording,
    RubricVersion,
    User,
    utc_now,
)

OPEN, REVEALED, CLOSED = "open", "revealed", "closed"
REASON_MIN = 10
TITLE_MAX = 200


@dataclass(frozen=True)
class RoundProgress:
    round_id: int
    title: str
    status: str
    due_at: dt.datetime
    submitted: dict[str, int]  # rater display name -> submitted reviews
    expected_per_rater: int


@dataclass(frozen=True)
class ScoreCell:
    rater: str
    score: float | None
    deviation: float | None  # from the master, or from the panel median without one


@dataclass(frozen=True)
class Comparison:
    round_id: int
    codes: dict[int, str]
    cells: dict[tuple[int, str], list[ScoreCell]]  # (recording id, competency id) -> one cell per rater
    agreement: dict[str, Agreement]
    reference: str  # "master" or "panel median"
    gates: frozenset[str] = frozenset()
    calibrated: dict[str, bool | None] = field(default_factory=dict)  # rater -> meets the calibration rule
    titles: dict[str, str] = field(default_factory=dict)  # competency id -> its title in the round's rubric
    master: str = ""  # the master's display name, when the round has one


@dataclass(frozen=True)
class RoundSummary:
    id: int
    title: str
    status: str
    due_at: dt.datetime
    lead: str
    is_lead: bool


@dataclass(frozen=True)
class Candidate:
    id: int
    display_name: str


def list_rounds(db: Database, actor: Actor) -> list[RoundSummary]:
    """Rounds the actor leads or sits on (administrators: all), newest first."""
    with db.transaction() as session:
        rows = session.scalars(select(CalibrationRound).order_by(CalibrationRound.created_at.desc(),
                                                                 CalibrationRound.id.desc())).all()
        names = dict(session.execute(select(User.id, User.display_name)).all())
        return [RoundSummary(r.id, r.title, r.status, r.due_at, names.get(r.lead_id, ""), is_lead(actor, r))
                for r in rows if is_lead(actor, r) or actor.user_id in _panel(session, r.id)]


def panel_candidates(db: Database, actor: Actor) -> list[Candidate]:
    """Active users who may score: administrators, supervisors and raters."""
    require(actor, Permission.RUN_CALIBRATION)
    with db.transaction() as session:
        users = session.scalars(select(User).where(User.active.is_(True), User.role.in_(("admin", "supervisor",
                                                                                          "rater")))
                                .order_by(User.display_name))
        return [Candidate(u.id, u.display_name) for u in users]


def _round(session: Session, round_id: int) -> CalibrationRound:
    found = session.get(CalibrationRound, round_id)
    if found is None:
        raise NotFoundError(f"There is no calibration round {round_id}.")
    return found


def round_rubric(session: Session, calibration: CalibrationRound) -> Rubric:
    row = session.get(RubricVersion, calibration.rubric_version_id)
    assert row is not None
    return rubrics.stored_rubric(row.document)


def is_lead(actor: Actor, calibration: CalibrationRound) -> bool:
    return actor.user_id == calibration.lead_id or actor.can(Permission.MANAGE_USERS)


def _panel(session: Session, round_id: int) -> list[int]:
    return list(session.scalars(select(RoundRater.rater_id).where(RoundRater.round_id == round_id)))


def _new_code(used: set[str]) -> str:
    while True:
        code = f"R-{secrets.token_hex(2).upper()}"
        if code not in used:
            used.add(code)
            return code


def create_round(db: Database, actor: Actor, title: str, recording_ids: Sequence[int], rater_ids: Sequence[int],
                 rubric_version_id: int, due_at: dt.datetime, *, master_id: int | None = None,
                 hide_identity: bool = True) -> int:
    """Open a round: one draft review per rater and recording, each recording under a neutral code."""
    require(actor, Permission.RUN_CALIBRATION)
    name = " ".join(title.split())
    if not name:
        raise ValidationError("Give the round a title.", field="title")
    if len(name) > TITLE_MAX:
        raise ValidationError(f"The round's title is {len(name):,} characters long; at most {TITLE_MAX} are kept. "
                              "Shorten it.", field="title")
    panel = list(dict.fromkeys([*rater_ids, *([master_id] if master_id is not None else [])]))
    if len(panel) < 2:
        raise ValidationError("A panel needs at least two raters.", field="raters")
    if not recording_ids:
        raise ValidationError("Choose at least one recording.", field="recordings")
    if due_at <= utc_now():
        raise ValidationError("The due date must be in the future.", field="due_at")
    with db.transaction() as session:
        if session.get(RubricVersion, rubric_version_id) is None:
            raise NotFoundError(f"There is no stored rubric version {rubric_version_id}.")
        for rater_id in panel:
            user = session.get(User, rater_id)
            if user is None or not user.active:
                raise ValidationError(f"User {rater_id} is not an active user.", field="raters")
        for recording_id in recording_ids:
            if session.get(Recording, recording_id) is None:
                raise NotFoundError(f"There is no recording with id {recording_id}.")
            consent.check(session, recording_id, Scope.CALIBRATION)
        calibration = CalibrationRound(title=name, rubric_version_id=rubric_version_id, lead_id=actor.user_id,
                                       master_id=master_id, due_at=due_at, hide_identity=hide_identity, status=OPEN)
        session.add(calibration)
        session.flush()
        used: set[str] = set()
        for recording_id in dict.fromkeys(recording_ids):
            session.add(RoundRecording(round_id=calibration.id, recording_id=recording_id, code=_new_code(used)))
            for rater_id in panel:
                session.add(Review(recording_id=recording_id, rubric_version_id=rubric_version_id, rater_id=rater_id,
                                   status="draft", round_id=calibration.id))
        for rater_id in panel:
            session.add(RoundRater(round_id=calibration.id, rater_id=rater_id))
        audit.record(session, actor, "calibration.create", "calibration_round", calibration.id,
                     {"recordings": len(recording_ids), "raters": len(panel), "hide_identity": hide_identity})
        return calibration.id


def codes(db: Database, round_id: int) -> dict[int, str]:
    """Recording id -> neutral code, for the services that show round recordings."""
    with db.transaction() as session:
        return dict(session.execute(select(RoundRecording.recording_id, RoundRecording.code)
                                    .where(RoundRecording.round_id == round_id)).all())


def progress(db: Database, actor: Actor, round_id: int) -> RoundProgress:
    """Who has submitted how many (never what): the lead sees everyone, a rater only themself."""
    with db.transaction() as session:
        calibration = _round(session, round_id)
        panel = _panel(session, round_id)
        lead = is_lead(actor, calibration)
        if not lead and actor.user_id not in panel:
            raise PermissionDeniedError("You are not on this round's panel.")
        recordings = len(session.scalars(select(RoundRecording.id).where(RoundRecording.round_id == round_id)).all())
        submitted: dict[str, int] = {}
        for rater_id in panel if lead else [actor.user_id]:
            user = session.get(User, rater_id)
            assert user is not None
            submitted[user.display_name] = len(session.scalars(
                select(Review.id).where(Review.round_id == round_id, Review.rater_id == rater_id,
                                        Review.status.in_(("submitted", "superseded")))).all())
        return RoundProgress(round_id, calibration.title, calibration.status, calibration.due_at, submitted,
                             recordings)


def reveal(db: Database, actor: Actor, round_id: int, reason: str = "") -> None:
    """Reveal when every review is in; before that only after the due date, with a reason for the audit trail."""
    with db.transaction() as session:
        calibration = _round(session, round_id)
        if not is_lead(actor, calibration):
            raise PermissionDeniedError("Only the round's lead (or an administrator) reveals it.")
        if calibration.status != OPEN:
            raise ConflictError("This round is already revealed.")
        outstanding = session.scalars(select(Review.id).where(Review.round_id == round_id,
                                                              Review.status == "draft")).all()
        why = " ".join(reason.split())
        if outstanding:
            if utc_now() < calibration.due_at:
                raise ConflictError(f"{len(outstanding)} review(s) are not submitted and the round is not due until "
                                    f"{calibration.due_at.astimezone():%Y-%m-%d %H:%M}; wait, or reveal after the "
                                    "due date with a reason.")
            if len(why) < REASON_MIN:
                raise ValidationError("Forcing the reveal with reviews outstanding needs a reason (at least "
                                      f"{REASON_MIN} characters); it is kept in the audit trail.", field="reason")
        calibration.status, calibration.revealed_at, calibration.reveal_reason = REVEALED, utc_now(), why
        audit.record(session, actor, "calibration.reveal", "calibration_round", round_id,
                     {"forced": bool(outstanding), "outstanding": len(outstanding)}, why)


def revealed_round(session: Session, actor: Actor, round_id: int) -> CalibrationRound:
    calibration = _round(session, round_id)
    if not (is_lead(actor, calibration) or actor.user_id in _panel(session, round_id)):
        raise PermissionDeniedError("You are not on this round's panel.")
    if calibration.status == OPEN:
        raise PermissionDeniedError("The round is still blind: scores, evidence and notes are shown after the reveal.")
    return calibration


def comparison(db: Database, actor: Actor, round_id: int, rule: CalibrationRule | None = None) -> Comparison:
    """After the reveal: every rater's score per recording and competency, deviations, and agreement."""
    rule = rule or CalibrationRule()
    with db.transaction() as session:
        calibration = revealed_round(session, actor, round_id)
        rubric = round_rubric(session, calibration)
        round_codes = dict(session.execute(select(RoundRecording.recording_id, RoundRecording.code)
                                           .where(RoundRecording.round_id == round_id)).all())
        names = {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(
            _panel(session, round_id))))}
        rows = session.execute(
            select(Review.recording_id, Review.rater_id, ReviewScore.competency_id, ReviewScore.score,
                   ReviewScore.gate_passed, ReviewScore.not_observed)
            .join(ReviewScore, ReviewScore.review_id == Review.id)
            .where(Review.round_id == round_id, Review.status == "submitted")).all()
    values: dict[tuple[int, str], dict[int, float | None]] = {}
    ratings: list[Rating] = []
    for recording_id, rater_id, competency_id, score, gate, not_observed in rows:
        value = None if not_observed else numeric_value(score, gate)
        values.setdefault((recording_id, competency_id), {})[rater_id] = value
        if value is not None:
            ratings.append(Rating(round_codes[recording_id], names[rater_id], value, competency_id,
                                  master=rater_id == calibration.master_id))
    cells: dict[tuple[int, str], list[ScoreCell]] = {}
    for recording_id in round_codes:
        for competency in rubric.competencies:
            given = values.get((recording_id, competency.id), {})
            scored = [v for v in given.values() if v is not None]
            master_value = given.get(calibration.master_id) if calibration.master_id else None
            reference = master_value if calibration.master_id else (statistics.median(scored) if scored else None)
            cells[(recording_id, competency.id)] = [
                ScoreCell(names[rater_id], given.get(rater_id), _deviation(given.get(rater_id), reference))
                for rater_id in sorted(names, key=names.__getitem__)]
    gates = {c.id: c.is_gate for c in rubric.competencies}
    status = {names[r]: calibrated(ratings, names[r], gates, rule) for r in names if r != calibration.master_id}
    return Comparison(round_id, round_codes, cells, by_competency(ratings) if ratings else {},
                      "master" if calibration.master_id else "panel median",
                      frozenset(c for c, is_gate in gates.items() if is_gate), status,
                      {c.id: c.title for c in rubric.competencies},
                      names.get(calibration.master_id, "") if calibration.master_id else "")


@dataclass(frozen=True)
class CitedMoment:
    rater: str
    start_s: float
    end_s: float
    quote: str
    tag: str


def evidence_timeline(db: Database, actor: Actor, round_id: int, recording_id: int, competency_id: str
                      ) -> tuple[float, list[CitedMoment]]:
    """After the reveal: which moments each rater cited for one recording and competency (and its length); the
    quotes redacted for those who read transcripts redacted."""
    with db.transaction() as session:
        revealed_round(session, actor, round_id)
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        rows = session.execute(
            select(User.display_name, EvidenceItem.start_s, EvidenceItem.end_s, EvidenceItem.quote, EvidenceItem.tag)
            .join(Review, Review.id == EvidenceItem.review_id).join(User, User.id == Review.rater_id)
            .where(Review.round_id == round_id, Review.recording_id == recording_id, Review.status == "submitted",
                   EvidenceItem.competency_id == competency_id)
            .order_by(User.display_name, EvidenceItem.start_s)).all()
        moments = [CitedMoment(*row) for row in rows]
        if not redaction.reads_raw(actor):
            redact = redaction.quote_redactor(session, [recording_id])
            moments = [replace(m, quote=redact(recording_id, m.quote)) for m in moments]
        return recording.duration_s, moments


def _deviation(value: float | None, reference: float | None) -> float | None:
    return None if value is None or reference is None else value - reference


def add_note(db: Database, actor: Actor, round_id: int, text: str, recording_id: int | None = None,
             competency_id: str = "") -> None:
    body = text.strip()
    if not body:
        raise ValidationError("Write the note first.", field="text")
    with db.transaction() as session:
        revealed_round(session, actor, round_id)
        session.add(RoundNote(round_id=round_id, author_id=actor.user_id, recording_id=recording_id,
                              competency_id=competency_id, text=body))


def notes(db: Database, actor: Actor, round_id: int) -> list[tuple[str, str]]:
    with db.transaction() as session:
        revealed_round(session, actor, round_id)
        rows = session.execute(select(User.display_name, RoundNote.text).join(User, User.id == RoundNote.author_id)
                               .where(RoundNote.round_id == round_id).order_by(RoundNote.id)).all()
        return [(name, text) for name, text in rows]


def record_consensus(db: Database, actor: Actor, round_id: int, recording_id: int, competency_id: str,
                     score: int | None = None, gate_passed: bool | None = None, note: str = "") -> None:
    with db.transaction() as session:
        calibration = revealed_round(session, actor, round_id)
        if not is_lead(actor, calibration):
            raise PermissionDeniedError("The round's lead records the consensus.")
        if calibration.status == CLOSED:
            raise ConflictError("The round is closed.")
        rubric = round_rubric(session, calibration)
        competency = rubric.competency(competency_id)
        if competency.is_gate == (gate_passed is None) or (score is not None and score not in competency.anchors):
            raise ValidationError(f"{competency.title}: give " + ("pass or fail." if competency.is_gate
                                                                   else "a score from 1 to 5."))
        existing = session.scalar(select(RoundConsensus).where(
            RoundConsensus.round_id == round_id, RoundConsensus.recording_id == recording_id,
            RoundConsensus.competency_id == competency_id))
        if existing is None:
            existing = RoundConsensus(round_id=round_id, recording_id=recording_id, competency_id=competency_id,
                                      decided_by_id=actor.user_id)
            session.add(existing)
        existing.score, existing.gate_passed, existing.note = score, gate_passed, note
        existing.decided_by_id, existing.decided_at = actor.user_id, utc_now()


def close_round(db: Database, actor: Actor, round_id: int) -> None:
    with db.transaction() as session:
        calibration = revealed_round(session, actor, round_id)
        if not is_lead(actor, calibration):
            raise PermissionDeniedError("The round's lead closes it.")
        rubric = round_rubric(session, calibration)
        recordings = session.scalars(select(RoundRecording.recording_id).where(RoundRecording.round_id == round_id)
                                     ).all()
        decided = {(c.recording_id, c.competency_id) for c in session.scalars(
            select(RoundConsensus).where(RoundConsensus.round_id == round_id))}
        missing = [(r, c.id) for r in recordings for c in rubric.competencies if (r, c.id) not in decided]
        if missing:
            raise ConflictError(f"Record the consensus first: {len(missing)} recording × competency pair(s) have none.")
        calibration.status, calibration.closed_at = CLOSED, utc_now()
        audit.record(session, actor, "calibration.close", "calibration_round", round_id)
