from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.errors import ConflictError, PermissionDeniedError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import library, reviews
from supervisor_app.store.db import Database
from tests.conftest import login


def complete_content(detail: reviews.ReviewDetail) -> ReviewContent:
    scores, evidence = {}, []
    for competency in detail.rubric.competencies:
        if competency.is_gate:
            scores[competency.id] = CompetencyScore(competency.id, gate_passed=True)
            evidence.append(Evidence(competency.id, 30.2, 31.7, "What made you step in?", "asked open question"))
        elif competency.id == "active_listening":
            scores[competency.id] = CompetencyScore(competency.id, score=2, rationale="talked over the coachee")
            evidence.append(Evidence(competency.id, 6.1, 11.9, "I want to get better", "advised/told", "cut in"))
        else:
            scores[competency.id] = CompetencyScore(competency.id, not_observed=True)
    return ReviewContent(scores, tuple(evidence))


def test_draft_submit_and_feedback(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    detail = reviews.start_review(db, maria, 1)
    assert reviews.start_review(db, maria, 1).id == detail.id  # the same draft comes back
    with pytest.raises(ValidationError, match="cannot be submitted yet"):
        reviews.submit(db, maria, detail.id)
    saved = reviews.save_draft(db, maria, detail.id, complete_content(detail))
    submitted = reviews.submit(db, maria, saved.id)
    summary = submitted.summary
    assert summary.status == "submitted"
    assert summary.feedback_due_at is not None
    assert summary.submitted_at is not None
    assert summary.feedback_due_at - summary.submitted_at == dt.timedelta(hours=48)
    assert "To work on next:\n- Listens actively (0:00:06): “I want to get better” — cut in" in submitted.feedback
    assert "Sets a measurable follow-up (0:00:30)" in submitted.feedback
    assert not summary.feedback_overdue(summary.submitted_at + dt.timedelta(hours=47))
    assert summary.feedback_overdue(summary.submitted_at + dt.timedelta(hours=49))
    sent = reviews.set_feedback(db, maria, detail.id, submitted.feedback + "\nWell done.", sent=True)
    assert sent.summary.feedback_sent_at is not None
    assert not sent.summary.feedback_overdue(summary.submitted_at + dt.timedelta(hours=49))


def test_submitted_reviews_are_immutable_and_amendments_keep_both(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    detail = reviews.start_review(db, maria, 1)
    reviews.save_draft(db, maria, detail.id, complete_content(detail))
    reviews.submit(db, maria, detail.id)
    with pytest.raises(ConflictError, match="amend"):
        reviews.save_draft(db, maria, detail.id, ReviewContent())
    with pytest.raises(ValidationError, match="Say why"):
        reviews.amend(db, maria, detail.id, "oops")
    draft = reviews.amend(db, maria, detail.id, "The follow-up was set after all, at 0:00:31.")
    assert (draft.summary.version, draft.supersedes_id, draft.summary.status) == (2, detail.id, "draft")
    with pytest.raises(ConflictError, match="already in progress"):
        reviews.amend(db, maria, detail.id, "A second amendment at the same time")
    scores = dict(draft.content.scores)
    scores["active_listening"] = CompetencyScore("active_listening", score=3, rationale="on relistening")
    reviews.save_draft(db, maria, draft.id, ReviewContent(scores, draft.content.evidence))
    reviews.submit(db, maria, draft.id)
    old, new = reviews.get_review(db, maria, detail.id), reviews.get_review(db, maria, draft.id)
    assert old.summary.status == "superseded"
    assert old.content.scores["active_listening"].score == 2
    assert new.content.scores["active_listening"].score == 3
    assert new.amendment_reason == "The follow-up was set after all, at 0:00:31."


@pytest.mark.parametrize(("score", "message"), [
    (CompetencyScore("active_listening", gate_passed=True), "scored 1–5"),
    (CompetencyScore("measurable_follow_up", score=3), "pass/fail gate"),
    (CompetencyScore("active_listening", score=7), "not on the 1–5 scale"),
    (CompetencyScore("active_listening", score=3, not_observed=True), "has no score"),
    (CompetencyScore("no_such_thing", score=3), "not a competency"),
])
def test_bad_scores_are_refused(transcribed: tuple[Database, AppPaths], score: CompetencyScore,
                                message: str) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    detail = reviews.start_review(db, maria, 1)
    with pytest.raises(ValidationError, match=message):
        reviews.save_draft(db, maria, detail.id, ReviewContent({score.competency_id: score}))
    assert reviews.get_review(db, maria, detail.id).content == ReviewContent()


@pytest.mark.parametrize(("item", "message"), [
    (Evidence("active_listening", 10.0, 5.0), "inside the recording"),
    (Evidence("active_listening", 30.0, 60.0), "inside the recording"),
    (Evidence("active_listening", 1.0, 2.0, tag="brilliant"), "Unknown evidence tag"),
])
def test_bad_evidence_is_refused(transcribed: tuple[Database, AppPaths], item: Evidence, message: str) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    detail = reviews.start_review(db, maria, 1)
    with pytest.raises(ValidationError, match=message):
        reviews.save_draft(db, maria, detail.id, ReviewContent({}, (item,)))


def test_only_the_rater_changes_a_review(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, james, helen = login(db, "maria"), login(db, "james"), login(db, "helen")
    detail = reviews.start_review(db, maria, 1)
    assert reviews.get_review(db, james, detail.id).id == detail.id  # a supervisor may read it
    with pytest.raises(PermissionDeniedError, match="another rater"):
        reviews.save_draft(db, james, detail.id, ReviewContent())
    with pytest.raises(PermissionDeniedError):
        reviews.list_reviews(db, helen)
    with pytest.raises(PermissionDeniedError):
        reviews.start_review(db, login(db, "aisha"), 1)  # raters score what a calibration round assigns


def test_export_and_recording_kept_while_reviewed(transcribed: tuple[Database, AppPaths], tmp_path: Path) -> None:
    db, paths = transcribed
    maria = login(db, "maria")
    detail = reviews.start_review(db, maria, 1)
    reviews.save_draft(db, maria, detail.id, complete_content(detail))
    target = tmp_path / "review.json"
    reviews.export_review(db, maria, detail.id, target)
    payload = json.loads(target.read_text("utf-8"))
    assert payload["rubric"] == {"id": "grow-icf-core", "version": "1.0"}
    assert {e["competency_id"] for e in payload["evidence"]} >= {"active_listening", "measurable_follow_up"}
    with pytest.raises(ConflictError, match="review"):
        library.remove_recording(db, maria, paths, 1)
