"""Message boxes in one place, so every screen words them alike (and tests can stand in for them)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.exec()


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    accept = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is accept


def choose(parent: QWidget | None, title: str, text: str, actions: list[str]) -> int | None:
    """Which of `actions` the user picked (its index), or None for Cancel; the first action is the default."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    buttons = [box.addButton(action, QMessageBox.ButtonRole.AcceptRole) for action in actions]
    box.setDefaultButton(buttons[0])
    box.exec()
    return next((i for i, button in enumerate(buttons) if box.clickedButton() is button), None)
