"""Retention in the window: the start-up notice, the preview with held items, holds, and the purge."""

from __future__ import annotations

import datetime as dt

import pytest
from pytestqt.qtbot import QtBot

from supervisor_app.core.retention import HoldTarget
from supervisor_app.paths import AppPaths
from supervisor_app.services import retention
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording
from supervisor_app.ui.admin import retention_panel as panel_module
from supervisor_app.ui.admin.admin_page import AdminPage
from supervisor_app.ui.shell.main_window import MainWindow
from tests.scripted import scripted_transcript
from tests.ui.conftest import make_context, screenshot


def _old_recording(db: Database, paths: AppPaths) -> int:
    recording = scripted_transcript(db, paths)
    with db.transaction() as session:
        row = session.get(Recording, recording)
        assert row is not None
        row.imported_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
    return recording


def test_the_window_says_what_is_due_at_start(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> None:
    _old_recording(demo_db, paths)
    window = MainWindow(make_context(demo_db, paths, "admin"))
    qtbot.addWidget(window)
    assert not window.retention_banner.isHidden()
    assert "Due for purging: 1 recording and its caches" in window.retention_banner.text()
    assert "Administration → Retention" in window.retention_banner.text()
    rater_window = MainWindow(make_context(demo_db, paths, "aisha"))
    qtbot.addWidget(rater_window)
    assert rater_window.retention_banner.isHidden()


def test_preview_hold_release_and_purge(qtbot: QtBot, demo_db: Database, paths: AppPaths,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    recording = _old_recording(demo_db, paths)
    context = make_context(demo_db, paths, "admin")
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.tabs.setCurrentWidget(page.retention_panel)
    panel = page.retention_panel
    assert panel.due_model.rowCount() == 1
    assert panel.purge_button.isEnabled()
    panel.hold_target.setCurrentIndex(panel.hold_target.findData(HoldTarget.RECORDING))
    panel.hold_id.setValue(recording)
    panel.hold_reason.setText("Appeal A-19")
    panel.place_hold_button.click()
    assert panel.holds_model.rowCount() == 1
    assert not panel.purge_button.isEnabled()
    assert "Appeal A-19" in panel.due_model.row_at(0).why
    screenshot(page, "admin-retention-1100x700")
    panel.holds_table.selectRow(0)
    panel.release_hold_button.click()
    assert "reason field" in panel.error_label.text()
    panel.hold_reason.setText("Appeal withdrawn")
    monkeypatch.setattr(panel_module, "confirm", lambda *_args: True)
    panel.release_hold_button.click()
    assert panel.holds_model.rowCount() == 0
    panel.window_spins["drafts_days"].setValue(30)
    panel.save_policy_button.click()
    assert retention.get_policy(demo_db).drafts_days == 30
    panel.purge_button.click()
    assert "Purged 1 item(s) after backup supervisor-" in panel.summary_label.text()
    assert panel.due_model.rowCount() == 0
    assert "still hold purged data" in panel.backups_label.text()
    with demo_db.transaction() as session:
        row = session.get(Recording, recording)
        assert row is not None
        assert row.purged_at is not None
