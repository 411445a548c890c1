"""The rubric: a versioned list of competencies, each a 1–5 anchored scale or a pass/fail gate.

`parse_rubric` checks a decoded JSON document against the JSON Schema it is handed, then the rules a
schema cannot express (unique ids, stage references), and reports every problem with its JSON path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from supervisor_app.core.documents import check_against, decode_json
from supervisor_app.errors import DocumentInvalidError, Issue

SCALE_LEVELS = (1, 2, 3, 4, 5)
MAX_RUBRIC_BYTES = 2_000_000


class Category(StrEnum):
    CORE = "core"
    DISCRETIONARY = "discretionary"


class AssessmentType(StrEnum):
    SCALE = "scale"
    GATE = "gate"


@dataclass(frozen=True)
class Stage:
    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Competency:
    id: str
    title: str
    description: str
    category: Category
    stage: str | None
    behaviours: tuple[str, ...]
    assessment: AssessmentType
    anchors: Mapping[int, str]
    criterion: str | None
    min_evidence_items: int

    @property
    def is_gate(self) -> bool:
        return self.assessment is AssessmentType.GATE


@dataclass(frozen=True)
class EvidenceRequirements:
    min_items_per_scored_competency: int
    require_transcript_quote: bool
    gate_decision_requires_evidence: bool
    max_clip_seconds: float | None


@dataclass(frozen=True)
class Rubric:
    id: str
    version: str
    title: str
    description: str
    model_name: str
    model_description: str
    stages: tuple[Stage, ...]
    evidence: EvidenceRequirements
    competencies: tuple[Competency, ...]

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def competency(self, competency_id: str) -> Competency:
        for competency in self.competencies:
            if competency.id == competency_id:
                return competency
        raise KeyError(competency_id)

    def stage_title(self, stage_id: str | None) -> str:
        return next((stage.title for stage in self.stages if stage.id == stage_id), "")


def _semantic_issues(document: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    stages = document["coaching_model"]["stages"]
    stage_ids: set[str] = set()
    for index, stage in enumerate(stages):
        if stage["id"] in stage_ids:
            issues.append(Issue(f"$.coaching_model.stages[{index}].id", f"duplicate stage id {stage['id']!r}"))
        stage_ids.add(stage["id"])
    seen: dict[str, int] = {}
    for index, competency in enumerate(document["competencies"]):
        path = f"$.competencies[{index}]"
        competency_id = competency["id"]
        if competency_id in seen:
            issues.append(Issue(f"{path}.id", f"duplicate competency id {competency_id!r} "
                                              f"(first used at $.competencies[{seen[competency_id]}])"))
        else:
            seen[competency_id] = index
        stage = competency.get("stage")
        if stage is not None and stage not in stage_ids:
            issues.append(Issue(f"{path}.stage", f"refers to unknown stage {stage!r}; "
                                                 f"defined stages: {', '.join(sorted(stage_ids))}"))
    return issues


def _build(document: Mapping[str, Any]) -> Rubric:
    evidence = document["evidence_requirements"]
    default_min = int(evidence["min_items_per_scored_competency"])
    competencies = []
    for item in document["competencies"]:
        assessment = item["assessment"]
        kind = AssessmentType(assessment["type"])
        anchors = {int(level): text for level, text in assessment.get("anchors", {}).items()}
        competencies.append(Competency(
            id=item["id"], title=item["title"].strip(), description=item["description"].strip(),
            category=Category(item["category"]), stage=item.get("stage"),
            behaviours=tuple(text.strip() for text in item["behaviours"]),
            assessment=kind, anchors=dict(sorted(anchors.items())),
            criterion=assessment.get("criterion"),
            min_evidence_items=int(item.get("min_evidence_items", default_min)),
        ))
    model = document["coaching_model"]
    return Rubric(
        id=document["id"], version=document["version"], title=document["title"].strip(),
        description=document.get("description", "").strip(),
        model_name=model["name"].strip(), model_description=model.get("description", "").strip(),
        stages=tuple(Stage(s["id"], s["title"].strip(), s.get("description", "").strip()) for s in model["stages"]),
        evidence=EvidenceRequirements(
            min_items_per_scored_competency=default_min,
            require_transcript_quote=bool(evidence.get("require_transcript_quote", True)),
            gate_decision_requires_evidence=bool(evidence.get("gate_decision_requires_evidence", True)),
            max_clip_seconds=evidence.get("max_clip_seconds"),
        ),
        competencies=tuple(competencies),
    )


def parse_rubric(document: object, schema: Mapping[str, Any], *, source: str = "The rubric") -> Rubric:
    """Validate a decoded rubric document; raise DocumentInvalidError listing every problem."""
    check_against(document, schema, source)
    issues = _semantic_issues(cast(Mapping[str, Any], document))
    if issues:
        raise DocumentInvalidError(source, issues)
    return _build(cast(Mapping[str, Any], document))


def decode_rubric_bytes(data: bytes, *, source: str = "The rubric file") -> object:
    """Decode the bytes of a rubric file as strict JSON; the error says what is wrong and where."""
    return decode_json(data, source, MAX_RUBRIC_BYTES)
