"""The recording library: import, list, edit, remove."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, date, group, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say, visible
from supervisor_app.core.transcripts import clock
from supervisor_app.errors import SupervisorError, ValidationError
from supervisor_app.services import coaches, library
from supervisor_app.services.context import Actor


def _recording_input(ctx: Context, actor: Actor, current: library.RecordingInput | None) -> library.RecordingInput:
    a = ctx.args
    coach_id = coaches.find_coach(ctx.database(), actor, a.coach).id if a.coach else None
    if current is None:
        assert coach_id is not None
        return library.RecordingInput(coach_id, a.coachee or "", a.date)
    return library.RecordingInput(coach_id or current.coach_id,
                                  current.coachee_pseudonym if a.coachee is None else a.coachee,
                                  current.session_date if a.date is None else a.date)


def cmd_import_audio(ctx: Context) -> int:
    actor = ctx.actor()
    data = _recording_input(ctx, actor, None)
    failures = 0
    for name in ctx.args.files:
        try:
            outcome = library.import_recording(ctx.database(), actor, ctx.paths, Path(name), data)
        except SupervisorError as exc:
            failures += 1
            print(f"error: {visible(str(exc))}", file=sys.stderr)
            continue
        say(outcome.message)
    return 1 if failures else 0


def cmd_recording_list(ctx: Context) -> int:
    rows = library.list_recordings(ctx.database(), ctx.actor(), search=ctx.args.search or "")
    if ctx.args.json:
        print_json([dataclasses.asdict(r) for r in rows])
    else:
        print_table(["id", "file", "coach", "coachee", "date", "length", "transcript", "note"],
                    [(r.id, r.original_name, r.coach_name, r.coachee_pseudonym, r.session_date, clock(r.duration_s),
                      r.transcript_status, r.damage_note) for r in rows])
    return 0


def cmd_recording_edit(ctx: Context) -> int:
    actor = ctx.actor()
    current = library.get_recording(ctx.database(), actor, ctx.args.id)
    row = library.update_recording(ctx.database(), actor, current.id,
                                   _recording_input(ctx, actor, current.as_input()))
    say(f"Recording {row.id}: coach {row.coach_name}, coachee {row.coachee_pseudonym or '—'}, "
        f"date {row.session_date or '—'}.")
    return 0


def cmd_recording_remove(ctx: Context) -> int:
    if not ctx.args.yes:
        raise ValidationError("Removing deletes the recording, its transcript and its file; add --yes to confirm.")
    library.remove_recording(ctx.database(), ctx.actor(), ctx.paths, ctx.args.id, ctx.args.reason or "")
    print(f"Recording {ctx.args.id} removed.")
    return 0


def _recording_fields(parser: argparse.ArgumentParser, *, coach_required: bool) -> None:
    parser.add_argument("--coach", required=coach_required, help="coach id, employee id or full name")
    parser.add_argument("--coachee", help="the coachee's pseudonym (never a real name)")
    parser.add_argument("--date", type=date, help="session date, YYYY-MM-DD")


def register(sub: Any) -> None:
    import_audio = add(sub, "import-audio", cmd_import_audio, "import recordings into the library")
    import_audio.add_argument("files", nargs="+", metavar="FILE")
    _recording_fields(import_audio, coach_required=True)

    recording = group(sub, "recording", "recordings in the library")
    recording_list = add(recording, "list", cmd_recording_list, "list recordings")
    recording_list.add_argument("--search", help="coach, coachee or file name")
    recording_list.add_argument("--json", action="store_true")
    recording_edit = add(recording, "edit", cmd_recording_edit, "change a recording's coach, coachee or date")
    recording_edit.add_argument("id", type=record_id)
    _recording_fields(recording_edit, coach_required=False)
    recording_remove = add(recording, "remove", cmd_recording_remove,
                           "delete a recording, its transcript and its file")
    recording_remove.add_argument("id", type=record_id)
    recording_remove.add_argument("--yes", action="store_true", help="confirm")
    recording_remove.add_argument("--reason", help="why (kept in the audit trail)")
