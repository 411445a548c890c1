"""The same schema and services on a real PostgreSQL server (started privately by the fixture)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from supervisor_app.core.coaches import CoachLevel
from supervisor_app.errors import DatabaseTooNewError
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, coaches, demo, export, system, transcripts
from supervisor_app.store import migrate
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, Transcript, TranscriptSegment
from tests.conftest import login
from tests.store.test_db import snapshot_holds_still


def test_migrations_match_the_models_on_postgres(paths: AppPaths, postgres_url: str) -> None:
    opened = system.open_database(paths, postgres_url)
    try:
        assert opened.migration.from_revision is None
        assert opened.migration.backup is None
        with opened.database.engine.connect() as connection:
            differences = migrate.schema_differences(connection)
        assert differences == []
    finally:
        opened.database.dispose()


def test_services_work_on_postgres(paths: AppPaths, postgres_url: str) -> None:
    opened = system.open_database(paths, postgres_url)
    db = opened.database
    try:
        demo.load_demo(db, None)
        maria = login(db, "maria")
        saved = coaches.add_coach(db, maria, coaches.CoachInput("Ana Lima", CoachLevel.SENIOR, "Legal"))
        assert saved.coach.id in [c.id for c in coaches.list_coaches(db, maria)]
        admin = login(db, "admin")
        assert audit.verify_chain(db, admin) == []
        assert audit.list_events(db, admin)[0].at.tzinfo is not None
    finally:
        db.dispose()


def test_newer_schema_is_refused_on_postgres(paths: AppPaths, postgres_url: str) -> None:
    system.open_database(paths, postgres_url).database.dispose()
    database = Database(postgres_url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_newer'"))
    database.dispose()
    with pytest.raises(DatabaseTooNewError):
        system.open_database(paths, postgres_url)


def test_transcript_search_falls_back_to_ilike_on_postgres(paths: AppPaths, postgres_url: str) -> None:
    db = system.open_database(paths, postgres_url).database
    try:
        demo.load_demo(db, None)
        with db.transaction() as session:
            recording = Recording(sha256="a" * 64, original_name="s.wav", stored_name="aa/s.wav", size_bytes=1,
                                  container="wav", codec="pcm", duration_s=60.0, sample_rate=16000, channels=1,
                                  coach_id=1)
            session.add(recording)
            session.flush()
            transcript = Transcript(recording_id=recording.id, status="complete", model_name="m", model_sha256="",
                                    engine_version="", settings={})
            session.add(transcript)
            session.flush()
            for index, sentence in enumerate(["We agreed the Weekly planning handover.", "Nothing to see here."]):
                session.add(TranscriptSegment(transcript_id=transcript.id, idx=index, start_s=index * 10.0,
                                              end_s=index * 10.0 + 5, text=sentence, words=[]))
        hits = transcripts.search(db, login(db, "maria"), "weekly HANDOVER")
        assert [(h.text, h.start_s) for h in hits] == [("We agreed the Weekly planning handover.", 0.0)]
    finally:
        db.dispose()


def test_round_export_and_drift_on_postgres(paths: AppPaths, postgres_url: str, tmp_path: Path) -> None:
    """The full demo (recordings, a revealed round) and the HR workbook over PostgreSQL."""
    db = system.open_database(paths, postgres_url).database
    try:
        demo.load_demo(db, None, paths)
        admin = login(db, "admin")
        result = export.export_audit(db, admin, export.ExportScope(round_id=1), tmp_path / "pg.xlsx")
        assert (result.reviews, result.score_rows, result.evidence_rows) == (12, 120, 120)
        today = dt.datetime.now(dt.UTC).date()
        period = export.export_audit(db, login(db, "helen"), export.ExportScope(start=today, end=today),
                                     tmp_path / "pg-hr.xlsx")
        assert period.aggregates_only
        assert period.reviews == 12
        book = openpyxl.load_workbook(tmp_path / "pg.xlsx")
        assert book["Agreement"]["A2"].value == "All competencies (pooled)"
    finally:
        db.dispose()


def test_a_snapshot_sees_one_state_on_postgres(paths: AppPaths, postgres_url: str) -> None:
    db = system.open_database(paths, postgres_url).database
    try:
        snapshot_holds_still(db)
    finally:
        db.dispose()
