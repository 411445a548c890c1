"""Transcript segments split at speaker turns, word by word, and the names the voices get.

Whisper's segments follow its own 30 s windows and pauses, not turns: one segment can hold the end of the coach's
question and the start of the coachee's answer. Each word goes to the voice heard most during it; a segment is cut
wherever that voice changes, so every line of the transcript has one speaker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

COACH, COACHEE = "Coach", "Coachee"
Word = tuple[float, float, str, float]  # start, end, text (with its leading space), probability
SpeakerOf = Callable[[float, float], int | None]
OverlapOf = Callable[[float, float], bool]
MIN_RUN_S = 0.3  # a shorter run of words between two runs of one voice is that voice (a stray frame, not a turn)


@dataclass(frozen=True)
class Line:
    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...]
    speaker: int | None
    overlap: bool


def _word_speakers(words: Sequence[Word], speaker_of: SpeakerOf) -> list[int | None]:
    found = [speaker_of(w[0], w[1]) for w in words]
    known = [s for s in found if s is not None]
    if not known:
        return found
    last: int | None = known[0]
    for number, speaker in enumerate(found):  # a word in no one's speech goes with the word before it
        if speaker is None:
            found[number] = last
        else:
            last = speaker
    return found


def _runs(words: Sequence[Word], speakers: list[int | None]) -> list[tuple[int | None, list[Word]]]:
    runs: list[tuple[int | None, list[Word]]] = []
    for word, speaker in zip(words, speakers, strict=True):
        if runs and runs[-1][0] == speaker:
            runs[-1][1].append(word)
        else:
            runs.append((speaker, [word]))
    changed = True
    while changed and len(runs) > 2:
        changed = False
        for number in range(1, len(runs) - 1):
            speaker, inner = runs[number]
            before, after = runs[number - 1], runs[number + 1]
            if before[0] == after[0] != speaker and inner[-1][1] - inner[0][0] < MIN_RUN_S:
                runs[number - 1:number + 2] = [(before[0], before[1] + inner + after[1])]
                changed = True
                break
    return runs


def split_at_turns(start_s: float, end_s: float, text: str, words: Sequence[Word], speaker_of: SpeakerOf,
                   overlapped: OverlapOf) -> list[Line]:
    """The segment as one line per run of words by one voice (itself, labelled, when one voice says it all)."""
    if not words:
        return [Line(start_s, end_s, text, (), speaker_of(start_s, end_s), overlapped(start_s, end_s))]
    runs = _runs(words, _word_speakers(words, speaker_of))
    if len(runs) == 1:
        return [Line(start_s, end_s, text, tuple(words), runs[0][0], overlapped(start_s, end_s))]
    lines = []
    for number, (speaker, run) in enumerate(runs):
        first = start_s if number == 0 else run[0][0]
        last = end_s if number == len(runs) - 1 else run[-1][1]
        spoken = "".join(w[2] for w in run).strip()
        lines.append(Line(first, last, spoken, tuple(run), speaker, overlapped(first, last)))
    return lines


def voice_names(count: int, coach: int | None = None) -> dict[int, str]:
    """Names for voices numbered in the order they are first heard: the coach's voice (the first one unless the
    coach's remembered voice was recognised) is Coach, the next Coachee, any others Speaker 3, Speaker 4, …"""
    coach = 0 if coach is None else coach
    names = {coach: COACH}
    others = [voice for voice in range(count) if voice != coach]
    for number, voice in enumerate(others):
        names[voice] = COACHEE if number == 0 else f"Speaker {number + 2}"
    return names
