"""Speaker attribution on the committed fixtures: share of speech correctly attributed, DER (pyannote.metrics,
no collar, overlapped speech scored) and time.

    .venv/bin/pytest tests/benchmarks/test_speaker_bench.py -s -o addopts=""
"""

from __future__ import annotations

import itertools
import time
import tracemalloc
from pathlib import Path

import numpy as np
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from supervisor_app.media.decoded import PcmFile, ensure_cached
from supervisor_app.media.diarize import FRAME_S, diarize
from tests.audio_decode import decode_mono
from tests.benchmarks.conftest import print_table
from tests.benchmarks.speech_corpus import VOICES, varied_speech
from tests.speaker_truth import Case, all_cases, share_correct


def _annotation(labels: np.ndarray) -> Annotation:
    result = Annotation()
    edges = np.flatnonzero(np.diff(np.concatenate([[-1], labels, [-1]])) != 0)
    for start, end in itertools.pairwise(edges):
        if labels[start] >= 0:
            result[Segment(start * FRAME_S, end * FRAME_S)] = int(labels[start])
    return result


def _reference(found: Case) -> Annotation:
    result = Annotation()
    for number, (who, start, end) in enumerate(found.turns):
        result[Segment(start, end), number] = who
    return result


def test_speaker_attribution_on_the_fixtures() -> None:
    rows, by_group = [], {}
    for found in all_cases():
        audio = decode_mono(found.audio)
        started = time.perf_counter()
        result = diarize(audio, found.speakers, threads=2)
        seconds = time.perf_counter() - started
        der = DiarizationErrorRate(collar=0.0, skip_overlap=False)(_reference(found), _annotation(result.speakers))
        share = share_correct(found, result)
        by_group.setdefault(found.group, []).append(share)
        rows.append((found.name, found.group, found.speakers, found.noise_db or "-", f"{share:.1%}", f"{der:.1%}",
                     f"{len(audio) / 16_000:.0f} s", f"{seconds:.2f} s"))
    print_table("Speaker attribution (share of speech time correctly attributed, best mapping)", rows,
                ["fixture", "set", "voices", "noise dB", "correct", "DER", "audio", "time"])
    print({group: f"mean {np.mean(values):.1%}, min {min(values):.1%}" for group, values in by_group.items()})


def test_an_hour_of_four_voices(tmp_path: Path) -> None:
    """Time and peak memory (tracemalloc: Python and numpy allocations) of attributing 60 minutes, read from the
    decode cache as the worker does; and the share of speech right, four voices taking turns."""
    source = tmp_path / "hour.wav"
    speech = varied_speech(source, 60)
    seconds = speech.seconds
    pcm, _peaks = ensure_cached(source, tmp_path / "cache", "hour", seconds)
    tracemalloc.start()
    started = time.perf_counter()
    result = diarize(PcmFile(pcm), 4, threads=2)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    truth = Case("hour", "bench", [voice for voice, _pitch in VOICES], None, speech.turns)
    print_table(f"Speaker attribution of {seconds / 60:.1f} min, 4 voices taking turns", [
        (f"{elapsed:.1f} s", f"{elapsed / seconds:.4f}", f"{peak / 2**20:.0f} MiB", len(result.voices),
         f"{share_correct(truth, result):.1%}")],
        ["time", "real-time factor", "peak allocated", "voices", "correct"])
