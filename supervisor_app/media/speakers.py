"""Suggested speaker labels: two voices told apart by their average spectrum (a light, offline heuristic).

A coaching recording has two speakers. Each segment's audio is summarised by its mean log spectrum in
mel-spaced bands; two-means clustering splits the segments, and the voice that speaks first is called the coach.
The labels are suggestions that a person reviews and corrects in the transcript.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from supervisor_app.media.transcribe import AudioSource

COACH = "Coach"
COACHEE = "Coachee"
Floats = npt.NDArray[np.float64]
_FRAME = 400  # 25 ms at 16 kHz
_HOP = 160
_BANDS = 24
_PITCH_WEIGHT = 3 * _BANDS  # pitch separates voices best; the spectrum breaks ties


def _band_matrix(rate: int) -> npt.NDArray[np.float64]:
    bins = _FRAME // 2 + 1
    freqs = np.linspace(0, rate / 2, bins)
    mel = 2595 * np.log10(1 + freqs / 700)
    edges = np.linspace(mel[1], mel[-1], _BANDS + 2)
    matrix = np.zeros((_BANDS, bins))
    for band in range(_BANDS):
        low, centre, high = edges[band:band + 3]
        rising = (mel - low) / (centre - low)
        falling = (high - mel) / (high - centre)
        matrix[band] = np.clip(np.minimum(rising, falling), 0, None)
    return matrix


def _features(audio: AudioSource, spans: Sequence[tuple[float, float]], rate: int) -> Floats:
    bands = _band_matrix(rate)
    window = np.hanning(_FRAME)
    rows: list[npt.NDArray[np.float64]] = []
    for start, end in spans:
        clip = audio[int(start * rate):int(end * rate)].astype(np.float64)
        if len(clip) < _FRAME:
            clip = np.pad(clip, (0, _FRAME - len(clip)))
        frames = np.lib.stride_tricks.sliding_window_view(clip, _FRAME)[::_HOP] * window
        power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
        energy = power.sum(axis=1)
        voiced = power[energy > np.percentile(energy, 40)] if len(energy) > 4 else power
        spectrum = np.log(voiced @ bands.T + 1e-9).mean(axis=0)
        rows.append(np.concatenate([[median_log_pitch(clip, rate)] * _PITCH_WEIGHT, spectrum]))
    return np.array(rows)


def median_log_pitch(clip: Floats, rate: int) -> float:
    """Median log fundamental frequency over voiced 40 ms frames (autocorrelation peak, 60–400 Hz).

    The autocorrelation of every frame comes from one FFT over all frames at once.
    """
    size, low, high = int(0.04 * rate), rate // 400, rate // 60
    if len(clip) < size:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(clip, size)[:: size // 2]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames, n=2 * size, axis=1)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :size]
    energy = correlation[:, 0]
    lags = low + np.argmax(correlation[:, low:high], axis=1)
    peaks = correlation[np.arange(len(lags)), lags]
    voiced = (energy > 0) & (peaks > 0.5 * np.where(energy > 0, energy, 1))
    if not voiced.any():
        return 0.0
    return float(np.median(np.log(rate / lags[voiced])))


def suggest_speakers(audio: AudioSource, spans: Sequence[tuple[float, float]],
                     rate: int = 16_000) -> list[str]:
    """One label per span: COACH for the voice heard first, COACHEE for the other."""
    if len(spans) < 2:
        return [COACH] * len(spans)
    features = _features(audio, spans, rate)
    features = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9)
    first, farthest = features[0], features[int(np.argmax(((features - features[0]) ** 2).sum(axis=1)))]
    centres = np.array([first, farthest])
    assignment = np.full(len(spans), -1)
    for _iteration in range(50):
        distances = ((features[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        updated = distances.argmin(axis=1)
        if np.array_equal(updated, assignment):
            break
        assignment = updated
        for cluster in (0, 1):
            if np.any(assignment == cluster):
                centres[cluster] = features[assignment == cluster].mean(axis=0)
    coach_cluster = assignment[0]
    return [COACH if cluster == coach_cluster else COACHEE for cluster in assignment]
