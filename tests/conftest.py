"""Shared fixtures: every test gets its own data folder and database; nothing touches the real user folders."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import tests.audio_sink  # noqa: F401 - the ALSA file sink, set up before any test plays a sound
from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, demo, system
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from tests.postgres_server import create_database, postgres_server
from tests.team import Team, make_team

# CI explores the same examples on every run (a red CI must mean a change broke something); local runs explore anew.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
DEMO_PASSWORDS = {"admin": "demo-admin", "maria": "demo-supervisor", "james": "demo-supervisor",
                  "aisha": "demo-rater", "tom": "demo-rater", "helen": "demo-hr-viewer"}


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPERVISOR_DATA_DIR", "SUPERVISOR_DB_URL", "SUPERVISOR_USER", "SUPERVISOR_PASSWORD",
                 "SUPERVISOR_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    app_paths = AppPaths(tmp_path / "data")
    app_paths.ensure()
    return app_paths


@pytest.fixture
def db(paths: AppPaths) -> Iterator[Database]:
    opened = system.open_database(paths, paths.default_database_url())
    yield opened.database
    opened.database.dispose()


@pytest.fixture
def admin(db: Database) -> Actor:
    return accounts.create_first_admin(db, "root", "Root Admin", "correct-horse")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo database per test session (Argon2 hashing is slow on purpose); tests get a copy."""
    template_paths = AppPaths(tmp_path_factory.mktemp("demo-template"))
    opened = system.open_database(template_paths, template_paths.default_database_url())
    demo.load_demo(opened.database, None)
    opened.database.dispose()
    return template_paths.database_file


def _copy_of(template: Path, paths: AppPaths) -> Iterator[Database]:
    source = sqlite3.connect(template)
    target = sqlite3.connect(paths.database_file)
    source.backup(target)
    source.close()
    target.close()
    opened = system.open_database(paths, paths.default_database_url())
    yield opened.database
    opened.database.dispose()


@pytest.fixture
def demo_db(paths: AppPaths, demo_template: Path) -> Iterator[Database]:
    yield from _copy_of(demo_template, paths)


@pytest.fixture(scope="session")
def round_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo (three recorded sessions, a revealed round with a master and three raters), made once."""
    template_paths = AppPaths(tmp_path_factory.mktemp("round-template"))
    opened = system.open_database(template_paths, template_paths.default_database_url())
    demo.load_demo(opened.database, None, template_paths)
    opened.database.dispose()
    return template_paths.database_file


@pytest.fixture
def round_db(paths: AppPaths, round_template: Path) -> Iterator[Database]:
    """A copy of the full demo database (recording files are not copied: enough for reports and exports)."""
    yield from _copy_of(round_template, paths)


def login(database: Database, username: str) -> Actor:
    return accounts.authenticate(database, username, DEMO_PASSWORDS[username])


@pytest.fixture(scope="session")
def postgres_sockets() -> Iterator[str]:
    with postgres_server() as sockets:
        yield sockets


@pytest.fixture
def postgres_url(postgres_sockets: str) -> str:
    return create_database(postgres_sockets)


@pytest.fixture
def team(postgres_sockets: str, tmp_path: Path) -> Iterator[Team]:
    """A team server: admin, sup (supervisor), r1 and r2 (raters) and hr (HR viewer), each with a login."""
    yield from make_team(postgres_sockets, tmp_path / "laptops")


AUDIO = DATA / "audio"


def run_jobs(db: Database, paths: AppPaths, timeout_s: float = 120.0) -> None:
    """Drive the real runner (worker processes and all) until the queue is empty."""
    import time

    from supervisor_app.services.transcription import TranscriptionRunner, list_jobs

    runner = TranscriptionRunner(db, paths, str(db.url.render_as_string(hide_password=False)))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runner.poll()
        if runner.current_job is None and not list_jobs(db, login(db, "admin"), active_only=True):
            return
        time.sleep(0.1)
    runner.shutdown()
    raise AssertionError("transcription jobs did not finish in time")


@pytest.fixture(scope="session")
def transcribed_template(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """A data folder with the demo set and the dialogue fixture imported and transcribed (real model, once)."""
    from supervisor_app.media.transcribe import TranscriptionSettings
    from supervisor_app.services import library, transcription

    folder = tmp_path_factory.mktemp("transcribed") / "data"
    template_paths = AppPaths(folder)
    template_paths.ensure()
    shutil.copy(demo_template, template_paths.database_file)
    opened = system.open_database(template_paths, template_paths.default_database_url())
    maria = login(opened.database, "maria")
    outcome = library.import_recording(opened.database, maria, template_paths, AUDIO / "dialogue.flac",
                                       library.RecordingInput(1, "Leader A"))
    transcription.enqueue(opened.database, maria, [outcome.recording.id], TranscriptionSettings())
    run_jobs(opened.database, template_paths)
    opened.database.dispose()
    return folder


@pytest.fixture
def transcribed(tmp_path: Path, transcribed_template: Path) -> Iterator[tuple[Database, AppPaths]]:
    folder = tmp_path / "transcribed"
    shutil.copytree(transcribed_template, folder)
    copy_paths = AppPaths(folder)
    opened = system.open_database(copy_paths, copy_paths.default_database_url())
    yield opened.database, copy_paths
    opened.database.dispose()


def long_dialogue(target: Path, repeats: int) -> float:
    """The committed dialogue fixture, repeated, written as a 16 kHz WAV; returns its length in seconds."""
    import av
    import numpy as np

    from tests.audio_decode import decode_mono

    audio = decode_mono(AUDIO / "dialogue.flac")
    pcm = (np.clip(np.concatenate([audio] * repeats), -1, 1) * 32767).astype(np.int16)
    with av.open(str(target), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=16_000)
        stream.layout = "mono"
        for start in range(0, len(pcm), 16_000):
            frame = av.AudioFrame.from_ndarray(pcm[start:start + 16_000].reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = 16_000
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return len(pcm) / 16_000


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Redaction suggestions from the rules alone (names, terms, patterns), as without the optional language model:
    for tests that pin exactly what the rules find (tests/services/test_ner.py covers the model)."""
    from supervisor_app.services import redaction

    monkeypatch.setattr(redaction, "ner_engine", lambda: None)
