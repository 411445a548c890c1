"""Each recording decoded once into a cache the player and the waveform share: 16 kHz mono int16, memory-mapped.

A 90-minute recording is 170 MB on disk and never sits in RAM; waveform peaks (min/max per 256 samples) are
computed once from it and kept beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from supervisor_app.files import atomic_target
from supervisor_app.media.audio import MediaError

RATE = 16_000
PEAK_BLOCK = 256
Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Decoded:
    samples: Samples
    rate: int
    peaks: Samples  # shape (blocks, 2): min and max of each PEAK_BLOCK samples

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate


def _paths(cache_dir: Path, key: str) -> tuple[Path, Path]:
    return cache_dir / f"{key}.pcm16", cache_dir / f"{key}.peaks.npy"


def is_cached(cache_dir: Path, key: str) -> bool:
    pcm, peaks = _paths(cache_dir, key)
    return pcm.is_file() and peaks.is_file()


def compute_peaks(samples: Samples) -> Samples:
    """Min and max of every block, in one pass over the memory map."""
    usable = len(samples) // PEAK_BLOCK * PEAK_BLOCK
    blocks = np.asarray(samples[:usable]).reshape(-1, PEAK_BLOCK)
    peaks = np.stack([blocks.min(axis=1), blocks.max(axis=1)], axis=1) if usable else np.zeros((0, 2), np.int16)
    if usable < len(samples):
        tail = np.asarray(samples[usable:])
        peaks = np.vstack([peaks, [[tail.min(), tail.max()]]]).astype(np.int16)
    return peaks.astype(np.int16, copy=False)


def decode_to_cache(source: Path, cache_dir: Path, key: str, duration_s: float,
                    on_progress: Callable[[float], None] | None = None,
                    is_cancelled: Callable[[], bool] | None = None) -> Decoded:
    """Decode `source` once (streaming, frame by frame) into the cache; later calls just map the file."""
    pcm_path, peaks_path = _paths(cache_dir, key)
    if not is_cached(cache_dir, key):
        cache_dir.mkdir(parents=True, exist_ok=True)
        with atomic_target(pcm_path) as tmp, open(tmp, "wb") as out:
            try:
                container = av.open(str(source))
            except av.error.FFmpegError as exc:
                raise MediaError(f"{source.name}: cannot be decoded ({exc}).") from exc
            with container:
                stream = container.streams.audio[0]
                resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
                written = 0
                try:
                    for frame in container.decode(stream):
                        for converted in resampler.resample(frame):
                            chunk = converted.to_ndarray().reshape(-1).astype(np.int16, copy=False)
                            out.write(chunk.tobytes())
                            written += len(chunk)
                        if on_progress and duration_s:
                            on_progress(min(written / RATE / duration_s, 1.0))
                        if is_cancelled and is_cancelled():
                            raise MediaError("Decoding cancelled.")
                except av.error.FFmpegError:
                    pass  # a damaged tail: keep what decoded
                for converted in resampler.resample(None):
                    out.write(converted.to_ndarray().reshape(-1).astype(np.int16, copy=False).tobytes())
        if pcm_path.stat().st_size == 0:
            pcm_path.unlink()
            raise MediaError(f"{source.name}: no audio could be decoded for playback.")
        samples = np.memmap(pcm_path, dtype=np.int16, mode="r")
        with atomic_target(peaks_path) as tmp, open(tmp, "wb") as out:
            np.save(out, compute_peaks(samples))
    samples = np.memmap(pcm_path, dtype=np.int16, mode="r")
    return Decoded(samples, RATE, np.load(peaks_path))
