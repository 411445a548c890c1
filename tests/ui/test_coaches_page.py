from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from supervisor_app.core.coaches import CoachLevel
from supervisor_app.paths import AppPaths
from supervisor_app.services import coaches
from supervisor_app.store.db import Database
from supervisor_app.ui.coaches import coaches_page as page_module
from supervisor_app.ui.coaches.coach_dialog import CoachDialog
from supervisor_app.ui.coaches.coaches_page import CoachesPage
from supervisor_app.ui.shell.app_context import AppContext
from tests.ui.conftest import make_context, screenshot


@pytest.fixture
def page(qtbot: QtBot, admin_context: AppContext) -> CoachesPage:
    widget = CoachesPage(admin_context)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    return widget


def visible_names(page: CoachesPage) -> list[str]:
    proxy = page.table.proxy
    return [proxy.index(row, 0).data() for row in range(proxy.rowCount())]


def save_button(dialog: CoachDialog) -> object:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_lists_active_coaches_sorted_and_searchable(qtbot: QtBot, page: CoachesPage) -> None:
    names = visible_names(page)
    assert len(names) == 11
    assert names == sorted(names)
    assert "Hannah Becker" not in names
    assert page.count_label.text() == "11 active coaches"
    qtbot.keyClick(page, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search_edit.hasFocus()
    qtbot.keyClicks(page.search_edit, "james chen")
    assert len(visible_names(page)) == 5
    page.search_edit.clear()
    qtbot.mouseClick(page.show_inactive_check, Qt.MouseButton.LeftButton)
    assert "Hannah Becker" in visible_names(page)
    assert page.count_label.text() == "11 active coaches, 1 inactive"


def test_add_a_coach_with_the_keyboard(qtbot: QtBot, page: CoachesPage, admin_context: AppContext) -> None:
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.active_dialog
    assert isinstance(dialog, CoachDialog)
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Enter the coach's name" in dialog.error_label.text()
    qtbot.keyClicks(dialog.name_edit, "Ana Lima")
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findData(CoachLevel.CERTIFIED))
    qtbot.keyClicks(dialog.unit_edit, "Legal")
    dialog.supervisor_combo.setCurrentIndex(dialog.supervisor_combo.findText("Maria Lopez"))
    qtbot.mouseClick(dialog.certified_check, Qt.MouseButton.LeftButton)
    screenshot(dialog, "coach-dialog")
    with qtbot.waitSignal(dialog.coach_saved, timeout=5000):
        qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert "Ana Lima" in visible_names(page)
    selected = page.selected_row()
    assert selected is not None
    assert (selected.name, selected.level, selected.supervisor_name) == ("Ana Lima", CoachLevel.CERTIFIED,
                                                                         "Maria Lopez")
    assert selected.certified_on is not None
    stored = coaches.get_coach(admin_context.database, admin_context.actor, selected.id)
    assert stored.business_unit == "Legal"


def test_in_training_cannot_carry_a_certification_date(qtbot: QtBot, page: CoachesPage) -> None:
    page.open_new_dialog()
    dialog = page.active_dialog
    assert dialog is not None
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findData(CoachLevel.SENIOR))
    dialog.certified_check.setChecked(True)
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findData(CoachLevel.IN_TRAINING))
    assert not dialog.certified_check.isChecked()
    assert not dialog.certified_check.isEnabled()
    dialog.reject()


def test_edit_with_enter_and_deactivate(qtbot: QtBot, page: CoachesPage, admin_context: AppContext,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    row = visible_names(page).index("Grace Kim")
    page.table.selectRow(row)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.active_dialog
    assert isinstance(dialog, CoachDialog)
    assert dialog.name_edit.text() == "Grace Kim"
    dialog.unit_edit.setText("Treasury")
    with qtbot.waitSignal(dialog.coach_saved, timeout=5000):
        qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    grace = page.selected_row()
    assert grace is not None
    assert grace.business_unit == "Treasury"

    asked: list[str] = []
    monkeypatch.setattr(page_module, "confirm", lambda _p, _t, text, _a: asked.append(text) or False)
    qtbot.mouseClick(page.toggle_button, Qt.MouseButton.LeftButton)
    assert "Deactivate Grace Kim?" in asked[0]
    assert "Grace Kim" in visible_names(page)
    monkeypatch.setattr(page_module, "confirm", lambda *_args: True)
    qtbot.mouseClick(page.toggle_button, Qt.MouseButton.LeftButton)
    assert "Grace Kim" not in visible_names(page)
    assert not coaches.get_coach(admin_context.database, admin_context.actor, grace.id).active


def test_overloaded_supervisor_banner(qtbot: QtBot, page: CoachesPage, admin_context: AppContext) -> None:
    assert not page.warning_label.isVisible()
    maria = next(c.id for c in coaches.supervisor_choices(admin_context.database, admin_context.actor)
                 if c.display_name == "Maria Lopez")
    for n in range(10):
        coaches.add_coach(admin_context.database, admin_context.actor,
                          coaches.CoachInput(f"Extra {n}", CoachLevel.IN_TRAINING, supervisor_id=maria))
    page.refresh()
    assert page.warning_label.isVisible()
    assert "Maria Lopez supervises 16 active coaches" in page.warning_label.text()
    screenshot(page, "coaches-overloaded")


def test_a_coachs_stance_over_time(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> None:
    """Issue 14: the Coaches page opens the selected coach's indicators across sessions, with the advising flag."""
    from supervisor_app.ui.coaches.stance_dialog import StanceDialog
    from tests.services.test_stance import _session

    for file, day, advice in (("short.wav", 1, 0), ("short.ogg", 8, 1), ("short.mp3", 15, 2)):
        _session(demo_db, paths, file, day, advice)
    page = CoachesPage(make_context(demo_db, paths, "maria"))
    qtbot.addWidget(page)
    page.show()
    assert page.stance_button.isVisible()
    row = next(r for r in page.model.rows() if r.id == 3)
    page.table.select_id(row.id)
    page.stance_button.click()
    dialog = page.active_dialog
    assert isinstance(dialog, StanceDialog)
    assert "rose across consecutive sessions" in dialog.flag_label.text()
    assert dialog.model.rowCount() == 3
    assert dialog.advice_chart.categories == ["2026-10-01", "2026-10-08", "2026-10-15"]
    advice = dialog.advice_chart.series[0].values
    assert advice[0] is not None
    assert advice[2] is not None
    assert advice[2] > advice[0]
    assert dialog.advice_chart.series[0].colour == "#d93025"  # rising: drawn in red
    assert [value for value, _label in dialog.ratio_chart.references] == [1.0, 2.0]  # MITI's bands as lines
    screenshot(dialog, "coach-stance")
