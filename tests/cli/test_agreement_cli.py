from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from supervisor_app.cli import main

ROWS = [("u1", "ana", 3, "listening", "true"), ("u1", "ben", 4, "listening", ""), ("u1", "cy", 3, "listening", ""),
        ("u2", "ana", 2, "listening", "true"), ("u2", "ben", 2, "listening", ""), ("u2", "cy", 1, "listening", ""),
        ("u3", "ana", 5, "listening", "true"), ("u3", "ben", 4, "listening", ""), ("u3", "cy", 5, "listening", ""),
        ("u1", "ana", 1, "follow_up", "true"), ("u1", "ben", 1, "follow_up", ""), ("u1", "cy", 0, "follow_up", ""),
        ("u2", "ana", 0, "follow_up", "true"), ("u2", "ben", 0, "follow_up", ""), ("u2", "cy", 0, "follow_up", "")]


def write_csv(path: Path, rows: list[tuple[object, ...]], header: str = "unit,rater,score,competency,master") -> Path:
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    return path


def test_json_output_has_every_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", str(write_csv(tmp_path / "panel.csv", ROWS)), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"listening", "follow_up", "overall"}
    for key in ("n_units", "n_raters", "icc2_1", "icc2_1_ci", "icc2_k", "icc2_k_ci", "icc3_1", "alpha_ordinal",
                "alpha_interval", "alpha_nominal", "kappa_quadratic_mean", "fleiss_kappa", "exact_agreement",
                "adjacent_agreement", "bias", "ac1", "ac1_ci", "ac2_linear", "ac2_linear_ci", "ac2_quadratic",
                "ac2_quadratic_ci", "alpha_ordinal_ci", "kappa_quadratic_mean_ci"):
        assert key in payload["listening"]
    overall = payload["overall"]
    assert overall["bootstrap_draws"] == 2000
    assert overall["ac1"] is not None
    assert overall["ac1_ci"][0] <= overall["ac1"] <= overall["ac1_ci"][1]
    assert (payload["listening"]["n_units"], payload["listening"]["n_raters"]) == (3, 3)
    assert payload["overall"]["n_units"] == 5
    assert payload["listening"]["bias"]["ben"]["vs_master"] == pytest.approx(0.0)
    assert payload["listening"]["bias"]["cy"]["vs_master"] == pytest.approx(-1 / 3)
    assert payload["listening"]["bands"]["icc2_1"]["source"] == "Koo & Li 2016"
    assert any("too unstable" in w for w in payload["listening"]["warnings"])
    # ben is within ±1 and agrees on the gate; cy scores one gate differently from the master
    assert payload["overall"]["calibrated"] == {"ben": True, "cy": False}


def test_readable_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", str(write_csv(tmp_path / "panel.csv", ROWS))]) == 0
    out = capsys.readouterr().out
    assert "listening: 3 units, 3 raters" in out
    assert "Krippendorff alpha, ordinal" in out
    assert "Landis & Koch 1977" in out
    assert "ben: yes" in out
    assert main(["agreement", str(tmp_path / "panel.csv"), "--ignore-gates"]) == 0
    assert "cy: yes" in capsys.readouterr().out


def test_xlsx_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Unit", "Rater", "Score"])
    for unit, rater, score, *_rest in ROWS[:9]:
        sheet.append([unit, rater, score])
    workbook.save(tmp_path / "panel.xlsx")
    assert main(["agreement", str(tmp_path / "panel.xlsx"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["n_units"] == 3


def test_malformed_rows_are_reported_with_line_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*ROWS[:9], ("u4", "ana", "four", "listening", ""), ("", "ben", 3, "listening", ""),
            ("u1", "ben", 2, "listening", ""), ("u5", "ana", 3, "listening", "maybe")]
    assert main(["agreement", str(write_csv(tmp_path / "bad.csv", rows)), "--json"]) == 1
    captured = capsys.readouterr()
    assert "line 11: score 'four' is not a number" in captured.err
    assert "line 12: unit and rater must not be empty" in captured.err
    assert "line 13: ben already scored unit 'u1' for listening" in captured.err
    assert "line 14: master 'maybe' is not true or false" in captured.err
    assert json.loads(captured.out)["listening"]["n_units"] == 3


@pytest.mark.parametrize(("content", "message"), [
    ("unit,who,score\nu1,a,3\n", "missing: rater"),
    ("", "is empty"),
    ("unit,rater,score\nu1,a,x\n", "no usable rows"),
])
def test_unusable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["agreement", str(path)]) == 1
    assert message in capsys.readouterr().err


def test_hostile_or_wrong_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a workbook")
    assert main(["agreement", str(fake)]) == 1
    assert "not a readable Excel workbook" in capsys.readouterr().err
    assert main(["agreement", str(tmp_path / "panel.pdf")]) == 1
    assert "no file" in capsys.readouterr().err


BOMB_DTD = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
HOSTILE_PARTS = {
    "xl/worksheets/sheet1.xml": BOMB_DTD + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                                'main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c>'
                                '</row></sheetData></worksheet>',
    "xl/workbook.xml": '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&xxe;</workbook>',
    "[Content_Types].xml": BOMB_DTD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                      '&lol3;</Types>',
}


@pytest.mark.parametrize("part", sorted(HOSTILE_PARTS))
def test_xml_bombs_and_external_entities_in_any_part_are_refused(tmp_path: Path, part: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import zipfile

    workbook = openpyxl.Workbook()
    workbook.active.append(["unit", "rater", "score"])
    plain = tmp_path / "plain.xlsx"
    workbook.save(plain)
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = HOSTILE_PARTS[part].encode() if item.filename == part else source.read(item.filename)
            target.writestr(item, data)
    assert main(["agreement", str(hostile)]) == 1
    err = capsys.readouterr().err
    assert "not a readable Excel workbook" in err
    assert "root:" not in err
