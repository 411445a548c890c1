"""Practice against a gold standard: the lead marks a revealed round's consensus (or master) as gold, a rater
practises blind and compares, the lead credits practice towards calibration."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from supervisor_app.cli.args import add, bounded_int, group, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say
from supervisor_app.core.practice import DEFAULT_TOLERANCE, MAX_TOLERANCE
from supervisor_app.core.transcripts import clock
from supervisor_app.services import practice


def gold_id(text: str) -> int:
    """A gold standard as listed (G-3) or by its number (3)."""
    cleaned = text.strip()
    try:
        return record_id(cleaned[2:] if cleaned[:2].upper() == "G-" else cleaned)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a gold standard; use its code as `practice gold` "
                                         "lists it, e.g. G-3") from None


def cmd_gold_mark(ctx: Context) -> int:
    a = ctx.args
    golds = practice.mark_gold(ctx.database(), ctx.actor(), a.round, a.recording, a.source, a.tolerance)
    codes = ", ".join(practice.gold_code(g) for g in golds)
    which = f"recording {a.recording}" if a.recording else f"the round's {len(golds)} recordings"
    say(f"Gold standard{'s' if len(golds) > 1 else ''} {codes} marked from the round's {a.source} for {which} "
        f"(tolerance ±{a.tolerance}). Raters who were not on the panel practise with `practice start "
        f"{practice.gold_code(golds[0])}`.")
    return 0


def cmd_gold_list(ctx: Context) -> int:
    rows = practice.list_gold(ctx.database(), ctx.actor())
    if ctx.args.json:
        print_json([dataclasses.asdict(r) | {"code": r.code} for r in rows])
    else:
        print_table(["gold", "rubric", "length", "from", "tolerance", "your attempts", "note"],
                    [(r.code, r.rubric_label, clock(r.duration_s) if r.duration_s is not None else "—", r.source,
                      f"±{r.tolerance}", r.my_attempts, r.blocked) for r in rows])
    return 0


def cmd_gold_withdraw(ctx: Context) -> int:
    practice.withdraw_gold(ctx.database(), ctx.actor(), ctx.args.gold)
    say(f"Gold standard {practice.gold_code(ctx.args.gold)} withdrawn; practice already done keeps its result.")
    return 0


def cmd_practice_start(ctx: Context) -> int:
    detail = practice.start_practice(ctx.database(), ctx.actor(), ctx.args.gold)
    say(f"Practice review {detail.id} ({detail.summary.recording_name}) is open as a draft. Score it like any "
        f"review (`review save {detail.id} FILE`, `review submit {detail.id}`); the gold standard is shown with "
        f"`practice result {detail.id}` once you submit.")
    return 0


def cmd_practice_result(ctx: Context) -> int:
    result = practice.result(ctx.database(), ctx.actor(), ctx.args.review)
    if ctx.args.json:
        print_json(dataclasses.asdict(result) | {"code": result.code, "summary": result.outcome.summary})
        return 0
    say(f"Practice review {result.review_id} by {result.rater} against {result.code}: {result.outcome.summary}.")
    say("Meets the calibration rule on this recording." if result.meets
        else "Does not meet the calibration rule on this recording.")
    say("Credited towards calibration by a lead." if result.credited else "Not credited towards calibration.")
    print_table(["competency", "yours", "gold", "difference", "within"],
                [(c.title, c.mine, c.gold, "" if c.difference is None else f"{c.difference:+d}",
                  ("yes" if c.met else "no") if c.counted else "not counted") for c in result.outcome.competencies])
    for competency in result.outcome.competencies:
        if competency.gold_rationale:
            say(f"\n{competency.title} — gold rationale: {competency.gold_rationale}")
    say("\nGold evidence moments:")
    print_table(["competency", "from", "to", "tag", "quote"],
                [(m.competency_id, clock(m.start_s), clock(m.end_s), m.tag, m.quote) for m in result.gold_evidence])
    return 0


def cmd_practice_credit(ctx: Context) -> int:
    credited = not ctx.args.remove
    practice.set_credit(ctx.database(), ctx.actor(), ctx.args.review, credited)
    say(f"Practice review {ctx.args.review} " + ("now counts towards calibration." if credited
                                                 else "no longer counts towards calibration."))
    return 0


def cmd_practice_record(ctx: Context) -> int:
    rows = practice.record(ctx.database(), ctx.actor())
    if ctx.args.json:
        print_json([dataclasses.asdict(r) for r in rows])
    else:
        print_table(["rater", "attempts", "met the gold", "credited", "latest"],
                    [(r.rater, r.attempts, r.met, r.credited, f"{r.last_at:%Y-%m-%d}" if r.last_at else "")
                     for r in rows])
    return 0


def register(sub: Any) -> None:
    root = group(sub, "practice", "practice against gold-standard recordings (training; never in audit figures)")
    gold = add(root, "gold", cmd_gold_list, "gold standards: list (default), mark, withdraw")
    gold_actions = gold.add_subparsers(dest="gold_command", metavar="ACTION")
    listing = add(gold_actions, "list", cmd_gold_list, "the gold standards in force and your attempts")
    for parser in (gold, listing):
        parser.add_argument("--json", action="store_true")
    mark = add(gold_actions, "mark", cmd_gold_mark,
               "copy a revealed round's consensus (or its master's review) of a recording as its gold standard")
    mark.add_argument("--round", required=True, type=record_id)
    mark.add_argument("--recording", type=record_id, help="one recording of the round (default: every one)")
    mark.add_argument("--from", dest="source", choices=practice.SOURCES, default=practice.CONSENSUS,
                      help="the round's consensus (default) or its master's review")
    mark.add_argument("--tolerance", type=bounded_int(0, MAX_TOLERANCE), default=DEFAULT_TOLERANCE,
                      help=f"points a practice score may differ and still meet the gold (default ±{DEFAULT_TOLERANCE})")
    withdraw = add(gold_actions, "withdraw", cmd_gold_withdraw, "no new practice against this gold standard")
    withdraw.add_argument("gold", type=gold_id, help="G-3 or 3")
    start = add(root, "start", cmd_practice_start, "open (or continue) a blind practice review of a gold standard")
    start.add_argument("gold", type=gold_id, help="the gold standard, as listed (G-3) or its number")
    result = add(root, "result", cmd_practice_result, "a submitted practice review beside its gold standard")
    result.add_argument("review", type=record_id)
    result.add_argument("--json", action="store_true")
    credit = add(root, "credit", cmd_practice_credit, "count a practice review towards the rater being calibrated")
    credit.add_argument("review", type=record_id)
    credit.add_argument("--remove", action="store_true", help="take the credit back")
    record = add(root, "record", cmd_practice_record, "each rater's practice (a rater: their own)")
    record.add_argument("--json", action="store_true")
