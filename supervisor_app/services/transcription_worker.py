"""The worker process behind one transcription job: `python -m supervisor_app.services.transcription_worker`.

It resumes after the last segment already saved, commits every segment as it is produced, keeps the job's
progress current (at most twice a second), tells the voices apart at the end (services.speaker_attribution:
lines split at speaker turns, named Coach, Coachee, …), and records the model, its hash, the engine version and
every setting with the transcript.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

from sqlalchemy import func, select

from supervisor_app.core.consent import Scope
from supervisor_app.errors import SupervisorError
from supervisor_app.media.decoded import PcmFile, ensure_cached
from supervisor_app.media.diarize import DiarizationError
from supervisor_app.media.transcribe import (
    SegmentResult,
    TranscriptionSettings,
    engine_version,
    load_model,
    resolve_model,
    transcribe_source,
)
from supervisor_app.paths import AppPaths, resolve_paths
from supervisor_app.services import audit, consent, speaker_attribution
from supervisor_app.services.library import recording_store
from supervisor_app.store import queue
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, Transcript, TranscriptionJob, TranscriptSegment, utc_now

PROGRESS_INTERVAL_S = 0.5
WORKER_NICENESS = 10


def _set_job(db: Database, job_id: int, **values: object) -> None:
    with db.transaction() as session:
        job = session.get(TranscriptionJob, job_id)
        if job is not None:
            for key, value in values.items():
                setattr(job, key, value)


def _prepare(db: Database, job_id: int) -> tuple[TranscriptionSettings, str, str, float, int, int]:
    """Mark the job running; return its settings, the stored file name, the hash, the resume point, the next
    index and the number of speakers to tell apart."""
    with db.transaction() as session:
        job = session.get(TranscriptionJob, job_id)
        if job is None or job.status not in ("queued", "running"):
            raise SupervisorError(f"Job {job_id} is not waiting to run.")
        recording = session.get(Recording, job.recording_id)
        assert recording is not None
        consent.check(session, recording.id, Scope.TRANSCRIBE)  # withdrawn since it was queued: it fails, in words
        transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording.id))
        resume_at, next_index = 0.0, 0
        if transcript is not None:
            last_end = session.scalar(select(func.max(TranscriptSegment.end_s))
                                      .where(TranscriptSegment.transcript_id == transcript.id))
            next_index = session.scalar(select(func.count(TranscriptSegment.id))
                                        .where(TranscriptSegment.transcript_id == transcript.id)) or 0
            resume_at = float(last_end or 0.0)
        job.status, job.worker_pid, job.started_at = "running", os.getpid(), utc_now()
        job.message = "Loading the model and decoding the audio…"
        job.attempts += 1
        job.resumed_from_s = job.progress_s = resume_at
        return (TranscriptionSettings.from_dict(job.settings), recording.stored_name, recording.sha256, resume_at,
                next_index, recording.speakers)


def run_job(db: Database, paths: AppPaths, job_id: int) -> int:
    try:
        settings, stored_name, sha256, resume_at, next_index, speakers = _prepare(db, job_id)
    except consent.ConsentMissingError as exc:
        _set_job(db, job_id, status="failed", finished_at=utc_now(), message=str(exc))
        return 1
    try:
        model_info = resolve_model(settings, paths.models_dir)
        model = load_model(model_info, settings)
        local = recording_store(db, paths).local_file(sha256, stored_name)
        pcm_path, _peaks = ensure_cached(local, paths.audio_cache_dir, sha256, 0.0)
        audio = PcmFile(pcm_path)
        with db.transaction() as session:
            job = session.get(TranscriptionJob, job_id)
            assert job is not None
            transcript = session.scalar(select(Transcript).where(Transcript.recording_id == job.recording_id))
            if transcript is None:
                transcript = Transcript(recording_id=job.recording_id, status="partial", model_name=model_info.name,
                                        model_sha256=model_info.sha256, engine_version=engine_version(),
                                        settings={**settings.as_dict(), "decode_options": settings.decode_options(),
                                                  "compute_type": settings.compute_type,
                                                  "cpu_threads": settings.cpu_threads})
                session.add(transcript)
                session.flush()
            transcript_id = transcript.id
            job.message = f"Transcribing from {resume_at:.0f} s…" if resume_at else "Transcribing…"

        index = next_index
        last_progress = 0.0

        def on_segment(segment: SegmentResult) -> None:
            nonlocal index
            with db.transaction() as session:
                session.add(TranscriptSegment(
                    transcript_id=transcript_id, idx=index, start_s=segment.start, end_s=segment.end,
                    text=segment.text, speaker="", avg_logprob=segment.avg_logprob,
                    no_speech_prob=segment.no_speech_prob,
                    words=[[w.start, w.end, w.text, w.probability] for w in segment.words],
                ))
                job = session.get(TranscriptionJob, job_id)
                if job is not None:
                    job.progress_s = segment.end
            index += 1

        def on_progress(position: float) -> None:
            nonlocal last_progress
            now = time.monotonic()
            if now - last_progress >= PROGRESS_INTERVAL_S:
                last_progress = now
                _set_job(db, job_id, progress_s=position)

        info = transcribe_source(model, audio, settings, offset_s=resume_at, on_segment=on_segment,
                                 on_progress=on_progress)
        speaker_note = _attribute(db, job_id, transcript_id, audio, speakers, settings.cpu_threads)
        with db.transaction() as session:
            transcript = session.get(Transcript, transcript_id)
            assert transcript is not None
            transcript.status, transcript.completed_at = "complete", utc_now()
            transcript.language, transcript.language_probability = info.language, info.language_probability
            count = session.scalar(select(func.count(TranscriptSegment.id))
                                   .where(TranscriptSegment.transcript_id == transcript_id)) or 0
            job = session.get(TranscriptionJob, job_id)
            assert job is not None
            job.status, job.finished_at, job.progress_s = "done", utc_now(), job.duration_s
            audit.record(session, None, "transcription.run", "recording", transcript.recording_id, {
                "job": job_id, "model": transcript.model_name, "model_sha256": transcript.model_sha256,
                "engine": transcript.engine_version, "segments": count, "language": info.language,
                "settings": {k: str(v) for k, v in transcript.settings.items()}})
            job.message = (f"{count} line{'s' if count != 1 else ''}. {speaker_note}".strip() if count
                           else "No speech found.")
        return 0
    except SupervisorError as exc:
        _set_job(db, job_id, status="failed", finished_at=utc_now(), message=str(exc))
        return 1
    except Exception as exc:  # noqa: BLE001 - the worker's last resort: the job must say why it failed
        traceback.print_exc()
        _set_job(db, job_id, status="failed", finished_at=utc_now(),
                 message=f"Transcription failed: {type(exc).__name__}: {exc}")
        return 1


def _attribute(db: Database, job_id: int, transcript_id: int, audio: PcmFile, speakers: int, threads: int) -> str:
    """Tell the voices apart and label every line; what the job's message should add about it."""
    _set_job(db, job_id, message="Telling the voices apart…")
    try:
        result = speaker_attribution.attribute_transcript(db, transcript_id, audio, speakers, threads=threads)
    except DiarizationError as exc:  # the transcript is still worth having; the speakers are named by hand
        return f"Speakers not found: {exc}"
    if result is None:
        return "Speakers kept as corrected by hand."
    return f"Speakers: {', '.join(result.speakers) or 'none'} (Coach by {result.coach_by})."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one transcription job (started by the app).")
    parser.add_argument("--db", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--job", type=int, required=True)
    args = parser.parse_args(argv)
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)  # background work yields the CPU to the window the user is working in
    db = Database(args.db)
    try:
        with queue.held_by_this_worker(db, args.job):  # the server knows this job has a live worker
            return run_job(db, resolve_paths(args.data_dir), args.job)
    except SupervisorError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
