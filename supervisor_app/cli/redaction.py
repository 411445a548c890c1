"""Redaction: run the detectors over a transcript, decide each suggestion, mark missed words by hand, keep the
program's term list."""

from __future__ import annotations

import argparse
from typing import Any

from supervisor_app.cli.args import add, group, id_list, index_list, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_table, say
from supervisor_app.core.redaction import Kind
from supervisor_app.core.transcripts import clock
from supervisor_app.errors import ValidationError
from supervisor_app.services import redaction, transcripts


def kind(text: str) -> Kind:
    try:
        return redaction.parse_kind(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_suggest(ctx: Context) -> int:
    added = redaction.suggest(ctx.database(), ctx.actor(), ctx.args.recording)
    say(f"{added} new suggestion{'s' if added != 1 else ''}; decide them with redact accept|reject "
        "(see redact list). Until decided, a suggestion is withheld from every redacted text.")
    return 0


def cmd_list(ctx: Context) -> int:
    views = redaction.list_for(ctx.database(), ctx.actor(), ctx.args.recording)
    if ctx.args.state:
        views = [v for v in views if v.state == ctx.args.state]
    print_table(["id", "segment", "at", "words", "as", "found by", "state"],
                [(v.id, v.segment_index, clock(v.start_s), v.raw, v.label, v.source, v.state) for v in views])
    return 0


def _decide(ctx: Context, state: str) -> int:
    db, actor = ctx.database(), ctx.actor()
    for redaction_id in ctx.args.ids:
        view = redaction.decide(db, actor, redaction_id, state)
        say(f"{view.id}: “{view.raw}” {'will show as ' + view.label if state == redaction.ACCEPTED else state}.")
    return 0


def cmd_accept(ctx: Context) -> int:
    return _decide(ctx, redaction.ACCEPTED)


def cmd_reject(ctx: Context) -> int:
    return _decide(ctx, redaction.REJECTED)


def cmd_undo(ctx: Context) -> int:
    return _decide(ctx, redaction.SUGGESTED)


def cmd_mark(ctx: Context) -> int:
    a = ctx.args
    db, actor = ctx.database(), ctx.actor()
    segments = {s.index: s for s in transcripts.get_transcript(db, actor, a.recording).segments}
    marked = 0
    for index in a.segments:
        segment = segments.get(index)
        if segment is None:
            raise ValidationError(f"Recording {a.recording} has no segment {index}; it has {len(segments)} "
                                  "(numbered from 0, as transcript show prints them).")
        start = segment.text.casefold().find(a.words.casefold())
        if start < 0:
            raise ValidationError(f"Segment {index} does not contain “{a.words}”; it reads: {segment.text}")
        view = redaction.mark(db, actor, segment.id, start, start + len(a.words), a.kind)
        say(f"Segment {index}: “{view.raw}” redacted as {view.label}.")
        marked += 1
    return 0 if marked else 1


def cmd_terms(ctx: Context) -> int:
    a = ctx.args
    db, actor = ctx.database(), ctx.actor()
    if a.add:
        view = redaction.add_term(db, actor, a.add, a.kind)
        say(f"“{view.term}” is redacted as {view.kind.label} in every transcript.")
    if a.remove:
        redaction.remove_term(db, actor, a.remove)
        say(f"“{a.remove.strip()}” removed from the redaction list.")
    print_table(["term", "as"], [(t.term, t.kind.label) for t in redaction.list_terms(db, actor)])
    return 0


def register(sub: Any) -> None:
    redact = group(sub, "redact", "find and remove names and identifiers in transcripts, with a person deciding")
    suggest = add(redact, "suggest", cmd_suggest, "run the detectors over a transcript and store suggestions")
    suggest.add_argument("recording", type=record_id)
    listing = add(redact, "list", cmd_list, "suggestions and decisions on a transcript")
    listing.add_argument("recording", type=record_id)
    listing.add_argument("--state", choices=redaction.STATES)
    for name, handler, text in (("accept", cmd_accept, "redact these suggestions"),
                                ("reject", cmd_reject, "keep these words as spoken"),
                                ("undo", cmd_undo, "put decisions back to undecided")):
        parser = add(redact, name, handler, text)
        parser.add_argument("ids", type=id_list("suggestion"), help="suggestion ids from redact list, e.g. 4,5,9")
    mark = add(redact, "mark", cmd_mark, "redact words a detector missed")
    mark.add_argument("recording", type=record_id)
    mark.add_argument("segments", type=index_list, help="segment numbers as transcript show prints them, e.g. 3,7")
    mark.add_argument("--words", required=True, help="the words to redact, as they appear in the segment")
    mark.add_argument("--kind", type=kind, default=Kind.NAME, help="name, org, place, email, phone, url or number")
    terms = add(redact, "terms", cmd_terms, "the program's list of names to redact (company, client, project…)")
    change = terms.add_mutually_exclusive_group()
    change.add_argument("--add", metavar="TERM")
    change.add_argument("--remove", metavar="TERM")
    terms.add_argument("--kind", type=kind, default=Kind.ORG, help="for --add: org (default), name or place")
