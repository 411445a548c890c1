"""Suggested evidence from the coach's turns: accepted into a draft as tagged evidence (nothing counts before),
and every refusal leaving the draft as it was."""

from __future__ import annotations

import pytest

from supervisor_app.errors import NotFoundError, PermissionDeniedError, ValidationError
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


def _session(db: Database, paths: AppPaths, file: str, day: int, advice: int) -> int:
    """A session of coach 3 on 2026-10-<day> whose coach gives `advice` pieces of advice among six turns."""
    import datetime as dt

    from supervisor_app.services import library
    from tests.conftest import AUDIO
    from tests.scripted import write_script

    recording = library.import_recording(db, login(db, "maria"), paths, AUDIO / file,
                                         library.RecordingInput(3, "Leader T", dt.date(2026, 10, day))).recording.id
    turns = ["You should write it down."] * advice + ["What would help?"] * (3 - advice)
    write_script(db, recording, tuple(line for text in turns for line in (("Coach", text), ("Coachee", "Hm."))))
    return recording


def test_advising_rising_across_sessions_reaches_drift_and_the_dashboard(demo_db: Database, paths: AppPaths) -> None:
    from supervisor_app.services import dashboard

    maria = login(demo_db, "maria")
    for file, day, advice in (("short.wav", 1, 0), ("short.ogg", 8, 1), ("short.mp3", 15, 2)):
        _session(demo_db, paths, file, day, advice)
    [trend] = stance.coach_trends(demo_db, maria)
    assert [p.session_date.day for p in trend.sessions] == [1, 8, 15]  # type: ignore[union-attr]
    assert [p.indicators.advice for p in trend.sessions] == [0, 1, 2]
    assert trend.advice_rising
    tile = {t.key: t for t in dashboard.dashboard(demo_db, maria).tiles}["stance_drift"]
    assert tile.value == "1"
    assert tile.rows[0][1] == "advice per 10 min rising across transcribed sessions"
    with pytest.raises(PermissionDeniedError):
        stance.coach_trends(demo_db, login(demo_db, "aisha"))
