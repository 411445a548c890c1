"""Competency rubrics: validate, import, list and show."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, group
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say
from supervisor_app.core.rubric import Rubric
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
