"""Coach-stance indicators of one recorded session from its transcript: each coach turn classified by the rule
set in `core.stance`, and the session's talk share, question and reflection counts with MITI reference bands.
Suggestions for the rater; nothing here is a score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from supervisor_app.core.drift import rises
from supervisor_app.core.reviews import ReviewContent
from supervisor_app.core.roles import Permission
from supervisor_app.core.stance import Indicators, Turn, as_evidence, indicators, suggestions, turns
from supervisor_app.core.transcripts import NEUTRAL_SPEAKERS, Segment, clock
from supervisor_app.errors import NotFoundError, ValidationError
from supervisor_app.services import library, reviews, transcripts
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import Coach, Recording, Transcript


@dataclass(frozen=True)
class SessionStance:
    recording_id: int
    coach_label: str
    turns: tuple[Turn, ...]
    indicators: Indicators


def _coach_label(speakers: set[str], wanted: str | None, coach_name: str | None) -> str:
    if wanted:
        if wanted not in speakers:
            raise ValidationError(f"No speaker is called {wanted!r} in this transcript; its speakers are "
                                  f"{', '.join(sorted(speakers)) or 'none'}.", field="coach")
        return wanted
    if NEUTRAL_SPEAKERS[0] in speakers:
        return NEUTRAL_SPEAKERS[0]
    if coach_name in speakers:
        return str(coach_name)
    raise ValidationError("Which speaker is the coach? None is labelled Coach or the coach's name; name the speaker "
                          f"(one of {', '.join(sorted(speakers)) or 'none'}).", field="coach")


def session_stance(db: Database, actor: Actor, recording_id: int, coach: str | None = None) -> SessionStance:
    """The coach's turns and the session's indicators (the transcript as this actor may read it)."""
    return stance_of(db, actor, recording_id, transcripts.get_transcript(db, actor, recording_id).segments, coach)


def stance_of(db: Database, actor: Actor, recording_id: int, segments: Sequence[Segment],
              coach: str | None = None) -> SessionStance:
    """The same from segments the caller has already read (the workspace has them: no second read)."""
    with db.transaction() as session:
        library.require_recording_access(session, actor, recording_id)
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        coach_name = session.scalar(select(Coach.name).where(Coach.id == recording.coach_id))
        recorded_s = recording.duration_s
    label = _coach_label({s.speaker for s in segments if s.speaker}, coach, coach_name)
    listed = turns([(s.start_s, s.end_s, s.speaker, s.text) for s in segments], label)
    duration = recorded_s or max((s.end_s for s in segments), default=0.0)
    return SessionStance(recording_id, label, tuple(listed), indicators(listed, duration))


SAME_TURN_S = 0.5  # a time this close to a turn's start names that turn


def accept_suggestion(db: Database, actor: Actor, review_id: int, at_s: float, competency_id: str,
                      coach: str | None = None) -> reviews.ReviewDetail:
    """Add the suggested coach turn at `at_s` to the draft as tagged evidence for `competency_id`. Nothing a
    suggestion says counts until a rater accepts it like this."""
    detail = reviews.get_review(db, actor, review_id)
    if not detail.editable:
        raise ValidationError("This review is submitted; suggestions can be accepted into a draft only.")
    try:
        competency = detail.rubric.competency(competency_id)
    except KeyError:
        raise NotFoundError(f"The rubric has no competency {competency_id!r}; it has "
                            f"{', '.join(c.id for c in detail.rubric.competencies)}.") from None
    found = session_stance(db, actor, detail.summary.recording_id, coach)
    turn = next((t for t in suggestions(found.turns)
                 if t.start_s - SAME_TURN_S <= at_s < t.end_s or abs(t.start_s - at_s) <= SAME_TURN_S), None)
    if turn is None:
        raise NotFoundError(f"No suggested coach turn (open question, reflection or advice) at {clock(at_s)}; "
                            "`stance show` lists them.")
    item = as_evidence(turn, competency.id, detail.rubric.evidence.max_clip_seconds)
    if any((e.competency_id, e.start_s, e.end_s) == (item.competency_id, item.start_s, item.end_s)
           for e in detail.content.evidence):
        raise ValidationError(f"That turn is already evidence for {competency.title}.")
    content = ReviewContent(detail.content.scores, (*detail.content.evidence, item))
    return reviews.save_draft(db, actor, review_id, content, base_revision=detail.revision)


RECENT_SESSIONS = 6  # per coach: enough to see a rise across consecutive sessions, cheap enough for a dashboard


@dataclass(frozen=True)
class SessionPoint:
    recording_id: int
    session_date: dt.date | None
    indicators: Indicators


@dataclass(frozen=True)
class CoachStance:
    coach: str
    sessions: tuple[SessionPoint, ...]  # oldest first

    @property
    def advice_rising(self) -> bool:
        """Advice per 10 minutes went up across two consecutive steps (three sessions in a row)."""
        return rises([p.indicators.advice_per_10_min for p in self.sessions
                      if p.indicators.advice_per_10_min is not None])


def coach_trends(db: Database, actor: Actor, recent: int = RECENT_SESSIONS) -> list[CoachStance]:
    """Per coach, the stance indicators of their latest transcribed sessions in session order. Sessions whose
    coach cannot be told from the speaker labels are left out."""
    require(actor, Permission.READ_ALL_REVIEWS)
    with db.transaction() as session:
        rows = session.execute(
            select(Coach.name, Recording.id, Recording.session_date)
            .join(Recording, Recording.coach_id == Coach.id)
            .join(Transcript, Transcript.recording_id == Recording.id)
            .where(Transcript.status == "complete", Recording.purged_at.is_(None))
            .order_by(Coach.name, Recording.session_date, Recording.id)).all()
    per_coach: dict[str, list[tuple[int, dt.date | None]]] = {}
    for name, recording_id, session_date in rows:
        per_coach.setdefault(name, []).append((recording_id, session_date))
    result = []
    for name, sessions in per_coach.items():
        points = []
        for recording_id, session_date in sessions[-recent:]:
            try:
                found = session_stance(db, actor, recording_id)
            except ValidationError:
                continue
            points.append(SessionPoint(recording_id, session_date, found.indicators))
        if points:
            result.append(CoachStance(name, tuple(points)))
    return result
