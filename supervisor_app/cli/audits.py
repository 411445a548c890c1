"""The program lead's quarter: audit cycles (draw, verify, assign, close) and review assignments."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, date, finite_float, group, record_id
from supervisor_app.cli.context import Context, reviewer_id, reviewer_ids
from supervisor_app.cli.output import print_json, print_table, print_warnings, say
from supervisor_app.services import audits, coaches, dashboard


def _end_of(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time(23, 59), dt.UTC)


def _describe(cycle: audits.CycleView) -> None:
    strata = " × ".join(cycle.stratify) or "none"
    say(f"Audit cycle {cycle.quarter} ({cycle.status}): {len(cycle.sample)} of {cycle.frame_size} active coaches "
        f"({cycle.coverage:.0%}; share {float(cycle.share):.0%}, at least 20 %), strata {strata}, seed {cycle.seed}"
        f"{', unaudited first' if cycle.prioritise_unaudited else ''}{', independent' if cycle.independent else ''}"
        f". Rubric {cycle.rubric_label}. Frame SHA-256 {cycle.frame_sha256[:16]}….")
    say(f"Assigned {cycle.count(audits.ASSIGNED) + cycle.count(audits.IN_PROGRESS) + cycle.count(audits.SUBMITTED)},"
        f" submitted {cycle.count(audits.SUBMITTED)} of {len(cycle.sample)}.")


def _cycle_json(cycle: audits.CycleView) -> dict[str, Any]:
    return {"quarter": cycle.quarter, "status": cycle.status, "share": str(cycle.share), "seed": cycle.seed,
            "stratify": list(cycle.stratify), "prioritise_unaudited": cycle.prioritise_unaudited,
            "independent": cycle.independent, "frame_size": cycle.frame_size, "frame_sha256": cycle.frame_sha256,
            "coverage": cycle.coverage, "rubric": cycle.rubric_label,
            "sample": [{"coach_id": c.coach_id, "coach": c.coach_name, "level": c.level, "unit": c.unit,
                        "recording_id": c.recording_id, "recording": c.recording_name,
                        "needs_recording_by": c.recording_due_on, "reviews": [list(r) for r in c.reviews],
                        "excused": c.excused_reason, "done": c.done} for c in cycle.sample]}


def _print_sample(cycle: audits.CycleView) -> None:
    print_table(["#", "coach", "level", "unit", "session", "reviews", "note"],
                [(i + 1, c.coach_name, c.level, c.unit, c.recording_name or "—",
                  ", ".join(f"{who}: {state}" for who, state in c.reviews),
                  c.excused_reason or (f"needs a recording by {c.recording_due_on}" if c.recording_due_on else ""))
                 for i, c in enumerate(cycle.sample)])


def cmd_cycle_create(ctx: Context) -> int:
    a = ctx.args
    cycle = audits.create_cycle(ctx.database(), ctx.actor(), a.quarter, share=a.share, seed=a.seed,
                                stratify=[s for s in (a.stratify or "").split(",") if s.strip()],
                                prioritise_unaudited=a.unaudited_first, independent=a.independent)
    _describe(cycle)
    _print_sample(cycle)
    return 0


def cmd_cycle_redraw(ctx: Context) -> int:
    cycle = audits.redraw_cycle(ctx.database(), ctx.actor(), ctx.args.quarter, ctx.args.seed)
    _describe(cycle)
    _print_sample(cycle)
    return 0


def cmd_cycle_show(ctx: Context) -> int:
    cycle = audits.get_cycle(ctx.database(), ctx.actor(), ctx.args.quarter)
    if ctx.args.json:
        print_json(_cycle_json(cycle))
        return 0
    _describe(cycle)
    _print_sample(cycle)
    return 0


def cmd_cycle_verify(ctx: Context) -> int:
    result = audits.verify_cycle(ctx.database(), ctx.actor(), ctx.args.quarter)
    def verdict(ok: bool) -> str:
        return "matches" if ok else "does NOT match"

    print(f"{result.quarter}: the sample {verdict(result.sample_matches)} a fresh draw from the recorded frame and "
          f"seed; the frame {verdict(result.frame_matches_fingerprint)} its recorded fingerprint.")
    if result.joined:
        say(f"Active now but not in the frame (joined after the draw): {', '.join(result.joined)}.")
    if result.left:
        say(f"In the frame but no longer active: {', '.join(result.left)}.")
    return 0 if result.ok else 1


def cmd_cycle_assign(ctx: Context) -> int:
    a = ctx.args
    db, actor = ctx.database(), ctx.actor()
    proposal = audits.propose_assignments(db, actor, a.quarter, reviewer_ids(db, actor, a.reviewers or ""),
                                          Fraction(str(a.double_share)))
    print_warnings(proposal.warnings)
    say("Load per reviewer: " + ", ".join(f"{name} {n}" for name, n in sorted(proposal.loads.items())))
    if a.dry_run:
        print(f"Dry run: {len(proposal.assignments)} assignments proposed; nothing was stored.")
        return 0
    rows = audits.assign_cycle(db, actor, a.quarter, proposal, _end_of(a.due))
    print_table(["id", "coach", "session", "reviewer", "due", "double-scored"],
                [(r.id, r.coach_name, r.recording_name, r.reviewer, r.due_at, r.double_scored) for r in rows])
    return 0


def cmd_cycle_close(ctx: Context) -> int:
    db, actor = ctx.database(), ctx.actor()
    excused: dict[int, str] = {}
    for item in ctx.args.excuse or []:
        coach, _, reason = item.partition("=")
        excused[coaches.find_coach(db, actor, coach).id] = reason
    _describe(audits.close_cycle(db, actor, ctx.args.quarter, excused))
    return 0


def cmd_cycle_brief(ctx: Context) -> int:
    from supervisor_app.services import outcomes  # fpdf only for the command that writes a PDF

    found = outcomes.write_brief(ctx.database(), ctx.actor(), ctx.args.quarter, Path(ctx.args.out))
    say(f"Written {ctx.args.out}: {found.reviewed} of {found.frame} coaches reviewed ({found.coverage:.0%}), "
        f"{found.below_standard} session(s) below the standard.")
    return 0


def cmd_assignment_list(ctx: Context) -> int:
    rows = audits.list_assignments(ctx.database(), ctx.actor(), ctx.args.quarter, include_history=ctx.args.all)
    now = dt.datetime.now(dt.UTC)
    if ctx.args.json:
        print_json([{**vars(r), "overdue": r.overdue(now)} for r in rows])
        return 0
    print_table(["id", "quarter", "coach", "session", "reviewer", "due", "state", "overdue", "note"],
                [(r.id, r.quarter or "—", r.coach_name, r.recording_name, r.reviewer, r.due_at, r.state,
                  r.overdue(now), r.reason) for r in rows])
    return 0


def cmd_assignment_add(ctx: Context) -> int:
    db, actor = ctx.database(), ctx.actor()
    reviewer = reviewer_id(db, actor, ctx.args.reviewer)
    end = _end_of(ctx.args.due)
    assert end is not None
    row = audits.add_assignment(db, actor, ctx.args.recording, reviewer, end)
    say(f"Assignment {row.id}: {row.reviewer} reviews {row.recording_name} ({row.coach_name}) by "
        f"{row.due_at:%Y-%m-%d}.")
    return 0


def cmd_assignment_reassign(ctx: Context) -> int:
    db, actor = ctx.database(), ctx.actor()
    reviewer = reviewer_id(db, actor, ctx.args.to)
    row = audits.reassign(db, actor, ctx.args.assignment, reviewer, ctx.args.reason, _end_of(ctx.args.due))
    say(f"Assignment {ctx.args.assignment} reassigned to {row.reviewer} as assignment {row.id} (the history "
        "keeps both).")
    return 0


def cmd_dashboard(ctx: Context) -> int:
    board = dashboard.dashboard(ctx.database(), ctx.actor())
    if ctx.args.json:
        print_json({"quarter": board.quarter, "tiles": [
            {"key": t.key, "title": t.title, "value": t.value, "note": t.note, "status": t.status, "rule": t.rule,
             "rows": [dict(zip(t.headers, row, strict=True)) for row in t.rows]} for t in board.tiles]})
        return 0
    marks = {dashboard.OK: "ok", dashboard.WARN: "check", dashboard.ALERT: "ACT"}
    print_table(["", "figure", "value", "the program's rule"],
                [(marks[t.status], t.title, t.value + (f"; {t.note}" if t.note else ""), t.rule) for t in board.tiles])
    for tile in board.tiles:
        if tile.status != dashboard.OK and tile.rows:
            say(f"\n{tile.title}:")
            print_table(list(tile.headers), tile.rows)
    return 0


def cmd_one_to_one(ctx: Context) -> int:
    dashboard.record_one_to_one(ctx.database(), ctx.actor(), ctx.args.review, ctx.args.on, ctx.args.note or "")
    print(f"Supervision 1:1 for review {ctx.args.review} recorded ({ctx.args.on}).")
    return 0


def register(sub: Any) -> None:
    cycle = group(sub, "audit-cycle", "the quarterly audit: at least 20 % of active coaches, drawn reproducibly")
    create = add(cycle, "create", cmd_cycle_create, "open a quarter's cycle: record the frame and seed, draw")
    create.add_argument("quarter", help="e.g. 2026-Q4")
    create.add_argument("--share", type=finite_float(0.0, 1.0), default=0.2, help="share of active coaches (≥ 0.2)")
    create.add_argument("--seed", type=record_id, help="the draw's seed (default: chosen at random and recorded)")
    create.add_argument("--stratify", help="level, unit or level,unit: proportional shares per stratum")
    create.add_argument("--unaudited-first", action="store_true",
                        help="draw coaches never audited, or not in the last two quarters, first")
    create.add_argument("--independent", action="store_true", help="keep each coach's own supervisor out")
    redraw = add(cycle, "redraw", cmd_cycle_redraw,
                 "draw again from today's roster with a new seed (only before any review is assigned)")
    redraw.add_argument("quarter")
    redraw.add_argument("--seed", type=record_id)
    for name, handler, text in (("show", cmd_cycle_show, "the frame, the sample and where each review stands"),
                                ("verify", cmd_cycle_verify, "re-derive the sample from the frame and seed")):
        action = add(cycle, name, handler, text)
        action.add_argument("quarter")
        if name == "show":
            action.add_argument("--json", action="store_true")
    assign = add(cycle, "assign", cmd_cycle_assign,
                 "propose a reviewer for every sampled session (rules: not their own, not their supervisor in an "
                 "independent cycle, balanced load) and store the proposal")
    assign.add_argument("quarter")
    assign.add_argument("--reviewers", metavar="NAME,NAME,...", help="who reviews (default: every active reviewer)")
    assign.add_argument("--double-share", type=finite_float(0.0, 1.0), default=0.0,
                        help="share of sessions scored blind by a second reviewer, e.g. 0.1")
    assign.add_argument("--due", type=date, help="due date of the reviews (default: in three weeks)")
    assign.add_argument("--dry-run", action="store_true", help="show the proposal; store nothing")
    brief = add(cycle, "brief", cmd_cycle_brief,
                "the one-page outcomes brief for the sponsor (PDF): coverage, agreement, strengths and gaps, actions")
    brief.add_argument("quarter")
    brief.add_argument("--out", required=True, metavar="FILE.pdf")
    close = add(cycle, "close", cmd_cycle_close, "close once every sampled coach has a submitted review")
    close.add_argument("quarter")
    close.add_argument("--excuse", action="append", metavar="COACH=REASON",
                       help="record why a sampled coach was not reviewed (e.g. on leave)")

    assignment = group(sub, "assignment", "review assignments: who reviews which recording by when")
    listing = add(assignment, "list", cmd_assignment_list, "open assignments (yours; leads: everyone's)")
    listing.add_argument("--quarter")
    listing.add_argument("--all", action="store_true", help="submitted and reassigned ones too")
    listing.add_argument("--json", action="store_true")
    add_parser = add(assignment, "add", cmd_assignment_add, "assign a recording to a reviewer by hand")
    add_parser.add_argument("recording", type=record_id)
    add_parser.add_argument("--reviewer", required=True, help="display name or user id")
    add_parser.add_argument("--due", required=True, type=date)
    again = add(assignment, "reassign", cmd_assignment_reassign, "hand an open assignment to someone else")
    again.add_argument("assignment", type=record_id)
    again.add_argument("--to", required=True, help="display name or user id")
    again.add_argument("--reason", required=True)
    again.add_argument("--due", type=date)

    board = add(sub, "dashboard", cmd_dashboard,
                "the program at a glance: audit coverage, overdue reviews and feedback, 1:1s, recertification, "
                "supervision ratios, calibration, drift, coaches below the standard")
    board.add_argument("--json", action="store_true")
    one = add(sub, "one-to-one", cmd_one_to_one, "record the supervision 1:1 held after a review")
    one.add_argument("review", type=record_id)
    one.add_argument("--on", required=True, type=date, help="the day it took place")
    one.add_argument("--note")
