"""Speakers from the command line: how many, found again, named once (the coach's voice remembered), forgotten."""

from __future__ import annotations

import json

import pytest

from supervisor_app.paths import AppPaths
from supervisor_app.store.db import Database
from tests.cli.conftest import Cli

pytestmark = pytest.mark.slow
SUP = {"user": "maria", "password": "demo-supervisor"}


@pytest.fixture
def transcribed_cli(transcribed: tuple[Database, AppPaths], capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI over a data folder whose recording 1 (the dialogue fixture, coach Daniel Fischer) is transcribed
    and whose queue is empty."""
    return Cli(transcribed[1].data_dir, capsys, monkeypatch)


def test_speakers_counted_found_named_and_the_voice_forgotten(transcribed_cli: Cli) -> None:
    demo_cli, recording = transcribed_cli, "1"
    code, _, err = demo_cli("transcribe", recording, "--replace", "--speakers", "1", **SUP)
    assert code == 0, err
    assert "Speakers: Coach (Coach by first voice heard)" in err
    code, out, err = demo_cli("transcript", "speakers", recording, "--count", "2", "--json", **SUP)
    assert code == 0, err
    result = json.loads(out)
    assert set(result["speakers"]) == {"Coach", "Coachee"}
    assert result["coach_by"] == "first voice heard"
    code, out, _ = demo_cli("transcript", "speakers", recording, "--count", "3", **SUP)
    assert code == 0
    assert "Speaker 3" in out
    code, out, _ = demo_cli("transcript", "show", recording, **SUP)
    assert "Coach: " in out
    code, out, err = demo_cli("transcript", "speaker", recording, "Coach", "Coach", **SUP)
    assert code == 0, err
    assert "Daniel Fischer's voice is remembered" in out
    coach_id = next(c["id"] for c in json.loads(demo_cli("coach", "list", "--json", **SUP)[1])
                    if c["name"] == "Daniel Fischer")
    code, out, _ = demo_cli("coach", "forget-voice", str(coach_id), **SUP)
    assert (code, out.strip()) == (0, f"Coach {coach_id}'s remembered voice is deleted.")
    code, out, _ = demo_cli("coach", "forget-voice", str(coach_id), **SUP)
    assert "has no remembered voice" in out


def test_bad_speaker_requests_are_refused_in_words(demo_cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        demo_cli("transcript", "speakers", "1", "--count", "9", **SUP)
    assert stopped.value.code == 2
    assert "9 is outside 1–8" in capsys.readouterr().err
    code, _, err = demo_cli("transcript", "speakers", "999", **SUP)
    assert code == 1
    assert "999" in err
    code, _, err = demo_cli("transcript", "speakers", "1", user="aisha", password="demo-rater")
    assert code == 1
    assert "may not" in err
