"""Editing a rubric through the services and the CLI: a new version (never in place) with its change note and
parent, the change list, exports as JSON and as a one-page PDF, and every refusal leaving the store as it was."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from supervisor_app.core.reviews import CompetencyScore, ReviewContent
from supervisor_app.core.rubric_diff import changes, text_lines
from supervisor_app.errors import ConflictError, DocumentInvalidError, PermissionDeniedError, ValidationError
from supervisor_app.services import audit, reviews, rubric_pdf, rubrics
from supervisor_app.store.db import Database
from supervisor_app.store.models import Review, RubricVersion
from tests.conftest import login


def default_document(db: Database) -> tuple[int, dict[str, Any]]:
    admin = login(db, "admin")
    summary = rubrics.find_rubric_version(db, admin, "grow-icf-core@1.0")
    return summary.id, rubrics.stored_version(db, admin, summary.id).document


def edited(document: dict[str, Any], version: str = "1.1") -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["version"] = version
    listening = next(c for c in changed["competencies"] if c["id"] == "active_listening")
    listening["assessment"]["anchors"]["3"] = "Two accurate summaries; the coachee confirms being understood."
    changed["competencies"].append({**copy.deepcopy(listening), "id": "uses_silence", "title": "Uses silence"})
    changed["competencies"][0], changed["competencies"][1] = changed["competencies"][1], changed["competencies"][0]
    return changed


def count_versions(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(RubricVersion)) or 0)


def test_the_change_list_and_the_side_by_side_text(round_db: Database) -> None:
    _, document = default_document(round_db)
    found = changes(document, edited(document))
    assert "Rubric: version changed" in found
    assert "Competency added: Uses silence (uses_silence)" in found
    assert "Competencies reordered" in found
    assert "Listens actively (active_listening): anchor 3 reworded" in found
    assert len(found) == 4
    assert changes(document, document) == []
    gate = copy.deepcopy(document)
    gate["competencies"][1]["assessment"] = {"type": "gate", "criterion": "Reflects at least once"}
    assert changes(document, gate) == ["Listens actively (active_listening): now a pass/fail gate"]
    lines = text_lines(document)
    assert lines[0] == "Rubric grow-icf-core version 1.0"
    assert "  Gate criterion: " + document["competencies"][-1]["assessment"]["criterion"] in lines


def test_a_saved_edit_is_a_new_version_and_reviews_keep_theirs(round_db: Database) -> None:
    maria = login(round_db, "maria")
    parent_id, document = default_document(round_db)
    old_review = reviews.start_review(round_db, maria, 1).id
    result = rubrics.save_edited_version(round_db, maria, parent_id, edited(document),
                                         "Anchor 3 of listening was read two ways in the October round.")
    assert result.created
    assert (result.rubric.version, result.rubric.competencies) == ("1.1", 11)
    stored = rubrics.stored_version(round_db, maria, result.rubric.id)
    assert stored.based_on == "grow-icf-core@1.0"
    assert stored.change_note.startswith("Anchor 3 of listening")
    assert rubrics.stored_version(round_db, maria, parent_id).document == document  # the parent is untouched
    with round_db.transaction() as session:
        assert session.get(Review, old_review).rubric_version_id == parent_id  # type: ignore[union-attr]
    james = login(round_db, "james")
    assert reviews.start_review(round_db, james, 1).rubric_version_id == result.rubric.id  # new reviews: newest
    [event] = [e for e in audit.list_events(round_db, login(round_db, "admin")) if e.action == "rubric.edit"]
    assert event.details["based_on"] == "grow-icf-core@1.0"
    assert "Competency added: Uses silence (uses_silence)" in event.details["changes"]
    assert rubrics.suggested_version(round_db, maria, "grow-icf-core", "1.0") == "1.2"
    detail = reviews.get_review(round_db, maria, old_review)
    assert "uses_silence" not in {c.id for c in detail.rubric.competencies}
    reviews.save_draft(round_db, maria, old_review, ReviewContent(
        {"active_listening": CompetencyScore("active_listening", score=3)}))


@pytest.mark.parametrize(("change", "error", "message"), [
    (lambda d: {**d, "version": "1.1"}, ConflictError, "Nothing but the version number"),
    (lambda d: {**edited(d), "version": "1.0"}, ConflictError, "already stored with different content"),
    (lambda d: {**edited(d), "version": "one"}, DocumentInvalidError, r"\$\.version"),
    (lambda d: {**edited(d), "competencies": []}, DocumentInvalidError, r"\$\.competencies"),
])
def test_bad_edits_store_nothing(round_db: Database, change: Any, error: type[Exception], message: str) -> None:
    maria = login(round_db, "maria")
    parent_id, document = default_document(round_db)
    before = count_versions(round_db)
    with pytest.raises(error, match=message):
        rubrics.save_edited_version(round_db, maria, parent_id, change(document), "A reason long enough.")
    assert count_versions(round_db) == before


def test_who_may_save_and_the_change_note(round_db: Database) -> None:
    parent_id, document = default_document(round_db)
    with pytest.raises(PermissionDeniedError):
        rubrics.save_edited_version(round_db, login(round_db, "aisha"), parent_id, edited(document), "Tighter anchors")
    with pytest.raises(ValidationError, match="change note"):
        rubrics.save_edited_version(round_db, login(round_db, "maria"), parent_id, edited(document), "  ok ")
    assert count_versions(round_db) == 1


def test_exports_round_trip_and_print_on_one_page(round_db: Database, tmp_path: Path) -> None:
    admin = login(round_db, "admin")
    parent_id, document = default_document(round_db)
    target = rubrics.export_json(round_db, admin, parent_id, tmp_path / "rubric.json")
    assert json.loads(target.read_text("utf-8")) == document
    assert not rubrics.import_rubric(round_db, admin, target).created  # what import reads: the same version
    rubric = rubrics.get_rubric(round_db, admin, parent_id)
    layout = rubric_pdf.write_pdf(rubric, tmp_path / "rubric.pdf")
    data = (tmp_path / "rubric.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 1
    assert layout.behaviours is None  # everything fits, nothing shortened
    # the longest rubric the schema allows does not fit one page even shortened: it goes on, never cut off
    long = copy.deepcopy(document)
    template = long["competencies"][1]
    long["competencies"] = [{**copy.deepcopy(template), "id": f"c{i}", "title": f"Competency {i}",
                             "behaviours": [f"Behaviour {j} " + "with words " * 8 for j in range(6)]}
                            for i in range(40)]
    layout = rubric_pdf.write_pdf(rubrics.parse_rubric_document(long), tmp_path / "long.pdf")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", (tmp_path / "long.pdf").read_bytes()))
    assert pages > 1
    assert layout == rubric_pdf.Layout(rubric_pdf.SIZES[-1], None)
