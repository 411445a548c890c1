"""Drift: raters moving towards leniency or severity over rounds, coaches' scores and stance moving over reviews.

The classic coach drift is advising/telling instead of asking; it shows in the tagged evidence of each review.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BIAS_THRESHOLD = 0.5
EWMA_WEIGHT = 0.3
ADVISING_TAG = "advised/told"
ASKING_TAG = "asked open question"


@dataclass(frozen=True)
class RaterDrift:
    rater: str
    biases: tuple[float, ...]  # bias against the master, one per round, oldest first
    ewma: tuple[float, ...]
    flagged: bool
    reason: str


def rater_drift(rater: str, biases: Sequence[float], threshold: float = BIAS_THRESHOLD,
                weight: float = EWMA_WEIGHT) -> RaterDrift:
    """Flag when |bias| exceeds the threshold in two consecutive rounds, or when its EWMA crosses it."""
    smoothed: list[float] = []
    for bias in biases:
        smoothed.append(bias if not smoothed else weight * bias + (1 - weight) * smoothed[-1])
    consecutive = any(abs(a) > threshold and abs(b) > threshold for a, b in itertools.pairwise(biases))
    crossed = bool(smoothed) and abs(smoothed[-1]) > threshold
    reason = ""
    if consecutive:
        reason = f"bias beyond ±{threshold} in two consecutive rounds"
    elif crossed:
        reason = f"smoothed bias {smoothed[-1]:+.2f} beyond ±{threshold}"
    return RaterDrift(rater, tuple(biases), tuple(smoothed), consecutive or crossed, reason)


@dataclass(frozen=True)
class StancePoint:
    advising: int
    asking: int

    @property
    def advising_share(self) -> float | None:
        total = self.advising + self.asking
        return self.advising / total if total else None


@dataclass(frozen=True)
class CoachDrift:
    coach: str
    score_trend: dict[str, float]  # competency -> slope in points per review (least squares)
    stance: tuple[StancePoint, ...]
    advising_rising: bool


def slope(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    x = np.arange(len(values), dtype=float)
    return float(np.polyfit(x, np.asarray(values, dtype=float), 1)[0])


def rises(values: Sequence[float], steps: int = 2) -> bool:
    """True when the values went up `steps` times in a row somewhere (three rising sessions for steps=2)."""
    return any(all(values[i + j] < values[i + j + 1] for j in range(steps)) for i in range(len(values) - steps))


def coach_drift(coach: str, scores: dict[str, Sequence[float]], stance: Sequence[StancePoint],
                steps: int = 2) -> CoachDrift:
    """Trend per competency, and a flag when the advising share rose across `steps` consecutive reviews."""
    shares = [p.advising_share for p in stance if p.advising_share is not None]
    return CoachDrift(coach, {c: slope(v) for c, v in scores.items()}, tuple(stance), rises(shares, steps))
