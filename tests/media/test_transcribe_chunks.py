"""Transcription in bounded chunks: the same words as one pass, cuts between words, silence never transcribed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jiwer
import numpy as np
import pytest

from supervisor_app.media.decoded import PcmFile, ensure_cached
from supervisor_app.media.model import ModelError, ensure_bundled_model
from supervisor_app.media.transcribe import (
    SILENCE_RMS,
    SegmentResult,
    TranscriptionSettings,
    _cut_point,
    load_model,
    transcribe,
    transcribe_source,
)
from tests.audio_decode import decode_mono

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"
SETTINGS = TranscriptionSettings(language="en", beam_size=1)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> object:
    return load_model(ensure_bundled_model(tmp_path_factory.mktemp("models")), SETTINGS)


def _text(segments: list[SegmentResult]) -> str:
    return " ".join(s.text for s in segments)


def test_chunks_give_the_words_of_one_pass(model: object, tmp_path: Path) -> None:
    whole: list[SegmentResult] = []
    transcribe(model, decode_mono(AUDIO / "dialogue.flac"), SETTINGS, on_segment=whole.append)
    pcm, _ = ensure_cached(AUDIO / "dialogue.flac", tmp_path, "dialogue", 0.0)
    chunked: list[SegmentResult] = []
    progress: list[float] = []
    info = transcribe_source(model, PcmFile(pcm), SETTINGS, on_segment=chunked.append, on_progress=progress.append,
                             chunk_s=12.0)
    reference = (AUDIO / "dialogue.txt").read_text()
    assert jiwer.wer(reference.lower(), _text(chunked).lower()) <= jiwer.wer(reference.lower(),
                                                                           _text(whole).lower()) + 0.10
    starts = [s.start for s in chunked]
    assert starts == sorted(starts)
    assert progress == sorted(progress)
    assert progress[-1] == pytest.approx(info.duration_s)


def test_a_resumed_run_starts_at_its_offset(model: object, tmp_path: Path) -> None:
    pcm, _ = ensure_cached(AUDIO / "dialogue.flac", tmp_path, "dialogue", 0.0)
    later: list[SegmentResult] = []
    transcribe_source(model, PcmFile(pcm), SETTINGS, offset_s=15.0, on_segment=later.append, chunk_s=12.0)
    assert later
    assert min(s.start for s in later) >= 15.0


def test_the_cut_falls_in_the_quietest_moment() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.normal(0, 0.2, 16_000 * 30)).astype(np.float32)
    audio[16_000 * 22:16_000 * 22 + 3_200] = 0.0  # 200 ms pause at 22 s
    cut = _cut_point(audio, 0, 16_000 * 25)
    assert 16_000 * 22 <= cut <= 16_000 * 22 + 3_200


@pytest.mark.parametrize("vad", [True, False])
def test_near_silence_gives_no_words_with_or_without_vad(model: object, tmp_path: Path, vad: bool) -> None:
    rng = np.random.default_rng(7)
    hiss = rng.normal(0, SILENCE_RMS / 4, 16_000 * 20).astype(np.float32)
    found: list[SegmentResult] = []
    settings = TranscriptionSettings(language="en", beam_size=1, vad_filter=vad)
    transcribe_source(model, hiss, settings, on_segment=found.append)
    assert found == []


class _InventingModel:
    """Stands in for Whisper where it invents a word ("You") over a silent stretch, to check our own guard."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def transcribe(self, audio: np.ndarray, **_options: object) -> tuple[object, object]:
        from types import SimpleNamespace

        self.calls.append(len(audio))
        spoken = SimpleNamespace(start=0.5, end=1.5, text=" Hello there", words=[], avg_logprob=-0.2,
                                 no_speech_prob=0.01)
        invented = SimpleNamespace(start=1.6, end=1.9, text=" You", words=[], avg_logprob=-0.3, no_speech_prob=0.2)
        return iter([spoken, invented]), SimpleNamespace(language="en", language_probability=0.9)


def test_words_over_silence_are_dropped_and_silent_chunks_never_reach_the_engine() -> None:
    audio = np.zeros(16_000 * 8, dtype=np.float32)
    audio[8_000:24_000] = 0.3 * np.sin(np.arange(16_000) / 5)  # a voice at 0.5–1.5 s, then silence
    engine = _InventingModel()
    found: list[SegmentResult] = []
    transcribe_source(engine, audio, TranscriptionSettings(vad_filter=False), on_segment=found.append, chunk_s=4.0)
    assert [s.text for s in found] == ["Hello there"]
    assert len(engine.calls) == 1  # the later chunks are silent and were skipped


class _TrailingYouModel(_InventingModel):
    """Whisper's habit at the end of a recording: a "You" timed from the last real word into the silence."""

    def transcribe(self, audio: np.ndarray, **_options: object) -> tuple[object, object]:
        from types import SimpleNamespace

        self.calls.append(len(audio))
        word = SimpleNamespace(start=0.5, end=1.5, word=" Hello there", probability=0.9)
        spoken = SimpleNamespace(start=0.5, end=1.5, text=" Hello there", words=[word], avg_logprob=-0.2,
                                 no_speech_prob=0.01)
        invented_word = SimpleNamespace(start=1.4, end=3.0, word=" You", probability=0.5)
        invented = SimpleNamespace(start=1.4, end=3.0, text=" You", words=[invented_word], avg_logprob=-0.4,
                                   no_speech_prob=0.2)
        return iter([spoken, invented]), SimpleNamespace(language="en", language_probability=0.9)


def test_a_word_timed_mostly_over_silence_is_dropped() -> None:
    audio = np.zeros(16_000 * 4, dtype=np.float32)
    audio[8_000:24_000] = 0.3 * np.sin(np.arange(16_000) / 5)  # a voice at 0.5–1.5 s
    found: list[SegmentResult] = []
    sequential = TranscriptionSettings(batch_size=0)  # the stand-in answers as WhisperModel.transcribe does
    transcribe_source(_TrailingYouModel(), audio, sequential, on_segment=found.append)
    assert [s.text for s in found] == ["Hello there"]


def test_batched_decoding_gives_the_words_in_order_and_resumes_at_its_offset(model: object, tmp_path: Path) -> None:
    pcm, _ = ensure_cached(AUDIO / "dialogue.flac", tmp_path, "dialogue", 0.0)
    batched = dataclasses.replace(SETTINGS, batch_size=8)
    assert (batched.decode_options()["batch_size"], batched.decode_options()["chunk_length"]) == (8, 20)
    found: list[SegmentResult] = []
    progress: list[float] = []
    transcribe_source(model, PcmFile(pcm), batched, on_segment=found.append, on_progress=progress.append)
    reference = (AUDIO / "dialogue.txt").read_text()
    assert jiwer.wer(reference.lower(), _text(found).lower()) <= 0.15
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert all(s.start <= w.start <= w.end <= s.end + 0.05 for s in found for w in s.words)
    assert progress == sorted(progress)
    later: list[SegmentResult] = []
    transcribe_source(model, PcmFile(pcm), batched, offset_s=15.0, on_segment=later.append)
    assert later
    assert min(s.start for s in later) >= 15.0


def test_batching_without_the_vad_decodes_one_window_after_the_other() -> None:
    plain = TranscriptionSettings(batch_size=8, vad_filter=False)
    assert not plain.batched
    assert "batch_size" not in plain.decode_options()
    with pytest.raises(ModelError, match="Batch size"):
        TranscriptionSettings(batch_size=33).validated()


def test_batched_decoding_of_silence_and_music_finds_no_words(model: object, tmp_path: Path) -> None:
    batched = dataclasses.replace(SETTINGS, batch_size=8)
    for name in ("silence.wav", "music.wav"):
        pcm, _ = ensure_cached(AUDIO / name, tmp_path, name, 0.0)
        found: list[SegmentResult] = []
        transcribe_source(model, PcmFile(pcm), batched, on_segment=found.append)
        assert found == [], name
