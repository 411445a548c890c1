"""Reading tabular files (CSV or XLSX) safely, and rating files (long form: unit, rater, score [, competency]
[, master]) for the `agreement` command, so panels that scored on paper get the same statistics."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as defused_iterparse

from supervisor_app.core.agreement import Rating
from supervisor_app.errors import ValidationError

REQUIRED = ("unit", "rater", "score")
TRUE = {"true", "1", "yes", "y", "x", "master"}
FALSE = {"false", "0", "no", "n", ""}
MAX_BYTES = 50_000_000
MAX_UNPACKED_BYTES = 500_000_000


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _rows_from_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return list(reader)
    except csv.Error as exc:
        raise ValidationError(f"{path.name} is not a readable CSV file (line {reader.line_num}: {exc}).") from exc


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
    """Every XML part through defusedxml (no DTDs, so no entity bombs or external entities) before openpyxl reads
    the file: with lxml installed openpyxl parses some parts with lxml, not defusedxml. Also refuses zip bombs."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ValidationError(f"{path.name} unpacks to more than {MAX_UNPACKED_BYTES // 1_000_000} MB; "
                                  "it is not an ordinary spreadsheet.")
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                with archive.open(member) as part:
                    for _event, _element in defused_iterparse(part, forbid_dtd=True):
                        pass


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    import openpyxl

    try:
        _check_xlsx_parts(path)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, ParseError,
            DefusedXmlException) as exc:
        raise ValidationError(f"{path.name} is not a readable Excel workbook ({exc}).") from exc


def read_table(path: Path, expected: str) -> list[list[str]]:
    """The cells of a CSV or the first sheet of an XLSX file, as text; `expected` describes the columns."""
    if not path.is_file():
        raise ValidationError(f"There is no file at {path}.")
    if path.stat().st_size > MAX_BYTES:
        raise ValidationError(f"{path.name} is larger than {MAX_BYTES // 1_000_000} MB.")
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
            score = float(cells["score"].replace(",", "."))
        except ValueError:
            problems.append(RowProblem(line, f"score {cells['score']!r} is not a number"))
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
