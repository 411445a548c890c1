"""Small label and layout helpers every screen shares, so they look and behave alike."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class ErrorLabel(QLabel):
    """A red, wrapped message under a form; hidden until there is something to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorLabel")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.show()


def page_layout(page: QWidget) -> QVBoxLayout:
    """The vertical layout of a main-window page: its margins and spacing."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(24, 20, 24, 16)
    layout.setSpacing(10)
    return layout
