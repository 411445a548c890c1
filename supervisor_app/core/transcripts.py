"""Transcripts as plain data, and the file formats they are exported to (SRT, WebVTT, text, JSON)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Segment:
    id: int
    index: int
    start_s: float
    end_s: float
    text: str
    speaker: str
    words: tuple[tuple[float, float, str, float], ...] = ()
    edited: bool = False
    overlap: bool = False  # two voices at once during this line


NEUTRAL_SPEAKERS = ("Coach", "Coachee")


def neutral_speakers(segments: Sequence[Segment]) -> list[Segment]:
    """Speaker labels that could name someone (anything but Coach/Coachee) become Speaker 1, Speaker 2, …"""
    mapping: dict[str, str] = {}
    result = []
    for segment in segments:
        label = segment.speaker
        if label and label not in NEUTRAL_SPEAKERS:
            label = mapping.setdefault(label, f"Speaker {len(mapping) + 1}")
        result.append(dataclasses.replace(segment, speaker=label))
    return result


class ExportFormat(StrEnum):
    SRT = "srt"
    VTT = "vtt"
    TXT = "txt"
    JSON = "json"


def clock(seconds: float) -> str:
    """h:mm:ss, as people read a recording's position."""
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cue_text(segment: Segment) -> str:
    text = " ".join(segment.text.split())
    speaker = f"{segment.speaker} (overlap)" if segment.overlap and segment.speaker else segment.speaker
    return f"{speaker}: {text}" if speaker else text


def to_srt(segments: Sequence[Segment], notice: str = "") -> str:
    """SRT has no comments: a notice is a first cue of no length at 0:00."""
    cues = [(_timestamp(0, ","), _timestamp(0, ","), notice)] if notice else []
    cues += [(_timestamp(s.start_s, ","), _timestamp(s.end_s, ","), _cue_text(s)) for s in segments]
    return "\n".join(f"{number}\n{start} --> {end}\n{text}\n" for number, (start, end, text) in enumerate(cues, 1))


def to_vtt(segments: Sequence[Segment], notice: str = "") -> str:
    blocks = []
    for s in segments:
        text = " ".join(s.text.split()).replace("-->", "->")
        voice = f"<v {s.speaker}>" if s.speaker else ""
        blocks.append(f"{_timestamp(s.start_s, '.')} --> {_timestamp(s.end_s, '.')}\n{voice}{text}\n")
    note = f"NOTE {notice.replace('-->', '->')}\n\n" if notice else ""
    return "WEBVTT\n\n" + note + "\n".join(blocks)


def to_txt(segments: Sequence[Segment], notice: str = "") -> str:
    return (f"# {notice}\n\n" if notice else "") + "".join(f"[{clock(s.start_s)}] {_cue_text(s)}\n" for s in segments)


def to_json(segments: Sequence[Segment], metadata: dict[str, Any]) -> str:
    payload = {
        **metadata,
        "segments": [
            {"index": s.index, "start": round(s.start_s, 3), "end": round(s.end_s, 3), "speaker": s.speaker,
             "text": s.text, "edited": s.edited, "overlap": s.overlap,
             "words": [{"start": round(w[0], 3), "end": round(w[1], 3), "word": w[2], "probability": round(w[3], 4)}
                       for w in s.words]}
            for s in segments
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def render(segments: Sequence[Segment], export_format: ExportFormat, metadata: dict[str, Any], notice: str = ""
           ) -> str:
    """The file's text; `notice` (e.g. whether it is redacted) goes where the format keeps such a remark — JSON
    carries it in its metadata."""
    if export_format is ExportFormat.SRT:
        return to_srt(segments, notice)
    if export_format is ExportFormat.VTT:
        return to_vtt(segments, notice)
    if export_format is ExportFormat.TXT:
        return to_txt(segments, notice)
    return to_json(segments, metadata)


def fts_query(text: str) -> str:
    """A user's words as a safe SQLite FTS5 query: every word must occur; the last may be a prefix."""
    words = [w.replace('"', '""') for w in text.split() if any(ch.isalnum() for ch in w)]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)
