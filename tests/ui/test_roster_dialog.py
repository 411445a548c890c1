"""Roster import in the GUI: map columns, preview with row errors, remembered mapping, cancel changes nothing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from supervisor_app.services import coaches
from supervisor_app.settings import SettingKey
from supervisor_app.ui.coaches import coaches_page as page_module
from supervisor_app.ui.coaches.coaches_page import CoachesPage
from supervisor_app.ui.coaches.roster_dialog import NOT_IN_FILE, RosterImportDialog
from supervisor_app.ui.shell.app_context import AppContext
from tests.ui.conftest import screenshot

HEADER = ["Personnel No", "Display Name", "Grade", "Org Unit", "Start"]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def roster_by_id(context: AppContext) -> dict[str, str]:
    rows = coaches.list_coaches(context.database, context.actor, include_inactive=True)
    return {r.employee_id: r.name for r in rows if r.employee_id}


def open_dialog(qtbot: QtBot, context: AppContext, path: Path, monkeypatch: pytest.MonkeyPatch
                ) -> tuple[CoachesPage, RosterImportDialog]:
    page = CoachesPage(context)
    qtbot.addWidget(page)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))
    page.roster_button.click()
    dialog = page.active_dialog
    assert isinstance(dialog, RosterImportDialog)
    return page, dialog


def test_map_preview_import_and_remember(qtbot: QtBot, admin_context: AppContext, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbook(tmp_path / "hris.xlsx", [["E9001", "Nadia Haddad", "Senior Coach", "Finance", "2024-01-01"],
                                             ["E9002", "Omar Farouk", "Coach in Training", "Legal", ""]])
    infos: list[str] = []
    monkeypatch.setattr(page_module, "show_info", lambda _p, _t, text: infos.append(text))
    _page, dialog = open_dialog(qtbot, admin_context, path, monkeypatch)
    assert dialog.plan is None  # unusual headers: id and name cannot be guessed
    assert not dialog.import_button.isEnabled()
    assert "No column found for employee_id, name;" in dialog.error_label.text()
    assert dialog.combos["level"].currentText() == "Grade"  # a common HRIS name is guessed
    dialog.combos["employee_id"].setCurrentText("Personnel No")
    dialog.combos["name"].setCurrentText("Display Name")
    dialog.combos["business_unit"].setCurrentText("Org Unit")
    assert dialog.combos["certified_on"].currentText() == NOT_IN_FILE
    assert dialog.plan is not None
    assert "2 rows: 2 new" in dialog.summary_label.text()
    assert dialog.table.rowCount() == 2
    assert dialog.import_button.isEnabled()
    screenshot(dialog, "roster-import-preview")
    dialog.import_button.click()
    assert roster_by_id(admin_context)["E9001"] == "Nadia Haddad"
    assert infos == ["2 coaches added, 0 updated, 0 unchanged, 0 rows skipped."]
    assert admin_context.settings.get(SettingKey.ROSTER_MAPPING) == {
        "employee_id": "Personnel No", "name": "Display Name", "level": "Grade", "business_unit": "Org Unit",
        "supervisor": "", "certified_on": "", "active": ""}
    # the next export from the same HRIS: the mapping comes back by itself
    again = workbook(tmp_path / "next.xlsx", [["E9001", "Nadia Haddad-Smith", "Senior Coach", "Finance", ""]])
    _page, second = open_dialog(qtbot, admin_context, again, monkeypatch)
    assert second.combos["name"].currentText() == "Display Name"
    assert "1 rows: 0 new, 1 to update" in second.summary_label.text()
    second.reject()
    assert roster_by_id(admin_context)["E9001"] == "Nadia Haddad"  # cancel changed nothing


def test_invalid_rows_block_import_until_skipped(qtbot: QtBot, admin_context: AppContext, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    admin_context.settings.set(SettingKey.ROSTER_MAPPING, {"employee_id": "Personnel No", "name": "Display Name",
                                                           "level": "Grade"})
    path = workbook(tmp_path / "bad.xlsx", [["E9101", "", "Senior Coach", "", ""],
                                            ["E9102", "Bo Chen", "Wizard", "", ""],
                                            ["E9103", "Cy Dee", "Senior Coach", "", ""],
                                            ["E9103", "Cy Dee", "Senior Coach", "", ""]])
    before = roster_by_id(admin_context)
    infos: list[str] = []
    monkeypatch.setattr(page_module, "show_info", lambda _p, _t, text: infos.append(text))
    _page, dialog = open_dialog(qtbot, admin_context, path, monkeypatch)
    assert dialog.plan is not None
    assert len(dialog.plan.invalid) == 3
    problems = [dialog.table.item(row, 5).text() for row in range(dialog.table.rowCount())]
    assert problems[0] == "missing name"
    assert "Unknown coach level 'Wizard'" in problems[1]
    assert "duplicate employee id 'E9103' (also on line 4)" in problems[3]
    assert not dialog.import_button.isEnabled()
    assert "Skip invalid rows" in dialog.import_button.toolTip()
    dialog.skip_check.setChecked(True)
    assert dialog.import_button.isEnabled()
    dialog.reject()
    assert roster_by_id(admin_context) == before  # cancelled: nothing changed
    _page, dialog = open_dialog(qtbot, admin_context, path, monkeypatch)
    dialog.skip_check.setChecked(True)
    dialog.import_button.click()
    after = roster_by_id(admin_context)
    assert set(after) - set(before) == {"E9103"}
    assert infos == ["1 coaches added, 0 updated, 0 unchanged, 3 rows skipped."]


def test_hostile_or_broken_files_get_a_clear_message(qtbot: QtBot, admin_context: AppContext, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    errors: list[str] = []
    monkeypatch.setattr(page_module, "show_error", lambda _p, _t, text: errors.append(text))
    fake = tmp_path / "roster.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is not really a zip")
    page = CoachesPage(admin_context)
    qtbot.addWidget(page)
    page.import_roster(fake)
    assert page.active_dialog is None
    assert errors
    assert "not a readable Excel workbook" in errors[0]


def test_dropping_an_hris_export_opens_the_roster_import(qtbot: QtBot, admin_context: AppContext,
                                                         tmp_path: Path) -> None:
    path = workbook(tmp_path / "dropped.xlsx", [["E9201", "Rhea Das", "Senior Coach", "Ops", ""]])
    page = CoachesPage(admin_context)
    qtbot.addWidget(page)
    assert page.acceptDrops()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    page.dropEvent(QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier))
    dialog = page.active_dialog
    assert isinstance(dialog, RosterImportDialog)
    assert dialog.windowTitle() == "Import roster — dropped.xlsx"
    dialog.reject()
