from __future__ import annotations

import pytest

from supervisor_app.core.drift import StancePoint, coach_drift, rater_drift, slope


def test_two_consecutive_rounds_beyond_the_threshold() -> None:
    assert rater_drift("a", [0.2, 0.6, 0.7]).flagged
    assert "two consecutive" in rater_drift("a", [0.2, 0.6, 0.7]).reason
    assert not rater_drift("b", [0.6, 0.1, -0.6, 0.2]).flagged  # beyond, but never twice in a row


def test_ewma_catches_a_creeping_drift() -> None:
    creeping = rater_drift("c", [0.3, 0.45, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.55, 1.4])
    assert creeping.flagged
    assert creeping.ewma[-1] == pytest.approx(0.3 * 1.4 + 0.7 * creeping.ewma[-2])
    assert "smoothed" in creeping.reason or "consecutive" in creeping.reason
    steady = rater_drift("d", [0.1, -0.2, 0.15, 0.0])
    assert not steady.flagged


def test_coach_advising_rising_and_score_trend() -> None:
    rising = coach_drift("Sam", {"questioning": [4, 4, 3, 2]},
                         [StancePoint(1, 9), StancePoint(3, 7), StancePoint(6, 4)])
    assert rising.advising_rising
    assert rising.score_trend["questioning"] == pytest.approx(slope([4, 4, 3, 2]))
    assert rising.score_trend["questioning"] < 0
    flat = coach_drift("Lee", {"questioning": [3, 3]}, [StancePoint(2, 8), StancePoint(1, 9), StancePoint(3, 7)])
    assert not flat.advising_rising
    assert StancePoint(0, 0).advising_share is None
