"""Coach-stance suggestions: classify utterances with the documented rule set, and a session's indicators."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, group, moment, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say
from supervisor_app.core.stance import classify
from supervisor_app.core.transcripts import clock
from supervisor_app.errors import ValidationError
from supervisor_app.files import read_bounded
from supervisor_app.services import stance

MAX_UTTERANCE_FILE = 20_000_000


def cmd_stance_classify(ctx: Context) -> int:
    data = read_bounded(Path(ctx.args.file), MAX_UTTERANCE_FILE, "an utterance file")
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{ctx.args.file} is not UTF-8 text (byte {exc.start}); save it as UTF-8, one "
                              "utterance per line.") from None
    results = [classify(line) for line in lines]
    if ctx.args.json:
        print_json([{"utterance": line, "label": r.stance.short, "stance": r.stance.value, "rule": r.rule}
                    for line, r in zip(lines, results, strict=True)])
    else:
        for result in results:
            print(result.stance.short)
    return 0


def _figure(value: float | None, text: str = "{:.1f}") -> str:
    return "—" if value is None else text.format(value)


def cmd_stance_show(ctx: Context) -> int:
    found = stance.session_stance(ctx.database(), ctx.actor(), ctx.args.recording, ctx.args.coach)
    figures = found.indicators
    summary = {
        "coach_talk_share": figures.coach_talk_share, "questions_per_10_min": figures.questions_per_10_min,
        "open_question_share": figures.open_share, "reflection_to_question": figures.reflection_to_question,
        "reflection_to_question_band": figures.rq_band, "advice_per_10_min": figures.advice_per_10_min,
        "questions": figures.questions, "open_questions": figures.open_questions,
        "reflections": figures.reflections, "advice": figures.advice, "minutes": figures.minutes,
    }
    if ctx.args.json:
        print_json({"recording_id": found.recording_id, "coach_label": found.coach_label, "indicators": summary,
                    "turns": [dataclasses.asdict(t) | {"stance": t.stance.value if t.stance else None}
                              for t in found.turns]})
        return 0
    say(f"Recording {found.recording_id}, coach = {found.coach_label!r} — suggestions from a rule set, not scores.")
    say(f"  coach talk time {_figure(figures.coach_talk_share, '{:.0%}')} · questions per 10 min "
        f"{_figure(figures.questions_per_10_min)} · open questions {_figure(figures.open_share, '{:.0%}')} · "
        f"reflections per question {_figure(figures.reflection_to_question, '{:.2f}')} ({figures.rq_band}) · "
        f"advice per 10 min {_figure(figures.advice_per_10_min)}")
    print_table(["from", "speaker", "move", "text"],
                [(clock(t.start_s), t.speaker, t.stance.value if t.stance else "", t.text) for t in found.turns])
    return 0


def cmd_stance_accept(ctx: Context) -> int:
    a = ctx.args
    detail = stance.accept_suggestion(ctx.database(), ctx.actor(), a.review, a.at, a.competency, a.coach)
    added = detail.content.evidence[-1]
    say(f"Review {detail.id}: the coach turn at {clock(added.start_s)} is now evidence for "
        f"{detail.rubric.competency(added.competency_id).title}, tagged {added.tag!r}.")
    return 0


def register(sub: Any) -> None:
    root = group(sub, "stance", "coach-stance suggestions: open/closed questions, reflections, advice")
    classify_cmd = add(root, "classify", cmd_stance_classify,
                       "one utterance per line in, one label per line out (open, closed, reflection, advice, "
                       "other, unsure)")
    classify_cmd.add_argument("file")
    classify_cmd.add_argument("--json", action="store_true", help="with the rule that decided each label")
    show = add(root, "show", cmd_stance_show, "a recording's coach turns, classified, and the session's indicators")
    show.add_argument("recording", type=record_id)
    show.add_argument("--coach", help="the speaker label of the coach (default: Coach, or the coach's name)")
    show.add_argument("--json", action="store_true")
    accept = add(root, "accept", cmd_stance_accept,
                 "accept a suggested coach turn into your draft as tagged evidence for a competency")
    accept.add_argument("review", type=record_id)
    accept.add_argument("--at", required=True, type=moment, help="the turn's time, 0:01:02 or seconds")
    accept.add_argument("--competency", required=True, help="competency id, e.g. powerful_questioning")
    accept.add_argument("--coach", help="the speaker label of the coach (default: Coach, or the coach's name)")
