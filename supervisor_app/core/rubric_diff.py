"""What changed between two rubric documents: a list of changes a lead can read, and a line-per-item text of each
version for a side-by-side view.

Works on the decoded JSON documents (not parsed rubrics), so it can compare a draft with problems too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

LEVELS = ("1", "2", "3", "4", "5")


def _competencies(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = document.get("competencies", [])
    return [c for c in items if isinstance(c, Mapping)] if isinstance(items, Sequence) else []


def _by_id(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("id", "")): c for c in _competencies(document)}


def _assessment_lines(competency: Mapping[str, Any]) -> list[str]:
    assessment = competency.get("assessment", {})
    if not isinstance(assessment, Mapping):
        return []
    if assessment.get("type") == "gate":
        return [f"  Gate criterion: {assessment.get('criterion', '')}",
                *([f"  Pass example: {assessment['pass_example']}"] if assessment.get("pass_example") else []),
                *([f"  Fail example: {assessment['fail_example']}"] if assessment.get("fail_example") else [])]
    anchors = assessment.get("anchors", {})
    anchors = anchors if isinstance(anchors, Mapping) else {}
    return [f"  {level}: {anchors.get(level, '')}" for level in LEVELS]


def text_lines(document: Mapping[str, Any]) -> list[str]:
    """The document as one line per item, in its own order (what a side-by-side diff shows)."""
    model = document.get("coaching_model", {})
    model = model if isinstance(model, Mapping) else {}
    evidence = document.get("evidence_requirements", {})
    evidence = evidence if isinstance(evidence, Mapping) else {}
    lines = [f"Rubric {document.get('id', '')} version {document.get('version', '')}",
             f"Title: {document.get('title', '')}",
             f"Description: {document.get('description', '')}",
             f"Model: {model.get('name', '')}"]
    for stage in model.get("stages", []) if isinstance(model.get("stages"), Sequence) else []:
        if isinstance(stage, Mapping):
            lines.append(f"Stage {stage.get('id', '')}: {stage.get('title', '')} — {stage.get('description', '')}")
    lines.append("Evidence: " + ", ".join(f"{key} = {value}" for key, value in sorted(evidence.items())))
    for competency in _competencies(document):
        lines += ["", f"[{competency.get('id', '')}] {competency.get('title', '')}",
                  f"  {competency.get('category', '')}, stage {competency.get('stage', '—')}, "
                  f"{(competency.get('assessment') or {}).get('type', '')}"
                  + (f", at least {competency['min_evidence_items']} evidence item(s)"
                     if "min_evidence_items" in competency else ""),
                  f"  Description: {competency.get('description', '')}"]
        lines += [f"  Behaviour: {b}" for b in competency.get("behaviours", []) if isinstance(b, str)]
        lines += _assessment_lines(competency)
    return lines


def _field_changes(label: str, old: Mapping[str, Any], new: Mapping[str, Any], fields: Sequence[str]) -> list[str]:
    return [f"{label}: {name.replace('_', ' ')} changed" for name in fields if old.get(name) != new.get(name)]


def content_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The changes apart from the version number (a new number alone changes nothing a rater reads)."""
    return changes(old, {**new, "version": old.get("version")})


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Every change from `old` to `new`, worded for a change log (empty when they are the same)."""
    found = _field_changes("Rubric", old, new, ("id", "version", "title", "description"))
    if old.get("coaching_model") != new.get("coaching_model"):
        found.append("Coaching model or its stages changed")
    if old.get("evidence_requirements") != new.get("evidence_requirements"):
        found.append("Evidence requirements changed")
    before, after = _by_id(old), _by_id(new)
    found += [f"Competency added: {after[key].get('title', key)} ({key})" for key in after if key not in before]
    found += [f"Competency removed: {before[key].get('title', key)} ({key})" for key in before if key not in after]
    kept_old = [key for key in before if key in after]
    kept_new = [key for key in after if key in before]
    if kept_old != kept_new:
        found.append("Competencies reordered")
    for key in kept_new:
        was, now = before[key], after[key]
        label = f"{now.get('title', key)} ({key})"
        found += _field_changes(label, was, now, ("title", "description", "category", "stage", "behaviours",
                                                  "min_evidence_items"))
        old_assessment, new_assessment = was.get("assessment") or {}, now.get("assessment") or {}
        if old_assessment.get("type") != new_assessment.get("type"):
            found.append(f"{label}: now a {'pass/fail gate' if new_assessment.get('type') == 'gate' else '1–5 scale'}")
            continue
        old_anchors, new_anchors = old_assessment.get("anchors") or {}, new_assessment.get("anchors") or {}
        levels = [level for level in LEVELS if old_anchors.get(level) != new_anchors.get(level)]
        if levels:
            found.append(f"{label}: anchor{'s' if len(levels) > 1 else ''} {', '.join(levels)} reworded")
        found += _field_changes(label, old_assessment, new_assessment, ("criterion", "pass_example", "fail_example"))
    return found
