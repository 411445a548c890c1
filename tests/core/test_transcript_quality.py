"""Transcript quality flags on constructed transcripts that trigger each one (and texts that must not)."""

from __future__ import annotations

from supervisor_app.core.transcript_quality import (
    FlagKind,
    compression_ratio,
    flags,
    low_confidence_words,
    missing_speech_flags,
    repeated_phrase,
)
from supervisor_app.core.transcripts import Segment


def seg(index: int, start: float, end: float, text: str,
        words: tuple[tuple[float, float, str, float], ...] = ()) -> Segment:
    return Segment(index, index, start, end, text, "Coach", words)


def test_a_looped_phrase_and_a_looped_segment() -> None:
    assert repeated_phrase("I think, I think, I think we should go") == ("i think", 3)
    assert repeated_phrase("Thank you. Thank you. Thank you. Thank you.") == ("thank you", 4)
    assert repeated_phrase("We will, we will see") is None  # twice is speech, not a loop
    assert repeated_phrase("very very good") is None
    looped = [seg(0, 0, 2, "What do you want?"), *(seg(i, i * 2.0, i * 2.0 + 2, "Thanks for watching.")
                                                for i in range(1, 5))]
    found = [f for f in flags(looped) if f.kind is FlagKind.REPETITION]
    assert [(f.start_s, f.end_s, f.detail) for f in found] == [(2.0, 10.0, "the same words in 4 segments in a row")]


def test_repetitive_text_compresses_too_well_natural_speech_does_not() -> None:
    natural = "I want to get better at delegating, my team keep springing every decision back to me."
    invented = "and then we went to the and then we went to the and then we went to the and then we went"
    assert compression_ratio(natural) < 2.4 < compression_ratio(invented)
    kinds = {f.kind for f in flags([seg(0, 0, 5, natural), seg(1, 5, 10, invented)])}
    assert FlagKind.HALLUCINATION in kinds
    assert flags([seg(0, 0, 5, natural)]) == []


def test_low_confidence_words_are_listed_and_can_be_shown_faintly() -> None:
    words = ((0.0, 0.4, " The", 0.95), (0.4, 0.9, " quarterly", 0.31), (0.9, 1.2, " plan", 0.12))
    [flag] = flags([seg(0, 0, 1.2, "The quarterly plan", words)])
    assert (flag.kind, flag.detail) == (FlagKind.LOW_CONFIDENCE, "2 words: quarterly, plan")
    assert low_confidence_words(seg(0, 0, 1.2, "", words)) == [(0.4, 0.9, " quarterly"), (0.9, 1.2, " plan")]


def test_speech_without_words_between_and_after_segments() -> None:
    segments = [seg(0, 0.0, 4.0, "Hello."), seg(1, 12.0, 15.0, "Right.")]
    speech = [(0.0, 20.0), (30.0, 31.0)]
    found = missing_speech_flags(segments, speech)
    assert [(f.start_s, f.end_s) for f in found] == [(4.0, 12.0), (15.0, 20.0)]  # 1 s of speech is too short
    assert missing_speech_flags(segments, []) == []  # silence is never flagged
    assert all(f.kind is not FlagKind.MISSING for f in flags(segments))  # without audio: not checked
