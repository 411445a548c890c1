"""Consent enforced through the services, as each role: what each scope allows, the program's policy, withdrawal
and purge end to end, and the bad inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from supervisor_app.core.consent import Scope
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.media.decoded import decode_to_cache
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, audits, calibration, consent, export, library, reviews, rubrics
from supervisor_app.services.consent import ConsentMissingError
from supervisor_app.services.transcription import enqueue
from supervisor_app.store.db import Database
from supervisor_app.store.models import EvidenceItem, Transcript
from tests.conftest import AUDIO, login

TODAY = dt.date.today()
ALL = tuple(Scope)


def _import(db: Database, paths: AppPaths, name: str, coachee: str) -> int:
    return library.import_recording(db, login(db, "maria"), paths, AUDIO / name,
                                    library.RecordingInput(3, coachee, TODAY)).recording.id


def test_each_scope_allows_what_it_names_and_nothing_else(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = _import(demo_db, paths, "dialogue.flac", "Leader X")
    assert library.get_recording(demo_db, maria, recording).consent_state == "no consent recorded"
    record = consent.add_consent(demo_db, maria, "Leader X", [Scope.RECORD, Scope.QUOTE], TODAY, "form 12")
    assert library.get_recording(demo_db, maria, recording).consent_state == "record, quote"
    with pytest.raises(ConsentMissingError, match="does not cover: transcribe it with local AI"):
        enqueue(demo_db, maria, [recording], TranscriptionSettings())
    raters = [login(demo_db, n).user_id for n in ("aisha", "tom")]
    rubric = rubrics.find_rubric_version(demo_db, maria, "grow-icf-core").id
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    with pytest.raises(ConsentMissingError, match="use it in calibration and training"):
        calibration.create_round(demo_db, maria, "Panel", [recording], raters, rubric, due)
    # a record for this one recording overrides the coachee's general one
    consent.add_consent(demo_db, maria, "", ALL, TODAY, "form 13", recording_id=recording)
    assert enqueue(demo_db, maria, [recording], TranscriptionSettings())
    assert calibration.create_round(demo_db, maria, "Panel", [recording], raters, rubric, due)
    assert record.state == "record, quote"
    for who in ("aisha", "helen"):  # recording consent is the supervisors' work
        with pytest.raises(PermissionDeniedError):
            consent.add_consent(demo_db, login(demo_db, who), "Leader X", ALL, TODAY, "form 14")


def test_the_policy_makes_missing_consent_pending(demo_db: Database, paths: AppPaths) -> None:
    maria, james, admin = (login(demo_db, n) for n in ("maria", "james", "admin"))
    recording = _import(demo_db, paths, "short.wav", "Leader Y")
    with pytest.raises(PermissionDeniedError):
        consent.set_required(demo_db, maria, True)
    consent.set_required(demo_db, admin, True)
    assert library.get_recording(demo_db, maria, recording).consent_state == "consent pending"
    with pytest.raises(ConsentMissingError, match="no consent to transcribe"):
        enqueue(demo_db, maria, [recording], TranscriptionSettings())
    assert library.playback_source(demo_db, maria, paths, recording).path.exists()  # the importer plays it
    with pytest.raises(ConsentMissingError, match="consent pending"):
        library.playback_source(demo_db, james, paths, recording)
    consent.add_consent(demo_db, maria, "Leader Y", ALL, TODAY, "form 20")
    assert library.playback_source(demo_db, james, paths, recording).path.exists()
    assert enqueue(demo_db, maria, [recording], TranscriptionSettings())


def test_the_audit_draw_leaves_out_recordings_without_audit_consent(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    source = paths.data_dir / "october.wav"
    source.write_bytes((AUDIO / "short.wav").read_bytes() + b"\x01")
    recording = library.import_recording(demo_db, maria, paths, source, library.RecordingInput(
        3, "Leader Z", dt.date(2026, 10, 5))).recording.id
    record = consent.add_consent(demo_db, maria, "Leader Z", ALL, dt.date(2026, 10, 1), "form 30")
    consent.withdraw(demo_db, maria, record.id, [Scope.AUDIT], dt.date(2026, 10, 20))
    cycle = audits.create_cycle(demo_db, maria, "2026-Q4", share="1", seed=7)
    assert recording not in {s.recording_id for s in cycle.sample}


def test_withdrawal_stops_use_and_the_purge_removes_audio_transcript_and_quotes(
        transcribed: tuple[Database, AppPaths], tmp_path: Path) -> None:
    db, paths = transcribed
    maria, admin = login(db, "maria"), login(db, "admin")
    row = library.get_recording(db, maria, 1)
    record = consent.add_consent(db, maria, row.coachee_pseudonym or "", ALL, TODAY - dt.timedelta(days=30),
                                 "signed form 2026-041", recording_id=1)
    review = reviews.start_review(db, maria, 1)
    scores = {c.id: CompetencyScore(c.id, not_observed=True) for c in review.rubric.competencies}
    scores["active_listening"] = CompetencyScore("active_listening", score=4)
    reviews.save_draft(db, maria, review.id, ReviewContent(scores, (Evidence("active_listening", 6.1, 11.9,
                                                                             "I want to get better"),)))
    reviews.submit(db, maria, review.id)
    source = library.playback_source(db, maria, paths, 1)
    decode_to_cache(source.path, paths.audio_cache_dir, source.cache_key, source.duration_s)
    assert list(paths.audio_cache_dir.glob(f"{source.cache_key}*"))
    with pytest.raises(ValidationError, match="never granted"):
        consent.withdraw(db, maria, consent.add_consent(db, maria, "Someone", [Scope.RECORD], TODAY, "f").id,
                         [Scope.QUOTE])
    with pytest.raises(ConflictError, match="no consent was withdrawn"):
        consent.purge_recordings(db, maria, paths, [1], "not yet")
    governed = consent.withdraw(db, maria, record.id, [Scope.QUOTE, Scope.RECORD])
    assert governed == [1]
    with pytest.raises(ConflictError, match="already withdrawn"):
        consent.withdraw(db, maria, record.id, [Scope.QUOTE])
    with pytest.raises(ConsentMissingError, match="withdrawn on"):
        library.playback_source(db, maria, paths, 1)
    # the full workbook stops quoting it at once, before any purge
    export.export_audit(db, maria, export.ExportScope(review_ids=(review.id,)), tmp_path / "full.xlsx")
    quotes = [r[7] for r in openpyxl.load_workbook(tmp_path / "full.xlsx")["Evidence"].iter_rows(
        min_row=2, values_only=True)]
    assert quotes == [consent.NO_CONSENT_QUOTE]
    result = consent.purge_recordings(db, maria, paths, governed, "coachee withdrew consent")
    assert (result.recordings, result.transcripts, result.quotes, result.files) == ((1,), 1, 1, 1)
    assert not source.path.exists()
    assert not list(paths.audio_cache_dir.glob(f"{source.cache_key}*"))
    with db.transaction() as session:
        assert session.scalar(select(Transcript).where(Transcript.recording_id == 1)) is None
        assert set(session.scalars(select(EvidenceItem.quote).join(
            reviews.Review, reviews.Review.id == EvidenceItem.review_id).where(
            reviews.Review.recording_id == 1))) <= {consent.WITHDRAWN_QUOTE, ""}
    kept = reviews.get_review(db, maria, review.id)
    assert kept.summary.status == "submitted"
    assert kept.content.scores["active_listening"].score == 4  # about the coach: kept
    assert library.get_recording(db, maria, 1).consent_state == "purged"
    with pytest.raises(NotFoundError, match="purged"):
        library.playback_source(db, maria, paths, 1)
    with pytest.raises(ConsentMissingError, match="purged"):
        enqueue(db, maria, [1], TranscriptionSettings(), replace=True)
    events = [e for e in audit.list_events(db, admin) if e.action == "recording.purge"]
    assert events[0].details["sha256"] == source.cache_key
    assert audit.verify_chain(db, admin) == []


def test_bad_consent_input_changes_nothing(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    with pytest.raises(ValidationError, match=r"expires .* before it was captured"):
        consent.add_consent(demo_db, maria, "Leader Q", ALL, TODAY, "f", expires_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="at least one scope"):
        consent.add_consent(demo_db, maria, "Leader Q", [], TODAY, "f")
    with pytest.raises(ValidationError, match="in the future"):
        consent.add_consent(demo_db, maria, "Leader Q", ALL, TODAY + dt.timedelta(days=1), "f")
    with pytest.raises(ValidationError, match="Name the coachee"):
        consent.add_consent(demo_db, maria, "  ", ALL, TODAY, "f")
    with pytest.raises(NotFoundError):
        consent.withdraw(demo_db, maria, 999, [Scope.RECORD])
    record = consent.add_consent(demo_db, maria, "Leader Q", ALL, TODAY, "f")
    with pytest.raises(ValidationError, match="before the consent was captured"):
        consent.withdraw(demo_db, maria, record.id, [Scope.RECORD], TODAY - dt.timedelta(days=3))
    assert [v.state for v in consent.list_consents(demo_db, maria, "Leader Q")] == [
        "record, transcribe, calibration, audit, quote"]
    expired = consent.add_consent(demo_db, maria, "Leader R", ALL, TODAY - dt.timedelta(days=10), "f",
                                  expires_on=TODAY - dt.timedelta(days=1))
    assert "record expired" in expired.state


def test_a_job_queued_before_the_withdrawal_fails_in_words(demo_db: Database, paths: AppPaths) -> None:
    from supervisor_app.services import transcription
    from tests.conftest import run_jobs

    maria = login(demo_db, "maria")
    recording = _import(demo_db, paths, "short.wav", "Leader W")
    record = consent.add_consent(demo_db, maria, "Leader W", ALL, TODAY, "form 40")
    [job_id] = enqueue(demo_db, maria, [recording], TranscriptionSettings())
    consent.withdraw(demo_db, maria, record.id, [Scope.TRANSCRIBE])
    run_jobs(demo_db, paths)
    job = transcription.get_job(demo_db, maria, job_id)
    assert job.status == "failed"
    assert "consent to transcribe it with local AI was withdrawn on" in job.message


def test_the_signed_form_is_kept_with_its_record_and_goes_into_a_subject_export(
        demo_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    from supervisor_app.services import subjects

    maria = login(demo_db, "maria")
    _import(demo_db, paths, "short.wav", "Leader F")
    record = consent.add_consent(demo_db, maria, "Leader F", ALL, TODAY, "form 31")
    scan = tmp_path / "form-31.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert consent.attach_scan(demo_db, maria, record.id, scan).scan == "form-31.png"
    assert [v.scan for v in consent.list_consents(demo_db, maria, "Leader F")] == ["form-31.png"]
    assert consent.save_scan(demo_db, maria, record.id, tmp_path / "out.png").read_bytes() == scan.read_bytes()
    event = next(e for e in audit.list_events(demo_db, login(demo_db, "admin")) if e.action == "consent.attach_scan")
    assert (event.details["type"], event.details["bytes"]) == ("image/png", 72)
    folder = subjects.export_subject(demo_db, maria, paths, tmp_path, coachee="Leader F").folder
    assert (folder / "consent" / f"{record.id}-form-31.png").read_bytes() == scan.read_bytes()
    # bad input: not a scan, too large, no such record, no scan yet, a rater
    text_file = tmp_path / "form.txt"
    text_file.write_text("signed", encoding="utf-8")
    with pytest.raises(ValidationError, match="not a PDF, PNG, JPEG or TIFF"):
        consent.attach_scan(demo_db, maria, record.id, text_file)
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:
        handle.write(b"%PDF-")
        handle.truncate(consent.SCAN_MAX_BYTES + 1)
    with pytest.raises(ValidationError, match="at most"):
        consent.attach_scan(demo_db, maria, record.id, huge)
    with pytest.raises(NotFoundError):
        consent.attach_scan(demo_db, maria, 999, scan)
    other = consent.add_consent(demo_db, maria, "Leader F", ALL, TODAY, "form 32")
    with pytest.raises(NotFoundError, match="no scan"):
        consent.save_scan(demo_db, maria, other.id, tmp_path / "none.png")
    with pytest.raises(PermissionDeniedError):
        consent.attach_scan(demo_db, login(demo_db, "aisha"), record.id, scan)
    assert consent.list_consents(demo_db, maria, "Leader F")[-1].scan == "form-31.png"
