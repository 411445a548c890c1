"""Offline transcription and the transcripts it makes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import signal
import sys
import time
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, bounded_int, group, index_list, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say, visible
from supervisor_app.core.transcripts import ExportFormat, clock, render
from supervisor_app.errors import ValidationError
from supervisor_app.media.model import ensure_bundled_model
from supervisor_app.media.transcribe import COMPUTE_TYPES, TranscriptionSettings
from supervisor_app.services import library, speaker_attribution, transcript_quality, transcription, transcripts
from supervisor_app.settings import SettingKey, Settings


def _settings_from_args(ctx: Context) -> TranscriptionSettings:
    a = ctx.args
    stored = Settings(ctx.paths.settings_file).get(SettingKey.TRANSCRIPTION)
    base = TranscriptionSettings.from_dict(stored) if isinstance(stored, dict) else TranscriptionSettings()
    overrides: dict[str, Any] = {}
    for name in ("model", "language", "compute_type", "threads", "beam_size", "batch_size"):
        if getattr(a, name) is not None:
            overrides[name] = getattr(a, name)
    if a.no_vad:
        overrides["vad_filter"] = False
    if a.no_word_timestamps:
        overrides["word_timestamps"] = False
    return dataclasses.replace(base, **overrides).validated()


def _progress_line(job: transcription.JobRow) -> str:
    eta = job.eta_seconds(dt.datetime.now(dt.UTC))
    eta_text = f", about {clock(eta)} left" if eta is not None else ""
    return visible(f"job {job.id} {job.recording_name}: {job.status} {job.fraction:4.0%} "
                   f"({clock(job.progress_s)} of {clock(job.duration_s)}{eta_text})")


def cmd_transcribe(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    settings = _settings_from_args(ctx)
    if settings.model == "bundled":
        ensure_bundled_model(ctx.paths.models_dir)
    transcription.recover_interrupted(db)
    ids = library.recording_ids(db, actor) if ctx.args.all else ctx.args.recordings
    if not ids:
        raise ValidationError("Name the recordings to transcribe (ids), or pass --all.")
    if ctx.args.all:
        ids = [r.id for r in library.recording_rows(db, actor, ids)
               if r.transcript_status in ("not transcribed", "failed", "interrupted")]
    if ctx.args.speakers is not None:
        for recording_id in ids:
            speaker_attribution.set_speaker_count(db, actor, recording_id, ctx.args.speakers)
    jobs = transcription.enqueue(db, actor, ids, settings, replace=ctx.args.replace)
    pending = set(jobs) | {j.id for j in transcription.list_jobs(db, actor, active_only=True)
                           if j.recording_id in ids}
    runner = transcription.TranscriptionRunner(db, ctx.paths, ctx.url)
    interactive = sys.stderr.isatty()
    last_shown: dict[int, str] = {}
    failed = 0
    try:
        while pending:
            runner.poll()
            for job_id in sorted(pending):
                job = transcription.get_job(db, actor, job_id)
                line = _progress_line(job)
                if job.status in ("done", "failed", "cancelled"):
                    pending.discard(job_id)
                    failed += job.status != "done"
                    start = "\r" if interactive else ""
                    print(f"{start}" + visible(f"job {job.id} {job.recording_name}: {job.status}. {job.message}")
                          .ljust(100), file=sys.stderr)
                elif interactive:
                    print(f"\r{line}".ljust(100), end="", file=sys.stderr, flush=True)
                elif last_shown.get(job_id) != f"{job.status}{int(job.fraction * 10)}":
                    last_shown[job_id] = f"{job.status}{int(job.fraction * 10)}"
                    print(line, file=sys.stderr)
            time.sleep(0.25)
    except KeyboardInterrupt:
        for job_id in pending:
            transcription.cancel(db, actor, job_id)
        runner.poll()
        runner.shutdown()
        raise
    return 1 if failed else 0


RECOVERY_INTERVAL_S = 30.0


def _stop_on_terminate() -> None:
    """A service manager's SIGTERM stops the worker like Ctrl+C: the job in progress goes back to the queue."""
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def cmd_worker(ctx: Context) -> int:
    """Work the (shared) transcription queue until stopped, or with --once until it is empty."""
    actor = ctx.actor()
    db = ctx.database()
    transcription.list_jobs(db, actor, active_only=True)  # refuses a user who may not transcribe, in words
    ensure_bundled_model(ctx.paths.models_dir)
    runner = transcription.TranscriptionRunner(db, ctx.paths, ctx.url)
    say(f"Working the transcription queue of {db.describe()} as {actor.username}; Ctrl+C stops (a job in "
        "progress goes back to the queue and resumes where it stopped).")
    _stop_on_terminate()
    last_recovery = -RECOVERY_INTERVAL_S
    current: int | None = None
    try:
        while True:
            if time.monotonic() - last_recovery >= RECOVERY_INTERVAL_S:
                for job_id in transcription.recover_interrupted(db):
                    say(f"job {job_id}: its worker had stopped; queued again.")
                last_recovery = time.monotonic()
            runner.poll()
            if runner.current_job != current:
                if current is not None:
                    job = transcription.get_job(db, actor, current)
                    say(visible(f"job {job.id} {job.recording_name}: {job.status}. {job.message}"))
                current = runner.current_job
                if current is not None:
                    say(visible(f"job {current}: started."))
            if ctx.args.once and current is None and not any(
                    j.status == "queued" for j in transcription.list_jobs(db, actor, active_only=True)):
                return 0
            time.sleep(1.0)
    except KeyboardInterrupt:
        runner.shutdown()
        say("Stopped.")
        return 0


def cmd_transcript_show(ctx: Context) -> int:
    view = transcripts.get_transcript(ctx.database(), ctx.actor(), ctx.args.recording)
    print(f"Transcript: {view.review_state}; {'redacted' if view.redacted else 'unredacted'} "
          f"({view.redaction}).", file=sys.stderr)
    print(visible(render(view.segments, ExportFormat.TXT, view.metadata())), end="")
    return 0


def cmd_transcript_export(ctx: Context) -> int:
    target = Path(ctx.args.out) if ctx.args.out else None
    content = transcripts.export(ctx.database(), ctx.actor(), ctx.args.recording, ExportFormat(ctx.args.format),
                                 target, redacted=not ctx.args.raw)
    if target is None:
        print(visible(content), end="")
    else:
        say(f"Written {target}.")
    return 0


def cmd_transcript_search(ctx: Context) -> int:
    hits = transcripts.search(ctx.database(), ctx.actor(), ctx.args.query)
    if ctx.args.json:
        print_json([dataclasses.asdict(h) for h in hits])
    else:
        print_table(["recording", "at", "speaker", "text", "coach", "file"],
                    [(h.recording_id, clock(h.start_s), h.speaker, h.text, h.coach_name, h.recording_name)
                     for h in hits])
    return 0


def cmd_transcript_confirm(ctx: Context) -> int:
    view = transcripts.confirm(ctx.database(), ctx.actor(), ctx.args.recording)
    say(f"Transcript of recording {view.recording_id}: {view.review_state}.")
    return 0


def cmd_transcript_history(ctx: Context) -> int:
    entries = transcripts.edit_history(ctx.database(), ctx.actor(), ctx.args.recording)
    print_table(["when", "who", "segment", "field", "was", "now"],
                [(e.at, e.user, e.segment_index, e.field, e.old_value, e.new_value) for e in entries])
    return 0


def cmd_transcript_speaker(ctx: Context) -> int:
    pairs = ctx.args.names
    if len(pairs) % 2:
        raise ValidationError("Give the speakers in pairs, OLD NEW (e.g. Coach \"Lena Novak\"; Coach Coachee "
                              "Coachee Coach swaps them).", field="names")
    names = dict(zip(pairs[::2], pairs[1::2], strict=True))
    print(transcripts.name_speakers(ctx.database(), ctx.actor(), ctx.args.recording, names).describe())
    return 0


def cmd_transcript_speakers(ctx: Context) -> int:
    interactive = sys.stderr.isatty()

    def progress(fraction: float) -> None:
        if interactive:
            print(f"\rTelling the voices apart… {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    result = speaker_attribution.reattribute(ctx.database(), ctx.actor(), ctx.paths, ctx.args.recording,
                                             ctx.args.count, on_progress=progress)
    if interactive:
        print(file=sys.stderr)
    if ctx.args.json:
        print_json(dataclasses.asdict(result))
    else:
        print(result.describe())
    return 0


def _segment_ids(ctx: Context, indexes: tuple[int, ...]) -> list[int]:
    """Segments are named by their number in `transcript show` (0, 1, 2, …)."""
    segments = {s.index: s.id for s in transcripts.get_transcript(ctx.database(), ctx.actor(),
                                                                   ctx.args.recording).segments}
    missing = [str(i) for i in indexes if i not in segments]
    if missing:
        raise ValidationError(f"Recording {ctx.args.recording} has no segment {', '.join(missing)}; it has "
                              f"{len(segments)} (numbered from 0).")
    return [segments[i] for i in indexes]


def cmd_transcript_edit(ctx: Context) -> int:
    [segment_id] = _segment_ids(ctx, (ctx.args.segment,))
    segment = transcripts.edit_text(ctx.database(), ctx.actor(), segment_id, ctx.args.text)
    say(f"Segment {segment.index} ({clock(segment.start_s)}–{clock(segment.end_s)}) now reads: {segment.text}")
    return 0


def cmd_transcript_label(ctx: Context) -> int:
    ids = _segment_ids(ctx, ctx.args.segments)
    changed = transcripts.set_speaker(ctx.database(), ctx.actor(), ids, ctx.args.speaker)
    print(f"{changed} segment{'s' if changed != 1 else ''} relabelled.")
    return 0


def cmd_job_list(ctx: Context) -> int:
    rows = transcription.list_jobs(ctx.database(), ctx.actor(), active_only=not ctx.args.all)
    if ctx.args.json:
        print_json([{**dataclasses.asdict(r), "fraction": r.fraction} for r in rows])
    else:
        print_table(["job", "recording", "status", "done", "message"],
                    [(r.id, r.recording_name, r.status, f"{r.fraction:.0%}", r.message) for r in rows])
    return 0


def cmd_job_cancel(ctx: Context) -> int:
    transcription.cancel(ctx.database(), ctx.actor(), ctx.args.job)
    print(f"Job {ctx.args.job} cancelled (a running job stops within a moment; what it saved is kept).")
    return 0


def cmd_transcript_flags(ctx: Context) -> int:
    found = transcript_quality.transcript_flags(ctx.database(), ctx.actor(), ctx.paths, ctx.args.recording,
                                                listen=not ctx.args.no_audio)
    if ctx.args.json:
        print_json([dataclasses.asdict(f) | {"kind": f.kind.value} for f in found])
        return 0
    if not found:
        say("Nothing flagged" + (" (speech without words not checked: --no-audio)." if ctx.args.no_audio else "."))
        return 0
    say(f"{len(found)} place{'s' if len(found) != 1 else ''} to listen to before scoring:")
    print_table(["from", "to", "flag", "detail"], [(clock(f.start_s), clock(f.end_s), f.kind.value, f.detail)
                                                  for f in found])
    return 0


def register(sub: Any) -> None:
    transcribe = add(sub, "transcribe", cmd_transcribe, "transcribe recordings offline (faster-whisper)")
    worker = add(sub, "worker", cmd_worker, "work the transcription queue headless (on a team server, next to "
                                            "the laptops: jobs are shared)")
    worker.add_argument("--once", action="store_true", help="stop when the queue is empty")
    transcribe.add_argument("recordings", nargs="*", type=record_id, metavar="RECORDING")
    transcribe.add_argument("--all", action="store_true", help="every recording without a transcript")
    transcribe.add_argument("--replace", action="store_true", help="replace existing transcripts")
    transcribe.add_argument("--model", help="'bundled' (default), a CTranslate2 model folder, or a model name")
    transcribe.add_argument("--language", help="language code such as en (default: detect)")
    transcribe.add_argument("--compute-type", choices=COMPUTE_TYPES,
                            help="how the model computes: int8 (default) is fastest on a laptop's CPU")
    transcribe.add_argument("--threads", type=bounded_int(0, 64), help="CPU threads (0: all cores)")
    transcribe.add_argument("--beam-size", type=bounded_int(1, 10),
                            help="how many candidate transcriptions the model weighs (1–10; default 5)")
    transcribe.add_argument("--batch-size", type=bounded_int(0, 32),
                            help="30 s windows of speech decoded side by side (0: one after the other); needs the VAD")
    transcribe.add_argument("--no-vad", action="store_true", help="do not skip silence (VAD filter off)")
    transcribe.add_argument("--no-word-timestamps", action="store_true")
    transcribe.add_argument("--speakers", type=bounded_int(1, 8),
                            help="how many people speak in these recordings (default: as set per recording, 2)")

    transcript = group(sub, "transcript", "transcripts")
    show_transcript = add(transcript, "show", cmd_transcript_show, "print a transcript with timestamps")
    show_transcript.add_argument("recording", type=record_id)
    export = add(transcript, "export", cmd_transcript_export, "export a transcript as SRT, WebVTT, text or JSON")
    export.add_argument("recording", type=record_id)
    export.add_argument("--format", choices=[f.value for f in ExportFormat], required=True)
    export.add_argument("--out", help="file to write (default: print)")
    export.add_argument("--raw", action="store_true",
                        help="unredacted, for supervisors only (the file says so); default: redacted")
    quality = add(transcript, "flags", cmd_transcript_flags, "where the transcript should not be trusted without "
                  "listening: repetition loops, likely hallucination, speech without words, low-confidence words")
    quality.add_argument("recording", type=record_id)
    quality.add_argument("--no-audio", action="store_true",
                         help="from the text alone (skips voice-activity detection on the recording)")
    quality.add_argument("--json", action="store_true")
    search = add(transcript, "search", cmd_transcript_search, "search every transcript")
    search.add_argument("query")
    search.add_argument("--json", action="store_true")
    confirm = add(transcript, "confirm", cmd_transcript_confirm, "confirm that a person has checked the machine-made "
                                                                 "transcript and its speaker labels")
    confirm.add_argument("recording", type=record_id)
    history = add(transcript, "history", cmd_transcript_history, "every correction made to a transcript")
    history.add_argument("recording", type=record_id)
    speaker = add(transcript, "speaker", cmd_transcript_speaker,
                  "name the voices throughout a transcript: OLD NEW pairs, applied together (so a pair each way "
                  "swaps two labels)")
    speaker.add_argument("recording", type=record_id)
    speaker.add_argument("names", nargs="+", metavar="OLD NEW")
    speakers = add(transcript, "speakers", cmd_transcript_speakers,
                   "tell the voices apart again and relabel every line (a transcript nobody has corrected)")
    speakers.add_argument("recording", type=record_id)
    speakers.add_argument("--count", type=bounded_int(1, 8), help="how many people speak (kept for the recording)")
    speakers.add_argument("--json", action="store_true")
    edit = add(transcript, "edit", cmd_transcript_edit, "correct one segment's words (its times stay)")
    edit.add_argument("recording", type=record_id)
    edit.add_argument("segment", type=bounded_int(0, 10_000_000), help="segment number, as `transcript show` "
                                                                          "counts from 0")
    edit.add_argument("--text", required=True)
    label = add(transcript, "label", cmd_transcript_label, "set the speaker of some segments")
    label.add_argument("recording", type=record_id)
    label.add_argument("--segments", required=True, type=index_list, metavar="N,N,...")
    label.add_argument("--speaker", required=True, help="e.g. Coach or Coachee")

    job = group(sub, "job", "transcription jobs")
    job_list = add(job, "list", cmd_job_list, "queued and running jobs (--all: finished ones too)")
    job_list.add_argument("--all", action="store_true")
    job_list.add_argument("--json", action="store_true")
    job_cancel = add(job, "cancel", cmd_job_cancel, "cancel a queued or running job")
    job_cancel.add_argument("job", type=record_id)
