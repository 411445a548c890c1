"""Issue 16: import → transcribe → review → submit → feedback with the keyboard alone, as F1 lists it.

Only the operating system's file choosers are stood in for (they are the platform's dialogs, typed into like any
other); every other step is a key press sent to the widget that has the focus, and the real speech model
transcribes the recording.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from supervisor_app.paths import AppPaths
from supervisor_app.services import library as library_service
from supervisor_app.services import reviews
from supervisor_app.store.db import Database
from supervisor_app.ui.library.import_dialog import ImportDialog
from supervisor_app.ui.library.library_page import LibraryPage
from supervisor_app.ui.review.feedback_dialog import FeedbackDialog
from supervisor_app.ui.review.reviews_page import ReviewsPage
from supervisor_app.ui.shell.main_window import MainWindow
from supervisor_app.ui.shell.shortcuts_dialog import SHORTCUTS, ShortcutsDialog
from tests.conftest import AUDIO
from tests.ui.conftest import make_context, screenshot

KEYS = Qt.KeyboardModifier
CTRL, ALT, SHIFT = KEYS.ControlModifier, KEYS.AltModifier, KEYS.ShiftModifier


def press(qtbot: QtBot, key: Qt.Key | str, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the user's focus is, as a real keyboard would deliver it."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def answer_questions(qtbot: QtBot, *keys: tuple[Qt.Key, Qt.KeyboardModifier]) -> None:
    """The next modal questions are answered with these keys, one each (a question blocks until answered, so the
    answers are queued before the key that asks)."""
    answered: list[QWidget] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None or box in answered:
            QTimer.singleShot(20, answer)
            return
        key, modifier = keys[len(answered)]
        answered.append(box)
        box.activateWindow()  # the question has the keyboard, as on a desktop
        QApplication.processEvents()
        qtbot.keyClick(box, key, modifier)
        if len(answered) < len(keys):
            QTimer.singleShot(20, answer)
        elif box.parentWidget() is not None:
            box.parentWidget().window().activateWindow()  # what the window manager does when a dialog closes
    QTimer.singleShot(0, answer)


@pytest.fixture
def window(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> MainWindow:
    main_window = MainWindow(make_context(demo_db, paths, "maria"))
    qtbot.addWidget(main_window)
    main_window.resize(1100, 700)
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.activateWindow()
    main_window.nav.setFocus()
    return main_window


@pytest.mark.slow
def test_from_import_to_feedback_with_the_keyboard(qtbot: QtBot, window: MainWindow, demo_db: Database,
                                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_a, **_k: ([str(AUDIO / "short.wav")], ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(tmp_path / "feedback.pdf"), ""))
    press(qtbot, Qt.Key.Key_1, CTRL)
    assert window.current_area() == "library"
    library = window.pages["library"]
    assert isinstance(library, LibraryPage)

    press(qtbot, Qt.Key.Key_O, CTRL)  # import: the coach by typing its name, Tab, the coachee, Enter
    dialog = library.active_dialog
    assert isinstance(dialog, ImportDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.fields.coach_combo)
    qtbot.keyClicks(dialog.fields.coach_combo, "Grace")
    assert dialog.fields.coach_combo.currentText().startswith("Grace Kim")
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.fields.coachee_edit
    qtbot.keyClicks(dialog.fields.coachee_edit, "Leader K")
    with qtbot.waitSignal(dialog.all_done, timeout=30_000):
        press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Escape)  # done: the list of results closes
    qtbot.waitUntil(lambda: not dialog.isVisible())
    window.activateWindow()  # what the window manager does when a dialog closes
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert library.isAncestorOf(QApplication.focusWidget())  # the focus is back where Ctrl+O was pressed
    row = next(r for r in range(library.model.rowCount()) if library.model.index(r, 1).data() == "Leader K")
    recording_id = library.model.row_id(row)
    assert library.selected_rows()[0].id == recording_id  # the import selects what it imported

    press(qtbot, Qt.Key.Key_T, CTRL)  # transcribe with the real model
    qtbot.waitUntil(lambda: library.model.index(row, 4).data() == "transcribed", timeout=90_000)
    assert library.selected_rows()[0].id == recording_id
    press(qtbot, Qt.Key.Key_R, CTRL)  # review it
    reviews_page = window.pages["reviews"]
    assert isinstance(reviews_page, ReviewsPage)
    workspace = reviews_page.workspace
    assert workspace is not None
    assert window.current_area() == "reviews"
    qtbot.waitUntil(lambda: workspace.rubric_panel.competency_list.hasFocus() or QApplication.focusWidget()
                    is not None)
    workspace.rubric_panel.competency_list.setFocus()  # where a click on the list would put it
    for competency in workspace.detail.rubric.competencies:
        press(qtbot, Qt.Key.Key_P if competency.is_gate else Qt.Key.Key_3)
        press(qtbot, Qt.Key.Key_Tab)  # on to the rationale
        assert QApplication.focusWidget() is workspace.rubric_panel.rationale_edit
        qtbot.keyClicks(workspace.rubric_panel.rationale_edit, "Heard in the opening question.")
        press(qtbot, Qt.Key.Key_E)  # E types an "E" here: the rationale is text
        press(qtbot, Qt.Key.Key_Backspace)
        press(qtbot, Qt.Key.Key_Tab, SHIFT)  # back to the rubric, where E pins the line being heard
        press(qtbot, Qt.Key.Key_E)
        press(qtbot, Qt.Key.Key_Down, ALT)
    content = workspace.content
    assert len(content.evidence) == len(workspace.detail.rubric.competencies)
    assert all(s.rationale == "Heard in the opening question." for s in content.scores.values())
    assert workspace.submit_button.text() == "Submit review ✓"

    none = Qt.KeyboardModifier.NoModifier
    answer_questions(qtbot, (Qt.Key.Key_Return, none))  # Enter on the question keeps the draft: a submit is final
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert workspace.detail.summary.status == "draft"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    answer_questions(qtbot, (Qt.Key.Key_S, ALT), (Qt.Key.Key_Return, none))  # Alt+S submits; Enter: "submitted"
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert workspace.detail.summary.status == "submitted"

    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    press(qtbot, Qt.Key.Key_D, CTRL | SHIFT)  # the written feedback
    feedback = workspace.active_dialog
    assert isinstance(feedback, FeedbackDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is feedback.text_edit)
    press(qtbot, Qt.Key.Key_End, CTRL)
    qtbot.keyClicks(feedback.text_edit, "Keep asking first.")
    for _ in range(10):  # Tab out of the text to "Save as PDF…"
        press(qtbot, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is feedback.pdf_button:
            break
    assert QApplication.focusWidget() is feedback.pdf_button
    press(qtbot, Qt.Key.Key_Space)
    assert (tmp_path / "feedback.pdf").read_bytes().startswith(b"%PDF")
    assert feedback.saved_label.text() == f"Saved as {tmp_path / 'feedback.pdf'}"
    saved = reviews.get_review(demo_db, window.context.actor, workspace.detail.id)
    assert saved.feedback.endswith("Keep asking first.")  # printing saved the words on screen


def _bound(window: QWidget) -> set[str]:
    found = set()
    for action in window.findChildren(QAction):
        found |= {sequence.toString() for sequence in action.shortcuts()}
    for shortcut in window.findChildren(QShortcut):
        found.add(shortcut.key().toString())
    for button in window.findChildren(QAbstractButton):
        found.add(button.shortcut().toString())
    return found


def test_f1_lists_every_shortcut_and_each_is_bound(qtbot: QtBot, window: MainWindow, demo_db: Database) -> None:
    from supervisor_app.ui.rubrics.rubrics_page import RubricsPage

    press(qtbot, Qt.Key.Key_F1)
    dialog = window.active_dialog
    assert isinstance(dialog, ShortcutsDialog)
    rows = dialog.visible_rows()
    assert len(rows) == len(SHORTCUTS)
    assert "keyboard only" in dialog.walkthrough.text()
    screenshot(dialog, "keyboard-shortcuts")
    qtbot.keyClicks(dialog.filter_edit, "evidence")
    found = dialog.visible_rows()
    assert found
    assert all("evidence" in f"{screen} {keys} {what}".lower() for screen, keys, what in found)
    assert {screen for screen, _k, _w in found} == {"Review workspace"}
    dialog.filter_edit.clear()
    assert len(dialog.visible_rows()) == len(SHORTCUTS)
    dialog.reject()

    # every shortcut the list names is really bound somewhere in the window (a review and the editor open)
    outcome = library_service.import_recording(demo_db, window.context.actor, window.context.paths,
                                               AUDIO / "short.wav", library_service.RecordingInput(1))
    window.start_review(outcome.recording.id)
    reviews_page = window.pages["reviews"]
    assert isinstance(reviews_page, ReviewsPage)
    assert reviews_page.workspace is not None
    rubrics_page = window.pages["rubrics"]
    assert isinstance(rubrics_page, RubricsPage)
    rubrics_page.edit_selected()
    bound = _bound(window)
    standard = {QKeySequence(QKeySequence.StandardKey.Find).toString(), QKeySequence(QKeySequence.StandardKey.Open)
                .toString(), QKeySequence(QKeySequence.StandardKey.New).toString()}
    missing = [(s.screen, key) for s in SHORTCUTS for key in s.bound
               if QKeySequence(key).toString() not in bound | standard]
    assert not missing
