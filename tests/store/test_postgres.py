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
from supervisor_app.services import audit, coaches, demo, export, library, system, transcripts
from supervisor_app.store import migrate
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, Transcript, TranscriptSegment
from tests.conftest import AUDIO, login
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
        assert (result.reviews, result.score_rows, result.evidence_rows) == (40, 400, 400)  # 8 x (4 + master)
        today = dt.datetime.now(dt.UTC).date()
        period = export.export_audit(db, login(db, "helen"), export.ExportScope(start=today, end=today),
                                     tmp_path / "pg-hr.xlsx")
        assert period.aggregates_only
        assert period.reviews == 41  # October's 40 and the quarter's audit review (August's were in September)
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


def test_the_audit_quarter_on_postgres_with_two_laptops_at_once(paths: AppPaths, postgres_url: str,
                                                                tmp_path: Path) -> None:
    import threading

    from supervisor_app.errors import ConflictError
    from supervisor_app.services import audits, dashboard, outcomes

    opened = system.open_database(paths, postgres_url)
    db = opened.database
    second = Database(postgres_url)  # the other laptop: its own engine and connections
    try:
        demo.load_demo(db, None, paths)  # the demo's 2026-Q4 cycle is drawn and assigned on the server
        maria = login(db, "maria")
        assert audits.verify_cycle(db, maria, "2026-Q4").ok
        assert dashboard.dashboard(db, maria, dt.date(2026, 12, 1)).tile("coverage").note == "3 drawn, 3 assigned"
        assert outcomes.write_brief(db, maria, "2026-Q4", tmp_path / "brief.pdf").sampled == 3
        for row in coaches.list_coaches(db, maria):  # a session each in the quarter the two laptops audit
            source = tmp_path / f"q3-{row.id}.wav"
            source.write_bytes((AUDIO / "short.wav").read_bytes() + bytes([row.id]))
            library.import_recording(db, maria, paths, source, library.RecordingInput(row.id, "", dt.date(2026, 8, 5)))
        results: list[str] = []
        start = threading.Barrier(2)

        def run(database: Database, action: str) -> None:
            start.wait()
            try:
                if action == "create":
                    audits.create_cycle(database, maria, "2026-Q3", seed=4)
                else:
                    audits.assign_cycle(database, maria, "2026-Q3",
                                        audits.propose_assignments(database, maria, "2026-Q3"))
                results.append("done")
            except ConflictError as exc:
                results.append(str(exc))

        for action in ("create", "assign"):
            results.clear()
            threads = [threading.Thread(target=run, args=(database, action)) for database in (db, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert len(results) == 2
            assert results.count("done") == 1, results
        assigned = audits.list_assignments(db, maria, "2026-Q3")
        sampled = audits.get_cycle(db, maria, "2026-Q3").sample
        assert len(assigned) == len(sampled) == 3  # once, not twice
    finally:
        second.dispose()
        db.dispose()
