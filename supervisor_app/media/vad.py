"""Where the recording has speech, by the Silero voice-activity model that ships inside faster-whisper (offline):
the reference against which a transcript's silent stretches are checked. Worked through in ten-minute chunks so
memory stays flat, and kept next to the decoded audio so a recording is analysed once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from supervisor_app.files import atomic_target
from supervisor_app.media.decoded import Decoded

CHUNK_S = 600
VERSION = 1  # of the cached result: a change of model or settings is a new version


def _cache_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{key}.speech-v{VERSION}.json"


def speech_spans(decoded: Decoded, cache_dir: Path, key: str,
                 is_cancelled: Callable[[], bool] | None = None) -> list[tuple[float, float]]:
    """(start, end) seconds of every stretch of speech, merged across chunk boundaries."""
    cached = _cache_file(cache_dir, key)
    if cached.is_file():
        return [(float(a), float(b)) for a, b in json.loads(cached.read_text("utf-8"))]
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    rate = decoded.rate
    chunk = CHUNK_S * rate
    spans: list[tuple[float, float]] = []
    for offset in range(0, len(decoded.samples), chunk):
        if is_cancelled is not None and is_cancelled():
            raise InterruptedError("Voice-activity detection was cancelled.")
        audio = np.asarray(decoded.samples[offset:offset + chunk], dtype=np.float32) / 32768.0
        for found in get_speech_timestamps(audio, VadOptions(), sampling_rate=rate):
            start, end = (offset + found["start"]) / rate, (offset + found["end"]) / rate
            if spans and start - spans[-1][1] < 0.5:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    rounded = [(round(a, 3), round(b, 3)) for a, b in spans]  # the same whether computed now or read back
    with atomic_target(cached) as tmp:
        tmp.write_text(json.dumps(rounded), "utf-8")
    return rounded
