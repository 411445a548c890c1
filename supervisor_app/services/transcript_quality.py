"""Transcript quality flags for the rater before scoring (see `core.transcript_quality`): from the transcript
alone, and — when the audio is at hand — stretches where voice-activity detection heard speech but no words."""

from __future__ import annotations

from collections.abc import Callable

from supervisor_app.core.transcript_quality import Flag, flags
from supervisor_app.media.decoded import decode_to_cache
from supervisor_app.media.vad import speech_spans
from supervisor_app.paths import AppPaths
from supervisor_app.services import library, transcripts
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database


def transcript_flags(db: Database, actor: Actor, paths: AppPaths, recording_id: int, *, listen: bool = True,
                     is_cancelled: Callable[[], bool] | None = None) -> list[Flag]:
    """Every flag in time order. `listen`: also decode the recording (once, cached) and run voice-activity
    detection (once, cached) to find speech the transcript has no words for."""
    view = transcripts.get_transcript(db, actor, recording_id)
    speech = None
    if listen:
        source = library.playback_source(db, actor, paths, recording_id, is_cancelled=is_cancelled)
        decoded = decode_to_cache(source.path, paths.audio_cache_dir, source.cache_key, source.duration_s,
                                  is_cancelled=is_cancelled)
        speech = speech_spans(decoded, paths.audio_cache_dir, source.cache_key, is_cancelled)
    return flags(view.segments, speech)
