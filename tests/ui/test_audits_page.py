"""The export in the GUI: Audits page, the Reviews and Calibration screens' export dialog; a real file each time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from supervisor_app.paths import AppPaths
from supervisor_app.services import audit
from supervisor_app.settings import SettingKey
from supervisor_app.store.db import Database
from supervisor_app.ui import workers
from supervisor_app.ui.audits.audits_page import AuditsPage, ExportDialog
from supervisor_app.ui.audits.export_panel import ExportPanel
from supervisor_app.ui.calibration.calibration_page import CalibrationPage
from supervisor_app.ui.review.reviews_page import ReviewsPage
from tests.ui.conftest import make_context, screenshot


def save_as(monkeypatch: pytest.MonkeyPatch, target: Path) -> list[str]:
    asked: list[str] = []

    def choose(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), "Excel workbook (*.xlsx)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    return asked


def run_export(qtbot: QtBot, panel: ExportPanel) -> None:
    panel.export_button.click()
    qtbot.waitUntil(lambda: not panel.running, timeout=30_000)


def test_export_a_round_from_the_audits_page(qtbot: QtBot, round_db: Database, paths: AppPaths, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    context = make_context(round_db, paths, "admin")
    page = AuditsPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 640)
    panel = page.panel
    assert panel.round_radio.isChecked()
    assert panel.round_combo.currentData() == 1
    panel.pseudonyms_check.setChecked(True)
    asked = save_as(monkeypatch, tmp_path / "exports" / "q4-audit")  # no extension typed: .xlsx is added
    (tmp_path / "exports").mkdir()
    run_export(qtbot, panel)
    target = tmp_path / "exports" / "q4-audit.xlsx"
    assert asked[0].endswith("audit-round-1-" + dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") + ".xlsx")
    assert target.exists()
    assert panel.last_result is not None
    assert "Written" in panel.status_label.text()
    assert not panel.open_folder_button.isHidden()
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Scores", "Agreement", "Raters", "Evidence", "Method"]
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=4, values_only=True)}
    assert summary["Coach identity"] == "pseudonyms"
    assert context.settings.get(SettingKey.EXPORT) == {"folder": str(target.parent), "pseudonyms": True}
    [past] = page.history_model.rows()  # the list of earlier exports, from the audit trail
    assert (past.file_name, past.by, past.aggregates_only) == ("q4-audit.xlsx", "admin", False)
    assert past.sha256 == panel.last_result.sha256
    screenshot(page, "audits-export-done")


def test_an_empty_range_says_why_and_writes_nothing(qtbot: QtBot, round_db: Database, paths: AppPaths,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = AuditsPage(make_context(round_db, paths, "maria"))
    qtbot.addWidget(page)
    panel = page.panel
    panel.range_radio.setChecked(True)
    panel.start_edit.setDate(QDate(2020, 1, 1))
    panel.end_edit.setDate(QDate(2020, 3, 31))
    save_as(monkeypatch, tmp_path / "empty.xlsx")
    run_export(qtbot, panel)
    assert "Nothing to export" in panel.error_label.text()
    assert "No file was written" in panel.error_label.text()
    assert not (tmp_path / "empty.xlsx").exists()
    panel.start_edit.setDate(QDate(2020, 5, 1))
    panel.export_button.click()
    assert "swap the dates" in panel.error_label.text()


def test_hr_viewer_exports_aggregates_only(qtbot: QtBot, round_db: Database, paths: AppPaths, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    page = AuditsPage(make_context(round_db, paths, "helen"))
    qtbot.addWidget(page)
    panel = page.panel
    assert panel.aggregates_check.isChecked()
    assert not panel.aggregates_check.isEnabled()
    save_as(monkeypatch, tmp_path / "hr.xlsx")
    run_export(qtbot, panel)
    assert panel.last_result is not None
    assert panel.last_result.aggregates_only
    assert "aggregates only" in panel.status_label.text()
    assert "Rationale" not in [c.value for c in openpyxl.load_workbook(tmp_path / "hr.xlsx")["Scores"][1]]
    assert [e.file_name for e in page.history_model.rows()] == ["hr.xlsx"]  # her own exports only


def test_cancel_leaves_no_file(qtbot: QtBot, round_db: Database, paths: AppPaths, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    context = make_context(round_db, paths, "admin")
    page = AuditsPage(context)
    qtbot.addWidget(page)
    real_start = workers.start

    def cancelled_at_once(task: workers.Task) -> workers.Task:
        task.cancel()  # as if Cancel were pressed before the first row: deterministic
        return real_start(task)

    monkeypatch.setattr(workers, "start", cancelled_at_once)
    folder = tmp_path / "exports"
    folder.mkdir()
    save_as(monkeypatch, folder / "never.xlsx")
    run_export(qtbot, page.panel)
    assert page.panel.status_label.text() == "Export cancelled; no file was written."
    assert list(folder.iterdir()) == []
    assert not [e for e in audit.list_events(round_db, context.actor) if e.action == "export.workbook"]


def test_selected_reviews_and_a_round_open_the_export_dialog(qtbot: QtBot, round_db: Database, paths: AppPaths,
                                                              tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    context = make_context(round_db, paths, "admin")
    reviews_page = ReviewsPage(context)
    qtbot.addWidget(reviews_page)
    reviews_page.filter_combo.setCurrentText("All")
    assert not reviews_page.export_button.isEnabled()
    reviews_page.table.selectAll()
    assert reviews_page.export_button.isEnabled()
    assert reviews_page.export_button.text() == "Export 66 to Excel…"  # both rounds (40, 25), the audit review
    reviews_page.export_selected()
    dialog = reviews_page.active_dialog
    assert isinstance(dialog, ExportDialog)
    save_as(monkeypatch, tmp_path / "selected.xlsx")
    run_export(qtbot, dialog.panel)
    assert dialog.panel.last_result is not None
    assert dialog.panel.last_result.reviews == 66
    screenshot(dialog, "export-dialog")
    dialog.reject()

    calibration_page = CalibrationPage(context)
    qtbot.addWidget(calibration_page)
    calibration_page.rounds.selectRow(0)
    assert calibration_page.export_button.isEnabled()
    calibration_page.export_round()
    round_dialog = calibration_page.active_dialog
    assert isinstance(round_dialog, ExportDialog)
    save_as(monkeypatch, tmp_path / "round.xlsx")
    run_export(qtbot, round_dialog.panel)
    assert (tmp_path / "round.xlsx").exists()
    round_dialog.reject()
