"""Retention: the policy, what is due and why, the purge; legal holds that suspend it."""

from __future__ import annotations

from typing import Any

from supervisor_app.cli.args import add, bounded_int, group, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_table, say
from supervisor_app.core.retention import WINDOW_MAX_DAYS, WINDOW_MIN_DAYS, HoldTarget, Policy
from supervisor_app.errors import ValidationError
from supervisor_app.services import retention


def _print_preview(preview: retention.Preview) -> None:
    print_table(["what", "id", "item", "why"],
                [(d.data_class.label, d.entity_id, d.description, d.why) for d in preview.due])
    say(preview.summary())
    holding = [b for b in preview.backups if b.holds_purged_data]
    for note in holding:
        say(f"Backup {note.name} still holds data purged since it was taken; it is pruned by the first purge "
            f"after {note.pruned_after:%Y-%m-%d}.")


def cmd_preview(ctx: Context) -> int:
    removed = retention.sweep_local(ctx.database(), ctx.paths)
    if removed:
        say(f"Removed {removed} local copy(ies) of audio purged on another laptop.")
    _print_preview(retention.preview(ctx.database(), ctx.actor(), ctx.paths))
    return 0


def cmd_purge(ctx: Context) -> int:
    a = ctx.args
    db, actor = ctx.database(), ctx.actor()
    if not a.yes:
        _print_preview(retention.preview(db, actor, ctx.paths))
        raise ValidationError("A purge cannot be undone: look at the list above, then add --yes to purge it.")
    report = retention.purge(db, actor, ctx.paths, server_backup_taken=a.server_backup_taken)
    if not report.purged:
        say("Nothing was due; nothing was purged.")
        return 0
    say(f"Backup taken first: {report.backup}.")
    print_table(["purged", "id", "item"], [(d.data_class.label, d.entity_id, d.description) for d in report.purged])
    say(f"{len(report.purged)} item(s) purged, {report.files_removed} audio file(s) removed; each is in the audit "
        "trail by its ids and content hashes." + (f" Old backups pruned: {', '.join(report.backups_pruned)}."
                                                  if report.backups_pruned else ""))
    return 0


def cmd_policy(ctx: Context) -> int:
    a = ctx.args
    db = ctx.database()
    current = retention.get_policy(db)
    wanted = {k: v for k, v in (("recordings_days", a.recordings), ("transcripts_days", a.transcripts),
                                ("drafts_days", a.drafts), ("reviews_days", a.reviews)) if v is not None}
    if wanted:
        current = retention.set_policy(db, ctx.actor(), Policy(**{**current.as_json(), **wanted}))
    print_table(["data", "kept for (days)", "counted from"],
                [("recordings and caches", current.recordings_days, "last review or close of its cycle/round"),
                 ("transcripts", current.transcripts_days, "the same"),
                 ("drafts never submitted", current.drafts_days, "last change"),
                 ("submitted reviews' text", current.reviews_days, "submission (scores are kept)"),
                 ("audit trail", "kept", "")])
    return 0


def cmd_hold_add(ctx: Context) -> int:
    a = ctx.args
    target, entity = next((t, v) for t, v in ((HoldTarget.COACH, a.coach), (HoldTarget.RECORDING, a.recording),
                                              (HoldTarget.ROUND, a.round)) if v is not None)
    view = retention.place_hold(ctx.database(), ctx.actor(), target, entity, a.reason)
    say(f"Legal hold {view.id} on {view.target.value} {view.entity_id}: nothing of it is purged until released.")
    return 0


def cmd_hold_release(ctx: Context) -> int:
    view = retention.release_hold(ctx.database(), ctx.actor(), ctx.args.hold, ctx.args.reason)
    say(f"Legal hold {view.id} released; retention applies to {view.target.value} {view.entity_id} again.")
    return 0


def cmd_hold_list(ctx: Context) -> int:
    holds = retention.list_holds(ctx.database(), ctx.actor(), active_only=not ctx.args.all)
    print_table(["id", "on", "what", "reason", "placed", "released"],
                [(h.id, h.target.value, h.entity_id, h.reason, f"{h.placed_at:%Y-%m-%d}",
                  f"{h.released_at:%Y-%m-%d}" if h.released_at else "") for h in holds])
    return 0


def register(sub: Any) -> None:
    days = bounded_int(WINDOW_MIN_DAYS, WINDOW_MAX_DAYS)
    group_parser = group(sub, "retention", "how long data is kept, what is due, and the purge")
    add(group_parser, "preview", cmd_preview, "list what would be purged now, and why")
    purge = add(group_parser, "purge", cmd_purge, "back up, then purge what is due (not what is held)")
    purge.add_argument("--yes", action="store_true", help="confirm (without it the list is shown)")
    purge.add_argument("--server-backup-taken", action="store_true",
                       help="on a team server: confirm a pg_dump was taken (the app cannot dump the server)")
    policy = add(group_parser, "policy", cmd_policy, "show or change the retention windows (days)")
    for name in ("recordings", "transcripts", "drafts", "reviews"):
        policy.add_argument(f"--{name}", type=days, metavar="DAYS")
    hold = group(sub, "hold", "legal holds: suspend purging of a coach's, recording's or round's data")
    hold_add = add(hold, "add", cmd_hold_add, "place a legal hold")
    which = hold_add.add_mutually_exclusive_group(required=True)
    which.add_argument("--coach", type=record_id)
    which.add_argument("--recording", type=record_id)
    which.add_argument("--round", type=record_id)
    hold_add.add_argument("--reason", required=True, help="the case or request it serves (kept in the audit trail)")
    release = add(hold, "release", cmd_hold_release, "release a legal hold")
    release.add_argument("hold", type=record_id)
    release.add_argument("--reason", required=True)
    listing = add(hold, "list", cmd_hold_list, "legal holds in force (--all: released ones too)")
    listing.add_argument("--all", action="store_true")
