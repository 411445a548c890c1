"""Competency rubrics: validate, import, list and show."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, group
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say
from supervisor_app.core import rubric_diff
from supervisor_app.core.rubric import Rubric
from supervisor_app.errors import ValidationError
from supervisor_app.services import rubrics


def cmd_rubric_validate(ctx: Context) -> int:
    rubric = rubrics.validate_rubric_file(Path(ctx.args.file))
    gates = sum(c.is_gate for c in rubric.competencies)
    say(f"{ctx.args.file}: valid rubric {rubric.key} ({len(rubric.competencies)} competencies, {gates} gates).")
    return 0


def cmd_rubric_import(ctx: Context) -> int:
    say(rubrics.import_rubric(ctx.database(), ctx.actor(), Path(ctx.args.file)).message)
    return 0


def cmd_rubric_list(ctx: Context) -> int:
    rows = rubrics.list_rubrics(ctx.database(), ctx.actor())
    if ctx.args.json:
        print_json([dataclasses.asdict(r) for r in rows])
    else:
        print_table(["id", "rubric", "version", "title", "competencies", "gates", "imported"],
                    [(r.id, r.rubric_key, r.version, r.title, r.competencies, r.gates, r.imported_at) for r in rows])
    return 0


def _describe_rubric(rubric: Rubric) -> None:
    say(f"{rubric.title}\n{rubric.key} · model: {rubric.model_name}\n")
    for competency in rubric.competencies:
        kind = "pass/fail gate" if competency.is_gate else "1–5 scale"
        stage = rubric.stage_title(competency.stage)
        say(f"[{competency.id}] {competency.title} ({competency.category.value}, {kind}"
            f"{', ' + stage if stage else ''})")
        for behaviour in competency.behaviours:
            say(f"    • {behaviour}")
        if competency.is_gate:
            say(f"    Criterion: {competency.criterion}")
        for anchor_level, anchor in competency.anchors.items():
            say(f"    {anchor_level}: {anchor}")
        print()


def cmd_rubric_show(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    summary = rubrics.find_rubric_version(db, actor, ctx.args.rubric)
    rubric = rubrics.get_rubric(db, actor, summary.id)
    if ctx.args.json:
        print_json(dataclasses.asdict(rubric))
    else:
        _describe_rubric(rubric)
    return 0


def _document(ctx: Context, reference: str) -> tuple[str, dict[str, Any]]:
    """A stored version (KEY, KEY@VERSION or id) or a rubric .json file, as (label, document)."""
    path = Path(reference)
    if path.suffix.lower() == ".json" and path.exists():
        rubrics.validate_rubric_file(path)
        return path.name, rubrics.read_rubric_file(path)
    summary = rubrics.find_rubric_version(ctx.database(), ctx.actor(), reference)
    return f"{summary.rubric_key}@{summary.version}", rubrics.stored_version(ctx.database(), ctx.actor(),
                                                                             summary.id).document


def cmd_rubric_diff(ctx: Context) -> int:
    (old_label, old), (new_label, new) = _document(ctx, ctx.args.old), _document(ctx, ctx.args.new)
    found = rubric_diff.changes(old, new)
    if ctx.args.json:
        print_json({"from": old_label, "to": new_label, "changes": found})
    else:
        say(f"{old_label} → {new_label}: " + (f"{len(found)} change(s)" if found else "no changes"))
        for change in found:
            say(f"  • {change}")
    return 0


def cmd_rubric_save(ctx: Context) -> int:
    db, actor = ctx.database(), ctx.actor()
    parent = rubrics.find_rubric_version(db, actor, ctx.args.based_on)
    path = Path(ctx.args.file)
    rubrics.validate_rubric_file(path)
    result = rubrics.save_edited_version(db, actor, parent.id, rubrics.read_rubric_file(path), ctx.args.note)
    say(f"Saved {result.rubric.rubric_key} version {result.rubric.version} as a new version based on "
        f"{parent.rubric_key}@{parent.version}; reviews scored against earlier versions keep them.")
    return 0


def cmd_rubric_export(ctx: Context) -> int:
    db, actor = ctx.database(), ctx.actor()
    summary = rubrics.find_rubric_version(db, actor, ctx.args.rubric)
    target = Path(ctx.args.out)
    if target.suffix.lower() == ".pdf":
        from supervisor_app.services import rubric_pdf  # fpdf only when a PDF is asked for

        layout = rubric_pdf.write_pdf(rubrics.get_rubric(db, actor, summary.id), target)
        say(f"Wrote {target}: {summary.rubric_key}@{summary.version} as a printable page for coaches "
            f"({layout.size:g} pt type).")
    elif target.suffix.lower() == ".json":
        rubrics.export_json(db, actor, summary.id, target)
        say(f"Wrote {target}: {summary.rubric_key}@{summary.version} as JSON (`rubric import` reads it).")
    else:
        raise ValidationError(f"{target.name}: give the file a .json (to edit or import) or .pdf (to print) "
                              "extension.", field="out")
    return 0


def register(sub: Any) -> None:
    rubric = group(sub, "rubric", "competency rubrics")
    validate = add(rubric, "validate", cmd_rubric_validate,
                   "check a rubric JSON file; prints every error with its JSON path")
    validate.add_argument("file")
    rubric_import = add(rubric, "import", cmd_rubric_import, "import a rubric file as a new version")
    rubric_import.add_argument("file")
    rubric_list = add(rubric, "list", cmd_rubric_list, "list stored rubric versions")
    rubric_list.add_argument("--json", action="store_true")
    show = add(rubric, "show", cmd_rubric_show, "show a stored rubric: KEY, KEY@VERSION or id")
    show.add_argument("rubric")
    show.add_argument("--json", action="store_true")
    export = add(rubric, "export", cmd_rubric_export,
                 "write a stored version as JSON (what `rubric import` reads) or as a one-page PDF for coaches")
    export.add_argument("rubric", help="KEY, KEY@VERSION or id")
    export.add_argument("--out", required=True, help="FILE.json or FILE.pdf")
    diff = add(rubric, "diff", cmd_rubric_diff, "what changed between two versions (stored or .json files)")
    diff.add_argument("old", help="KEY@VERSION, id or a .json file")
    diff.add_argument("new", help="KEY@VERSION, id or a .json file")
    diff.add_argument("--json", action="store_true")
    save = add(rubric, "save", cmd_rubric_save,
               "store an edited rubric file as a new version of the one it was edited from, with a change note")
    save.add_argument("file")
    save.add_argument("--based-on", required=True, help="the version it was edited from: KEY@VERSION or id")
    save.add_argument("--note", required=True, help="what changed and why (kept with the version)")
