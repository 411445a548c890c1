"""The Program page: the lead opens the quarter's cycle, assigns the reviews (changing one), reads the tiles and
the lists behind them, verifies the draw and reassigns — as a user would, through the real widgets."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from supervisor_app.paths import AppPaths
from supervisor_app.services import audits, coaches, library
from supervisor_app.store.db import Database
from supervisor_app.ui.program import program_page as page_module
from supervisor_app.ui.program.close_dialog import CloseCycleDialog
from supervisor_app.ui.program.cycle_dialog import CycleDialog
from supervisor_app.ui.program.program_page import ProgramPage
from supervisor_app.ui.program.proposal_dialog import ProposalDialog
from supervisor_app.ui.program.reassign_dialog import ReassignDialog
from tests.conftest import AUDIO, login
from tests.ui.conftest import make_context, screenshot


@pytest.fixture
def page(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> ProgramPage:
    maria = login(demo_db, "maria")
    quarter_day = dt.date.today().replace(day=1)
    for row in coaches.list_coaches(demo_db, maria):
        source = paths.data_dir / f"session-{row.id}.wav"
        source.write_bytes((AUDIO / "short.wav").read_bytes() + bytes([row.id]))
        library.import_recording(demo_db, maria, paths, source, library.RecordingInput(row.id, f"L{row.id}",
                                                                                       quarter_day))
    widget = ProgramPage(make_context(demo_db, paths, "maria"))
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    return widget


def test_a_quarter_from_the_program_page(qtbot: QtBot, page: ProgramPage, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "No audit cycle for" in page.cycle_label.text()
    assert page.tiles[0].tile.value == "no cycle"
    assert "act now" in page.tiles[0].text()
    assert not page.assign_button.isEnabled()
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    dialog = page.active_dialog
    assert isinstance(dialog, CycleDialog)
    dialog.share_spin.setValue(0.5)
    dialog.seed_edit.setText("not a number")
    dialog.on_buttons_accepted()
    assert "whole number" in dialog.error_label.text()
    dialog.seed_edit.setText("3")
    assert dialog.error_label.isHidden()
    dialog.by_level.setChecked(True)
    screenshot(dialog, "program-new-cycle")
    with qtbot.waitSignal(dialog.cycle_created, timeout=5_000):
        dialog.on_buttons_accepted()
    assert "6 of 11 active coaches drawn (55%), seed 3, strata level" in page.cycle_label.text()
    monkeypatch.setattr(page_module, "confirm", lambda *_a: True)
    qtbot.mouseClick(page.redraw_button, Qt.MouseButton.LeftButton)
    assert "seed 3," not in page.cycle_label.text()  # a new seed, recorded
    assert audits.get_cycle(page._context.database, page._context.actor, page.quarter).seed != 3
    audits.redraw_cycle(page._context.database, page._context.actor, page.quarter, seed=3)  # the rest expects 3
    page.refresh()
    assert page.assign_button.isEnabled()
    assert not page.open_button.isEnabled()

    qtbot.mouseClick(page.assign_button, Qt.MouseButton.LeftButton)
    proposal = page.active_dialog
    assert isinstance(proposal, ProposalDialog)
    assert proposal.table.rowCount() == 6
    combo = proposal.table.cellWidget(0, 2)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findText("James Chen"))
    proposal.double_spin.setValue(0.5)
    assert proposal.table.rowCount() == 9  # three sessions get a second, blind review
    combo = proposal.table.cellWidget(0, 2)
    assert isinstance(combo, QComboBox)
    chosen_coach = proposal.table.item(0, 0).text()
    combo.setCurrentIndex(combo.findText("James Chen"))
    partner_row = next(r for r in range(proposal.table.rowCount())
                       if proposal.table.item(r, 0).text() == chosen_coach and proposal.table.item(r, 3).text())
    partner = proposal.table.cellWidget(partner_row, 2)
    assert isinstance(partner, QComboBox)
    partner.setCurrentIndex(partner.findText("James Chen"))
    proposal.on_buttons_accepted()
    assert f"James Chen would review {chosen_coach}'s session" in proposal.error_label.text()
    assert "twice" in proposal.error_label.text()
    partner.setCurrentIndex(partner.findText("Aisha Okafor"))
    assert proposal.error_label.isHidden()  # no stale complaint once the table changes
    screenshot(proposal, "program-proposal")
    with qtbot.waitSignal(proposal.assigned, timeout=5_000):
        proposal.on_buttons_accepted()
    rows = audits.list_assignments(page._context.database, page._context.actor)
    assert len(rows) == 9
    assert any(r.coach_name == chosen_coach and r.reviewer == "James Chen" for r in rows)
    assert page.assignments_model.rowCount() == 9
    assert not page.assign_button.isEnabled()
    assert (page.tiles[0].tile.value, page.tiles[0].tile.note) == ("0 of 11 reviewed (0%)", "6 drawn, 6 assigned")
    assert page.chart.values == {"active": 11, "drawn": 6, "assigned": 6, "reviewed": 0}
    assert page.chart.target == pytest.approx(2.2)
    assert sum(page.chart.per_reviewer.values()) == 9

    recert = next(t for t in page.tiles if t.tile.key == "recertification")
    qtbot.mouseClick(recert, Qt.MouseButton.LeftButton)
    assert recert.isChecked()
    assert page.detail.source_model.rowCount() == 5
    assert "Recertification" in page.detail_title.text()
    for size, name in (((1100, 700), "program-1100x700"), ((1600, 1000), "program-1600x1000")):
        page.resize(*size)
        screenshot(page, name)

    shown: list[str] = []
    monkeypatch.setattr(page_module, "show_info", lambda _p, _t, text: shown.append(text))
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert "The sample matches a fresh draw" in shown[-1]

    page.assignments.selectRow(0)
    qtbot.mouseClick(page.reassign_button, Qt.MouseButton.LeftButton)
    again = page.active_dialog
    assert isinstance(again, ReassignDialog)
    again.reason_edit.setText("short")
    again.on_buttons_accepted()
    assert "Say why" in again.error_label.text()
    again.reason_edit.setText("On leave for the rest of the quarter")
    with qtbot.waitSignal(again.reassigned, timeout=5_000):
        again.on_buttons_accepted()
    history = audits.list_assignments(page._context.database, page._context.actor, include_history=True)
    assert sum(r.state == audits.REASSIGNED for r in history) == 1

    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    closing = page.active_dialog
    assert isinstance(closing, CloseCycleDialog)
    assert len(closing.reasons) == 6  # nobody has submitted yet
    closing.on_buttons_accepted()
    assert "no submitted review yet" in closing.error_label.text()
    for edit in closing.reasons.values():
        edit.setText("The quarter was cut short by the reorganisation")
    with qtbot.waitSignal(closing.closed, timeout=5_000):
        closing.on_buttons_accepted()
    assert "(closed)" in page.cycle_label.text()
    assert not page.close_button.isEnabled()

    target = page._context.paths.data_dir / "brief.pdf"
    monkeypatch.setattr(page_module.QFileDialog, "getSaveFileName", lambda *_a: (str(target), "PDF (*.pdf)"))
    qtbot.mouseClick(page.brief_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes().startswith(b"%PDF")
    assert "0 of 11 coaches reviewed" in shown[-1]


def test_assigning_one_recording_from_the_library(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> None:
    from supervisor_app.ui.library.library_page import LibraryPage
    from supervisor_app.ui.library.transcription_controller import TranscriptionController
    from supervisor_app.ui.program.assign_dialog import AssignDialog

    maria = login(demo_db, "maria")
    recording = library.import_recording(demo_db, maria, paths, AUDIO / "short.wav",
                                         library.RecordingInput(3)).recording
    context = make_context(demo_db, paths, "maria")
    controller = TranscriptionController(context)
    library_page = LibraryPage(context, controller)
    qtbot.addWidget(library_page)
    library_page.select_recording(recording.id)
    assert not library_page.assign_button.isHidden()
    qtbot.mouseClick(library_page.assign_button, Qt.MouseButton.LeftButton)
    dialog = library_page.active_dialog
    assert isinstance(dialog, AssignDialog)
    dialog.reviewer_combo.setCurrentIndex(dialog.reviewer_combo.findText("Tom Berg"))
    dialog.due_edit.setDate(dialog.due_edit.date().addDays(-400))
    dialog.on_buttons_accepted()
    assert "in the past" in dialog.error_label.text()
    dialog.due_edit.setDate(dialog.due_edit.date().addDays(400))
    with qtbot.waitSignal(dialog.assigned, timeout=5_000):
        dialog.on_buttons_accepted()
    [row] = audits.list_assignments(demo_db, login(demo_db, "tom"))
    assert (row.recording_id, row.reviewer) == (recording.id, "Tom Berg")
    controller.shutdown()
