"""The written feedback as a document a coach receives: who, which session, the reviewer's words laid out
(their headings as headings, each moment with its time and quote), the scores with what each score means in the
rubric, page numbers and a confidentiality line. The same file from the GUI and `review feedback --pdf`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from fpdf.fonts import FontFace
from sqlalchemy import select

from supervisor_app import __version__
from supervisor_app.core.reviews import long_date
from supervisor_app.files import atomic_target
from supervisor_app.services import reviews
from supervisor_app.services.context import Actor
from supervisor_app.services.pdf_document import PdfDocument
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording

MOMENT = re.compile(r"^- (?P<title>.+?) \((?P<time>\d+:\d{2}(?::\d{2})?)\): (?P<quote>“.*?”)(?: — (?P<note>.*))?$")
SCORES_HEADING = re.compile(r"^Scores against .*:$")
INK, BODY, FAINT, ACCENT = (17, 24, 39), (55, 65, 81), (107, 114, 128), (11, 87, 208)


@dataclass(frozen=True)
class ScoreLine:
    competency: str
    value: str  # "4 of 5", "met", "not yet met", "not observed"
    meaning: str  # the rubric's anchor for that score, or the gate's criterion


@dataclass(frozen=True)
class FeedbackLetter:
    coach: str
    session_date: dt.date | None
    reviewer: str
    reviewed_on: dt.date | None
    rubric: str
    text: str
    scores: tuple[ScoreLine, ...]


def feedback_letter(db: Database, actor: Actor, review_id: int, text: str | None = None) -> FeedbackLetter:
    """The letter for a review: its written feedback (or `text`, what the reviewer has on screen, or a draft from
    the evidence when nothing is written yet) and its scores."""
    detail = reviews.get_review(db, actor, review_id)
    with db.transaction() as session:
        session_date = session.scalar(select(Recording.session_date)
                                      .where(Recording.id == detail.summary.recording_id))
    written = text if text is not None else detail.feedback
    if not written.strip():
        written = reviews.feedback_draft(db, actor, review_id)
    lines = []
    for competency in detail.rubric.competencies:
        score = detail.content.scores.get(competency.id)
        if score is None or not score.decided:
            continue
        if score.not_observed:
            value, meaning = "not observed", ""
        elif competency.is_gate:
            value, meaning = ("met" if score.gate_passed else "not yet met"), competency.criterion or ""
        else:
            value = f"{score.score} of 5"
            meaning = competency.anchors.get(score.score, "") if score.score is not None else ""
        lines.append(ScoreLine(competency.title, value, meaning))
    summary = detail.summary
    return FeedbackLetter(summary.coach_name, session_date, summary.rater,
                          summary.submitted_at.astimezone().date() if summary.submitted_at else None,
                          f"{detail.rubric.title} (version {detail.rubric.version})", written, tuple(lines))


class _LetterPdf(PdfDocument):
    def __init__(self, letter: FeedbackLetter) -> None:
        super().__init__()
        self.letter = letter
        self.set_auto_page_break(auto=True, margin=20)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(*FAINT)
        self.cell(0, 4, self.text_of(f"Confidential: for {self.letter.coach} and their supervisor · Coaching "
                                     f"Supervisor {__version__}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    def moment(self, title: str, time: str, quote: str, note: str | None) -> None:
        self.set_x(self.l_margin + 3)
        self.set_font(self.family, "B", 10)
        self.set_text_color(*INK)
        self.cell(0, 5.2, self.text_of(f"{title}  ·  at {time}"), new_x="LMARGIN", new_y="NEXT")
        self.set_x(self.l_margin + 3)
        self.set_font(self.family, self.italic, 10)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, 5, self.text_of(quote), new_x="LMARGIN", new_y="NEXT")
        if note:
            self.set_x(self.l_margin + 3)
            self.set_font(self.family, "", 9.5)
            self.set_text_color(*BODY)
            self.multi_cell(0, 4.8, self.text_of(note), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.8)


def _when(day: dt.date | None) -> str:
    return long_date(day) if day else "—"


def write_feedback_pdf(letter: FeedbackLetter, target: Path) -> Path:
    """An A4 document, written to a temporary name and renamed (a failed write leaves nothing behind)."""
    pdf = _LetterPdf(letter)
    pdf.set_title(f"Feedback for {letter.coach}")
    pdf.set_author(letter.reviewer)
    pdf.set_creator(f"Coaching Supervisor {__version__}")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 4, style="F")
    pdf.set_y(14)
    pdf.heading("Feedback on your coaching session", 17)
    pdf.set_font(pdf.family, "", 10)
    for label, value in (("Coach", letter.coach), ("Session", _when(letter.session_date)),
                         ("Reviewed by", f"{letter.reviewer}, {_when(letter.reviewed_on)}"),
                         ("Rubric", letter.rubric)):
        pdf.set_text_color(*FAINT)
        pdf.cell(30, 5.5, pdf.text_of(label))
        pdf.set_text_color(*INK)
        pdf.cell(0, 5.5, pdf.text_of(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_draw_color(209, 213, 219)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)
    _body(pdf, letter.text)
    if letter.scores:
        _scores(pdf, letter.scores)
    with atomic_target(target) as tmp:
        pdf.output(str(tmp))
    return target


def _body(pdf: _LetterPdf, text: str) -> None:
    """The reviewer's words: a line ending in ':' is a heading, '- Competency (0:12): “quote” — note' a moment,
    other '- ' lines bullets, the rest paragraphs. The draft's first line and its score list are left out: the
    header and the table say them."""
    lines = text.splitlines()
    if lines and lines[0].startswith("Feedback for "):
        lines = lines[1:]
    skipping = False
    for raw in lines:
        line = raw.strip()
        if SCORES_HEADING.match(line):
            skipping = True
            continue
        if skipping and (line.startswith("- ") or not line):
            continue
        skipping = False
        if not line:
            pdf.ln(1.5)
        elif line.endswith(":") and len(line) < 80:
            pdf.ln(1)
            pdf.heading(line[:-1], 12)
        elif found := MOMENT.match(line):
            pdf.moment(found["title"], found["time"], found["quote"], found["note"])
        elif line.startswith("- "):
            pdf.set_x(pdf.l_margin + 3)
            pdf.paragraph("•  " + line[2:], 10, BODY)
        else:
            pdf.paragraph(line, 10.5, BODY)


def _scores(pdf: _LetterPdf, scores: tuple[ScoreLine, ...]) -> None:
    pdf.ln(3)
    pdf.heading("Scores", 12)
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*BODY)
    pdf.set_draw_color(229, 231, 235)
    pdf.set_fill_color(255, 255, 255)  # the rows between the shaded ones
    with pdf.table(col_widths=(58, 24, 92), text_align=("LEFT", "LEFT", "LEFT"), line_height=4.6,
                   headings_style=_heading_style(pdf), borders_layout="HORIZONTAL_LINES",
                   cell_fill_color=(248, 250, 252), cell_fill_mode="ROWS", padding=1.2) as table:
        header = table.row()
        for title in ("Competency", "Score", "What this score means in the rubric"):
            header.cell(pdf.text_of(title))
        for line in scores:
            row = table.row()
            row.cell(pdf.text_of(line.competency))
            row.cell(pdf.text_of(line.value))
            row.cell(pdf.text_of(line.meaning))


def _heading_style(pdf: _LetterPdf) -> FontFace:
    return FontFace(family=pdf.family, emphasis="BOLD", color=INK, fill_color=(238, 241, 245))
