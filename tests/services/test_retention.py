"""Retention and legal hold: what falls due and why, the purge (backup first, store, caches, rows, audit trail),
holds that suspend it, and backups pruned or named."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from supervisor_app.core.retention import DataClass, HoldTarget, Policy
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.media.decoded import decode_to_cache
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, calibration, consent, redaction, retention, reviews, rubrics
from supervisor_app.store import backup
from supervisor_app.store.db import Database
from supervisor_app.store.models import EvidenceItem, Recording, Redaction, Review, ReviewScore, Transcript
from supervisor_app.store.recording_store import RecordingStore
from tests.conftest import login
from tests.scripted import scripted_transcript

NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)


def _submitted_review(db: Database, recording: int) -> int:
    maria = login(db, "maria")
    review = reviews.start_review(db, maria, recording).id
    rubric = reviews.get_review(db, maria, review).rubric
    reviews.save_draft(db, maria, review, ReviewContent(
        {c.id: CompetencyScore(c.id, gate_passed=True) if c.is_gate else CompetencyScore(c.id, score=4,
                                                                                         rationale="Listens well")
         for c in rubric.competencies},
        tuple(Evidence(c.id, 0.0, 4.0, "Hello Priya", "strength", "good opening") for c in rubric.competencies)))
    reviews.submit(db, maria, review)
    return review


def _kinds(preview: retention.Preview) -> set[tuple[DataClass, int]]:
    return {(d.data_class, d.entity_id) for d in preview.purgeable}


def test_a_recording_falls_due_after_its_window_and_the_purge_removes_it_everywhere(
        demo_db: Database, paths: AppPaths) -> None:
    admin, maria = login(demo_db, "admin"), login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths)
    redaction.suggest(demo_db, maria, recording)
    with demo_db.transaction() as session:
        row = session.get(Recording, recording)
        assert row is not None
        stored, sha256 = RecordingStore(demo_db, paths.recordings_dir).path(row.stored_name), row.sha256
        duration = row.duration_s
    decode_to_cache(stored, paths.audio_cache_dir, sha256, duration)
    assert list(paths.audio_cache_dir.glob(f"{sha256}*"))
    assert retention.preview(demo_db, maria, paths, NOW + 89 * DAY).purgeable == ()
    due = retention.preview(demo_db, maria, paths, NOW + 91 * DAY)
    assert _kinds(due) == {(DataClass.RECORDING, recording)}
    assert "last used" in due.purgeable[0].why
    assert "with its transcript" in due.purgeable[0].description
    report = retention.purge(demo_db, admin, paths, NOW + 91 * DAY)
    assert [(d.data_class, d.entity_id) for d in report.purged] == [(DataClass.RECORDING, recording)]
    backup.verify(paths.backups_dir / report.backup)
    assert report.files_removed == 1
    assert not stored.exists()
    assert not list(paths.audio_cache_dir.glob(f"{sha256}*"))
    with demo_db.transaction() as session:
        row = session.get(Recording, recording)
        assert row is not None
        assert row.purged_at is not None
        assert session.scalar(select(Transcript).where(Transcript.recording_id == recording)) is None
        assert session.scalar(select(func.count()).select_from(Redaction)) == 0
    event = next(e for e in audit.list_events(demo_db, admin) if e.action == "retention.purge_recording")
    assert event.details["sha256"] == sha256
    assert len(event.details["transcript_sha256"]) == 64
    assert "Priya" not in str(event.details)
    assert audit.verify_chain(demo_db, admin) == []
    # the backup taken just before still holds the purged data, and the preview says so
    later = retention.preview(demo_db, maria, paths, NOW + 92 * DAY)
    assert later.purgeable == ()
    assert [b.name for b in later.backups if b.holds_purged_data] == [report.backup]
    # nothing due: a second purge takes no backup
    assert retention.purge(demo_db, admin, paths, NOW + 92 * DAY).backup == ""


def test_open_rounds_keep_a_recording_in_use_and_holds_suspend_purging(demo_db: Database, paths: AppPaths) -> None:
    admin, maria = login(demo_db, "admin"), login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths)
    rubric = rubrics.find_rubric_version(demo_db, maria, "grow-icf-core").id
    round_id = calibration.create_round(demo_db, maria, "Old panel", [recording],
                                        [login(demo_db, n).user_id for n in ("aisha", "tom")], rubric, NOW + DAY)
    assert retention.preview(demo_db, maria, paths, NOW + 400 * DAY).purgeable == ()  # the round is open
    with demo_db.transaction() as session:
        coach_id = session.get(Recording, recording).coach_id  # type: ignore[union-attr]
    hold = retention.place_hold(demo_db, admin, HoldTarget.COACH, coach_id, "Tribunal case 2026/114")
    _close_round(demo_db, round_id)
    preview = retention.preview(demo_db, maria, paths, NOW + 400 * DAY)
    assert preview.purgeable == ()
    assert {d.data_class for d in preview.held} == {DataClass.RECORDING, DataClass.DRAFT}
    assert all("Tribunal case 2026/114" in d.held_by for d in preview.held)
    assert retention.purge(demo_db, admin, paths, NOW + 400 * DAY).purged == ()
    with pytest.raises(ConflictError, match="legal hold"):
        consent.purge_recordings(demo_db, admin, paths, [recording], "erasure", require_withdrawal=False)
    retention.release_hold(demo_db, admin, hold.id, "Case closed 2026-11-30")
    with pytest.raises(ConflictError, match="already released"):
        retention.release_hold(demo_db, admin, hold.id, "Case closed again")
    report = retention.purge(demo_db, admin, paths, NOW + 400 * DAY)
    assert {d.data_class for d in report.purged} == {DataClass.RECORDING, DataClass.DRAFT}
    with demo_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Review).where(Review.round_id == round_id)) == 0


def _close_round(db: Database, round_id: int) -> None:
    from supervisor_app.store.models import CalibrationRound

    with db.transaction() as session:
        row = session.get(CalibrationRound, round_id)
        assert row is not None
        row.status, row.closed_at = "closed", NOW


def test_drafts_go_after_their_window_and_old_reviews_keep_only_their_scores(
        demo_db: Database, paths: AppPaths) -> None:
    admin, maria = login(demo_db, "admin"), login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths)
    submitted = _submitted_review(demo_db, recording)
    retention.set_policy(demo_db, admin, Policy(recordings_days=4000, transcripts_days=4000, drafts_days=30,
                                                reviews_days=365))
    draft = reviews.start_review(demo_db, login(demo_db, "james"), recording).id
    assert _kinds(retention.preview(demo_db, maria, paths, NOW + 31 * DAY)) == {(DataClass.DRAFT, draft)}
    assert _kinds(retention.preview(demo_db, maria, paths, NOW + 366 * DAY)) == {
        (DataClass.DRAFT, draft), (DataClass.REVIEW, submitted)}
    retention.purge(demo_db, admin, paths, NOW + 366 * DAY)
    with demo_db.transaction() as session:
        assert session.get(Review, draft) is None
        kept = session.get(Review, submitted)
        assert kept is not None
        assert kept.purged_at is not None
        assert kept.feedback == ""
        scores = list(session.scalars(select(ReviewScore).where(ReviewScore.review_id == submitted)))
        assert scores
        assert all(s.rationale == "" for s in scores)
        assert any(s.score == 4 for s in scores)
        assert all(e.quote == "" and e.note == "" for e in
                   session.scalars(select(EvidenceItem).where(EvidenceItem.review_id == submitted)))
        assert session.scalar(select(Transcript).where(Transcript.recording_id == recording)) is not None
    assert retention.preview(demo_db, maria, paths, NOW + 367 * DAY).purgeable == ()


def test_a_shorter_transcript_window_removes_the_transcript_and_its_quotes_first(
        demo_db: Database, paths: AppPaths) -> None:
    admin, maria = login(demo_db, "admin"), login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths)
    review = _submitted_review(demo_db, recording)
    retention.set_policy(demo_db, admin, Policy(recordings_days=365, transcripts_days=30))
    due = retention.preview(demo_db, maria, paths, NOW + 31 * DAY)
    assert _kinds(due) == {(DataClass.TRANSCRIPT, recording)}
    retention.purge(demo_db, admin, paths, NOW + 31 * DAY)
    with demo_db.transaction() as session:
        assert session.scalar(select(Transcript).where(Transcript.recording_id == recording)) is None
        assert session.get(Recording, recording).purged_at is None  # type: ignore[union-attr]
        quotes = set(session.scalars(select(EvidenceItem.quote).where(EvidenceItem.review_id == review)))
    assert quotes == {retention.PURGED_QUOTE}


def test_backups_older_than_the_shortest_window_are_pruned(demo_db: Database, paths: AppPaths) -> None:
    admin = login(demo_db, "admin")
    scripted_transcript(demo_db, paths)
    first = backup.create_backup(demo_db.sqlite_file, paths.backups_dir, "manual")  # type: ignore[arg-type]
    old = paths.backups_dir / "supervisor-20200101T000000000000Z-manual.sqlite3"
    shutil.copy(first, old)
    report = retention.purge(demo_db, admin, paths, NOW + 91 * DAY)
    assert old.name in report.backups_pruned
    assert not old.exists()
    assert (paths.backups_dir / report.backup).exists()


def test_bad_retention_input_changes_nothing(demo_db: Database, paths: AppPaths) -> None:
    admin, maria, aisha = login(demo_db, "admin"), login(demo_db, "maria"), login(demo_db, "aisha")
    recording = scripted_transcript(demo_db, paths)
    events = len(audit.list_events(demo_db, admin))
    with pytest.raises(ValidationError, match="at least 5 characters"):
        retention.place_hold(demo_db, admin, HoldTarget.RECORDING, recording, "why")
    with pytest.raises(NotFoundError, match="no round 999"):
        retention.place_hold(demo_db, admin, HoldTarget.ROUND, 999, "Case 12 discovery")
    with pytest.raises(NotFoundError):
        retention.release_hold(demo_db, admin, 999, "Case 12 closed")
    with pytest.raises(ValidationError, match="keep for 1–36,500 days, not 0"):
        retention.set_policy(demo_db, admin, Policy(recordings_days=0))
    for who in (maria, aisha):
        with pytest.raises(PermissionDeniedError):
            retention.purge(demo_db, who, paths, NOW + 91 * DAY)
        with pytest.raises(PermissionDeniedError):
            retention.set_policy(demo_db, who, Policy())
    with pytest.raises(PermissionDeniedError):
        retention.preview(demo_db, aisha, paths)
    assert len(audit.list_events(demo_db, admin)) == events
    assert retention.get_policy(demo_db) == Policy()
    assert retention.list_holds(demo_db, admin) == []
