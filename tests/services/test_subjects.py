"""Subject requests: everything held about a coachee or a coach in one folder; a coachee's erasure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supervisor_app.errors import NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, library, subjects
from supervisor_app.store.db import Database
from tests.conftest import login


def test_everything_about_a_coachee_lands_in_one_folder(transcribed: tuple[Database, AppPaths],
                                                        tmp_path: Path) -> None:
    db, paths = transcribed
    maria = login(db, "maria")
    row = library.get_recording(db, maria, 1)
    assert row.coachee_pseudonym
    out = tmp_path / "requests"
    out.mkdir()
    result = subjects.export_subject(db, maria, paths, out, coachee=row.coachee_pseudonym)
    document = json.loads((result.folder / "subject.json").read_text(encoding="utf-8"))
    assert document["subject"] == {"kind": "coachee", "pseudonym": row.coachee_pseudonym}
    assert [r["id"] for r in document["recordings"]] == [1]
    assert document["recordings"][0]["transcript"]["segments"]
    assert any(e["action"] == "recording.import" for e in document["audit_trail"])
    [audio] = (result.folder / "audio").iterdir()
    assert audio.read_bytes() == library.playback_source(db, maria, paths, 1).path.read_bytes()
    assert not [p for p in out.iterdir() if p.name.startswith(".subject-")]  # nothing half-written left
    with pytest.raises(ValidationError, match="exists already"):
        subjects.export_subject(db, maria, paths, out, coachee=row.coachee_pseudonym)
    coach = subjects.export_subject(db, maria, paths, tmp_path, coach_id=row.coach_id)
    assert json.loads((coach.folder / "subject.json").read_text())["subject"]["name"] == row.coach_name
    assert any(e.action == "subject.export" for e in audit.list_events(db, login(db, "admin")))


def test_subject_requests_refuse_in_words(transcribed: tuple[Database, AppPaths], tmp_path: Path) -> None:
    db, paths = transcribed
    maria = login(db, "maria")
    with pytest.raises(NotFoundError, match="Nothing is held"):
        subjects.export_subject(db, maria, paths, tmp_path, coachee="Nobody Known")
    with pytest.raises(ValidationError, match="Name one subject"):
        subjects.export_subject(db, maria, paths, tmp_path)
    with pytest.raises(ValidationError, match="not a folder"):
        subjects.export_subject(db, maria, paths, tmp_path / "missing", coach_id=1)
    with pytest.raises(PermissionDeniedError):
        subjects.export_subject(db, login(db, "helen"), paths, tmp_path, coach_id=1)
    with pytest.raises(ValidationError, match="at least 10 characters"):
        subjects.erase_coachee(db, maria, paths, "Leader A", "short")


def test_a_coachee_is_erased_like_a_consent_purge(transcribed: tuple[Database, AppPaths]) -> None:
    db, paths = transcribed
    maria = login(db, "maria")
    row = library.get_recording(db, maria, 1)
    source = library.playback_source(db, maria, paths, 1).path
    result = subjects.erase_coachee(db, maria, paths, row.coachee_pseudonym, "Request SR-2026-14 by e-mail")
    assert 1 in result.recordings
    assert not source.exists()
    assert library.get_recording(db, maria, 1).consent_state == "purged"
    with pytest.raises(NotFoundError, match="purged"):
        library.playback_source(db, maria, paths, 1)
    assert audit.verify_chain(db, login(db, "admin")) == []
