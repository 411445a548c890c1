"""A rubric as one printable A4 page for coaches: each competency with what a rater listens for and what the
middle and top of its scale sound like (a gate: its criterion). Two columns, landscape; the type shrinks until
the whole rubric fits on the page, and only then are the behaviours shortened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from supervisor_app import __version__
from supervisor_app.core.rubric import Competency, Rubric
from supervisor_app.files import atomic_target
from supervisor_app.services.pdf_document import PdfDocument

PAGE_W, PAGE_H, MARGIN, GUTTER, HEADER_H = 297.0, 210.0, 11.0, 7.0, 17.0
COLUMNS = 2
SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5)  # body type, largest first
SHOWN_LEVELS = (3, 5)


@dataclass(frozen=True)
class Layout:
    size: float
    behaviours: int | None  # at most this many per competency (None: all)


def _lines(competency: Competency, rubric: Rubric, behaviours: int | None) -> list[tuple[str, str]]:
    """(style, text) rows of one competency's block: "title", "meta" or "body"."""
    stage = rubric.stage_title(competency.stage)
    kind = "pass/fail gate" if competency.is_gate else "scored 1–5"
    rows = [("title", competency.title),
            ("meta", f"{competency.category.value} · {kind}" + (f" · {stage}" if stage else "")),
            ("body", competency.description)]
    listed = competency.behaviours if behaviours is None else competency.behaviours[:behaviours]
    rows += [("body", f"• {behaviour}") for behaviour in listed]
    if competency.is_gate:
        rows.append(("body", f"Passes when: {competency.criterion or ''}"))
    else:
        rows += [("body", f"{level} sounds like: {competency.anchors[level]}") for level in SHOWN_LEVELS
                 if level in competency.anchors]
    return rows


class _Page(PdfDocument):
    def __init__(self) -> None:
        super().__init__("landscape")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.column_w = (PAGE_W - 2 * MARGIN - GUTTER * (COLUMNS - 1)) / COLUMNS

    def style(self, kind: str, size: float) -> float:
        """Set the font for a row kind; returns its line height in mm."""
        bold, scale, colour = {"title": (True, 1.15, (17, 24, 39)), "meta": (False, 0.85, (107, 114, 128)),
                               "body": (False, 1.0, (55, 65, 81))}[kind]
        self.set_font(self.family, "B" if bold else "", size * scale)
        self.set_text_color(*colour)
        return size * scale * 0.43

    def block_height(self, rows: list[tuple[str, str]], size: float) -> float:
        total = 0.0
        for kind, text in rows:
            line = self.style(kind, size)
            height = self.multi_cell(self.column_w, line, self.text_of(text), align="L", dry_run=True,
                                     output="HEIGHT")
            assert isinstance(height, float | int)
            total += float(height)
        return total + size * 0.35


def _place(rubric: Rubric, layout: Layout, *, one_page: bool = True) -> tuple[_Page, bool]:
    """Lay the blocks out in columns; False when they do not fit on one page (unless more pages are allowed: the
    last resort for a rubric too long for any single page)."""
    page = _Page()
    page.add_page()
    bottom = PAGE_H - MARGIN - 5
    column, y = 0, MARGIN + HEADER_H
    for competency in rubric.competencies:
        rows = _lines(competency, rubric, layout.behaviours)
        height = page.block_height(rows, layout.size)
        if y + height > bottom:
            column, y = column + 1, MARGIN + HEADER_H
            if column >= COLUMNS and not one_page:
                page.add_page()
                column = 0
            elif column >= COLUMNS or y + height > bottom:
                return page, False
        x = MARGIN + column * (page.column_w + GUTTER)
        page.set_xy(x, y)
        for kind, text in rows:
            line = page.style(kind, layout.size)
            page.set_x(x)
            page.multi_cell(page.column_w, line, page.text_of(text), align="L", new_x="LEFT", new_y="NEXT")
        y = page.get_y() + layout.size * 0.35
    return page, True


def write_pdf(rubric: Rubric, target: Path, today: dt.date | None = None) -> Layout:
    """Write the rubric on one page (two for the longest rubrics); returns the layout used."""
    most = max((len(c.behaviours) for c in rubric.competencies), default=0)
    attempts = [Layout(size, None) for size in SIZES] + [Layout(SIZES[-1], n) for n in range(most - 1, -1, -1)]
    for layout in attempts:
        page, fits = _place(rubric, layout)
        if fits:
            break
    else:
        layout = Layout(SIZES[-1], None)
        page, _ = _place(rubric, layout, one_page=False)
    page.page = 1
    page.set_title(f"{rubric.title} v{rubric.version}")
    page.set_creator(f"Coaching Supervisor {__version__}")
    page.set_xy(MARGIN, MARGIN)
    page.set_font(page.family, "B", 14)
    page.set_text_color(17, 24, 39)
    page.cell(0, 7, page.text_of(rubric.title), new_x="LMARGIN", new_y="NEXT")
    page.set_font(page.family, "", 8.5)
    page.set_text_color(107, 114, 128)
    page.cell(0, 5, page.text_of(
        f"Version {rubric.version} · {rubric.model_name} · {len(rubric.competencies)} competencies · printed "
        f"{(today or dt.date.today()):%d %B %Y}. What your supervisor listens for in a recorded session; each "
        "score is pinned to moments in the recording."), new_x="LMARGIN", new_y="NEXT")
    page.set_xy(MARGIN, PAGE_H - MARGIN - 3)
    page.set_font(page.family, "", 6.5)
    page.cell(0, 3, page.text_of(f"{rubric.key} · Coaching Supervisor {__version__}"
                                 + ("" if layout.behaviours is None else
                                    f" · the first {layout.behaviours} behaviours of each competency are shown")))
    with atomic_target(target) as tmp:
        page.output(str(tmp))
    return layout
