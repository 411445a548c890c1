"""Team mode for real: several data folders (laptops) on one PostgreSQL server share recordings, the queue, drafts
and the audit trail; concurrent writers lose nothing; a server that goes away loses nothing either."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text

from supervisor_app.core.reviews import CompetencyScore, ReviewContent
from supervisor_app.errors import ServerUnreachableError
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.services import audit, calibration, journal, library, reviews, transcripts
from supervisor_app.services.transcription import enqueue, list_jobs, recover_interrupted
from supervisor_app.store import queue
from supervisor_app.store.changes import ChangeFeed
from supervisor_app.store.db import Database
from supervisor_app.store.models import RecordingBlob, RecordingChunk, TranscriptionJob, utc_now
from supervisor_app.store.recording_store import CHUNK_BYTES
from tests.conftest import AUDIO, REPO_ROOT
from tests.postgres_server import private_server
from tests.team import PASSWORD, Team, make_team, panel_round, scored_content, work_the_queue


def _tone_wav(path: Path, seconds: float) -> Path:
    """A stereo 48 kHz WAV: about 11 MB a minute, so an upload spans many chunks."""
    rate = 48_000
    t = np.arange(int(rate * seconds)) / rate
    samples = (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.repeat(samples[:, None], 2, axis=1).tobytes())
    return path


def test_import_on_one_laptop_transcribe_play_and_review_on_another(team: Team) -> None:
    a_db, sup, a_paths = team.open("sup", "laptop-a")
    imported = library.import_recording(a_db, sup, a_paths, AUDIO / "dialogue.flac", library.RecordingInput(1))
    recording_id = imported.recording.id
    assert not imported.duplicate
    # laptop B: another data folder, nothing of the recording on its disk
    b_db, admin, b_paths = team.open("admin", "laptop-b")
    assert not any(b_paths.recordings_dir.rglob("*.flac"))
    enqueue(b_db, admin, [recording_id], TranscriptionSettings())
    work_the_queue(b_db, b_paths)
    view = transcripts.get_transcript(b_db, admin, recording_id)
    assert view.status == "complete"
    assert view.segments
    # a rater on a third laptop plays it: fetched from the server, verified, byte for byte the imported file
    panel_round(team, recording_id)
    c_db, r1, c_paths = team.open("r1", "laptop-c")
    fractions: list[float] = []
    source = library.playback_source(c_db, r1, c_paths, recording_id, fractions.append)
    assert source.path.read_bytes() == (AUDIO / "dialogue.flac").read_bytes()
    assert fractions[-1] == 1.0
    assert source.path.is_relative_to(c_paths.recordings_dir)
    # and scores it, against the transcript made on laptop B
    [summary] = reviews.list_reviews(c_db, r1)
    detail = reviews.get_review(c_db, r1, summary.id)
    reviews.save_draft(c_db, r1, detail.id, scored_content(detail, 4))
    assert reviews.submit(c_db, r1, detail.id).summary.status == "submitted"


def test_an_import_resumes_after_the_server_drops_out(tmp_path: Path) -> None:
    source = _tone_wav(tmp_path / "long-session.wav", 40)  # about 7.3 MB: 8 chunks
    with private_server() as server:
        team = next(iter(make_team(str(server.sockets), tmp_path / "laptops")))
        db, sup, paths = team.open("sup")
        sent: list[float] = []

        def progress(fraction: float) -> None:
            if fraction > library.COPY_SHARE + 0.55 and not sent:  # uploading: the server crashes, comes back
                sent.append(fraction)
                server.stop()
                threading.Timer(1.0, server.start).start()

        library.import_recording(db, sup, paths, source, library.RecordingInput(1), on_progress=progress)
        assert sent, "the server was never stopped during the upload"
        with db.transaction() as session:
            blob = session.scalar(select(RecordingBlob))
            assert blob is not None
            assert blob.complete
            assert blob.chunk_count == -(-source.stat().st_size // CHUNK_BYTES)
        assert audit.verify_chain(*team.open("admin")[:2]) == []
        team.close()


def test_a_server_gone_for_good_keeps_what_was_sent_and_a_new_import_resumes(tmp_path: Path) -> None:
    source = _tone_wav(tmp_path / "session.wav", 40)
    with private_server() as server:
        team = next(iter(make_team(str(server.sockets), tmp_path / "laptops")))
        db, sup, paths = team.open("sup")
        stopped: list[bool] = []

        def progress(fraction: float) -> None:
            if fraction > library.COPY_SHARE + 0.55 and not stopped:
                stopped.append(True)
                server.stop()

        with pytest.raises(ServerUnreachableError, match="stopped answering"):
            library.import_recording(db, sup, paths, source, library.RecordingInput(1), on_progress=progress)
        server.start()
        with db.transaction() as session:  # nothing half-written is visible: no recording, an incomplete blob
            assert session.scalar(text("SELECT count(*) FROM recordings")) == 0
            kept = session.scalar(select(func.count()).select_from(RecordingChunk))
            assert session.scalar(select(RecordingBlob.complete)) is False
        assert kept is not None
        assert 0 < kept < 8
        outcome = library.import_recording(db, sup, paths, source, library.RecordingInput(1))
        assert not outcome.duplicate
        assert audit.verify_chain(*team.open("admin")[:2]) == []
        team.close()


def test_a_draft_typed_while_the_server_is_away_is_journalled_and_replayed(tmp_path: Path) -> None:
    with private_server() as server:
        team = next(iter(make_team(str(server.sockets), tmp_path / "laptops")))
        sup_db, sup, sup_paths = team.open("sup")
        recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                             library.RecordingInput(1)).recording
        review = reviews.start_review(sup_db, sup, recording.id)
        content = ReviewContent({"active_listening": CompetencyScore("active_listening", score=3)})
        server.stop()
        with pytest.raises(ServerUnreachableError, match="stopped answering"):
            reviews.save_draft(sup_db, sup, review.id, content, base_revision=review.revision)
        kept = journal.Journal(sup_paths).keep(journal.PENDING, sup, review.id, content, None, review.revision,
                                               "server away")
        assert journal.Journal(sup_paths).replay(sup_db, sup).still_pending == 1  # still away: kept
        assert kept.path.exists()
        server.start()
        replay = journal.Journal(sup_paths).replay(sup_db, sup)
        assert replay.saved == (review.id,)
        assert not kept.path.exists()
        assert reviews.get_review(sup_db, sup, review.id).content.scores["active_listening"].score == 3
        assert audit.verify_chain(*team.open("admin")[:2]) == []
        team.close()


def test_a_stale_draft_is_a_conflict_and_both_versions_are_kept(team: Team) -> None:
    sup_db, sup, sup_paths = team.open("sup")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                         library.RecordingInput(1)).recording
    panel_round(team, recording.id)
    a_db, r1, _ = team.open("r1", "r1-laptop")
    b_db, _r1, b_paths = team.open("r1", "r1-desktop")
    [summary] = reviews.list_reviews(a_db, r1)
    on_a = reviews.get_review(a_db, r1, summary.id)
    on_b = reviews.get_review(b_db, r1, summary.id)
    mine = ReviewContent({"active_listening": CompetencyScore("active_listening", score=5)})
    theirs = ReviewContent({"active_listening": CompetencyScore("active_listening", score=2)})
    reviews.save_draft(a_db, r1, summary.id, mine, base_revision=on_a.revision)
    with pytest.raises(reviews.DraftConflictError, match="saved elsewhere") as conflict:
        reviews.save_draft(b_db, r1, summary.id, theirs, base_revision=on_b.revision)
    assert conflict.value.stored.content.scores["active_listening"].score == 5
    entry = journal.Journal(b_paths).keep(journal.CONFLICT, r1, summary.id, theirs, None, on_b.revision,
                                          str(conflict.value))
    kept, _feedback = journal.Journal(b_paths).content(entry)
    assert kept.scores["active_listening"].score == 2  # the losing side, on the laptop that typed it
    assert reviews.get_review(b_db, r1, summary.id).content.scores["active_listening"].score == 5


CONCURRENT_WRITER = textwrap.dedent("""
    import sys
    from supervisor_app.core.coaches import CoachLevel
    from supervisor_app.errors import SupervisorError
    from supervisor_app.paths import AppPaths
    from supervisor_app.services import accounts, coaches, reviews
    from supervisor_app.core.reviews import CompetencyScore, ReviewContent
    from supervisor_app.store.db import Database

    url, data_dir, what, count, tag = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    db = Database(url)
    actor = accounts.server_sign_in(db)
    ok = conflicts = 0
    for n in range(count):
        try:
            if what == "coach":
                coaches.add_coach(db, actor, coaches.CoachInput(f"Coach {tag}-{n}", CoachLevel.CERTIFIED))
            else:
                review_id = int(what)
                detail = reviews.get_review(db, actor, review_id)
                reviews.save_draft(db, actor, review_id, ReviewContent({"active_listening": CompetencyScore(
                    "active_listening", score=1 + n % 5, rationale=tag)}), base_revision=detail.revision)
            ok += 1
        except reviews.DraftConflictError:
            conflicts += 1
    print(ok, conflicts)
""")


def _writers(team: Team, what: str, users: list[str], count: int) -> list[tuple[int, int]]:
    processes = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, team.url(user),
                                   str(team.paths(f"{user}-{n}").data_dir), what, str(count), f"{user}{n}"],
                                  cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n, user in enumerate(users)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        ok, conflicts = out.split()
        results.append((int(ok), int(conflicts)))
    return results


def test_concurrent_writers_from_several_laptops_keep_the_audit_trail_whole(team: Team) -> None:
    results = _writers(team, "coach", ["sup", "admin", "sup", "admin", "sup", "admin"], 15)
    assert results == [(15, 0)] * 6
    db, admin, _ = team.open("admin")
    assert audit.verify_chain(db, admin) == []
    with db.transaction() as session:
        assert session.scalar(text("SELECT count(*) FROM coaches")) == 1 + 6 * 15


def test_concurrent_saves_of_one_draft_never_overwrite_silently(team: Team) -> None:
    sup_db, sup, sup_paths = team.open("sup")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                         library.RecordingInput(1)).recording
    review_id = reviews.start_review(sup_db, sup, recording.id).id
    results = _writers(team, str(review_id), ["sup"] * 4, 20)
    saved = sum(ok for ok, _ in results)
    assert sum(ok + conflicts for ok, conflicts in results) == 80
    assert reviews.get_review(sup_db, sup, review_id).revision == saved  # every save counted, none lost


def test_the_queue_is_shared_and_a_dead_workers_job_is_released(team: Team) -> None:
    sup_db, sup, sup_paths = team.open("sup", "a")
    ids = [library.import_recording(sup_db, sup, sup_paths, AUDIO / name, library.RecordingInput(1)).recording.id
           for name in ("short.ogg", "short.mp3")]
    enqueue(sup_db, sup, ids, TranscriptionSettings())
    other_db, _admin, _ = team.open("admin", "b")
    with sup_db.transaction() as first, other_db.transaction() as second:
        taken = [queue.claim_next(first), queue.claim_next(second)]  # at the same time: never the same job
        assert sorted(t for t in taken if t is not None) == sorted(j.id for j in list_jobs(sup_db, sup))
    # both now "running"; one has a live worker (holding its lock), the other's worker died long ago
    with sup_db.transaction() as session:
        session.execute(text("UPDATE transcription_jobs SET started_at = :t"),
                        {"t": utc_now() - dt.timedelta(minutes=5)})
    alive, dead = taken
    assert alive is not None
    assert dead is not None
    with queue.held_by_this_worker(other_db, alive):
        assert recover_interrupted(sup_db) == [dead]
    with sup_db.transaction() as session:
        states = dict(session.execute(select(TranscriptionJob.id, TranscriptionJob.status)).all())
    assert states == {alive: "running", dead: "queued"}


def test_a_submit_on_one_laptop_reaches_another_within_two_seconds(team: Team) -> None:
    sup_db, sup, sup_paths = team.open("sup")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                         library.RecordingInput(1)).recording
    panel_round(team, recording.id)
    r1_db, r1, _ = team.open("r1")
    feed = ChangeFeed(sup_db)
    feed.poll()
    [summary] = reviews.list_reviews(r1_db, r1)
    detail = reviews.get_review(r1_db, r1, summary.id)
    reviews.save_draft(r1_db, r1, detail.id, scored_content(detail, 3))
    feed.poll()
    started = time.monotonic()
    reviews.submit(r1_db, r1, detail.id)
    changes = feed.poll(2.0)
    assert time.monotonic() - started < 2.0
    assert any(c.table == "reviews" and c.id == detail.id for c in changes)
    progress = calibration.progress(sup_db, sup, calibration.list_rounds(sup_db, sup)[0].id)
    assert sum(progress.submitted.values()) == 1
    feed.close()


def test_wrong_password_unknown_host_and_a_login_without_grants_are_refused_in_words(team: Team,
                                                                                   postgres_url: str) -> None:
    from supervisor_app.errors import AccessDeniedByServerError, DatabaseError, ServerLoginError
    from supervisor_app.services import system

    paths = team.paths("stranger")
    with pytest.raises(ServerLoginError, match=r"refused the login .*pgpass"):
        system.open_database(paths, team.url("r1", password="not-the-password"))
    with pytest.raises(ServerLoginError):
        system.open_database(paths, team.url("r1", password=None))
    with pytest.raises(DatabaseError, match="Cannot open the database"):
        system.open_database(paths, "postgresql+psycopg://someone@/nowhere?host=/nonexistent-socket-folder")
    owner = system.open_database(team.paths("owner"), team.owner_url).database
    with owner.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {team.login('nobody')} LOGIN PASSWORD '{PASSWORD}'")
    owner.dispose()
    with pytest.raises(AccessDeniedByServerError, match="may not use the program's database"):
        system.open_database(paths, team.url("nobody"))
    foreign = Database(postgres_url)  # a database another program uses
    with foreign.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE invoices (id integer)")
    foreign.dispose()
    with pytest.raises(DatabaseError, match="not a Coaching Supervisor database"):
        system.open_database(paths, postgres_url)
    foreign = Database(postgres_url)
    with foreign.engine.connect() as connection:  # and it was left as it was
        assert connection.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) == 1
    foreign.dispose()


def test_an_upload_abandoned_for_days_is_swept_by_the_next_import(team: Team) -> None:
    db, sup, paths = team.open("sup")
    with db.transaction() as session:
        session.add(RecordingBlob(sha256="ab" * 32, size_bytes=3, chunk_bytes=CHUNK_BYTES, chunk_count=2,
                                  complete=False, created_at=utc_now() - dt.timedelta(days=3)))
        session.add(RecordingBlob(sha256="cd" * 32, size_bytes=3, chunk_bytes=CHUNK_BYTES, chunk_count=2,
                                  complete=False))  # someone's upload in progress right now: kept
        session.flush()
        session.add(RecordingChunk(sha256="ab" * 32, idx=0, data=b"abc"))
    library.import_recording(db, sup, paths, AUDIO / "short.ogg", library.RecordingInput(1))
    with db.transaction() as session:
        left = set(session.scalars(select(RecordingBlob.sha256)))
        assert session.scalar(select(func.count()).select_from(RecordingChunk).where(
            RecordingChunk.sha256 == "ab" * 32)) == 0
    assert "ab" * 32 not in left
    assert "cd" * 32 in left


def test_hr_on_a_team_server_exports_aggregates_from_the_views(team: Team, tmp_path: Path) -> None:
    import openpyxl

    from supervisor_app.services import export

    sup_db, sup, sup_paths = team.open("sup", "sup-laptop")
    for index, name in enumerate(("short.wav", "short.ogg", "short.mp3", "short.m4a", "short.opus")):
        recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / name,
                                             library.RecordingInput(1, f"Leader {index}")).recording.id
        review = reviews.start_review(sup_db, sup, recording)
        reviews.save_draft(sup_db, sup, review.id, scored_content(review, 4, quote="secret words of Leader"))
        reviews.submit(sup_db, sup, review.id)
        if index == 3:  # four reviews: every cell about them is suppressed
            db, hr, _ = team.open("hr")
            export.export_audit(db, hr, export.ExportScope(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)),
                                tmp_path / "hr4.xlsx")
            small = openpyxl.load_workbook(tmp_path / "hr4.xlsx", read_only=True)
            assert [row[4] for row in small["Reviews"].iter_rows(min_row=4, values_only=True)] == ["< 5"]
            assert [row[4:6] for row in small["Scores"].iter_rows(min_row=4, values_only=True)] == [("< 5", "< 5")]
    db, hr, _ = team.open("hr")
    result = export.export_audit(db, hr, export.ExportScope(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)),
                                 tmp_path / "hr.xlsx")
    assert (result.aggregates_only, result.reviews) == (True, 5)
    book = openpyxl.load_workbook(tmp_path / "hr.xlsx", read_only=True)
    assert book.sheetnames == ["Reviews", "Scores"]
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert not any("secret" in c or "Leader" in c for c in cells)
    reviews_rows = list(book["Reviews"].iter_rows(min_row=4, values_only=True))
    assert [row[1:] for row in reviews_rows] == [("Coach One", "Senior Coach", "Legal", 5)]
    scores_rows = {row[3]: row for row in book["Scores"].iter_rows(min_row=4, values_only=True)}
    assert [row[4:6] for row in scores_rows.values()] == [(5, 4)]  # only active listening was scored
    assert audit.verify_chain(*team.open("admin")[:2]) == []

def test_consent_withdrawal_and_purge_on_the_team_server(team: Team) -> None:
    from supervisor_app.core.consent import Scope
    from supervisor_app.errors import ConflictError
    from supervisor_app.services import consent

    sup_db, sup, sup_paths = team.open("sup", "a")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "short.ogg",
                                         library.RecordingInput(1, "Leader T")).recording
    other_db, other_sup, other_paths = team.open("sup", "b")
    record = consent.add_consent(sup_db, sup, "Leader T", tuple(Scope), dt.date.today(), "form 7")
    assert library.get_recording(other_db, other_sup, recording.id).consent_state.startswith("record")
    governed = consent.withdraw(other_db, other_sup, record.id, [Scope.RECORD])
    with pytest.raises(ConflictError, match="already withdrawn"):
        consent.withdraw(sup_db, sup, record.id, [Scope.RECORD])
    result = consent.purge_recordings(other_db, other_sup, other_paths, governed, "coachee withdrew")
    assert result.recordings == (recording.id,)
    again = consent.purge_recordings(sup_db, sup, sup_paths, governed, "from the other laptop too")
    assert again.transcripts == 0  # already purged: nothing twice
    with sup_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(RecordingBlob)) == 0  # gone from the server
    with team.psql("r1") as r1:  # a rater with no work on it reads none of its consent
        assert r1.execute("SELECT count(*) FROM consents").fetchone() == (0,)
    assert audit.verify_chain(*team.open("admin")[:2]) == []
