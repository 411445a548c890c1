"""The naive way to get Whisper's input: the whole recording decoded into one float32 array.

The app no longer does this (it streams into the decode cache and reads slices); tests use it as the reference
that the streamed path must match, and the benchmarks as the baseline it is measured against.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

RATE = 16_000


def decode_mono(path: Path, rate: int = RATE, start_s: float = 0.0) -> npt.NDArray[np.float32]:
    """The audio as mono float32 at `rate`, from `start_s` on."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[npt.NDArray[np.float32]] = []
        try:
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except av.error.FFmpegError:
            pass  # keep what decoded before a damaged tail
        for converted in resampler.resample(None):
            chunks.append(converted.to_ndarray().reshape(-1).astype(np.float32, copy=False))
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return audio[int(start_s * rate):]
