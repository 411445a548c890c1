"""The program lead's home screen as figures: each tile a number against the program's rule, and the list
behind it. The CLI prints them (`dashboard [--json]`); the GUI's Program page draws them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supervisor_app.core.coaches import RecertificationStatus
from supervisor_app.core.reviews import MEETS_STANDARD_SCORE, CompetencyScore, below_standard
from supervisor_app.core.roles import Permission
from supervisor_app.core.rubric import Rubric
from supervisor_app.core.sampling import POLICY_MIN_SHARE, Quarter
from supervisor_app.errors import ConflictError, NotFoundError, ValidationError
from supervisor_app.services import audit, audits, coaches, drift, practice, rubrics, stance
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    Assignment,
    CalibrationRound,
    Coach,
    Recording,
    Review,
    ReviewScore,
    RoundRater,
    RubricVersion,
    SupervisionSession,
    User,
    utc_now,
)

OK, WARN, ALERT = "ok", "warn", "alert"
ONE_TO_ONE_DAYS = 7
CALIBRATION_CADENCE_DAYS = 31


@dataclass(frozen=True)
class Tile:
    key: str
    title: str
    value: str
    status: str
    rule: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = field(default=())
    note: str = ""  # more than the value has room for


@dataclass(frozen=True)
class Dashboard:
    quarter: str
    tiles: tuple[Tile, ...]

    def tile(self, key: str) -> Tile:
        return next(t for t in self.tiles if t.key == key)


def quarter_containing(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def _coverage(db: Database, actor: Actor, quarter: Quarter) -> Tile:
    rule = f"at least {float(POLICY_MIN_SHARE):.0%} of active coaches reviewed each quarter"
    try:
        cycle = audits.get_cycle(db, actor, quarter.label)
    except NotFoundError:
        return Tile("coverage", f"Audit {quarter.label}", "no cycle", ALERT, rule)
    submitted = sum(any(s == audits.SUBMITTED for _, s in c.reviews) for c in cycle.sample)
    assigned = sum(bool(c.reviews) for c in cycle.sample)
    share = submitted / cycle.frame_size if cycle.frame_size else 0.0
    status = OK if share >= float(POLICY_MIN_SHARE) else WARN if len(cycle.sample) else ALERT
    return Tile("coverage", f"Audit {quarter.label}", f"{submitted} of {cycle.frame_size} reviewed ({share:.0%})",
                status, rule, ("coach", "session", "reviews"),
                tuple((c.coach_name, c.recording_name or "needs a recording",
                       ", ".join(f"{who}: {state}" for who, state in c.reviews) or "not assigned")
                      for c in cycle.sample), note=f"{len(cycle.sample)} drawn, {assigned} assigned")


def dashboard(db: Database, actor: Actor, today: dt.date | None = None) -> Dashboard:
    require(actor, Permission.RUN_AUDITS)
    day = today or dt.date.today()
    now = dt.datetime.combine(day, dt.datetime.now(dt.UTC).time(), dt.UTC) if today else utc_now()
    quarter = quarter_containing(day)
    tiles = [_coverage(db, actor, quarter)]
    with db.transaction() as session:
        names = dict(session.execute(select(User.id, User.display_name)).all())
        overdue = list(session.scalars(select(Assignment).where(
            Assignment.state.in_((audits.ASSIGNED, audits.IN_PROGRESS)), Assignment.due_at < now)))
        tiles.append(Tile("reviews_overdue", "Reviews overdue", str(len(overdue)), ALERT if overdue else OK,
                          "every assignment reviewed by its due date", ("reviewer", "recording", "due"),
                          tuple((names.get(a.reviewer_id, "?"), str(a.recording_id), f"{a.due_at:%Y-%m-%d}")
                                for a in overdue)))
        free = select(Review, Recording, Coach).join(Recording, Recording.id == Review.recording_id).join(
            Coach, Coach.id == Recording.coach_id).where(Review.status == "submitted", Review.round_id.is_(None),
                                                   Review.gold_standard_id.is_(None))
        submitted = session.execute(free.order_by(Review.submitted_at)).all()
        late = [(r, c) for r, _rec, c in submitted
                if r.feedback_due_at is not None and r.feedback_sent_at is None and now > r.feedback_due_at]
        tiles.append(Tile("feedback_overdue", "Feedback overdue", str(len(late)), ALERT if late else OK,
                          "written feedback to the coach within 48 hours of a review", ("coach", "reviewer", "due"),
                          tuple((c.name, names.get(r.rater_id, "?"), f"{r.feedback_due_at:%Y-%m-%d %H:%M}")
                                for r, c in late)))
        held = set(session.scalars(select(SupervisionSession.review_id)))
        pending = [(r, c) for r, _rec, c in submitted if r.id not in held and r.submitted_at is not None]
        late_one_to_ones = [(r, c) for r, c in pending
                            if r.submitted_at is not None and now > r.submitted_at + dt.timedelta(days=ONE_TO_ONE_DAYS)]
        tiles.append(Tile("one_to_ones", "Supervision 1:1s", f"{len(pending)} due, {len(late_one_to_ones)} late",
                          ALERT if late_one_to_ones else WARN if pending else OK,
                          "a supervision 1:1 within a week of a review", ("coach", "review", "due by", "late"),
                          tuple((c.name, str(r.id),
                                 f"{(r.submitted_at or now) + dt.timedelta(days=ONE_TO_ONE_DAYS):%Y-%m-%d}",
                                 "yes" if (r, c) in late_one_to_ones else "")
                                for r, c in pending)))
        rounds = session.execute(select(RoundRater.rater_id, func.max(CalibrationRound.due_at))
                                 .join(CalibrationRound, CalibrationRound.id == RoundRater.round_id)
                                 .where(CalibrationRound.status != "open").group_by(RoundRater.rater_id)).all()
        last_round = dict(rounds)
        for rater_id, at in practice.last_credited(session).items():  # practice the lead credited counts too
            last_round[rater_id] = max(at, last_round.get(rater_id, at))
        raters = list(session.scalars(select(User).where(User.active.is_(True),
                                                         User.role.in_(("supervisor", "rater")))))
        stale = [(u.display_name, f"{last_round[u.id]:%Y-%m-%d}" if u.id in last_round else "never")
                 for u in raters if u.id not in last_round
                 or (now - last_round[u.id]).days > CALIBRATION_CADENCE_DAYS]
        tiles.append(Tile("calibration", "Raters due for calibration", str(len(stale)), WARN if stale else OK,
                          "a calibration round (or practice the lead credits) every month",
                          ("rater", "last calibrated"), tuple(stale)))
        below = _below_standard(session, submitted)
        tiles.append(Tile("below_standard", "Below the standard", str(len(below)), WARN if below else OK,
                          f"latest reviewed session: every core competency {MEETS_STANDARD_SCORE} or more, every "
                          "gate passed",
                          ("coach", "competencies"), tuple(below)))
    practised = practice.record(db, actor)
    tiles.append(Tile("practice", "Practice against gold", f"{sum(r.attempts for r in practised)} attempts", OK,
                      "raters practise on gold-standard recordings; credited practice counts as calibration",
                      ("rater", "attempts", "met the gold", "credited", "latest"),
                      tuple((r.rater, str(r.attempts), f"{r.met} of {r.attempts}", str(r.credited),
                             f"{r.last_at:%Y-%m-%d}" if r.last_at else "") for r in practised)))
    coach_rows = coaches.list_coaches(db, actor)
    recert = [(c.name, c.recertification.value) for c in coach_rows
              if c.recertification in (RecertificationStatus.DUE, RecertificationStatus.OVERDUE)]
    tiles.append(Tile("recertification", "Recertification", f"{len(recert)} due or overdue",
                      ALERT if any(s == "overdue" for _, s in recert) else WARN if recert else OK,
                      "recertified every 12 months, overdue after 18", ("coach", "status"), tuple(recert)))
    loads: dict[str, int] = {}
    for row in coach_rows:
        if row.supervisor_name:
            loads[row.supervisor_name] = loads.get(row.supervisor_name, 0) + 1
    off = [name for name, n in loads.items() if not audits.SUPERVISION_MIN <= n <= audits.SUPERVISION_MAX]
    tiles.append(Tile("supervision_ratio", "Supervision ratio", f"{len(off)} outside 8–15", WARN if off else OK,
                      "one master coach per 8–15 internal coaches", ("supervisor", "coaches"),
                      tuple((name, str(n)) for name, n in sorted(loads.items()))))
    flagged = [(r.rater, r.reason) for r in drift.raters(db, actor) if r.flagged]
    tiles.append(Tile("rater_drift", "Rater drift", str(len(flagged)), WARN if flagged else OK,
                      "bias against the master within ±0.5 over rounds", ("rater", "why"), tuple(flagged)))
    reasons: dict[str, list[str]] = {}
    for reviewed in drift.coaches(db, actor):
        if reviewed.advising_rising:
            reasons.setdefault(reviewed.coach, []).append("advised/told evidence rising across reviews")
    for heard in stance.coach_trends(db, actor):
        if heard.advice_rising:
            reasons.setdefault(heard.coach, []).append("advice per 10 min rising across transcribed sessions")
    advising = [(coach, "; ".join(why)) for coach, why in sorted(reasons.items())]
    tiles.append(Tile("stance_drift", "Coach stance drift", str(len(advising)), WARN if advising else OK,
                      "asking rather than telling, session after session", ("coach", "why"), tuple(advising)))
    return Dashboard(quarter.label, tuple(tiles))


def _below_standard(session: Session, submitted: Sequence[tuple[Review, Recording, Coach]]
                    ) -> list[tuple[str, str]]:
    """Coaches whose latest reviewed session does not meet the standard, with the competencies concerned."""
    latest: dict[int, tuple[Review, Coach]] = {}
    for review, _recording, coach in submitted:
        latest[coach.id] = (review, coach)
    rubric_cache: dict[int, Rubric] = {}
    result = []
    for review, coach in latest.values():
        if review.rubric_version_id not in rubric_cache:
            row = session.get(RubricVersion, review.rubric_version_id)
            assert row is not None
            rubric_cache[review.rubric_version_id] = rubrics.stored_rubric(row.document)
        scores = [CompetencyScore(s.competency_id, s.score, s.gate_passed, s.not_observed)
                  for s in session.scalars(select(ReviewScore).where(ReviewScore.review_id == review.id))]
        low = below_standard(rubric_cache[review.rubric_version_id], scores)
        if low:
            result.append((coach.name, ", ".join(low)))
    return sorted(result)


def record_one_to_one(db: Database, actor: Actor, review_id: int, held_on: dt.date, note: str = "") -> None:
    """Record that the supervision 1:1 after a review took place."""
    require(actor, Permission.RUN_AUDITS)
    if held_on > dt.date.today():
        raise ValidationError("The 1:1 is in the future; record it once it has taken place.", field="held_on")
    with db.transaction() as session:
        review = session.get(Review, review_id)
        if review is None or review.status != "submitted":
            raise NotFoundError(f"There is no submitted review {review_id}.")
        if review.submitted_at is not None and held_on < review.submitted_at.date():
            raise ValidationError("The 1:1 comes after the review; its date is before the review was submitted.",
                                  field="held_on")
        if session.scalar(select(SupervisionSession.id).where(SupervisionSession.review_id == review_id)):
            raise ConflictError(f"A 1:1 is already recorded for review {review_id}.")
        session.add(SupervisionSession(review_id=review_id, held_on=held_on, note=note, recorded_by_id=actor.user_id))
        audit.record(session, actor, "supervision.one_to_one", "review", review_id, {"held_on": held_on.isoformat()})

