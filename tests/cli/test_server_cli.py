"""Setting up and using a team server from the command line, as the README tells a program lead to."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url

from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.services import library, reviews
from supervisor_app.services.transcription import enqueue, list_jobs
from tests.cli.conftest import Cli
from tests.conftest import AUDIO
from tests.postgres_server import create_database, login_url
from tests.team import Team, imported_in_round

PASSWORD = "server-pass-42"


def _pgpass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, login: str) -> None:
    """The login's password where libpq looks for it (PGPASSFILE), so no URL carries it."""
    database = make_url(url).database
    file = tmp_path / "pgpass"
    with open(file, "a", encoding="utf-8") as handle:
        handle.write(f"*:*:{database}:{login}:{PASSWORD}\n")
    file.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(file))


def test_init_add_users_and_sign_in_through_pgpass_and_a_service_name(
        postgres_sockets: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    owner_url = create_database(postgres_sockets)
    prefix = f"c{uuid.uuid4().hex[:8]}"
    lead = Cli(tmp_path / "lead-laptop", capsys, monkeypatch)
    code, out, err = lead("--db", owner_url, "server", "init", "--admin", "ada", "--login", f"{prefix}_ada",
                          new_password=PASSWORD)
    assert code == 0, err
    assert f"signs in as the server login '{prefix}_ada'" in out
    code, _, err = lead("--db", owner_url, "server", "init", "--admin", "bob", new_password=PASSWORD)
    assert code == 1
    assert "already has users" in err
    # the administrator's laptop: the login's password in PGPASSFILE, none in the URL, no app password asked
    _pgpass(tmp_path, monkeypatch, owner_url, f"{prefix}_ada")
    ada_url = login_url(owner_url, f"{prefix}_ada", None)
    code, out, err = lead("--db", ada_url, "user", "add", "rita", "--role", "rater", "--login", f"{prefix}_rita",
                          new_password=PASSWORD)
    assert code == 0, err
    assert f"signing in to the server as '{prefix}_rita'" in out
    _pgpass(tmp_path, monkeypatch, owner_url, f"{prefix}_rita")
    rater = Cli(tmp_path / "rater-laptop", capsys, monkeypatch)
    code, out, err = rater("--db", login_url(owner_url, f"{prefix}_rita", None), "server", "status")
    assert code == 0, err
    assert "signs in as: rita (rater)" in out
    code, _, err = rater("--db", login_url(owner_url, f"{prefix}_rita", None), "user", "list")
    assert code == 1
    assert "error:" in err
    assert "Traceback" not in err
    # a pg_service.conf entry names the server for everyone: --db service:NAME
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text(f"[team]\nhost={postgres_sockets}\ndbname={make_url(owner_url).database}\n"
                            f"user={prefix}_rita\n", encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(service_file))
    code, out, err = rater("--db", "service:team", "server", "status")
    assert code == 0, err
    assert "signs in as: rita (rater)" in out
    # the wrong password, from a script (no terminal to ask): one line, exit 1
    monkeypatch.delenv("PGPASSFILE")
    code, _, err = rater("--db", login_url(owner_url, f"{prefix}_rita", "wrong-password"), "server", "status")
    assert code == 1
    assert "refused the login" in err
    assert len(err.strip().splitlines()) == 1


def test_a_headless_worker_works_the_shared_queue(team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    sup_db, sup, sup_paths = team.open("sup", "laptop")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                         library.RecordingInput(1)).recording
    enqueue(sup_db, sup, [recording.id], TranscriptionSettings())
    server_machine = Cli(tmp_path / "server-machine", capsys, monkeypatch)
    code, out, err = server_machine("--db", team.url("admin"), "worker", "--once")
    assert code == 0, err
    assert f"job {list_jobs(sup_db, sup)[0].id} dialogue.flac: done." in out
    assert reviews.start_review(sup_db, sup, recording.id).duration_s > 30
    assert os.listdir(tmp_path / "server-machine" / "recordings")  # the worker fetched the audio it needed


def test_a_stale_exported_draft_is_refused_and_the_journal_is_listed(team: Team, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from supervisor_app.core.reviews import CompetencyScore, ReviewContent
    from supervisor_app.services import journal

    _recording, review_id = imported_in_round(team, AUDIO / "dialogue.flac")
    r1_db, r1, r1_paths = team.open("r1", "r1-laptop")
    laptop = Cli(r1_paths.data_dir, capsys, monkeypatch)
    exported = tmp_path / "draft.json"
    code, _, err = laptop("--db", team.url("r1"), "review", "export", str(review_id), "--out", str(exported))
    assert code == 0, err
    assert json.loads(exported.read_text())["revision"] == 0
    reviews.save_draft(r1_db, r1, review_id, ReviewContent(
        {"active_listening": CompetencyScore("active_listening", score=2)}))  # meanwhile, in the window
    code, _, err = laptop("--db", team.url("r1"), "review", "save", str(review_id), "--from", str(exported))
    assert code == 1
    assert "saved elsewhere" in err
    journal.Journal(r1_paths).keep(journal.PENDING, r1, review_id, ReviewContent(
        {"active_listening": CompetencyScore("active_listening", score=4)}), None, 1, "server away")
    code, out, err = laptop("--db", team.url("r1"), "review", "journal")
    assert code == 0, err
    assert "pending" in out
    code, out, err = laptop("--db", team.url("r1"), "review", "replay")
    assert code == 0, err
    assert f"Review {review_id}: the draft kept on this laptop is saved." in out
    assert reviews.get_review(r1_db, r1, review_id).content.scores["active_listening"].score == 4
