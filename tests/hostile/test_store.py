"""What is stored is what was checked: recordings swapped, emptied or removed under the import, files that lie
about their length, databases that are not ours or are newer, and `kill -9` in the middle of an import."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from supervisor_app.paths import AppPaths
from supervisor_app.services import library
from supervisor_app.store.db import Database
from tests.conftest import AUDIO, REPO_ROOT, login, long_dialogue
from tests.data.make_audio_fixtures import encode
from tests.hostile.conftest import folder_state, run_cli
from tests.hostile.generators import named_pipe


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stored(db: Database, paths: AppPaths, recording_id: int) -> tuple[str, Path, float]:
    row = library.get_recording(db, login(db, "admin"), recording_id)
    with db.transaction() as session:
        from supervisor_app.store.models import Recording

        recording = session.get(Recording, recording_id)
        assert recording is not None
        return recording.sha256, library.recording_store(db, paths).path(recording.stored_name), row.duration_s


def _incoming(paths: AppPaths) -> list[Path]:
    return list(paths.recordings_dir.glob(f"{library.INCOMING_PREFIX}*"))


@pytest.mark.parametrize("when", ["while copying", "while probing"])
def test_a_recording_replaced_during_import_is_stored_as_it_was_read(demo_db: Database, paths: AppPaths,
                                                                     tmp_path: Path, when: str) -> None:
    source = tmp_path / "session.wav"
    long_dialogue(source, 3)  # about 3 MB: the copy takes several chunks
    original = _sha(source)
    impostor = tmp_path / "impostor.wav"
    impostor.write_text("eighteen bytes !!\n")
    swapped = []

    def swap(fraction: float) -> None:
        in_phase = fraction < library.COPY_SHARE if when == "while copying" else fraction > library.COPY_SHARE
        if in_phase and not swapped:
            os.replace(impostor, source)
            swapped.append(fraction)

    outcome = library.import_recording(demo_db, login(demo_db, "maria"), paths, source,
                                       library.RecordingInput(1), on_progress=swap)
    assert swapped
    sha, stored, duration = _stored(demo_db, paths, outcome.recording.id)
    assert sha == original == _sha(stored)
    assert duration == pytest.approx(99.0, abs=1.0)
    assert source.read_bytes() == b"eighteen bytes !!\n"
    assert _incoming(paths) == []


def test_a_recording_that_vanishes_during_the_copy(demo_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    source = tmp_path / "session.wav"
    long_dialogue(source, 3)
    original = _sha(source)
    outcome = library.import_recording(demo_db, login(demo_db, "maria"), paths, source, library.RecordingInput(1),
                                       on_progress=lambda _f: source.unlink(missing_ok=True))
    sha, stored, _ = _stored(demo_db, paths, outcome.recording.id)
    assert sha == original == _sha(stored)
    assert _incoming(paths) == []


def test_a_recording_truncated_on_disk_before_the_copy_is_stored_truncated_and_says_so(
        demo_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    source = tmp_path / "session.wav"
    long_dialogue(source, 3)
    with open(source, "r+b") as handle:
        handle.truncate(source.stat().st_size // 3)
    outcome = library.import_recording(demo_db, login(demo_db, "maria"), paths, source, library.RecordingInput(1))
    sha, stored, duration = _stored(demo_db, paths, outcome.recording.id)
    assert sha == _sha(stored)
    assert duration == pytest.approx(33.0, abs=1.0)


def _flac_claiming(seconds_declared: float, target: Path) -> Path:
    rate = 16_000
    encode((np.sin(np.arange(rate) / 7) * 8000).astype(np.int16), target, "flac", rate=rate)
    data = bytearray(target.read_bytes())
    assert data[:4] == b"fLaC"
    info = int.from_bytes(data[18:26], "big")  # rate(20) channels(3) bits(5) total samples(36)
    total = int(seconds_declared * rate)
    data[18:26] = ((info >> 36 << 36) | total).to_bytes(8, "big")
    target.write_bytes(bytes(data))
    return target


def test_a_flac_that_declares_ten_hours_but_holds_one_second(demo_folder: Path, tmp_path: Path) -> None:
    liar = _flac_claiming(36_000, tmp_path / "liar.flac")
    outcome = run_cli(demo_folder, "import-audio", str(liar), "--coach", "1", user="admin")
    assert outcome.code == 0, outcome.err
    assert "(0:00:01)" in outcome.out
    assert "Damaged: only 1.0 s of the 36000.0 s" in outcome.out


def test_folders_pipes_and_devices_given_as_recordings(demo_folder: Path, tmp_path: Path) -> None:
    before = folder_state(demo_folder)
    folder = tmp_path / "sessions.wav"
    folder.mkdir()
    run_cli(demo_folder, "import-audio", str(folder), "--coach", "1", user="admin").refused(
        "is a folder, not a file; choose a recording inside it")
    pipe = named_pipe(tmp_path / "live.wav")
    run_cli(demo_folder, "import-audio", str(pipe), "--coach", "1", user="admin", timeout=30).refused(
        "is a named pipe, not a file", max_seconds=10)
    run_cli(demo_folder, "import-audio", str(tmp_path / "gone.wav"), "--coach", "1", user="admin").refused(
        "There is no file at")
    assert folder_state(demo_folder) == before
    assert not list((demo_folder / "recordings").glob(".incoming-*"))


def _sqlite_file(path: Path, *statements: str) -> None:
    """Run the statements on the file, outside the app."""
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def _refused_leaving_it_as_it_was(path: Path, data_dir: Path, fragment: str, *extra: str) -> None:
    before = _sha(path)
    for args in (("coach", "list"), ("db", "upgrade"), ("db", "current"), ("db", "check")):
        run_cli(data_dir, *extra, *args, user="admin").refused(fragment)
        assert _sha(path) == before, args
    assert not Path(f"{path}-wal").exists()


def test_a_newer_database_is_refused_without_a_byte_changed(demo_folder: Path) -> None:
    database = demo_folder / "supervisor.sqlite3"
    _sqlite_file(database, "PRAGMA journal_mode=DELETE",
                 "UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    _refused_leaving_it_as_it_was(database, demo_folder, "newer version")


def test_another_programs_database_is_refused_without_a_byte_changed(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs.sqlite"
    _sqlite_file(theirs, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)",
                 "INSERT INTO invoices (amount) VALUES (12.5)")
    _refused_leaving_it_as_it_was(theirs, tmp_path / "data", "not a Coaching Supervisor database", "--db",
                                  f"sqlite:///{theirs}")


KILLED_IMPORT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from supervisor_app.paths import AppPaths
    from supervisor_app.services import accounts, library
    from supervisor_app.store import recording_store
    from supervisor_app.store.db import Database

    data_dir, source, phase = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    paths = AppPaths(data_dir)
    db = Database(paths.default_database_url())
    actor = accounts.authenticate(db, "admin", "demo-admin")
    placed = recording_store.fsync_dir

    def announce_placed(folder):
        placed(folder)
        if phase == "placed":
            print("placed", flush=True)
            time.sleep(30)

    recording_store.fsync_dir = announce_placed

    def progress(fraction):
        if phase == "copy" and fraction < library.COPY_SHARE:
            print("copy", flush=True)
            time.sleep(0.05)
        if phase == "probe" and fraction > library.COPY_SHARE:
            print("probe", flush=True)
            time.sleep(0.05)

    library.import_recording(db, actor, paths, source, library.RecordingInput(1), on_progress=progress)
    print("done", flush=True)
""")


def _rows_have_files(data_dir: Path) -> None:
    connection = sqlite3.connect(data_dir / "supervisor.sqlite3")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for (stored,) in connection.execute("SELECT stored_name FROM recordings"):
            assert (data_dir / "recordings" / stored).is_file(), stored
    finally:
        connection.close()


def test_kill_9_during_an_import_leaves_no_row_without_its_file_and_the_next_import_clears_the_rest(
        demo_folder: Path, tmp_path: Path) -> None:
    sources = []
    for index, phase in enumerate(("copy", "probe", "placed", "copy", "placed")):
        source = tmp_path / f"session-{index}.wav"
        long_dialogue(source, 3 + index)  # each a different recording
        sources.append((source, phase))
    for source, phase in sources:
        child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(demo_folder), str(source), phase],
                                 cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == phase, line
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        _rows_have_files(demo_folder)
        if phase == "copy":
            assert list((demo_folder / "recordings").glob(".incoming-*"))  # a private copy was left behind
    assert _store_files(demo_folder) - _known(demo_folder)  # the last kill left a placed file without its row
    outcome = run_cli(demo_folder, "import-audio", str(AUDIO / "short.wav"), "--coach", "2", user="admin")
    assert outcome.code == 0, outcome.err
    _rows_have_files(demo_folder)
    assert not list((demo_folder / "recordings").glob(".incoming-*"))
    assert _store_files(demo_folder) == _known(demo_folder)


def _known(data_dir: Path) -> set[str]:
    connection = sqlite3.connect(data_dir / "supervisor.sqlite3")
    try:
        return {row[0] for row in connection.execute("SELECT stored_name FROM recordings")}
    finally:
        connection.close()


def _store_files(data_dir: Path) -> set[str]:
    return {p.relative_to(data_dir / "recordings").as_posix() for p in (data_dir / "recordings").glob("*/*")}



def _wav(target: Path, channels: int, rate: int, bits: int, declared: int, fmt: int = 1) -> Path:
    """A WAV whose header says whatever it is told, over 1,000 bytes of samples."""
    import struct

    align = (max(channels, 1) * max(bits, 8) // 8) & 0xFFFF
    header = (b"RIFF" + struct.pack("<I", (36 + declared) & 0xFFFFFFFF) + b"WAVEfmt "
              + struct.pack("<IHHIIHH", 16, fmt, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits)
              + b"data" + struct.pack("<I", declared))
    target.write_bytes(header + b"\x01\x02" * 500)
    return target


@pytest.mark.parametrize(("channels", "rate", "bits", "declared", "fmt"), [
    (0, 16_000, 16, 1_000, 1), (1, 0, 16, 1_000, 1), (1_000, 16_000, 16, 1_000, 1), (1, 4_000_000_000, 16, 1_000, 1),
    (1, 16_000, 0, 1_000, 1), (1, 16_000, 16, 0xFFFFFFF0, 1), (1, 16_000, 16, 1_000, 0x55), (1, 16_000, 16, 1_000, 3),
    (65_535, 192_000, 32, 1_000, 1),
], ids=["no-channels", "rate-0", "1000-channels", "4-GHz", "0-bit", "lying-length", "mp3-tag", "16-bit-float",
        "65535-channels"])
def test_wav_headers_that_lie(demo_folder: Path, tmp_path: Path, channels: int, rate: int, bits: int,
                              declared: int, fmt: int) -> None:
    wav = _wav(tmp_path / "odd.wav", channels, rate, bits, declared, fmt)
    outcome = run_cli(demo_folder, "import-audio", str(wav), "--coach", "1", user="admin", timeout=60)
    assert "unexpectedly" not in outcome.err
    assert "Traceback" not in outcome.err
    if outcome.code == 0:
        assert "Imported odd.wav" in outcome.out
        _rows_have_files(demo_folder)
    else:
        outcome.refused("odd.wav")
    assert not list((demo_folder / "recordings").glob(".incoming-*"))
