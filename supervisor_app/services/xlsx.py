"""Spreadsheet writing that is safe to hand to HR: no user text can become a formula, nothing Excel refuses to
open, and a file that is either complete or absent.

Built on openpyxl. Sheets are written row by row (write-only mode streams each sheet to disk as it goes, so a
100,000-row sheet does not sit in memory); the normal mode is kept for the side-by-side benchmark.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import _WorkbookChild

MAX_CELL_CHARS = 32_767  # Excel's limit, counted in UTF-16 code units
TRUNCATION_MARKER = " … [truncated: the full text has {count:,} characters]"
# Characters that make a spreadsheet treat typed text as a formula (OWASP CSV/formula injection), with their
# full-width and small-form variants; tab, CR and LF because some readers strip them and see what follows.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b")
# Beyond openpyxl's C0 control-character set: DEL and the C1 controls (which XML 1.0 allows but a terminal or
# an importer may act on), lone surrogates and the two non-characters (which XML 1.0 cannot carry).
_NOT_XML = re.compile("[\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
HEADER_FILL = "1F3A5F"
SAMPLE_ROWS = 200  # rows looked at to fit column widths before a sheet starts streaming
FILTER_BUTTON = 2  # characters of header width taken by the autofilter button
MAX_ROW_POINTS = 300


def clean_text(value: str) -> tuple[str, bool]:
    """`value` made storable: illegal characters removed, line breaks as LF (what a cell holds; XML readers turn a
    bare CR into LF anyway), over-long text truncated with a marker.
    The flag says the text must be stored as quoted text because a spreadsheet could read it as a formula."""
    text = _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", value)).replace("\r\n", "\n").replace("\r", "\n")
    units = len(text.encode("utf-16-le")) // 2
    if units > MAX_CELL_CHARS:
        marker = TRUNCATION_MARKER.format(count=len(text))
        budget = MAX_CELL_CHARS - len(marker.encode("utf-16-le")) // 2
        text = text.encode("utf-16-le")[:2 * budget].decode("utf-16-le", errors="ignore") + marker
    first = text.lstrip(" \u3000")[:1]
    return text, first in FORMULA_TRIGGERS or text in ERROR_CODES


class Kind(Enum):
    TEXT = "text"  # user text: always sanitised
    WRAP = "wrap"  # user text in a wide, wrapped column
    INT = "int"
    DECIMAL = "decimal"  # 2 places
    STAT = "stat"  # 3 places
    SIGNED = "signed"  # +0.00
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"  # naive UTC
    DURATION = "duration"  # seconds in, [h]:mm:ss out


_FORMATS = {
    Kind.INT: "0", Kind.DECIMAL: "0.00", Kind.STAT: "0.000", Kind.SIGNED: "+0.00;-0.00;0.00",
    Kind.PERCENT: "0.0%", Kind.DATE: "yyyy-mm-dd", Kind.DATETIME: "yyyy-mm-dd hh:mm", Kind.DURATION: "[h]:mm:ss",
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float | None = None  # None: fitted to the header and the first rows
    max_width: float = 50
    left: bool = False  # left-align numbers and dates too (a mixed "Value" column)


@dataclass(frozen=True)
class Typed:
    """A value whose cell format differs from its column's (the mixed Value column of a summary)."""
    value: object
    kind: Kind


def _style_name(kind: Kind, left: bool = False) -> str:
    return f"cs_{kind.value}" + ("_left" if left else "")


def register_styles(workbook: Workbook) -> None:
    """Named styles, so 100,000 cells share a handful of style records."""
    thin = Side(style="thin", color="B7C4D6")
    header = NamedStyle(name="cs_header", font=Font(bold=True, color="FFFFFF"),
                        fill=PatternFill("solid", fgColor=HEADER_FILL),
                        alignment=Alignment(vertical="center", wrap_text=True), border=Border(bottom=thin))
    workbook.add_named_style(header)
    workbook.add_named_style(NamedStyle(name="cs_title", font=Font(bold=True, size=14, color=HEADER_FILL)))
    workbook.add_named_style(NamedStyle(name="cs_note", font=Font(italic=True, color="555555")))
    for kind in Kind:
        for left in (False, True):
            style = NamedStyle(name=_style_name(kind, left), alignment=Alignment(
                wrap_text=kind is Kind.WRAP, horizontal="left" if left else None))
            if kind in _FORMATS:
                style.number_format = _FORMATS[kind]
            workbook.add_named_style(style)


StyleCache = dict[tuple[str, bool], Any]


def _styled(sheet: Any, value: object, name: str, quoted: bool, cache: StyleCache) -> Cell:
    """A cell with a named style, made from a cached style record: looking a named style up for every one of
    100,000 cells was a fifth of the export's time."""
    template = cache.get((name, quoted))
    if template is None:
        probe = WriteOnlyCell(sheet)
        probe.style = name
        if quoted:
            probe.quotePrefix = True
        template = cache[(name, quoted)] = probe._style  # openpyxl's per-cell style record (a StyleArray)
    cell = Cell(sheet, row=1, column=1, value=value, style_array=template)
    if quoted:
        cell.data_type = "s"  # never "f" (formula) or "e" (error), whatever the text looks like
    return cell


def _cell(sheet: Any, value: object, kind: Kind, left: bool, cache: StyleCache) -> Cell | str | int | None:
    if isinstance(value, Typed):
        kind, value = value.kind, value.value
    if value is None:
        return None
    if isinstance(value, str) or kind in (Kind.TEXT, Kind.WRAP):
        text, quoted = clean_text(str(value))
        if not (quoted or left or kind is Kind.WRAP):
            return text  # a plain string needs no style record: openpyxl writes it on its fast path
        return _styled(sheet, text, _style_name(Kind.WRAP if kind is Kind.WRAP else Kind.TEXT, left), quoted, cache)
    if kind is Kind.INT and isinstance(value, int) and not left:
        return value
    if kind is Kind.DURATION and isinstance(value, (int, float)):
        value = dt.timedelta(seconds=round(float(value)))
    if kind is Kind.DATETIME and isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return _styled(sheet, value, _style_name(kind, left), False, cache)


def _lines(value: object, width: float) -> int:
    """Lines a wrapped cell of `width` characters needs for `value` (a close estimate; Excel wraps at words)."""
    if isinstance(value, Typed):
        value = value.value
    if not isinstance(value, str) or not value:
        return 1
    chars = max(int(width * 1.25) - 1, 1)  # proportional text fits more than the width in digits
    return sum(max(1, -(-len(part) // chars)) for part in value.split("\n"))


def _display_width(value: object, kind: Kind) -> float:
    if isinstance(value, Typed):
        kind, value = value.kind, value.value
    if value is None:
        return 0
    if kind in (Kind.DATE, Kind.DURATION):
        return 10
    if kind is Kind.DATETIME:
        return 16
    if isinstance(value, float):
        return 8
    return max((len(line) for line in str(value).splitlines()), default=0)


class SheetWriter:
    """One worksheet: a header row, typed rows, widths fitted to the first rows, frozen header, autofilter."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column], *, footer: str = "",
                 first_row: int = 1) -> None:
        self.workbook = workbook
        self.sheet: Any = workbook.create_sheet(title)
        self.columns = list(columns)
        self.header_row = first_row
        self.rows_written = 0
        self._footer = footer
        self._styles: StyleCache = {}

    @property
    def last_row(self) -> int:
        return self.header_row + self.rows_written

    def letter(self, column_index: int) -> str:
        return str(get_column_letter(column_index + 1))

    def write(self, rows: Iterable[Sequence[object]], preamble: Sequence[tuple[str, str]] = ()) -> int:
        """Stream the rows under a styled header; `preamble` rows (text, style name) go above the header, whose
        row number the constructor was told. Returns how many rows were written."""
        iterator: Iterator[Sequence[object]] = iter(rows)
        sample = list(itertools.islice(iterator, SAMPLE_ROWS))
        self._layout(sample)  # a streaming sheet writes widths, panes and page properties before the first row
        for text, style in preamble:
            clean, quoted = clean_text(text)
            self.sheet.append([_styled(self.sheet, clean, style, quoted, self._styles)])
        self.sheet.append([_styled(self.sheet, column.header, "cs_header", False, self._styles)
                           for column in self.columns])
        wrapped = [(i, c.width or c.max_width) for i, c in enumerate(self.columns) if c.kind is Kind.WRAP]
        for row in itertools.chain(sample, iterator):
            number = self.last_row + 1
            lines = max((_lines(row[i], width) for i, width in wrapped), default=1)
            if lines > 1:  # streamed rows cannot be auto-fitted later, so give wrapped text its height now
                self.sheet.row_dimensions[number].height = min(15 * lines, MAX_ROW_POINTS)
            self.sheet.append([_cell(self.sheet, value, column.kind, column.left, self._styles)
                               for value, column in zip(row, self.columns, strict=True)])
            if lines > 1 and self.workbook.write_only:
                del self.sheet.row_dimensions[number]  # streamed already; do not keep one object per row
            self.rows_written += 1
        last = self.letter(len(self.columns) - 1)
        self.sheet.auto_filter.ref = f"A{self.header_row}:{last}{max(self.last_row, self.header_row + 1)}"
        return self.rows_written

    def _layout(self, sample: Sequence[Sequence[object]]) -> None:
        sheet = self.sheet
        for index, column in enumerate(self.columns):
            if column.width is not None:
                width = column.width
            else:
                seen = [_display_width(row[index], column.kind) for row in sample]
                width = min(max([len(column.header) + FILTER_BUTTON, 6, *seen]) + 2, column.max_width)
            sheet.column_dimensions[self.letter(index)].width = width
        sheet.freeze_panes = f"A{self.header_row + 1}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = f"{self.header_row}:{self.header_row}"
        set_footer(sheet, self._footer)

    def column_range(self, column_index: int) -> str:
        letter = self.letter(column_index)
        return f"{letter}{self.header_row + 1}:{letter}{max(self.last_row, self.header_row + 1)}"

    def bar_chart(self, title: str, category: int, values: Sequence[int], anchor: str, *, y_title: str = "",
                  y_range: tuple[float, float] | None = None, skip_first: bool = False,
                  number_format: str = "General") -> None:
        """A native clustered bar chart over this sheet's rows (`skip_first`: leave out a pooled first row)."""
        first = self.header_row + (2 if skip_first else 1)
        if self.last_row < first:
            return
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.y_axis.title = y_title
        chart.height, chart.width = 9, 18
        if y_range is not None:
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = y_range
        chart.y_axis.number_format = number_format
        chart.y_axis.majorGridlines = ChartLines()
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend.position = "b"
        for column_index in values:
            data = Reference(self.sheet, min_col=column_index + 1, min_row=first, max_row=self.last_row)
            chart.add_data(data)
            chart.series[-1].tx = SeriesLabel(v=self.columns[column_index].header)
        chart.set_categories(Reference(self.sheet, min_col=category + 1, min_row=first, max_row=self.last_row))
        self.sheet.add_chart(chart, anchor)


def set_footer(sheet: _WorkbookChild, text: str) -> None:
    """Printed footer: our line on the left (ampersands escaped, as the footer syntax needs), page x of y right."""
    clean, _ = clean_text(text)
    sheet.oddFooter.left.text = clean.replace("&", "&&")[:200]
    sheet.oddFooter.left.size = 8
    sheet.oddFooter.right.text = "Page &P of &N"
    sheet.oddFooter.right.size = 8


def new_workbook(*, streaming: bool) -> Workbook:
    workbook = Workbook(write_only=streaming)
    if not streaming:
        workbook.remove(workbook.active)
    register_styles(workbook)
    return workbook


def discard(workbook: Workbook) -> None:
    """Drop an unfinished streaming workbook: close each sheet's stream and delete its temporary file now,
    not at interpreter exit (openpyxl's default), so a cancelled export in a long session leaves nothing behind."""
    if not workbook.write_only:
        return
    for sheet in workbook.worksheets:
        if sheet.closed:
            continue
        sheet.close()
        sheet._writer.cleanup()  # openpyxl has no public way to delete a closed sheet's temporary file
