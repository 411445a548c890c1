from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import insert, update

from supervisor_app.paths import AppPaths
from supervisor_app.services import transcripts
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, TranscriptSegment
from supervisor_app.ui.library import library_page as page_module
from supervisor_app.ui.library.edit_history_dialog import EditHistoryDialog
from supervisor_app.ui.library.import_dialog import ImportDialog
from supervisor_app.ui.library.library_page import LibraryPage
from supervisor_app.ui.library.recording_dialog import RecordingDialog
from supervisor_app.ui.library.transcription_controller import TranscriptionController
from supervisor_app.ui.library.transcription_settings_dialog import TranscriptionSettingsDialog, load_settings
from supervisor_app.ui.shell.app_context import AppContext
from tests.conftest import AUDIO
from tests.ui.conftest import make_context, screenshot


def open_page(qtbot: QtBot, context: AppContext) -> Iterator[LibraryPage]:
    controller = TranscriptionController(context)
    page = LibraryPage(context, controller)
    qtbot.addWidget(page)
    page.resize(1280, 820)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    yield page
    controller.shutdown()


@pytest.fixture
def page(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> Iterator[LibraryPage]:
    yield from open_page(qtbot, make_context(demo_db, paths, "maria"))


@pytest.fixture
def transcribed_page(qtbot: QtBot, transcribed: tuple[Database, AppPaths]) -> Iterator[LibraryPage]:
    db, paths = transcribed
    yield from open_page(qtbot, make_context(db, paths, "maria"))


def focus_page(qtbot: QtBot, page: LibraryPage) -> None:
    """As a user clicking back into the window after a dialog: it becomes active, the list has the focus."""
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=2_000)
    page.table.setFocus()


def cell(page: LibraryPage, row: int, column: int) -> str:
    return str(page.model.index(row, column).data())


def import_through_dialog(qtbot: QtBot, page: LibraryPage, monkeypatch: pytest.MonkeyPatch, files: list[Path]
                          ) -> ImportDialog:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_a, **_k: ([str(f) for f in files], ""))
    qtbot.keyClick(page, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    dialog = page.active_dialog
    assert isinstance(dialog, ImportDialog)
    combo = dialog.fields.coach_combo
    combo.setCurrentIndex(combo.findText("Grace Kim", Qt.MatchFlag.MatchStartsWith))
    qtbot.keyClicks(dialog.fields.coachee_edit, "Leader Q")
    with qtbot.waitSignal(dialog.all_done, timeout=30_000):
        dialog.start_import()
    return dialog


def test_import_transcribe_and_read(qtbot: QtBot, page: LibraryPage, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = import_through_dialog(qtbot, page, monkeypatch, [AUDIO / "short.wav", AUDIO / "notes.mp3"])
    lines = [dialog.file_list.item(i).text() for i in range(dialog.file_list.count())]
    assert lines[0].startswith("✓  Imported short.wav")
    assert lines[1].startswith("✗  notes.mp3: not a readable audio or video file")
    assert dialog.failures == 1
    screenshot(dialog, "library-import")
    dialog.accept()
    assert page.model.rowCount() == 1
    assert (cell(page, 0, 0), cell(page, 0, 1), cell(page, 0, 3), cell(page, 0, 4)) == (
        "Grace Kim", "Leader Q", "0:00:06", "not transcribed")

    page.select_recording(page.model.row_id(0))
    focus_page(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.currentWidget() is page.jobs_panel
    qtbot.waitUntil(lambda: cell(page, 0, 4) == "transcribed", timeout=60_000)
    page.on_table_selection_changed()
    segments = page.transcript_panel.model.segments
    assert segments
    assert segments[0].text.startswith("Thanks for making time today")
    # the six seconds end as the coachee starts: the last word is theirs, a line of its own
    assert [s.speaker for s in segments] == ["Coach", "Coachee"]
    assert "2 segments" in page.transcript_panel.heading.text()


def test_progress_and_cancel_from_the_jobs_panel(qtbot: QtBot, page: LibraryPage,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import_through_dialog(qtbot, page, monkeypatch, [AUDIO / "dialogue.flac"]).accept()
    page.select_recording(page.model.row_id(0))
    page.transcribe_selected()
    qtbot.waitUntil(lambda: any(j.status == "running" for j in page._controller.jobs), timeout=30_000)
    [job] = [j for j in page._controller.jobs if j.status == "running"]
    assert page.tabs.tabText(1) == "Transcription jobs (1)"
    bar = page.jobs_panel.progress_bars[job.id]
    assert bar.format().endswith("/ 0:00:33")
    screenshot(page, "library-transcribing")
    qtbot.mouseClick(page.jobs_panel.cancel_buttons[job.id], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(page, 0, 4) == "not transcribed", timeout=5_000)
    assert [j.status for j in page._controller.jobs] == ["cancelled"]


def test_transcript_editing_and_search(qtbot: QtBot, transcribed_page: LibraryPage) -> None:
    page = transcribed_page
    page.select_recording(page.model.row_id(0))
    panel = page.transcript_panel
    assert [s.speaker for s in panel.model.segments][:2] == ["Coach", "Coachee"]
    index = panel.model.index(5, 2)
    panel.table.setCurrentIndex(index)
    panel.table.edit(index)
    [editor] = panel.table.viewport().findChildren(QLineEdit)
    assert "to run it once" in editor.text()
    editor.selectAll()
    qtbot.keyClicks(editor, "I asked Sam to run it once, for ten minutes.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits through a queued call
    qtbot.waitUntil(lambda: panel.model.segments[5].text == "I asked Sam to run it once, for ten minutes.",
                    timeout=2_000)
    assert panel.model.segments[5].edited
    panel.assign_speaker([panel.model.segments[0].id], "Maria")
    assert panel.model.segments[0].speaker == "Maria"
    db, actor = page._context.database, page._context.actor
    assert [h.field for h in transcripts.edit_history(db, actor, 1)] == ["text", "speaker"]

    qtbot.keyClicks(page.search_edit, "weekly planning")
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert page.hits.isVisible()
    assert page.hits.count() == 1
    assert "0:00:17" in page.hits.item(0).text()
    page.select_recording(page.model.row_id(0))
    panel.table.clearSelection()
    page.on_hits_item_activated(page.hits.item(0))
    assert panel.model.highlighted == 3
    assert panel.table.selectionModel().selectedRows()[0].row() == 3
    screenshot(page, "library-transcript")


def test_ten_thousand_recordings_stay_lazy(qtbot: QtBot, page: LibraryPage) -> None:
    db = page._context.database
    rows = [{"sha256": f"{n:064x}", "original_name": f"session-{n:05d}.m4a", "stored_name": f"x/{n}.m4a",
             "size_bytes": 1, "container": "mp4", "codec": "aac", "duration_s": 1800.0 + n, "sample_rate": 16000,
             "channels": 1, "has_video": False, "damage_note": "", "coach_id": 1 + n % 11,
             "coachee_pseudonym": f"Leader {n % 97}", "session_date": dt.date(2025, 1, 1) + dt.timedelta(days=n % 600),
             "imported_at": dt.datetime.now(dt.UTC)} for n in range(10_000)]
    with db.transaction() as session:
        session.execute(insert(Recording), rows)
    page.reload()
    assert page.model.rowCount() == 10_000
    assert len(page.model.cached_ids()) <= 400  # only the rows on screen were fetched
    page.table.scrollToBottom()
    QApplication.processEvents()
    assert page.model.index(9_999, 7).data().startswith("session-")
    assert len(page.model.cached_ids()) <= 800
    page.table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)
    assert cell(page, 0, 3) == "3:16:39"  # the longest: 1800 + 9999 s
    qtbot.keyClicks(page.filter_edit, "session-0004")
    assert page.model.rowCount() == 10


def test_remove_asks_first(qtbot: QtBot, page: LibraryPage, monkeypatch: pytest.MonkeyPatch) -> None:
    import_through_dialog(qtbot, page, monkeypatch, [AUDIO / "short.mp3"]).accept()
    page.select_recording(page.model.row_id(0))
    focus_page(qtbot, page)
    monkeypatch.setattr(page_module, "confirm", lambda *_args: False)
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert page.model.rowCount() == 1
    monkeypatch.setattr(page_module, "confirm", lambda *_args: True)
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert page.model.rowCount() == 0
    assert not any(p.is_file() for p in page._context.paths.recordings_dir.rglob("*"))


def test_dropping_files_opens_the_import(qtbot: QtBot, page: LibraryPage) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(AUDIO / "short.m4a"))])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    page.dropEvent(event)
    dialog = page.active_dialog
    assert isinstance(dialog, ImportDialog)
    assert dialog.file_list.item(0).text() == "short.m4a"
    with qtbot.waitSignal(dialog.all_done, timeout=30_000):
        dialog.start_import()
    assert page.model.rowCount() == 1


def test_name_the_speakers_once_for_the_whole_recording(qtbot: QtBot, transcribed_page: LibraryPage) -> None:
    from supervisor_app.ui.library.speakers_dialog import SpeakersDialog

    page = transcribed_page
    page.select_recording(page.model.row_id(0))
    panel = page.transcript_panel
    before = [s.speaker for s in panel.model.segments]
    assert panel.names_button.isEnabled()
    panel.names_button.click()
    dialog = panel.active_dialog
    assert isinstance(dialog, SpeakersDialog)
    assert set(dialog.name_edits) == {"Coach", "Coachee"}
    assert dialog.swap_button.isVisible()
    screenshot(dialog, "speakers-dialog")
    dialog.swap()  # the suggestion had them the wrong way round
    dialog.name_edits["Coachee"].setCurrentText("Daniel Fischer")  # …and the coach gets his name
    assert dialog.names() == {"Coach": "Coachee", "Coachee": "Daniel Fischer"}
    with qtbot.waitSignal(dialog.accepted):
        dialog.apply()
    expected = [{"Coach": "Coachee", "Coachee": "Daniel Fischer"}[label] for label in before]
    assert [s.speaker for s in panel.model.segments] == expected  # every line, shown at once
    assert panel.notice.isVisible()
    assert "Daniel Fischer's voice is remembered" in panel.notice.text()
    page.resize(886, 640)  # the page's share of a 1100×700 window, beside the navigation
    screenshot(page, "library-speakers-named-1100x700")
    panel.names_button.click()
    again = panel.active_dialog
    assert isinstance(again, SpeakersDialog)
    assert not again.swap_button.isVisible()  # no Coach label left to swap with
    again.name_edits["Daniel Fischer"].setCurrentText("")
    again.apply()
    assert "1–" in again.error_label.text()  # an empty name is refused in words, the dialog stays
    assert again.isVisible()
    again.reject()
    assert [s.speaker for s in panel.model.segments] == expected


def test_find_the_speakers_again_with_another_count(qtbot: QtBot, transcribed_page: LibraryPage) -> None:
    from supervisor_app.ui.library.find_speakers_dialog import FindSpeakersDialog

    page = transcribed_page
    page.select_recording(page.model.row_id(0))
    panel = page.transcript_panel
    assert {s.speaker for s in panel.model.segments} == {"Coach", "Coachee"}
    assert panel.find_button.isEnabled()
    panel.find_button.click()
    dialog = panel.active_dialog
    assert isinstance(dialog, FindSpeakersDialog)
    assert dialog.count.value() == 2
    screenshot(dialog, "find-speakers-dialog")
    dialog.count.setValue(1)
    with qtbot.waitSignal(dialog.accepted, timeout=60_000):
        dialog.start()
    assert {s.speaker for s in panel.model.segments} == {"Coach"}
    assert "Coach by first voice heard" in panel.notice.text()
    # once a person has corrected a line, the lines are theirs: refused in words, nothing changed
    first = panel.model.segments[0]
    panel.assign_speaker([first.id], "Coachee")
    shown = list(panel.model.segments)
    panel.find_button.click()
    again = panel.active_dialog
    assert isinstance(again, FindSpeakersDialog)
    assert again.count.value() == 1  # the count is kept for the recording
    again.count.setValue(2)
    again.start()
    qtbot.waitUntil(lambda: bool(again.error_label.text()), timeout=10_000)
    assert "corrected lines" in again.error_label.text()
    again.reject()
    assert panel.model.segments == shown


def test_overlapping_speech_is_marked_in_the_transcript(qtbot: QtBot, transcribed_page: LibraryPage) -> None:
    page = transcribed_page
    with page._context.database.transaction() as session:
        session.execute(update(TranscriptSegment).where(TranscriptSegment.idx == 1).values(overlap=True))
    page.select_recording(page.model.row_id(0))
    model = page.transcript_panel.model
    assert model.index(1, 1).data() == "Coachee (overlap)"
    assert model.index(1, 1).data(Qt.ItemDataRole.EditRole) == "Coachee"
    assert "two voices at once" in model.index(1, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, 1).data() == "Coach"


def test_edit_a_recording(qtbot: QtBot, transcribed_page: LibraryPage) -> None:
    page = transcribed_page
    page.select_recording(page.model.row_id(0))
    page.edit_selected()
    dialog = page.active_dialog
    assert isinstance(dialog, RecordingDialog)
    dialog.fields.coachee_edit.setText("Leader Renamed")
    dialog.fields.date_check.setChecked(True)
    dialog.fields.date_edit.setDate(QDate(2026, 10, 12))
    with qtbot.waitSignal(dialog.recording_saved, timeout=5_000):
        dialog.on_buttons_accepted()
    assert (cell(page, 0, 1), cell(page, 0, 2)) == ("Leader Renamed", "2026-10-12")


def test_edit_history_dialog(qtbot: QtBot, transcribed_page: LibraryPage) -> None:
    page = transcribed_page
    page.select_recording(page.model.row_id(0))
    panel = page.transcript_panel
    panel.assign_speaker([panel.model.segments[1].id], "Leader A")
    qtbot.mouseClick(panel.history_button, Qt.MouseButton.LeftButton)
    dialog = panel.active_dialog
    assert isinstance(dialog, EditHistoryDialog)
    assert dialog.table.rowCount() == 1
    assert [dialog.table.item(0, c).text() for c in (1, 2, 3, 4, 5)] == ["maria", "2", "speaker", "Coachee",
                                                                          "Leader A"]
    dialog.close()


def test_transcription_settings_are_remembered(qtbot: QtBot, page: LibraryPage) -> None:
    qtbot.mouseClick(page.settings_button, Qt.MouseButton.LeftButton)
    dialog = page.active_dialog
    assert isinstance(dialog, TranscriptionSettingsDialog)
    model_label = next(label for label in dialog.findChildren(QLabel) if label.text() == "&Model")
    assert model_label.buddy() is dialog.model_edit  # shown as "Model" with Alt+M, not a literal "&Model"
    assert "int8" in dialog.compute_combo.toolTip()
    dialog.language_edit.setText("english")
    dialog.on_buttons_accepted()
    assert "not a language code" in dialog.error_label.text()
    dialog.language_edit.setText("EN")
    dialog.beam_spin.setValue(3)
    dialog.on_buttons_accepted()
    stored = load_settings(page._context.settings)
    assert (stored.language, stored.beam_size, stored.model, stored.vad_filter) == ("en", 3, "bundled", True)
    screenshot(dialog, "transcription-settings")


def test_consent_is_recorded_withdrawn_and_purged_from_the_library(qtbot: QtBot, page: LibraryPage,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    from supervisor_app.core.consent import Scope
    from supervisor_app.services import library
    from supervisor_app.ui.library import consent_dialog as consent_module
    from supervisor_app.ui.library.consent_dialog import ConsentDialog

    context = page._context
    imported = library.import_recording(context.database, context.actor, context.paths, AUDIO / "short.wav",
                                        library.RecordingInput(3, "Leader C", dt.date(2026, 11, 2))).recording
    page.reload(select_id=imported.id)
    assert cell(page, 0, 6) == "no consent recorded"
    page.consent_action.trigger()
    dialog = page.active_dialog
    assert isinstance(dialog, ConsentDialog)
    dialog.scope_checks[Scope.TRANSCRIBE].setChecked(False)
    dialog.document_edit.setText("form 2026-117")
    dialog.add_button.click()
    assert dialog.table.rowCount() == 1
    assert cell(page, 0, 6) == "record, calibration, audit, quote"
    # the signed form goes with the record; a file that is no scan is refused
    dialog.table.selectRow(0)
    scan = tmp_path / "form-117.pdf"
    scan.write_bytes(b"%PDF-1.4\n% signed consent form\n%%EOF\n")
    not_a_scan = tmp_path / "form.docx"
    not_a_scan.write_bytes(b"PK\x03\x04 not a scan")
    dialog.attach_scan(not_a_scan)
    assert "not a PDF, PNG, JPEG or TIFF" in dialog.error_label.text()
    dialog.attach_scan(scan)
    assert dialog.table.item(0, 7).text() == "form-117.pdf"
    dialog.table.selectRow(0)
    assert dialog.save_scan_button.isEnabled()
    dialog.save_scan(int(dialog.table.item(0, 0).text()), tmp_path / "copy.pdf")
    assert (tmp_path / "copy.pdf").read_bytes() == scan.read_bytes()
    screenshot(dialog, "library-consent")
    # withdraw "record" from the selected record; purge when asked
    dialog.table.selectRow(0)
    for scope, check in dialog.scope_checks.items():
        check.setChecked(scope is Scope.RECORD)
    asked: list[str] = []
    monkeypatch.setattr(consent_module, "confirm", lambda _p, _t, text, _a: asked.append(text) or True)
    dialog.withdraw_button.click()
    assert "purge" in asked[0].lower()
    assert "Purged: 1 audio file(s)" in dialog.error_label.text()
    assert cell(page, 0, 6) == "purged"
    # bad input: a scope this record never granted
    dialog.table.selectRow(0)
    for scope, check in dialog.scope_checks.items():
        check.setChecked(scope is Scope.TRANSCRIBE)
    dialog.withdraw_button.click()
    assert "never granted transcribe" in dialog.error_label.text()
    dialog.accept()


def test_a_subject_request_from_the_library(qtbot: QtBot, page: LibraryPage, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    from supervisor_app.services import library
    from supervisor_app.ui.library import subject_dialog as subject_module
    from supervisor_app.ui.library.subject_dialog import SubjectDialog

    context = page._context
    imported = library.import_recording(context.database, context.actor, context.paths, AUDIO / "short.wav",
                                        library.RecordingInput(3, "Leader S", dt.date(2026, 11, 2))).recording
    page.reload(select_id=imported.id)
    page.resize(1100, 700)
    screenshot(page, "library-1100x700")
    page.subject_action.trigger()
    dialog = page.active_dialog
    assert isinstance(dialog, SubjectDialog)
    dialog.folder_edit.setText(str(tmp_path))
    dialog.export_button.click()
    assert "Written" in dialog.result_label.text()
    assert (tmp_path / f"subject-Leader-S-{dt.date.today().isoformat()}" / "subject.json").is_file()
    monkeypatch.setattr(subject_module, "confirm", lambda *_a: True)
    dialog.erase_button.click()
    assert "at least 10 characters" in dialog.result_label.text()
    dialog.reason_edit.setText("Request SR-2026-15 by letter")
    dialog.erase_button.click()
    assert dialog.result_label.text().startswith("Erased 1 recording(s)")
    dialog.accept()
    assert cell(page, 0, 6) == "purged"
