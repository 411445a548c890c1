"""Drift from the stored reviews: rater bias per revealed calibration round, coach scores and stance over time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervisor_app.core.drift import (
    ADVISING_TAG,
    ASKING_TAG,
    BIAS_THRESHOLD,
    CoachDrift,
    RaterDrift,
    StancePoint,
    coach_drift,
    rater_drift,
)
from supervisor_app.core.reviews import numeric_value
from supervisor_app.core.roles import Permission
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CalibrationRound,
    Coach,
    EvidenceItem,
    Recording,
    Review,
    ReviewScore,
    User,
)


def raters(db: Database, actor: Actor, threshold: float = BIAS_THRESHOLD) -> list[RaterDrift]:
    """Each rater's bias against the master in every revealed round that had one, oldest round first."""
    require(actor, Permission.RUN_CALIBRATION)
    with db.transaction() as session:
        series = bias_series(session)
    return [rater_drift(name, values, threshold) for name, values in sorted(series.items())]


def raters_by_competency(db: Database, actor: Actor, threshold: float = BIAS_THRESHOLD
                         ) -> dict[str, list[RaterDrift]]:
    """Competency -> each rater's bias against the master on it, round by round (a rater can drift on one
    competency while their all-competency bias stays flat)."""
    require(actor, Permission.RUN_CALIBRATION)
    with db.transaction() as session:
        per = _bias_per_round(session)
    result: dict[str, list[RaterDrift]] = defaultdict(list)
    for (rater, competency), values in sorted(per.items()):
        result[competency].append(rater_drift(rater, values, threshold))
    return dict(result)


def bias_series(session: Session) -> dict[str, list[float]]:
    """Rater display name -> mean bias against the master per revealed round with a master, oldest first."""
    return {rater: values for (rater, competency), values in _bias_per_round(session).items() if competency == ""}


@dataclass(frozen=True)
class BiasByRound:
    rounds: tuple[str, ...]  # titles of the revealed rounds with a master, oldest first (dated when two share one)
    biases: dict[str, tuple[float | None, ...]]  # rater -> bias in each of those rounds (None: not on its panel)


def rater_rounds(db: Database, actor: Actor) -> BiasByRound:
    """Each rater's bias against the master over every competency, aligned on the revealed rounds with a master,
    so a rater who sat a round out has a gap there rather than their next round moved up."""
    require(actor, Permission.RUN_CALIBRATION)
    with db.transaction() as session:
        titles, table = _bias_table(session)
    raters = sorted({rater for rater, competency in table if competency == ""})
    return BiasByRound(tuple(titles), {rater: tuple(table[(rater, "")].get(index) for index in range(len(titles)))
                                       for rater in raters})


def _bias_per_round(session: Session) -> dict[tuple[str, str], list[float]]:
    """(rater, competency) -> mean bias against the master per revealed round with a master that they were on,
    oldest first; the competency "" is every competency together."""
    _titles, table = _bias_table(session)
    return {key: [per_round[index] for index in sorted(per_round)] for key, per_round in table.items()}


def _bias_table(session: Session) -> tuple[list[str], dict[tuple[str, str], dict[int, float]]]:
    """The revealed rounds with a master (titles, oldest first) and (rater, competency) -> round index -> mean
    bias against the master in that round."""
    rounds = session.scalars(select(CalibrationRound).where(CalibrationRound.status.in_(("revealed", "closed")),
                                                            CalibrationRound.master_id.is_not(None))
                             .order_by(CalibrationRound.revealed_at)).all()
    names = dict(session.execute(select(User.id, User.display_name)).all())
    table: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for index, calibration in enumerate(rounds):
        rows = session.execute(
            select(Review.rater_id, Review.recording_id, ReviewScore.competency_id, ReviewScore.score,
                   ReviewScore.gate_passed)
            .join(ReviewScore, ReviewScore.review_id == Review.id)
            .where(Review.round_id == calibration.id, Review.status == "submitted",
                   ReviewScore.not_observed.is_(False))).all()
        gold = {(r, c): numeric_value(s, g) for rater, r, c, s, g in rows if rater == calibration.master_id}
        differences: dict[tuple[int, str], list[float]] = defaultdict(list)
        for rater, recording, competency, score, gate in rows:
            value, reference = numeric_value(score, gate), gold.get((recording, competency))
            if rater != calibration.master_id and value is not None and reference is not None:
                differences[(rater, "")].append(value - reference)
                differences[(rater, competency)].append(value - reference)
        for (rater, competency), values in differences.items():
            table[(names[rater], competency)][index] = sum(values) / len(values)
    titles = [calibration.title for calibration in rounds]
    return [f"{title} ({calibration.revealed_at:%Y-%m-%d})" if titles.count(title) > 1 else title
            for title, calibration in zip(titles, rounds, strict=True)], dict(table)


def coaches(db: Database, actor: Actor) -> list[CoachDrift]:
    """Per coach: each competency's score trend over submitted reviews and the advising/asking mix."""
    require(actor, Permission.READ_ALL_REVIEWS)
    with db.transaction() as session:
        reviews = session.execute(
            select(Review.id, Coach.name)
            .join(Recording, Recording.id == Review.recording_id).join(Coach, Coach.id == Recording.coach_id)
            .where(Review.status == "submitted", Review.round_id.is_(None), Review.gold_standard_id.is_(None))
            .order_by(Recording.session_date, Review.submitted_at)).all()
        per_coach: dict[str, list[int]] = defaultdict(list)
        for review_id, coach in reviews:
            per_coach[coach].append(review_id)
        result = []
        for coach, ids in sorted(per_coach.items()):
            scores: dict[str, list[float]] = defaultdict(list)
            for competency, score in session.execute(
                    select(ReviewScore.competency_id, ReviewScore.score)
                    .where(ReviewScore.review_id.in_(ids), ReviewScore.score.is_not(None))
                    .order_by(ReviewScore.review_id)).all():
                if score is not None:
                    scores[competency].append(float(score))
            stance = []
            for review_id in ids:
                tags = session.scalars(select(EvidenceItem.tag).where(EvidenceItem.review_id == review_id)).all()
                stance.append(StancePoint(tags.count(ADVISING_TAG), tags.count(ASKING_TAG)))
            result.append(coach_drift(coach, dict(scores), stance))
        return result
