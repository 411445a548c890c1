from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from supervisor_app.core.rubric import AssessmentType, Category, decode_rubric_bytes, parse_rubric
from supervisor_app.errors import DocumentInvalidError
from tests.conftest import DATA, REPO_ROOT

SCHEMA = json.loads((REPO_ROOT / "schemas" / "rubric.schema.json").read_text("utf-8"))
DEFAULT = json.loads((REPO_ROOT / "resources" / "rubrics" / "grow-icf-core-1.0.json").read_text("utf-8"))


def issues_of(document: Any) -> list[tuple[str, str]]:
    with pytest.raises(DocumentInvalidError) as caught:
        parse_rubric(document, SCHEMA)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def test_default_rubric_is_valid_and_meets_the_brief() -> None:
    rubric = parse_rubric(DEFAULT, SCHEMA)
    assert rubric.key == "grow-icf-core@1.0"
    assert rubric.model_name == "GROW"
    assert len(rubric.competencies) >= 8
    gates = [c for c in rubric.competencies if c.assessment is AssessmentType.GATE]
    assert len(gates) >= 2
    assert all(c.criterion for c in gates)
    scales = [c for c in rubric.competencies if not c.is_gate]
    assert all(sorted(c.anchors) == [1, 2, 3, 4, 5] for c in scales)
    assert {c.category for c in rubric.competencies} == {Category.CORE, Category.DISCRETIONARY}
    assert all(rubric.stage_title(c.stage) for c in rubric.competencies)


def test_competency_evidence_minimum_defaults_to_rubric_rule() -> None:
    rubric = parse_rubric(DEFAULT, SCHEMA)
    assert rubric.competency("active_listening").min_evidence_items == 1
    with pytest.raises(KeyError):
        rubric.competency("no_such_competency")


def test_wrong_types_are_reported_with_their_paths() -> None:
    doc = copy.deepcopy(DEFAULT)
    doc["competencies"][1]["behaviours"] = "listens"
    doc["evidence_requirements"]["min_items_per_scored_competency"] = "one"
    found = issues_of(doc)
    assert ("$.competencies[1].behaviours", "must be of type array, not str") in found
    assert ("$.evidence_requirements.min_items_per_scored_competency", "must be of type integer, not str") in found


def test_missing_anchor_names_the_level() -> None:
    doc = copy.deepcopy(DEFAULT)
    del doc["competencies"][2]["assessment"]["anchors"]["4"]
    assert issues_of(doc) == [("$.competencies[2].assessment.anchors", "missing required field '4'")]


def test_blank_anchor_text_is_refused() -> None:
    doc = copy.deepcopy(DEFAULT)
    doc["competencies"][0]["assessment"]["anchors"]["5"] = "   "
    assert issues_of(doc) == [("$.competencies[0].assessment.anchors['5']", "must not be empty")]


def test_sixth_scale_level_is_refused() -> None:
    doc = copy.deepcopy(DEFAULT)
    doc["competencies"][0]["assessment"]["anchors"]["6"] = "Beyond excellent"
    path, message = issues_of(doc)[0]
    assert path == "$.competencies[0].assessment.anchors"
    assert "'6'" in message


def test_duplicate_competency_ids_point_at_both_places() -> None:
    doc = copy.deepcopy(DEFAULT)
    doc["competencies"][6]["id"] = doc["competencies"][0]["id"]
    [(path, message)] = issues_of(doc)
    assert path == "$.competencies[6].id"
    assert "establishes_agreement" in message
    assert "$.competencies[0]" in message


def test_unknown_stage_reference_is_refused() -> None:
    doc = copy.deepcopy(DEFAULT)
    doc["competencies"][3]["stage"] = "closing"
    [(path, message)] = issues_of(doc)
    assert path == "$.competencies[3].stage"
    assert "closing" in message
    assert "goal" in message


def test_gate_needs_its_criterion_and_a_known_type() -> None:
    doc = copy.deepcopy(DEFAULT)
    del doc["competencies"][8]["assessment"]["criterion"]
    doc["competencies"][9]["assessment"]["type"] = "checkbox"
    assert issues_of(doc) == [
        ("$.competencies[8].assessment", "missing required field 'criterion'"),
        ("$.competencies[9].assessment.type", "must be one of 'scale', 'gate', not 'checkbox'"),
    ]


def test_gate_with_anchors_is_refused() -> None:
    doc = copy.deepcopy(DEFAULT)
    doc["competencies"][8]["assessment"]["anchors"] = {"1": "x"}
    [(path, message)] = issues_of(doc)
    assert path == "$.competencies[8].assessment"
    assert "anchors" in message


def test_every_problem_is_listed_not_only_the_first() -> None:
    doc = {"id": "Bad Id", "competencies": [{"id": "a"}]}
    found = dict(issues_of(doc))
    assert len(issues_of(doc)) >= 8
    assert "missing required field 'version'" in [m for p, m in issues_of(doc) if p == "$"]
    assert "lower-case" in found["$.id"]


@pytest.mark.parametrize("document", [[], "rubric", 42, None])
def test_a_document_that_is_not_an_object(document: object) -> None:
    [(path, message)] = issues_of(document)
    assert path == "$"
    assert message.startswith("must be of type object")


@pytest.mark.parametrize(("name", "expected"), [
    ("empty.json", "the file is empty"),
    ("not_json.json", "not valid JSON: Expecting ',' delimiter at line 3"),
    ("latin1.json", "not UTF-8 text"),
])
def test_undecodable_files(name: str, expected: str) -> None:
    with pytest.raises(DocumentInvalidError) as caught:
        decode_rubric_bytes((DATA / "rubrics" / name).read_bytes())
    assert caught.value.issues[0].path == "$"
    assert expected in caught.value.issues[0].message


def test_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(DocumentInvalidError, match="at most"):
        decode_rubric_bytes(b" " + b"[" * 2_100_000)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + json.dumps(DEFAULT).encode("utf-8")
    assert parse_rubric(decode_rubric_bytes(data), SCHEMA).id == "grow-icf-core"
