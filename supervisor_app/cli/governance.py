"""Consent: record it, withdraw it (and purge what it covered), show it, set the program's policy; subject
requests: everything held about a coachee or coach, and a coachee's erasure."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, date, group, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_table, say
from supervisor_app.core.consent import Scope
from supervisor_app.errors import ValidationError
from supervisor_app.services import consent, subjects


def scope_list(text: str) -> tuple[Scope, ...]:
    """Comma-separated scopes: record, transcribe, calibration, audit, quote (or all)."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if names == ["all"]:
        return tuple(Scope)
    unknown = [n for n in names if n not in {s.value for s in Scope}]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown scope {', '.join(unknown) or '(none)'}; use "
                                         f"{', '.join(s.value for s in Scope)} or all")
    return tuple(Scope(n) for n in names)


def cmd_consent_add(ctx: Context) -> int:
    a = ctx.args
    view = consent.add_consent(ctx.database(), ctx.actor(), a.coachee or "", a.scopes, a.captured, a.document,
                               a.expires, a.recording)
    say(f"Consent record {view.id} for {view.coachee or 'recording ' + str(view.recording_id)}: {view.state}.")
    return 0


def cmd_consent_withdraw(ctx: Context) -> int:
    a = ctx.args
    db, actor = ctx.database(), ctx.actor()
    if a.purge and not a.yes:
        raise ValidationError("Purging deletes the audio and transcript for good: add --yes to confirm.")
    governed = consent.withdraw(db, actor, a.consent, a.scopes, a.on)
    say(f"Withdrawn from {a.on or 'today'}: {', '.join(s.value for s in a.scopes)}. Further use of "
        f"{len(governed)} recording(s) stops now.")
    if a.purge and governed:
        result = consent.purge_recordings(db, actor, ctx.paths, governed, f"consent {a.consent} withdrawn")
        say(f"Purged recording(s) {', '.join(map(str, result.recordings))}: {result.files} audio file(s), "
            f"{result.transcripts} transcript(s), {result.quotes} quote(s) replaced by '{consent.WITHDRAWN_QUOTE}'. "
            "Submitted scores are kept.")
    elif governed:
        say(f"To delete their audio and transcripts as well: consent withdraw {a.consent} --scopes ... --purge --yes"
            " (or Library → Consent → Consent…).")
    return 0


def cmd_consent_show(ctx: Context) -> int:
    rows = consent.list_consents(ctx.database(), ctx.actor(), ctx.args.coachee)
    print_table(["id", "coachee", "recording", "scopes", "withdrawn", "captured", "expires", "document", "scan",
                 "state"],
                [(v.id, v.coachee, v.recording_id or "", ",".join(v.scopes),
                  ", ".join(f"{k} {d}" for k, d in v.withdrawn.items()), v.captured_on, v.expires_on or "",
                  v.document_ref, v.scan, v.state) for v in rows])
    return 0


def cmd_consent_attach(ctx: Context) -> int:
    view = consent.attach_scan(ctx.database(), ctx.actor(), ctx.args.consent, Path(ctx.args.file))
    say(f"Signed form {view.scan} kept with consent record {view.id}.")
    return 0


def cmd_consent_scan(ctx: Context) -> int:
    target = consent.save_scan(ctx.database(), ctx.actor(), ctx.args.consent, Path(ctx.args.out))
    say(f"Written {target}.")
    return 0


def cmd_consent_policy(ctx: Context) -> int:
    db = ctx.database()
    if ctx.args.require is not None:
        consent.set_required(db, ctx.actor(), ctx.args.require == "yes")
    required = consent.is_required(db)
    say("Consent is required: a recording without recorded consent is 'consent pending' (stored, played only by "
        "whoever imported it, not transcribed, in no round or audit)." if required else
        "Consent is not required: recordings without a consent record are used and shown as 'no consent "
        "recorded'; a withdrawn or expired consent always stops use.")
    return 0


def cmd_subject_export(ctx: Context) -> int:
    a = ctx.args
    result = subjects.export_subject(ctx.database(), ctx.actor(), ctx.paths, Path(a.out), coachee=a.coachee,
                                     coach_id=a.coach)
    say(f"Written {result.folder}: {result.recordings} recording(s), {result.reviews} review(s), "
        f"{result.audio_files} audio file(s), with subject.json.")
    return 0


def cmd_subject_erase(ctx: Context) -> int:
    a = ctx.args
    if not a.yes:
        raise ValidationError("Erasure deletes the coachee's audio and transcripts for good: add --yes to confirm.")
    result = subjects.erase_coachee(ctx.database(), ctx.actor(), ctx.paths, a.coachee, a.reason)
    say(f"Erased recording(s) {', '.join(map(str, result.recordings))}: {result.files} audio file(s), "
        f"{result.transcripts} transcript(s), {result.quotes} quote(s) replaced. Submitted scores are kept.")
    return 0


def register(sub: Any) -> None:
    consent_group = group(sub, "consent", "the coachee's consent to record, transcribe, calibrate, audit and quote")
    add_parser = add(consent_group, "add", cmd_consent_add, "record a coachee's consent (or one recording's)")
    add_parser.add_argument("coachee", nargs="?", help="the coachee pseudonym (omit with --recording)")
    add_parser.add_argument("--scopes", type=scope_list, required=True,
                            help="record,transcribe,calibration,audit,quote or all")
    add_parser.add_argument("--captured", type=date, required=True, help="date the consent was given (YYYY-MM-DD)")
    add_parser.add_argument("--document", required=True, help="reference of the signed form (file name, number)")
    add_parser.add_argument("--expires", type=date, help="date it expires (YYYY-MM-DD)")
    add_parser.add_argument("--recording", type=record_id, help="only for this recording")
    withdraw = add(consent_group, "withdraw", cmd_consent_withdraw, "withdraw scopes of a consent record")
    withdraw.add_argument("consent", type=record_id, help="the consent record's id (consent show)")
    withdraw.add_argument("--scopes", type=scope_list, required=True)
    withdraw.add_argument("--on", type=date, help="withdrawal date (default today)")
    withdraw.add_argument("--purge", action="store_true", help="also delete the recordings' audio and transcripts")
    withdraw.add_argument("--yes", action="store_true", help="confirm the purge")
    show = add(consent_group, "show", cmd_consent_show, "consent records, of one coachee or all")
    show.add_argument("coachee", nargs="?")
    attach = add(consent_group, "attach", cmd_consent_attach, "keep the signed form (PDF or image) with a record")
    attach.add_argument("consent", type=record_id)
    attach.add_argument("file", help="the scan: PDF, PNG, JPEG or TIFF, at most 20 MB")
    scan = add(consent_group, "scan", cmd_consent_scan, "write a record's signed form to a file")
    scan.add_argument("consent", type=record_id)
    scan.add_argument("--out", required=True)
    policy = add(consent_group, "policy", cmd_consent_policy, "show or set whether consent is required")
    policy.add_argument("--require", choices=["yes", "no"])

    subject = group(sub, "subject", "subject requests: everything held about a coachee or a coach, and erasure")
    export = add(subject, "export", cmd_subject_export, "write a folder with subject.json and the audio files")
    who = export.add_mutually_exclusive_group(required=True)
    who.add_argument("--coachee", help="the coachee pseudonym")
    who.add_argument("--coach", type=record_id, help="the coach's id")
    export.add_argument("--out", required=True, help="an existing folder to write the subject's folder into")
    erase = add(subject, "erase", cmd_subject_erase, "erase a coachee's recordings and transcripts")
    erase.add_argument("--coachee", required=True)
    erase.add_argument("--reason", required=True, help="the request's reference (kept in the audit trail)")
    erase.add_argument("--yes", action="store_true", help="confirm")
