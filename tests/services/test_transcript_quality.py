"""Quality flags with the real voice-activity model on real audio: speech the transcript has no words for is
flagged, silence is not; the result is kept next to the decoded audio."""

from __future__ import annotations

import datetime as dt

from supervisor_app.core.transcript_quality import FlagKind
from supervisor_app.paths import AppPaths
from supervisor_app.services import library, transcript_quality
from supervisor_app.store.db import Database
from tests.conftest import AUDIO, login
from tests.scripted import write_script


def _with_script(db: Database, paths: AppPaths, file: str, lines: tuple[tuple[str, str], ...]) -> int:
    recording = library.import_recording(db, login(db, "maria"), paths, AUDIO / file,
                                         library.RecordingInput(3, "Leader V", dt.date(2026, 10, 1))).recording.id
    write_script(db, recording, lines)
    return recording


def test_speech_without_words_is_found_in_the_audio(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    # the 33 s dialogue, with words only for its first 10 s
    recording = _with_script(demo_db, paths, "dialogue.flac", (("Coach", "Thanks for making time today."),
                                                               ("Coachee", "I want to get better at delegating.")))
    found = transcript_quality.transcript_flags(demo_db, maria, paths, recording)
    missing = [f for f in found if f.kind is FlagKind.MISSING]
    assert missing
    assert missing[0].start_s >= 10.0 - 0.01
    assert sum(f.end_s - f.start_s for f in missing) > 12.0  # most of the untranscribed 23 s is speech
    assert list(paths.audio_cache_dir.glob("*.speech-v1.json"))  # analysed once, kept
    assert transcript_quality.transcript_flags(demo_db, maria, paths, recording) == found
    without_audio = transcript_quality.transcript_flags(demo_db, maria, paths, recording, listen=False)
    assert all(f.kind is not FlagKind.MISSING for f in without_audio)


def test_silence_is_not_flagged(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = _with_script(demo_db, paths, "silence.wav", (("Coach", "Hello."),))
    assert [f for f in transcript_quality.transcript_flags(demo_db, maria, paths, recording)
            if f.kind is FlagKind.MISSING] == []
