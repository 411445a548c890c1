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
    """Min and max of every PEAK_BLOCK samples of an array at hand (the cache computes them while decoding)."""
    accumulator = PeakAccumulator()
    accumulator.add(np.asarray(samples))
    return accumulator.result()


class PeakAccumulator:
    """Min and max of every PEAK_BLOCK samples, fed as the samples are decoded (no pass over the whole file)."""

    def __init__(self) -> None:
        self._carry = np.zeros(0, dtype=np.int16)
        self._blocks: list[Samples] = []

    def add(self, chunk: Samples) -> None:
        data = np.concatenate([self._carry, chunk]) if len(self._carry) else chunk
        usable = len(data) // PEAK_BLOCK * PEAK_BLOCK
        if usable:
            blocks = data[:usable].reshape(-1, PEAK_BLOCK)
            self._blocks.append(np.stack([blocks.min(axis=1), blocks.max(axis=1)], axis=1).astype(np.int16))
        self._carry = data[usable:].copy()

    def result(self) -> Samples:
        if len(self._carry):
            self._blocks.append(np.array([[self._carry.min(), self._carry.max()]], dtype=np.int16))
        return np.vstack(self._blocks) if self._blocks else np.zeros((0, 2), np.int16)


def decode_to_cache(source: Path, cache_dir: Path, key: str, duration_s: float,
                    on_progress: Callable[[float], None] | None = None,
                    is_cancelled: Callable[[], bool] | None = None) -> Decoded:
    """Decode `source` once (streaming, frame by frame) into the cache; later calls just map the file. Memory
    stays flat whatever the length: samples go to the file as they come, peaks are computed on the way."""
    pcm_path, peaks_path = ensure_cached(source, cache_dir, key, duration_s, on_progress, is_cancelled)
    samples = np.memmap(pcm_path, dtype=np.int16, mode="r")
    return Decoded(samples, RATE, np.load(peaks_path))


def ensure_cached(source: Path, cache_dir: Path, key: str, duration_s: float,
                  on_progress: Callable[[float], None] | None = None,
                  is_cancelled: Callable[[], bool] | None = None) -> tuple[Path, Path]:
    """The cache files (16 kHz mono int16 samples, peaks) for `source`, decoding it first if they are missing."""
    pcm_path, peaks_path = _paths(cache_dir, key)
    if is_cached(cache_dir, key):
        return pcm_path, peaks_path
    cache_dir.mkdir(parents=True, exist_ok=True)
    peaks = PeakAccumulator()
    with atomic_target(pcm_path) as tmp:
        with open(tmp, "wb") as out:
            try:
                container = av.open(str(source))
            except av.error.FFmpegError as exc:
                raise MediaError(f"{source.name}: cannot be decoded ({exc}).") from exc
            with container:
                stream = container.streams.audio[0]
                resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
                written = 0

                def write(frame: av.AudioFrame | None) -> None:
                    nonlocal written
                    for converted in resampler.resample(frame):
                        chunk = converted.to_ndarray().reshape(-1).astype(np.int16, copy=False)
                        out.write(chunk.tobytes())
                        peaks.add(chunk)
                        written += len(chunk)

                try:
                    for frame in container.decode(stream):
                        write(frame)
                        if on_progress and duration_s:
                            on_progress(min(written / RATE / duration_s, 1.0))
                        if is_cancelled and is_cancelled():
                            raise MediaError("Decoding cancelled.")
                except av.error.FFmpegError:
                    pass  # a damaged tail: keep what decoded
                write(None)
        if written == 0:
            raise MediaError(f"{source.name}: no audio could be decoded for playback.")
    with atomic_target(peaks_path) as tmp, open(tmp, "wb") as out:
        np.save(out, peaks.result())
    return pcm_path, peaks_path


class PcmFile:
    """The cached samples read on demand as float32 in [-1, 1], a slice at a time, through plain reads rather
    than a memory map, so that working through a three-hour recording keeps only the slice in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rate = RATE
        self._length = path.stat().st_size // 2

    def __len__(self) -> int:
        return self._length

    @property
    def duration_s(self) -> float:
        return self._length / self.rate

    def __getitem__(self, index: slice) -> npt.NDArray[np.float32]:
        start, stop, step = index.indices(self._length)
        count = max(stop - start, 0)
        samples = np.fromfile(self.path, dtype=np.int16, count=count, offset=start * 2)
        return (samples[::step].astype(np.float32) / 32768.0) if count else np.zeros(0, np.float32)

    def between(self, start_s: float, end_s: float) -> npt.NDArray[np.float32]:
        return self[int(start_s * self.rate):int(end_s * self.rate)]
