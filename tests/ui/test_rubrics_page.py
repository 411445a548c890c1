from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from supervisor_app.services import rubrics
from supervisor_app.ui.rubrics import rubrics_page as page_module
from supervisor_app.ui.rubrics.issues_dialog import IssuesDialog
from supervisor_app.ui.rubrics.rubrics_page import RubricsPage
from supervisor_app.ui.shell.app_context import AppContext
from tests.conftest import DATA
from tests.ui.conftest import screenshot


@pytest.fixture
def page(qtbot: QtBot, admin_context: AppContext) -> RubricsPage:
    widget = RubricsPage(admin_context)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args, **_kw: (str(path), "Rubric JSON (*.json)"))


def test_shows_the_default_rubric_readably(page: RubricsPage) -> None:
    assert page.version_list.count() == 1
    text = page.viewer.toPlainText()
    assert "Internal Coaching Competency Rubric" in text
    assert "Sets a measurable follow-up" in text
    assert "Criterion" in text
    assert "No topic or outcome is agreed" in text
    screenshot(page, "rubrics")


def test_import_a_new_version(qtbot: QtBot, page: RubricsPage, admin_context: AppContext,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    choose_file(monkeypatch, DATA / "rubrics" / "valid_v1_1.json")
    messages: list[str] = []
    monkeypatch.setattr(page_module, "show_info", lambda _p, _t, text: messages.append(text))
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert messages == ["Imported grow-icf-core version 1.1 (10 competencies)."]
    assert page.version_list.count() == 2
    current = page.version_list.currentItem()
    assert current is not None
    assert "v1.1" in current.text()
    assert "checked once at the end" in page.viewer.toPlainText()
    assert len(rubrics.list_rubrics(admin_context.database, admin_context.actor)) == 2


def test_invalid_rubric_lists_every_problem_and_imports_nothing(qtbot: QtBot, page: RubricsPage,
                                                                admin_context: AppContext,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    choose_file(monkeypatch, DATA / "rubrics" / "wrong_types.json")
    page.choose_and_import()
    dialog = page.active_dialog
    assert isinstance(dialog, IssuesDialog)
    lines = [dialog.issue_list.item(row).text() for row in range(dialog.issue_list.count())]
    assert len(lines) == 3
    assert lines[0].startswith("$.competencies[1].behaviours\n")
    assert "must be of type array" in lines[0]
    screenshot(dialog, "rubric-validation-error")
    dialog.close()
    assert page.version_list.count() == 1
    assert len(rubrics.list_rubrics(admin_context.database, admin_context.actor)) == 1


def test_conflicting_version_is_refused_with_advice(page: RubricsPage, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    source = (DATA / "rubrics" / "valid_v1_1.json").read_text("utf-8").replace('"1.1"', '"1.0"')
    clash = tmp_path / "clash.json"
    clash.write_text(source, encoding="utf-8")
    errors: list[str] = []
    monkeypatch.setattr(page_module, "show_error", lambda _p, _t, text: errors.append(text))
    page.import_file(clash)
    assert "new version number" in errors[0]
    assert page.version_list.count() == 1
