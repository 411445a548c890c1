"""Keyboard shortcuts that belong to one screen: active while the focus is anywhere inside it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def add_shortcuts(widget: QWidget, shortcuts: Sequence[tuple[QKeySequence | str, Callable[[], object]]]) -> None:
    for key, slot in shortcuts:
        action = QAction(widget)
        action.setShortcut(key if isinstance(key, QKeySequence) else QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        widget.addAction(action)
