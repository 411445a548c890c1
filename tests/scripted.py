"""A recording with a scripted transcript (as if transcribed, with timed words): for tests of what is done with
transcript text, without running the speech model."""

from __future__ import annotations

import datetime as dt

from supervisor_app.paths import AppPaths
from supervisor_app.services import library
from supervisor_app.store.db import Database
from supervisor_app.store.models import Transcript, TranscriptSegment
from tests.conftest import AUDIO, login

LINES = (
    ("Coach", "Hello Priya, thanks for joining from the Leeds office."),
    ("Coachee", "Sure. My manager at Globex said I should email her at dana.ng@globex.com first."),
    ("Coach", "What would you like to explore today?"),
    ("Coachee", "Call me on 07700 900123 or my desk, extension double four seven one two three."),
)


def write_script(db: Database, recording_id: int, lines: tuple[tuple[str, str], ...] = LINES) -> None:
    """A complete transcript of these lines for the recording, 5 s per line, with timed words."""
    with db.transaction() as session:
        transcript = Transcript(recording_id=recording_id, status="complete", model_name="scripted",
                                model_sha256="0" * 64, engine_version="test", settings={}, language="en")
        session.add(transcript)
        session.flush()
        for index, (speaker, text) in enumerate(lines):
            tokens = text.split()
            step = 5.0 / len(tokens)
            words = [[index * 5 + i * step, index * 5 + (i + 1) * step, " " + w, 0.9] for i, w in enumerate(tokens)]
            session.add(TranscriptSegment(transcript_id=transcript.id, idx=index, start_s=index * 5.0,
                                          end_s=index * 5.0 + 5.0, text=text, speaker=speaker, words=words))


def scripted_transcript(db: Database, paths: AppPaths, lines: tuple[tuple[str, str], ...] = LINES) -> int:
    """A recording (imported by maria of the demo) with a transcript of these lines, as if transcribed."""
    maria = login(db, "maria")
    recording = library.import_recording(db, maria, paths, AUDIO / "dialogue.flac",
                                         library.RecordingInput(3, "Leader R", dt.date.today())).recording.id
    write_script(db, recording, lines)
    return recording
