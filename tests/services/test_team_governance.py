"""Redaction and retention on the team server, with two or more data folders, and the access rules checked with
plain SQL as each login."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select

from supervisor_app.core.redaction import Kind
from supervisor_app.core.retention import DataClass, HoldTarget
from supervisor_app.errors import ConflictError
from supervisor_app.services import (
    audit,
    calibration,
    library,
    practice,
    redaction,
    retention,
    reviews,
    rubrics,
    transcripts,
)
from supervisor_app.store.models import Recording, RecordingBlob, Redaction
from tests.conftest import AUDIO
from tests.scripted import write_script
from tests.services.test_retention import DAY, NOW
from tests.team import Team, panel_round, scored_content

pytestmark = pytest.mark.usefixtures("rules_only")


def test_redaction_decided_on_one_laptop_is_what_a_rater_reads_on_another(team: Team) -> None:
    admin_db, admin, _ = team.open("admin")
    redaction.add_term(admin_db, admin, "Priya", Kind.NAME)
    sup_db, sup, sup_paths = team.open("sup", "sup-laptop")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "short.ogg",
                                         library.RecordingInput(1, "Leader P")).recording.id
    write_script(sup_db, recording)
    panel_round(team, recording, ("r1", "admin"))
    assert redaction.suggest(sup_db, sup, recording) == 4
    other_db, other_sup, _ = team.open("sup", "sup-second-laptop")
    views = {v.raw: v for v in redaction.list_for(other_db, other_sup, recording)}
    redaction.decide(other_db, other_sup, views["07700 900123"].id, redaction.REJECTED)
    r1_db, r1, _ = team.open("r1", "r1-laptop")
    texts = [s.text for s in transcripts.get_transcript(r1_db, r1, recording).segments]
    assert texts[0] == "Hello [NAME], thanks for joining from the Leeds office."
    assert "07700 900123" in texts[3]
    assert "dana.ng" not in texts[1]
    with team.psql("r1") as r1_sql:  # the rater reads the decisions on their recording, and changes none
        assert r1_sql.execute("SELECT count(*) FROM redactions").fetchone() == (4,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            r1_sql.execute("UPDATE redactions SET state = 'rejected'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            r1_sql.execute("DELETE FROM redaction_terms")
    with team.psql("r2") as r2_sql:  # not on the panel: sees none of them
        assert r2_sql.execute("SELECT count(*) FROM redactions").fetchone() == (0,)
    with team.psql("hr") as hr_sql, pytest.raises(psycopg.errors.InsufficientPrivilege):
        hr_sql.execute("SELECT raw FROM redactions")
    assert audit.verify_chain(admin_db, admin) == []


def test_retention_on_the_team_server_purges_the_shared_store(team: Team) -> None:
    admin_db, admin, admin_paths = team.open("admin")
    sup_db, sup, sup_paths = team.open("sup", "sup-laptop")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "short.ogg",
                                         library.RecordingInput(1, "Leader Q")).recording.id
    write_script(sup_db, recording)
    redaction.suggest(sup_db, sup, recording)
    due = retention.preview(sup_db, sup, sup_paths, NOW + 91 * DAY)
    assert {(d.data_class, d.entity_id) for d in due.purgeable} == {(DataClass.RECORDING, recording)}
    with pytest.raises(ConflictError, match="pg_dump"):
        retention.purge(admin_db, admin, admin_paths, NOW + 91 * DAY)
    hold = retention.place_hold(admin_db, admin, HoldTarget.RECORDING, recording, "Complaint C-3 review")
    assert retention.preview(sup_db, sup, sup_paths, NOW + 91 * DAY).purgeable == ()
    retention.release_hold(admin_db, admin, hold.id, "Complaint C-3 closed")
    report = retention.purge(admin_db, admin, admin_paths, NOW + 91 * DAY, server_backup_taken=True)
    assert [d.entity_id for d in report.purged] == [recording]
    with sup_db.transaction() as session:  # the other laptop sees it purged, and the server holds no bytes
        row = session.get(Recording, recording)
        assert row is not None
        assert row.purged_at is not None
        assert session.scalar(select(func.count()).select_from(RecordingBlob)) == 0
        assert session.scalar(select(func.count()).select_from(Redaction)) == 0
    cached = sup_paths.recordings_dir / row.stored_name  # the importing laptop's copy goes at its next start
    assert cached.exists()
    assert retention.sweep_local(sup_db, sup_paths) == 1
    assert not cached.exists()
    # a supervisor cannot rewrite the audit trail of the purge
    with team.psql("sup") as sup_sql, pytest.raises(psycopg.errors.InsufficientPrivilege):
        sup_sql.execute("DELETE FROM audit_events WHERE action LIKE 'retention.%'")
    assert audit.verify_chain(admin_db, admin) == []


def test_practice_on_the_team_server_keeps_the_gold_hidden_until_submitted(team: Team) -> None:
    sup_db, sup, sup_paths = team.open("sup", "sup-laptop")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "short.ogg",
                                         library.RecordingInput(1, "Leader G")).recording.id
    round_id = panel_round(team, recording, ("r1", "admin"))
    for name in ("r1", "admin"):
        db, actor, _ = team.open(name, f"{name}-laptop")
        [draft] = [r for r in reviews.list_reviews(db, actor) if r.status == "draft" and r.rater == actor.display_name]
        detail = reviews.get_review(db, actor, draft.id)
        reviews.save_draft(db, actor, detail.id, scored_content(detail, 4, "what the panel heard"))
        reviews.submit(db, actor, detail.id)
    calibration.reveal(sup_db, sup, round_id)
    rubric = rubrics.get_rubric(sup_db, sup, rubrics.list_rubrics(sup_db, sup)[0].id)
    for competency in rubric.competencies:
        calibration.record_consensus(sup_db, sup, round_id, recording, competency.id,
                                     None if competency.is_gate else 4, True if competency.is_gate else None)
    [gold_id] = practice.mark_gold(sup_db, sup, round_id, recording)
    with team.psql("hr") as hr_sql:
        counted = hr_sql.execute("SELECT coalesce(sum(submitted_reviews), 0) FROM hr_review_counts").fetchone()
    r2_db, r2, _ = team.open("r2", "r2-laptop")
    draft = practice.start_practice(r2_db, r2, gold_id)
    with team.psql("r2") as r2_sql:  # blind at the database too: the gold's scores are not readable yet
        assert r2_sql.execute("SELECT count(*) FROM gold_standards").fetchone() == (1,)
        assert r2_sql.execute("SELECT count(*) FROM gold_scores").fetchone() == (0,)
        assert r2_sql.execute("SELECT count(*) FROM gold_evidence").fetchone() == (0,)
    reviews.save_draft(r2_db, r2, draft.id, scored_content(draft, 5))
    reviews.submit(r2_db, r2, draft.id)
    result = practice.result(r2_db, r2, draft.id)
    assert [c.difference for c in result.outcome.competencies if c.competency_id == "active_listening"] == [1]
    with team.psql("r2") as r2_sql:
        assert r2_sql.execute("SELECT count(*) FROM gold_scores").fetchone() == (len(rubric.competencies),)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # only staff credit practice
            r2_sql.execute(f"INSERT INTO practice_credits (review_id, decided_by_id, decided_at) "
                           f"VALUES ({draft.id}, {r2.user_id}, now())")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            r2_sql.execute("UPDATE gold_scores SET score = 5")
    with team.psql("r1") as r1_sql:  # on the panel, never practised: the gold's copy stays closed to them
        assert r1_sql.execute("SELECT count(*) FROM gold_scores").fetchone() == (0,)
    with team.psql("hr") as hr_sql:  # practice never reaches the HR figures
        assert hr_sql.execute("SELECT coalesce(sum(submitted_reviews), 0) FROM hr_review_counts").fetchone() == counted
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hr_sql.execute("SELECT * FROM gold_scores")
    other_db, other_sup, _ = team.open("sup", "sup-second-laptop")
    practice.set_credit(other_db, other_sup, draft.id)
    assert practice.result(r2_db, r2, draft.id).credited
    assert [(r.rater, r.credited) for r in practice.record(other_db, other_sup)] == [("R2", 1)]


def test_two_leads_marking_one_recording_at_once_leave_one_gold_in_force(team: Team) -> None:
    import threading

    from sqlalchemy import func as sql_func

    from supervisor_app.store.models import GoldStandard

    sup_db, sup, sup_paths = team.open("sup", "sup-laptop")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "short.ogg",
                                         library.RecordingInput(1, "Leader H")).recording.id
    round_id = panel_round(team, recording, ("r1", "admin"))
    for name in ("r1", "admin"):
        db, actor, _ = team.open(name, f"{name}-laptop")
        [draft] = [r for r in reviews.list_reviews(db, actor) if r.status == "draft" and r.rater == actor.display_name]
        detail = reviews.get_review(db, actor, draft.id)
        reviews.save_draft(db, actor, detail.id, scored_content(detail, 3))
        reviews.submit(db, actor, detail.id)
    calibration.reveal(sup_db, sup, round_id)
    rubric = rubrics.get_rubric(sup_db, sup, rubrics.list_rubrics(sup_db, sup)[0].id)
    for competency in rubric.competencies:
        calibration.record_consensus(sup_db, sup, round_id, recording, competency.id,
                                     None if competency.is_gate else 3, True if competency.is_gate else None)
    laptops = [team.open("sup", f"sup-laptop-{n}")[:2] for n in range(2)]
    start = threading.Barrier(2)

    def mark(db: object, actor: object) -> None:
        start.wait()
        practice.mark_gold(db, actor, round_id, recording)  # type: ignore[arg-type]

    threads = [threading.Thread(target=mark, args=laptop) for laptop in laptops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with sup_db.transaction() as session:
        active = session.scalar(select(sql_func.count()).select_from(GoldStandard).where(
            GoldStandard.recording_id == recording, GoldStandard.withdrawn_at.is_(None)))
        total = session.scalar(select(sql_func.count()).select_from(GoldStandard))
    assert (active, total) == (1, 2)
