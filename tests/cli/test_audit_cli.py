"""The program lead's quarter from the command line: create, show, verify, assign, reassign, close."""

from __future__ import annotations

import datetime as dt
import json

from supervisor_app.services import dashboard
from tests.cli.conftest import Cli
from tests.cli.test_parity_cli import as_
from tests.conftest import AUDIO


def test_an_audit_cycle_from_the_command_line(demo_cli: Cli) -> None:
    cli = demo_cli
    code, out, _ = as_(cli, "maria", "audit-cycle", "show", "2026-Q4")  # the demo's quarter in progress
    assert (code, "Audit cycle 2026-Q4 (open): 3 of 11 active coaches" in out) == (0, True)
    code, out, err = as_(cli, "maria", "audit-cycle", "create", "2027-Q1", "--share", "0.25", "--seed", "42",
                         "--stratify", "level", "--unaudited-first", "--independent")
    assert code == 0, err
    assert "3 of 11 active coaches (27%; share 25%, at least 20 %)" in out
    assert "needs a recording by" in out  # the demo's sessions are from the quarter before
    code, out, _ = as_(cli, "maria", "audit-cycle", "show", "2027-Q1", "--json")
    shown = json.loads(out)
    assert (shown["seed"], shown["share"], shown["frame_size"], len(shown["sample"])) == (42, "1/4", 11, 3)
    code, out, _ = as_(cli, "maria", "audit-cycle", "verify", "2027-Q1")
    assert (code, "the sample matches a fresh draw" in out) == (0, True)
    code, _, err = as_(cli, "maria", "audit-cycle", "create", "2027-Q1")
    assert (code, "already has an audit cycle" in err) == (1, True)
    for bad, message in ((["2026-Q5"], "not a quarter"), (["2027-Q2", "--share", "0.1"], "below the program's "
                                                          "minimum of 20 %"),
                         (["2027-Q2", "--stratify", "region"], "Cannot stratify by region")):
        code, _, err = as_(cli, "maria", "audit-cycle", "create", *bad)  # 2027-Q1 exists: refused before that
        assert (code, message in err) == (1, True), err
    code, _, err = as_(cli, "aisha", "audit-cycle", "show", "2026-Q4")
    assert (code, "may not run audits" in err) == (1, True)
    code, out, err = as_(cli, "maria", "export", "--cycle", "2026-Q4", "--out", str(cli.data_dir / "q4.xlsx"))
    assert (code, ": 1 review" in out) == (0, True), err  # the demo quarter's one review so far
    code, _, err = as_(cli, "maria", "export", "--cycle", "2027-Q1", "--out", str(cli.data_dir / "q1.xlsx"))
    assert (code, "Nothing to export: no submitted reviews in audit cycle 2027-Q1" in err) == (1, True)
    brief = cli.data_dir / "q4-brief.pdf"
    code, out, err = as_(cli, "maria", "audit-cycle", "brief", "2026-Q4", "--out", str(brief))
    assert (code, "1 of 11 coaches reviewed (9%)" in out, brief.read_bytes()[:4]) == (0, True, b"%PDF"), err
    code, _, err = as_(cli, "maria", "export", "--cycle", "2031-Q1", "--out", str(cli.data_dir / "q.xlsx"))
    assert (code, "no audit cycle for 2031-Q1" in err) == (1, True)


def test_assignments_by_hand(demo_cli: Cli) -> None:
    cli = demo_cli
    code, _, err = as_(cli, "maria", "assignment", "add", "1", "--reviewer", "Tom Berg", "--due", "2999-01-31")
    assert (code, "scores this session blind" in err) == (1, True)  # the demo round hides who coaches it
    code, _, err = as_(cli, "maria", "import-audio", str(AUDIO / "short.wav"), "--coach", "3")
    assert code == 0, err  # recording 14: the demo has 13
    code, out, err = as_(cli, "maria", "assignment", "add", "14", "--reviewer", "Tom Berg", "--due", "2999-01-31")
    assert code == 0, err
    assignment = out.split()[1].rstrip(":")
    code, _, err = as_(cli, "maria", "assignment", "add", "14", "--reviewer", "Tom Berg", "--due", "2020-01-31")
    assert (code, "in the past" in err) == (1, True)
    assert as_(cli, "maria", "coach", "link", "3", "--account", "aisha")[0] == 0  # Samuel Osei's own account
    code, _, err = as_(cli, "maria", "assignment", "add", "14", "--reviewer", "Aisha Okafor", "--due", "2999-01-31")
    assert (code, "nobody reviews their own session" in err) == (1, True)
    code, out, _ = as_(cli, "tom", "assignment", "list", "--json")
    [mine] = json.loads(out)
    assert (mine["recording_id"], mine["state"]) == (14, "assigned")
    code, out, err = as_(cli, "tom", "review", "start", "14")
    assert code == 0, err
    code, _, err = as_(cli, "maria", "assignment", "reassign", assignment, "--to", "James Chen", "--reason",
                       "Tom is at the offsite all week")
    assert code == 0, err
    code, out, _ = as_(cli, "maria", "assignment", "list", "--all", "--json")
    assert {(a["reviewer"], a["state"]) for a in json.loads(out) if a["recording_id"] == 14} == {
        ("Tom Berg", "reassigned"), ("James Chen", "assigned")}


def test_the_dashboard_and_one_to_ones(demo_cli: Cli) -> None:
    cli = demo_cli
    code, out, _ = as_(cli, "maria", "dashboard")
    assert code == 0
    assert any(("Audit 20" in line and "reviewed" in line) or "no cycle" in line for line in out.splitlines())
    code, out, _ = as_(cli, "maria", "dashboard", "--json")
    tiles = {t["key"]: t for t in json.loads(out)["tiles"]}
    this_quarter = dashboard.quarter_containing(dt.date.today()).label
    assert tiles["coverage"]["title"] == f"Audit {this_quarter}"
    if this_quarter == "2026-Q4":  # the demo's quarter in progress
        assert (tiles["coverage"]["value"], tiles["coverage"]["note"]) == ("1 of 11 reviewed (9%)",
                                                                           "3 drawn, 3 assigned")
    assert tiles["recertification"]["value"] == "5 due or overdue"
    assert {r["supervisor"]: r["coaches"] for r in tiles["supervision_ratio"]["rows"]} == {
        "James Chen": "5", "Maria Lopez": "6"}
    code, _, err = as_(cli, "maria", "one-to-one", "1", "--on", "2999-01-01")
    assert (code, "in the future" in err) == (1, True)
    code, _, err = as_(cli, "aisha", "dashboard")
    assert (code, "may not run audits" in err) == (1, True)


def test_redraw_from_the_command_line(demo_cli: Cli) -> None:
    cli = demo_cli
    code, _, err = as_(cli, "maria", "audit-cycle", "redraw", "2026-Q4", "--seed", "9")
    assert (code, "can no longer be redrawn" in err) == (1, True)  # the demo's quarter has assignments
    assert as_(cli, "maria", "audit-cycle", "create", "2027-Q1", "--seed", "8")[0] == 0
    code, out, err = as_(cli, "maria", "audit-cycle", "redraw", "2027-Q1", "--seed", "9")
    assert (code, "seed 9" in out) == (0, True), err
    assert "matches" in as_(cli, "maria", "audit-cycle", "verify", "2027-Q1")[1]
