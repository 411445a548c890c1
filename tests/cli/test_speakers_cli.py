"""Speakers from the command line: how many, found again, named once (the coach's voice remembered), forgotten."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli
from tests.speaker_truth import case

pytestmark = pytest.mark.slow
SUP = {"user": "maria", "password": "demo-supervisor"}


def test_three_speakers_found_named_and_the_voice_forgotten(demo_cli: Cli) -> None:
    code, out, err = demo_cli("import-audio", str(case("final-three").audio), "--coach", "Lena Novak", **SUP)
    assert code == 0, err
    recording = out.split("as recording ")[1].split()[0].rstrip(".")
    code, _, err = demo_cli("transcribe", recording, "--speakers", "3", **SUP)
    assert code == 0, err
    assert "Speakers: Coach, Coachee, Speaker 3 (Coach by first voice heard)" in err
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
    assert "Speaker 3: " in out
    code, out, err = demo_cli("transcript", "speaker", recording, "Coach", "Coach", **SUP)
    assert code == 0, err
    assert "Lena Novak's voice is remembered" in out
    coach_id = next(c["id"] for c in json.loads(demo_cli("coach", "list", "--json", **SUP)[1])
                    if c["name"] == "Lena Novak")
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
