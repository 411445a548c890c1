"""Hostile arguments: numbers past 64 bits, the calendar's last day, text that is not text, file names that are not
UTF-8, terminal control sequences, and the guard that keeps every other failure to one line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from supervisor_app.services import coaches
from tests.cli.conftest import Cli
from tests.conftest import AUDIO
from tests.hostile.conftest import folder_state, run_cli

HUGE = str(2**64 + 5)

ID_COMMANDS = [
    ("coach", "edit", HUGE, "--name", "X"),
    ("coach", "deactivate", HUGE),
    ("recording", "edit", HUGE, "--coachee", "P"),
    ("recording", "remove", HUGE, "--yes"),
    ("transcribe", HUGE),
    ("transcript", "show", HUGE),
    ("transcript", "export", HUGE, "--format", "txt"),
    ("review", "export", HUGE),
    ("review", "start", HUGE),
    ("round", "show", HUGE),
    ("export", "--round", HUGE, "--out", "x.xlsx"),
    ("export", "--reviews", f"1,{HUGE}", "--out", "x.xlsx"),
    ("audit", "list", "--limit", "9" * 5000),
]


@pytest.mark.parametrize("args", ID_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_numbers_beyond_64_bits(demo_folder: Path, args: tuple[str, ...]) -> None:
    outcome = run_cli(demo_folder, *args, user="admin")
    assert outcome.code == 2  # argparse's usage error: nothing ran
    assert "Traceback" not in outcome.err
    assert "is not an id" in outcome.err or "is not a whole number" in outcome.err or "not a list of" in outcome.err


def test_dates_at_the_ends_of_the_calendar(demo_folder: Path) -> None:
    outcome = run_cli(demo_folder, "export", "--from", "2026-01-01", "--to", "9999-12-31", "--out", "x.xlsx",
                      user="admin")
    assert (outcome.code, "outside 1900–2999" in outcome.err, "Traceback" in outcome.err) == (2, True, False)


def test_half_a_character_pair_in_typed_text_is_refused_in_words(demo_folder: Path) -> None:
    before = folder_state(demo_folder)
    lone = os.fsencode("Leader ") + b"\xed\xa0\x80"  # the UTF-8 form of U+D800, which is not a character
    outcome = run_cli(demo_folder, "recording", "edit", "1", "--coachee", lone, user="admin")
    outcome.refused("coachee pseudonym (recording) contains")
    assert folder_state(demo_folder) == before


def test_a_file_name_that_is_not_utf8_imports_and_prints(demo_folder: Path, tmp_path: Path) -> None:
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/session-\xff\xfe.wav"))
    shutil.copy(AUDIO / "short.wav", odd)
    outcome = run_cli(demo_folder, "import-audio", os.fsencode(odd), "--coach", "1", user="admin")
    assert outcome.code == 0, outcome.err
    assert "session-\ufffd\ufffd.wav" in outcome.out
    listed = run_cli(demo_folder, "recording", "list", user="admin")
    assert "session-\ufffd\ufffd.wav" in listed.out


def test_terminal_control_sequences_in_user_text_are_shown_not_obeyed(demo_folder: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "\x1b]0;owned\x07 \x1b[2J\x9b31m.wav"
    shutil.copy(AUDIO / "short.wav", hostile)
    imported = run_cli(demo_folder, "import-audio", str(hostile), "--coach", "1", user="admin")
    assert imported.code == 0, imported.err
    title = "Round \x1b[2J\x1b]0;owned\x07 ok"
    created = run_cli(demo_folder, "round", "create", "--title", title, "--recordings", "1", "--raters",
                      "Aisha Okafor,Tom Berg", "--due", "2999-01-01", user="maria")
    assert created.code == 0, created.err
    for outcome in (imported, created, run_cli(demo_folder, "recording", "list", user="admin"),
                    run_cli(demo_folder, "round", "list", user="maria"),
                    run_cli(demo_folder, "round", "list", "--json", user="maria")):
        assert "\x1b" not in outcome.out + outcome.err
        assert "\x07" not in outcome.out
        assert "\x9b" not in outcome.out
    listed = run_cli(demo_folder, "recording", "list", user="admin").out
    assert "\\x1b]0;owned\\x07" in listed
    assert '"Round \\u001b[2J' in run_cli(demo_folder, "round", "list", "--json", user="maria").out


def test_a_round_title_longer_than_its_column(demo_folder: Path) -> None:
    before = folder_state(demo_folder)
    outcome = run_cli(demo_folder, "round", "create", "--title", "T" * 250, "--recordings", "1", "--raters",
                      "Aisha Okafor,Tom Berg", "--due", "2999-01-01", user="maria")
    outcome.refused("title is 250 characters long; at most 200")
    assert folder_state(demo_folder) == before


def test_anything_unexpected_is_one_line_and_a_log(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("demo", "--minimal")[0] == 0

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("disk on fire\x1b[2J")

    monkeypatch.setattr(coaches, "list_coaches", broken)
    code, out, err = cli("coach", "list", user="admin", password="demo-admin")
    assert (code, out) == (1, "")
    [line] = err.strip().splitlines()
    assert line.startswith("error: this command failed unexpectedly (RuntimeError: disk on fire\\x1b[2J)")
    log = cli.data_dir / "logs" / "cli-errors.log"
    assert str(log) in line
    assert "Traceback" in log.read_text()
    assert "disk on fire" in log.read_text()

    def deep(*_args: object, **_kwargs: object) -> object:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(coaches, "list_coaches", deep)
    code, _, err = cli("coach", "list", user="admin", password="demo-admin")
    assert code == 1
    assert "the input is nested too deeply to read" in err


def test_a_password_or_user_name_that_is_not_text(demo_folder: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT
    from tests.hostile.conftest import RUNNER

    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISOR_")}
    env_bytes = {os.fsencode(k): os.fsencode(v) for k, v in env.items()}
    env_bytes[b"SUPERVISOR_PASSWORD"] = b"demo-admin\xed\xa0\x80"
    for user in (b"admin", b"adm\xffin"):
        result = subprocess.run([sys.executable, "-c", RUNNER, "--data-dir", str(demo_folder), "--user", user,
                                 "coach", "list"], env=env_bytes, capture_output=True, cwd=REPO_ROOT, check=False)
        assert result.returncode == 1
        assert b"Unknown user name or wrong password." in result.stderr
        assert b"unexpectedly" not in result.stderr


def test_a_device_as_the_database(tmp_path: Path) -> None:
    run_cli(tmp_path / "data", "--db", "sqlite:////dev/zero", "coach", "list", user="admin").refused(
        "/dev/zero is not a file")


def test_a_database_error_is_reported_without_its_sql(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    assert cli("demo", "--minimal")[0] == 0

    def full_disk(*_args: object, **_kwargs: object) -> object:
        raise OperationalError("INSERT INTO coaches (name) VALUES (?)", ("x",), Exception("database or disk is full"))

    monkeypatch.setattr(coaches, "list_coaches", full_disk)
    code, _, err = cli("coach", "list", user="admin", password="demo-admin")
    assert code == 1
    assert "the database could not complete this (database or disk is full)" in err
    assert "INSERT" not in err
    assert "Traceback" not in err


def test_writing_over_a_device_pipe_or_folder_is_refused(demo_folder: Path, tmp_path: Path) -> None:
    from tests.hostile.generators import named_pipe

    pipe = named_pipe(tmp_path / "out.xlsx")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    for args in (("export", "--from", "2020-01-01", "--to", "2999-01-01", "--out", str(pipe)),
                 ("review", "export", "1", "--out", str(folder)),
                 ("export", "--from", "2020-01-01", "--to", "2999-01-01", "--out", "/proc/version.xlsx")):
        outcome = run_cli(demo_folder, *args, user="admin", timeout=30)
        outcome.refused("hoose", max_seconds=20)
    assert pipe.exists()
    assert folder.is_dir()
