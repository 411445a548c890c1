"""Practice against a gold standard, through the services: marking the gold, a blind practice review, the result
beside the gold, the lead's credit, the practice record, and practice never reaching audit figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from supervisor_app.core.practice import GoldScore, compare
from supervisor_app.core.retention import DataClass, Policy
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.core.roles import Role
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.paths import AppPaths, bundled_path
from supervisor_app.services import accounts, calibration, dashboard, drift, practice, retention, reviews, rubrics
from supervisor_app.services.context import Actor
from supervisor_app.services.export import ExportScope, export_audit
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CalibrationRound,
    GoldEvidence,
    GoldStandard,
    GoldStandardScore,
    Review,
    RoundRecording,
)
from tests.conftest import login


def demo_round(db: Database) -> tuple[int, list[int]]:
    with db.transaction() as session:
        round_id = session.scalars(select(CalibrationRound.id).where(CalibrationRound.status == "revealed")).one()
        recordings = list(session.scalars(select(RoundRecording.recording_id)
                                          .where(RoundRecording.round_id == round_id).order_by(RoundRecording.id)))
    return round_id, recordings


def new_rater(db: Database, username: str = "nina") -> Actor:
    accounts.create_user(db, login(db, "admin"), username, username.title() + " Novak", Role.RATER, "practice-pass")
    return accounts.authenticate(db, username, "practice-pass")


def master_scores(db: Database, round_id: int, recording_id: int) -> dict[str, CompetencyScore]:
    james = login(db, "james")
    [summary] = [r for r in reviews.list_reviews(db, james)
                 if r.recording_id == recording_id and r.status == "submitted" and r.rater == "James Chen"]
    detail = reviews.get_review(db, james, summary.id)
    return dict(detail.content.scores)


def practise(db: Database, rater: Actor, gold_id: int, shift: dict[str, int], *, flip_gates: bool = False) -> int:
    """Score the gold's recording with the gold's own scores moved by `shift` (and gates flipped on request)."""
    detail = practice.start_practice(db, rater, gold_id)
    with db.transaction() as session:
        gold = session.get(GoldStandard, gold_id)
        assert gold is not None
        round_id, recording_id = gold.round_id, gold.recording_id
    assert round_id is not None
    reference = master_scores(db, round_id, recording_id)
    scores, evidence = {}, []
    for competency in detail.rubric.competencies:
        given = reference[competency.id]
        if competency.is_gate:
            passed = given.gate_passed if not flip_gates else not given.gate_passed
            scores[competency.id] = CompetencyScore(competency.id, gate_passed=passed, rationale="heard it")
        else:
            assert given.score is not None
            moved = min(5, max(1, given.score + shift.get(competency.id, 0)))
            scores[competency.id] = CompetencyScore(competency.id, score=moved, rationale="heard it")
        evidence.append(Evidence(competency.id, 1.0, 4.0, "my moment"))
    reviews.save_draft(db, rater, detail.id, ReviewContent(scores, tuple(evidence)))
    reviews.submit(db, rater, detail.id)
    return detail.id


def test_compare_counts_tolerance_gates_and_unscored_gold() -> None:
    rubric = rubrics.parse_rubric_document(json.loads(bundled_path(*rubrics.DEFAULT_RUBRIC_FILE).read_text()))
    scale = [c for c in rubric.competencies if not c.is_gate]
    gate = next(c for c in rubric.competencies if c.is_gate)
    gold = {scale[0].id: GoldScore(scale[0].id, 3, None, "why"), scale[1].id: GoldScore(scale[1].id, 4, None),
            scale[2].id: GoldScore(scale[2].id, None, None), gate.id: GoldScore(gate.id, None, True)}
    mine = {scale[0].id: CompetencyScore(scale[0].id, 4), scale[1].id: CompetencyScore(scale[1].id, 1),
            scale[2].id: CompetencyScore(scale[2].id, 5), gate.id: CompetencyScore(gate.id, gate_passed=False)}
    outcome = compare(rubric, gold, mine, tolerance=1)
    by_id = {c.competency_id: c for c in outcome.competencies}
    assert (by_id[scale[0].id].difference, by_id[scale[0].id].met) == (1, True)
    assert (by_id[scale[1].id].difference, by_id[scale[1].id].met) == (-3, False)
    assert not by_id[scale[2].id].counted  # the gold did not score it
    assert (by_id[gate.id].mine, by_id[gate.id].gold, by_id[gate.id].met) == ("fail", "pass", False)
    assert (outcome.scales_met, len(outcome.scales), outcome.gates_met, len(outcome.gates)) == (1, 2, 0, 1)
    assert not outcome.meets(calibration.CalibrationRule())
    assert compare(rubric, gold, mine, tolerance=2).scales_met == 1  # −3 stays out at ±2
    assert "1 of 2 scores within ±1" in outcome.summary
    exact = compare(rubric, gold, {k: CompetencyScore(k, g.score, g.gate_passed) for k, g in gold.items()}, 0)
    assert exact.meets(calibration.CalibrationRule())


def test_the_practice_flow_from_gold_to_result(round_db: Database) -> None:
    maria, aisha = login(round_db, "maria"), login(round_db, "aisha")
    nina = new_rater(round_db)
    round_id, recordings = demo_round(round_db)
    [gold_id] = practice.mark_gold(round_db, maria, round_id, recordings[0], practice.MASTER)
    [listed] = practice.list_gold(round_db, nina)
    assert (listed.code, listed.blocked, listed.my_attempts) == (f"G-{gold_id}", "", 0)
    assert practice.list_gold(round_db, aisha)[0].blocked  # she scored it in the round: she has seen the answer
    with pytest.raises(PermissionDeniedError, match="scored this recording"):
        practice.start_practice(round_db, aisha, gold_id)

    draft = practice.start_practice(round_db, nina, gold_id)
    assert practice.start_practice(round_db, nina, gold_id).id == draft.id  # the open draft, not a second one
    assert draft.summary.is_practice
    assert draft.summary.identity_hidden
    assert draft.summary.coach_name == "(hidden for practice)"
    with pytest.raises(PermissionDeniedError, match="hidden until you submit"):
        practice.result(round_db, nina, draft.id)

    scale_ids = [c.id for c in draft.rubric.competencies if not c.is_gate]
    review_id = practise(round_db, nina, gold_id, {scale_ids[0]: 1, scale_ids[1]: -2})
    outcome = practice.result(round_db, nina, review_id)
    by_id = {c.competency_id: c for c in outcome.outcome.competencies}
    assert by_id[scale_ids[0]].difference == 1
    assert by_id[scale_ids[0]].met
    assert by_id[scale_ids[1]].difference == -2
    assert not by_id[scale_ids[1]].met
    assert outcome.outcome.scales_met == len(scale_ids) - 1
    assert outcome.outcome.gates_met == len(outcome.outcome.gates)
    assert outcome.meets  # 9 of 10 within ±1 ≥ 80 %, gates the same
    assert by_id[scale_ids[0]].gold_rationale == "Demo rationale: what was heard at this moment."
    assert outcome.gold_evidence
    assert all(m.quote != "my moment" for m in outcome.gold_evidence)
    assert {m.quote for m in outcome.my_evidence} == {"my moment"}
    assert not outcome.credited
    # a second attempt is a new review; the list counts the attempts
    second = practise(round_db, nina, gold_id, {}, flip_gates=True)
    assert second != review_id
    assert not practice.result(round_db, nina, second).meets
    assert practice.list_gold(round_db, nina)[0].my_attempts == 2
    # no feedback falls due for practice, and it stays out of "my reviews of this recording"
    submitted = reviews.get_review(round_db, nina, review_id).summary
    assert submitted.feedback_due_at is None
    assert not reviews.own_reviews_of(round_db, nina, recordings[0])
    # another rater cannot read it; a lead can
    with pytest.raises(PermissionDeniedError):
        practice.result(round_db, aisha, review_id)
    assert practice.result(round_db, maria, review_id).rater == "Nina Novak"


def test_gold_from_the_consensus_needs_every_competency(round_db: Database) -> None:
    maria = login(round_db, "maria")
    round_id, recordings = demo_round(round_db)
    rubric = calibration.comparison(round_db, maria, round_id)
    competencies = list(rubric.titles)
    with pytest.raises(ConflictError, match=f"not recorded for {len(competencies)} competencies"):
        practice.mark_gold(round_db, maria, round_id, recordings[1])
    reference = master_scores(round_db, round_id, recordings[1])
    for competency_id in competencies:
        given = reference[competency_id]
        calibration.record_consensus(round_db, maria, round_id, recordings[1], competency_id, given.score,
                                     given.gate_passed, note=f"agreed on {competency_id}")
    [gold_id] = practice.mark_gold(round_db, maria, round_id, recordings[1], practice.CONSENSUS)
    nina = new_rater(round_db)
    review_id = practise(round_db, nina, gold_id, {})
    result = practice.result(round_db, nina, review_id)
    assert result.outcome.scales_met == len(result.outcome.scales)
    assert result.meets
    assert {c.gold_rationale for c in result.outcome.competencies} == {f"agreed on {c}" for c in competencies}
    assert result.gold_evidence  # the master's moments stand behind the consensus
    # marking again replaces the gold: the earlier one is withdrawn, its practice keeps its result
    [newer] = practice.mark_gold(round_db, maria, round_id, recordings[1], practice.MASTER, tolerance=0)
    assert [g.id for g in practice.list_gold(round_db, nina)] == [newer]
    assert practice.result(round_db, nina, review_id).gold_id == gold_id
    with pytest.raises(ConflictError, match="withdrawn"):
        practice.start_practice(round_db, nina, gold_id)


def test_who_may_mark_credit_and_withdraw_and_bad_requests(round_db: Database) -> None:
    maria, aisha, admin = login(round_db, "maria"), login(round_db, "aisha"), login(round_db, "admin")
    nina = new_rater(round_db)
    round_id, recordings = demo_round(round_db)
    with pytest.raises(PermissionDeniedError, match="lead"):
        practice.mark_gold(round_db, aisha, round_id, recordings[0], practice.MASTER)
    with pytest.raises(PermissionDeniedError, match="not on this round"):
        practice.mark_gold(round_db, nina, round_id, recordings[0], practice.MASTER)
    with pytest.raises(ValidationError, match="Unknown source"):
        practice.mark_gold(round_db, maria, round_id, recordings[0], "median")
    with pytest.raises(ValidationError, match="0 to 2"):
        practice.mark_gold(round_db, maria, round_id, recordings[0], practice.MASTER, tolerance=5)
    with pytest.raises(NotFoundError, match="not in round"):
        practice.mark_gold(round_db, maria, round_id, 999, practice.MASTER)
    with pytest.raises(NotFoundError):
        practice.start_practice(round_db, nina, 999)
    [gold_id] = practice.mark_gold(round_db, maria, round_id, recordings[0], practice.MASTER)
    draft = practice.start_practice(round_db, nina, gold_id)
    with pytest.raises(ConflictError, match="submitted"):
        practice.set_credit(round_db, maria, draft.id)
    review_id = practise(round_db, nina, gold_id, {})
    with pytest.raises(PermissionDeniedError):
        practice.set_credit(round_db, nina, review_id)
    with pytest.raises(NotFoundError, match="no practice review"):
        practice.set_credit(round_db, maria, 1)  # an ordinary review
    practice.set_credit(round_db, maria, review_id)
    practice.set_credit(round_db, maria, review_id)  # twice is still one credit
    assert practice.result(round_db, nina, review_id).credited
    [row] = practice.record(round_db, maria)
    assert (row.rater, row.attempts, row.met, row.credited) == ("Nina Novak", 1, 1, 1)
    assert practice.record(round_db, nina) == [row]
    assert practice.record(round_db, aisha) == []
    practice.set_credit(round_db, maria, review_id, credited=False)
    assert practice.record(round_db, maria)[0].credited == 0
    with pytest.raises(PermissionDeniedError):
        practice.withdraw_gold(round_db, nina, gold_id)
    practice.withdraw_gold(round_db, admin, gold_id)
    with pytest.raises(ConflictError, match="already withdrawn"):
        practice.withdraw_gold(round_db, admin, gold_id)
    assert practice.list_gold(round_db, nina) == []


def test_practice_never_reaches_audit_figures(round_db: Database, tmp_path: Path) -> None:
    maria = login(round_db, "maria")
    nina = new_rater(round_db)
    round_id, recordings = demo_round(round_db)
    [gold_id] = practice.mark_gold(round_db, maria, round_id, recordings[0], practice.MASTER)
    review_id = practise(round_db, nina, gold_id, {})
    practice.set_credit(round_db, maria, review_id)
    today = dt.datetime.now(dt.UTC).date()
    target = tmp_path / "range.xlsx"
    before = {r.id for r in reviews.list_reviews(round_db, maria) if r.status == "submitted"
              and r.submitted_at is not None and r.submitted_at.date() >= today - dt.timedelta(days=1)}
    assert review_id in before  # the lead sees it among the reviews, marked as practice …
    result = export_audit(round_db, maria, ExportScope(start=today - dt.timedelta(days=1), end=today), target)
    book = openpyxl.load_workbook(target, read_only=True)
    review_column = [row[0] for row in book["Scores"].iter_rows(min_row=2, values_only=True)]
    assert review_id not in review_column  # … but no workbook has it
    assert "Nina Novak" not in {row[3] for row in book["Raters"].iter_rows(values_only=True)}
    assert result.reviews == len(before) - 1
    assert "Nina Novak" not in {r.rater for r in drift.raters(round_db, maria)}
    with round_db.transaction() as session:
        assert session.get(Review, review_id).feedback_due_at is None  # type: ignore[union-attr]
    tile = {t.key: t for t in dashboard.dashboard(round_db, maria).tiles}["practice"]
    assert tile.rows == (("Nina Novak", "1", "1 of 1", "1", f"{today:%Y-%m-%d}"),)


def test_retention_takes_the_gold_copy_with_the_reviews_text(round_db: Database, paths: AppPaths) -> None:
    admin, maria = login(round_db, "admin"), login(round_db, "maria")
    round_id, recordings = demo_round(round_db)
    [gold_id] = practice.mark_gold(round_db, maria, round_id, recordings[0], practice.MASTER)
    retention.set_policy(round_db, admin, Policy(recordings_days=4000, transcripts_days=4000, drafts_days=4000,
                                                 reviews_days=365))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=366)
    due = {(d.data_class, d.entity_id) for d in retention.preview(round_db, maria, paths, later).purgeable}
    assert any(kind is DataClass.REVIEW for kind, _ in due)
    retention.purge(round_db, admin, paths, later)
    with round_db.transaction() as session:
        gold = session.get(GoldStandard, gold_id)
        assert gold is not None
        assert gold.withdrawn_at is not None
        assert {s.rationale for s in session.scalars(select(GoldStandardScore))} == {""}
        assert {e.quote for e in session.scalars(select(GoldEvidence))} == {""}


def test_every_recording_of_a_round_at_once_or_none(round_db: Database) -> None:
    maria = login(round_db, "maria")
    round_id, recordings = demo_round(round_db)
    with pytest.raises(ConflictError, match="consensus is not recorded"):
        practice.mark_gold(round_db, maria, round_id, None, practice.CONSENSUS)
    assert practice.list_gold(round_db, maria) == []  # all or none
    golds = practice.mark_gold(round_db, maria, round_id, None, practice.MASTER)
    assert len(golds) == len(recordings) == 8
    assert sorted(g.recording_id for g in practice.list_gold(round_db, maria)) == sorted(recordings)
