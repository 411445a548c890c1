"""The database is the guard: what each login can and cannot read or change, proven with plain SQL connections
(psycopg, as anyone holding the login and psql would), not through our services."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from psycopg import errors as pg_errors

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.services import calibration, library, reviews, rubrics
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from tests.conftest import AUDIO
from tests.team import Team


def _submit_scored(db: Database, actor: Actor, listening: int) -> int:
    [summary] = [r for r in reviews.list_reviews(db, actor) if r.status == "draft"]
    detail = reviews.get_review(db, actor, summary.id)
    scores = {c.id: (CompetencyScore(c.id, score=listening) if c.id == "active_listening"
                     else CompetencyScore(c.id, not_observed=True)) for c in detail.rubric.competencies}
    evidence = (Evidence("active_listening", 1.0, 3.0, f"quote by {actor.username}"),)
    reviews.save_draft(db, actor, detail.id, ReviewContent(scores, evidence))
    reviews.submit(db, actor, detail.id)
    return detail.id


def _rows(connection: psycopg.Connection[tuple[object, ...]], sql: str) -> list[tuple[object, ...]]:
    return connection.execute(sql).fetchall()


@pytest.fixture
def program(team: Team) -> dict[str, int]:
    """Recording A in an open round scored by r1 (submitted) and r2 (draft); recording B in nobody's work."""
    sup_db, sup, sup_paths = team.open("sup")
    a = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac", library.RecordingInput(1)).recording
    b = library.import_recording(sup_db, sup, sup_paths, AUDIO / "short.ogg", library.RecordingInput(1)).recording
    raters = [team.open(name)[1].user_id for name in ("r1", "r2")]
    rubric = rubrics.list_rubrics(sup_db, sup)[0].id
    round_id = calibration.create_round(sup_db, sup, "Panel", [a.id], raters, rubric,
                                        dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
    r1_db, r1, _ = team.open("r1")
    r1_review = _submit_scored(r1_db, r1, 4)
    r2_db, r2, _ = team.open("r2")
    [r2_summary] = reviews.list_reviews(r2_db, r2)
    detail = reviews.get_review(r2_db, r2, r2_summary.id)
    reviews.save_draft(r2_db, r2, detail.id, ReviewContent(
        {"active_listening": CompetencyScore("active_listening", score=2)},
        (Evidence("active_listening", 4.0, 6.0, "r2 secret"),)))
    return {"a": a.id, "b": b.id, "round": round_id, "r1_review": r1_review, "r2_review": r2_summary.id}


def test_a_rater_reads_only_the_recordings_of_their_work(team: Team, program: dict[str, int]) -> None:
    with team.psql("r1") as r1, team.psql("sup") as sup:
        assert _rows(r1, "SELECT id FROM recordings") == [(program["a"],)]
        assert {row[0] for row in _rows(sup, "SELECT id FROM recordings")} == {program["a"], program["b"]}
        a_sha, b_sha = (_rows(sup, f"SELECT sha256 FROM recordings WHERE id = {program[k]}")[0][0] for k in "ab")
        assert _rows(r1, f"SELECT count(*) FROM recording_chunks WHERE sha256 = '{a_sha}'")[0][0] > 0
        assert _rows(r1, f"SELECT count(*) FROM recording_chunks WHERE sha256 = '{b_sha}'") == [(0,)]
        assert _rows(r1, f"SELECT count(*) FROM recording_blobs WHERE sha256 = '{b_sha}'") == [(0,)]
        with pytest.raises(pg_errors.InsufficientPrivilege):
            r1.execute("DELETE FROM recordings")
        with pytest.raises(pg_errors.InsufficientPrivilege):
            r1.execute("SELECT password_hash FROM users")


def test_open_round_scores_and_evidence_are_readable_only_by_their_author(team: Team,
                                                                          program: dict[str, int]) -> None:
    r1_review, r2_review = program["r1_review"], program["r2_review"]
    with team.psql("r1") as r1, team.psql("r2") as r2, team.psql("sup") as sup, team.psql("admin") as admin:
        assert {row[0] for row in _rows(r1, "SELECT review_id FROM review_scores")} == {r1_review}
        assert _rows(r2, "SELECT quote FROM evidence_items") == [("r2 secret",)]
        for other in (sup, admin):  # not even the lead or the administrator, while the round is open
            assert _rows(other, "SELECT count(*) FROM review_scores") == [(0,)]
            assert _rows(other, "SELECT count(*) FROM evidence_items") == [(0,)]
        # the review rows themselves (who has submitted) stay visible to the lead for progress
        assert len(_rows(sup, "SELECT id, status FROM reviews")) == 2
        # nobody writes into another's review: an insert is refused, an update or delete finds nothing
        with pytest.raises(pg_errors.InsufficientPrivilege):
            r1.execute(f"INSERT INTO review_scores (review_id, competency_id, score, not_observed, rationale) "
                       f"VALUES ({r2_review}, 'x', 5, false, '')")
        assert r1.execute(f"UPDATE review_scores SET score = 1 WHERE review_id = {r2_review}").rowcount == 0
        assert r1.execute(f"DELETE FROM evidence_items WHERE review_id = {r2_review}").rowcount == 0
        # a submitted review's scores are frozen for its author too
        assert r1.execute(f"UPDATE review_scores SET score = 1 WHERE review_id = {r1_review}").rowcount == 0
        assert _rows(r2, f"SELECT score FROM review_scores WHERE review_id = {r2_review}") == [(2,)]


def _everyone_submits_and_the_lead_reveals(team: Team, program: dict[str, int]) -> None:
    r2_db, r2, _ = team.open("r2")
    _submit_scored(r2_db, r2, 2)
    sup_db, sup, _ = team.open("sup")
    calibration.reveal(sup_db, sup, program["round"])


def test_after_the_reveal_the_panel_and_the_lead_read_the_scores(team: Team, program: dict[str, int]) -> None:
    _everyone_submits_and_the_lead_reveals(team, program)
    with team.psql("r2") as r2_sql, team.psql("sup") as sup_sql:
        assert {row[0] for row in _rows(r2_sql, "SELECT review_id FROM review_scores")} == {
            program["r1_review"], program["r2_review"]}
        assert _rows(sup_sql, "SELECT count(*) FROM evidence_items")[0][0] == 2


def test_hr_reads_aggregate_views_only(team: Team, program: dict[str, int]) -> None:
    with team.psql("hr") as hr:  # an open round's submitted scores are in no aggregate yet
        assert _rows(hr, "SELECT count(*) FROM hr_competency_scores") == [(0,)]
    _everyone_submits_and_the_lead_reveals(team, program)
    with team.psql("hr") as hr:
        rows = _rows(hr, "SELECT coach_name, competency_id, scored, mean_score FROM hr_competency_scores")
        assert rows == [("Coach One", "active_listening", 2, 3.0)]
        assert _rows(hr, "SELECT coach_name, submitted_reviews FROM hr_review_counts") == [("Coach One", 2)]
        for table in ("recordings", "transcripts", "transcript_segments", "reviews", "review_scores",
                      "evidence_items", "recording_chunks", "round_notes"):
            with pytest.raises(pg_errors.InsufficientPrivilege):
                hr.execute(f"SELECT * FROM {table} LIMIT 1")
        with pytest.raises(pg_errors.InsufficientPrivilege):
            hr.execute("SELECT coachee_pseudonym FROM recordings")


@pytest.mark.parametrize("who", ["admin", "sup", "r1", "hr"])
def test_the_audit_trail_is_insert_only_for_everyone(team: Team, program: dict[str, int], who: str) -> None:
    with team.psql(who) as connection:
        for statement in ("UPDATE audit_events SET reason = 'rewritten'", "DELETE FROM audit_events",
                          "TRUNCATE audit_events"):
            with pytest.raises(pg_errors.InsufficientPrivilege):
                connection.execute(statement)
        visible = _rows(connection, "SELECT count(*) FROM audit_events")[0][0]
        total = _rows(connection, "SELECT cs_audit_count()")[0][0]
        assert (visible == total) == (who == "admin")  # others see only their own events


def test_an_audit_assignment_opens_its_recording_and_transcript_until_it_is_reassigned(team: Team) -> None:
    from sqlalchemy import text

    from supervisor_app.services import audits

    sup_db, sup, sup_paths = team.open("sup")
    assigned = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                        library.RecordingInput(1)).recording.id
    other = library.import_recording(sup_db, sup, sup_paths, AUDIO / "short.ogg",
                                     library.RecordingInput(1)).recording.id
    with sup_db.transaction() as session:  # a transcript for each (as the worker would write them)
        for recording_id in (assigned, other):
            transcript_id = session.execute(text(
                "INSERT INTO transcripts (recording_id, status, model_name, model_sha256, engine_version, settings, "
                "language, language_probability, created_at) VALUES (:r, 'complete', 'm', '', '', '{}', 'en', 1, "
                "now()) RETURNING id"), {"r": recording_id}).scalar_one()
            session.execute(text(
                "INSERT INTO transcript_segments (transcript_id, idx, start_s, end_s, text, speaker, words, "
                "avg_logprob, no_speech_prob, edited) VALUES (:t, 0, 0, 1, :words, '', '[]', 0, 0, false)"),
                {"t": transcript_id, "words": f"said in recording {recording_id}"})
    r1_id = team.open("r1")[1].user_id
    with team.psql("r1") as r1:
        assert _rows(r1, "SELECT count(*) FROM recordings") == [(0,)]  # nothing assigned yet
    row = audits.add_assignment(sup_db, sup, assigned, r1_id, dt.datetime.now(dt.UTC) + dt.timedelta(days=14))
    with team.psql("r1") as r1:
        assert _rows(r1, "SELECT id FROM recordings") == [(assigned,)]
        assert _rows(r1, "SELECT text FROM transcript_segments") == [(f"said in recording {assigned}",)]
        assert len(_rows(r1, "SELECT id FROM assignments")) == 1
    audits.reassign(sup_db, sup, row.id, team.open("r2")[1].user_id, "Away for two weeks, reassigned.")
    with team.psql("r1") as r1, team.psql("r2") as r2:
        assert _rows(r1, "SELECT count(*) FROM recordings") == [(0,)]  # no review started: access ends
        assert _rows(r1, "SELECT count(*) FROM transcript_segments") == [(0,)]
        assert _rows(r2, "SELECT id FROM recordings") == [(assigned,)]


def test_role_changes_deactivation_and_new_passwords_reach_the_login(team: Team, program: dict[str, int]) -> None:
    from supervisor_app.core.roles import Role
    from supervisor_app.services import accounts

    admin_db, admin, _ = team.open("admin")
    r1_id = accounts.find_user_id(admin_db, admin, "r1")
    accounts.update_user(admin_db, admin, r1_id, role=Role.SUPERVISOR)
    with team.psql("r1") as r1:  # now a supervisor: the whole library
        assert {row[0] for row in _rows(r1, "SELECT id FROM recordings")} == {program["a"], program["b"]}
    accounts.set_password(admin_db, admin, r1_id, "a-brand-new-secret")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        team.psql("r1")
    url = team.url("r1", password="a-brand-new-secret")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        assert connection.execute("SELECT cs_role()").fetchone() == ("supervisor",)
    accounts.update_user(admin_db, admin, r1_id, active=False)
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
