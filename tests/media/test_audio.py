from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from supervisor_app.media.audio import MediaError, probe
from supervisor_app.media.decoded import PcmFile, compute_peaks, ensure_cached
from tests.audio_decode import decode_mono
from tests.conftest import AUDIO


@pytest.mark.parametrize(("name", "container", "codec", "has_video"), [
    ("short.wav", "wav", "pcm_s16le", False),
    ("short.mp3", "mp3", "mp3", False),
    ("short.m4a", "mov,mp4,m4a,3gp,3g2,mj2", "aac", False),
    ("dialogue.flac", "flac", "flac", False),
    ("short.ogg", "ogg", "opus", False),
    ("short.opus", "ogg", "opus", False),
    ("short.webm", "matroska,webm", "opus", False),
    ("short.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "aac", True),
])
def test_probe_supported_formats(name: str, container: str, codec: str, has_video: bool) -> None:
    facts = probe(AUDIO / name)
    assert facts.container == container
    assert facts.codec.startswith(codec)
    assert facts.has_video is has_video
    assert facts.channels == 1
    expected = 33.24 if name == "dialogue.flac" else 6.0
    assert facts.duration_s == pytest.approx(expected, abs=0.05)
    assert facts.decoded_s == pytest.approx(expected, abs=0.05)
    assert facts.damage_note == ""


@pytest.mark.parametrize(("name", "message"), [
    ("empty.mp3", "the file is empty (0 bytes)"),
    ("notes.mp3", "not a readable audio or video file"),
    ("truncated.m4a", "not a readable audio or video file"),
    ("video_only.mp4", "a video with no audio stream"),
    ("archive.ogg", "not a readable audio or video file"),
    ("dialogue.txt", "unsupported file type '.txt'"),
])
def test_bad_files_are_named_and_explained(name: str, message: str) -> None:
    with pytest.raises(MediaError, match=re.escape(message)) as caught:
        probe(AUDIO / name)
    assert name in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "gone.wav")


def test_truncated_file_is_flagged_as_damaged() -> None:
    facts = probe(AUDIO / "truncated.mp3")
    assert facts.duration_s == pytest.approx(6.0, abs=0.05)
    assert facts.decoded_s < 3.0
    assert "Damaged" in facts.damage_note
    assert "truncated" in facts.damage_note


def test_cached_samples_match_a_whole_decode_slice_by_slice(tmp_path: Path) -> None:
    full = decode_mono(AUDIO / "short.ogg")
    assert len(full) == pytest.approx(6 * 16_000, abs=400)
    pcm, peaks = ensure_cached(AUDIO / "short.ogg", tmp_path, "key", 6.0)
    audio = PcmFile(pcm)
    assert len(audio) == len(full)
    assert audio.duration_s == pytest.approx(6.0, abs=0.05)
    tail = audio[32_000:]
    assert len(full) - len(tail) == 32_000
    assert np.allclose(tail, full[32_000:], atol=2 / 32768)
    assert np.allclose(audio.between(1.0, 1.5), full[16_000:24_000], atol=2 / 32768)
    assert float(abs(tail).max()) > 0.05
    streamed = np.load(peaks)
    whole = compute_peaks(np.fromfile(pcm, dtype=np.int16))
    assert np.array_equal(streamed, whole)
