"""Calibration rounds: a panel scores the same recordings blind, then the lead reveals, compares, records the
consensus and closes the round."""

from __future__ import annotations

import datetime as dt
from typing import Any

from supervisor_app.cli.args import add, date, group, id_list, record_id
from supervisor_app.cli.context import Context, reviewer_id, reviewer_ids
from supervisor_app.cli.output import print_json, print_table, say
from supervisor_app.core.transcripts import clock
from supervisor_app.errors import ValidationError
from supervisor_app.services import calibration, program_settings, rubrics


def cmd_round_create(ctx: Context) -> int:
    a = ctx.args
    db, actor = ctx.database(), ctx.actor()
    if a.rubric:
        rubric_id = rubrics.find_rubric_version(db, actor, a.rubric).id
    else:
        stored = rubrics.list_rubrics(db, actor)
        if not stored:
            raise ValidationError("No rubric is stored yet; import one with `rubric import` first.")
        rubric_id = max(stored, key=lambda r: (r.imported_at, r.id)).id
    raters = reviewer_ids(db, actor, a.raters)
    master = reviewer_id(db, actor, a.master) if a.master else None
    due = dt.datetime.combine(a.due, dt.time(23, 59), dt.UTC)
    round_id = calibration.create_round(db, actor, a.title, list(a.recordings), raters, rubric_id, due,
                                        master_id=master, hide_identity=not a.show_identity)
    say(f"Round {round_id} ({a.title}) opened: {len(a.recordings)} recordings, {len(set(raters) | {master} - {None})}"
        f" on the panel, due {due:%Y-%m-%d}. Scores stay blind until the reveal.")
    return 0


def cmd_round_list(ctx: Context) -> int:
    rows = calibration.list_rounds(ctx.database(), ctx.actor())
    if ctx.args.json:
        print_json([{"id": r.id, "title": r.title, "status": r.status, "due_at": r.due_at, "lead": r.lead,
                     "you_lead": r.is_lead} for r in rows])
    else:
        print_table(["id", "title", "status", "due", "lead", "you lead"],
                    [(r.id, r.title, r.status, r.due_at, r.lead, r.is_lead) for r in rows])
    return 0


def cmd_round_progress(ctx: Context) -> int:
    progress = calibration.progress(ctx.database(), ctx.actor(), ctx.args.round)
    if ctx.args.json:
        print_json({"round": progress.round_id, "title": progress.title, "status": progress.status,
                    "due_at": progress.due_at, "expected_per_rater": progress.expected_per_rater,
                    "submitted": progress.submitted})
        return 0
    say(f"Round {progress.round_id} {progress.title}: {progress.status}, due "
        f"{progress.due_at.astimezone():%Y-%m-%d %H:%M}")
    print_table(["rater", "submitted", "of"],
                [(name, count, progress.expected_per_rater) for name, count in progress.submitted.items()])
    return 0


def cmd_round_show(ctx: Context) -> int:
    db, actor = ctx.database(), ctx.actor()
    progress = calibration.progress(db, actor, ctx.args.round)
    if progress.status == calibration.OPEN:
        say(f"Round {progress.round_id} {progress.title} is open: scores stay blind until the reveal. Progress:")
        print_table(["rater", "submitted", "of"],
                    [(name, count, progress.expected_per_rater) for name, count in progress.submitted.items()])
        return 0
    compared = calibration.comparison(db, actor, ctx.args.round, program_settings.calibration_rule(db))
    rows = []
    for (recording_id, competency_id), cells in sorted(compared.cells.items()):
        rows.append([compared.codes.get(recording_id, str(recording_id)),
                     compared.titles.get(competency_id, competency_id),
                     *("—" if c.score is None else f"{c.score:g}" for c in cells)])
    raters = [c.rater for c in next(iter(compared.cells.values()), [])]
    if ctx.args.json:
        print_json({"round": compared.round_id, "reference": compared.reference,
                    "scores": [dict(zip(["recording", "competency", *raters], row, strict=True)) for row in rows],
                    "agreement": {name: {"units": a.n_units, "icc2_1": a.icc2_1, "alpha_ordinal": a.alpha_ordinal,
                                         "within_one": a.adjacent_agreement} for name, a in compared.agreement.items()},
                    "calibrated": compared.calibrated})
        return 0
    say(f"Round {progress.round_id} {progress.title}: {progress.status}; deviations are from the {compared.reference}.")
    print_table(["recording", "competency", *raters], rows)
    overall = compared.agreement.get("overall")
    if overall is not None:
        say(f"Overall: {overall.n_units} units, ICC(2,1) {_figure(overall.icc2_1)}, "
            f"alpha (ordinal) {_figure(overall.alpha_ordinal)}, within ±1 {_figure(overall.adjacent_agreement)}.")
    for rater, status in compared.calibrated.items():
        say(f"  {rater}: {'calibrated' if status else 'not calibrated' if status is not None else 'no master'}")
    return 0


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def cmd_round_reveal(ctx: Context) -> int:
    calibration.reveal(ctx.database(), ctx.actor(), ctx.args.round, ctx.args.reason or "")
    print(f"Round {ctx.args.round} revealed: `round show {ctx.args.round}` compares the scores.")
    return 0


def cmd_round_consensus(ctx: Context) -> int:
    a = ctx.args
    if [a.score is not None, a.passed, a.failed].count(True) != 1:
        raise ValidationError("Give exactly one of --score N, --pass or --fail.")
    gate = True if a.passed else False if a.failed else None
    calibration.record_consensus(ctx.database(), ctx.actor(), a.round, a.recording, a.competency, a.score, gate,
                                 a.note or "")
    say(f"Consensus recorded for recording {a.recording}, {a.competency}.")
    return 0


def cmd_round_close(ctx: Context) -> int:
    calibration.close_round(ctx.database(), ctx.actor(), ctx.args.round)
    print(f"Round {ctx.args.round} closed.")
    return 0


def cmd_round_note(ctx: Context) -> int:
    a = ctx.args
    calibration.add_note(ctx.database(), ctx.actor(), a.round, a.text, a.recording, a.competency or "")
    print(f"Note added to round {a.round}.")
    return 0


def cmd_round_notes(ctx: Context) -> int:
    print_table(["by", "note"], calibration.notes(ctx.database(), ctx.actor(), ctx.args.round))
    return 0


def cmd_round_evidence(ctx: Context) -> int:
    a = ctx.args
    duration, moments = calibration.evidence_timeline(ctx.database(), ctx.actor(), a.round, a.recording,
                                                      a.competency)
    say(f"Moments cited for {a.competency} in recording {a.recording} (length {clock(duration)}):")
    print_table(["rater", "from", "to", "tag", "quote"],
                [(m.rater, clock(m.start_s), clock(m.end_s), m.tag, m.quote) for m in moments])
    return 0


def register(sub: Any) -> None:
    rounds = group(sub, "round", "calibration rounds (blind panel scoring, reveal, consensus)")
    create = add(rounds, "create", cmd_round_create, "open a round: one blind draft per rater and recording")
    create.add_argument("--title", required=True)
    create.add_argument("--recordings", required=True, type=id_list("recording"), metavar="ID,ID,...")
    create.add_argument("--raters", required=True, metavar="NAME,NAME,...", help="display names or user ids")
    create.add_argument("--master", help="the master (gold) rater: display name or user id")
    create.add_argument("--rubric", help="rubric KEY, KEY@VERSION or id (default: the newest)")
    create.add_argument("--due", required=True, type=date, help="due date, YYYY-MM-DD (end of that day, UTC)")
    create.add_argument("--show-identity", action="store_true",
                        help="show raters the coach and file (default: hidden behind a neutral code)")
    round_list = add(rounds, "list", cmd_round_list, "rounds you lead or sit on")
    round_list.add_argument("--json", action="store_true")
    for name, handler, text in (("progress", cmd_round_progress, "who has submitted how many (never what)"),
                                ("show", cmd_round_show, "after the reveal: every score side by side, agreement"),
                                ("close", cmd_round_close, "close a revealed round once every consensus is in")):
        action = add(rounds, name, handler, text)
        action.add_argument("round", type=record_id)
        if name != "close":
            action.add_argument("--json", action="store_true")
    reveal = add(rounds, "reveal", cmd_round_reveal,
                 "reveal the scores (before every review is in: only after the due date, with --reason)")
    reveal.add_argument("round", type=record_id)
    reveal.add_argument("--reason", help="why the reveal is forced (kept in the audit trail)")
    consensus = add(rounds, "consensus", cmd_round_consensus, "record the panel's consensus for one competency")
    consensus.add_argument("round", type=record_id)
    consensus.add_argument("--recording", required=True, type=record_id)
    consensus.add_argument("--competency", required=True, help="competency id, e.g. active_listening")
    consensus.add_argument("--score", type=int, choices=range(1, 6), metavar="1-5")
    consensus.add_argument("--pass", dest="passed", action="store_true", help="the gate is passed")
    consensus.add_argument("--fail", dest="failed", action="store_true", help="the gate is failed")
    consensus.add_argument("--note", help="what the panel agreed and why")
    note = add(rounds, "note", cmd_round_note, "add a discussion note after the reveal")
    note.add_argument("round", type=record_id)
    note.add_argument("--text", required=True)
    note.add_argument("--recording", type=record_id)
    note.add_argument("--competency")
    notes = add(rounds, "notes", cmd_round_notes, "the round's discussion notes")
    notes.add_argument("round", type=record_id)
    evidence = add(rounds, "evidence", cmd_round_evidence,
                   "after the reveal: the moments each rater cited for one recording and competency")
    evidence.add_argument("round", type=record_id)
    evidence.add_argument("--recording", required=True, type=record_id)
    evidence.add_argument("--competency", required=True)
