"""Hostile files given to the commands that read files: rubrics, rating sheets, rosters, review drafts.

Each is refused (or read) with a clear one-line message, in bounded time and memory, changing nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.hostile.conftest import DATA, EXTRA_MB, baseline_mb, folder_state, run_cli
from tests.hostile.generators import (
    RATINGS,
    ROSTER,
    deep_json,
    named_pipe,
    rubric_with_bad_competencies,
    sparse_file,
    write_xlsx,
)


@pytest.mark.parametrize(("name", "fragment"), [
    ("rubric_nan_clip.json", "NaN is not a number JSON allows"),
    ("rubric_infinite_clip.json", "Infinity is not a number JSON allows"),
    ("rubric_duplicate_keys.json", "the key '3' appears twice"),
    ("rubric_lone_surrogate.json", "$.title: contains \\ud800"),
    ("rubric_huge_integer.json", "5000 digits is far too large"),
])
def test_rubric_documents_that_switch_rules_off_or_crash(tmp_path: Path, name: str, fragment: str) -> None:
    outcome = run_cli(tmp_path / "data", "rubric", "validate", str(DATA / name))
    outcome.refused(fragment, max_seconds=15)


def test_rubric_import_of_a_hostile_document_changes_nothing(demo_folder: Path) -> None:
    before = folder_state(demo_folder)
    for name in ("rubric_nan_clip.json", "rubric_duplicate_keys.json", "rubric_lone_surrogate.json"):
        run_cli(demo_folder, "rubric", "import", str(DATA / name), user="admin").refused("is not valid")
    assert folder_state(demo_folder) == before


def test_deep_nesting(tmp_path: Path) -> None:
    deep = deep_json(tmp_path / "deep.json", 100_000)
    run_cli(tmp_path / "data", "rubric", "validate", str(deep)).refused("nested more than 64 levels deep")


def test_devices_pipes_folders_and_giants_are_refused_before_reading(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli(data, "rubric", "validate", "/dev/zero").refused("is a device, not a file", max_seconds=5, extra_mb=20)
    pipe = named_pipe(tmp_path / "rubric.json")
    run_cli(data, "rubric", "validate", str(pipe), timeout=20).refused("is a named pipe, not a file", max_seconds=5)
    run_cli(data, "rubric", "validate", str(tmp_path)).refused("is a folder")
    giant = sparse_file(tmp_path / "giant.json", 4 * 1024**3)
    run_cli(data, "rubric", "validate", str(giant)).refused("4,294,967,296 bytes", max_seconds=5, extra_mb=20)
    run_cli(data, "agreement", str(sparse_file(tmp_path / "giant.csv", 4 * 1024**3))).refused(
        "at most 50,000,000 bytes", max_seconds=5, extra_mb=20)
    run_cli(data, "agreement", str(named_pipe(tmp_path / "ratings.csv")), timeout=20).refused("named pipe")


def test_many_invalid_competencies_give_a_short_report(tmp_path: Path) -> None:
    rubric = rubric_with_bad_competencies(tmp_path / "bad.json", 45_000)
    assert rubric.stat().st_size > 1_500_000
    outcome = run_cli(tmp_path / "data", "rubric", "validate", str(rubric))
    outcome.refused("more than 50 problems", "the check stopped here", max_seconds=30)
    assert len(outcome.err.splitlines()) < 60


def test_a_sheet_declaring_the_whole_grid(tmp_path: Path) -> None:
    workbook = write_xlsx(tmp_path / "grid.xlsx", RATINGS, dimension="A1:XFD1048576")
    assert workbook.stat().st_size < 10_000
    outcome = run_cli(tmp_path / "data", "agreement", str(workbook), "--json")
    assert outcome.code == 0, outcome.err
    assert '"n_units": 2' in outcome.out
    assert outcome.peak_mb < baseline_mb() + EXTRA_MB
    assert outcome.seconds < 20


def test_a_zip_bomb_is_refused_by_what_it_really_unpacks(tmp_path: Path) -> None:
    bomb = write_xlsx(tmp_path / "bomb.xlsx", RATINGS, padding_bytes=440 * 1024**2)
    assert bomb.stat().st_size < 2_000_000
    data = tmp_path / "data"
    run_cli(data, "agreement", str(bomb)).refused("unpacks to more than 100 MB", max_seconds=60)
    roster_bomb = write_xlsx(tmp_path / "roster.xlsx", ROSTER, padding_bytes=300 * 1024**2)
    run_cli(data, "import-roster", str(roster_bomb), "--dry-run", user=None).refused(max_seconds=60)


def test_roster_bomb_changes_nothing(demo_folder: Path, tmp_path: Path) -> None:
    before = folder_state(demo_folder)
    bomb = write_xlsx(tmp_path / "roster.xlsx", ROSTER, padding_bytes=300 * 1024**2)
    run_cli(demo_folder, "import-roster", str(bomb), user="admin").refused("unpacks to more than")
    grid = write_xlsx(tmp_path / "grid.xlsx", ROSTER, dimension="A1:XFD1048576")
    outcome = run_cli(demo_folder, "import-roster", str(grid), "--dry-run", user="admin")
    assert (outcome.code, "1 to create" in outcome.out) == (0, True), outcome.err
    assert outcome.peak_mb < baseline_mb() + EXTRA_MB
    assert folder_state(demo_folder) == before


def test_a_sheet_part_that_is_not_xml(tmp_path: Path) -> None:
    odd = write_xlsx(tmp_path / "odd.xlsx", [], sheet_name="sheet1.dat", sheet_body=b"\x00\x01 not xml at all")
    run_cli(tmp_path / "data", "agreement", str(odd)).refused("not a readable Excel workbook")
    renamed = write_xlsx(tmp_path / "renamed.xlsx", RATINGS, sheet_name="sheet1.bin")
    outcome = run_cli(tmp_path / "data", "agreement", str(renamed), "--json")
    assert (outcome.code, '"n_units": 2' in outcome.out) == (0, True), outcome.err
    entities = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
                b'<c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    disguised = write_xlsx(tmp_path / "disguised.xlsx", [], sheet_name="image1.png", sheet_body=entities)
    run_cli(tmp_path / "data", "agreement", str(disguised)).refused("not a readable Excel workbook")


def test_non_finite_scores_are_row_problems_not_figures(tmp_path: Path) -> None:
    outcome = run_cli(tmp_path / "data", "agreement", str(DATA / "ratings_non_finite.csv"))
    assert outcome.code == 1
    assert outcome.err.count("is not a number") == 3
    assert "inf" not in outcome.out.lower().replace("info", "")
    assert "nan" not in outcome.out.lower()


def test_six_thousand_raters_finish_quickly_and_say_kappa_is_sampled(tmp_path: Path) -> None:
    ratings = tmp_path / "panel.csv"
    lines = ["unit,rater,score,master"]
    for rater in range(6_000):
        lines += [f"u{unit},r{rater},{(rater * 7 + unit) % 5 + 1},{'true' if rater == 0 else 'false'}"
                  for unit in range(5)]
    ratings.write_text("\n".join(lines) + "\n")
    outcome = run_cli(tmp_path / "data", "agreement", str(ratings), timeout=60)
    assert outcome.code == 0, outcome.err
    assert "mean over 2,000 of the 17,997,000 rater pairs" in outcome.out
    assert outcome.seconds < 30


@pytest.mark.parametrize(("name", "fragment"), [
    ("draft_lone_surrogate.json", "$.scores[0].rationale: contains \\udfff"),
    ("draft_nan_time.json", "NaN is not a number JSON allows"),
])
def test_review_drafts_written_as_json(demo_folder: Path, name: str, fragment: str) -> None:
    started = run_cli(demo_folder, "review", "start", "1", user="maria")
    assert started.code == 0, started.err
    review_id = started.out.split()[1]
    before = folder_state(demo_folder)
    run_cli(demo_folder, "review", "save", review_id, "--from", str(DATA / name), user="maria").refused(fragment)
    assert folder_state(demo_folder) == before


def test_copies_of_committed_files_are_unchanged_by_reading(tmp_path: Path) -> None:
    copy = tmp_path / "rubric.json"
    shutil.copy(DATA / "rubric_nan_clip.json", copy)
    before = copy.read_bytes()
    run_cli(tmp_path / "data", "rubric", "validate", str(copy)).refused("NaN")
    assert copy.read_bytes() == before
