"""The outcomes brief: figures from a constructed quarter, and a real one-page PDF with them in it."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from supervisor_app.errors import ValidationError
from supervisor_app.services import audits, outcomes, reviews
from supervisor_app.store.db import Database
from tests.cli.test_parity_cli import COMPETENCIES
from tests.conftest import login
from tests.services.test_audits import QUARTER, _ids, recorded  # noqa: F401 - the fixture


def _score_all(db: Database, listening: dict[str, int]) -> None:
    for user in ("aisha", "tom"):
        rater = login(db, user)
        for assignment in audits.list_assignments(db, rater):
            review = reviews.start_review(db, rater, assignment.recording_id)
            scores = {c: reviews.CompetencyScore(c, not_observed=True) for c in COMPETENCIES}
            scores["active_listening"] = reviews.CompetencyScore("active_listening", listening[user])
            scores["powerful_questioning"] = reviews.CompetencyScore("powerful_questioning", 4)
            scores["measurable_follow_up"] = reviews.CompetencyScore("measurable_follow_up", gate_passed=user == "tom")
            evidence = tuple(reviews.Evidence(c, 0.5, 2.0, quote="What would you like?")
                             for c in ("active_listening", "powerful_questioning", "measurable_follow_up"))
            reviews.save_draft(db, rater, review.id, reviews.ReviewContent(scores, evidence))
            reviews.submit(db, rater, review.id)


def test_the_brief_of_a_constructed_quarter(recorded: Database, tmp_path: Path) -> None:  # noqa: F811
    maria = login(recorded, "maria")
    audits.create_cycle(recorded, maria, QUARTER, share="0.25", seed=5)
    aisha, tom = _ids(recorded, "Aisha Okafor", "Tom Berg")
    audits.assign_cycle(recorded, maria, QUARTER,
                        audits.propose_assignments(recorded, maria, QUARTER, [aisha, tom], Fraction(1)))
    _score_all(recorded, {"aisha": 2, "tom": 3})
    found = outcomes.outcomes(recorded, maria, QUARTER)
    assert (found.frame, found.sampled, found.reviewed, found.double_scored) == (11, 3, 3, 3)
    by_title = {c.title: c for c in found.competencies}
    assert by_title["Listens actively"].mean == pytest.approx(2.5)
    assert by_title["Asks powerful questions"].mean == pytest.approx(4.0)
    assert by_title["Sets a measurable follow-up"].pass_rate == pytest.approx(0.5)
    assert found.below_standard == 3  # Aisha's three: a core competency under 3 and a failed gate
    assert found.gaps == (("Listens actively", 3), ("Sets a measurable follow-up", 3))
    assert found.within_one == pytest.approx(1.0)
    target = tmp_path / "brief.pdf"
    outcomes.write_brief(recorded, maria, QUARTER, target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/Count 1" in data  # one page
    with pytest.raises(ValidationError, match=r"\.pdf extension"):
        outcomes.write_brief(recorded, maria, QUARTER, tmp_path / "brief.docx")
