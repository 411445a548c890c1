"""Speaker attribution end to end: the real Whisper model and the real speaker model on committed fixtures, through
the worker process; the coach's voice remembered from one recording and recognised in the next."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest
from sqlalchemy import select

from supervisor_app.errors import ConflictError, PermissionDeniedError, ValidationError
from supervisor_app.media import diarize
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths
from supervisor_app.services import (
    consent,
    library,
    speaker_attribution,
    transcription,
    transcription_worker,
    transcripts,
)
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from supervisor_app.store.models import CoachVoice, Recording
from tests.conftest import login, run_jobs
from tests.speaker_truth import Case, case
from tests.team import Team, work_the_queue

pytestmark = pytest.mark.slow


def _transcribe(db: Database, paths: AppPaths, found: Case, coach_id: int, speakers: int | None = None) -> int:
    maria = login(db, "maria")
    outcome = library.import_recording(db, maria, paths, found.audio, library.RecordingInput(coach_id, "Leader B"))
    if speakers is not None:
        speaker_attribution.set_speaker_count(db, maria, outcome.recording.id, speakers)
    transcription.enqueue(db, maria, [outcome.recording.id], TranscriptionSettings())
    run_jobs(db, paths, timeout_s=300)
    return outcome.recording.id


def _true_speaker(found: Case, start: float, end: float) -> int | None:
    overlaps = np.zeros(found.speakers)
    for who, a, b in found.turns:
        overlaps[who] += max(0.0, min(b, end) - max(a, start))
    return int(overlaps.argmax()) if overlaps.max() > 0 else None


def _remembers(db: Database, coach_id: int) -> bool:
    with db.transaction() as session:
        return session.get(CoachVoice, coach_id) is not None


def _agreement(db: Database, recording_id: int, found: Case, names: dict[int, str]) -> float:
    return _agreement_as(db, login(db, "maria"), recording_id, found, names)


def _agreement_as(db: Database, actor: Actor, recording_id: int, found: Case, names: dict[int, str]) -> float:
    """Share of transcript time on lines labelled with the true speaker's name."""
    view = transcripts.get_transcript(db, actor, recording_id)
    right = total = 0.0
    for line in view.segments:
        seconds = line.end_s - line.start_s
        total += seconds
        truth = _true_speaker(found, line.start_s, line.end_s)
        right += seconds * (truth is not None and line.speaker == names[truth])
    return right / total


def test_lines_are_split_at_turns_and_named_in_order(demo_db: Database, paths: AppPaths) -> None:
    found = case("check-different")
    recording_id = _transcribe(demo_db, paths, found, 1)
    view = transcripts.get_transcript(demo_db, login(demo_db, "maria"), recording_id)
    assert {s.speaker for s in view.segments} == {"Coach", "Coachee"}
    assert view.segments[0].speaker == "Coach"  # the first voice heard
    assert _agreement(demo_db, recording_id, found, {0: "Coach", 1: "Coachee"}) >= 0.9
    assert len(view.segments) >= 14  # 16 turns: Whisper's segments are cut where the voice changes
    assert view.settings["speaker_attribution"]["coach_by"] == "first voice heard"
    [job] = transcription.list_jobs(demo_db, login(demo_db, "maria"), active_only=False)[-1:]
    assert "Speakers: Coach, Coachee (Coach by first voice heard)" in job.message


def test_the_coachs_voice_is_remembered_and_recognised_in_their_next_recording(demo_db: Database,
                                                                              paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    first, second = case("different"), case("different-noise")  # the same two voices, other words, noise
    first_id = _transcribe(demo_db, paths, first, 2)
    # the coach of this recording is the second voice heard: the suggestion is the wrong way round; one swap
    naming = transcripts.name_speakers(demo_db, maria, first_id, {"Coach": "Coachee", "Coachee": "Coach"})
    assert naming.voice_remembered_for is not None
    with demo_db.transaction() as session:
        remembered = session.get(CoachVoice, 2)
        assert remembered is not None
        assert remembered.recording_id == first_id
    second_id = _transcribe(demo_db, paths, second, 2)
    view = transcripts.get_transcript(demo_db, maria, second_id)
    assert view.settings["speaker_attribution"]["coach_by"] == "remembered voice"
    assert _agreement(demo_db, second_id, second, {1: "Coach", 0: "Coachee"}) >= 0.9
    # another coach's recording of the same two voices is not affected: first voice heard
    third_id = _transcribe(demo_db, paths, case("overlap"), 3)
    view = transcripts.get_transcript(demo_db, maria, third_id)
    assert view.settings["speaker_attribution"]["coach_by"] == "first voice heard"
    assert speaker_attribution.forget_voice(demo_db, maria, 2)
    assert not _remembers(demo_db, 2)
    assert not speaker_attribution.forget_voice(demo_db, maria, 2)
    # remembered again, then the recording it was heard in is purged: the voice goes with it
    transcripts.name_speakers(demo_db, maria, first_id, {"Coach": "Coach"})
    assert _remembers(demo_db, 2)
    consent.purge_recordings(demo_db, maria, paths, [first_id], "coachee withdrew", require_withdrawal=False)
    assert not _remembers(demo_db, 2)


def test_finding_the_speakers_again_with_three_voices(demo_db: Database, paths: AppPaths) -> None:
    maria, aisha = login(demo_db, "maria"), login(demo_db, "aisha")
    found = case("final-three")
    recording_id = _transcribe(demo_db, paths, found, 1)
    before = transcripts.get_transcript(demo_db, maria, recording_id)
    assert {s.speaker for s in before.segments} == {"Coach", "Coachee"}
    with pytest.raises(PermissionDeniedError):
        speaker_attribution.reattribute(demo_db, aisha, paths, recording_id, 3)
    with pytest.raises(ValidationError, match="1–8 speakers"):
        speaker_attribution.reattribute(demo_db, maria, paths, recording_id, 0)
    seen: list[float] = []
    result = speaker_attribution.reattribute(demo_db, maria, paths, recording_id, 3, on_progress=seen.append)
    assert seen[-1] == 1.0
    assert set(result.speakers) == {"Coach", "Coachee", "Speaker 3"}
    assert _agreement(demo_db, recording_id, found, {0: "Coach", 1: "Coachee", 2: "Speaker 3"}) >= 0.85
    with demo_db.transaction() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        assert recording.speakers == 3
    # a corrected line is a person's: finding the speakers again would undo it, so it is refused
    line = transcripts.get_transcript(demo_db, maria, recording_id).segments[2]
    transcripts.edit_text(demo_db, maria, line.id, "Corrected by hand.")
    kept = transcripts.get_transcript(demo_db, maria, recording_id).segments
    with pytest.raises(ConflictError, match="corrected lines"):
        speaker_attribution.reattribute(demo_db, maria, paths, recording_id, 2)
    assert transcripts.get_transcript(demo_db, maria, recording_id).segments == kept


def test_without_a_transcript_or_a_recording_nothing_is_attributed(demo_db: Database, paths: AppPaths,
                                                                  tmp_path: Path) -> None:
    maria = login(demo_db, "maria")
    outcome = library.import_recording(demo_db, maria, paths, case("different").audio, library.RecordingInput(1))
    with pytest.raises(ConflictError, match="no finished transcript"):
        speaker_attribution.reattribute(demo_db, maria, paths, outcome.recording.id)
    with pytest.raises(ValidationError):
        speaker_attribution.set_speaker_count(demo_db, maria, outcome.recording.id, 9)
    with demo_db.transaction() as session:
        assert session.scalar(select(Recording.speakers).where(Recording.id == outcome.recording.id)) == 2


def test_on_a_team_server_the_voice_named_on_one_laptop_is_recognised_on_another(team: Team) -> None:
    a_db, sup, a_paths = team.open("sup", "laptop-a")
    first = library.import_recording(a_db, sup, a_paths, case("different").audio, library.RecordingInput(1))
    transcription.enqueue(a_db, sup, [first.recording.id], TranscriptionSettings())
    work_the_queue(a_db, a_paths, timeout_s=300)
    naming = transcripts.name_speakers(a_db, sup, first.recording.id, {"Coach": "Coachee", "Coachee": "Coach"})
    assert naming.voice_remembered_for == "Coach One"
    b_db, admin, b_paths = team.open("admin", "laptop-b")
    second = library.import_recording(b_db, admin, b_paths, case("different-noise").audio,
                                      library.RecordingInput(1))
    transcription.enqueue(b_db, admin, [second.recording.id], TranscriptionSettings())
    work_the_queue(b_db, b_paths, timeout_s=300)
    view = transcripts.get_transcript(b_db, admin, second.recording.id)
    assert view.settings["speaker_attribution"]["coach_by"] == "remembered voice"
    assert _agreement_as(b_db, admin, second.recording.id, case("different-noise"), {1: "Coach", 0: "Coachee"}) >= 0.9
    # the voices are staff's: a rater's own login reads none of them, whatever SQL it sends
    with team.psql("r1") as rater, pytest.raises(psycopg.errors.InsufficientPrivilege):
        rater.execute("SELECT voice FROM coach_voices").fetchall()
    with team.psql("r1") as rater, pytest.raises(psycopg.errors.InsufficientPrivilege):
        rater.execute("SELECT voices FROM transcript_voices").fetchall()
    with team.psql("sup") as staff:
        assert staff.execute("SELECT count(*) FROM coach_voices").fetchone() == (1,)
        assert staff.execute("SELECT count(*) FROM transcript_voices").fetchone() == (2,)


def test_without_the_speaker_model_the_transcript_is_kept_and_the_job_says_why(
        transcribed: tuple[Database, AppPaths], monkeypatch: pytest.MonkeyPatch) -> None:
    db, paths = transcribed
    maria = login(db, "maria")
    before = transcripts.get_transcript(db, maria, 1).segments
    monkeypatch.setattr(diarize, "SEGMENTATION_PACKAGE", "no_such_speaker_model")
    audio = speaker_attribution.recording_audio(db, maria, paths, 1)
    note = transcription_worker._attribute(db, 1, 1, audio, 2, 1)
    assert note.startswith("Speakers not found: The speaker model is not installed")
    assert transcripts.get_transcript(db, maria, 1).segments == before
