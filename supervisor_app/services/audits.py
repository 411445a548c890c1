"""The program lead's quarter: open an audit cycle (frame, seed, sample), propose and record assignments, verify
the draw, reassign, and close the cycle once every sampled coach has a submitted review or a recorded reason.

Assignments are the access model for raters: a rater opens the recordings, transcripts and reviews of their own
assignments (library.require_recording_access and reviews.start_review consult them).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from supervisor_app.core import assignments as rules
from supervisor_app.core.coaches import CoachLevel
from supervisor_app.core.consent import Scope
from supervisor_app.core.roles import Permission, Role
from supervisor_app.core.sampling import (
    FrameMember,
    Quarter,
    draw,
    frame_sha256,
    parse_quarter,
    parse_share,
    pick_recording,
)
from supervisor_app.errors import ConflictError, NotFoundError, ValidationError
from supervisor_app.services import audit, consent
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    Assignment,
    AuditCycle,
    AuditSample,
    CalibrationRound,
    Coach,
    Recording,
    Review,
    RubricVersion,
    User,
    utc_now,
)

OPEN, CLOSED = "open", "closed"
ASSIGNED, IN_PROGRESS, SUBMITTED, REASSIGNED = "assigned", "in progress", "submitted", "reassigned"
ACTIVE_STATES = (ASSIGNED, IN_PROGRESS, SUBMITTED)
RECORDING_DUE_DAYS = 14  # a sampled coach without a recorded session of the quarter has this long to provide one
REVIEW_DUE_DAYS = 21
REASON_MIN = 10
SUPERVISION_MAX, SUPERVISION_MIN = 15, 8


def quarter_of(text: str) -> Quarter:
    try:
        return parse_quarter(text)
    except ValueError as exc:
        raise ValidationError(str(exc), field="quarter") from None


@dataclass(frozen=True)
class SampledCoach:
    coach_id: int
    coach_name: str
    level: str
    unit: str
    recording_id: int | None
    recording_name: str
    recording_due_on: dt.date | None
    reviews: tuple[tuple[str, str], ...]  # (reviewer, state) of the coach's current assignments
    excused_reason: str

    @property
    def done(self) -> bool:
        return any(state == SUBMITTED for _, state in self.reviews) or bool(self.excused_reason)


@dataclass(frozen=True)
class CycleView:
    id: int
    quarter: str
    status: str
    share: Fraction
    seed: int
    stratify: tuple[str, ...]
    prioritise_unaudited: bool
    independent: bool
    frame_size: int
    frame_sha256: str
    rubric_label: str
    sample: tuple[SampledCoach, ...]
    active_coaches_now: int

    @property
    def coverage(self) -> float:
        return len(self.sample) / self.frame_size if self.frame_size else 0.0

    def count(self, state: str) -> int:
        return sum(any(s == state for _, s in c.reviews) for c in self.sample)


@dataclass(frozen=True)
class Verification:
    quarter: str
    sample_matches: bool
    frame_matches_fingerprint: bool
    joined: tuple[str, ...]  # active now, not in the frame
    left: tuple[str, ...]  # in the frame, no longer active

    @property
    def ok(self) -> bool:
        return self.sample_matches and self.frame_matches_fingerprint


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    quarter: str
    recording_id: int
    recording_name: str
    coach_name: str
    reviewer_id: int
    reviewer: str
    due_at: dt.datetime
    state: str
    review_id: int | None
    double_scored: bool
    reason: str
    previous_id: int | None

    def overdue(self, now: dt.datetime) -> bool:
        return self.state in (ASSIGNED, IN_PROGRESS) and now > self.due_at


@dataclass(frozen=True)
class ProposalView:
    assignments: tuple[rules.Proposed, ...]
    unassigned: tuple[str, ...]
    loads: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _cycle(session: Session, quarter: Quarter, *, lock: bool = False) -> AuditCycle:
    query = select(AuditCycle).where(AuditCycle.quarter == quarter.label)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFoundError(f"There is no audit cycle for {quarter.label}; open one with `audit-cycle create "
                            f"{quarter.label}`.")
    return found


def _unassigned_open_cycle(session: Session, quarter: Quarter, refusal: str) -> AuditCycle:
    """The quarter's cycle, while it is open and nothing in it is assigned yet; `refusal` says why it matters.
    The row is locked (on PostgreSQL) until the transaction ends, so two laptops assigning or redrawing the same
    cycle at once take turns: the second finds the first one's assignments and is refused."""
    cycle = _cycle(session, quarter, lock=True)
    if cycle.status != OPEN:
        raise ConflictError(f"The {quarter.label} cycle is closed.")
    if session.scalar(select(Assignment.id).where(Assignment.cycle_id == cycle.id).limit(1)) is not None:
        raise ConflictError(f"The {quarter.label} cycle has assignments{refusal}")
    return cycle


def _last_audited(session: Session) -> dict[int, str]:
    """Coach id -> the latest quarter in which an audit review of theirs was submitted."""
    rows = session.execute(
        select(AuditSample.coach_id, AuditCycle.quarter)
        .join(AuditCycle, AuditCycle.id == AuditSample.cycle_id)
        .join(Assignment, (Assignment.cycle_id == AuditCycle.id)
              & (Assignment.recording_id == AuditSample.recording_id))
        .where(Assignment.state == SUBMITTED)).all()
    latest: dict[int, str] = {}
    for coach_id, quarter in rows:
        latest[coach_id] = max(latest.get(coach_id, quarter), quarter)
    return latest


def _frame(session: Session) -> list[FrameMember]:
    latest = _last_audited(session)
    coaches = session.scalars(select(Coach).where(Coach.active.is_(True)).order_by(Coach.id))
    return [FrameMember(c.id, c.level, c.business_unit or "", latest.get(c.id)) for c in coaches]


def _eligible_recordings(session: Session, coach_id: int, quarter: Quarter) -> list[int]:
    """The coach's recorded sessions of the quarter (by session date, else import date) whose consent allows an
    audit."""
    start = dt.datetime.combine(quarter.start, dt.time(), dt.UTC)
    end = dt.datetime.combine(quarter.end + dt.timedelta(days=1), dt.time(), dt.UTC)
    query = select(Recording.id).where(Recording.coach_id == coach_id, or_(
        Recording.session_date.between(quarter.start, quarter.end),
        Recording.session_date.is_(None) & (Recording.imported_at >= start) & (Recording.imported_at < end)))
    return consent.allowed_ids(session, session.scalars(query.order_by(Recording.id)), Scope.AUDIT)


def create_cycle(db: Database, actor: Actor, quarter_text: str, *, share: str | float | Fraction = "0.2",
                 seed: int | None = None, stratify: Sequence[str] = (), prioritise_unaudited: bool = False,
                 independent: bool = False, rubric_version_id: int | None = None) -> CycleView:
    """Open the quarter's cycle: record the frame (the active coaches now) and the seed, and draw the sample."""
    require(actor, Permission.RUN_AUDITS)
    quarter = quarter_of(quarter_text)
    try:
        exact_share = parse_share(share)
    except ValueError as exc:
        raise ValidationError(str(exc), field="share") from None
    if seed is not None and not 0 <= seed < 2**63:
        raise ValidationError("The seed is a whole number from 0 to 2^63 − 1.", field="seed")
    chosen_seed = secrets.randbelow(2**63) if seed is None else seed
    strata = tuple(dict.fromkeys(name.strip().lower() for name in stratify if name.strip()))
    with db.transaction() as session:
        taken = f"{quarter.label} already has an audit cycle; `audit-cycle show {quarter.label}` shows it."
        if session.scalar(select(AuditCycle.id).where(AuditCycle.quarter == quarter.label)) is not None:
            raise ConflictError(taken)
        frame = _frame(session)
        if not frame:
            raise ValidationError("There are no active coaches to draw from; add or import the roster first.")
        try:
            sample = draw(frame, exact_share, chosen_seed, quarter, stratify=strata,
                          prioritise_unaudited=prioritise_unaudited)
        except ValueError as exc:
            raise ValidationError(str(exc), field="stratify") from None
        rubric_id = rubric_version_id or session.scalar(
            select(RubricVersion.id).order_by(RubricVersion.imported_at.desc(), RubricVersion.id.desc()).limit(1))
        if rubric_id is None or session.get(RubricVersion, rubric_id) is None:
            raise NotFoundError("No rubric is stored yet; import one first.")
        cycle = AuditCycle(quarter=quarter.label, share_numerator=exact_share.numerator,
                           share_denominator=exact_share.denominator, seed=chosen_seed, stratify=",".join(strata),
                           prioritise_unaudited=prioritise_unaudited, independent=independent,
                           frame=[vars(m) for m in frame], frame_sha256=frame_sha256(frame),
                           rubric_version_id=rubric_id, status=OPEN, opened_by_id=actor.user_id)
        session.add(cycle)
        try:
            session.flush()
        except IntegrityError:  # another laptop opened the same quarter a moment ago
            raise ConflictError(taken) from None
        _store_sample(session, cycle, quarter, sample)
        audit.record(session, actor, "audit_cycle.create", "audit_cycle", cycle.id,
                     {"quarter": quarter.label, "frame": len(frame), "sample": len(sample), "seed": chosen_seed,
                      "share": str(exact_share), "frame_sha256": cycle.frame_sha256})
    return get_cycle(db, actor, quarter.label)


def _store_sample(session: Session, cycle: AuditCycle, quarter: Quarter, sample: Sequence[int]) -> None:
    due = dt.date.today() + dt.timedelta(days=RECORDING_DUE_DAYS)
    for position, coach_id in enumerate(sample):
        recording = pick_recording(cycle.seed, coach_id, _eligible_recordings(session, coach_id, quarter))
        session.add(AuditSample(cycle_id=cycle.id, coach_id=coach_id, position=position, recording_id=recording,
                                recording_due_on=None if recording else due))


def redraw_cycle(db: Database, actor: Actor, quarter_text: str, seed: int | None = None) -> CycleView:
    """Draw again from the roster as it is now, with a new seed: only before any review is assigned (after that
    the sample is what the program is held to). The old seed and frame fingerprint stay in the audit trail."""
    require(actor, Permission.RUN_AUDITS)
    quarter = quarter_of(quarter_text)
    if seed is not None and not 0 <= seed < 2**63:
        raise ValidationError("The seed is a whole number from 0 to 2^63 − 1.", field="seed")
    with db.transaction() as session:
        cycle = _unassigned_open_cycle(session, quarter, ": its sample can no longer be redrawn.")
        previous = {"seed": cycle.seed, "frame_sha256": cycle.frame_sha256}
        frame = _frame(session)
        if not frame:
            raise ValidationError("There are no active coaches to draw from.")
        cycle.seed = secrets.randbelow(2**63) if seed is None else seed
        cycle.frame, cycle.frame_sha256 = [vars(m) for m in frame], frame_sha256(frame)
        sample = draw(frame, Fraction(cycle.share_numerator, cycle.share_denominator), cycle.seed, quarter,
                      stratify=tuple(s for s in cycle.stratify.split(",") if s),
                      prioritise_unaudited=cycle.prioritise_unaudited)
        for old in session.scalars(select(AuditSample).where(AuditSample.cycle_id == cycle.id)):
            session.delete(old)
        session.flush()
        _store_sample(session, cycle, quarter, sample)
        audit.record(session, actor, "audit_cycle.redraw", "audit_cycle", cycle.id,
                     {"previous": previous, "seed": cycle.seed, "frame_sha256": cycle.frame_sha256,
                      "sample": len(sample)})
    return get_cycle(db, actor, quarter.label)


def get_cycle(db: Database, actor: Actor, quarter_text: str) -> CycleView:
    require(actor, Permission.RUN_AUDITS)
    quarter = quarter_of(quarter_text)
    with db.transaction() as session:
        cycle = _cycle(session, quarter)
        names = dict(session.execute(select(User.id, User.display_name)).all())
        states: dict[int, list[tuple[str, str]]] = {}
        for assignment in session.scalars(select(Assignment).where(Assignment.cycle_id == cycle.id,
                                                                   Assignment.state.in_(ACTIVE_STATES))):
            states.setdefault(assignment.recording_id, []).append((names.get(assignment.reviewer_id, "?"),
                                                                   assignment.state))
        sample = []
        for row, coach, recording in session.execute(
                select(AuditSample, Coach, Recording).join(Coach, Coach.id == AuditSample.coach_id)
                .outerjoin(Recording, Recording.id == AuditSample.recording_id)
                .where(AuditSample.cycle_id == cycle.id).order_by(AuditSample.position)):
            sample.append(SampledCoach(coach.id, coach.name, CoachLevel(coach.level).label, coach.business_unit or "",
                                       row.recording_id,
                                       recording.original_name if recording else "", row.recording_due_on,
                                       tuple(states.get(row.recording_id, [])) if row.recording_id else (),
                                       row.excused_reason))
        rubric = session.get(RubricVersion, cycle.rubric_version_id)
        active = session.scalar(select(func.count(Coach.id)).where(Coach.active.is_(True))) or 0
        return CycleView(cycle.id, cycle.quarter, cycle.status,
                         Fraction(cycle.share_numerator, cycle.share_denominator), cycle.seed,
                         tuple(s for s in cycle.stratify.split(",") if s), cycle.prioritise_unaudited,
                         cycle.independent, len(cycle.frame), cycle.frame_sha256,
                         f"{rubric.title} v{rubric.version}" if rubric else "", tuple(sample), active)


def verify_cycle(db: Database, actor: Actor, quarter_text: str) -> Verification:
    """Re-derive the sample from the recorded frame and seed, and say how the roster has changed since."""
    require(actor, Permission.RUN_AUDITS)
    quarter = quarter_of(quarter_text)
    with db.transaction() as session:
        cycle = _cycle(session, quarter)
        frame = [FrameMember(**m) for m in cycle.frame]
        stored = list(session.scalars(select(AuditSample.coach_id).where(AuditSample.cycle_id == cycle.id)
                                      .order_by(AuditSample.position)))
        redrawn = draw(frame, Fraction(cycle.share_numerator, cycle.share_denominator), cycle.seed, quarter,
                       stratify=tuple(s for s in cycle.stratify.split(",") if s),
                       prioritise_unaudited=cycle.prioritise_unaudited)
        names = dict(session.execute(select(Coach.id, Coach.name)).all())
        in_frame = {m.coach_id for m in frame}
        active = set(session.scalars(select(Coach.id).where(Coach.active.is_(True))))
        return Verification(quarter.label, redrawn == stored, frame_sha256(frame) == cycle.frame_sha256,
                            tuple(sorted(names[i] for i in active - in_frame)),
                            tuple(sorted(names.get(i, f"coach {i}") for i in in_frame - active)))


def _blind_panel(session: Session, recording_id: int) -> frozenset[int]:
    """Who scores this recording in a calibration round that hides the coach and is not closed: an audit review
    of the same session would show them the coach's name."""
    return frozenset(session.scalars(
        select(Review.rater_id).join(CalibrationRound, CalibrationRound.id == Review.round_id)
        .where(Review.recording_id == recording_id, CalibrationRound.hide_identity.is_(True),
               CalibrationRound.status != "closed")))


def _item(session: Session, coach: Coach, recording_id: int) -> rules.Item:
    return rules.Item(coach.id, recording_id, coach.user_id, coach.supervisor_id, _blind_panel(session, recording_id))


def _items(session: Session, cycle: AuditCycle) -> list[rules.Item]:
    rows = session.execute(select(AuditSample.recording_id, Coach).join(Coach, Coach.id == AuditSample.coach_id)
                           .where(AuditSample.cycle_id == cycle.id, AuditSample.recording_id.is_not(None))
                           .order_by(AuditSample.position)).all()
    return [_item(session, coach, recording) for recording, coach in rows if recording is not None]


def reviewer_choices(session: Session) -> dict[int, str]:
    """Active users who may review: supervisors (master coaches), raters and administrators."""
    rows = session.execute(select(User.id, User.display_name).where(
        User.active.is_(True), User.role.in_((Role.ADMIN.value, Role.SUPERVISOR.value, Role.RATER.value))))
    return dict(rows.all())


def reviewers(db: Database, actor: Actor) -> dict[int, str]:
    """Who may be given reviews (user id -> name), for the screens that assign them."""
    require(actor, Permission.RUN_AUDITS)
    with db.transaction() as session:
        return dict(sorted(reviewer_choices(session).items(), key=lambda item: item[1]))


def supervision_warnings(session: Session) -> list[str]:
    """Each master coach's active supervisees against the program's 8–15."""
    counts = session.execute(select(User.display_name, func.count(Coach.id)).join(Coach, Coach.supervisor_id ==
                                                                                  User.id)
                             .where(Coach.active.is_(True)).group_by(User.display_name)).all()
    return [f"{name} supervises {count} coaches, more than the program's {SUPERVISION_MAX}."
            for name, count in counts if count > SUPERVISION_MAX]


def propose_assignments(db: Database, actor: Actor, quarter_text: str, reviewer_ids: Sequence[int] = (),
                        double_share: Fraction = Fraction(0)) -> ProposalView:
    """The automatic proposal (nothing is stored): every sampled session with a recording, to a reviewer."""
    require(actor, Permission.RUN_AUDITS)
    quarter = quarter_of(quarter_text)
    if not 0 <= double_share <= 1:
        raise ValidationError("The double-scored share is between 0 and 1.", field="double_share")
    with db.transaction() as session:
        cycle = _cycle(session, quarter)
        choices = reviewer_choices(session)
        pool = list(reviewer_ids) or sorted(choices)
        unknown = [r for r in pool if r not in choices]
        if unknown:
            raise ValidationError(f"User {unknown[0]} is not an active reviewer.", field="reviewers")
        if not pool:
            raise ValidationError("There is nobody who may review; add raters or supervisors first.")
        result = rules.propose(_items(session, cycle), pool, seed=cycle.seed, independent=cycle.independent,
                               double_share=double_share)
        coach_names = dict(session.execute(select(Coach.id, Coach.name)).all())
        warnings = supervision_warnings(session)
        if result.unassigned:
            warnings.append(f"{len(result.unassigned)} sampled coach(es) have no reviewer the rules allow: "
                            + ", ".join(coach_names[c] for c in result.unassigned) + ". Add a reviewer.")
        return ProposalView(result.assignments, tuple(coach_names[c] for c in result.unassigned),
                            {choices[r]: n for r, n in result.loads.items()}, warnings)


def assign_cycle(db: Database, actor: Actor, quarter_text: str, proposal: ProposalView,
                 due_at: dt.datetime | None = None) -> list[AssignmentRow]:
    """Store a proposal (as proposed, or as the lead edited it) as assignments, checking every rule again."""
    require(actor, Permission.RUN_AUDITS)
    quarter = quarter_of(quarter_text)
    due = due_at or utc_now() + dt.timedelta(days=REVIEW_DUE_DAYS)
    if due <= utc_now():
        raise ValidationError("The due date is in the past; give a later one.", field="due_at")
    with db.transaction() as session:
        cycle = _unassigned_open_cycle(session, quarter,
                                       " already; change them one by one (`assignment reassign`).")
        items = {(i.coach_id, i.recording_id): i for i in _items(session, cycle)}
        choices = reviewer_choices(session)
        pairs = [(p.recording_id, p.reviewer_id) for p in proposal.assignments]
        twice = next((pair for pair in pairs if pairs.count(pair) > 1), None)
        if twice is not None:
            recording = session.get(Recording, twice[0])
            coach = session.get(Coach, recording.coach_id) if recording else None
            session_name = f"{coach.name}'s session {recording.original_name}" if recording and coach else "a session"
            raise ValidationError(f"{choices.get(twice[1], 'One reviewer')} would review {session_name} twice; a "
                                  "double-scored session needs two different reviewers.", field="reviewer")
        for proposed in proposal.assignments:
            item = items.get((proposed.coach_id, proposed.recording_id))
            if item is None:
                raise ValidationError(f"Recording {proposed.recording_id} is not this cycle's session of coach "
                                      f"{proposed.coach_id}.")
            _check_reviewer(session, proposed.reviewer_id, item, cycle.independent, choices)
            session.add(Assignment(cycle_id=cycle.id, recording_id=proposed.recording_id,
                                   reviewer_id=proposed.reviewer_id, rubric_version_id=cycle.rubric_version_id,
                                   due_at=due, state=ASSIGNED, double_scored=proposed.double_scored,
                                   created_by_id=actor.user_id))
        audit.record(session, actor, "audit_cycle.assign", "audit_cycle", cycle.id,
                     {"assignments": len(proposal.assignments)})
    return list_assignments(db, actor, quarter_text)


def _check_reviewer(session: Session, reviewer_id: int, item: rules.Item, independent: bool,
                    choices: dict[int, str]) -> None:
    if reviewer_id not in choices:
        raise ValidationError(f"User {reviewer_id} is not an active reviewer.", field="reviewer")
    if reviewer_id == item.coach_user_id:
        raise ValidationError(f"{choices[reviewer_id]} is the coach of this session: nobody reviews their own "
                              "session.", field="reviewer")
    if independent and reviewer_id == item.supervisor_id:
        raise ValidationError(f"{choices[reviewer_id]} supervises this coach, and the cycle is independent.",
                              field="reviewer")
    if reviewer_id in item.excluded:
        raise ValidationError(f"{choices[reviewer_id]} scores this session blind in a calibration round that hides "
                              "the coach; an audit review of it would name the coach. Choose someone else.",
                              field="reviewer")
    if not rules.may_review(item, reviewer_id, independent=independent):  # the rules' own verdict has the last word
        raise ValidationError(f"{choices[reviewer_id]} may not review this session under the assignment rules.",
                              field="reviewer")


def _row(session: Session, a: Assignment, names: dict[int, str]) -> AssignmentRow:
    recording = session.get(Recording, a.recording_id)
    assert recording is not None
    coach = session.get(Coach, recording.coach_id)
    cycle = session.get(AuditCycle, a.cycle_id) if a.cycle_id else None
    return AssignmentRow(a.id, cycle.quarter if cycle else "", a.recording_id, recording.original_name,
                         coach.name if coach else "", a.reviewer_id, names.get(a.reviewer_id, "?"), a.due_at,
                         a.state, a.review_id, a.double_scored, a.reason, a.previous_id)


def list_assignments(db: Database, actor: Actor, quarter_text: str | None = None, *,
                     include_history: bool = False) -> list[AssignmentRow]:
    """The lead sees every assignment; a reviewer their own."""
    query = select(Assignment).order_by(Assignment.due_at, Assignment.id)
    if not actor.can(Permission.RUN_AUDITS):
        require(actor, Permission.REVIEW)
        query = query.where(Assignment.reviewer_id == actor.user_id)
    if not include_history:
        query = query.where(Assignment.state.in_(ACTIVE_STATES))
    with db.transaction() as session:
        if quarter_text:
            query = query.where(Assignment.cycle_id == _cycle(session, quarter_of(quarter_text)).id)
        names = dict(session.execute(select(User.id, User.display_name)).all())
        return [_row(session, a, names) for a in session.scalars(query)]


def add_assignment(db: Database, actor: Actor, recording_id: int, reviewer_id: int, due_at: dt.datetime,
                   rubric_version_id: int | None = None) -> AssignmentRow:
    """An assignment by hand (from the Library), outside any cycle."""
    require(actor, Permission.RUN_AUDITS)
    if due_at <= utc_now():
        raise ValidationError("The due date is in the past; give a later one.", field="due_at")
    with db.transaction() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        coach = session.get(Coach, recording.coach_id)
        assert coach is not None
        _check_reviewer(session, reviewer_id, _item(session, coach, recording_id), False, reviewer_choices(session))
        if session.scalar(select(Assignment.id).where(Assignment.recording_id == recording_id,
                                                      Assignment.reviewer_id == reviewer_id,
                                                      Assignment.state.in_((ASSIGNED, IN_PROGRESS)))) is not None:
            raise ConflictError("This reviewer already has an open assignment for this recording.")
        rubric_id = rubric_version_id or session.scalar(
            select(RubricVersion.id).order_by(RubricVersion.imported_at.desc(), RubricVersion.id.desc()).limit(1))
        if rubric_id is None:
            raise NotFoundError("No rubric is stored yet; import one first.")
        assignment = Assignment(recording_id=recording_id, reviewer_id=reviewer_id, rubric_version_id=rubric_id,
                                due_at=due_at, state=ASSIGNED, created_by_id=actor.user_id)
        session.add(assignment)
        session.flush()
        audit.record(session, actor, "assignment.add", "assignment", assignment.id,
                     {"recording": recording_id, "reviewer": reviewer_id})
        return _row(session, assignment, dict(session.execute(select(User.id, User.display_name)).all()))


def reassign(db: Database, actor: Actor, assignment_id: int, reviewer_id: int, reason: str,
             due_at: dt.datetime | None = None) -> AssignmentRow:
    """Hand an open assignment to someone else; the old one stays, marked reassigned, with the reason."""
    require(actor, Permission.RUN_AUDITS)
    why = " ".join(reason.split())
    if len(why) < REASON_MIN:
        raise ValidationError(f"Say why (at least {REASON_MIN} characters); it is kept with the history.",
                              field="reason")
    with db.transaction() as session:
        old = session.get(Assignment, assignment_id)
        if old is None:
            raise NotFoundError(f"There is no assignment {assignment_id}.")
        if old.state not in (ASSIGNED, IN_PROGRESS):
            raise ConflictError(f"Assignment {assignment_id} is {old.state}; only open ones are reassigned.")
        recording = session.get(Recording, old.recording_id)
        assert recording is not None
        coach = session.get(Coach, recording.coach_id)
        assert coach is not None
        cycle = session.get(AuditCycle, old.cycle_id) if old.cycle_id else None
        if reviewer_id == old.reviewer_id:
            raise ValidationError("That is the current reviewer already.", field="reviewer")
        _check_reviewer(session, reviewer_id, _item(session, coach, recording.id), bool(cycle and cycle.independent),
                        reviewer_choices(session))
        due = due_at or old.due_at
        if due <= utc_now():
            raise ValidationError("The due date is in the past; give a later one with --due.", field="due_at")
        old.state, old.reason = REASSIGNED, why
        new = Assignment(cycle_id=old.cycle_id, recording_id=old.recording_id, reviewer_id=reviewer_id,
                         rubric_version_id=old.rubric_version_id, due_at=due, state=ASSIGNED,
                         double_scored=old.double_scored, previous_id=old.id, created_by_id=actor.user_id)
        session.add(new)
        session.flush()
        audit.record(session, actor, "assignment.reassign", "assignment", new.id,
                     {"previous": old.id, "from": old.reviewer_id, "to": reviewer_id}, why)
        return _row(session, new, dict(session.execute(select(User.id, User.display_name)).all()))


def close_cycle(db: Database, actor: Actor, quarter_text: str, excused: dict[int, str] | None = None) -> CycleView:
    """Close when every sampled coach has a submitted review, or a recorded reason why not (coach id -> reason)."""
    require(actor, Permission.RUN_AUDITS)
    quarter = quarter_of(quarter_text)
    with db.transaction() as session:
        cycle = _cycle(session, quarter)
        if cycle.status == CLOSED:
            raise ConflictError(f"The {quarter.label} cycle is closed already.")
        samples = {s.coach_id: s for s in session.scalars(select(AuditSample).where(AuditSample.cycle_id ==
                                                                                      cycle.id))}
        for coach_id, reason in (excused or {}).items():
            if coach_id not in samples:
                raise ValidationError(f"Coach {coach_id} is not in the {quarter.label} sample.")
            if len(" ".join(reason.split())) < REASON_MIN:
                raise ValidationError(f"Say why coach {coach_id} was not reviewed (at least {REASON_MIN} "
                                      "characters).", field="reason")
            samples[coach_id].excused_reason = " ".join(reason.split())
        submitted = set(session.scalars(select(Assignment.recording_id).where(Assignment.cycle_id == cycle.id,
                                                                             Assignment.state == SUBMITTED)))
        missing = [s for s in samples.values() if s.recording_id not in submitted and not s.excused_reason]
        if missing:
            names = dict(session.execute(select(Coach.id, Coach.name)).all())
            raise ConflictError(f"{len(missing)} sampled coach(es) have no submitted review yet: "
                                + ", ".join(names[s.coach_id] for s in missing[:10])
                                + ". Wait for them, or record why with --excuse COACH=REASON.")
        cycle.status, cycle.closed_at = CLOSED, utc_now()
        audit.record(session, actor, "audit_cycle.close", "audit_cycle", cycle.id,
                     {"excused": sorted(c for c, s in samples.items() if s.excused_reason)})
    return get_cycle(db, actor, quarter_text)


def assignment_for(session: Session, actor: Actor, recording_id: int) -> Assignment | None:
    """The actor's open (or submitted) assignment of this recording, if any: what lets a rater open it."""
    return session.scalar(select(Assignment).where(Assignment.recording_id == recording_id,
                                                   Assignment.reviewer_id == actor.user_id,
                                                   Assignment.state.in_(ACTIVE_STATES)).limit(1))


def on_review_started(session: Session, actor: Actor, review: Review) -> None:
    assignment = assignment_for(session, actor, review.recording_id)
    if assignment is not None and assignment.state == ASSIGNED:
        assignment.state, assignment.review_id = IN_PROGRESS, review.id


def on_review_submitted(session: Session, review: Review) -> None:
    """The assignment points at the review's current version: a submitted amendment replaces the version it
    supersedes (which is no longer 'submitted', so the cycle's figures would lose it)."""
    for assignment in session.scalars(select(Assignment).where(Assignment.recording_id == review.recording_id,
                                                               Assignment.reviewer_id == review.rater_id,
                                                               Assignment.state.in_(ACTIVE_STATES))):
        if assignment.state != SUBMITTED or assignment.review_id == review.supersedes_id:
            assignment.state, assignment.review_id = SUBMITTED, review.id
