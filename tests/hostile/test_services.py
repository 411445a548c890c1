"""The same refusals through the services, as the GUI calls them: nothing stored, a message in words."""

from __future__ import annotations

import datetime as dt

import pytest

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.errors import ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import calibration, library, reviews
from supervisor_app.store.db import Database
from tests.conftest import AUDIO, login


@pytest.fixture
def recording(demo_db: Database, paths: AppPaths) -> int:
    return library.import_recording(demo_db, login(demo_db, "maria"), paths, AUDIO / "short.wav",
                                    library.RecordingInput(1, "Leader Z")).recording.id


def test_half_a_character_pair_in_a_rationale_or_quote_never_reaches_the_database(demo_db: Database,
                                                                                  recording: int) -> None:
    maria = login(demo_db, "maria")
    review = reviews.start_review(demo_db, maria, recording)
    good = ReviewContent({"active_listening": CompetencyScore("active_listening", 3, rationale="Fine.")})
    reviews.save_draft(demo_db, maria, review.id, good)
    for content in (
        ReviewContent({"active_listening": CompetencyScore("active_listening", 4, rationale="Good \ud800")}),
        ReviewContent(good.scores, (Evidence("active_listening", 0.0, 1.0, quote="\udfff"),)),
    ):
        with pytest.raises(ValidationError, match="half of a character pair"):
            reviews.save_draft(demo_db, maria, review.id, content)
    stored = reviews.get_review(demo_db, maria, review.id).content
    assert stored.scores["active_listening"].score == 3
    assert stored.evidence == ()


def test_a_pseudonym_or_round_title_that_cannot_be_stored(demo_db: Database, recording: int) -> None:
    maria = login(demo_db, "maria")
    before = library.get_recording(demo_db, maria, recording)
    with pytest.raises(ValidationError, match="coachee pseudonym"):
        library.update_recording(demo_db, maria, recording, library.RecordingInput(before.coach_id, "Leader \udcff"))
    assert library.get_recording(demo_db, maria, recording).coachee_pseudonym == before.coachee_pseudonym
    panel = [c.id for c in calibration.panel_candidates(demo_db, maria)][:2]
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    rounds_before = calibration.list_rounds(demo_db, maria)
    with pytest.raises(ValidationError, match="at most 200"):
        calibration.create_round(demo_db, maria, "x" * 201, [recording], panel, 1, due)
    with pytest.raises(ValidationError, match="half of a character pair"):
        calibration.create_round(demo_db, maria, "Panel \ud800", [recording], panel, 1, due)
    assert calibration.list_rounds(demo_db, maria) == rounds_before
