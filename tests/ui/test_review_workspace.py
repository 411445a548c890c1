from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from supervisor_app.paths import AppPaths
from supervisor_app.services import reviews
from supervisor_app.store.db import Database
from supervisor_app.ui.review import review_workspace as workspace_module
from supervisor_app.ui.review.feedback_dialog import FeedbackDialog
from supervisor_app.ui.review.review_workspace import ReviewWorkspace
from supervisor_app.ui.review.reviews_page import ReviewsPage
from tests.audio_sink import AUDIO_SINK
from tests.conftest import REPO_ROOT
from tests.ui.conftest import make_context, screenshot


@pytest.fixture
def workspace(qtbot: QtBot, transcribed: tuple[Database, AppPaths]) -> Iterator[ReviewWorkspace]:
    db, paths = transcribed
    page = ReviewsPage(make_context(db, paths, "maria"))
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    page.start_for_recording(1)
    assert page.workspace is not None
    qtbot.waitUntil(lambda: page.workspace is not None and page.workspace.decoded is not None, timeout=20_000)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=2_000)
    page.workspace.setFocus()
    yield page.workspace
    page.close_workspace()


def key(qtbot: QtBot, workspace: ReviewWorkspace, text: str) -> None:
    target = workspace.transcript_list
    target.setFocus()
    qtbot.keyClick(target, text)


def test_reading_scoring_evidence_autosave_submit_amend(qtbot: QtBot, workspace: ReviewWorkspace,
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    errors: list[str] = []
    monkeypatch.setattr(workspace_module, "show_error", lambda _p, _t, text: errors.append(text))
    db, actor = workspace._context.database, workspace._context.actor
    assert not workspace.banner.isVisible()
    assert workspace.waveform.duration_s == pytest.approx(33.24, abs=0.05)
    # click the waveform at a third of its width: the playhead goes there
    workspace.waveform.resize(900, 120)
    qtbot.mouseClick(workspace.waveform, Qt.MouseButton.LeftButton, pos=QPoint(300, 60))
    assert workspace.position_s() == pytest.approx(33.24 / 3, abs=0.5)
    assert workspace.time_label.text().startswith("0:00:11 / 0:00:33")
    # a click on a transcript word seeks to that word (to the line's start off the words); arrows skip 5 s
    rect = workspace.transcript_list.visualItemRect(workspace.transcript_list.item(2))
    qtbot.mouseClick(workspace.transcript_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.right() - 4, rect.center().y()))  # past the end of the words
    assert workspace.position_s() == pytest.approx(workspace.segments[2].start_s, abs=0.05)
    word = workspace.transcript_delegate.word_at(2, rect.width(), QPointF(rect.center() - rect.topLeft()))
    assert word is not None  # the middle of the line is on its words
    qtbot.mouseClick(workspace.transcript_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert workspace.position_s() == pytest.approx(workspace.segments[2].words[word][0], abs=0.05)
    assert workspace.position_s() > workspace.segments[2].start_s + 0.5
    qtbot.mouseClick(workspace.transcript_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.right() - 4, rect.center().y()))
    qtbot.keyClick(workspace.transcript_list, Qt.Key.Key_Right)
    assert workspace.position_s() == pytest.approx(workspace.segments[2].start_s + 5, abs=0.05)
    # Space plays from there, for real, into the ALSA file sink (which plays faster than real time)
    start = int(workspace.position_s() * 16_000)
    already = AUDIO_SINK.stat().st_size if AUDIO_SINK.exists() else 0
    qtbot.keyClick(workspace.transcript_list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: workspace.player is not None and not workspace.player.playing, timeout=10_000)
    played = np.fromfile(AUDIO_SINK, dtype=np.float32, offset=already)
    expected = np.asarray(workspace.decoded.samples[start:], dtype=np.float32) / 32768.0  # type: ignore[union-attr]
    first_sound, first_expected = np.flatnonzero(played)[0], np.flatnonzero(expected)[0]
    np.testing.assert_array_equal(played[first_sound:first_sound + 8_000],
                                  expected[first_expected:first_expected + 8_000])
    qtbot.waitUntil(lambda: workspace.play_button.text() == "▶ Play", timeout=2_000)

    # score the first competency with the keyboard and pin the selected transcript line as evidence
    panel = workspace.rubric_panel
    panel.competency_list.setCurrentRow(0)
    workspace.transcript_list.setCurrentRow(0)
    key(qtbot, workspace, "4")
    key(qtbot, workspace, "e")
    first = workspace.content.evidence[0]
    assert (first.competency_id, workspace.content.scores["establishes_agreement"].score) == (
        "establishes_agreement", 4)
    assert first.quote.startswith("Thanks for making time today")
    assert first.start_s == pytest.approx(workspace.segments[0].start_s, abs=0.01)
    # a waveform range as evidence for the second competency
    panel.competency_list.setCurrentRow(1)
    workspace.transcript_list.clearSelection()
    workspace.waveform.selection = (6.0, 9.0)
    key(qtbot, workspace, "e")
    second = workspace.content.evidence[1]
    assert (second.competency_id, second.start_s, second.end_s) == ("active_listening", 6.0, 9.0)
    assert second.quote.startswith("I want to get better")
    assert workspace.save_label.text() == "Unsaved changes…"
    # autosave within 2 seconds of the last change
    qtbot.waitUntil(lambda: workspace.save_label.text().startswith("Saved"), timeout=2_500)
    stored = reviews.get_review(db, actor, workspace.detail.id)
    assert stored.content.scores["establishes_agreement"].score == 4
    assert len(stored.content.evidence) == 2
    screenshot(workspace, "review-workspace")

    # submitting too early lists everything that is missing at once; the button says how far it is
    assert "decided)" in workspace.submit_button.text()
    assert "Still needed" in workspace.submit_button.toolTip()
    workspace.submit()
    assert "cannot be submitted yet" in errors[-1]
    assert "Listens actively: give a score" in errors[-1]
    assert errors[-1].count("•") > 1
    # decide the rest: a score with evidence for the scales we saw, not observed for others, gates with evidence
    for row, competency in enumerate(panel.rubric.competencies):
        panel.competency_list.setCurrentRow(row)
        if competency.id == "active_listening":
            key(qtbot, workspace, "3")
        elif competency.is_gate:
            workspace.transcript_list.setCurrentRow(6)
            key(qtbot, workspace, "f" if competency.id == "measurable_follow_up" else "p")
            key(qtbot, workspace, "e")
        elif competency.id != "establishes_agreement":
            panel.not_observed_check.setChecked(True)
    assert workspace.submit_button.text() == "Submit review ✓"
    asked: list[str] = []
    monkeypatch.setattr(workspace_module, "confirm", lambda _p, _t, text, _a: asked.append(text) or False)
    workspace.submit()  # the confirmation is declined: nothing happens
    assert "final" in asked[-1]
    assert workspace.detail.summary.status == "draft"
    told: list[str] = []
    monkeypatch.setattr(workspace_module, "confirm", lambda *_args: True)
    monkeypatch.setattr(workspace_module, "show_info", lambda _p, title, _text: told.append(title))
    workspace.submit()
    assert told == ["Review submitted"]
    assert workspace.save_label.text().startswith("Submitted ")
    assert workspace.detail.summary.status == "submitted"
    assert workspace.detail.summary.feedback_due_at is not None
    assert "Submitted · version 1" in workspace.status_label.text()
    assert not workspace.submit_button.isVisible()
    key(qtbot, workspace, "5")  # a submitted review does not change
    assert reviews.get_review(db, actor, workspace.detail.id).content.scores["ethics_confidentiality"].gate_passed

    # feedback: drafted from the evidence, saved, printed to PDF
    workspace.open_feedback()
    dialog = workspace.active_dialog
    assert isinstance(dialog, FeedbackDialog)
    text = dialog.text_edit.toPlainText()
    assert text.startswith("Feedback for Daniel Fischer")
    assert "Scores against Internal Coaching Competency Rubric" in text
    pdf = tmp_path / "feedback.pdf"
    dialog.save_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert dialog.saved_label.text() == f"Saved as {pdf}"  # never written silently
    assert dialog.default_file_name().startswith("feedback-Daniel-Fischer-")
    assert dialog.default_file_name().endswith(".pdf")
    assert dialog.save(sent=True)
    dialog.close()

    # amend with a reason: a new draft version, the submitted one kept
    replaced: list[int] = []
    workspace.review_replaced.connect(replaced.append)
    workspace.amend_with_reason("short")
    assert "at least 10 characters" in errors[-1]
    workspace.amend_with_reason("Re-listened: the agreement was revisited at 0:00:13.")
    [new_id] = replaced
    draft = reviews.get_review(db, actor, new_id)
    assert (draft.summary.status, draft.summary.version, draft.supersedes_id) == ("draft", 2, workspace.detail.id)
    assert draft.content.scores == workspace.detail.content.scores
    assert [dataclasses.replace(e, id=None) for e in draft.content.evidence] == [
        dataclasses.replace(e, id=None) for e in workspace.detail.content.evidence]


def test_reviews_page_lists_my_drafts(qtbot: QtBot, workspace: ReviewWorkspace) -> None:
    page = workspace.parentWidget().parentWidget()
    assert isinstance(page, ReviewsPage)
    page.close_workspace()
    assert page.model.rowCount() == 1
    assert page.model.index(0, 1).data() == "review"
    assert page.model.index(0, 4).data() == "draft (v1)"
    screenshot(page, "reviews-list")


CRASH_SCRIPT = textwrap.dedent("""
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from supervisor_app.paths import AppPaths
    from supervisor_app.services import accounts, reviews, system
    from supervisor_app.settings import Settings
    from supervisor_app.ui.shell.app_context import AppContext
    from supervisor_app.ui.review.review_workspace import ReviewWorkspace
    app = QApplication([])
    paths = AppPaths(Path(sys.argv[1]))
    db = system.open_database(paths, paths.default_database_url()).database
    actor = accounts.authenticate(db, "maria", "demo-supervisor")
    review = reviews.start_review(db, actor, 1)
    workspace = ReviewWorkspace(AppContext(db, paths, Settings(paths.settings_file), actor), review.id)
    workspace.rubric_panel.competency_list.setCurrentRow(0)
    workspace.rubric_panel.choose(5)
    workspace.rubric_panel.rationale_edit.setPlainText("Agreement and outcome set in the first minute.")
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    workspace.rubric_panel.competency_list.setCurrentRow(1)
    workspace.rubric_panel.choose(2)  # typed just before the crash: not yet autosaved
    print("ready", review.id, flush=True)
    while True:
        app.processEvents()
        time.sleep(0.01)
""")


def test_kill_minus_nine_loses_at_most_the_last_two_seconds(transcribed: tuple[Database, AppPaths]) -> None:
    db, paths = transcribed
    db.dispose()
    child = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, str(paths.data_dir)], stdout=subprocess.PIPE,
                             text=True, cwd=REPO_ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert line[0] == "ready"
        review_id = int(line[1])
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    with sqlite3.connect(paths.database_file) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    from supervisor_app.services import system
    from tests.conftest import login

    reopened = system.open_database(paths, paths.default_database_url()).database
    try:
        maria = login(reopened, "maria")
        again = reviews.start_review(reopened, maria, 1)  # the next start reopens the draft
        assert again.id == review_id
        score = again.content.scores["establishes_agreement"]
        assert (score.score, score.rationale) == (5, "Agreement and outcome set in the first minute.")
        assert "active_listening" not in again.content.scores  # the last 2 s before the kill may be lost
    finally:
        reopened.dispose()


def test_scale_and_gate_show_their_own_buttons(workspace: ReviewWorkspace) -> None:
    panel = workspace.rubric_panel
    panel.competency_list.setCurrentRow(0)
    visible = [label for label, button in panel.score_buttons.items() if button.isVisibleTo(panel)]
    assert visible == ["1", "2", "3", "4", "5"]
    gate_row = next(i for i, c in enumerate(panel.rubric.competencies) if c.is_gate)
    panel.competency_list.setCurrentRow(gate_row)
    visible = [label for label, button in panel.score_buttons.items() if button.isVisibleTo(panel)]
    assert visible == ["Pass", "Fail"]


def test_the_workspace_says_the_transcript_is_machine_made_until_confirmed(qtbot: QtBot,
                                                                           workspace: ReviewWorkspace) -> None:
    assert "machine-made, not yet reviewed by a person" in workspace.transcript_state.text()
    assert workspace.status_label.text().endswith(" · consent: no consent recorded")
    assert workspace.confirm_transcript_button.isVisible()
    qtbot.mouseClick(workspace.confirm_transcript_button, Qt.MouseButton.LeftButton)
    assert workspace.transcript_state.text().startswith("Transcript reviewed by Maria")
    assert not workspace.confirm_transcript_button.isVisible()


def test_the_chosen_score_is_a_filled_chip(workspace: ReviewWorkspace) -> None:
    panel = workspace.rubric_panel
    panel.competency_list.setCurrentRow(0)
    panel.score_buttons["4"].click()
    chosen, other = panel.score_buttons["4"], panel.score_buttons["2"]
    assert chosen.isChecked()
    assert not other.isChecked()

    def centre_colour(button: object) -> tuple[int, int, int]:
        image = button.grab().toImage()  # type: ignore[attr-defined]
        colour = image.pixelColor(4, image.height() // 2)  # inside the chip, left of its label
        return colour.red(), colour.green(), colour.blue()

    red, _green, blue = centre_colour(chosen)
    assert blue > 150 > red  # the chosen chip is filled blue, as the user sees it
    assert centre_colour(other)[0] > 200  # the others stay white


def test_review_on_a_reviewed_recording_asks_instead_of_a_silent_second_draft(
        qtbot: QtBot, transcribed: tuple[Database, AppPaths], monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from supervisor_app.store.models import Review
    from supervisor_app.ui.review import reviews_page as page_module

    db, paths = transcribed
    context = make_context(db, paths, "maria")
    first = reviews.start_review(db, context.actor, 1).id
    with db.transaction() as session:  # as if submitted earlier
        row = session.get(Review, first)
        assert row is not None
        row.status, row.submitted_at = "submitted", dt.datetime.now(dt.UTC)
    page = ReviewsPage(context)
    qtbot.addWidget(page)
    asked: list[str] = []
    answers = iter([None, 0, 1])
    monkeypatch.setattr(page_module, "choose", lambda _p, _t, text, _a: asked.append(text) or next(answers))
    monkeypatch.setattr(page, "open_review", lambda review_id: asked.append(f"open {review_id}"))
    page.start_for_recording(1)  # cancelled: nothing opens, no draft
    assert [r.status for r in reviews.own_reviews_of(db, context.actor, 1)] == ["submitted"]
    page.start_for_recording(1)  # open it
    assert asked[-1] == f"open {first}"
    page.start_for_recording(1)  # start a new one
    mine = reviews.own_reviews_of(db, context.actor, 1)
    assert sorted(r.status for r in mine) == ["draft", "submitted"]
    assert "You submitted a review of" in asked[0]
    page.start_for_recording(1)  # with a draft there is nothing to ask: the draft opens
    assert len([a for a in asked if a.startswith("You submitted")]) == 3


def test_e_while_playing_pins_what_is_heard_and_evidence_lanes_do_not_blend(
        qtbot: QtBot, workspace: ReviewWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16, point 7: a transcript line selected earlier is not what E pins while the recording plays; each
    competency's evidence has its own lane on the waveform, named on hover; the rubric list keeps its height."""
    panel = workspace.rubric_panel
    heard = workspace.segments[4]
    workspace.transcript_list.setCurrentRow(0)  # selected before playing …
    monkeypatch.setattr(workspace, "player", type("Playing", (), {"playing": True})())
    monkeypatch.setattr(workspace, "position_s", lambda: heard.start_s + 0.2)
    panel.competency_list.setCurrentRow(2)
    assert workspace.capture_range() == (heard.start_s, heard.end_s)  # … but the line being heard is pinned
    first = workspace.capture_evidence()
    assert first is not None
    assert first.quote == heard.text.strip()
    monkeypatch.setattr(workspace, "player", None)  # paused: the selected lines are what E pins
    assert workspace.capture_range() == (workspace.segments[0].start_s, workspace.segments[0].end_s)
    # a second competency's evidence over the same moment: a lane of its own, not a blend
    panel.competency_list.setCurrentRow(5)
    workspace.waveform.selection = (heard.start_s, heard.end_s)
    workspace.capture_evidence()
    markers = workspace.waveform.markers
    assert sorted(m.lane for m in markers) == [0, 1]
    assert len({m.colour.name() for m in markers}) == 2
    assert [m.focused for m in markers] == [False, True]  # the focused competency's is also a band
    workspace.waveform.resize(900, 120)
    middle = workspace.waveform._x_of((heard.start_s + heard.end_s) / 2)
    names = [m.label for m in workspace.waveform.markers_at(middle, 4)]
    assert names == [panel.rubric.competencies[2].title]
    assert [m.label for m in workspace.waveform.markers_at(middle, 9)] == [panel.rubric.competencies[5].title]
    # the list is the colour legend, and its height does not change with the competency shown
    assert not panel.competency_list.item(0).icon().isNull()
    height = panel.competency_list.height()
    for row in range(panel.competency_list.count()):
        panel.competency_list.setCurrentRow(row)
        assert panel.competency_list.height() == height


def test_suggested_evidence_is_accepted_or_dismissed_by_the_rater(qtbot: QtBot, workspace: ReviewWorkspace) -> None:
    """Issue 14: the coach's classified turns are suggestions; A makes one tagged evidence for the focused
    competency, D dismisses one, and a removed piece of evidence is suggested again."""
    assert "Indicators, not verdicts" in workspace.stance_label.text()
    shown = workspace.suggestion_list.count()
    assert shown == len(workspace.suggestion_turns) > 0
    assert workspace.left_tabs.tabText(1) == f"Suggested evidence ({shown})"
    assert workspace.content.evidence == ()  # nothing counts until accepted
    workspace.left_tabs.setCurrentIndex(1)
    workspace.rubric_panel.competency_list.setCurrentRow(2)
    first = workspace.suggestion_turns[0]
    workspace.suggestion_list.setCurrentRow(0)
    workspace.suggestion_list.setFocus()
    qtbot.keyClick(workspace.suggestion_list, "a")
    [item] = workspace.content.evidence
    assert (item.competency_id, item.start_s) == (workspace.rubric_panel.rubric.competencies[2].id,
                                                  round(first.start_s, 2))
    assert item.tag in ("asked open question", "reflected", "advised/told")
    assert workspace.suggestion_list.count() == shown - 1
    assert shown >= 2  # the dialogue fixture's coach asks and reflects more than once
    qtbot.keyClick(workspace.suggestion_list, "d")
    assert workspace.suggestion_list.count() == shown - 2
    workspace.remove_evidence(0)
    assert workspace.suggestion_list.count() == shown - 1  # the accepted turn is back, the dismissed one not
    screenshot(workspace, "review-suggested-evidence")


def test_the_transcript_is_checked_against_the_recording_before_scoring(qtbot: QtBot,
                                                                        workspace: ReviewWorkspace) -> None:
    """Issue 14: once the audio is decoded the workspace runs the quality checks off the GUI thread and lists
    what to listen to first; flagged transcript lines carry a ⚠ and say why."""
    from supervisor_app.services import transcript_quality

    qtbot.waitUntil(lambda: workspace._flags_task is None, timeout=20_000)
    context = workspace._context
    expected = transcript_quality.transcript_flags(context.database, context.actor, context.paths,
                                                   workspace.detail.summary.recording_id)
    assert workspace.flags == expected
    shown = [workspace.flag_list.item(i).text() for i in range(workspace.flag_list.count())]
    if expected:
        assert shown == [f.label for f in expected]
        assert workspace.left_tabs.tabText(2) == f"Check first ({len(expected)})"
        flagged = {f.segment_index for f in expected if f.segment_index is not None}
        for row, segment in enumerate(workspace.segments):
            assert workspace.transcript_list.item(row).text().startswith("⚠") == (segment.index in flagged)
    else:
        assert shown[0].startswith("Nothing to check first")


def test_the_word_being_heard_is_highlighted_and_unsure_words_are_faint(qtbot: QtBot, workspace: ReviewWorkspace,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: during playback the word being spoken is highlighted; low-confidence words are drawn faintly."""
    from supervisor_app.core.transcripts import Segment
    from supervisor_app.ui.review.transcript_delegate import CURRENT_WORD, FAINT, TranscriptDelegate

    segment = workspace.segments[1]
    start, end, _word, _p = segment.words[3]
    monkeypatch.setattr(workspace, "position_s", lambda: (start + end) / 2)
    workspace.on_position_timer_timeout()
    assert workspace.transcript_delegate.current == (1, 3)
    document, offsets = workspace.transcript_delegate._document(1, 600)
    assert CURRENT_WORD in document.toHtml()
    assert len(offsets) == len(segment.words)
    unsure = Segment(0, 0, 0.0, 2.0, "the quarterly plan", "Coach",
                     ((0.0, 0.5, " the", 0.9), (0.5, 1.2, " quarterly", 0.2), (1.2, 2.0, " plan", 0.95)))
    delegate = TranscriptDelegate([unsure])
    html = delegate._document(0, 600)[0].toHtml()
    assert html.count(FAINT) == 1  # only "quarterly"
