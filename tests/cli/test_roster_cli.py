from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

SUP = {"user": "maria", "password": "demo-supervisor"}


def roster(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(["Employee ID,Full name,Level,Department,Supervisor,Certification date", *lines]) + "\n",
                    encoding="utf-8")
    return path


def coaches(cli: Cli) -> dict[str, dict[str, object]]:
    return {c["employee_id"]: c for c in json.loads(cli("coach", "list", "--all", "--json", **SUP)[1])}


@pytest.fixture
def demo(cli: Cli) -> Cli:
    assert cli("demo", "--minimal")[0] == 0
    return cli


def test_dry_run_then_upsert(demo: Cli, tmp_path: Path) -> None:
    path = roster(tmp_path / "hris.csv", ["E1001,Daniel Fischer,Senior Coach,Operations,Maria Lopez,2024-03-14",
                                          "E1003,Samuel Osei,Senior Coach,Sales,Maria Lopez,2025-06-20",
                                          "E2001,Ana Lima,Coach in Training,Legal,James Chen,"])
    before = coaches(demo)
    code, out, _ = demo("import-roster", str(path), "--dry-run", **SUP)
    assert (code, out.strip()) == (0, "Dry run: 1 to create, 1 to update, 1 unchanged, 0 invalid. Nothing was changed.")
    assert coaches(demo) == before
    code, out, _ = demo("import-roster", str(path), **SUP)
    assert code == 0
    assert "1 created, 1 updated, 1 unchanged, 0 skipped" in out
    after = coaches(demo)
    assert after["E1003"]["level"] == "Senior Coach"
    assert (after["E2001"]["name"], after["E2001"]["supervisor_name"]) == ("Ana Lima", "James Chen")


def test_invalid_rows_change_nothing_unless_skipped(demo: Cli, tmp_path: Path) -> None:
    path = roster(tmp_path / "bad.csv", ["E3001,,Senior Coach,Ops,,", "E3002,Bo Chen,Wizard,Ops,,",
                                         "E3003,Cy Dee,Senior Coach,Ops,Nobody,", "E3003,Cy Dee,Senior Coach,Ops,,",
                                         "E3004,Di Eve,Coach in Training,Ops,,2025-01-01",
                                         "E3005,Ed Fox,Certified Internal Coach,Ops,James Chen,2025-02-30",
                                         "E3006,Good Row,Senior Coach,Ops,,"])
    before = coaches(demo)
    code, _, err = demo("import-roster", str(path), **SUP)
    assert code == 1
    for expected in ("line 2: missing name", "line 3: Unknown coach level 'Wizard'",
                     "line 4: no active supervisor called 'Nobody'", "line 5: duplicate employee id 'E3003'",
                     "line 6: a certification date", "line 7: certification date '2025-02-30' is not YYYY-MM-DD",
                     "6 row(s) are invalid"):
        assert expected in err
    assert coaches(demo) == before
    code, out, _ = demo("import-roster", str(path), "--skip-invalid", **SUP)
    assert code == 0
    assert "1 created" in out
    assert set(coaches(demo)) - set(before) == {"E3006"}


def test_mapping_and_unusable_files(demo: Cli, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Staff no,Who,Grade\nE4001,Flo Gee,Senior Coach\n", encoding="utf-8")
    code, _, err = demo("import-roster", str(path), **SUP)
    assert code == 1
    assert "No column found for employee_id, name" in err
    code, out, _ = demo("import-roster", str(path), "--map", "employee_id=Staff no", "--map", "name=Who", **SUP)
    assert code == 0
    assert "1 created" in out
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 nope")
    code, _, err = demo("import-roster", str(fake), **SUP)
    assert (code, "not a readable Excel workbook" in err) == (1, True)
    code, _, err = demo("import-roster", str(path), user="aisha", password="demo-rater")
    assert code == 1
    assert "may not manage coaches" in err


def test_hostile_csv_content(demo: Cli, tmp_path: Path) -> None:
    before = coaches(demo)
    nul = roster(tmp_path / "nul.csv", ["E5001,Ann\x00Lee,Senior Coach,Ops,,", "E5002,Bell\x07,Senior Coach,Ops,,",
                                        "E5003," + "N" * 201 + ",Senior Coach,Ops,,",
                                        "E5004,=HYPERLINK(\"http://x\"),Senior Coach,Ops,,"])
    code, _, err = demo("import-roster", str(nul), **SUP)
    assert code == 1
    assert "line 2: The name contains control characters; remove them." in err
    assert "line 3: The name contains control characters" in err
    assert "line 4: The name is longer than 200 characters." in err
    assert "line 5" not in err  # formula-like text is only text here; exports store it as text
    huge = tmp_path / "huge.csv"
    huge.write_text('Employee ID,Full name,Level\nE5005,"' + "x" * 200_000 + '",Senior Coach\n', encoding="utf-8")
    code, _, err = demo("import-roster", str(huge), **SUP)
    assert code == 1
    assert "huge.csv is not a readable CSV file (line 2: field larger than field limit" in err
    assert coaches(demo) == before


def test_xlsx_numbers_and_dates_read_as_typed(demo: Cli, tmp_path: Path) -> None:
    """Excel keeps 1001 as the float 1001.0 and dates as datetimes; the roster sees '1001' and '2024-03-14'."""
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Employee ID", "Full name", "Level", "Certification date"])
    book.active.append([1001.0, "Numeric Id", "Senior Coach", dt.datetime(2024, 3, 14)])
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    code, out, err = demo("import-roster", str(path), **SUP)
    assert (code, err) == (0, "")
    assert "1 created" in out
    row = coaches(demo)["1001"]
    assert (row["name"], row["certified_on"]) == ("Numeric Id", "2024-03-14")
