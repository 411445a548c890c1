"""Small label and layout helpers every screen shares, so they look and behave alike."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLayout, QVBoxLayout, QWidget


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

    def clear_message(self) -> None:
        self.clear()
        self.hide()


def page_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
    return label


def page_subtitle(text: str) -> QLabel:
    """The line under a page's title that says what the page is for."""
    label = QLabel(text)
    label.setObjectName("pageSubtitle")
    label.setWordWrap(True)
    return label


def page_layout(page: QWidget) -> QVBoxLayout:
    """The vertical layout of a main-window page: its margins and spacing."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(24, 20, 24, 16)
    layout.setSpacing(10)
    return layout


def finish_form(dialog: QDialog, *parts: QWidget | QLayout, accept_text: str | None = None) -> ErrorLabel:
    """Lay out a form dialog: its parts, a hidden error label, then Save (or `accept_text`) and Cancel.

    Save calls the dialog's `on_buttons_accepted`, which validates and accepts; the error label is returned
    for it to explain what is wrong.
    """
    error_label = ErrorLabel()
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    if accept_text is not None:
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(accept_text)
    buttons.accepted.connect(dialog.on_buttons_accepted)  # type: ignore[attr-defined]
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    layout.addWidget(error_label)
    layout.addWidget(buttons)
    return error_label
