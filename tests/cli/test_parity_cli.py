"""Headless parity: scoring and calibration rounds from the command line, over the services the GUI uses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from supervisor_app.paths import AppPaths
from supervisor_app.store.db import Database
from tests.cli.conftest import Cli
from tests.conftest import DEMO_PASSWORDS

COMPETENCIES = ["establishes_agreement", "active_listening", "powerful_questioning", "evokes_awareness",
                "generates_options", "designs_actions", "maintains_presence", "cultivates_trust",
                "measurable_follow_up", "ethics_confidentiality"]


def as_(cli: Cli, user: str, *args: str) -> tuple[int, str, str]:
    return cli(*args, user=user, password=DEMO_PASSWORDS[user])


def draft(tmp_path: Path, score: int, name: str = "draft.json") -> Path:
    """A complete draft: one scored competency with its evidence, the rest marked not observed."""
    scores = [{"competency_id": c, "not_observed": True} for c in COMPETENCIES if c != "active_listening"]
    scores.append({"competency_id": "active_listening", "score": score, "rationale": "Reflects back twice."})
    evidence = [{"competency_id": "active_listening", "start_s": 2.0, "end_s": 6.5, "quote": "What would you like",
                 "tag": "strength"}]
    target = tmp_path / name
    target.write_text(json.dumps({"scores": scores, "evidence": evidence}))
    return target


@pytest.fixture
def full_demo(demo_cli: Cli) -> Cli:
    return demo_cli


def _review_id(out: str) -> int:
    assert out.startswith(("Review ", "Saved. Review ", "Submitted. Review ")), out
    return int(out.split("Review ")[1].split()[0])


def test_a_review_from_start_to_amendment(full_demo: Cli, tmp_path: Path) -> None:
    code, out, err = as_(full_demo, "maria", "review", "start", "1")
    assert code == 0, err
    review = _review_id(out)
    assert "0 of 10 competencies decided" in out
    assert as_(full_demo, "maria", "review", "start", "1")[1] == out  # the same draft again, not a new one
    code, _, err = as_(full_demo, "maria", "review", "submit", str(review))
    assert code == 1
    assert "cannot be submitted yet" in err
    code, out, err = as_(full_demo, "maria", "review", "save", str(review), "--from", str(draft(tmp_path, 4)))
    assert (code, "10 of 10 competencies decided, 1 evidence item" in out) == (0, True), err
    code, out, err = as_(full_demo, "maria", "review", "submit", str(review))
    assert (code, "Submitted." in out, "feedback is due by" in out) == (0, True, True), err
    code, out, _ = as_(full_demo, "maria", "review", "export", str(review))
    exported = json.loads(out)
    assert {s["competency_id"]: s["score"] for s in exported["scores"]}["active_listening"] == 4
    code, out, err = as_(full_demo, "maria", "review", "save", str(review), "--from", str(draft(tmp_path, 2)))
    assert (code, "cannot change" in err) == (1, True)
    feedback = tmp_path / "feedback.txt"
    feedback.write_text("Strong reflections; ask one more open question.\n")
    code, out, err = as_(full_demo, "maria", "review", "feedback", str(review), "--file", str(feedback), "--sent")
    assert (code, "marked as sent" in out) == (0, True), err
    letter = tmp_path / "letters" / "feedback.pdf"
    code, out, err = as_(full_demo, "maria", "review", "feedback", str(review), "--pdf", str(letter))
    assert (code, f"saved as {letter}" in out) == (0, True), err
    printed = "\n".join(page.extract_text() for page in PdfReader(letter).pages)
    assert "Feedback on your coaching session" in printed
    assert "Strong reflections; ask one more open question." in printed  # the stored words, laid out
    code, _, err = as_(full_demo, "maria", "review", "feedback", str(review), "--pdf", str(tmp_path))
    assert (code, "not a regular file" in err) == (1, True)  # a folder as the target: refused, in words
    code, _, err = as_(full_demo, "maria", "review", "amend", str(review), "--reason", "short")
    assert (code, "at least 10 characters" in err) == (1, True)
    code, out, err = as_(full_demo, "maria", "review", "amend", str(review), "--reason", "Re-listened to minute 2")
    assert code == 0, err
    assert _review_id(out.replace("Amendment started as review", "Review")) != review
    code, _, err = as_(full_demo, "aisha", "review", "start", "1")
    assert (code, "may not" in err) == (1, True)  # a rater reviews only what a round gives them


def test_a_calibration_round_from_opening_to_closing(full_demo: Cli, tmp_path: Path) -> None:
    code, out, err = as_(full_demo, "maria", "round", "create", "--title", "November panel", "--recordings", "1,2",
                         "--raters", "Aisha Okafor,Tom Berg", "--master", "James Chen", "--due", "2999-06-30")
    assert code == 0, err
    round_id = int(out.split()[1])
    assert "Scores stay blind until the reveal" in out
    code, out, _ = as_(full_demo, "maria", "round", "progress", str(round_id), "--json")
    progress = json.loads(out)
    assert progress["submitted"] == {"Aisha Okafor": 0, "Tom Berg": 0, "James Chen": 0}
    assert progress["expected_per_rater"] == 2
    assert as_(full_demo, "aisha", "round", "progress", str(round_id), "--json")[1].count("Okafor") == 1
    code, out, _ = as_(full_demo, "maria", "round", "show", str(round_id))
    assert "is open: scores stay blind until the reveal" in out
    code, _, err = as_(full_demo, "maria", "round", "reveal", str(round_id))
    assert (code, "not submitted" in err) == (1, True)
    scores = {"aisha": 3, "tom": 4, "james": 3}
    for user, score in scores.items():
        code, out, _ = as_(full_demo, user, "review", "list", "--json")
        mine = [r for r in json.loads(out) if r["status"] == "draft" and r["identity_hidden"]]
        assert len(mine) == 2, out
        for row in mine:
            assert "Samuel" not in row["coach_name"]
            path = draft(tmp_path, score, f"{user}-{row['id']}.json")
            assert as_(full_demo, user, "review", "save", str(row["id"]), "--from", str(path))[0] == 0
            assert as_(full_demo, user, "review", "submit", str(row["id"]))[0] == 0
    code, _, err = as_(full_demo, "aisha", "round", "reveal", str(round_id))
    assert (code, "lead" in err) == (1, True)
    code, out, err = as_(full_demo, "maria", "round", "reveal", str(round_id))
    assert code == 0, err
    code, out, err = as_(full_demo, "maria", "round", "show", str(round_id))
    assert code == 0, err
    assert "Listens actively" in out
    assert "within ±1 1.000" in out
    assert "deviations are from the master" in out
    code, out, _ = as_(full_demo, "maria", "round", "show", str(round_id), "--json")
    shown = json.loads(out)
    listening = [row for row in shown["scores"] if row["competency"] == "Listens actively"]
    assert {row["Tom Berg"] for row in listening} == {"4"}
    assert as_(full_demo, "maria", "round", "note", str(round_id), "--text", "Tom scores a point high")[0] == 0
    assert "Tom scores a point high" in as_(full_demo, "maria", "round", "notes", str(round_id))[1]
    code, out, _ = as_(full_demo, "maria", "round", "evidence", str(round_id), "--recording", "1", "--competency",
                       "active_listening")
    assert out.count("What would you like") == 3
    code, _, err = as_(full_demo, "maria", "round", "close", str(round_id))
    assert (code, "Record the consensus first" in err) == (1, True)
    for recording in ("1", "2"):
        for competency in COMPETENCIES:
            verdict = ["--pass"] if competency in ("measurable_follow_up", "ethics_confidentiality") else [
                "--score", "3"]
            code, _, err = as_(full_demo, "maria", "round", "consensus", str(round_id), "--recording", recording,
                               "--competency", competency, *verdict)
            assert code == 0, err
    code, _, err = as_(full_demo, "maria", "round", "consensus", str(round_id), "--recording", "1", "--competency",
                       "active_listening", "--score", "3", "--pass")
    assert (code, "exactly one of" in err) == (1, True)
    assert as_(full_demo, "maria", "round", "close", str(round_id))[0] == 0
    assert "closed" in as_(full_demo, "maria", "round", "list")[1]
    workbook = tmp_path / "round.xlsx"
    assert as_(full_demo, "maria", "export", "--round", str(round_id), "--out", str(workbook))[0] == 0
    assert "round.xlsx" in as_(full_demo, "maria", "exports")[1]


def test_transcription_jobs_and_transcript_corrections(cli: Cli, transcribed_template: Path) -> None:
    shutil.rmtree(cli.data_dir, ignore_errors=True)
    shutil.copytree(transcribed_template, cli.data_dir)
    code, out, _ = as_(cli, "maria", "transcript", "show", "1")
    assert code == 0
    code, out, err = as_(cli, "maria", "transcript", "edit", "1", "0", "--text", "Thanks for making the time.")
    assert (code, "now reads: Thanks for making the time." in out) == (0, True), err
    code, out, err = as_(cli, "maria", "transcript", "label", "1", "--segments", "0,1", "--speaker", "Coachee")
    assert (code, "relabelled" in out) == (0, True), err
    code, _, err = as_(cli, "maria", "transcript", "edit", "1", "9999", "--text", "x")
    assert (code, "has no segment 9999" in err) == (1, True)
    before = json.loads(as_(cli, "maria", "transcript", "export", "1", "--format", "json")[1])
    code, out, err = as_(cli, "maria", "transcript", "speaker", "1", "Coach", "Coachee", "Coachee", "Coach")
    assert (code, "relabelled" in out) == (0, True), err  # a pair each way swaps them
    after = json.loads(as_(cli, "maria", "transcript", "export", "1", "--format", "json")[1])
    swap = {"Coach": "Coachee", "Coachee": "Coach"}
    assert [s["speaker"] for s in after["segments"]] == [swap[s["speaker"]] for s in before["segments"]]
    code, _, err = as_(cli, "maria", "transcript", "speaker", "1", "Coach")
    assert (code, "in pairs" in err) == (1, True)
    code, _, err = as_(cli, "maria", "transcript", "speaker", "1", "Narrator", "Coach")
    assert (code, "no speaker Narrator" in err) == (1, True)
    history = as_(cli, "maria", "transcript", "history", "1")[1]
    assert "Thanks for making the time." in history
    code, out, _ = as_(cli, "maria", "job", "list", "--all", "--json")
    jobs = json.loads(out)
    assert jobs
    queued = [j for j in jobs if j["status"] == "queued"]
    if queued:
        assert as_(cli, "maria", "job", "cancel", str(queued[0]["id"]))[0] == 0
    code, _, err = as_(cli, "maria", "job", "cancel", "999999")
    assert (code, "no transcription job 999999" in err) == (1, True)


def test_transcript_confirm_from_the_command_line(transcribed: tuple[Database, AppPaths],
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _db, paths = transcribed
    cli = Cli(paths.data_dir, capsys, monkeypatch)
    code, out, err = cli("transcript", "show", "1", user="maria", password="demo-supervisor")
    assert code == 0, err
    assert "machine-made, not yet reviewed by a person" in err
    code, out, err = cli("transcript", "confirm", "1", user="maria", password="demo-supervisor")
    assert code == 0, err
    assert "reviewed by Maria" in out
    code, _, err = cli("transcript", "confirm", "1", user="aisha", password="demo-rater")
    assert code == 1
    assert "error:" in err


def test_consent_from_the_command_line(full_demo: Cli) -> None:
    code, out, err = as_(full_demo, "maria", "recording", "list", "--json")
    assert code == 0, err
    first = json.loads(out)[0]
    code, out, err = as_(full_demo, "maria", "consent", "add", "--recording", str(first["id"]), "--scopes",
                         "record,quote", "--captured", "2026-11-01", "--document", "form 9")
    assert code == 0, err
    record = int(out.split("Consent record ")[1].split()[0])
    code, _, err = as_(full_demo, "maria", "transcribe", str(first["id"]), "--replace")
    assert code == 1
    assert "does not cover: transcribe it with local AI" in err
    form = full_demo.data_dir.parent / "form-9.pdf"
    form.write_bytes(b"%PDF-1.7\n%%EOF\n")
    code, out, err = as_(full_demo, "maria", "consent", "attach", str(record), str(form))
    assert code == 0, err
    code, out, err = as_(full_demo, "maria", "consent", "scan", str(record), "--out", str(form.with_name("c.pdf")))
    assert code == 0, err
    assert form.with_name("c.pdf").read_bytes() == form.read_bytes()
    code, _, err = as_(full_demo, "maria", "consent", "attach", str(record), str(full_demo.data_dir))
    assert code == 1
    code, out, err = as_(full_demo, "maria", "consent", "show")
    assert code == 0, err
    assert "form 9" in out
    assert "form-9.pdf" in out
    code, _, err = as_(full_demo, "maria", "consent", "withdraw", str(record), "--scopes", "record", "--purge")
    assert code == 1
    assert "add --yes" in err
    code, out, err = as_(full_demo, "maria", "consent", "withdraw", str(record), "--scopes", "record", "--purge",
                         "--yes")
    assert code == 0, err
    assert f"Purged recording(s) {first['id']}" in out
    with pytest.raises(SystemExit) as refused:
        as_(full_demo, "maria", "consent", "add", "Leader X", "--scopes", "everything", "--captured", "2026-11-01",
            "--document", "f")
    assert refused.value.code == 2
    code, out, err = as_(full_demo, "admin", "consent", "policy", "--require", "yes")
    assert (code, "Consent is required" in out) == (0, True), err
    code, _, err = as_(full_demo, "maria", "consent", "policy", "--require", "no")
    assert code == 1


def test_subject_requests_from_the_command_line(full_demo: Cli, tmp_path: Path) -> None:
    code, out, err = as_(full_demo, "maria", "subject", "export", "--coach", "1", "--out", str(tmp_path))
    assert code == 0, err
    assert "with subject.json" in out
    code, _, err = as_(full_demo, "maria", "subject", "erase", "--coachee", "Leader A", "--reason",
                       "Request SR-1 by mail")
    assert code == 1
    assert "add --yes" in err


@pytest.mark.usefixtures("rules_only")
def test_redaction_from_the_command_line(cli: Cli, transcribed_template: Path) -> None:
    shutil.copytree(transcribed_template, cli.data_dir)
    code, out, err = as_(cli, "admin", "redact", "terms", "--add", "Globex")
    assert code == 0, err
    assert "Globex" in out
    code, out, err = as_(cli, "maria", "transcript", "show", "1")
    assert code == 0, err
    first_words = out.splitlines()[0].split("] ", 1)[1].split(": ", 1)[-1].split()[:2]
    code, out, err = as_(cli, "maria", "redact", "suggest", "1")
    assert code == 0, err
    assert "new suggestion" in out
    code, out, err = as_(cli, "maria", "redact", "mark", "1", "0", "--words", " ".join(first_words),
                         "--kind", "org")
    assert code == 0, err
    assert "redacted as [ORG]" in out
    code, out, err = as_(cli, "maria", "redact", "list", "1", "--state", "accepted")
    assert code == 0, err
    assert "[ORG]" in out
    mark_id = next(line.split()[0] for line in out.splitlines() if "[ORG]" in line)
    code, out, err = as_(cli, "maria", "transcript", "export", "1", "--format", "txt")
    assert code == 0, err
    assert out.startswith("# REDACTED")
    assert "[ORG]" in out.splitlines()[2]
    code, out, err = as_(cli, "maria", "transcript", "export", "1", "--format", "txt", "--raw")
    assert code == 0, err
    assert out.startswith("# UNREDACTED")
    code, out, err = as_(cli, "maria", "redact", "reject", mark_id)
    assert code == 0, err
    assert "rejected" in out
    code, _, err = as_(cli, "aisha", "transcript", "export", "1", "--format", "txt", "--raw")
    assert code == 1
    code, _, err = as_(cli, "maria", "redact", "mark", "1", "0", "--words", "zzz not there")
    assert code == 1
    assert "does not contain" in err
    with pytest.raises(SystemExit):
        as_(cli, "maria", "redact", "mark", "1", "0", "--words", "x", "--kind", "secret")


def test_retention_and_holds_from_the_command_line(full_demo: Cli) -> None:
    code, out, err = as_(full_demo, "admin", "retention", "policy", "--drafts", "60")
    assert code == 0, err
    assert "60" in out
    code, out, err = as_(full_demo, "maria", "retention", "preview")
    assert code == 0, err
    assert "Nothing is due" in out
    code, out, err = as_(full_demo, "admin", "hold", "add", "--coach", "1", "--reason", "Grievance G-77")
    assert code == 0, err
    hold = out.split("Legal hold ")[1].split()[0]
    code, out, err = as_(full_demo, "admin", "hold", "list")
    assert code == 0, err
    assert "Grievance G-77" in out
    code, out, err = as_(full_demo, "admin", "hold", "release", hold, "--reason", "Grievance settled")
    assert code == 0, err
    code, _, err = as_(full_demo, "admin", "retention", "purge")
    assert code == 1
    assert "add --yes" in err
    code, out, err = as_(full_demo, "admin", "retention", "purge", "--yes")
    assert code == 0, err
    assert "Nothing was due" in out
    code, _, err = as_(full_demo, "maria", "retention", "purge", "--yes")
    assert code == 1
    with pytest.raises(SystemExit):
        as_(full_demo, "admin", "retention", "policy", "--recordings", "0")


def test_practice_from_gold_to_credit(full_demo: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = as_(full_demo, "maria", "practice", "gold", "mark", "--round", "1", "--recording", "1",
                         "--from", "master")
    assert code == 0, err
    assert out.startswith("Gold standard G-1 marked")
    code, out, _ = as_(full_demo, "aisha", "practice", "gold", "--json")
    [listed] = json.loads(out)
    assert listed["code"] == "G-1"
    assert "scored this recording" in listed["blocked"]
    code, _, err = as_(full_demo, "aisha", "practice", "start", "G-1")
    assert code == 1
    assert "cannot practise on G-1" in err
    code, out, err = as_(full_demo, "admin", "practice", "start", "G-1")
    assert code == 0, err
    review = int(out.split("Practice review ")[1].split()[0])
    code, _, err = as_(full_demo, "admin", "practice", "result", str(review))
    assert code == 1
    assert "hidden until you submit" in err
    assert as_(full_demo, "admin", "review", "save", str(review), "--from", str(draft(tmp_path, 5)))[0] == 0
    assert as_(full_demo, "admin", "review", "submit", str(review))[0] == 0
    code, out, err = as_(full_demo, "admin", "practice", "result", str(review), "--json")
    assert code == 0, err
    result = json.loads(out)
    [listening] = [c for c in result["outcome"]["competencies"] if c["competency_id"] == "active_listening"]
    assert listening["mine"] == "5"
    assert listening["difference"] == 5 - int(listening["gold"])
    assert result["credited"] is False
    code, out, _ = as_(full_demo, "admin", "practice", "result", str(review))
    assert "Gold evidence moments:" in out
    assert "Listens actively" in out
    within = int(abs(listening["difference"]) <= 1)  # the only competency scored
    assert f"{within} of 8 scores within ±1" in out  # the competencies left unscored count as misses
    assert as_(full_demo, "aisha", "practice", "credit", str(review))[0] == 1  # a rater cannot credit
    code, out, err = as_(full_demo, "maria", "practice", "credit", str(review))
    assert code == 0, err
    assert "now counts towards calibration" in out
    [row] = json.loads(as_(full_demo, "maria", "practice", "record", "--json")[1])
    assert (row["rater"], row["attempts"], row["credited"]) == ("Priya Shah", 1, 1)
    for bad in (("practice", "start", "G-x"), ("practice", "gold", "mark", "--round", "1", "--recording", "1",
                                                "--tolerance", "7")):
        with pytest.raises(SystemExit) as stopped:
            as_(full_demo, "maria", *bad)
        assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "'G-x' is not a gold standard" in err
    assert "7 is outside 0–2" in err
    assert as_(full_demo, "maria", "practice", "gold", "withdraw", "G-1")[0] == 0
    assert json.loads(as_(full_demo, "admin", "practice", "gold", "list", "--json")[1]) == []
