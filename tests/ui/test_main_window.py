from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from supervisor_app.paths import AppPaths
from supervisor_app.store import migrate
from supervisor_app.store.db import Database
from supervisor_app.ui.audits.audits_page import AuditsPage
from supervisor_app.ui.shell.about_dialog import AboutDialog
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.shell.login_dialog import LoginDialog
from supervisor_app.ui.shell.main_window import MainWindow
from tests.ui.conftest import make_context, screenshot


@pytest.fixture
def window(qtbot: QtBot, admin_context: AppContext) -> MainWindow:
    main_window = MainWindow(admin_context)
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.activateWindow()
    return main_window


def nav_titles(window: MainWindow) -> list[str]:
    return [window.nav.item(row).text() for row in range(window.nav.count())]


def test_admin_sees_every_area(window: MainWindow) -> None:
    assert nav_titles(window) == ["Library", "Reviews", "Calibration", "Audits", "Coaches", "Rubrics", "Admin",
                                  "Program"]
    assert window.current_area() == "program"  # the lead's home screen
    assert "Priya Shah · Administrator" in window.user_label.text()
    assert str(window.context.database.describe()) in window.database_label.text()


def test_navigation_by_click_and_shortcut(qtbot: QtBot, window: MainWindow) -> None:
    rubrics_row = nav_titles(window).index("Rubrics")
    rect = window.nav.visualItemRect(window.nav.item(rubrics_row))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_area() == "rubrics"
    assert window.stack.currentWidget() is window.pages["rubrics"]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "library"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "reviews"
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "calibration"
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "audits"
    assert isinstance(window.stack.currentWidget(), AuditsPage)
    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "admin"
    qtbot.keyClick(window, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "program"


def test_last_area_is_remembered(qtbot: QtBot, window: MainWindow, admin_context: AppContext) -> None:
    window.show_area("rubrics")
    window.close()
    again = MainWindow(admin_context)
    qtbot.addWidget(again)
    assert again.current_area() == "rubrics"


def test_about_lists_versions(qtbot: QtBot, window: MainWindow) -> None:
    window.open_about()
    dialog = window.active_dialog
    assert isinstance(dialog, AboutDialog)
    text = dialog.label.text()
    for part in ("Coaching Supervisor", "Qt", "PySide6", "faster-whisper", "Database schema (file)",
                 migrate.head_revision()):
        assert part in text
    screenshot(dialog, "about")
    dialog.close()


def test_switch_user_rebuilds_for_the_new_role(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.active_dialog
    assert isinstance(dialog, LoginDialog)
    qtbot.keyClicks(dialog.username_edit, "aisha")
    qtbot.keyClicks(dialog.password_edit, "demo-rater")
    with qtbot.waitSignal(window.user_switched, timeout=5000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert nav_titles(window) == ["Reviews", "Calibration", "Rubrics"]  # raters export nothing
    assert "Aisha Okafor · Rater" in window.user_label.text()
    assert not window.import_rubric_action.isEnabled()


def test_hr_viewer_sees_coaches_read_only(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> None:
    hr_window = MainWindow(make_context(demo_db, paths, "helen"))
    qtbot.addWidget(hr_window)
    assert "Coaches" in nav_titles(hr_window)
    assert "Admin" not in nav_titles(hr_window)
    page = hr_window.pages["coaches"]
    assert not page.add_button.isVisibleTo(page)  # type: ignore[attr-defined]


def test_screenshots_of_the_main_screens(qtbot: QtBot, window: MainWindow) -> None:
    for key in window.pages:
        window.show_area(key)
        QApplication.processEvents()
        assert screenshot(window, f"main-{key}").stat().st_size > 10_000


def test_a_shortcut_to_an_area_outside_the_role_says_so(qtbot: QtBot, demo_db: Database, paths: AppPaths) -> None:
    hr_window = MainWindow(make_context(demo_db, paths, "helen"))
    qtbot.addWidget(hr_window)
    hr_window.show()
    refused = next(a for a in hr_window.actions() if a.shortcut().toString() == "Ctrl+1")
    refused.trigger()
    assert hr_window.statusBar().currentMessage() == "Library is not part of the HR viewer role."
    assert not hr_window.import_recordings_action.isEnabled()


def test_the_file_menu_imports_recordings(qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from supervisor_app.ui.library.library_page import LibraryPage

    chosen: list[bool] = []
    monkeypatch.setattr(LibraryPage, "choose_files", lambda self: chosen.append(True))
    window.show_area("coaches")
    assert "Import &recordings…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    window.import_recordings_action.trigger()
    assert window.current_area() == "library"
    assert chosen == [True]


@pytest.mark.parametrize("size", [(1100, 700), (1600, 1000)], ids=["1100x700", "1600x1000"])
def test_every_page_of_the_full_demo_at_both_sizes(qtbot: QtBot, db: Database, paths: AppPaths,
                                                   size: tuple[int, int]) -> None:
    """Issue 16: every page is looked at, at the smallest and a large window (the images are in
    test-artifacts/screenshots)."""
    from supervisor_app.services import demo

    demo.load_demo(db, None, paths)
    main_window = MainWindow(make_context(db, paths, "maria"))
    qtbot.addWidget(main_window)
    main_window.resize(*size)
    main_window.show()
    qtbot.waitExposed(main_window)
    for key in main_window.pages:
        main_window.show_area(key)
        QApplication.processEvents()
        page = main_window.pages[key]
        assert page.width() <= size[0]
        assert screenshot(main_window, f"page-{key}-{size[0]}x{size[1]}").stat().st_size > 10_000
