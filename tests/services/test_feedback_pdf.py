"""The feedback document a coach receives: header, the reviewer's words laid out, scores with their meaning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader

from supervisor_app.errors import PermissionDeniedError
from supervisor_app.files import UnwritableFileError
from supervisor_app.paths import AppPaths
from supervisor_app.services import feedback_pdf, library, reviews
from supervisor_app.store.db import Database
from tests.conftest import login
from tests.services.test_reviews import complete_content


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _submitted(db: Database) -> reviews.ReviewDetail:
    maria = login(db, "maria")
    row = library.get_recording(db, maria, 1)
    library.update_recording(db, maria, 1, library.RecordingInput(row.coach_id, row.coachee_pseudonym,
                                                                  dt.date(2026, 10, 6)))
    detail = reviews.start_review(db, maria, 1)
    reviews.save_draft(db, maria, detail.id, complete_content(detail))
    return reviews.submit(db, maria, detail.id)


def test_the_document_reads_like_a_letter(transcribed: tuple[Database, AppPaths], tmp_path: Path) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    submitted = _submitted(db)
    assert submitted.feedback.startswith("Feedback for Daniel Fischer on your session of 6 October 2026\n")
    assert ".flac" not in submitted.feedback.splitlines()[0]
    letter = feedback_pdf.feedback_letter(db, maria, submitted.id)
    assert letter.coach == "Daniel Fischer"
    assert letter.reviewer == "Maria Lopez"
    listening = next(s for s in letter.scores if s.competency == "Listens actively")
    assert listening.value == "2 of 5"
    assert listening.meaning == submitted.rubric.competency("active_listening").anchors[2]
    assert all(s.value in {"met", "not yet met", "not observed"} or s.value.endswith(" of 5") for s in letter.scores)
    target = feedback_pdf.write_feedback_pdf(letter, tmp_path / "feedback.pdf")
    text = _text(target)
    assert "Feedback on your coaching session" in text
    assert "Daniel Fischer" in text
    assert "Session 6 October 2026" in text
    assert "What went well" in text
    assert "To work on next" in text
    assert "Listens actively  ·  at 0:00:06" in text  # a moment: competency and time as a line of its own
    assert "“I want to get better”" in text
    assert "What this score means in the rubric" in text
    assert "2 of 5" in text
    assert "Scores against" not in text  # the table replaces the draft's list
    assert "Feedback for Daniel Fischer" not in text  # the header replaces the draft's first line
    assert "Page 1 of 1" in text
    assert "Confidential: for Daniel Fischer" in text


def test_the_text_on_screen_is_what_is_printed(transcribed: tuple[Database, AppPaths], tmp_path: Path) -> None:
    db, _paths = transcribed
    maria, tom = login(db, "maria"), login(db, "tom")
    submitted = _submitted(db)
    long = "Thank you for the session.\n\nA closing thought:\n" + "\n".join(
        f"- Point {n}: keep asking before telling." for n in range(80))
    letter = feedback_pdf.feedback_letter(db, maria, submitted.id, long)
    target = feedback_pdf.write_feedback_pdf(letter, tmp_path / "long.pdf")
    text = _text(target)
    assert "Thank you for the session." in text
    assert "Point 79" in text  # nothing cut off: it runs onto more pages
    pages = len(PdfReader(target).pages)
    assert pages > 1
    assert f"Page {pages} of {pages}" in text
    with pytest.raises(PermissionDeniedError):
        feedback_pdf.feedback_letter(db, tom, submitted.id)  # another rater cannot print it
    assert reviews.get_review(db, maria, submitted.id).feedback == submitted.feedback  # printing stores nothing


def test_a_target_that_cannot_be_written_leaves_nothing(transcribed: tuple[Database, AppPaths],
                                                        tmp_path: Path) -> None:
    db, _paths = transcribed
    letter = feedback_pdf.feedback_letter(db, login(db, "maria"), _submitted(db).id)
    (tmp_path / "out" / "feedback.pdf").mkdir(parents=True)  # a folder where the file should go
    with pytest.raises(UnwritableFileError, match="choose a file name"):
        feedback_pdf.write_feedback_pdf(letter, tmp_path / "out" / "feedback.pdf")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["feedback.pdf"]  # no half-written temporary file


def test_without_the_oblique_face_the_letter_is_still_written(transcribed: tuple[Database, AppPaths],
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """DejaVu's oblique face comes in a separate Debian package (fonts-dejavu-extra): without it the quotes are
    upright, and nothing fails."""
    from supervisor_app.services import pdf_document

    db, _paths = transcribed
    letter = feedback_pdf.feedback_letter(db, login(db, "maria"), _submitted(db).id)
    monkeypatch.setattr(pdf_document, "ITALIC_FILE", tmp_path / "no-such-font.ttf")
    target = feedback_pdf.write_feedback_pdf(letter, tmp_path / "upright.pdf")
    assert "“I want to get better”" in _text(target)
