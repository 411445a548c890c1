"""Real transcriptions with the bundled model, through the worker process and the persisted queue."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import jiwer
import pytest
from sqlalchemy import select

from supervisor_app.core.transcripts import ExportFormat
from supervisor_app.errors import ConflictError, PermissionDeniedError, ValidationError
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths
from supervisor_app.services import library, transcription, transcripts
from supervisor_app.store.db import Database
from supervisor_app.store.models import TranscriptionJob, TranscriptSegment
from tests.conftest import AUDIO, login, long_dialogue, run_jobs

LINE_STARTS = (0.5, 6.1, 12.8, 17.1, 22.5, 24.7, 30.3)  # the dialogue fixture's lines, from sox's padding
REPEATS = 7
NORMALISE = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])


def test_dialogue_words_and_timestamps(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    view = transcripts.get_transcript(db, maria, 1)
    assert view.status == "complete"
    assert view.model_name == "whisper-base (bundled)"
    assert view.model_sha256.startswith("905e5bf8")
    assert view.engine_version.startswith("faster-whisper ")
    assert view.settings["vad_filter"] is True
    assert view.settings["decode_options"]["word_timestamps"] is True
    assert view.language == "en"
    texts = [s.text for s in view.segments]
    words = [" ".join(jiwer.RemovePunctuation()(text.lower()).split()) for text in texts]  # punctuation varies
    assert words[0] == "thanks for making time today what would you like to work on in this session"
    assert texts[-1] == "What made you step in?"
    starts = [s.start_s for s in view.segments]
    assert starts == pytest.approx(list(LINE_STARTS), abs=0.6)
    assert [s.speaker for s in view.segments] == ["Coach", "Coachee"] * 3 + ["Coach"]
    words = view.segments[4].words
    assert [w[2].strip() for w in words] == ["What", "have", "you", "already", "tried?"]
    assert all(s.start_s <= w[0] <= w[1] <= s.end_s + 0.05 for s in view.segments for w in s.words)
    reference = (AUDIO / "dialogue.txt").read_text("utf-8")
    error = jiwer.wer(reference, " ".join(texts), reference_transform=NORMALISE, hypothesis_transform=NORMALISE)
    assert error <= 0.15


def test_exports(transcribed: tuple[Database, AppPaths], tmp_path: Path) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    target = tmp_path / "out.srt"
    transcripts.export(db, maria, 1, ExportFormat.SRT, target)
    srt = target.read_text("utf-8")
    assert srt.startswith("1\n00:00:00,")
    assert "Coachee: I want to get better at delegating" in srt
    assert transcripts.export(db, maria, 1, ExportFormat.VTT).startswith("WEBVTT")
    assert "[0:00:06] Coachee: I want" in transcripts.export(db, maria, 1, ExportFormat.TXT)


def test_editing_keeps_timing_and_history(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    segment = transcripts.get_transcript(db, maria, 1).segments[5]
    corrected = "I asked Sam to run it once, but I stepped in after ten minutes."
    fixed = transcripts.edit_text(db, maria, segment.id, corrected)
    assert (fixed.start_s, fixed.end_s, fixed.edited) == (segment.start_s, segment.end_s, True)
    with pytest.raises(ValidationError):
        transcripts.edit_text(db, maria, segment.id, "   ")
    view = transcripts.get_transcript(db, maria, 1)
    changed = transcripts.set_speaker(db, maria, [s.id for s in view.segments[:2]], "Maria")
    assert changed == 2
    assert transcripts.name_speakers(db, maria, 1, {"Coachee": "Leader A"}).changed == 2
    history = transcripts.edit_history(db, maria, 1)
    assert [(h.field, h.segment_index) for h in history][:3] == [("text", 5), ("speaker", 0), ("speaker", 1)]
    assert history[0].old_value != corrected  # what the model heard ("some" or "10 minutes"), kept
    assert "to run it once" in history[0].old_value
    assert history[0].user == "maria"
    hits = transcripts.search(db, maria, "sam")
    assert [h.segment_id for h in hits] == [segment.id]


def test_naming_the_speakers_of_a_whole_recording(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, aisha = login(db, "maria"), login(db, "aisha")
    before = [s.speaker for s in transcripts.get_transcript(db, maria, 1).segments]
    assert set(before) == {"Coach", "Coachee"}
    changed = transcripts.name_speakers(db, maria, 1, {"Coach": "Coachee", "Coachee": "Coach"}).changed  # a swap
    swapped = [s.speaker for s in transcripts.get_transcript(db, maria, 1).segments]
    assert changed == len(before)
    assert swapped == [{"Coach": "Coachee", "Coachee": "Coach"}[label] for label in before]
    assert transcripts.name_speakers(db, maria, 1, {"Coach": "  Daniel   Fischer "}).changed == swapped.count("Coach")
    named = [s.speaker for s in transcripts.get_transcript(db, maria, 1).segments]
    assert "Daniel Fischer" in named
    assert "Coach" not in named
    history = transcripts.edit_history(db, maria, 1)
    assert sum(h.field == "speaker" for h in history) == len(before) + swapped.count("Coach")
    for names, message in (({"Narrator": "Coach"}, "no speaker Narrator"), ({"Coachee": "  "}, "1–"),
                           ({"Coachee": "x" * 300}, "1–")):
        with pytest.raises(ValidationError, match=message):
            transcripts.name_speakers(db, maria, 1, names)
    assert [s.speaker for s in transcripts.get_transcript(db, maria, 1).segments] == named  # nothing changed
    with pytest.raises(PermissionDeniedError):
        transcripts.name_speakers(db, aisha, 1, {"Coachee": "Leader A"})
    assert transcripts.name_speakers(db, maria, 1, {}).changed == 0


def test_search(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    [hit] = transcripts.search(db, maria, "weekly planning")
    assert (hit.recording_id, hit.coach_name, hit.speaker) == (1, "Daniel Fischer", "Coachee")
    assert hit.start_s == pytest.approx(17.1, abs=0.6)
    assert [h.start_s for h in transcripts.search(db, maria, "deleg")] == pytest.approx([6.1], abs=0.6)
    assert transcripts.search(db, maria, '"NEAR(') == []
    assert transcripts.search(db, maria, "") == []
    with pytest.raises(PermissionDeniedError):
        transcripts.search(db, login(db, "helen"), "plan")


def test_replacing_needs_consent(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria = login(db, "maria")
    with pytest.raises(ConflictError, match="already has a transcript"):
        transcription.enqueue(db, maria, [1], TranscriptionSettings())
    assert len(transcription.enqueue(db, maria, [1], TranscriptionSettings(), replace=True)) == 1
    assert transcription.enqueue(db, maria, [1], TranscriptionSettings(), replace=True) == []  # already queued


def _import(db: Database, paths: AppPaths, name: str) -> int:
    return library.import_recording(db, login(db, "maria"), paths, AUDIO / name,
                                    library.RecordingInput(3)).recording.id


@pytest.mark.parametrize("name", ["silence.wav", "music.wav"])
def test_no_speech_is_found_in_silence_or_music(demo_db: Database, paths: AppPaths, name: str) -> None:
    maria = login(demo_db, "maria")
    recording = _import(demo_db, paths, name)
    [job_id] = transcription.enqueue(demo_db, maria, [recording], TranscriptionSettings())
    run_jobs(demo_db, paths)
    job = transcription.get_job(demo_db, maria, job_id)
    assert (job.status, job.message) == ("done", "No speech found.")
    assert transcripts.get_transcript(demo_db, maria, recording).segments == ()
    assert library.get_recording(demo_db, maria, recording).transcript_status == "no speech found"


def _wait_for(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_cancel_takes_effect_at_once(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = _import(demo_db, paths, "dialogue.flac")
    [job_id] = transcription.enqueue(demo_db, maria, [recording], TranscriptionSettings())
    runner = transcription.TranscriptionRunner(demo_db, paths, paths.default_database_url())
    runner.poll()
    assert transcription.get_job(demo_db, maria, job_id).status == "running"  # claimed at once

    def worker_pid() -> int | None:
        with demo_db.transaction() as session:
            return session.get(TranscriptionJob, job_id).worker_pid  # type: ignore[union-attr]

    _wait_for(lambda: worker_pid() is not None)  # the worker process has taken it
    pid = worker_pid()
    assert pid is not None
    started = time.monotonic()
    transcription.cancel(demo_db, maria, job_id)
    runner.poll()
    took = time.monotonic() - started
    assert transcription.get_job(demo_db, maria, job_id).status == "cancelled"
    assert took < 1.0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert library.get_recording(demo_db, maria, recording).transcript_status == "not transcribed"


def test_a_killed_worker_is_resumed_after_restart(demo_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    maria = login(demo_db, "maria")
    audio = tmp_path / "seven-dialogues.wav"
    seconds = long_dialogue(audio, REPEATS)  # 233 s: two batches of 20 s windows, so after the first there is
    # work left to interrupt
    recording = library.import_recording(demo_db, maria, paths, audio, library.RecordingInput(3)).recording.id
    [job_id] = transcription.enqueue(demo_db, maria, [recording], TranscriptionSettings())
    runner = transcription.TranscriptionRunner(demo_db, paths, paths.default_database_url())
    runner.poll()

    def saved_segments() -> int:
        with demo_db.transaction() as session:
            return len(session.scalars(select(TranscriptSegment.id)).all())

    _wait_for(lambda: saved_segments() >= 1)
    with demo_db.transaction() as session:
        pid = session.get(TranscriptionJob, job_id).worker_pid  # type: ignore[union-attr]
    os.kill(pid, signal.SIGKILL)  # a crash: the app below never learns of it, as after a power cut
    _wait_for(lambda: not os.path.exists(f"/proc/{pid}") or b"Z" in Path(f"/proc/{pid}/stat").read_bytes()[:64])
    before = saved_segments()

    assert transcription.recover_interrupted(demo_db) == [job_id]
    job = transcription.get_job(demo_db, maria, job_id)
    assert job.status == "queued"
    assert "Interrupted" in job.message
    run_jobs(demo_db, paths)
    job = transcription.get_job(demo_db, maria, job_id)
    assert job.status == "done"
    assert 0 < job.resumed_from_s < seconds - 20  # it stopped with work left, and went on from there
    view = transcripts.get_transcript(demo_db, maria, recording)
    assert [s.index for s in view.segments] == list(range(len(view.segments)))
    assert len(view.segments) >= before
    described = [(round(s.start_s, 1), round(s.end_s, 1), s.text, [w[:2] for w in s.words][-3:])
                 for s in view.segments]
    assert view.segments[-1].text == "What made you step in?", (job.resumed_from_s, described[-4:])
    for previous, following in zip(view.segments, view.segments[1:], strict=False):
        assert following.start_s >= previous.end_s - 0.5, described  # nothing transcribed twice at the resume
    heard = " ".join(jiwer.RemovePunctuation()(s.text.lower()) for s in view.segments)
    for line in ("thanks for making time today", "what have you already tried", "what made you step in"):
        assert heard.count(line) == REPEATS, (line, job.resumed_from_s, described)  # nothing lost, nothing twice
    reference = " ".join([(AUDIO / "dialogue.txt").read_text("utf-8")] * REPEATS)
    assert jiwer.wer(reference, heard, reference_transform=NORMALISE, hypothesis_transform=NORMALISE) <= 0.1


def test_an_unusable_model_fails_the_job_with_its_reason(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = _import(demo_db, paths, "short.wav")
    [job_id] = transcription.enqueue(demo_db, maria, [recording], TranscriptionSettings(model=str(paths.data_dir)))
    run_jobs(demo_db, paths)
    job = transcription.get_job(demo_db, maria, job_id)
    assert job.status == "failed"
    assert "not a CTranslate2 Whisper model" in job.message
