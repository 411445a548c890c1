from __future__ import annotations

import json

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent, quote_for_range, submission_problems
from supervisor_app.core.rubric import parse_rubric
from supervisor_app.core.transcripts import Segment
from tests.conftest import REPO_ROOT

RUBRIC = parse_rubric(json.loads((REPO_ROOT / "resources/rubrics/grow-icf-core-1.0.json").read_text("utf-8")),
                      json.loads((REPO_ROOT / "schemas/rubric.schema.json").read_text("utf-8")))
SEGMENTS = (
    Segment(1, 0, 0.0, 4.0, "What would you like to work on?", "Coach",
            ((0.0, 0.5, " What", 0.9), (0.5, 1.0, " would", 0.9), (1.0, 1.4, " you", 0.9), (1.4, 2.0, " like", 0.9),
             (2.0, 2.4, " to", 0.9), (2.4, 3.0, " work", 0.9), (3.0, 4.0, " on?", 0.9))),
    Segment(2, 1, 4.5, 8.0, "Delegation, I think.", "Coachee", edited=True),
)


def test_quote_uses_word_timings_and_edited_text() -> None:
    assert quote_for_range(SEGMENTS, 1.1, 2.9) == "you like to work"
    assert quote_for_range(SEGMENTS, 3.5, 6.0) == "on? Delegation, I think."
    assert quote_for_range(SEGMENTS, 8.5, 9.0) == ""


def test_submission_rules() -> None:
    assert len(submission_problems(RUBRIC, ReviewContent())) == len(RUBRIC.competencies)
    scores = {c.id: CompetencyScore(c.id, not_observed=True) for c in RUBRIC.competencies}
    assert submission_problems(RUBRIC, ReviewContent(scores)) == []
    scores["measurable_follow_up"] = CompetencyScore("measurable_follow_up", gate_passed=False)
    assert submission_problems(RUBRIC, ReviewContent(scores)) == [
        "Sets a measurable follow-up: pin one moment of evidence from the recording (none yet)."]
    no_quote = (Evidence("measurable_follow_up", 1.0, 2.0),)
    assert submission_problems(RUBRIC, ReviewContent(scores, no_quote)) == [
        "Sets a measurable follow-up: every evidence item needs the quoted words."]
    quoted = (Evidence("measurable_follow_up", 1.0, 2.0, "By Friday"),)
    assert submission_problems(RUBRIC, ReviewContent(scores, quoted)) == []
