"""Speaker attribution on the committed fixtures: share of speech correctly attributed, DER (pyannote.metrics,
no collar, overlapped speech scored) and time, for the app's diarizer and for the heuristic it replaced.

    .venv/bin/pytest tests/benchmarks/test_speaker_bench.py -s -o addopts=""
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from supervisor_app.media.diarize import FRAME_S, Diarization, diarize
from supervisor_app.media.speakers import suggest_speakers
from tests.audio_decode import decode_mono
from tests.benchmarks.conftest import print_table
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


def _heuristic(found: Case, audio: np.ndarray, speech: np.ndarray) -> Diarization:
    """The replaced heuristic, given the new diarizer's speech pieces as its segments (its best case)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], (speech >= 0).astype(int), [0]])))
    spans = [(a * FRAME_S, b * FRAME_S) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    labels = suggest_speakers(audio, spans) if found.speakers == 2 else []
    frames = np.full(len(speech), -1, dtype=np.int8)
    for (start, end), label in zip(spans, labels, strict=True):
        frames[int(start / FRAME_S):int(end / FRAME_S)] = 0 if label == "Coach" else 1
    return Diarization(frames, np.zeros(len(speech), dtype=bool), ())


def test_speaker_attribution_on_the_fixtures() -> None:
    rows, by_group = [], {}
    for found in all_cases():
        audio = decode_mono(found.audio)
        started = time.perf_counter()
        result = diarize(audio, found.speakers, threads=2)
        seconds = time.perf_counter() - started
        der = DiarizationErrorRate(collar=0.0, skip_overlap=False)(_reference(found), _annotation(result.speakers))
        old = share_correct(found, _heuristic(found, audio, result.speakers)) if found.speakers == 2 else None
        share = share_correct(found, result)
        by_group.setdefault(found.group, []).append(share)
        rows.append((found.name, found.group, found.speakers, found.noise_db or "-", f"{share:.1%}", f"{der:.1%}",
                     f"{old:.1%}" if old is not None else "-", f"{len(audio) / 16_000:.0f} s", f"{seconds:.2f} s"))
    print_table("Speaker attribution (share of speech time correctly attributed, best mapping)", rows,
                ["fixture", "set", "voices", "noise dB", "correct", "DER", "old heuristic", "audio", "time"])
    print({group: f"mean {np.mean(values):.1%}, min {min(values):.1%}" for group, values in by_group.items()})
