"""Transcription speed and accuracy, side by side in one run: faster-whisper's BatchedInferencePipeline through the
app's chunked pipeline, the app's pipeline as it was (one window after the other), and raw faster-whisper on the
whole file; on about 5 and about 60 minutes of varied speech with known words (tests/benchmarks/speech_corpus.py).

    .venv/bin/pytest tests/benchmarks/test_batched_bench.py -s -o addopts=""      (about 30 minutes on 2 cores)
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import jiwer
import numpy as np
import pytest

from supervisor_app.media.decoded import PcmFile, ensure_cached
from supervisor_app.media.model import ensure_bundled_model
from supervisor_app.media.transcribe import SegmentResult, TranscriptionSettings, load_model, transcribe_source
from tests.audio_decode import decode_mono
from tests.benchmarks.conftest import print_table
from tests.benchmarks.speech_corpus import varied_speech

NORMALISE = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
SEQUENTIAL = TranscriptionSettings(batch_size=0)
DEFAULT = TranscriptionSettings()  # batched


def _wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(reference, hypothesis, reference_transform=NORMALISE, hypothesis_transform=NORMALISE))


def _app(model: object, audio: PcmFile, settings: TranscriptionSettings) -> tuple[float, str]:
    texts: list[str] = []

    def keep(segment: SegmentResult) -> None:
        texts.append(segment.text)

    started = time.perf_counter()
    transcribe_source(model, audio, settings, on_segment=keep)
    return time.perf_counter() - started, " ".join(texts)


def _raw(model: object, path: Path, settings: TranscriptionSettings) -> tuple[float, str]:
    """faster-whisper itself on the whole file decoded into one array: WhisperModel.transcribe, or
    BatchedInferencePipeline.transcribe with the same options as the app's batched default."""
    from faster_whisper import BatchedInferencePipeline

    options = {k: v for k, v in settings.decode_options().items() if v is not None}
    started = time.perf_counter()
    audio = decode_mono(path)
    engine = BatchedInferencePipeline(model) if settings.batched else model
    segments, _info = engine.transcribe(audio, **options)  # type: ignore[attr-defined]
    text = " ".join(s.text.strip() for s in segments)
    return time.perf_counter() - started, text


@pytest.mark.parametrize("minutes", [5, 60])
def test_batched_against_sequential_and_raw(minutes: int, tmp_path: Path) -> None:
    source = tmp_path / f"speech-{minutes}.wav"
    speech = varied_speech(source, minutes)
    seconds, reference = speech.seconds, speech.words
    paths_cache = tmp_path / "cache"
    pcm, _peaks = ensure_cached(source, paths_cache, f"speech{minutes}", seconds)
    audio = PcmFile(pcm)
    info = ensure_bundled_model(tmp_path / "models")
    model = load_model(info, SEQUENTIAL)
    rows, results = [], {}
    batch = DEFAULT.batch_size
    runs = [("raw faster-whisper, whole file, sequential", lambda: _raw(model, source, SEQUENTIAL)),
            ("app pipeline, sequential (until now)", lambda: _app(model, audio, SEQUENTIAL)),
            (f"raw faster-whisper, whole file, batched {batch}", lambda: _raw(model, source, DEFAULT)),
            (f"app pipeline, batched {batch} (the default now)", lambda: _app(model, audio, DEFAULT))]
    if minutes == 5:
        runs += [("app pipeline, batched 16", lambda: _app(model, audio, dataclasses.replace(DEFAULT, batch_size=16))),
                 ("app pipeline, batched 4", lambda: _app(model, audio, dataclasses.replace(DEFAULT, batch_size=4)))]
    for name, run in runs:
        elapsed, text = run()
        results[name] = (elapsed, _wer(reference, text))
    base_time, base_wer = results["app pipeline, sequential (until now)"]
    for name, (elapsed, error) in results.items():
        rows.append((name, f"{elapsed:.1f}", f"{elapsed / seconds:.3f}", f"{base_time / elapsed:.2f}",
                     f"{error:.2%}", f"{(error - base_wer) * 100:+.2f}"))
    print_table(f"Transcription of {seconds / 60:.1f} min of varied speech ({len(reference.split())} words), bundled "
                f"base model, int8, {SEQUENTIAL.cpu_threads} threads, beam 5, VAD, word timestamps; batched windows "
                f"of at most {DEFAULT.decode_options()['chunk_length']} s",
                rows, ["pipeline", "time (s)", "real-time factor", "speed-up vs app sequential", "WER",
                       "WER change (points)"])
    assert np.isfinite(base_wer)
