"""Scoring: start a review, save a draft written as JSON, submit, amend, feedback; list and export."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, group, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say
from supervisor_app.files import read_bounded
from supervisor_app.services import reviews, rubrics
from supervisor_app.services.journal import Journal

FEEDBACK_FILE_MAX_BYTES = 200_000


def _describe(detail: reviews.ReviewDetail) -> str:
    summary = detail.summary
    decided = sum(score.decided for score in detail.content.scores.values())
    return (f"Review {summary.id} of {summary.recording_name} ({summary.coach_name}), {summary.rubric_label}, "
            f"{summary.status} v{summary.version}: {decided} of {len(detail.rubric.competencies)} competencies "
            f"decided, {len(detail.content.evidence)} evidence item{'s' if len(detail.content.evidence) != 1 else ''}.")


def cmd_review_list(ctx: Context) -> int:
    rows = reviews.list_reviews(ctx.database(), ctx.actor())
    now = dt.datetime.now(dt.UTC)
    if ctx.args.json:
        print_json([{**dataclasses.asdict(r), "feedback_overdue": r.feedback_overdue(now)} for r in rows])
    else:
        print_table(["id", "recording", "coach", "rater", "status", "updated", "feedback due", "overdue"],
                    [(r.id, r.recording_name, r.coach_name, r.rater, f"{r.status} v{r.version}", r.updated_at,
                      r.feedback_due_at, r.feedback_overdue(now)) for r in rows])
    return 0


def cmd_review_export(ctx: Context) -> int:
    target = Path(ctx.args.out) if ctx.args.out else None
    payload = reviews.export_review(ctx.database(), ctx.actor(), ctx.args.review, target)
    if target is None:
        print_json(payload)
    else:
        say(f"Written {target}.")
    return 0


def cmd_review_start(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    rubric_id = rubrics.find_rubric_version(db, actor, ctx.args.rubric).id if ctx.args.rubric else None
    detail = reviews.start_review(db, actor, ctx.args.recording, rubric_id)
    say(_describe(detail))
    return 0


def cmd_review_save(ctx: Context) -> int:
    detail = reviews.save_draft_file(ctx.database(), ctx.actor(), ctx.args.review, Path(ctx.args.from_file))
    say(f"Saved. {_describe(detail)}")
    return 0


def cmd_review_journal(ctx: Context) -> int:
    """What this laptop kept because the server could not take it, or because the draft changed elsewhere."""
    entries = Journal(ctx.paths).entries(ctx.actor())
    if not entries:
        say("Nothing is waiting in this laptop's journal.")
        return 0
    print_table(["kind", "review", "kept at", "file", "why"],
                [(e.kind, e.review_id, e.kept_at.astimezone().strftime("%Y-%m-%d %H:%M"), e.path, e.reason)
                 for e in entries])
    return 0


def cmd_review_replay(ctx: Context) -> int:
    """Save the drafts kept while the server was away (the window does this by itself)."""
    replay = Journal(ctx.paths).replay(ctx.database(), ctx.actor())
    for review_id in replay.saved:
        say(f"Review {review_id}: the draft kept on this laptop is saved.")
    for entry in replay.conflicts:
        say(f"Review {entry.review_id}: not saved ({entry.reason}) Your version is kept in {entry.path}.")
    if replay.still_pending:
        say(f"{replay.still_pending} draft(s) still wait: the server does not answer yet.")
    return 1 if replay.conflicts or replay.still_pending else 0


def cmd_review_submit(ctx: Context) -> int:
    detail = reviews.submit(ctx.database(), ctx.actor(), ctx.args.review)
    due = detail.summary.feedback_due_at
    say(f"Submitted. {_describe(detail)}"
        + (f" Written feedback is due by {due.astimezone():%Y-%m-%d %H:%M}." if due else ""))
    return 0


def cmd_review_amend(ctx: Context) -> int:
    detail = reviews.amend(ctx.database(), ctx.actor(), ctx.args.review, ctx.args.reason)
    say(f"Amendment started as review {detail.id} (the submitted version stays as it is). {_describe(detail)}")
    return 0


def cmd_review_feedback(ctx: Context) -> int:
    db, actor = ctx.database(), ctx.actor()
    if ctx.args.file:
        text = read_bounded(Path(ctx.args.file), FEEDBACK_FILE_MAX_BYTES, "a text file").decode("utf-8", "replace")
    else:
        text = reviews.get_review(db, actor, ctx.args.review).feedback
    detail = reviews.set_feedback(db, actor, ctx.args.review, text, sent=ctx.args.sent)
    say(f"Feedback of review {detail.id} saved" + (", marked as sent to the coach." if ctx.args.sent else "."))
    if ctx.args.pdf:
        from supervisor_app.services import feedback_pdf  # fpdf only when a PDF is asked for

        target = feedback_pdf.write_feedback_pdf(feedback_pdf.feedback_letter(db, actor, detail.id), Path(ctx.args.pdf))
        say(f"The feedback document for {detail.summary.coach_name} is saved as {target}.")
    return 0


def register(sub: Any) -> None:
    review = group(sub, "review", "reviews: score a recording against the rubric")
    review_list = add(review, "list", cmd_review_list, "your reviews (supervisors: everyone's)")
    review_list.add_argument("--json", action="store_true")
    review_export = add(review, "export", cmd_review_export, "a review with its scores, evidence and feedback")
    review_export.add_argument("review", type=record_id)
    review_export.add_argument("--format", choices=["json"], default="json")
    review_export.add_argument("--out", help="file to write (default: print)")
    start = add(review, "start", cmd_review_start,
                "start reviewing a recording (or reopen your draft of it); prints the review id")
    start.add_argument("recording", type=record_id)
    start.add_argument("--rubric", help="rubric KEY, KEY@VERSION or id (default: the newest)")
    save = add(review, "save", cmd_review_save,
               "save a draft written as JSON: {scores: [...], evidence: [...], feedback} as `review export` writes "
               "(schemas/review-draft.schema.json)")
    save.add_argument("review", type=record_id)
    save.add_argument("--from", dest="from_file", required=True, metavar="FILE.json")
    add(review, "journal", cmd_review_journal, "drafts this laptop kept: typed while the team server was away, or "
                                               "the losing side of a conflict")
    add(review, "replay", cmd_review_replay, "save the drafts kept while the team server was away")
    submit = add(review, "submit", cmd_review_submit, "submit a draft (checked against the rubric's rules)")
    submit.add_argument("review", type=record_id)
    amend = add(review, "amend", cmd_review_amend, "start a new version of a submitted review, with the reason")
    amend.add_argument("review", type=record_id)
    amend.add_argument("--reason", required=True, help="why it is amended (kept with both versions)")
    feedback = add(review, "feedback", cmd_review_feedback, "set the written feedback, or mark it as sent")
    feedback.add_argument("review", type=record_id)
    feedback.add_argument("--file", help="a UTF-8 text file with the feedback (default: keep the current text)")
    feedback.add_argument("--sent", action="store_true", help="record that it went to the coach now")
    feedback.add_argument("--pdf", metavar="FILE.pdf", help="also write the feedback document the coach receives")
