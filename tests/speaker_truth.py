"""The speaker fixtures (tests/data/speakers, made by tests/data/make_speaker_fixtures.py) and how a diarization is
scored against them: the share of reference speech attributed to the right voice under the best one-to-one
mapping of found voices to true ones (overlapped reference speech left out, missed speech counted wrong)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from supervisor_app.media.diarize import FRAME_S, Diarization

SPEAKERS = Path(__file__).resolve().parent / "data" / "speakers"


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    voices: list[str]
    noise_db: float | None
    turns: list[tuple[int, float, float]]

    @property
    def audio(self) -> Path:
        return SPEAKERS / f"{self.name}.ogg"

    @property
    def speakers(self) -> int:
        return len(self.voices)


def case(name: str) -> Case:
    data = json.loads((SPEAKERS / f"{name}.json").read_text("utf-8"))
    return Case(name, data["set"], data["voices"], data["noise_db"],
                [(t["speaker"], t["start"], t["end"]) for t in data["turns"]])


def all_cases() -> list[Case]:
    return [case(path.stem) for path in sorted(SPEAKERS.glob("*.json"))]


def reference_frames(found: Case, frames: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """The true speaker per frame (−1 silence) and where two reference turns overlap."""
    truth, both = np.full(frames, -1), np.zeros(frames, dtype=bool)
    for who, start, end in found.turns:
        span = slice(int(start / FRAME_S), int(end / FRAME_S))
        both[span] |= truth[span] >= 0
        truth[span] = who
    return truth, both


def share_correct(found: Case, result: Diarization) -> float:
    truth, both = reference_frames(found, len(result.speakers))
    counted = (truth >= 0) & ~both
    best = 0
    labels = max(found.speakers, len(result.voices))
    for mapping in itertools.permutations(range(labels), found.speakers):
        right = sum(int(((truth == true) & (result.speakers == mine) & counted).sum())
                    for true, mine in enumerate(mapping))
        best = max(best, right)
    return best / int(counted.sum())
