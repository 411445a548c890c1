"""F1: every keyboard shortcut, grouped by the screen it works on and searchable, with the keyboard-only path from
importing a recording to the coach's feedback at the top."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class Shortcut:
    screen: str
    keys: str  # as the user reads them
    what: str
    bound: tuple[str, ...] = ()  # the key sequences behind it (a test checks each is really bound)


SHORTCUTS = (
    Shortcut("Everywhere", "Ctrl+1 … Ctrl+8", "Go to Library, Reviews, Calibration, Audits, Coaches, Rubrics, Admin, "
             "Program", ("Ctrl+1", "Ctrl+2")),
    Shortcut("Everywhere", "Ctrl+I", "Import a rubric", ("Ctrl+I",)),
    Shortcut("Everywhere", "Ctrl+Shift+U", "Switch user", ("Ctrl+Shift+U",)),
    Shortcut("Everywhere", "F1", "This list", ("F1",)),
    Shortcut("Everywhere", "Ctrl+Q", "Quit", ("Ctrl+Q",)),
    Shortcut("Library", "Ctrl+O", "Import recordings (type or paste the file name, Enter)", ("Ctrl+O",)),
    Shortcut("Library", "Ctrl+F", "Filter the list of recordings", ("Ctrl+F",)),
    Shortcut("Library", "Ctrl+Shift+F", "Search all transcripts", ("Ctrl+Shift+F",)),
    Shortcut("Library", "Ctrl+T", "Transcribe the selected recordings (progress in the Jobs panel)", ("Ctrl+T",)),
    Shortcut("Library", "Ctrl+R", "Review the selected recording (opens your draft if you have one)", ("Ctrl+R",)),
    Shortcut("Library", "Ctrl+Shift+R", "Redact the selected recording's transcript", ("Ctrl+Shift+R",)),
    Shortcut("Library", "Ctrl+Shift+K", "Find the speakers of the selected recording (how many, told apart again)",
             ("Ctrl+Shift+K",)),
    Shortcut("Library", "Delete", "Remove the selected recording", ("Del",)),
    Shortcut("Review workspace", "Space", "Play or pause", ("Space",)),
    Shortcut("Review workspace", "← / →", "Back 5 s / forward 5 s", ("Left", "Right")),
    Shortcut("Review workspace", "1 – 5", "Score the selected competency", ("1", "5")),
    Shortcut("Review workspace", "P / F", "Pass / fail a gate", ("P", "F")),
    Shortcut("Review workspace", "Alt+↓ / Alt+↑", "Next / previous competency, wherever the focus is",
             ("Alt+Down", "Alt+Up")),
    Shortcut("Review workspace", "↑ / ↓, Tab", "Rubric list: move between competencies; Tab to the rationale, "
             "again to the evidence"),
    Shortcut("Review workspace", "E", "Pin evidence: the selected words, the selected transcript lines, or the line "
             "being heard", ("E",)),
    Shortcut("Review workspace", "Ctrl+→ / Ctrl+←", "Next / previous evidence", ("Ctrl+Right", "Ctrl+Left")),
    Shortcut("Review workspace", "L", "Loop the selection", ("L",)),
    Shortcut("Review workspace", "Ctrl+S", "Save the draft now (it also saves as you go)", ("Ctrl+S",)),
    Shortcut("Review workspace", "Ctrl+Enter", "Submit the review (asks first: Alt+S submits, Esc or Enter keeps "
             "the draft)", ("Ctrl+Return",)),
    Shortcut("Review workspace", "Ctrl+Shift+D", "Write the feedback for the coach (after submitting)",
             ("Ctrl+Shift+D",)),
    Shortcut("Review workspace", "A / D", "Accept / dismiss the selected suggested evidence", ("A", "D")),
    Shortcut("Reviews", "Ctrl+P", "Practise against a gold standard", ("Ctrl+P",)),
    Shortcut("Reviews", "Ctrl+E", "Export the selected reviews to Excel", ("Ctrl+E",)),
    Shortcut("Audits", "Ctrl+E", "Export to Excel", ("Ctrl+E",)),
    Shortcut("Program", "F5", "Refresh the dashboard", ("F5",)),
    Shortcut("Coaches", "Ctrl+N", "New coach", ("Ctrl+N",)),
    Shortcut("Coaches", "Enter", "Edit the selected coach", ("Return",)),
    Shortcut("Coaches", "Ctrl+F", "Search the list", ("Ctrl+F",)),
    Shortcut("Rubrics", "Ctrl+Shift+E", "Edit the selected rubric as a new version", ("Ctrl+Shift+E",)),
    Shortcut("Rubric editor", "Ctrl+S", "Save the new version", ("Ctrl+S",)),
    Shortcut("Rubric editor", "Ctrl+↑ / Ctrl+↓", "Move the selected competency up / down", ("Ctrl+Up", "Ctrl+Down")),
)

WALKTHROUGH = (
    ("Ctrl+1", "Library."),
    ("Ctrl+O", "type the recording's file name, Enter; Tab through coach and session date, Enter imports."),
    ("Ctrl+T", "transcribe it; the Jobs panel shows the progress."),
    ("Ctrl+R", "review it: the workspace opens on the first competency."),
    ("Space, ←/→", "listen; E pins the line being heard as evidence."),
    ("1–5 or P/F", "score; Tab to write the rationale; Alt+↓ to the next competency."),
    ("Ctrl+Enter", "submit: the list of what is missing, or a question; Alt+S submits."),
    ("Ctrl+Shift+D", "the feedback for the coach; Tab to Save as PDF…, Space."),
)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(900, 680)
        steps = "".join(f"<li><b>{keys}</b> — {what}</li>" for keys, what in WALKTHROUGH)
        self.walkthrough = QLabel(f"<b>From a recording to the coach's feedback, keyboard only</b><ol>{steps}</ol>")
        self.walkthrough.setWordWrap(True)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Find a shortcut: a key or a word (e.g. evidence, Ctrl+E)")
        self.filter_edit.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Keys", "What it does"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.setWordWrap(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for shortcut in SHORTCUTS:
            group = groups.get(shortcut.screen)
            if group is None:
                group = groups[shortcut.screen] = QTreeWidgetItem(self.tree, [shortcut.screen])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item = QTreeWidgetItem(group, [shortcut.keys, shortcut.what])
            item.setToolTip(1, shortcut.what)
        self.tree.expandAll()
        self.filter_edit.textChanged.connect(self.apply_filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.walkthrough)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.filter_edit.setFocus()

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            shown = 0
            for row in range(group.childCount()):
                item = group.child(row)
                hidden = bool(needle) and needle not in (f"{group.text(0)} {item.text(0)} {item.text(1)}").lower()
                item.setHidden(hidden)
                shown += not hidden
            group.setHidden(shown == 0)

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """(screen, keys, what) of the rows the filter leaves."""
        rows = []
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            rows += [(group.text(0), group.child(r).text(0), group.child(r).text(1)) for r in range(group.childCount())
                     if not group.isHidden() and not group.child(r).isHidden()]
        return rows
