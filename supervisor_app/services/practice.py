"""Practice against a gold standard: the lead marks a revealed round's consensus (or its master's review) as the
reference scoring of a recording; a rater scores that recording blind in a practice review and, on submitting,
sees their scores beside the gold, the gold's evidence beside theirs, and the gold's rationale.

Practice reviews are training: they never enter audit figures, exports, drift or the HR views. They count
towards a rater being calibrated only when the lead credits them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from supervisor_app.core.agreement import CalibrationRule
from supervisor_app.core.consent import Scope
from supervisor_app.core.practice import DEFAULT_TOLERANCE, MAX_TOLERANCE, GoldScore, PracticeOutcome, compare
from supervisor_app.core.reviews import CompetencyScore
from supervisor_app.core.roles import Permission
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.services import audit, calibration, consent, program_settings, redaction, reviews, rubrics
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CalibrationRound,
    EvidenceItem,
    GoldEvidence,
    GoldStandard,
    GoldStandardScore,
    PracticeCredit,
    Recording,
    Review,
    ReviewScore,
    RoundConsensus,
    RoundRater,
    RoundRecording,
    RubricVersion,
    User,
    utc_now,
)

CONSENSUS, MASTER = "consensus", "master"
SOURCES = (CONSENSUS, MASTER)
SUBMITTED_STATES = ("submitted", "superseded")


def gold_code(gold_id: int) -> str:
    return f"G-{gold_id}"


@dataclass(frozen=True)
class GoldSummary:
    id: int
    recording_id: int
    rubric_label: str
    duration_s: float | None
    source: str
    tolerance: int
    marked_at: dt.datetime
    my_attempts: int
    blocked: str  # why the actor may not practise on it ("" when they may)

    @property
    def code(self) -> str:
        return gold_code(self.id)


@dataclass(frozen=True)
class Moment:
    start_s: float
    end_s: float
    quote: str
    tag: str
    competency_id: str


@dataclass(frozen=True)
class PracticeResult:
    review_id: int
    gold_id: int
    rater: str
    submitted_at: dt.datetime | None
    duration_s: float
    outcome: PracticeOutcome
    meets: bool
    credited: bool
    gold_evidence: tuple[Moment, ...]
    my_evidence: tuple[Moment, ...]

    @property
    def code(self) -> str:
        return gold_code(self.gold_id)


@dataclass(frozen=True)
class PracticeRecord:
    rater: str
    attempts: int
    met: int
    credited: int
    last_at: dt.datetime | None


def _gold(session: Session, gold_id: int) -> GoldStandard:
    gold = session.get(GoldStandard, gold_id)
    if gold is None:
        raise NotFoundError(f"There is no gold standard {gold_code(gold_id)} (id {gold_id}).")
    return gold


def _snapshot_consensus(session: Session, calibration_round: CalibrationRound, recording_id: int,
                        gold_id: int) -> None:
    rubric = calibration.round_rubric(session, calibration_round)
    decided = {c.competency_id: c for c in session.scalars(select(RoundConsensus).where(
        RoundConsensus.round_id == calibration_round.id, RoundConsensus.recording_id == recording_id))}
    missing = [c.title for c in rubric.competencies if c.id not in decided]
    if missing:
        raise ConflictError(f"The consensus is not recorded for {len(missing)} competenc"
                            f"{'y' if len(missing) == 1 else 'ies'} of this recording ({', '.join(missing)}); "
                            "record it first, or use the master's review.")
    for competency_id, row in decided.items():
        session.add(GoldStandardScore(gold_id=gold_id, competency_id=competency_id, score=row.score,
                                 gate_passed=row.gate_passed, rationale=row.note))
    # the moments behind the consensus: the master's when the round had one, else those of the raters who agreed
    submitted = session.execute(
        select(Review.id, Review.rater_id).where(Review.round_id == calibration_round.id,
                                                 Review.recording_id == recording_id, Review.status == "submitted")
    ).all()
    chosen = [rid for rid, rater in submitted if rater == calibration_round.master_id] or [rid for rid, _ in submitted]
    agreeing = {(s.review_id, s.competency_id) for s in session.scalars(select(ReviewScore).where(
        ReviewScore.review_id.in_(chosen))) if s.competency_id in decided
        and (s.score, s.gate_passed) == (decided[s.competency_id].score, decided[s.competency_id].gate_passed)}
    seen: set[tuple[str, float, float]] = set()
    for item in session.scalars(select(EvidenceItem).where(EvidenceItem.review_id.in_(chosen))
                                .order_by(EvidenceItem.start_s)):
        key = (item.competency_id, round(item.start_s, 1), round(item.end_s, 1))
        if (item.review_id, item.competency_id) in agreeing and key not in seen:
            seen.add(key)
            session.add(GoldEvidence(gold_id=gold_id, competency_id=item.competency_id, start_s=item.start_s,
                                     end_s=item.end_s, quote=item.quote, tag=item.tag))


def _snapshot_master(session: Session, calibration_round: CalibrationRound, recording_id: int, gold_id: int) -> None:
    if calibration_round.master_id is None:
        raise ConflictError("This round has no master rater; use its consensus instead.")
    review = session.scalar(select(Review).where(Review.round_id == calibration_round.id,
                                                 Review.recording_id == recording_id,
                                                 Review.rater_id == calibration_round.master_id,
                                                 Review.status == "submitted"))
    if review is None:
        raise ConflictError("The master has not submitted a review of this recording in this round.")
    for score in session.scalars(select(ReviewScore).where(ReviewScore.review_id == review.id)):
        session.add(GoldStandardScore(gold_id=gold_id, competency_id=score.competency_id,
                                 score=None if score.not_observed else score.score,
                                 gate_passed=None if score.not_observed else score.gate_passed,
                                 rationale=score.rationale))
    for item in session.scalars(select(EvidenceItem).where(EvidenceItem.review_id == review.id)):
        session.add(GoldEvidence(gold_id=gold_id, competency_id=item.competency_id, start_s=item.start_s,
                                 end_s=item.end_s, quote=item.quote, tag=item.tag))


def mark_gold(db: Database, actor: Actor, round_id: int, recording_id: int | None, source: str = CONSENSUS,
              tolerance: int = DEFAULT_TOLERANCE) -> list[int]:
    """Copy a revealed round's consensus (or its master's review) of one recording — or of every recording in
    the round (`recording_id` None), all or none — as its gold standard; an earlier gold of the same recording and
    rubric is withdrawn. Returns the new golds' ids."""
    if source not in SOURCES:
        raise ValidationError(f"Unknown source {source!r}; use {' or '.join(SOURCES)}.", field="source")
    if not 0 <= tolerance <= MAX_TOLERANCE:
        raise ValidationError(f"The tolerance is how many points a practice score may differ from the gold: 0 to "
                              f"{MAX_TOLERANCE}, not {tolerance}.", field="tolerance")
    with db.transaction() as session:
        calibration_round = calibration.revealed_round(session, actor, round_id)
        if not calibration.is_lead(actor, calibration_round):
            raise PermissionDeniedError("Only the round's lead (or an administrator) marks a gold standard.")
        in_round = list(session.scalars(select(RoundRecording.recording_id).where(RoundRecording.round_id == round_id)
                                        .order_by(RoundRecording.id)))
        if recording_id is not None and recording_id not in in_round:
            raise NotFoundError(f"Recording {recording_id} is not in round {round_id}.")
        return [_mark(session, actor, calibration_round, wanted, source, tolerance)
                for wanted in ([recording_id] if recording_id is not None else in_round)]


def _mark(session: Session, actor: Actor, calibration_round: CalibrationRound, recording_id: int, source: str,
          tolerance: int) -> int:
    round_id = calibration_round.id
    # two leads marking the same recording at once (two laptops) queue here, so one gold stays in force
    session.execute(select(Recording.id).where(Recording.id == recording_id).with_for_update())
    consent.check(session, recording_id, Scope.CALIBRATION)
    now = utc_now()
    for earlier in session.scalars(select(GoldStandard).where(
            GoldStandard.recording_id == recording_id, GoldStandard.withdrawn_at.is_(None),
            GoldStandard.rubric_version_id == calibration_round.rubric_version_id)):
        earlier.withdrawn_at = now
    gold = GoldStandard(recording_id=recording_id, rubric_version_id=calibration_round.rubric_version_id,
                        round_id=round_id, source=source, tolerance=tolerance, marked_by_id=actor.user_id,
                        marked_at=now)
    session.add(gold)
    session.flush()
    (_snapshot_consensus if source == CONSENSUS else _snapshot_master)(session, calibration_round, recording_id,
                                                                        gold.id)
    audit.record(session, actor, "practice.gold_mark", "gold_standard", gold.id,
                 {"round": round_id, "recording": recording_id, "source": source, "tolerance": tolerance})
    return gold.id


def withdraw_gold(db: Database, actor: Actor, gold_id: int) -> None:
    """No new practice against it; the practice already done keeps its result."""
    require(actor, Permission.RUN_CALIBRATION)
    with db.transaction() as session:
        gold = _gold(session, gold_id)
        if gold.withdrawn_at is not None:
            raise ConflictError(f"Gold standard {gold_code(gold_id)} is already withdrawn.")
        gold.withdrawn_at = utc_now()
        audit.record(session, actor, "practice.gold_withdraw", "gold_standard", gold_id)


def _contributors(session: Session, gold: GoldStandard) -> set[int]:
    """Who scored the recording in the round the gold came from: they have seen the answer."""
    if gold.round_id is None:
        return set()
    return set(session.scalars(select(RoundRater.rater_id).where(RoundRater.round_id == gold.round_id)))


def _blocked(session: Session, actor: Actor, gold: GoldStandard) -> str:
    if actor.user_id in _contributors(session, gold):
        return "you scored this recording in the round its gold standard came from"
    return ""


def list_gold(db: Database, actor: Actor) -> list[GoldSummary]:
    """The gold standards in force, newest first, with the actor's own attempts."""
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        rows = session.scalars(select(GoldStandard).where(GoldStandard.withdrawn_at.is_(None))
                               .order_by(GoldStandard.id.desc())).all()
        attempts = dict(session.execute(
            select(Review.gold_standard_id, func.count(Review.id))
            .where(Review.rater_id == actor.user_id, Review.gold_standard_id.is_not(None),
                   Review.status.in_(SUBMITTED_STATES)).group_by(Review.gold_standard_id)).all())
        result = []
        for gold in rows:
            # on the team server a rater reads a recording only once they review it: its length may be unknown
            recording = session.get(Recording, gold.recording_id)
            rubric_row = session.get(RubricVersion, gold.rubric_version_id)
            assert rubric_row is not None
            result.append(GoldSummary(gold.id, gold.recording_id, f"{rubric_row.title} v{rubric_row.version}",
                                      recording.duration_s if recording else None, gold.source, gold.tolerance,
                                      gold.marked_at,
                                      attempts.get(gold.id, 0), _blocked(session, actor, gold)))
        return result


def start_practice(db: Database, actor: Actor, gold_id: int) -> reviews.ReviewDetail:
    """The actor's practice draft against this gold (the open one, or a new attempt), scored blind."""
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        gold = _gold(session, gold_id)
        if gold.withdrawn_at is not None:
            raise ConflictError(f"Gold standard {gold_code(gold_id)} was withdrawn; choose another recording.")
        blocked = _blocked(session, actor, gold)
        if blocked:
            raise PermissionDeniedError(f"You cannot practise on {gold_code(gold_id)}: {blocked}.")
        draft = session.scalar(select(Review.id).where(Review.gold_standard_id == gold_id,
                                                       Review.rater_id == actor.user_id, Review.status == "draft"))
        if draft is None:
            review = Review(recording_id=gold.recording_id, rubric_version_id=gold.rubric_version_id,
                            rater_id=actor.user_id, status="draft", gold_standard_id=gold_id)
            session.add(review)
            session.flush()
            draft = review.id
            audit.record(session, actor, "practice.start", "review", review.id, {"gold": gold_id})
        # after the draft exists: on the team server it is what lets a rater read the recording (a refusal here
        # rolls the draft back with the rest of the transaction)
        consent.check(session, gold.recording_id, Scope.CALIBRATION)
    return reviews.get_review(db, actor, draft)


def _outcome(session: Session, review_id: int, gold: GoldStandard) -> PracticeOutcome:
    """A submitted practice review's scores against its gold's, competency by competency."""
    rubric_row = session.get(RubricVersion, gold.rubric_version_id)
    assert rubric_row is not None
    gold_scores = {g.competency_id: GoldScore(g.competency_id, g.score, g.gate_passed, g.rationale)
                   for g in session.scalars(select(GoldStandardScore).where(GoldStandardScore.gold_id == gold.id))}
    mine = {s.competency_id: CompetencyScore(s.competency_id, s.score, s.gate_passed, s.not_observed)
            for s in session.scalars(select(ReviewScore).where(ReviewScore.review_id == review_id))}
    return compare(rubrics.stored_rubric(rubric_row.document), gold_scores, mine, gold.tolerance)


def result(db: Database, actor: Actor, review_id: int, rule: CalibrationRule | None = None) -> PracticeResult:
    """A submitted practice review beside its gold: for its rater, and for those who read every review."""
    require(actor, Permission.REVIEW)
    rule = rule or program_settings.calibration_rule(db)
    with db.transaction() as session:
        review = session.get(Review, review_id)
        if review is None or review.gold_standard_id is None:
            raise NotFoundError(f"There is no practice review {review_id}.")
        if review.rater_id != actor.user_id and not actor.can(Permission.READ_ALL_REVIEWS):
            raise PermissionDeniedError("This practice review belongs to another rater.")
        if review.status == "draft":
            raise PermissionDeniedError("The gold standard stays hidden until you submit this practice review.")
        gold = _gold(session, review.gold_standard_id)
        recording = session.get(Recording, gold.recording_id)
        rater = session.get(User, review.rater_id)
        assert recording is not None
        assert rater is not None
        outcome = _outcome(session, review.id, gold)
        gold_moments = tuple(Moment(*row) for row in session.execute(
            select(GoldEvidence.start_s, GoldEvidence.end_s, GoldEvidence.quote, GoldEvidence.tag,
                   GoldEvidence.competency_id).where(GoldEvidence.gold_id == gold.id)
            .order_by(GoldEvidence.start_s)))
        my_moments = tuple(Moment(*row) for row in session.execute(
            select(EvidenceItem.start_s, EvidenceItem.end_s, EvidenceItem.quote, EvidenceItem.tag,
                   EvidenceItem.competency_id).where(EvidenceItem.review_id == review_id)
            .order_by(EvidenceItem.start_s)))
        if not redaction.reads_raw(actor):
            redact = redaction.quote_redactor(session, [gold.recording_id])
            gold_moments = tuple(replace(m, quote=redact(gold.recording_id, m.quote)) for m in gold_moments)
            outcome = replace(outcome, competencies=tuple(
                replace(c, gold_rationale=redact(gold.recording_id, c.gold_rationale)) for c in outcome.competencies))
        credited = session.get(PracticeCredit, review_id) is not None
        return PracticeResult(review_id, gold.id, rater.display_name, review.submitted_at, recording.duration_s,
                              outcome, outcome.meets(rule), credited, gold_moments, my_moments)


def set_credit(db: Database, actor: Actor, review_id: int, credited: bool = True) -> None:
    """The lead's word that this practice counts towards the rater being calibrated (or no longer does)."""
    require(actor, Permission.RUN_CALIBRATION)
    with db.transaction() as session:
        review = session.get(Review, review_id)
        if review is None or review.gold_standard_id is None:
            raise NotFoundError(f"There is no practice review {review_id}.")
        if review.status == "draft":
            raise ConflictError("Only a submitted practice review can count towards calibration.")
        if review.rater_id == actor.user_id:
            raise PermissionDeniedError("Another lead decides whether your own practice counts.")
        if credited and session.get(PracticeCredit, review_id) is None:
            session.add(PracticeCredit(review_id=review_id, decided_by_id=actor.user_id))
        elif not credited:
            session.execute(delete(PracticeCredit).where(PracticeCredit.review_id == review_id))
        audit.record(session, actor, "practice.credit" if credited else "practice.uncredit", "review", review_id)


def last_credited(session: Session) -> dict[int, dt.datetime]:
    """Rater id -> when their newest credited practice was submitted (the dashboard's calibration due dates)."""
    rows = session.execute(select(Review.rater_id, func.max(Review.submitted_at))
                           .join(PracticeCredit, PracticeCredit.review_id == Review.id)
                           .group_by(Review.rater_id)).all()
    return {rater: at for rater, at in rows if at is not None}


def record(db: Database, actor: Actor) -> list[PracticeRecord]:
    """Each rater's practice: attempts, how many met the gold, how many the lead credited, the latest. Leads see
    everyone; a rater, themself."""
    require(actor, Permission.REVIEW)
    rule = program_settings.calibration_rule(db)
    everyone = actor.can(Permission.RUN_CALIBRATION)
    with db.transaction() as session:  # one read for every attempt (the dashboard shows this on each refresh)
        query = select(Review.id, Review.rater_id, Review.submitted_at, Review.gold_standard_id).where(
            Review.gold_standard_id.is_not(None), Review.status.in_(SUBMITTED_STATES))
        if not everyone:
            query = query.where(Review.rater_id == actor.user_id)
        attempts = session.execute(query).all()
        credited = set(session.scalars(select(PracticeCredit.review_id)))
        names = dict(session.execute(select(User.id, User.display_name)).all())
        per_rater: dict[int, list[tuple[int, dt.datetime | None, bool]]] = defaultdict(list)
        for review_id, rater_id, submitted_at, gold_id in attempts:
            assert gold_id is not None  # the query asks for practice reviews only
            met = _outcome(session, review_id, _gold(session, gold_id)).meets(rule)
            per_rater[rater_id].append((review_id, submitted_at, met))
    records = []
    for rater_id, done in per_rater.items():
        latest = max((at for _, at, _met in done if at is not None), default=None)
        records.append(PracticeRecord(names.get(rater_id, "?"), len(done), sum(met for *_rest, met in done),
                                      sum(review_id in credited for review_id, _at, _met in done), latest))
    return sorted(records, key=lambda r: r.rater)
