"""Where a machine transcript should not be trusted without listening: flags for the rater before scoring.

- **Repetition loop**: a phrase of one to six words said three or more times in a row inside a segment, or the
  same text in three or more consecutive segments (the speech model's classic loop).
- **Likely hallucination**: a segment whose text compresses unusually well (gzip ratio above 2.4, the threshold
  Whisper itself uses), which repetitive invented text does and natural speech does not.
- **Speech without words**: a stretch of at least three seconds where voice-activity detection heard speech but no
  segment has words.
- **Low-confidence words**: words the model gave a probability below 0.4; listed per segment.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from supervisor_app.core.transcripts import Segment, clock

MAX_NGRAM = 6
REPEATS = 3
COMPRESSION_RATIO = 2.4
COMPRESSION_MIN_CHARS = 40
MISSING_MIN_S = 3.0
LOW_CONFIDENCE = 0.4


class FlagKind(StrEnum):
    REPETITION = "repetition loop"
    HALLUCINATION = "likely hallucination"
    MISSING = "speech without words"
    LOW_CONFIDENCE = "low-confidence words"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    start_s: float
    end_s: float
    detail: str
    segment_index: int | None = None  # the segment it is about (None for a stretch between segments)

    @property
    def label(self) -> str:
        return f"{clock(self.start_s)}–{clock(self.end_s)} {self.kind.value}: {self.detail}"


def _tokens(text: str) -> list[str]:
    return [w.strip(".,!?;:\"'()").lower() for w in text.split() if w.strip(".,!?;:\"'()")]


def repeated_phrase(text: str) -> tuple[str, int] | None:
    """The longest phrase (1–6 words) said at least three times in a row, and how many times."""
    words = _tokens(text)
    best: tuple[str, int] | None = None
    for size in range(1, MAX_NGRAM + 1):
        for start in range(len(words) - size * REPEATS + 1):
            phrase = words[start:start + size]
            count = 1
            while words[start + count * size:start + (count + 1) * size] == phrase:
                count += 1
            if count >= REPEATS and (best is None or size * count > len(best[0].split()) * best[1]):
                best = (" ".join(phrase), count)
    return best


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def repetition_flags(segments: Sequence[Segment]) -> list[Flag]:
    flags = []
    for segment in segments:
        found = repeated_phrase(segment.text)
        if found is not None:
            flags.append(Flag(FlagKind.REPETITION, segment.start_s, segment.end_s,
                              f"“{found[0]}” {found[1]} times in a row", segment.index))
    run_start = 0
    for position in range(1, len(segments) + 1):
        same = (position < len(segments)
                and _tokens(segments[position].text) == _tokens(segments[run_start].text)
                and _tokens(segments[position].text))
        if not same:
            if position - run_start >= REPEATS:
                first, last = segments[run_start], segments[position - 1]
                flags.append(Flag(FlagKind.REPETITION, first.start_s, last.end_s,
                                  f"the same words in {position - run_start} segments in a row", first.index))
            run_start = position
    return flags


def hallucination_flags(segments: Sequence[Segment]) -> list[Flag]:
    return [Flag(FlagKind.HALLUCINATION, s.start_s, s.end_s,
                 f"the text repeats itself (compression ratio {compression_ratio(s.text):.1f})", s.index)
            for s in segments
            if len(s.text) >= COMPRESSION_MIN_CHARS and compression_ratio(s.text) > COMPRESSION_RATIO]


def missing_speech_flags(segments: Sequence[Segment], speech: Sequence[tuple[float, float]],
                         min_s: float = MISSING_MIN_S) -> list[Flag]:
    """Speech (from voice-activity detection) that no segment covers, in stretches of at least `min_s`."""
    covered = sorted((s.start_s, s.end_s) for s in segments if s.text.strip())
    flags = []
    for start, end in speech:
        cursor = start
        for seg_start, seg_end in covered:
            if seg_end <= cursor or seg_start >= end:
                continue
            if seg_start - cursor >= min_s:
                flags.append(Flag(FlagKind.MISSING, cursor, seg_start, "speech was heard here, no words came out"))
            cursor = max(cursor, seg_end)
        if end - cursor >= min_s:
            flags.append(Flag(FlagKind.MISSING, cursor, end, "speech was heard here, no words came out"))
    return flags


def low_confidence_flags(segments: Sequence[Segment], threshold: float = LOW_CONFIDENCE) -> list[Flag]:
    flags = []
    for segment in segments:
        unsure = [word.strip() for _start, _end, word in low_confidence_words(segment, threshold)]
        if unsure:
            flags.append(Flag(FlagKind.LOW_CONFIDENCE, segment.start_s, segment.end_s,
                              f"{len(unsure)} word{'s' if len(unsure) != 1 else ''}: {', '.join(unsure[:8])}"
                              + (" …" if len(unsure) > 8 else ""), segment.index))
    return flags


def low_confidence_words(segment: Segment, threshold: float = LOW_CONFIDENCE) -> list[tuple[float, float, str]]:
    """The segment's words below the threshold: what the flags list and the transcript draws faintly."""
    return [(start, end, word) for start, end, word, probability in segment.words if probability < threshold]


def flags(segments: Sequence[Segment], speech: Sequence[tuple[float, float]] | None = None) -> list[Flag]:
    """Every flag, in time order; without `speech` (no audio at hand) the speech-without-words check is skipped."""
    found = repetition_flags(segments) + hallucination_flags(segments) + low_confidence_flags(segments)
    if speech is not None:
        found += missing_speech_flags(segments, speech)
    return sorted(found, key=lambda f: (f.start_s, f.kind.value))
