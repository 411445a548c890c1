"""Suggested evidence from the coach's turns: accepted into a draft as tagged evidence (nothing counts before),
and every refusal leaving the draft as it was."""

from __future__ import annotations

import pytest

from supervisor_app.errors import NotFoundError, ValidationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import reviews, stance
from supervisor_app.store.db import Database
from tests.conftest import login
from tests.scripted import scripted_transcript

LINES = (
    ("Coach", "Hello, thanks for coming."),                       # 0–5 s: other, not suggested
    ("Coachee", "I keep doing everything myself."),
    ("Coach", "What stops you from handing it over?"),            # 10–15 s: open question
    ("Coachee", "I don't trust the result."),
    ("Coach", "You should just delegate the report."),            # 20–25 s: advice
    ("Coachee", "Maybe."),
    ("Coach", "It sounds like trust is the real issue."),         # 30–35 s: reflection
)


def test_suggestions_accepted_as_tagged_evidence(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths, LINES)
    found = stance.session_stance(demo_db, maria, recording)
    assert [(t.start_s, t.stance.short) for t in found.turns if t.stance] == [
        (0.0, "other"), (10.0, "open"), (20.0, "advice"), (30.0, "reflection")]
    assert found.indicators.coach_talk_share == pytest.approx(4 / 7)  # four of the seven 5-second lines
    draft = reviews.start_review(demo_db, maria, recording)
    assert draft.content.evidence == ()  # nothing counts until accepted
    detail = stance.accept_suggestion(demo_db, maria, draft.id, 12.0, "powerful_questioning")
    [item] = detail.content.evidence
    assert (item.competency_id, item.start_s, item.end_s, item.tag) == (
        "powerful_questioning", 10.0, 15.0, "asked open question")
    assert item.quote == "What stops you from handing it over?"
    assert item.note.startswith("accepted suggestion (open question")
    detail = stance.accept_suggestion(demo_db, maria, draft.id, 20.0, "generates_options")
    assert detail.content.evidence[-1].tag == "advised/told"
    before = reviews.get_review(demo_db, maria, draft.id).revision
    for at, competency, error, words in ((12.0, "powerful_questioning", ValidationError, "already evidence"),
                                         (2.0, "active_listening", NotFoundError, "No suggested coach turn"),
                                         (31.0, "no_such", NotFoundError, "no competency")):
        with pytest.raises(error, match=words):
            stance.accept_suggestion(demo_db, maria, draft.id, at, competency)
    assert reviews.get_review(demo_db, maria, draft.id).revision == before  # refusals change nothing
    with pytest.raises(ValidationError, match="No speaker is called"):
        stance.session_stance(demo_db, maria, recording, coach="Trainer")
