"""Reading tabular files (CSV or XLSX) safely, and rating files (long form: unit, rater, score [, competency]
[, master]) for the `agreement` command, so panels that scored on paper get the same statistics."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml import sax as defused_sax

from supervisor_app.core.agreement import Rating
from supervisor_app.errors import ValidationError
from supervisor_app.files import open_regular, read_bounded

REQUIRED = ("unit", "rater", "score")
TRUE = {"true", "1", "yes", "y", "x", "master"}
FALSE = {"false", "0", "no", "n", ""}
MAX_BYTES = 50_000_000
# What the parts of a workbook may unpack to, counted as they are read (a zip's declared sizes can lie): a
# 5,000-coach roster or a 100,000-row rating sheet is a few tens of MB of XML.
MAX_UNPACKED_BYTES = 100_000_000
MAX_ROWS = 200_000
MAX_COLUMNS = 100
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _too_many_rows(name: str) -> ValidationError:
    return ValidationError(f"{name} has more than {MAX_ROWS:,} rows; split it into smaller files.")


def _rows_from_csv(path: Path) -> list[list[str]]:
    data = read_bounded(path, MAX_BYTES, "a .csv file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise _too_many_rows(path.name)
            rows.append(row[:MAX_COLUMNS])
    except csv.Error as exc:
        raise ValidationError(f"{path.name} is not a readable CSV file (line {reader.line_num}: {exc}).") from exc
    return rows


def _cell_text(value: object) -> str:
    """A cell as the text a person typed: 1001 not 1001.0 (Excel stores every number as a float), dates as
    YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)


def _check_xlsx_parts(path: Path) -> None:
    """Every part through defusedxml (no DTDs, so no entity bombs or external entities) before openpyxl reads the
    file — openpyxl parses parts with lxml when it is installed, and finds sheets through the package's
    relationships whatever their names. Streams each part, keeping no tree, and counts the bytes it really
    unpacks, so a zip bomb is refused after MAX_UNPACKED_BYTES, whatever its headers declare."""
    budget = MAX_UNPACKED_BYTES
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if member.is_dir() or not _looks_like_xml(archive, member):
                continue  # images and other binary parts: openpyxl reads no XML from them
            with archive.open(member) as raw:
                counted = _Counted(raw, budget, path.name)
                # SAX hands text over in pieces and keeps nothing: a part that is one 400 MB run of characters
                # costs no more memory than a small one
                defused_sax.parse(counted, ContentHandler(), forbid_dtd=True)
                budget -= counted.read_bytes


def _looks_like_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Judged by content, not name: a sheet can be called anything its relationships point at (sheet1.bin)."""
    with archive.open(member) as raw:
        start = raw.read(64)
    if start.startswith(_BOMS[1:]):
        return True
    return start.removeprefix(_BOMS[0]).lstrip()[:1] == b"<"


class _Counted:
    """A part's stream that refuses to unpack more than its share of the budget (closed by its owner)."""

    def __init__(self, raw: IO[bytes], budget: int, name: str) -> None:
        self._raw, self._budget, self._name = raw, budget, name
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        chunk = self._raw.read(min(size, 1 << 20) if size > 0 else 1 << 20)
        self.read_bytes += len(chunk)
        if self.read_bytes > self._budget:
            raise ValidationError(f"{self._name} unpacks to more than {MAX_UNPACKED_BYTES // 1_000_000} MB; it is "
                                  "not an ordinary spreadsheet (a spreadsheet made to exhaust memory looks like "
                                  "this).")
        return chunk

    def close(self) -> None:
        """The SAX reader closes its source; the zip member is closed by the `with` that opened it."""


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    import openpyxl
    from lxml.etree import LxmlError

    if path.stat().st_size > MAX_BYTES:
        raise ValidationError(f"{path.name} is larger than {MAX_BYTES // 1_000_000} MB.")
    try:
        _check_xlsx_parts(path)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # the sheet's declared size (<dimension ref="A1:XFD1048576"/>) is not trusted: rows are read as they
            # come, and their number and width are capped
            sheet.reset_dimensions()
            rows: list[list[str]] = []
            for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                if len(rows) >= MAX_ROWS:
                    raise _too_many_rows(path.name)
                cells = [_cell_text(cell) for cell in row]
                while cells and not cells[-1]:
                    cells.pop()
                rows.append(cells)
            return rows
        finally:
            workbook.close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, TypeError, OSError, IndexError,
            ParseError, SAXException, DefusedXmlException, LxmlError, EOFError, NotImplementedError) as exc:
        raise ValidationError(f"{path.name} is not a readable Excel workbook ({type(exc).__name__}: "
                              f"{str(exc)[:200]}).") from exc


def read_table(path: Path, expected: str) -> list[list[str]]:
    """The cells of a CSV or the first sheet of an XLSX file, as text; `expected` describes the columns."""
    os.close(open_regular(path, "a .csv or .xlsx file"))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _rows_from_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows = _rows_from_csv(path)
    else:
        raise ValidationError(f"{path.name}: use a .csv or .xlsx file with columns {expected}.")
    if not rows:
        raise ValidationError(f"{path.name} is empty.")
    return rows


def read_ratings(path: Path) -> tuple[list[Rating], list[RowProblem]]:
    rows = read_table(path, "unit, rater, score (and optionally competency, master)")
    header = [h.strip().lower() for h in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError(f"{path.name}: the first row must name the columns; missing: {', '.join(missing)} "
                              f"(found: {', '.join(h for h in header if h) or 'nothing'}).")
    column = {name: header.index(name) for name in (*REQUIRED, "competency", "master") if name in header}
    ratings: list[Rating] = []
    problems: list[RowProblem] = []
    seen: set[tuple[str, str, str]] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[index].strip() if index < len(row) else "") for name, index in column.items()}
        if not cells["unit"] or not cells["rater"]:
            problems.append(RowProblem(line, "unit and rater must not be empty"))
            continue
        try:
            score = float(cells["score"].replace(",", ".")) if len(cells["score"]) <= 40 else math.nan
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            problems.append(RowProblem(line, f"score {cells['score'][:40]!r} is not a number"))
            continue
        master_text = cells.get("master", "").lower()
        if master_text not in TRUE | FALSE:
            problems.append(RowProblem(line, f"master {cells.get('master')!r} is not true or false"))
            continue
        key = (cells.get("competency", ""), cells["unit"], cells["rater"])
        if key in seen:
            problems.append(RowProblem(line, f"{cells['rater']} already scored unit {cells['unit']!r}"
                                             + (f" for {key[0]}" if key[0] else "")))
            continue
        seen.add(key)
        ratings.append(Rating(cells["unit"], cells["rater"], score, cells.get("competency", ""),
                              master_text in TRUE))
    if not ratings:
        raise ValidationError(f"{path.name} has no usable rows." + "".join(f"\n  {p}" for p in problems[:20]))
    return ratings, problems
