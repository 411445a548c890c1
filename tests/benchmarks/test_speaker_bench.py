"""Speaker attribution on the committed fixtures: share of speech correctly attributed, DER (pyannote.metrics,
no collar, overlapped speech scored) and time.

    .venv/bin/pytest tests/benchmarks/test_speaker_bench.py -s -o addopts=""
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from supervisor_app.media.diarize import FRAME_S, diarize
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
