"""`supervisor-app export`: the HR workbook from the command line, by round, by period and by review ids."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from tests.cli.conftest import Cli

ADMIN = {"user": "admin", "password": "demo-admin"}
HR = {"user": "helen", "password": "demo-hr-viewer"}


@pytest.fixture
def demo(cli: Cli, round_template: Path) -> Cli:
    cli.data_dir.mkdir(parents=True)
    source, target = sqlite3.connect(round_template), sqlite3.connect(cli.data_dir / "supervisor.sqlite3")
    source.backup(target)
    source.close()
    target.close()
    return cli


def test_export_by_round_period_and_reviews(demo: Cli, tmp_path: Path) -> None:
    code, out, err = demo("export", "--round", "1", "--out", str(tmp_path / "round.xlsx"), **ADMIN)
    assert (code, err) == (0, "")
    assert "40 reviews, 400 score rows, 400 evidence items" in out
    assert openpyxl.load_workbook(tmp_path / "round.xlsx").sheetnames[0] == "Summary"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    code, out, _ = demo("export", "--from", "2020-01-01", "--to", today, "--out", str(tmp_path / "period.xlsx"),
                        "--pseudonyms", **ADMIN)
    assert code == 0
    book = openpyxl.load_workbook(tmp_path / "period.xlsx")
    header = [c.value for c in book["Scores"][1]]
    assert all(row[header.index("Coach")].startswith("Coach ")
               for row in book["Scores"].iter_rows(min_row=2, values_only=True))
    code, out, _ = demo("export", "--reviews", "1, 2,3", "--out", str(tmp_path / "some.xlsx"), "--aggregates-only",
                        **ADMIN)
    assert code == 0
    assert "3 reviews" in out
    assert "aggregates only" in out


def test_hr_viewer_gets_aggregates_and_raters_nothing(demo: Cli, tmp_path: Path) -> None:
    code, out, _ = demo("export", "--round", "1", "--out", str(tmp_path / "hr.xlsx"), **HR)
    assert code == 0
    assert "(aggregates only: no rationale, quotes or notes)" in out
    code, _, err = demo("export", "--round", "1", "--out", str(tmp_path / "rater.xlsx"), user="aisha",
                        password="demo-rater")
    assert code == 1
    assert "may not export aggregates" in err
    assert not (tmp_path / "rater.xlsx").exists()


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--from", "2026-01-01", "--out", "x.xlsx"], 1, "both a start and an end"),
    (["--from", "2026-03-01", "--to", "2026-01-01", "--out", "x.xlsx"], 1, "swap the dates"),
    (["--from", "2026-02-30", "--to", "2026-03-01", "--out", "x.xlsx"], 2, "is not a date"),
    (["--reviews", "1,two", "--out", "x.xlsx"], 2, "not a list of review ids"),
    (["--round", "1", "--out", "x.csv"], 1, ".xlsx extension"),
    (["--round", "1", "--reviews", "2", "--out", "x.xlsx"], 2, "not allowed with argument"),
    (["--round", "7", "--out", "x.xlsx"], 1, "no calibration round 7"),
    (["--out", "x.xlsx"], 2, "one of the arguments --round --reviews --from --cycle is required"),
])
def test_bad_requests(demo: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                      args: list[str], code: int, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    if code == 2:
        with pytest.raises(SystemExit) as exited:
            demo("export", *args, **ADMIN)
        assert exited.value.code == 2
        assert message in capsys.readouterr().err
        return
    got, _, err = demo("export", *args, **ADMIN)
    assert got == code
    assert message in err
    assert not any(tmp_path.glob("x.*"))


def test_an_unwritable_target_is_a_clear_refusal(demo: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    code, _, err = demo("export", "--round", "1", "--out", str(blocker / "q4.xlsx"), **ADMIN)
    assert code == 1
    assert f"Cannot write {blocker / 'q4.xlsx'}" in err
    assert "nothing was written" in err
    assert blocker.read_text(encoding="utf-8") == "a file where a folder should be"
