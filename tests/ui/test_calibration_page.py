from __future__ import annotations

from typing import Any

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from supervisor_app.paths import AppPaths
from supervisor_app.services import transcripts
from supervisor_app.store.db import Database
from supervisor_app.ui.calibration import calibration_page as page_module
from supervisor_app.ui.calibration.calibration_page import CalibrationPage
from supervisor_app.ui.calibration.new_round_dialog import NewRoundDialog
from supervisor_app.ui.review.reviews_page import ReviewsPage
from supervisor_app.ui.widgets.charts import BarChart
from tests.conftest import login
from tests.services.test_calibration import score_and_submit
from tests.ui.conftest import make_context, screenshot


@pytest.fixture
def page(qtbot: QtBot, transcribed: tuple[Database, AppPaths]) -> CalibrationPage:
    db, paths = transcribed
    widget = CalibrationPage(make_context(db, paths, "maria"))
    qtbot.addWidget(widget)
    widget.resize(1300, 850)
    widget.show()
    return widget


def check(widget: object, labels: set[str]) -> None:
    for row in range(widget.count()):  # type: ignore[attr-defined]
        item = widget.item(row)  # type: ignore[attr-defined]
        if any(item.text().startswith(label) for label in labels):
            item.setCheckState(Qt.CheckState.Checked)


def test_round_lifecycle(qtbot: QtBot, page: CalibrationPage, monkeypatch: pytest.MonkeyPatch) -> None:
    db = page._context.database
    errors: list[str] = []
    monkeypatch.setattr(page_module, "show_error", lambda _p, _t, text: errors.append(text))
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = page.active_dialog
    assert isinstance(dialog, NewRoundDialog)
    dialog.on_buttons_accepted()
    assert "title" in dialog.error_label.text()
    qtbot.keyClicks(dialog.title_edit, "x" * 230)
    assert len(dialog.title_edit.text()) == 200  # the field stops where the stored title would
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "November panel")
    check(dialog.recordings, {"Daniel Fischer"})
    check(dialog.raters, {"Aisha Okafor", "Tom Berg"})
    dialog.master_combo.setCurrentIndex(dialog.master_combo.findText("James Chen"))
    screenshot(dialog, "calibration-new-round")
    with qtbot.waitSignal(dialog.round_created, timeout=5_000):
        dialog.on_buttons_accepted()
    assert page.model.rowCount() == 1
    assert "Aisha Okafor 0/1" in page.progress_label.text()
    assert "November panel — open" in page.progress_label.text()
    assert page.matrix.rowCount() == 0  # blind

    # a rater opens her part: the recording under its code, no coach name, no renamed speaker either
    transcripts.name_speakers(db, login(db, "maria"), 1, {"Coach": "Daniel Fischer"})
    aisha_reviews = ReviewsPage(make_context(db, page._context.paths, "aisha"))
    qtbot.addWidget(aisha_reviews)
    aisha_reviews.table.selectRow(0)
    aisha_reviews.open_selected()
    workspace = aisha_reviews.workspace
    assert workspace is not None
    qtbot.waitUntil(lambda: workspace.decoded is not None, timeout=20_000)
    [title] = [label.text() for label in workspace.findChildren(QLabel) if label.objectName() == "pageTitle"]
    assert title.startswith("R-")
    assert "Daniel" not in title
    lines = [workspace.transcript_list.item(i).text() for i in range(workspace.transcript_list.count())]
    assert any("Speaker 1:" in line for line in lines)
    assert not any("Daniel" in line for line in lines)
    # she scores in the workspace: listening 4 with the coachee's line as evidence, the rest not observed
    panel = workspace.rubric_panel
    for row, competency in enumerate(panel.rubric.competencies):
        panel.competency_list.setCurrentRow(row)
        if competency.id == "active_listening":
            panel.choose(4)
            workspace.waveform.selection = (6.1, 11.9)
            workspace.capture_evidence()
        else:
            panel.not_observed_check.setChecked(True)
    from supervisor_app.ui.review import review_workspace as workspace_module

    monkeypatch.setattr(workspace_module, "confirm", lambda *_args: True)
    monkeypatch.setattr(workspace_module, "show_info", lambda *_args: None)
    workspace.submit()
    assert workspace.detail.summary.status == "submitted"
    aisha_reviews.close_workspace()

    # the two other panel members score through the same services their workspace uses
    for name, listening in (("tom", 2), ("james", 3)):
        score_and_submit(db, login(db, name), listening)
    page.show_round()
    assert "Tom Berg 1/1" in page.progress_label.text()
    qtbot.mouseClick(page.reveal_button, Qt.MouseButton.LeftButton)
    assert page.selected().status == "revealed"  # type: ignore[union-attr]
    headers = [page.matrix.horizontalHeaderItem(c).text() for c in range(page.matrix.columnCount())]
    assert headers == ["Recording", "Competency", "Aisha Okafor", "James Chen (master)", "Tom Berg"]
    competencies = [page.matrix.item(r, 1).text() for r in range(page.matrix.rowCount())]
    listening_row = competencies.index("Listens actively")  # titles, not ids
    assert page.matrix.item(listening_row, 1).toolTip() == "active_listening"
    assert [page.matrix.item(listening_row, c).text() for c in (2, 3, 4)] == ["4", "3", "2"]
    assert page.matrix.item(listening_row, 2).toolTip() == "+1 from the master"
    label = page.agreement_label.text()
    assert "<b>Listens actively</b>" in label
    assert "Cell colours:" in label  # the legend
    assert label.count("too unstable") == 1  # the small-sample warning once, not under every competency
    page.matrix.setCurrentCell(listening_row, 2)
    assert page.timeline_title.text() == f"Moments cited for Listens actively in {page.matrix.item(0, 0).text()}: 3"
    assert set(page.timeline.lanes) == {"Aisha Okafor", "James Chen", "Tom Berg"}
    page.tabs.setCurrentIndex(1)
    screenshot(page, "calibration-timeline")
    page.tabs.setCurrentIndex(2)
    qtbot.keyClicks(page.note_edit, "Tom missed the reflection at 0:00:13")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Return)
    assert page.notes_list.count() == 1
    assert page.notes_list.item(0).text().endswith("active_listening] Tom missed the reflection at 0:00:13")
    page.tabs.setCurrentIndex(3)
    assert [bar.label for bar in page.bias_chart.bars] == ["Aisha Okafor", "James Chen", "Tom Berg"]
    bias = {bar.label: bar.value for bar in page.bias_chart.bars}
    assert bias["Aisha Okafor"] == pytest.approx(1.0)
    assert bias["Tom Berg"] is not None
    assert bias["Tom Berg"] < 0
    drawn = drawn_bars(page.bias_chart)  # drawn as such: Tom's bar goes left of zero
    assert drawn is not None
    widths = dict(zip(drawn["y"], drawn["width"], strict=True))  # rows top down at y = 0, -1, -2
    assert float(widths[-2]) == pytest.approx(bias["Tom Berg"])
    assert -1 not in widths  # the master has no bias against themself: "not defined", no bar
    assert page.bias_chart.band == (-0.5, 0.5)
    assert "Tom Berg: -" in page.bias_chart.tip_at(0.0, -2.0)
    assert page.drift_chart.categories == [page.selected().title]  # type: ignore[union-attr]
    assert [line.name for line in page.drift_chart.series] == ["Aisha Okafor", "Tom Berg"]
    assert page.drift_chart.series[0].values == (pytest.approx(1.0),)
    assert "Aisha Okafor: +1.00" in page.drift_chart.tip_at(0.0, 0.0)
    agreement = [bar.label for bar in page.agreement_chart.bars]
    assert agreement[0] == "All competencies (pooled)"
    assert "Listens actively" in agreement
    assert "active_listening" not in agreement
    assert "Aisha Okafor: calibrated" in page.agreement_label.text()  # within ±1 on every score, gates agree
    screenshot(page, "calibration-charts")
    page.tabs.setCurrentIndex(0)
    screenshot(page, "calibration-reveal")

    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    assert "consensus first" in errors[-1]
    assert page.comparison is not None
    for recording_id, competency_id in sorted(page.comparison.cells):
        gate = competency_id in ("measurable_follow_up", "ethics_confidentiality")
        page.set_consensus(recording_id, competency_id, "pass" if gate else "3")
    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    assert page.selected().status == "closed"  # type: ignore[union-attr]


def drawn_bars(chart: BarChart) -> dict[str, Any] | None:
    """The options of the bars on the chart's plot, as pyqtgraph draws them."""
    items = [item for item in chart.plot.getPlotItem().items if isinstance(item, pg.BarGraphItem)]
    return dict(items[0].opts) if items else None


def test_demo_round_opens_at_the_reveal(qtbot: QtBot, db: Database, paths: AppPaths) -> None:
    from supervisor_app.services import demo

    demo.load_demo(db, None, paths)
    widget = CalibrationPage(make_context(db, paths, "maria"))
    qtbot.addWidget(widget)
    widget.resize(1300, 850)
    widget.show()
    widget.rounds.selectRow(0)
    assert widget.selected().status == "revealed"  # type: ignore[union-attr]
    assert widget.matrix.rowCount() == 80  # 8 recordings x 10 competencies
    assert widget.matrix.columnCount() == 7  # recording, competency, 4 raters and the master
    assert widget.bias_chart.bars
    # two revealed rounds: drift is a line per rater, and the statistics are not 'too unstable'
    assert widget.drift_chart.categories == ["Demo panel — August and September sessions",
                                             "Demo panel — October sessions"]
    assert {line.name for line in widget.drift_chart.series} == {"Aisha Okafor", "Maria Lopez", "Ravi Kumar",
                                                                  "Tom Berg"}
    assert all(None not in line.values for line in widget.drift_chart.series)
    assert "too unstable" not in widget.agreement_label.text()
    with_icc = [bar for bar in widget.agreement_chart.bars if "ICC(2,1)" in bar.tip and bar.value is not None]
    assert sum(bar.interval is not None for bar in with_icc) >= 8  # ICCs with their intervals
    widget.tabs.setCurrentIndex(3)
    screenshot(widget, "calibration-demo-charts")
    screenshot(widget.drift_chart, "calibration-drift")
    widget.tabs.setCurrentIndex(0)
    screenshot(widget, "calibration-demo")


def test_an_unreliable_competency_links_to_its_anchors(qtbot: QtBot, db: Database, paths: AppPaths) -> None:
    from supervisor_app.services import demo, rubrics
    from supervisor_app.ui.rubrics.rubrics_page import RubricsPage
    from supervisor_app.ui.shell.main_window import MainWindow

    demo.load_demo(db, None)
    context = make_context(db, paths, "maria")
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    last = rubrics.get_rubric(db, context.actor, rubrics.list_rubrics(db, context.actor)[-1].id).competencies[-1].id
    page = window.pages["calibration"]
    assert isinstance(page, CalibrationPage)
    with qtbot.waitSignal(page.anchors_requested) as requested:
        page.agreement_label.linkActivated.emit(f"anchors:{last}")
    assert requested.args == [last]
    assert window.current_area() == "rubrics"
    rubrics_page = window.pages["rubrics"]
    assert isinstance(rubrics_page, RubricsPage)
    qtbot.waitUntil(lambda: rubrics_page.viewer.verticalScrollBar().value() > 0)  # scrolled down to its anchors


def test_an_open_round_shows_nothing_stale_and_says_it_is_blind(qtbot: QtBot, db: Database, paths: AppPaths) -> None:
    import datetime as dt

    from supervisor_app.services import calibration, demo, rubrics

    demo.load_demo(db, None, paths)
    context = make_context(db, paths, "maria")
    widget = CalibrationPage(context)
    qtbot.addWidget(widget)
    widget.rounds.selectRow(0)
    assert widget.agreement_chart.bars  # the revealed demo round
    recordings = sorted({r for r, _c in widget.comparison.cells})  # type: ignore[union-attr]
    panel = [login(db, n).user_id for n in ("aisha", "tom")]
    new_id = calibration.create_round(db, context.actor, "December panel", recordings[:1], panel,
                                      rubrics.list_rubrics(db, context.actor)[-1].id,
                                      dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
    widget.refresh(select_id=new_id)
    assert widget.selected().status == "open"  # type: ignore[union-attr]
    assert widget.agreement_chart.bars == []
    assert widget.bias_chart.bars == []
    assert widget.drift_chart.series == []
    assert drawn_bars(widget.agreement_chart) is None  # nothing of the revealed round left on the plot
    assert "blind until the lead reveals it" in widget.agreement_label.text()
    assert "on the Comparison tab" in widget.timeline_title.text()


def test_a_fixed_field_clears_its_message(qtbot: QtBot, db: Database, paths: AppPaths) -> None:
    from supervisor_app.services import demo

    demo.load_demo(db, None)
    dialog = NewRoundDialog(make_context(db, paths, "maria"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.on_buttons_accepted()
    assert not dialog.error_label.isHidden()
    assert "title" in dialog.error_label.text()
    qtbot.keyClicks(dialog.title_edit, "December panel")
    assert dialog.error_label.isHidden()
