from __future__ import annotations

import json

from supervisor_app.core.transcripts import ExportFormat, Segment, clock, fts_query, neutral_speakers, render

SEGMENTS = (
    Segment(1, 0, 0.21, 5.33, "Thanks for making time today.", "Coach", ((0.21, 0.6, " Thanks", 0.9),)),
    Segment(2, 1, 3725.5, 3730.0, "I want --> to delegate.", "Coachee"),
)


def test_clock() -> None:
    assert clock(0) == "0:00:00"
    assert clock(3725.5) == "1:02:06"


def test_srt() -> None:
    assert render(SEGMENTS, ExportFormat.SRT, {}) == (
        "1\n00:00:00,210 --> 00:00:05,330\nCoach: Thanks for making time today.\n\n"
        "2\n01:02:05,500 --> 01:02:10,000\nCoachee: I want --> to delegate.\n"
    )


def test_vtt_escapes_the_cue_arrow_and_names_voices() -> None:
    text = render(SEGMENTS, ExportFormat.VTT, {})
    assert text.startswith("WEBVTT\n\n00:00:00.210 --> 00:00:05.330\n<v Coach>Thanks for making time today.\n")
    assert "<v Coachee>I want -> to delegate." in text


def test_txt_and_json() -> None:
    assert render(SEGMENTS, ExportFormat.TXT, {}).splitlines()[1] == "[1:02:06] Coachee: I want --> to delegate."
    payload = json.loads(render(SEGMENTS, ExportFormat.JSON, {"model": "m"}))
    assert payload["model"] == "m"
    assert payload["segments"][0]["words"] == [{"start": 0.21, "end": 0.6, "word": " Thanks", "probability": 0.9}]


def test_fts_query_is_safe_for_any_input() -> None:
    assert fts_query("team meet") == '"team" "meet"*'
    assert fts_query('say "NEAR" OR x*') == '"say" """NEAR""" "OR" "x*"*'
    assert fts_query("  -- ** ") == ""


def test_neutral_speakers_hide_names() -> None:
    named = (Segment(1, 0, 0, 1, "Hi", "Maria"), Segment(2, 1, 1, 2, "Hello", "Coachee"),
             Segment(3, 2, 2, 3, "So", "Maria"), Segment(4, 3, 3, 4, "Yes", "Sam Ito"))
    assert [s.speaker for s in neutral_speakers(named)] == ["Speaker 1", "Coachee", "Speaker 1", "Speaker 2"]
