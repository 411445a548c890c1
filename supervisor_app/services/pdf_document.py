"""A4 PDF documents written with fpdf2 (no Qt), so the command line makes the same file as the GUI: a Unicode
font when the system has DejaVu, the core fonts (Latin-1) otherwise."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_FILES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
              Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))
ITALIC_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf")  # Debian's fonts-dejavu-extra


class PdfDocument(FPDF):
    def __init__(self, orientation: str = "portrait") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.unicode = all(path.is_file() for path in FONT_FILES)
        # the style for italics: the core fonts have one; DejaVu's oblique face is a separate package
        self.italic = "I" if not self.unicode or ITALIC_FILE.is_file() else ""
        if self.unicode:
            self.add_font("Body", "", str(FONT_FILES[0]))
            self.add_font("Body", "B", str(FONT_FILES[1]))
            if self.italic:
                self.add_font("Body", "I", str(ITALIC_FILE))
        self.family = "Body" if self.unicode else "Helvetica"
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=False)

    def text_of(self, value: str) -> str:
        """Core PDF fonts hold Latin-1 only; without a Unicode font other characters become close equivalents."""
        if self.unicode:
            return value
        return (value.replace("≥", ">=").replace("–", "-").replace("—", "-").replace("×", "x").replace("±", "+/-")
                .encode("latin-1", "replace").decode("latin-1"))

    def heading(self, text: str, size: float = 12) -> None:
        self.set_font(self.family, "B", size)
        self.set_text_color(17, 24, 39)
        self.cell(0, size * 0.55, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def paragraph(self, text: str, size: float = 10, colour: tuple[int, int, int] = (55, 65, 81)) -> None:
        self.set_font(self.family, "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.48, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.2)
