from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supervisor_app.errors import NotFoundError, PermissionDeniedError, SupervisorError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import library
from supervisor_app.services.library import RecordingInput
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording
from tests.conftest import AUDIO, login


def store_files(paths: AppPaths) -> list[Path]:
    return sorted(p for p in paths.recordings_dir.rglob("*") if p.is_file())


def recording_count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Recording)) or 0


@pytest.mark.parametrize("name", ["short.wav", "short.mp3", "short.m4a", "dialogue.flac", "short.ogg", "short.opus",
                                  "short.webm", "short.mp4"])
def test_import_every_supported_format(demo_db: Database, paths: AppPaths, name: str) -> None:
    maria = login(demo_db, "maria")
    outcome = library.import_recording(demo_db, maria, paths, AUDIO / name,
                                       RecordingInput(3, " Leader  B ", dt.date(2026, 11, 2)))
    row = outcome.recording
    assert not outcome.duplicate
    assert (row.original_name, row.coach_name, row.coachee_pseudonym, row.session_date) == (
        name, "Samuel Osei", "Leader B", dt.date(2026, 11, 2))
    assert row.transcript_status == "not transcribed"
    [stored] = store_files(paths)
    assert stored.read_bytes() == (AUDIO / name).read_bytes()
    assert stored.name.startswith(stored.parent.name)
    assert stored.suffix == Path(name).suffix


def test_same_content_twice_is_reported_not_duplicated(demo_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    maria = login(demo_db, "maria")
    first = library.import_recording(demo_db, maria, paths, AUDIO / "short.ogg", RecordingInput(3))
    renamed = tmp_path / "renamed copy.ogg"
    shutil.copy(AUDIO / "short.ogg", renamed)
    second = library.import_recording(demo_db, maria, paths, renamed, RecordingInput(4))
    assert second.duplicate
    assert second.recording.id == first.recording.id
    assert "Already in the library as recording" in second.message
    assert recording_count(demo_db) == 1
    assert len(store_files(paths)) == 1


@pytest.mark.parametrize("name", ["empty.mp3", "notes.mp3", "truncated.m4a", "video_only.mp4", "archive.ogg",
                                  "dialogue.txt"])
def test_bad_files_leave_nothing_behind(demo_db: Database, paths: AppPaths, name: str) -> None:
    maria = login(demo_db, "maria")
    with pytest.raises(SupervisorError) as caught:
        library.import_recording(demo_db, maria, paths, AUDIO / name, RecordingInput(3))
    assert name in str(caught.value)
    assert recording_count(demo_db) == 0
    assert store_files(paths) == []


def test_damaged_file_is_imported_with_a_flag(demo_db: Database, paths: AppPaths) -> None:
    outcome = library.import_recording(demo_db, login(demo_db, "maria"), paths, AUDIO / "truncated.mp3",
                                       RecordingInput(3))
    assert "Damaged" in outcome.recording.damage_note
    assert "Damaged" in outcome.message


@pytest.mark.parametrize(("data", "field"), [
    (RecordingInput(999), "coach_id"),
    (RecordingInput(3, "x" * 101), "coachee_pseudonym"),
    (RecordingInput(3, "", dt.date.today() + dt.timedelta(days=2)), "session_date"),
])
def test_bad_metadata_is_refused_before_anything_is_copied(demo_db: Database, paths: AppPaths,
                                                           data: RecordingInput, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        library.import_recording(demo_db, login(demo_db, "maria"), paths, AUDIO / "short.wav", data)
    assert caught.value.field == field
    assert store_files(paths) == []


def test_edit_search_sort_and_remove(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    a = library.import_recording(demo_db, maria, paths, AUDIO / "short.wav",
                                 RecordingInput(3, "Leader A", dt.date(2026, 10, 1))).recording
    b = library.import_recording(demo_db, maria, paths, AUDIO / "short.mp3",
                                 RecordingInput(4, "Leader B", dt.date(2026, 11, 1))).recording
    assert library.recording_ids(demo_db, maria) == [b.id, a.id]
    assert library.recording_ids(demo_db, maria, sort="coach", descending=False) == [b.id, a.id]  # Lena < Samuel
    assert library.recording_ids(demo_db, maria, search="samuel") == [a.id]
    assert library.recording_ids(demo_db, maria, search="leader b") == [b.id]
    edited = library.update_recording(demo_db, maria, a.id, RecordingInput(4, "Leader C", dt.date(2026, 9, 1)))
    assert (edited.coach_name, edited.coachee_pseudonym) == ("Lena Novak", "Leader C")
    library.remove_recording(demo_db, maria, paths, a.id, "wrong session")
    assert library.recording_ids(demo_db, maria) == [b.id]
    assert len(store_files(paths)) == 1
    with pytest.raises(NotFoundError):
        library.get_recording(demo_db, maria, a.id)
    with pytest.raises(ValidationError, match="sort by"):
        library.recording_ids(demo_db, maria, sort="colour")


def test_only_supervisors_and_admins_use_the_library(demo_db: Database, paths: AppPaths) -> None:
    for name in ("aisha", "helen"):
        actor = login(demo_db, name)
        with pytest.raises(PermissionDeniedError):
            library.list_recordings(demo_db, actor)
        with pytest.raises(PermissionDeniedError):
            library.import_recording(demo_db, actor, paths, AUDIO / "short.wav", RecordingInput(3))
