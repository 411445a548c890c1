"""Transcript lines drawn word by word: the word being heard is highlighted during playback, words the model was
unsure of are drawn faintly, and a click lands on the word under the mouse (the workspace seeks there)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from supervisor_app.core.transcript_quality import low_confidence_words
from supervisor_app.core.transcripts import Segment, clock

SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 10  # the row's index into the workspace's segments
CURRENT_WORD = "#fde68a"
FAINT = "#9aa0a6"
PADDING = 4


class TranscriptDelegate(QStyledItemDelegate):
    def __init__(self, segments: Sequence[Segment], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.segments = list(segments)
        self.current: tuple[int, int] | None = None  # (segment row, word index) being heard
        self.prefixes: dict[int, str] = {}  # row -> a mark in front of the line (⚠ for a flagged line)

    def _document(self, row: int, width: float, selected: bool = False) -> tuple[QTextDocument, list[int]]:
        """The line as rich text, and the character offset where each word starts (for hit tests)."""
        segment = self.segments[row]
        head = f"{self.prefixes.get(row, '')}{clock(segment.start_s)}  {segment.speaker or '—'}: "
        parts, offsets, position = [html.escape(head)], [], len(head)
        if segment.words:
            unsure = set(low_confidence_words(segment))
            for number, (start, end, word, _probability) in enumerate(segment.words):
                offsets.append(position)
                text = html.escape(word)
                styles = []
                if (start, end, word) in unsure and not selected:
                    styles.append(f"color:{FAINT}")
                if self.current == (row, number):
                    styles.append(f"background-color:{CURRENT_WORD};color:#111827")
                parts.append(f"<span style='{';'.join(styles)}'>{text}</span>" if styles else text)
                position += len(word)
        else:
            parts.append(html.escape(segment.text))
        document = QTextDocument()
        document.setDocumentMargin(PADDING)
        document.setHtml("".join(parts))
        document.setTextWidth(max(width, 50.0))
        return document, offsets

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
              ) -> None:
        row = index.data(SEGMENT_ROLE)
        if row is None:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        style = option.widget.style() if option.widget else None
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        document, _offsets = self._document(int(row), option.rect.width(), selected)
        context = QAbstractTextDocumentLayout.PaintContext()
        if selected:
            context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(QPalette.ColorRole.HighlightedText))
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        row = index.data(SEGMENT_ROLE)
        if row is None:
            return super().sizeHint(option, index)
        width = option.rect.width() if option.rect.width() > 0 else 600
        document, _offsets = self._document(int(row), width)
        return QSize(int(document.idealWidth()), int(document.size().height()))

    def word_at(self, row: int, width: float, point: QPointF) -> int | None:
        """The index of the word at `point` (relative to the row's top left), or None off the words."""
        document, offsets = self._document(row, width)
        position = document.documentLayout().hitTest(point, Qt.HitTestAccuracy.ExactHit)
        if position < 0 or not offsets or position < offsets[0]:
            return None
        return max(i for i, start in enumerate(offsets) if start <= position)
