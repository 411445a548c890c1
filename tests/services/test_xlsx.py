"""Cell safety for every workbook we write: unit cases, then hypothesis over arbitrary text, written and read back."""

from __future__ import annotations

import datetime as dt
import glob
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from supervisor_app.services.export import ExportScope, export_audit
from supervisor_app.services.xlsx import (
    FORMULA_TRIGGERS,
    MAX_CELL_CHARS,
    Column,
    Kind,
    SheetWriter,
    clean_text,
    discard,
    new_workbook,
)
from supervisor_app.store.db import Database
from supervisor_app.store.models import EvidenceItem, ReviewScore
from tests.conftest import login

ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=60)  # surrogates and controls included
STORABLE_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)  # what a database can hold: no lone surrogates


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "\uff1d1+1", "\uff0b1",
                                  "\uff0d1", "\uff20SUM(A1)", " =1+1", "#N/A", "#REF!", "=HYPERLINK(\"x\")"])
def test_formula_like_text_is_flagged(text: str) -> None:
    cleaned, quoted = clean_text(text)
    assert quoted
    assert cleaned.strip(" ") == text.replace("\r", "\n").strip(" ")


@pytest.mark.parametrize("text", ["Asked open questions", "3 of 5", "a=b", "e-mail", "", "'quoted", "50 %"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert clean_text(text) == (text, False)


def test_characters_a_workbook_cannot_hold_are_removed() -> None:
    assert clean_text("bell\x07 nul\x00 esc\x1b ok\ttab\nline") == ("bell nul esc ok\ttab\nline", False)
    assert clean_text("lone \ud800 surrogate \ufffe") == ("lone  surrogate ", False)
    assert clean_text("a\r\nb\rc") == ("a\nb\nc", False)


@pytest.mark.parametrize("unit", ["x", "é", "\U0001f600"])  # 1 and 2 UTF-16 code units per character
def test_long_text_is_cut_with_a_marker(unit: str) -> None:
    text = unit * 40_000
    cleaned, _ = clean_text(text)
    assert utf16_units(cleaned) <= MAX_CELL_CHARS
    assert cleaned.endswith("[truncated: the full text has 40,000 characters]")
    assert cleaned.startswith(unit * 100)
    cleaned.encode("utf-8")  # no half surrogate pair left behind
    exact = unit * (MAX_CELL_CHARS // utf16_units(unit))
    assert clean_text(exact) == (exact, False)


def write_and_read(tmp_path: Path, values: list[str], streaming: bool = True) -> tuple[list[openpyxl.cell.Cell], str]:
    book = new_workbook(streaming=streaming)
    sheet = SheetWriter(book, "Data", [Column("Text", Kind.WRAP), Column("When", Kind.DATETIME),
                                       Column("At", Kind.DURATION)])
    sheet.write([[value, dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC), 3725.4] for value in values])
    target = tmp_path / "cells.xlsx"
    book.save(target)
    with zipfile.ZipFile(target) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    loaded = openpyxl.load_workbook(target)["Data"]
    return [row[0] for row in loaded.iter_rows(min_row=2, max_row=1 + len(values))], xml


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_any_text_is_stored_as_text(tmp_path: Path, values: list[str]) -> None:
    cells, xml = write_and_read(tmp_path, values)
    assert "<f>" not in xml
    for value, cell in zip(values, cells, strict=True):
        expected, quoted = clean_text(value)
        assert (cell.value or "") == expected
        if expected:
            assert cell.data_type == "s"
        assert bool(cell.quotePrefix) == quoted
        if expected[:1] in FORMULA_TRIGGERS:
            assert quoted


def test_typed_columns_and_header(tmp_path: Path) -> None:
    for streaming in (True, False):
        cells, _ = write_and_read(tmp_path, ["=1+1", "plain"], streaming)
        sheet = cells[0].parent
        assert sheet["A1"].value == "Text"
        assert sheet["A1"].font.b
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == "A1:C3"
        assert sheet["B2"].value == dt.datetime(2026, 11, 30, 9, 30)
        assert sheet["C2"].number_format == "[h]:mm:ss"
        assert sheet["C2"].value == dt.timedelta(seconds=3725)
        assert cells[0].quotePrefix
        assert cells[0].value == "=1+1"
        assert sheet.column_dimensions["A"].width >= 6


def test_a_discarded_streaming_workbook_leaves_no_temporary_files() -> None:
    pattern = str(Path(tempfile.gettempdir()) / "openpyxl.*")
    before = set(glob.glob(pattern))
    book = new_workbook(streaming=True)
    sheet = SheetWriter(book, "Data", [Column("Text")])

    def rows_then_failure() -> object:
        for index in range(500):  # past the rows sampled for widths, so the sheet is streaming to its temp file
            yield [f"row {index}"]
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        sheet.write(rows_then_failure())  # type: ignore[arg-type]
    assert set(glob.glob(pattern)) != before
    discard(book)
    assert set(glob.glob(pattern)) == before


def test_any_user_text_never_breaks_the_audit_export(round_db: Database, tmp_path: Path) -> None:
    """Arbitrary text in a stored rationale, quote and note goes through the whole export and reads back clean."""
    admin = login(round_db, "admin")
    target = tmp_path / "property.xlsx"

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=STORABLE_TEXT)
    def check(text: str) -> None:
        with round_db.transaction() as session:
            session.execute(update(ReviewScore).where(ReviewScore.review_id == 1).values(rationale=text))
            session.execute(update(EvidenceItem).where(EvidenceItem.review_id == 1).values(quote=text, note=text))
        export_audit(round_db, admin, ExportScope(review_ids=(1,)), target)
        with zipfile.ZipFile(target) as archive:
            assert not any("<f>" in archive.read(name).decode("utf-8") for name in archive.namelist()
                           if name.startswith("xl/worksheets/"))
        book = openpyxl.load_workbook(target)
        expected, quoted = clean_text(text)
        scores, evidence = book["Scores"], book["Evidence"]
        header = [c.value for c in scores[1]]
        rationale = scores.cell(2, header.index("Rationale") + 1)
        assert (rationale.value or "") == expected
        assert bool(rationale.quotePrefix) == quoted
        ev_header = [c.value for c in evidence[1]]
        assert (evidence.cell(2, ev_header.index("Quote") + 1).value or "") == expected

    check()
