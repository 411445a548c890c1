"""The audit cycle through the services: draw, verify, assign under the rules, the access it gives, close."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from supervisor_app.core.assignments import Proposed
from supervisor_app.core.sampling import draw
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import audits, coaches, library, reviews, transcripts
from supervisor_app.store.db import Database
from supervisor_app.store.models import AuditCycle
from tests.cli.test_parity_cli import COMPETENCIES
from tests.conftest import AUDIO, login

QUARTER = "2026-Q4"


@pytest.fixture
def recorded(demo_db: Database, paths: AppPaths) -> Database:
    """Every active demo coach with one recorded session in October."""
    maria = login(demo_db, "maria")
    for row in coaches.list_coaches(demo_db, maria):
        source = paths.data_dir / f"session-{row.id}.wav"
        source.write_bytes((AUDIO / "short.wav").read_bytes() + bytes([row.id]))  # a distinct file per coach
        library.import_recording(demo_db, maria, paths, source, library.RecordingInput(row.id, f"Leader {row.id}",
                                                                                       dt.date(2026, 10, 5)))
    return demo_db


def submit_first_assignment(db: Database, username: str) -> int:
    """The reviewer's first assignment reviewed and submitted: Listens actively scored 2 (below the standard),
    everything else not observed. Returns the review's id."""
    rater = login(db, username)
    first = audits.list_assignments(db, rater)[0]
    review = reviews.start_review(db, rater, first.recording_id)
    scores = {c: reviews.CompetencyScore(c, not_observed=True) for c in COMPETENCIES}
    scores["active_listening"] = reviews.CompetencyScore("active_listening", 2)
    reviews.save_draft(db, rater, review.id, reviews.ReviewContent(scores, (
        reviews.Evidence("active_listening", 0.5, 2.0, quote="Let us move on."),)))
    reviews.submit(db, rater, review.id)
    return review.id


def _ids(db: Database, *names: str) -> list[int]:
    from supervisor_app.services import calibration

    by_name = {c.display_name: c.id for c in calibration.panel_candidates(db, login(db, "maria"))}
    return [by_name[n] for n in names]


def test_the_draw_is_recorded_and_re_derivable(recorded: Database) -> None:
    maria = login(recorded, "maria")
    cycle = audits.create_cycle(recorded, maria, QUARTER, share="0.25", seed=42, stratify=["level"],
                                prioritise_unaudited=True)
    assert (cycle.frame_size, len(cycle.sample)) == (11, 3)  # ceil(0.25 x 11 active coaches)
    assert all(c.recording_id is not None for c in cycle.sample)
    assert {c.level for c in cycle.sample} == {"Senior Coach", "Certified Internal Coach", "Coach in Training"}
    with recorded.transaction() as session:
        stored = session.query(AuditCycle).one()
        assert stored.seed == 42
        assert len(stored.frame) == 11
    assert audits.verify_cycle(recorded, maria, QUARTER).ok
    first = [c.coach_id for c in cycle.sample]
    from supervisor_app.core.sampling import FrameMember, Quarter

    with recorded.transaction() as session:
        frame = [FrameMember(**m) for m in session.query(AuditCycle).one().frame]
    assert draw(frame, Fraction(1, 4), 42, Quarter(2026, 4), stratify=("level",), prioritise_unaudited=True) == first


def test_roster_changes_after_the_draw_are_reported(recorded: Database) -> None:
    maria = login(recorded, "maria")
    audits.create_cycle(recorded, maria, QUARTER, seed=7)
    coach = coaches.list_coaches(recorded, maria)[0]
    coaches.set_coach_active(recorded, maria, coach.id, False, "left the program")
    result = audits.verify_cycle(recorded, maria, QUARTER)
    assert result.ok
    assert result.left == (coach.name,)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"quarter_text": "2026-Q5"}, ValidationError, "not a quarter"),
    ({"quarter_text": "Q4"}, ValidationError, "not a quarter"),
    ({"share": "0.19"}, ValidationError, "below the program's minimum of 20 %"),
    ({"share": "NaN"}, ValidationError, "not a share"),
    ({"stratify": ["region"]}, ValidationError, "Cannot stratify by region"),
])
def test_bad_cycles_are_refused_and_nothing_is_stored(recorded: Database, kwargs: dict[str, object],
                                                      error: type[Exception], message: str) -> None:
    maria = login(recorded, "maria")
    arguments = {"quarter_text": QUARTER, **kwargs}
    with pytest.raises(error, match=message):
        audits.create_cycle(recorded, maria, **arguments)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        audits.get_cycle(recorded, maria, QUARTER)


def test_a_quarter_has_one_cycle_and_raters_run_none(recorded: Database) -> None:
    audits.create_cycle(recorded, login(recorded, "maria"), QUARTER, seed=1)
    with pytest.raises(ConflictError, match="already has an audit cycle"):
        audits.create_cycle(recorded, login(recorded, "james"), QUARTER)
    with pytest.raises(PermissionDeniedError):
        audits.create_cycle(recorded, login(recorded, "aisha"), "2027-Q1")


def test_no_active_coaches(demo_db: Database) -> None:
    maria = login(demo_db, "maria")
    for row in coaches.list_coaches(demo_db, maria):
        coaches.set_coach_active(demo_db, maria, row.id, False, "program paused")
    with pytest.raises(ValidationError, match="no active coaches"):
        audits.create_cycle(demo_db, maria, QUARTER)


def test_assignments_keep_the_rules_and_give_raters_access(recorded: Database, paths: AppPaths) -> None:
    maria = login(recorded, "maria")
    cycle = audits.create_cycle(recorded, maria, QUARTER, share="0.5", seed=3, independent=True)
    aisha, tom = _ids(recorded, "Aisha Okafor", "Tom Berg")
    sampled = cycle.sample[0]
    coaches.link_account(recorded, maria, sampled.coach_id, "aisha")  # Aisha is also a coach: never her own
    proposal = audits.propose_assignments(recorded, maria, QUARTER, [aisha, tom], Fraction(1, 5))
    own = [p for p in proposal.assignments if p.coach_id == sampled.coach_id]
    assert own
    assert all(p.reviewer_id == tom for p in own)
    assert max(proposal.loads.values()) - min(proposal.loads.values()) <= 1
    forced = audits.ProposalView((Proposed(sampled.coach_id, sampled.recording_id or 0, aisha),), (), {})
    with pytest.raises(ValidationError, match="nobody reviews their own session"):
        audits.assign_cycle(recorded, maria, QUARTER, forced)
    with pytest.raises(ValidationError, match="in the past"):
        audits.assign_cycle(recorded, maria, QUARTER, proposal, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert audits.list_assignments(recorded, maria, QUARTER) == []
    rows = audits.assign_cycle(recorded, maria, QUARTER, proposal)
    assert len(rows) == len(proposal.assignments)
    with pytest.raises(ConflictError, match="has assignments already"):
        audits.assign_cycle(recorded, maria, QUARTER, proposal)

    rater = login(recorded, "tom")
    mine = audits.list_assignments(recorded, rater)
    assert mine
    assert {r.reviewer for r in mine} == {"Tom Berg"}
    target = mine[0].recording_id
    library.playback_source(recorded, rater, paths, target)  # the assignment opens the recording
    others = {c.recording_id for c in cycle.sample} - {r.recording_id for r in mine}
    for recording_id in others:
        with pytest.raises(PermissionDeniedError):
            library.playback_source(recorded, rater, paths, recording_id or 0)
    review = reviews.start_review(recorded, rater, target)
    assert audits.list_assignments(recorded, rater)[0].state == audits.IN_PROGRESS
    content = reviews.ReviewContent({c: reviews.CompetencyScore(c, not_observed=True) for c in COMPETENCIES})
    reviews.save_draft(recorded, rater, review.id, content)
    reviews.submit(recorded, rater, review.id)
    states = {r.recording_id: r.state for r in audits.list_assignments(recorded, rater)}
    assert states[target] == audits.SUBMITTED
    with pytest.raises(NotFoundError):
        transcripts.get_transcript(recorded, rater, target)  # access, but no transcript yet


def test_reassigning_keeps_the_history_and_closing_needs_every_review(recorded: Database) -> None:
    maria = login(recorded, "maria")
    audits.create_cycle(recorded, maria, QUARTER, seed=11)
    aisha, tom = _ids(recorded, "Aisha Okafor", "Tom Berg")
    audits.assign_cycle(recorded, maria, QUARTER, audits.propose_assignments(recorded, maria, QUARTER, [aisha]))
    first = audits.list_assignments(recorded, maria, QUARTER)[0]
    with pytest.raises(ValidationError, match="Say why"):
        audits.reassign(recorded, maria, first.id, tom, "busy")
    moved = audits.reassign(recorded, maria, first.id, tom, "Aisha is on leave until January")
    history = audits.list_assignments(recorded, maria, QUARTER, include_history=True)
    assert {(r.id, r.state) for r in history} >= {(first.id, audits.REASSIGNED), (moved.id, audits.ASSIGNED)}
    assert moved.previous_id == first.id
    with pytest.raises(ConflictError, match="only open ones"):
        audits.reassign(recorded, maria, first.id, aisha, "back from leave after all")
    with pytest.raises(ConflictError, match="no submitted review yet"):
        audits.close_cycle(recorded, maria, QUARTER)
    cycle = audits.get_cycle(recorded, maria, QUARTER)
    excused = {c.coach_id: "On parental leave for the whole quarter" for c in cycle.sample}
    closed = audits.close_cycle(recorded, maria, QUARTER, excused)
    assert closed.status == audits.CLOSED
    assert all(c.done for c in closed.sample)


def test_the_cycle_in_the_hr_workbook(recorded: Database, tmp_path: Path) -> None:
    import openpyxl

    from supervisor_app.services import export

    maria = login(recorded, "maria")
    cycle = audits.create_cycle(recorded, maria, QUARTER, share="0.25", seed=5, stratify=["level"])
    [tom] = _ids(recorded, "Tom Berg")
    audits.assign_cycle(recorded, maria, QUARTER, audits.propose_assignments(recorded, maria, QUARTER, [tom]))
    with pytest.raises(ValidationError, match="Nothing to export"):
        export.export_audit(recorded, maria, export.ExportScope(quarter=QUARTER), tmp_path / "empty.xlsx")
    submit_first_assignment(recorded, "tom")
    target = tmp_path / "cycle.xlsx"
    result = export.export_audit(recorded, maria, export.ExportScope(quarter=QUARTER), target)
    assert result.reviews == 1
    book = openpyxl.load_workbook(target)
    assert "Audit cycle" in book.sheetnames
    sheet = book["Audit cycle"]
    assert "Audit cycle 2026-Q4 (open): 3 of 11 active coaches drawn (share 25%" in sheet["A1"].value
    assert "Seed 5 · strata level" in sheet["A2"].value
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4) if row[0].value is not None]
    assert len(rows) == len(cycle.sample) == 3
    reviewed = [r for r in rows if r[6] == "submitted"]
    assert len(reviewed) == 1
    assert reviewed[0][7] == "below the standard: Listens actively"
    assert sheet["A3"].value == "#"
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows() if row[0].value}
    assert summary["Audit cycle"] == QUARTER


def test_a_redraw_only_before_anything_is_assigned(recorded: Database) -> None:
    maria = login(recorded, "maria")
    first = audits.create_cycle(recorded, maria, QUARTER, seed=1)
    again = audits.redraw_cycle(recorded, maria, QUARTER, seed=2)
    assert again.seed == 2
    assert audits.verify_cycle(recorded, maria, QUARTER).ok
    assert [c.coach_id for c in again.sample] != [c.coach_id for c in first.sample] or len(again.sample) == 0
    audits.assign_cycle(recorded, maria, QUARTER, audits.propose_assignments(recorded, maria, QUARTER))
    with pytest.raises(ConflictError, match="can no longer be redrawn"):
        audits.redraw_cycle(recorded, maria, QUARTER, seed=3)
    assert audits.get_cycle(recorded, maria, QUARTER).seed == 2


def test_an_amended_audit_review_still_counts(recorded: Database, tmp_path: Path) -> None:
    from supervisor_app.services import export

    maria = login(recorded, "maria")
    audits.create_cycle(recorded, maria, QUARTER, seed=5)
    [tom] = _ids(recorded, "Tom Berg")
    audits.assign_cycle(recorded, maria, QUARTER, audits.propose_assignments(recorded, maria, QUARTER, [tom]))
    first = submit_first_assignment(recorded, "tom")
    rater = login(recorded, "tom")
    amendment = reviews.amend(recorded, rater, first, "Re-listened to the second half")
    reviews.submit(recorded, rater, amendment.id)
    [done] = [a for a in audits.list_assignments(recorded, maria, QUARTER) if a.state == audits.SUBMITTED]
    assert done.review_id == amendment.id
    result = export.export_audit(recorded, maria, export.ExportScope(quarter=QUARTER), tmp_path / "cycle.xlsx")
    assert result.reviews == 1


def test_the_hr_workbook_of_a_cycle_gives_counts_and_names_no_coach(recorded: Database, tmp_path: Path) -> None:
    import openpyxl
    from sqlalchemy import select

    from supervisor_app.services import export
    from supervisor_app.store.models import Coach

    maria = login(recorded, "maria")
    audits.create_cycle(recorded, maria, QUARTER, seed=5)
    [tom] = _ids(recorded, "Tom Berg")
    audits.assign_cycle(recorded, maria, QUARTER, audits.propose_assignments(recorded, maria, QUARTER, [tom]))
    submit_first_assignment(recorded, "tom")
    export.export_audit(recorded, login(recorded, "helen"), export.ExportScope(quarter=QUARTER),
                        tmp_path / "hr-cycle.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "hr-cycle.xlsx")["Audit cycle"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [c.value for c in sheet[3]] == ["Coaches drawn", "Count"]
    assert {state for state, _ in rows} <= {"excused", "needs a recording", "not assigned", "review in progress",
                                            "reviewed: below the standard", "reviewed: meets the standard"}
    assert all(count == "< 5" or count >= 5 for _, count in rows)
    with recorded.transaction() as session:
        names = set(session.scalars(select(Coach.name)))
    text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    assert not any(name in text for name in names)
