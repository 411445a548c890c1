"""Calibration rounds through the services, as each role: blinding is enforced here, not in the GUI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.errors import ConflictError, PermissionDeniedError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, calibration, drift, reviews, rubrics, transcripts
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from supervisor_app.store.models import CalibrationRound
from tests.conftest import login


def open_round(db: Database, lead: Actor, hide_identity: bool = True) -> int:
    raters = [login(db, name).user_id for name in ("aisha", "tom")]
    rubric = rubrics.find_rubric_version(db, lead, "grow-icf-core").id
    return calibration.create_round(db, lead, "November panel", [1], raters, rubric,
                                    dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
                                    master_id=login(db, "james").user_id, hide_identity=hide_identity)


def my_review(db: Database, actor: Actor) -> reviews.ReviewDetail:
    [summary] = [r for r in reviews.list_reviews(db, actor) if r.rater == actor.display_name and r.status == "draft"]
    return reviews.get_review(db, actor, summary.id)


def score_and_submit(db: Database, actor: Actor, listening: int) -> int:
    detail = my_review(db, actor)
    scores, evidence = {}, []
    for competency in detail.rubric.competencies:
        if competency.id == "active_listening":
            scores[competency.id] = CompetencyScore(competency.id, score=listening)
            evidence.append(Evidence(competency.id, 6.1, 11.9, "I want to get better at delegating"))
        else:
            scores[competency.id] = CompetencyScore(competency.id, not_observed=True)
    reviews.save_draft(db, actor, detail.id, ReviewContent(scores, tuple(evidence)))
    reviews.submit(db, actor, detail.id)
    return detail.id


def test_blind_while_open_for_every_role(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, aisha, tom, james, helen, admin = (login(db, n) for n in ("maria", "aisha", "tom", "james", "helen",
                                                                     "admin"))
    round_id = open_round(db, maria)
    aisha_review = score_and_submit(db, aisha, 4)
    tom_review = my_review(db, tom).id
    # the rater sees only their own review, under the neutral code
    [own] = reviews.list_reviews(db, aisha)
    assert own.recording_name.startswith("R-")
    assert own.coach_name == "(hidden in this calibration round)"
    assert transcripts.get_transcript(db, aisha, 1).segments  # what they must score, they can read
    for other in (tom, james, maria, admin):
        with pytest.raises(PermissionDeniedError, match="still blind"):
            reviews.get_review(db, other, aisha_review)
        assert aisha_review not in [r.id for r in reviews.list_reviews(db, other)]
        with pytest.raises(PermissionDeniedError):
            calibration.comparison(db, other, round_id)
    with pytest.raises(PermissionDeniedError):
        reviews.export_review(db, tom, aisha_review)
    with pytest.raises(PermissionDeniedError):
        reviews.get_review(db, aisha, tom_review)
    with pytest.raises(PermissionDeniedError):
        calibration.add_note(db, aisha, round_id, "I gave a 4")
    with pytest.raises(PermissionDeniedError):
        calibration.progress(db, helen, round_id)
    # the lead sees who has submitted, not what
    lead_view = calibration.progress(db, maria, round_id)
    assert lead_view.submitted == {"Aisha Okafor": 1, "Tom Berg": 0, "James Chen": 0}
    assert calibration.progress(db, tom, round_id).submitted == {"Tom Berg": 0}


def test_reveal_rules_and_the_audit_trail(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, aisha, tom = login(db, "maria"), login(db, "aisha"), login(db, "tom")
    round_id = open_round(db, maria)
    score_and_submit(db, aisha, 4)
    with pytest.raises(PermissionDeniedError, match="lead"):
        calibration.reveal(db, tom, round_id, "I want to see")
    with pytest.raises(ConflictError, match="not due"):
        calibration.reveal(db, maria, round_id, "impatient lead wants to see")
    with db.transaction() as session:
        session.execute(update(CalibrationRound).where(CalibrationRound.id == round_id)
                        .values(due_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    with pytest.raises(ValidationError, match="reason"):
        calibration.reveal(db, maria, round_id)
    calibration.reveal(db, maria, round_id, "Tom and James are on leave; due date passed.")
    [event] = [e for e in audit.list_events(db, login(db, "admin")) if e.action == "calibration.reveal"]
    assert (event.actor, event.action, event.reason) == ("maria", "calibration.reveal",
                                                         "Tom and James are on leave; due date passed.")
    assert event.details["forced"] is True


def test_full_lifecycle_with_master_comparison_and_consensus(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, aisha, tom, james = (login(db, n) for n in ("maria", "aisha", "tom", "james"))
    round_id = open_round(db, maria)
    score_and_submit(db, aisha, 4)
    score_and_submit(db, tom, 2)
    score_and_submit(db, james, 3)  # the master
    assert {r.feedback_due_at for r in reviews.list_reviews(db, aisha)} == {None}  # panel scoring owes no feedback
    calibration.reveal(db, maria, round_id)
    table = calibration.comparison(db, tom, round_id)
    assert table.reference == "master"
    cells = {c.rater: (c.score, c.deviation) for c in table.cells[(1, "active_listening")]}
    assert cells == {"Aisha Okafor": (4.0, 1.0), "James Chen": (3.0, 0.0), "Tom Berg": (2.0, -1.0)}
    assert table.agreement["active_listening"].bias["Aisha Okafor"]["vs_master"] == pytest.approx(1.0)
    calibration.add_note(db, tom, round_id, "I missed the reflection at 0:00:13.", 1, "active_listening")
    assert calibration.notes(db, aisha, round_id) == [("Tom Berg", "I missed the reflection at 0:00:13.")]
    with pytest.raises(ConflictError, match="consensus first"):
        calibration.close_round(db, maria, round_id)
    with pytest.raises(PermissionDeniedError):
        calibration.record_consensus(db, tom, round_id, 1, "active_listening", score=3)
    competencies = rubrics.get_rubric(db, maria, rubrics.find_rubric_version(db, maria, "grow-icf-core").id)
    for competency in competencies.competencies:
        if competency.is_gate:
            calibration.record_consensus(db, maria, round_id, 1, competency.id, gate_passed=True)
        else:
            calibration.record_consensus(db, maria, round_id, 1, competency.id, score=3)
    with pytest.raises(ValidationError, match="pass or fail"):
        calibration.record_consensus(db, maria, round_id, 1, "measurable_follow_up", score=3)
    calibration.close_round(db, maria, round_id)
    with db.transaction() as session:
        assert session.scalar(select(CalibrationRound.status).where(CalibrationRound.id == round_id)) == "closed"
    assert not reviews.list_reviews(db, aisha)[0].recording_name.startswith("R-")  # identities return at close


def test_bad_rounds_are_refused(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, aisha = login(db, "maria"), login(db, "aisha")
    rubric = rubrics.find_rubric_version(db, maria, "grow-icf-core").id
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="two raters"):
        calibration.create_round(db, maria, "Solo", [1], [aisha.user_id], rubric, future)
    with pytest.raises(ValidationError, match="future"):
        calibration.create_round(db, maria, "Late", [1], [aisha.user_id, maria.user_id], rubric,
                                 dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    with pytest.raises(PermissionDeniedError):
        calibration.create_round(db, aisha, "Mine", [1], [aisha.user_id, maria.user_id], rubric, future)


def test_drift_from_two_revealed_rounds(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, aisha, tom, james = (login(db, n) for n in ("maria", "aisha", "tom", "james"))
    for _ in range(2):  # Aisha scores a point above the master twice running: flagged; Tom matches the master
        round_id = open_round(db, maria)
        score_and_submit(db, aisha, 4)
        score_and_submit(db, tom, 3)
        score_and_submit(db, james, 3)
        calibration.reveal(db, maria, round_id)
    found = {d.rater: d for d in drift.raters(db, maria)}
    assert found["Aisha Okafor"].biases == (1.0, 1.0)
    assert found["Aisha Okafor"].flagged
    assert not found["Tom Berg"].flagged
    with pytest.raises(PermissionDeniedError):
        drift.raters(db, aisha)


def test_drift_by_round_leaves_a_gap_where_a_rater_sat_out(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, aisha, tom, james = (login(db, n) for n in ("maria", "aisha", "tom", "james"))
    rubric = rubrics.find_rubric_version(db, maria, "grow-icf-core").id
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    panels = (("August panel", (aisha, tom), (4, 2)), ("September panel", (aisha, maria), (5, 3)),
              ("October panel", (aisha, tom), (3, 4)))
    for title, raters, listening in panels:
        round_id = calibration.create_round(db, maria, title, [1], [r.user_id for r in raters], rubric, due,
                                            master_id=james.user_id)
        for rater, value in zip(raters, listening, strict=True):
            score_and_submit(db, rater, value)
        score_and_submit(db, james, 3)
        calibration.reveal(db, maria, round_id)
    history = drift.rater_rounds(db, maria)
    assert history.rounds == ("August panel", "September panel", "October panel")
    tom_biases = history.biases["Tom Berg"]
    assert tom_biases[1] is None  # not on September's panel: a gap, October not moved up
    assert tom_biases[0] is not None
    assert tom_biases[2] is not None
    assert tom_biases[0] < 0 < tom_biases[2]
    assert set(history.biases) == {"Aisha Okafor", "Maria Lopez", "Tom Berg"}
    assert history.biases["Maria Lopez"][0] is None
    assert history.biases["Maria Lopez"][1] is not None
    overall = {d.rater: d.biases for d in drift.raters(db, maria)}
    assert overall["Tom Berg"] == (tom_biases[0], tom_biases[2])  # the flags still look at rounds sat in a row
    with pytest.raises(PermissionDeniedError):
        drift.rater_rounds(db, tom)


def test_rater_drift_is_also_followed_per_competency(round_db: Database) -> None:
    maria = login(round_db, "maria")
    overall = {r.rater: r.biases for r in drift.raters(round_db, maria)}
    per = drift.raters_by_competency(round_db, maria)
    assert overall
    assert per
    for rater, biases in overall.items():
        first_round = [r.biases[0] for rows in per.values() for r in rows if r.rater == rater]
        assert first_round  # the rater has a bias on each competency they scored beside the master
        # the all-competency bias is a weighted mean of the per-competency ones, so it lies between them
        assert min(first_round) - 1e-9 <= biases[0] <= max(first_round) + 1e-9
