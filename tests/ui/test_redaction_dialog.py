"""The redaction pass in the window: keyboard decisions, marking missed words, and the redacted text a rater
then reads."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from supervisor_app.paths import AppPaths
from supervisor_app.services import redaction, transcripts
from supervisor_app.store.db import Database
from supervisor_app.ui.library.redaction_dialog import RedactionDialog
from supervisor_app.ui.library.transcript_panel import TranscriptPanel
from tests.scripted import scripted_transcript
from tests.ui.conftest import make_context, screenshot

pytestmark = pytest.mark.usefixtures("rules_only")


def test_the_pass_is_driven_by_the_keyboard(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> None:
    recording = scripted_transcript(demo_db, paths)
    context = make_context(demo_db, paths, "maria")
    dialog = RedactionDialog(context, recording, "Leader R")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.table.setFocus()
    assert [v.raw for v in dialog.views] == ["Priya", "dana.ng@globex.com", "07700 900123",
                                            "double four seven one two three"]
    assert dialog.current() is not None
    assert dialog.current().raw == "Priya"
    assert "0 of 4 decided" in dialog.progress.text()
    qtbot.keyClick(dialog.table, Qt.Key.Key_A)  # accept Priya, move on to the e-mail address
    assert dialog.current() is not None
    assert dialog.current().raw == "dana.ng@globex.com"
    qtbot.keyClick(dialog.table, Qt.Key.Key_R)  # keep it (say it is a shared mailbox)
    qtbot.keyClick(dialog.table, Qt.Key.Key_A)
    qtbot.keyClick(dialog.table, Qt.Key.Key_A)
    assert "4 of 4 decided" in dialog.progress.text()
    states = {v.raw: v.state for v in redaction.list_for(demo_db, context.actor, recording)}
    assert states == {"Priya": "accepted", "dana.ng@globex.com": "rejected", "07700 900123": "accepted",
                      "double four seven one two three": "accepted"}
    dialog.table.selectRow(1)
    qtbot.keyClick(dialog.table, Qt.Key.Key_U)  # undo
    assert redaction.list_for(demo_db, context.actor, recording)[1].state == "suggested"
    # mark a missed word: select "Leeds" in the transcript, M
    document = dialog.sentence.toPlainText()
    start = document.index("Leeds")
    cursor = dialog.sentence.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(start + len("Leeds"), QTextCursor.MoveMode.KeepAnchor)
    dialog.sentence.setTextCursor(cursor)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(redaction.Kind.PLACE))
    qtbot.keyClick(dialog.table, Qt.Key.Key_M)
    assert ("Leeds", "accepted") in {(v.raw, v.state) for v in redaction.list_for(demo_db, context.actor, recording)}
    screenshot(dialog, "redaction-dialog")
    # a selection across the time stamp is refused in words
    cursor.setPosition(0)
    cursor.setPosition(5, QTextCursor.MoveMode.KeepAnchor)
    dialog.sentence.setTextCursor(cursor)
    qtbot.keyClick(dialog.table, Qt.Key.Key_M)
    assert "Select the words" in dialog.error_label.text()
    rater_text = transcripts.get_transcript(demo_db, context.actor, recording, raw=False).segments[0].text
    assert rater_text == "Hello [NAME], thanks for joining from the [PLACE] office."


def test_the_transcript_panel_opens_the_pass_for_staff_only(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> None:
    recording = scripted_transcript(demo_db, paths)
    panel = TranscriptPanel(make_context(demo_db, paths, "maria"))
    qtbot.addWidget(panel)
    panel.show_recording(recording, "Leader R")
    assert panel.redact_button.isEnabled()
    assert not panel.redact_button.isHidden()
    assert "no redaction pass yet" in panel.heading.text()
    panel.redact_button.click()
    assert isinstance(panel.active_dialog, RedactionDialog)
    panel.active_dialog.accept()
    assert "4 to decide" in panel.heading.text()
    rater_panel = TranscriptPanel(make_context(demo_db, paths, "aisha"))
    qtbot.addWidget(rater_panel)
    assert rater_panel.redact_button.isHidden()
