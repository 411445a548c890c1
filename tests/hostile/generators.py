"""Hostile files too big (or too odd) to commit, made on the spot: bombs, sparse giants, deep nesting, pipes."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from tests.conftest import REPO_ROOT

RUBRIC = REPO_ROOT / "resources" / "rubrics" / "grow-icf-core-1.0.json"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/{sheet}" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
              '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
              '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                  'officeDocument/2006/relationships/worksheet" Target="worksheets/{sheet}"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main">{dimension}<sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def write_xlsx(target: Path, rows: list[list[str]], *, dimension: str = "", sheet_name: str = "sheet1.xml",
               sheet_body: bytes | None = None, padding_bytes: int = 0) -> Path:
    """A minimal workbook written by hand, so that every part can be made hostile."""
    head = _SHEET_HEAD.format(dimension=f'<dimension ref="{dimension}"/>' if dimension else "")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheet=sheet_name))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(sheet=sheet_name))
        if sheet_body is not None:
            archive.writestr(f"xl/worksheets/{sheet_name}", sheet_body)
            return target
        with archive.open(f"xl/worksheets/{sheet_name}", "w", force_zip64=True) as part:
            part.write(head.encode())
            for number, values in enumerate(rows, start=1):
                part.write(_row(number, values).encode())
            block = b" " * (1 << 20)
            for _ in range(padding_bytes // len(block)):
                part.write(block)  # whitespace between elements: valid XML, compresses 1000:1
            part.write(_SHEET_TAIL.encode())
    return target


RATINGS = [["unit", "rater", "score"], ["A", "ann", "3"], ["A", "bob", "4"], ["B", "ann", "2"], ["B", "bob", "2"]]
ROSTER = [["employee id", "name", "level"], ["E9001", "Nia Brown", "Senior Coach"]]


def sparse_file(target: Path, size: int) -> Path:
    """A file that declares `size` bytes without taking them on disk."""
    with open(target, "wb") as handle:
        handle.truncate(size)
    return target


def deep_json(target: Path, depth: int) -> Path:
    target.write_text("[" * depth + "]" * depth)
    return target


def rubric_with_bad_competencies(target: Path, count: int) -> Path:
    document = json.loads(RUBRIC.read_text("utf-8"))
    document["competencies"] = [{"id": f"X {i}", "title": 7, "x": 0} for i in range(count)]
    target.write_text(json.dumps(document))
    return target


def named_pipe(target: Path) -> Path:
    os.mkfifo(target)
    return target
