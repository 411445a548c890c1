"""A rubric rendered as readable HTML for a QTextBrowser."""

from __future__ import annotations

from html import escape

from supervisor_app.core.rubric import Rubric


def rubric_to_html(rubric: Rubric, origin: str = "") -> str:
    """`origin`: an HTML line saying which version it was edited from and why (empty for an import)."""
    parts = [
        f"<h1>{escape(rubric.title)}</h1>",
        f"<p class='meta'>{escape(rubric.id)} · version {escape(rubric.version)} · "
        f"model: {escape(rubric.model_name)} · {len(rubric.competencies)} competencies</p>",
        origin,
    ]
    if rubric.description:
        parts.append(f"<p>{escape(rubric.description)}</p>")
    stages = " → ".join(f"<b>{escape(s.title)}</b>" for s in rubric.stages)
    parts.append(f"<p>Spine: {stages}</p>")
    evidence = rubric.evidence
    parts.append(
        "<p class='meta'>Evidence: at least "
        f"{evidence.min_items_per_scored_competency} item(s) per scored competency"
        f"{', each with a transcript quote' if evidence.require_transcript_quote else ''}"
        f"{'; gate decisions need evidence' if evidence.gate_decision_requires_evidence else ''}.</p>"
    )
    for number, competency in enumerate(rubric.competencies, start=1):
        kind = "Pass/fail gate" if competency.is_gate else "1–5 scale"
        stage = rubric.stage_title(competency.stage)
        badge_class = "core" if competency.category.value == "core" else "disc"
        parts.append(
            f"<h2><a name='{escape(competency.id)}'></a>{number}. {escape(competency.title)}</h2>"
            f"<p class='meta'><span class='{badge_class}'>{competency.category.value}</span> · {kind}"
            f"{' · ' + escape(stage) if stage else ''} · id <code>{escape(competency.id)}</code></p>"
            f"<p>{escape(competency.description)}</p>"
            "<p class='label'>Observable behaviours</p><ul>"
            + "".join(f"<li>{escape(b)}</li>" for b in competency.behaviours)
            + "</ul>"
        )
        if competency.is_gate:
            parts.append(f"<p class='label'>Criterion</p><p>{escape(competency.criterion or '')}</p>")
        else:
            rows = "".join(f"<tr><td class='level'>{level}</td><td>{escape(text)}</td></tr>"
                           for level, text in competency.anchors.items())
            parts.append(f"<table class='anchors' cellspacing='0' cellpadding='6' width='100%'>{rows}</table>")
    style = (
        "<style>h1{font-size:20px;margin-bottom:2px} h2{font-size:16px;margin-top:18px;margin-bottom:2px}"
        ".meta{color:#5f6670} .label{font-weight:600;margin-bottom:0} .core{color:#0b57d0;font-weight:600}"
        ".disc{color:#6b4fa0;font-weight:600} td{border-bottom:1px solid #e3e6ea;vertical-align:top}"
        "td.level{font-weight:700;width:28px;text-align:center;color:#0b57d0}</style>"
    )
    return style + "".join(parts)
