"""Redaction with a person in the loop: suggestions, decisions, marking by hand, and the redacted text in every
export and for every role that must not read raw text."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from sqlalchemy import select

from supervisor_app.core.redaction import Kind
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.core.transcripts import ExportFormat
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import (
    audit,
    calibration,
    consent,
    export,
    redaction,
    reviews,
    rubrics,
    transcripts,
)
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, Redaction
from tests.conftest import login
from tests.scripted import LINES, scripted_transcript

pytestmark = pytest.mark.usefixtures("rules_only")


def _stored(db: Database) -> tuple[list[tuple[object, ...]], list[str]]:
    with db.transaction() as session:
        rows = [(r.id, r.start_char, r.end_char, r.state) for r in session.scalars(select(Redaction))]
    return rows, [t.term for t in redaction.list_terms(db, login(db, "admin"))]


def _in_round(db: Database, recording: int) -> None:
    maria = login(db, "maria")
    rubric = rubrics.find_rubric_version(db, maria, "grow-icf-core").id
    panel = [login(db, n).user_id for n in ("aisha", "tom")]
    calibration.create_round(db, maria, "Redaction panel", [recording], panel, rubric,
                             dt.datetime.now(dt.UTC) + dt.timedelta(days=7), hide_identity=False)


def test_suggestions_cover_patterns_known_names_and_program_terms(demo_db: Database, paths: AppPaths) -> None:
    admin, maria = login(demo_db, "admin"), login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths, (*LINES, ("Coach", "Maria Lopez and Sunita will send notes.")))
    redaction.add_term(demo_db, admin, "Globex", Kind.ORG)
    redaction.add_term(demo_db, admin, "Sunita", Kind.NAME)  # a coachee's real name, typed once
    redaction.add_term(demo_db, admin, "Leeds", Kind.PLACE)
    assert redaction.suggest(demo_db, maria, recording) == 8
    found = {(v.segment_index, v.raw, v.kind, v.source) for v in redaction.list_for(demo_db, maria, recording)}
    assert found == {(0, "Priya", Kind.NAME, "known name"), (0, "Leeds", Kind.PLACE, "program term"),
                     (1, "Globex", Kind.ORG, "program term"), (1, "dana.ng@globex.com", Kind.EMAIL, "pattern"),
                     (3, "07700 900123", Kind.PHONE, "pattern"),
                     (3, "double four seven one two three", Kind.PHONE, "pattern"),
                     (4, "Maria Lopez", Kind.NAME, "known name"), (4, "Sunita", Kind.NAME, "program term")}
    assert redaction.suggest(demo_db, maria, recording) == 0  # a second pass adds nothing
    assert all(v.state == redaction.SUGGESTED for v in redaction.list_for(demo_db, maria, recording))


def test_decisions_shape_what_a_rater_reads_and_every_export(demo_db: Database, paths: AppPaths) -> None:
    maria, aisha = login(demo_db, "maria"), login(demo_db, "aisha")
    recording = scripted_transcript(demo_db, paths)
    _in_round(demo_db, recording)
    redaction.suggest(demo_db, maria, recording)
    views = {v.raw: v for v in redaction.list_for(demo_db, maria, recording)}
    redaction.decide(demo_db, maria, views["Priya"].id, redaction.ACCEPTED)
    redaction.decide(demo_db, maria, views["07700 900123"].id, redaction.REJECTED)  # say it is a public number
    leeds = next(s for s in transcripts.get_transcript(demo_db, maria, recording).segments if s.index == 0)
    redaction.mark(demo_db, maria, leeds.id, leeds.text.index("Leeds"), leeds.text.index("Leeds") + 5, Kind.PLACE)
    # the supervisor reads raw text; the rater reads it redacted, undecided suggestions withheld too
    assert "Priya" in transcripts.get_transcript(demo_db, maria, recording).segments[0].text
    rater_view = transcripts.get_transcript(demo_db, aisha, recording)
    assert rater_view.redacted
    texts = [s.text for s in rater_view.segments]
    assert texts[0] == "Hello [NAME], thanks for joining from the [PLACE] office."
    assert texts[1] == "Sure. My manager at Globex said I should email her at [EMAIL] first."
    assert texts[3] == "Call me on 07700 900123 or my desk, extension [PHONE]."
    # times stay; the words of a span keep their times, the first carries the label
    raw_segment = transcripts.get_transcript(demo_db, maria, recording).segments[0]
    redacted_segment = rater_view.segments[0]
    assert (redacted_segment.start_s, redacted_segment.end_s) == (raw_segment.start_s, raw_segment.end_s)
    assert [w[:2] for w in redacted_segment.words] == [w[:2] for w in raw_segment.words]
    assert "Priya," not in "".join(w[2] for w in redacted_segment.words)
    assert redacted_segment.words[1][2] == " [NAME]"
    for export_format in ExportFormat:
        for who in (maria, aisha):
            content = transcripts.export(demo_db, who, recording, export_format)
            assert "Priya" not in content
            assert "Leeds" not in content
            assert "dana.ng" not in content
            assert "REDACTED" in content
            assert "UNREDACTED" not in content
        raw = transcripts.export(demo_db, maria, recording, export_format, redacted=False)
        assert "Priya" in raw
        assert "UNREDACTED" in raw
    assert json.loads(transcripts.export(demo_db, aisha, recording, ExportFormat.JSON))["segments"][0]["words"][1][
        "word"] == " [NAME]"
    with pytest.raises(PermissionDeniedError, match="redacted only"):
        transcripts.export(demo_db, aisha, recording, ExportFormat.TXT, redacted=False)
    # undo puts a decision back; the rejected number reappears as withheld
    redaction.decide(demo_db, maria, views["07700 900123"].id, redaction.SUGGESTED)
    assert "07700" not in transcripts.get_transcript(demo_db, aisha, recording).segments[3].text
    actions = [e.action for e in audit.list_events(demo_db, login(demo_db, "admin"))]
    assert {"redaction.suggest", "redaction.accept", "redaction.reject", "redaction.mark", "redaction.undo"} \
        <= set(actions)


def test_a_corrected_segment_keeps_its_redactions_with_their_words(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths)
    redaction.suggest(demo_db, maria, recording)
    segment = transcripts.get_transcript(demo_db, maria, recording).segments[0]
    transcripts.edit_text(demo_db, maria, segment.id, "Well hello Priya, thank you for joining us today.")
    rows = [v for v in redaction.list_for(demo_db, maria, recording) if v.segment_index == 0]
    # Priya moved with her words; "Leeds" was corrected away and its suggestion went with it
    assert [(v.raw, v.segment_text[v.start_char:v.end_char]) for v in rows] == [("Priya", "Priya")]


def test_quotes_in_the_workbook_and_the_feedback_are_redacted(demo_db: Database, paths: AppPaths) -> None:
    maria, admin = login(demo_db, "maria"), login(demo_db, "admin")
    recording = scripted_transcript(demo_db, paths)
    redaction.add_term(demo_db, admin, "Globex", Kind.ORG)
    redaction.suggest(demo_db, maria, recording)
    kept = next(v for v in redaction.list_for(demo_db, maria, recording) if v.raw == "Globex")
    redaction.decide(demo_db, maria, kept.id, redaction.REJECTED)  # a person decided the company may be named
    review = reviews.start_review(demo_db, maria, recording).id
    detail = reviews.get_review(demo_db, maria, review)
    content = ReviewContent(
        {c.id: CompetencyScore(c.id, score=4, rationale="Priya set her own goal") if not c.is_gate
         else CompetencyScore(c.id, gate_passed=True) for c in detail.rubric.competencies},
        tuple(Evidence(c.id, 0.0, 4.0, "Hello Priya, from the Leeds office", "strength",
                       "mail dana.ng@globex.com at Globex") for c in detail.rubric.competencies))
    reviews.save_draft(demo_db, maria, review, content)
    reviews.submit(demo_db, maria, review)
    feedback = reviews.get_review(demo_db, maria, review).feedback
    assert "Priya" not in feedback
    assert "[NAME]" in feedback
    target = paths.data_dir / "program.xlsx"
    export.export_audit(demo_db, maria, export.ExportScope(review_ids=(review,)), target)
    book = openpyxl.load_workbook(target, read_only=True)
    cells = [str(c) for name in ("Scores", "Evidence") for row in book[name].iter_rows(values_only=True) for c in row
             if c]
    assert not any("Priya" in c or "dana.ng" in c for c in cells)
    assert any("[NAME]" in c for c in cells)
    assert any("[EMAIL] at Globex" in c for c in cells)


def test_bad_redaction_input_changes_nothing(demo_db: Database, paths: AppPaths) -> None:
    maria, aisha, admin = login(demo_db, "maria"), login(demo_db, "aisha"), login(demo_db, "admin")
    recording = scripted_transcript(demo_db, paths)
    redaction.suggest(demo_db, maria, recording)
    segment = transcripts.get_transcript(demo_db, maria, recording).segments[2]
    before = _stored(demo_db)
    with pytest.raises(ValidationError, match="Select the words"):
        redaction.mark(demo_db, maria, segment.id, 10, 10, Kind.NAME)
    with pytest.raises(ValidationError, match="Select the words"):
        redaction.mark(demo_db, maria, segment.id, 0, 10_000, Kind.NAME)
    with pytest.raises(NotFoundError):
        redaction.mark(demo_db, maria, 999_999, 0, 1, Kind.NAME)
    with pytest.raises(NotFoundError):
        redaction.decide(demo_db, maria, 999_999, redaction.ACCEPTED)
    with pytest.raises(ValidationError, match="suggested, accepted, rejected"):
        redaction.decide(demo_db, maria, 1, "maybe")
    for who in (aisha, login(demo_db, "helen")):
        with pytest.raises(PermissionDeniedError):
            redaction.suggest(demo_db, who, recording)
        with pytest.raises(PermissionDeniedError):
            redaction.decide(demo_db, who, 1, redaction.ACCEPTED)
    with pytest.raises(PermissionDeniedError):
        redaction.add_term(demo_db, maria, "Initech")  # the admin keeps the list
    with pytest.raises(ValidationError, match="2–200"):
        redaction.add_term(demo_db, admin, " x ")
    with pytest.raises(NotFoundError, match="not on the redaction list"):
        redaction.remove_term(demo_db, admin, "Nothing")
    assert _stored(demo_db) == before
    redaction.add_term(demo_db, admin, "Initech")
    with pytest.raises(ConflictError, match="already"):
        redaction.add_term(demo_db, admin, "initech")
    with pytest.raises(NotFoundError, match="no transcript"):
        redaction.suggest(demo_db, maria, recording + 1)


def test_purging_a_recording_removes_its_redaction_records(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths)
    redaction.suggest(demo_db, maria, recording)
    consent.purge_recordings(demo_db, login(demo_db, "admin"), paths, [recording], "test", require_withdrawal=False)
    with demo_db.transaction() as session:
        assert session.scalars(select(Redaction).where(Redaction.recording_id == recording)).all() == []
        assert session.get(Recording, recording) is not None


def test_the_panel_reads_cited_quotes_redacted_after_the_reveal(round_db: Database) -> None:
    from supervisor_app.store.models import CalibrationRound, EvidenceItem, Review

    maria, aisha = login(round_db, "maria"), login(round_db, "aisha")
    with round_db.transaction() as session:
        round_id = session.scalar(select(CalibrationRound.id).where(CalibrationRound.status == "revealed"))
        item, recording = session.execute(
            select(EvidenceItem, Review.recording_id).join(Review, Review.id == EvidenceItem.review_id)
            .where(Review.round_id == round_id, Review.status == "submitted")).first()  # type: ignore[misc]
        item.quote = "Then Sunita told me to call 07700 900123."
        competency = item.competency_id
    redaction.add_term(round_db, login(round_db, "admin"), "Sunita", Kind.NAME)
    quotes = {m.quote for m in calibration.evidence_timeline(round_db, aisha, round_id, recording, competency)[1]}
    assert "Then [NAME] told me to call [PHONE]." in quotes
    lead = {m.quote for m in calibration.evidence_timeline(round_db, maria, round_id, recording, competency)[1]}
    assert "Then Sunita told me to call 07700 900123." in lead
