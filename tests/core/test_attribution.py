from __future__ import annotations

from supervisor_app.core.attribution import SpeakerOf, split_at_turns, voice_names


def _speaker_by_time(turns: list[tuple[float, float, int]]) -> SpeakerOf:
    def speaker_of(start: float, end: float) -> int | None:
        middle = (start + end) / 2
        return next((who for a, b, who in turns if a <= middle < b), None)
    return speaker_of


def _no_overlap(_start: float, _end: float) -> bool:
    return False


WORDS = [(0.0, 0.4, " What", 0.9), (0.4, 0.8, " made", 0.9), (0.8, 1.2, " you", 0.9), (1.2, 1.6, " stay?", 0.9),
         (2.0, 2.4, " I", 0.9), (2.4, 2.8, " liked", 0.9), (2.8, 3.2, " the", 0.9), (3.2, 3.6, " team.", 0.9)]


def test_a_segment_holding_two_turns_is_cut_where_the_voice_changes() -> None:
    lines = split_at_turns(0.0, 3.7, "What made you stay? I liked the team.", WORDS,
                           _speaker_by_time([(0.0, 1.8, 0), (1.8, 4.0, 1)]), _no_overlap)
    assert [(line.text, line.speaker) for line in lines] == [("What made you stay?", 0), ("I liked the team.", 1)]
    assert (lines[0].start_s, lines[0].end_s) == (0.0, 1.6)
    assert (lines[1].start_s, lines[1].end_s) == (2.0, 3.7)
    assert [w[2] for w in lines[1].words] == [" I", " liked", " the", " team."]


def test_one_voice_keeps_the_segment_as_it_was() -> None:
    lines = split_at_turns(0.0, 3.7, "Whisper's own text.", WORDS, _speaker_by_time([(0.0, 4.0, 1)]),
                           lambda a, b: True)
    assert [(line.text, line.speaker, line.overlap) for line in lines] == [("Whisper's own text.", 1, True)]


def test_a_stray_word_inside_a_turn_stays_with_it() -> None:
    lines = split_at_turns(0.0, 3.7, "x", WORDS, _speaker_by_time([(0.0, 2.8, 0), (2.8, 3.0, 1), (3.0, 4.0, 0)]),
                           _no_overlap)
    assert [line.speaker for line in lines] == [0]


def test_words_in_no_ones_speech_go_with_the_word_before() -> None:
    lines = split_at_turns(0.0, 3.7, "x", WORDS, _speaker_by_time([(0.0, 1.0, 0), (2.0, 4.0, 1)]), _no_overlap)
    assert [(line.text, line.speaker) for line in lines] == [("What made you stay?", 0), ("I liked the team.", 1)]


def test_a_segment_without_words_is_labelled_by_its_span() -> None:
    [line] = split_at_turns(5.0, 6.0, "Hm.", [], _speaker_by_time([(4.0, 7.0, 2)]), _no_overlap)
    assert (line.text, line.speaker, line.words) == ("Hm.", 2, ())


def test_voice_names() -> None:
    assert voice_names(2) == {0: "Coach", 1: "Coachee"}
    assert voice_names(2, coach=1) == {1: "Coach", 0: "Coachee"}
    assert voice_names(3, coach=2) == {2: "Coach", 0: "Coachee", 1: "Speaker 3"}
    assert voice_names(1) == {0: "Coach"}
