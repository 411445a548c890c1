"""Internal coaches: the roster by hand and from an HRIS export."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, date, group, level, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, print_warnings, say, visible
from supervisor_app.errors import ValidationError
from supervisor_app.services import coaches, roster, speaker_attribution
from supervisor_app.services.context import Actor


def _coach_json(row: coaches.CoachRow) -> dict[str, Any]:
    return {**dataclasses.asdict(row), "level": row.level.label, "recertification": row.recertification.value}


def cmd_coach_list(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    rows = coaches.list_coaches(db, actor, include_inactive=ctx.args.all)
    if ctx.args.json:
        print_json([_coach_json(r) for r in rows])
    else:
        print_table(["id", "name", "employee id", "level", "unit", "supervisor", "certified", "recert.", "active"],
                    [(r.id, r.name, r.employee_id, r.level.label, r.business_unit, r.supervisor_name,
                      r.certified_on, r.recertification.value, r.active) for r in rows])
    print_warnings(coaches.supervision_load_warnings(db, actor))
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
    say(f"Coach {saved.coach.name!r} added with id {saved.coach.id}.")
    print_warnings(saved.warnings)
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
    say(f"Coach {saved.coach.id} ({saved.coach.name}) updated.")
    print_warnings(saved.warnings)
    return 0


def _set_active(ctx: Context, active: bool) -> int:
    saved = coaches.set_coach_active(ctx.database(), ctx.actor(), ctx.args.id, active, ctx.args.reason or "")
    say(f"Coach {saved.coach.id} ({saved.coach.name}) {'reactivated' if active else 'deactivated'}.")
    print_warnings(saved.warnings)
    return 0


def cmd_coach_deactivate(ctx: Context) -> int:
    return _set_active(ctx, False)


def cmd_coach_activate(ctx: Context) -> int:
    return _set_active(ctx, True)


def cmd_coach_link(ctx: Context) -> int:
    if (ctx.args.account is None) == (not ctx.args.none):
        raise ValidationError("Give the coach's own user name with --account, or --none to remove the link.")
    say(coaches.link_account(ctx.database(), ctx.actor(), ctx.args.id, None if ctx.args.none else ctx.args.account))
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
        print(f"line {row.line}: " + visible("; ".join(row.errors)), file=sys.stderr)
    summary = (f"{plan.count('create')} to create, {plan.count('update')} to update, "
               f"{plan.count('unchanged')} unchanged, {len(plan.invalid)} invalid")
    if ctx.args.dry_run:
        print(f"Dry run: {summary}. Nothing was changed.")
        return 1 if plan.invalid else 0
    done = roster.apply(ctx.database(), actor, plan, skip_invalid=ctx.args.skip_invalid)
    print(f"Roster imported: {done['created']} created, {done['updated']} updated, {done['unchanged']} unchanged, "
          f"{done['skipped']} skipped.")
    return 0


def _coach_fields(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--name", required=required, help="full name")
    parser.add_argument("--level", type=level, required=required,
                        help="Coach in Training, Certified Internal Coach or Senior Coach")
    parser.add_argument("--unit", help="business unit")
    parser.add_argument("--supervisor", help="display name or id of the assigned supervisor")
    parser.add_argument("--certified", type=date, help="certification date, YYYY-MM-DD")
    parser.add_argument("--employee-id", help="HRIS employee id (unique)")


def cmd_coach_forget_voice(ctx: Context) -> int:
    if speaker_attribution.forget_voice(ctx.database(), ctx.actor(), ctx.args.id):
        say(f"Coach {ctx.args.id}'s remembered voice is deleted.")
    else:
        say(f"Coach {ctx.args.id} has no remembered voice.")
    return 0


def register(sub: Any) -> None:
    coach = group(sub, "coach", "internal coaches")
    coach_list = add(coach, "list", cmd_coach_list, "list coaches")
    coach_list.add_argument("--all", action="store_true", help="include deactivated coaches")
    coach_list.add_argument("--json", action="store_true")
    coach_add = add(coach, "add", cmd_coach_add, "add a coach")
    _coach_fields(coach_add, required=True)
    coach_edit = add(coach, "edit", cmd_coach_edit, "change a coach's details")
    coach_edit.add_argument("id", type=record_id)
    _coach_fields(coach_edit, required=False)
    coach_edit.add_argument("--clear-certified", action="store_true", help="remove the certification date")
    coach_edit.add_argument("--reason", help="why (kept in the audit trail)")
    for name, handler, text in (("deactivate", cmd_coach_deactivate, "mark a coach inactive"),
                                ("activate", cmd_coach_activate, "mark a coach active again")):
        toggle = add(coach, name, handler, text)
        toggle.add_argument("id", type=record_id)
        toggle.add_argument("--reason", help="why (kept in the audit trail)")

    forget = add(coach, "forget-voice", cmd_coach_forget_voice,
                 "delete the coach's remembered voice (their recordings then call the first voice heard Coach)")
    forget.add_argument("id", type=record_id)
    link = add(coach, "link", cmd_coach_link, "record which app account is the coach's own (never their own reviewer)")
    link.add_argument("id", type=record_id)
    link.add_argument("--account", help="the coach's user name")
    link.add_argument("--none", action="store_true", help="remove the link")

    roster_parser = add(sub, "import-roster", cmd_import_roster,
                        "import coaches from an HRIS export (CSV or XLSX), matched by employee id")
    roster_parser.add_argument("file")
    roster_parser.add_argument("--dry-run", action="store_true", help="check and report; change nothing")
    roster_parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the others")
    roster_parser.add_argument("--map", action="append", metavar="FIELD=Column",
                               help="which column holds a field (employee_id, name, level, business_unit, "
                                    "supervisor, certified_on, active); guessed from the header otherwise")
