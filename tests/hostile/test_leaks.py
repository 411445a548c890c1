"""What leaks through plain text: a coach named by a speaker label in a round that hides who is coaching, and
control characters that an HR workbook would carry to its readers."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from supervisor_app.services import transcripts, xlsx
from supervisor_app.store.db import Database
from supervisor_app.store.models import Transcript, TranscriptSegment
from tests.hostile.conftest import run_cli


def _transcribe_by_hand(data_dir: Path, recording_id: int, coach: str) -> None:
    database = Database(f"sqlite:///{data_dir / 'supervisor.sqlite3'}")
    try:
        with database.transaction() as session:
            transcript = Transcript(recording_id=recording_id, status="complete", model_name="test",
                                    model_sha256="", engine_version="test", settings={})
            session.add(transcript)
            session.flush()
            for index, (speaker, text) in enumerate(((coach, "What would you like to work on?"),
                                                     ("Coachee", "Delegating."))):
                session.add(TranscriptSegment(transcript_id=transcript.id, idx=index, start_s=index * 2.0,
                                              end_s=index * 2.0 + 1.5, text=text, speaker=speaker, words=[]))
    finally:
        database.dispose()


def test_a_hidden_round_never_names_the_coach_through_speaker_labels(demo_folder: Path, tmp_path: Path) -> None:
    _transcribe_by_hand(demo_folder, 1, "Samuel Osei")
    for user in ("aisha", "maria"):  # a rater and the round's lead, both on its panel
        for args in (("transcript", "show", "1"), ("transcript", "export", "1", "--format", "vtt"),
                     ("transcript", "export", "1", "--format", "json")):
            outcome = run_cli(demo_folder, *args, user=user)
            assert outcome.code == 0, outcome.err
            assert "Samuel" not in outcome.out
            assert "Speaker 1" in outcome.out
        history = run_cli(demo_folder, "transcript", "history", "1", user="maria")
        history.refused("hides who is coaching")
    assert "Samuel Osei" in run_cli(demo_folder, "transcript", "show", "1", user="admin").out  # not on the panel


def test_the_services_apply_it_for_every_face(demo_folder: Path) -> None:
    from supervisor_app.services import accounts

    _transcribe_by_hand(demo_folder, 2, "Lena Novak")
    database = Database(f"sqlite:///{demo_folder / 'supervisor.sqlite3'}")
    try:
        rater = accounts.authenticate(database, "tom", "demo-rater")
        speakers = {s.speaker for s in transcripts.get_transcript(database, rater, 2).segments}
        assert speakers == {"Speaker 1", "Coachee"}
    finally:
        database.dispose()


def test_workbook_cells_carry_no_control_characters(tmp_path: Path) -> None:
    hostile = "ok\x7f\x85\x9b31m\x1b[2J\u2028done"
    cleaned, _formula = xlsx.clean_text(hostile)
    target = tmp_path / "cells.xlsx"
    book = xlsx.new_workbook(streaming=True)
    xlsx.SheetWriter(book, "Cells", [xlsx.Column("Text", xlsx.Kind.WRAP)]).write([[hostile]])
    book.save(target)
    value = openpyxl.load_workbook(target)["Cells"]["A2"].value
    assert value == cleaned
    assert not any(0x7F <= ord(c) <= 0x9F or (ord(c) < 0x20 and c != "\n") for c in value)
    assert "done" in value
