"""Reviews: a rater scores a recording against a rubric version, pinning scores to evidence.

Drafts are saved whole (the workspace autosaves them); submission checks the rubric's rules; a submitted review
never changes: an amendment is a new version with a reason, and the old one is kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from supervisor_app.core.documents import check_against, decode_json
from supervisor_app.core.reviews import (
    FEEDBACK_DUE_AFTER,
    CompetencyScore,
    Evidence,
    ReviewContent,
    check_evidence,
    check_score,
    feedback_text,
    long_date,
    quote_for_range,
    submission_problems,
)
from supervisor_app.core.roles import Permission
from supervisor_app.core.rubric import Rubric
from supervisor_app.errors import (
    ConflictError,
    DocumentInvalidError,
    Issue,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from supervisor_app.files import atomic_write_text, read_bounded
from supervisor_app.paths import bundled_path
from supervisor_app.services import audit, audits, redaction, rubrics, transcripts
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CalibrationRound,
    Coach,
    EvidenceItem,
    Recording,
    Review,
    ReviewScore,
    RoundRecording,
    RubricVersion,
    User,
    utc_now,
)

DRAFT, SUBMITTED, SUPERSEDED = "draft", "submitted", "superseded"
REASON_MIN = 10


@dataclass(frozen=True)
class ReviewSummary:
    id: int
    recording_id: int
    recording_name: str
    coach_name: str
    rater: str
    rubric_label: str
    status: str
    version: int
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    feedback_due_at: dt.datetime | None
    feedback_sent_at: dt.datetime | None
    identity_hidden: bool = False
    gold_standard_id: int | None = None  # a practice review against this gold standard
    round_id: int | None = None  # a calibration round's review

    @property
    def is_practice(self) -> bool:
        return self.gold_standard_id is not None

    def feedback_overdue(self, now: dt.datetime) -> bool:
        return (self.status == SUBMITTED and self.feedback_sent_at is None and self.feedback_due_at is not None
                and now > self.feedback_due_at)


@dataclass(frozen=True)
class ReviewDetail:
    summary: ReviewSummary
    rubric: Rubric
    rubric_version_id: int
    content: ReviewContent
    feedback: str
    duration_s: float
    amendment_reason: str
    supersedes_id: int | None
    revision: int = 0  # of the draft: a save says which revision it started from

    @property
    def id(self) -> int:
        return self.summary.id

    @property
    def editable(self) -> bool:
        return self.summary.status == DRAFT


def _summary(session: Session, review: Review) -> ReviewSummary:
    recording = session.get(Recording, review.recording_id)
    rubric_row = session.get(RubricVersion, review.rubric_version_id)
    rater = session.get(User, review.rater_id)
    assert recording is not None
    assert rubric_row is not None
    assert rater is not None
    coach = session.get(Coach, recording.coach_id)
    name, coach_name, hidden = recording.original_name, coach.name if coach else "", False
    if review.round_id is not None:
        calibration = session.get(CalibrationRound, review.round_id)
        if calibration is not None and calibration.hide_identity and calibration.status != "closed":
            code = session.scalar(select(RoundRecording.code).where(RoundRecording.round_id == review.round_id,
                                                                    RoundRecording.recording_id == recording.id))
            name, coach_name, hidden = code or "R-????", "(hidden in this calibration round)", True
    elif review.gold_standard_id is not None:  # practice is scored blind, like a calibration round
        name, coach_name, hidden = f"Practice G-{review.gold_standard_id}", "(hidden for practice)", True
    return ReviewSummary(review.id, recording.id, name, coach_name,
                         rater.display_name, f"{rubric_row.title} v{rubric_row.version}", review.status,
                         review.version, review.updated_at, review.submitted_at, review.feedback_due_at,
                         review.feedback_sent_at, hidden, review.gold_standard_id, review.round_id)


def _detail(session: Session, review: Review) -> ReviewDetail:
    rubric_row = session.get(RubricVersion, review.rubric_version_id)
    recording = session.get(Recording, review.recording_id)
    assert rubric_row is not None
    assert recording is not None
    rubric = rubrics.stored_rubric(rubric_row.document)
    scores = {s.competency_id: CompetencyScore(s.competency_id, s.score, s.gate_passed, s.not_observed, s.rationale)
              for s in session.scalars(select(ReviewScore).where(ReviewScore.review_id == review.id))}
    evidence = tuple(Evidence(e.competency_id, e.start_s, e.end_s, e.quote, e.tag, e.note, e.id)
                     for e in session.scalars(select(EvidenceItem).where(EvidenceItem.review_id == review.id)
                                              .order_by(EvidenceItem.position, EvidenceItem.id)))
    return ReviewDetail(_summary(session, review), rubric, review.rubric_version_id, ReviewContent(scores, evidence),
                        review.feedback, recording.duration_s, review.amendment_reason, review.supersedes_id,
                        review.revision)


def _blind(session: Session, review: Review, actor: Actor) -> bool:
    """A review in an open calibration round is hidden from everyone but its rater."""
    if review.round_id is None or review.rater_id == actor.user_id:
        return False
    calibration = session.get(CalibrationRound, review.round_id)
    return calibration is not None and calibration.status == "open"


def _load(session: Session, actor: Actor, review_id: int, *, own: bool = False) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise NotFoundError(f"There is no review {review_id}.")
    if _blind(session, review, actor):
        raise PermissionDeniedError("This review belongs to a calibration round that is still blind; it can be "
                                    "read after the round is revealed.")
    if review.rater_id != actor.user_id and (own or not actor.can(Permission.READ_ALL_REVIEWS)):
        raise PermissionDeniedError("This review belongs to another rater; you cannot "
                                    + ("change it." if own else "open it."))
    return review


def _write_content(session: Session, review_id: int, content: ReviewContent) -> None:
    """Store a review's scores and evidence, replacing what it had."""
    session.execute(delete(ReviewScore).where(ReviewScore.review_id == review_id))
    session.execute(delete(EvidenceItem).where(EvidenceItem.review_id == review_id))
    for score in content.scores.values():
        session.add(ReviewScore(review_id=review_id, competency_id=score.competency_id, score=score.score,
                                gate_passed=score.gate_passed, not_observed=score.not_observed,
                                rationale=score.rationale))
    for position, item in enumerate(content.evidence):
        session.add(EvidenceItem(review_id=review_id, competency_id=item.competency_id, position=position,
                                 start_s=item.start_s, end_s=item.end_s, quote=item.quote, tag=item.tag,
                                 note=item.note))


def start_review(db: Database, actor: Actor, recording_id: int, rubric_version_id: int | None = None
                 ) -> ReviewDetail:
    """Open the actor's draft for this recording, or start one against the newest (or the given) rubric. Those who
    see the library review any recording; a rater, the recordings assigned to them (against the assignment's
    rubric)."""
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        if session.get(Recording, recording_id) is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        assignment = audits.assignment_for(session, actor, recording_id)
        if assignment is None:
            require(actor, Permission.VIEW_RECORDINGS)
        existing = session.scalar(select(Review).where(Review.recording_id == recording_id,
                                                       Review.rater_id == actor.user_id, Review.status == DRAFT,
                                                       Review.round_id.is_(None),
                                                       Review.gold_standard_id.is_(None)))
        if existing is not None:
            return _detail(session, existing)
        if rubric_version_id is None and assignment is not None:
            rubric_version_id = assignment.rubric_version_id
        if rubric_version_id is None:
            rubric_version_id = session.scalar(select(RubricVersion.id).order_by(RubricVersion.imported_at.desc(),
                                                                                  RubricVersion.id.desc()).limit(1))
            if rubric_version_id is None:
                raise NotFoundError("No rubric is stored yet; import one on the Rubrics screen first.")
        elif session.get(RubricVersion, rubric_version_id) is None:
            raise NotFoundError(f"There is no stored rubric version {rubric_version_id}.")
        review = Review(recording_id=recording_id, rubric_version_id=rubric_version_id, rater_id=actor.user_id,
                        status=DRAFT)
        session.add(review)
        session.flush()
        audits.on_review_started(session, actor, review)
        audit.record(session, actor, "review.start", "review", review.id, {"recording": recording_id})
        return _detail(session, review)


def get_review(db: Database, actor: Actor, review_id: int) -> ReviewDetail:
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        return _detail(session, _load(session, actor, review_id))


class DraftConflictError(ConflictError):
    """A save based on an older revision of the draft than the stored one: nothing was written."""

    def __init__(self, message: str, stored: ReviewDetail) -> None:
        super().__init__(message)
        self.stored = stored


def save_draft(db: Database, actor: Actor, review_id: int, content: ReviewContent,
               feedback: str | None = None, base_revision: int | None = None) -> ReviewDetail:
    """Replace the draft's scores and evidence (the workspace autosaves the whole draft). With `base_revision`
    (the revision the editor started from), a draft saved meanwhile elsewhere (another laptop, another window)
    is a `DraftConflictError` carrying the stored version; nothing is overwritten."""
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        session.get(Review, review_id, with_for_update=True)  # concurrent saves of one draft queue up here
        review = _load(session, actor, review_id, own=True)
        if review.status != DRAFT:
            raise ConflictError("A submitted review cannot change; amend it with a reason to make a new version.")
        if base_revision is not None and base_revision != review.revision:
            stored = _detail(session, review)
            when = review.updated_at.astimezone().strftime("%H:%M:%S")
            raise DraftConflictError(
                f"This draft was saved elsewhere at {when} (another laptop or window) after you opened it: the "
                f"stored draft is revision {review.revision}, yours started from revision {base_revision}. Your "
                "version was not saved over it.", stored)
        detail = _detail(session, review)
        for score in content.scores.values():
            if (problem := check_score(detail.rubric, score)) is not None:
                raise ValidationError(problem)
        for item in content.evidence:
            if (problem := check_evidence(detail.rubric, item, detail.duration_s)) is not None:
                raise ValidationError(problem)
        _write_content(session, review.id, content)
        if feedback is not None:
            review.feedback = feedback
        review.updated_at = utc_now()
        review.revision += 1
        session.flush()
        return _detail(session, review)


def _feedback_draft(session: Session, detail: ReviewDetail) -> str:
    redact = redaction.quote_redactor(session, [detail.summary.recording_id])
    recording_id = detail.summary.recording_id
    evidence = tuple(replace(e, quote=redact(recording_id, e.quote), note=redact(recording_id, e.note))
                     for e in detail.content.evidence)
    day = session.scalar(select(Recording.session_date).where(Recording.id == recording_id))
    label = f"your session of {long_date(day)}" if day else "your session"  # not a file name
    return feedback_text(detail.rubric, replace(detail.content, evidence=evidence), detail.summary.coach_name,
                         label)


def feedback_draft(db: Database, actor: Actor, review_id: int) -> str:
    """A first draft of the written feedback from the review's tagged evidence, its quotes redacted (the coachee
    and anyone named stay unnamed in what the coach receives)."""
    detail = get_review(db, actor, review_id)
    with db.transaction() as session:
        return _feedback_draft(session, detail)


def submit(db: Database, actor: Actor, review_id: int) -> ReviewDetail:
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        review = _load(session, actor, review_id, own=True)
        if review.status != DRAFT:
            raise ConflictError("This review is already submitted.")
        detail = _detail(session, review)
        problems = submission_problems(detail.rubric, detail.content)
        if problems:
            raise ValidationError("The review cannot be submitted yet:\n" + "\n".join(f"• {p}" for p in problems))
        now = utc_now()
        review.status, review.submitted_at, review.updated_at = SUBMITTED, now, now
        # calibration and practice scoring train the raters, they are not feedback to the coach
        assessment = review.round_id is None and review.gold_standard_id is None
        review.feedback_due_at = now + FEEDBACK_DUE_AFTER if assessment else None
        if assessment and not review.feedback.strip():
            review.feedback = _feedback_draft(session, detail)
        if review.supersedes_id is not None:
            previous = session.get(Review, review.supersedes_id)
            if previous is not None:
                previous.status = SUPERSEDED
        if assessment:
            audits.on_review_submitted(session, review)
        audit.record(session, actor, "review.submit", "review", review.id,
                     {"version": review.version, "recording": review.recording_id}, review.amendment_reason)
        return _detail(session, review)


def amend(db: Database, actor: Actor, review_id: int, reason: str) -> ReviewDetail:
    """A new draft version of a submitted review, with the reason; the submitted version stays as it is."""
    require(actor, Permission.REVIEW)
    why = " ".join(reason.split())
    if len(why) < REASON_MIN:
        raise ValidationError(f"Say why the review is amended (at least {REASON_MIN} characters); it is kept with "
                              "both versions.", field="reason")
    with db.transaction() as session:
        review = _load(session, actor, review_id, own=True)
        if review.status != SUBMITTED:
            raise ConflictError("Only the current submitted version of a review can be amended.")
        if session.scalar(select(Review.id).where(Review.supersedes_id == review.id)) is not None:
            raise ConflictError("An amendment of this review is already in progress.")
        detail = _detail(session, review)
        draft = Review(recording_id=review.recording_id, rubric_version_id=review.rubric_version_id,
                       rater_id=review.rater_id, status=DRAFT, version=review.version + 1, supersedes_id=review.id,
                       amendment_reason=why, feedback=review.feedback)
        session.add(draft)
        session.flush()
        _write_content(session, draft.id, detail.content)
        audit.record(session, actor, "review.amend", "review", draft.id, {"supersedes": review.id}, why)
        session.flush()
        return _detail(session, draft)


def set_feedback(db: Database, actor: Actor, review_id: int, text: str, *, sent: bool = False) -> ReviewDetail:
    """Edit the written feedback (before or after submission), and record when it went to the coach."""
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        review = _load(session, actor, review_id, own=True)
        review.feedback = text
        if sent:
            if review.status != SUBMITTED:
                raise ConflictError("Submit the review before sending its feedback.")
            review.feedback_sent_at = utc_now()
            audit.record(session, actor, "review.feedback_sent", "review", review.id)
        return _detail(session, review)


def list_reviews(db: Database, actor: Actor) -> list[ReviewSummary]:
    """The actor's reviews; supervisors and admins see everyone's (for due and overdue feedback)."""
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        query = select(Review).order_by(Review.updated_at.desc())
        if not actor.can(Permission.READ_ALL_REVIEWS):
            query = query.where(Review.rater_id == actor.user_id)
        return [_summary(session, r) for r in session.scalars(query) if not _blind(session, r, actor)]


def own_reviews_of(db: Database, actor: Actor, recording_id: int) -> list[ReviewSummary]:
    """The actor's own reviews of one recording outside calibration rounds, newest first (to open one again
    instead of starting a second by accident)."""
    require(actor, Permission.REVIEW)
    with db.transaction() as session:
        rows = session.scalars(select(Review).where(Review.recording_id == recording_id,
                                                    Review.rater_id == actor.user_id, Review.round_id.is_(None),
                                                    Review.gold_standard_id.is_(None), Review.status != SUPERSEDED)
                               .order_by(Review.updated_at.desc(), Review.id.desc()))
        return [_summary(session, r) for r in rows]


def export_review(db: Database, actor: Actor, review_id: int, target: Path | None = None) -> dict[str, Any]:
    detail = get_review(db, actor, review_id)
    payload: dict[str, Any] = {
        "review": {**asdict(detail.summary)}, "rubric": {"id": detail.rubric.id, "version": detail.rubric.version},
        "revision": detail.revision,
        "amendment_reason": detail.amendment_reason, "supersedes": detail.supersedes_id,
        "scores": [asdict(s) for s in detail.content.scores.values()],
        "evidence": [asdict(e) for e in detail.content.evidence], "feedback": detail.feedback,
    }
    if target is not None:
        atomic_write_text(target, json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")
    return payload


DRAFT_DOCUMENT_MAX_BYTES = 2_000_000


@functools.cache
def draft_schema() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(bundled_path("schemas", "review-draft.schema.json").read_text("utf-8")))


def content_from_document(document: object, source: str) -> tuple[ReviewContent, str | None]:
    """A draft written as JSON (the keys `review export` writes) as content and feedback; every problem by path."""
    check_against(document, draft_schema(), source)
    values = cast(dict[str, Any], document)
    scores: dict[str, CompetencyScore] = {}
    for index, item in enumerate(values.get("scores", [])):
        if item["competency_id"] in scores:
            raise DocumentInvalidError(source, [Issue(f"$.scores[{index}].competency_id",
                                                      f"{item['competency_id']!r} is scored twice")])
        scores[item["competency_id"]] = CompetencyScore(
            item["competency_id"], item.get("score"), item.get("gate_passed"), bool(item.get("not_observed", False)),
            item.get("rationale", ""))
    evidence = tuple(Evidence(e["competency_id"], float(e["start_s"]), float(e["end_s"]), e.get("quote", ""),
                              e.get("tag", ""), e.get("note", "")) for e in values.get("evidence", []))
    return ReviewContent(scores, evidence), values.get("feedback")


def save_draft_file(db: Database, actor: Actor, review_id: int, path: Path) -> ReviewDetail:
    """Save a draft written as a JSON file (the headless twin of the workspace's autosave). Evidence without a
    quote gets the words said in its time range, as pinning a moment in the workspace does."""
    source = f"Review draft {path.name}"
    document = decode_json(read_bounded(path, DRAFT_DOCUMENT_MAX_BYTES, "a review draft .json file"), source,
                           DRAFT_DOCUMENT_MAX_BYTES)
    content, feedback = content_from_document(document, source)
    revision = cast(dict[str, Any], document).get("revision")
    base_revision = revision if isinstance(revision, int) and not isinstance(revision, bool) else None
    if any(not item.quote for item in content.evidence):
        recording_id = get_review(db, actor, review_id).summary.recording_id
        try:
            segments = transcripts.get_transcript(db, actor, recording_id).segments
        except NotFoundError:
            segments = ()
        content = ReviewContent(content.scores, tuple(
            item if item.quote else replace(item, quote=quote_for_range(segments, item.start_s, item.end_s))
            for item in content.evidence))
    return save_draft(db, actor, review_id, content, feedback, base_revision)
