from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from supervisor_app.cli import main
from supervisor_app.store import migrate
from tests.cli.conftest import Cli
from tests.conftest import DATA, REPO_ROOT


@pytest.fixture
def demo_cli(cli: Cli) -> Cli:
    code, out, _ = cli("demo", "--minimal")
    assert code == 0
    assert "Demo data loaded: 7 users, 12 coaches, the default rubric." in out
    return cli


def test_help_lists_the_headless_commands() -> None:
    result = subprocess.run([sys.executable, "-m", "supervisor_app", "--help"], capture_output=True, text=True,
                            check=False, cwd=REPO_ROOT)
    assert result.returncode == 0
    for command in ("demo", "setup", "db", "user", "coach", "rubric", "audit", "--data-dir", "--db"):
        assert command in result.stdout


def test_rubric_validate_good_and_bad(cli: Cli) -> None:
    code, out, _ = cli("rubric", "validate", str(REPO_ROOT / "resources" / "rubrics" / "grow-icf-core-1.0.json"))
    assert code == 0
    assert "valid rubric grow-icf-core@1.0 (10 competencies, 2 gates)" in out
    code, _, err = cli("rubric", "validate", str(DATA / "rubrics" / "duplicate_ids.json"))
    assert code == 1
    assert "$.competencies[6].id: duplicate competency id 'establishes_agreement'" in err
    assert "$.competencies[7].stage: refers to unknown stage 'closing'" in err
    assert not (cli.data_dir / "supervisor.sqlite3").exists()


def test_setup_then_coaches(cli: Cli) -> None:
    code, out, _ = cli("setup", "--admin", "lead", "--display-name", "Lead Person", new_password="lead-password")
    assert code == 0
    assert "Administrator 'lead' created" in out
    code, _, err = cli("setup", "--admin", "other", new_password="other-password")
    assert code == 1
    assert "already has users" in err
    admin = {"user": "lead", "password": "lead-password"}
    assert cli("user", "add", "sam", "--role", "supervisor", "--display-name", "Sam Supervisor",
               new_password="sam-password", **admin)[0] == 0
    code, out, err = cli("coach", "add", "--name", "Ana Lima", "--level", "certified internal coach", "--unit",
                         "Legal", "--supervisor", "Sam Supervisor", "--certified", "2025-12-01", "--employee-id",
                         "E9", **admin)
    assert code == 0, err
    coach_id = out.split("id ")[-1].strip(". \n")
    assert cli("coach", "edit", coach_id, "--level", "Senior Coach", "--reason", "promotion", **admin)[0] == 0
    code, out, _ = cli("coach", "list", "--json", **admin)
    [row] = json.loads(out)
    assert (row["name"], row["level"], row["supervisor_name"], row["certified_on"]) == (
        "Ana Lima", "Senior Coach", "Sam Supervisor", "2025-12-01")
    assert cli("coach", "deactivate", coach_id, **admin)[0] == 0
    assert json.loads(cli("coach", "list", "--json", **admin)[1]) == []
    assert len(json.loads(cli("coach", "list", "--all", "--json", **admin)[1])) == 1


def test_bad_coach_input_is_explained(demo_cli: Cli) -> None:
    admin = {"user": "admin", "password": "demo-admin"}
    before = demo_cli("coach", "list", "--all", "--json", **admin)[1]
    code, _, err = demo_cli("coach", "add", "--name", "X", "--level", "Coach in Training", "--certified",
                            "2025-01-01", **admin)
    assert code == 1
    assert "Coach in Training has no certification date" in err
    code, _, err = demo_cli("coach", "add", "--name", "X", "--level", "Coach in Training", "--supervisor",
                            "Nobody", **admin)
    assert code == 1
    assert "Maria Lopez" in err
    with pytest.raises(SystemExit) as exited:
        demo_cli("coach", "add", "--name", "X", "--level", "wizard", **admin)
    assert exited.value.code == 2
    assert demo_cli("coach", "list", "--all", "--json", **admin)[1] == before


def test_acting_user_is_required_and_checked(demo_cli: Cli) -> None:
    code, _, err = demo_cli("coach", "list")
    assert code == 1
    assert "--user" in err
    code, _, err = demo_cli("coach", "list", user="admin")
    assert code == 1
    assert "SUPERVISOR_PASSWORD" in err
    code, _, err = demo_cli("coach", "list", user="admin", password="nope")
    assert code == 1
    assert "wrong password" in err
    code, _, err = demo_cli("user", "list", user="aisha", password="demo-rater")
    assert code == 1
    assert "may not manage users" in err


def test_rubric_import_list_show(demo_cli: Cli) -> None:
    sup = {"user": "maria", "password": "demo-supervisor"}
    code, out, _ = demo_cli("rubric", "import", str(DATA / "rubrics" / "valid_v1_1.json"), **sup)
    assert code == 0
    assert "Imported grow-icf-core version 1.1" in out
    rows = json.loads(demo_cli("rubric", "list", "--json", **sup)[1])
    assert [r["version"] for r in rows] == ["1.0", "1.1"]
    code, out, _ = demo_cli("rubric", "show", "grow-icf-core@1.0", **sup)
    assert code == 0
    assert "[measurable_follow_up] Sets a measurable follow-up (core, pass/fail gate, Way forward)" in out
    code, _, err = demo_cli("rubric", "import", str(DATA / "rubrics" / "missing_anchor.json"), **sup)
    assert code == 1
    assert "$.competencies[2].assessment.anchors: missing required field '4'" in err


def test_db_commands(demo_cli: Cli) -> None:
    code, out, _ = demo_cli("db", "current")
    assert code == 0
    assert f"{migrate.head_revision()} (up to date)" in out
    assert demo_cli("db", "upgrade")[0] == 0
    assert "integrity check passed" in demo_cli("db", "check")[1]
    code, out, _ = demo_cli("db", "backup", user="admin", password="demo-admin")
    assert code == 0
    backup = out.split("Backup written: ")[1].strip()
    code, _, err = demo_cli("db", "restore", backup)
    assert code == 1
    assert "--user" in err
    code, _, err = demo_cli("db", "restore", backup, user="maria", password="demo-supervisor")
    assert (code, "may not manage users" in err) == (1, True)
    code, out, _ = demo_cli("db", "restore", backup, user="admin", password="demo-admin")
    assert code == 0
    assert "previous state was saved" in out
    code, out, _ = demo_cli("audit", "verify", user="admin", password="demo-admin")
    assert (code, out.strip()) == (0, "The audit trail is intact.")
    code, out, _ = demo_cli("audit", "list", "--limit", "3", user="admin", password="demo-admin")
    assert "database.restore" in out


def test_newer_database_is_refused(demo_cli: Cli) -> None:
    database = demo_cli.data_dir / "supervisor.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff_newer'")
    for args in (("db", "current"), ("coach", "list"), ("db", "upgrade")):
        code, _, err = demo_cli(*args, user="admin", password="demo-admin")
        assert code == 1
        assert "newer version" in err


def test_data_dir_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--data-dir", str(blocker), "db", "current"]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_bad_database_url(cli: Cli) -> None:
    code, _, err = cli("--db", "postgresql+nodriver://x/y", "db", "current")
    assert code == 1
    assert "No database driver" in err


def test_environment_variable_selects_the_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERVISOR_DATA_DIR", str(tmp_path / "from-env"))
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert (tmp_path / "from-env" / "supervisor.sqlite3").exists()


def test_no_display_gives_a_clear_message(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    code, _, err = cli()
    assert code == 1
    assert "No display" in err
    assert "supervisor-app --help" in err


def test_import_transcribe_export_search(demo_cli: Cli, tmp_path: Path) -> None:
    sup = {"user": "maria", "password": "demo-supervisor"}
    code, out, err = demo_cli("import-audio", str(DATA / "audio" / "short.ogg"), str(DATA / "audio" / "notes.mp3"),
                              "--coach", "Lena Novak", "--coachee", "Leader Z", "--date", "2026-11-01", **sup)
    assert code == 1  # one of the two files was refused
    assert "Imported short.ogg as recording 1" in out
    assert "notes.mp3: not a readable audio or video file" in err
    code, _, err = demo_cli("import-audio", str(DATA / "audio" / "short.ogg"), "--coach", "Nobody", **sup)
    assert code == 1
    assert "No coach matches 'Nobody'" in err
    code, _, err = demo_cli("transcribe", "1", "--compute-type", "int8", "--beam-size", "2", **sup)
    assert code == 0, err
    assert "job 1 short.ogg: done. 2 lines. Speakers: Coach, Coachee (Coach by first voice heard)." in err
    rows = json.loads(demo_cli("recording", "list", "--json", **sup)[1])
    assert [(r["coach_name"], r["transcript_status"]) for r in rows] == [("Lena Novak", "transcribed")]
    target = tmp_path / "t.vtt"
    assert demo_cli("transcript", "export", "1", "--format", "vtt", "--out", str(target), **sup)[0] == 0
    assert target.read_text("utf-8").startswith("WEBVTT\n\nNOTE REDACTED: ")
    code, out, _ = demo_cli("transcript", "search", "time today", "--json", **sup)
    assert [hit["recording_id"] for hit in json.loads(out)] == [1]
    code, _, err = demo_cli("transcribe", "1", **sup)
    assert code == 1
    assert "already has a transcript" in err
    code, _, err = demo_cli("recording", "remove", "1", **sup)
    assert code == 1
    assert "--yes" in err
    assert demo_cli("recording", "remove", "1", "--yes", **sup)[0] == 0
    assert json.loads(demo_cli("recording", "list", "--json", **sup)[1]) == []


def test_review_list_and_export(transcribed: tuple[object, object], capsys: pytest.CaptureFixture[str],
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from supervisor_app.services import reviews
    from tests.conftest import login

    db, paths = transcribed
    detail = reviews.start_review(db, login(db, "maria"), 1)  # type: ignore[arg-type]
    env = ["--data-dir", str(paths.data_dir), "--user", "maria"]  # type: ignore[attr-defined]
    monkeypatch.setenv("SUPERVISOR_PASSWORD", "demo-supervisor")
    assert main([*env, "review", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["id"], row["status"], row["feedback_overdue"]) == (detail.id, "draft", False)
    target = tmp_path / "r.json"
    assert main([*env, "review", "export", str(detail.id), "--format", "json", "--out", str(target)]) == 0
    assert json.loads(target.read_text("utf-8"))["review"]["recording_name"] == "dialogue.flac"
    assert main([*env, "review", "export", "999", "--format", "json"]) == 1
    assert "no review 999" in capsys.readouterr().err


def test_drift_report(demo_cli: Cli) -> None:
    code, out, _ = demo_cli("drift", "--json", user="maria", password="demo-supervisor")
    assert code == 0
    assert json.loads(out) == {"raters": [], "raters_by_competency": {}, "coaches": [], "coach_stance": []}
    code, _, err = demo_cli("drift", user="aisha", password="demo-rater")
    assert code == 1
    assert "may not run calibration" in err


def test_full_demo_has_sessions_and_a_revealed_round(cli: Cli) -> None:
    code, out, _ = cli("demo")
    assert code == 0
    assert "13 recordings, two calibration rounds and an audit quarter" in out
    sup = {"user": "maria", "password": "demo-supervisor"}
    rows = json.loads(cli("review", "list", "--json", **sup)[1])
    assert len(rows) == 66  # 8 recordings x (4 raters + the master) in October, 5 x 5 in August, 1 audit review
    assert {r["status"] for r in rows} == {"submitted"}
    assert all(r["recording_name"].startswith("R-") for r in rows if r["round_id"] == 1)  # still blind to coaches
    assert not any(r["recording_name"].startswith("R-") for r in rows if r["round_id"] == 2)  # closed: named again
    drift = json.loads(cli("drift", "--json", **sup)[1])
    assert {r["rater"] for r in drift["raters"]} == {"Aisha Okafor", "Tom Berg", "Maria Lopez", "Ravi Kumar"}
    assert cli("demo", user="admin", password="demo-admin")[1].startswith("The demo data set is already loaded")


def test_every_command_has_working_help(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from supervisor_app.cli import build_parser

    def actions(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
        found = [prefix]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found += actions(child, [*prefix, name])
        return found

    commands = actions(build_parser(), [])
    assert len(commands) > 60
    for command in commands:
        with pytest.raises(SystemExit) as exited:
            main([*command, "--help"])
        assert exited.value.code == 0, command
        assert "usage: supervisor-app" in capsys.readouterr().out


def test_rubric_export_diff_and_save_as_a_new_version(demo_cli: Cli, tmp_path: Path) -> None:
    sup = {"user": "maria", "password": "demo-supervisor"}
    exported = tmp_path / "rubric.json"
    code, out, err = demo_cli("rubric", "export", "grow-icf-core@1.0", "--out", str(exported), **sup)
    assert code == 0, err
    assert "as JSON" in out
    document = json.loads(exported.read_text("utf-8"))
    document["version"] = "1.1"
    document["competencies"][0]["title"] = "Agrees what the session is for"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document), "utf-8")
    code, out, _ = demo_cli("rubric", "diff", "grow-icf-core@1.0", str(edited), "--json", **sup)
    assert json.loads(out)["changes"] == ["Rubric: version changed",
                                          "Agrees what the session is for (establishes_agreement): title changed"]
    code, _, err = demo_cli("rubric", "save", str(edited), "--based-on", "grow-icf-core@1.0", "--note", "x", **sup)
    assert code == 1
    assert "change note" in err
    code, _, err = demo_cli("rubric", "save", str(edited), "--based-on", "grow-icf-core@1.0",
                            "--note", "Plainer title for coaches", user="aisha", password="demo-rater")
    assert code == 1
    code, out, err = demo_cli("rubric", "save", str(edited), "--based-on", "grow-icf-core@1.0",
                              "--note", "Plainer title for coaches", **sup)
    assert code == 0, err
    assert "Saved grow-icf-core version 1.1 as a new version based on grow-icf-core@1.0" in out
    rows = json.loads(demo_cli("rubric", "list", "--json", **sup)[1])
    assert [r["version"] for r in rows] == ["1.0", "1.1"]
    printed = tmp_path / "rubric.pdf"
    code, out, err = demo_cli("rubric", "export", "grow-icf-core@1.1", "--out", str(printed), **sup)
    assert code == 0, err
    assert printed.read_bytes().startswith(b"%PDF-")
    code, _, err = demo_cli("rubric", "export", "grow-icf-core", "--out", str(tmp_path / "rubric.docx"), **sup)
    assert code == 1
    assert ".json" in err
    assert ".pdf" in err


def test_stance_classify_one_label_per_line(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "utterances.txt"
    source.write_text("What would you like to work on?\nDid you ask her?\nIt sounds like you're tired.\n"
                      "You should delegate it.\nThanks for coming.\n", "utf-8")
    code, out, err = cli("stance", "classify", str(source))  # no sign-in needed: it reads no stored data
    assert code == 0, err
    assert out.splitlines() == ["open", "closed", "reflection", "advice", "other"]
    rows = json.loads(cli("stance", "classify", str(source), "--json")[1])
    assert rows[3] == {"utterance": "You should delegate it.", "label": "advice", "stance": "advice",
                       "rule": "advice: 'you should'"}
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    code, _, err = cli("stance", "classify", str(binary))
    assert code == 1
    assert "not UTF-8" in err


def test_stance_show_a_transcribed_session(transcribed: tuple[object, object], capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _db, paths = transcribed
    env = ["--data-dir", str(paths.data_dir), "--user", "maria"]  # type: ignore[attr-defined]
    monkeypatch.setenv("SUPERVISOR_PASSWORD", "demo-supervisor")
    assert main([*env, "stance", "show", "1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    coach_turns = [t for t in shown["turns"] if t["speaker"] == shown["coach_label"]]
    assert coach_turns
    assert all(t["stance"] in ("open question", "closed question", "reflection", "advice", "other", "unsure")
               for t in coach_turns)
    figures = shown["indicators"]
    assert 0 < figures["coach_talk_share"] < 1
    assert figures["questions"] == sum(1 for t in coach_turns for s in t["sentences"]
                                       if s in ("open question", "closed question"))
    assert main([*env, "stance", "show", "1"]) == 0
    assert "suggestions from a rule set, not scores" in capsys.readouterr().out
    assert main([*env, "stance", "show", "1", "--coach", "Nobody"]) == 1
    assert "No speaker is called 'Nobody'" in capsys.readouterr().err
    from supervisor_app.services import reviews
    from tests.conftest import login

    draft = reviews.start_review(_db, login(_db, "maria"), 1)  # type: ignore[arg-type]
    suggested = next(t for t in coach_turns if t["stance"] in ("open question", "reflection", "advice"))
    assert main([*env, "stance", "accept", str(draft.id), "--at", str(suggested["start_s"]),
                 "--competency", "active_listening"]) == 0
    assert "is now evidence for Listens actively" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*env, "stance", "accept", str(draft.id), "--at", "1:xx", "--competency", "active_listening"])
    assert "is not a time in the recording" in capsys.readouterr().err
