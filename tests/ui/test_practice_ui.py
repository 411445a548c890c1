"""Practice against a gold standard in the GUI: the lead makes the gold from the reveal screen, a new rater
practises from the Reviews page, submits, and sees the comparison; the lead credits it."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.core.roles import Role
from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, practice, reviews
from supervisor_app.settings import Settings
from supervisor_app.store.db import Database
from supervisor_app.ui.calibration import calibration_page as page_module
from supervisor_app.ui.calibration.calibration_page import CalibrationPage
from supervisor_app.ui.review import review_workspace as workspace_module
from supervisor_app.ui.review.practice_dialogs import ChooseGoldDialog, PracticeResultDialog
from supervisor_app.ui.review.reviews_page import ReviewsPage
from supervisor_app.ui.shell.app_context import AppContext
from tests.conftest import login
from tests.ui.conftest import make_context, screenshot


@pytest.fixture
def demo(db: Database, paths: AppPaths) -> tuple[Database, AppPaths]:
    from supervisor_app.services import demo as demo_service

    demo_service.load_demo(db, None, paths)
    return db, paths


def test_gold_practice_result_and_credit(qtbot: QtBot, demo: tuple[Database, AppPaths],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db, paths = demo
    told: list[str] = []
    monkeypatch.setattr(page_module, "show_info", lambda _p, title, _text: told.append(title))
    lead_page = CalibrationPage(make_context(db, paths, "maria"))
    qtbot.addWidget(lead_page)
    lead_page.resize(1300, 850)
    lead_page.show()
    lead_page.rounds.selectRow(0)
    assert lead_page.gold_button.isEnabled()
    lead_page.matrix.setCurrentCell(0, 0)
    lead_page.gold_button.click()
    dialog = lead_page.active_dialog
    assert dialog is not None
    assert dialog.source_combo.count() == 2  # type: ignore[attr-defined]  # the round has a master
    assert dialog.all_box.isVisibleTo(dialog)  # type: ignore[attr-defined]  # three recordings in the round
    dialog.source_combo.setCurrentIndex(1)  # type: ignore[attr-defined]
    screenshot(dialog, "gold-dialog")
    dialog.on_buttons_accepted()  # type: ignore[attr-defined]
    assert told == ["Gold standard made"]
    [gold] = practice.list_gold(db, login(db, "maria"))
    assert gold.source == practice.MASTER

    accounts.create_user(db, login(db, "admin"), "nina", "Nina Novak", Role.RATER, "practice-pass")
    nina = accounts.authenticate(db, "nina", "practice-pass")
    context = AppContext(db, paths, Settings(paths.settings_file), nina)
    page = ReviewsPage(context)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.practice_button.click()
    chooser = page.active_dialog
    assert isinstance(chooser, ChooseGoldDialog)
    assert chooser.model.rows()[0].code == gold.code
    assert chooser.practise_button.isEnabled()
    screenshot(chooser, "practice-choose")
    chooser.on_buttons_accepted()
    workspace = page.workspace
    assert workspace is not None
    assert workspace.detail.summary.is_practice
    assert "Practice" in workspace.status_label.text()
    assert not workspace.feedback_button.isVisible()
    assert not workspace.gold_button.isVisible()  # hidden until submitted
    draft = workspace.detail
    scores = {c.id: (CompetencyScore(c.id, gate_passed=True) if c.is_gate else CompetencyScore(c.id, score=3))
              for c in draft.rubric.competencies}
    evidence = tuple(Evidence(c.id, 2.0, 5.0, "my moment") for c in draft.rubric.competencies)
    page.close_workspace()
    reviews.save_draft(db, nina, draft.id, ReviewContent(scores, evidence))
    page.open_review(draft.id)
    workspace = page.workspace
    assert workspace is not None
    asked: list[str] = []
    monkeypatch.setattr(workspace_module, "confirm", lambda _p, title, _t, _a: asked.append(title) or True)
    workspace.submit()
    assert asked == ["Submit the practice review?"]
    result_dialog = workspace.active_dialog
    assert isinstance(result_dialog, PracticeResultDialog)
    assert result_dialog.model.rowCount() == len(draft.rubric.competencies)
    assert result_dialog.result.outcome.summary in result_dialog.summary_label.text()
    assert not result_dialog.credit_box.isVisible()  # a rater does not credit themself
    assert list(result_dialog.timeline.lanes) == ["Gold standard", "You"]
    assert result_dialog.timeline.lanes["You"]
    assert "Gold rationale" in result_dialog.rationale.toPlainText()
    result_dialog.resize(1100, 700)
    screenshot(result_dialog, "practice-result")
    assert workspace.gold_button.isVisible()

    lead_view = PracticeResultDialog(make_context(db, paths, "maria"), draft.id)
    qtbot.addWidget(lead_view)
    lead_view.show()
    assert lead_view.credit_box.isVisible()
    lead_view.credit_box.setChecked(True)
    assert practice.result(db, nina, draft.id).credited
