"""The rubric editor, driven through its widgets: every rule of the schema can be broken from the form and is
reported with its JSON path (the same messages as `rubric validate`), number ranges come from the schema, and an
edit is saved as a new version with its change note and the change list."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from supervisor_app.errors import DocumentInvalidError
from supervisor_app.services import rubrics
from supervisor_app.ui.rubrics import rubric_editor as editor_module
from supervisor_app.ui.rubrics import rubrics_page as page_module
from supervisor_app.ui.rubrics.rubric_editor import RubricEditor
from supervisor_app.ui.rubrics.rubrics_page import RubricsPage
from supervisor_app.ui.shell.app_context import AppContext
from tests.ui.conftest import screenshot

LONG = "x" * 1001


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing an editor with changes asks first; when a test ends, its editor is closed and the changes go."""
    monkeypatch.setattr(editor_module, "confirm", lambda *_args: True)


def open_editor(qtbot: QtBot, context: AppContext) -> RubricEditor:
    version = rubrics.find_rubric_version(context.database, context.actor, "grow-icf-core").id
    editor = RubricEditor(context, version)
    qtbot.addWidget(editor)
    editor.show()
    return editor


def select(editor: RubricEditor, competency_id: str) -> None:
    row = next(i for i, c in enumerate(editor.document["competencies"]) if c["id"] == competency_id)
    editor.competency_list.setCurrentRow(row)


def remove_all_stages(editor: RubricEditor) -> None:
    while editor.stage_table.rowCount():
        editor.stage_table.setCurrentCell(0, 0)
        editor.remove_stage()


def remove_all_competencies(editor: RubricEditor) -> None:
    while editor.competency_list.count():
        editor.competency_list.setCurrentRow(0)
        editor.remove_competency()


def add_until(editor: RubricEditor, count: int) -> None:
    while editor.competency_list.count() < count:
        editor.add_competency("scale")


def duplicate_id(editor: RubricEditor) -> None:
    editor.competency_list.setCurrentRow(0)
    editor.duplicate_competency()
    editor.c_id.setText(editor.document["competencies"][0]["id"])


def gate(editor: RubricEditor) -> None:
    select(editor, "ethics_confidentiality")


# (what the user does, the JSON path reported, words of the message)
BREAKS: list[tuple[str, Callable[[RubricEditor], object], str, str]] = [
    ("rubric id pattern", lambda e: e.id_edit.setText("Bad ID"), "$.id", "lower-case"),
    ("version pattern", lambda e: e.version_edit.setText("v2"), "$.version", "numbers separated by dots"),
    ("title required", lambda e: e.title_edit.setText(""), "$.title", ""),
    ("description length", lambda e: e.description_edit.setPlainText("d" * 4001), "$.description", "4000"),
    ("model name required", lambda e: e.model_edit.setText(" "), "$.coaching_model.name", ""),
    ("at least one stage", remove_all_stages, "$.coaching_model.stages", ""),
    ("stage id pattern", lambda e: e.stage_table.item(0, 0).setText("Goal!"), "$.coaching_model.stages[0].id",
     "lower-case"),
    ("stage title required", lambda e: e.stage_table.item(0, 1).setText(""), "$.coaching_model.stages[0].title", ""),
    ("duplicate stage id", lambda e: e.stage_table.item(1, 0).setText("goal"), "$.coaching_model.stages[1].id",
     "duplicate stage id"),
    ("unknown stage", lambda e: e.stage_table.item(0, 0).setText("aim"), "$.competencies[0].stage",
     "unknown stage 'goal'"),
    ("at least one competency", remove_all_competencies, "$.competencies", ""),
    ("at most 40 competencies", lambda e: add_until(e, 41), "$.competencies", "40"),
    ("competency id pattern", lambda e: e.c_id.setText("Listens Actively"), "$.competencies[0].id", "lower-case"),
    ("duplicate competency id", duplicate_id, "$.competencies[1].id", "duplicate competency id"),
    ("competency title required", lambda e: e.c_title.setText(""), "$.competencies[0].title", ""),
    ("competency description required", lambda e: e.c_description.setPlainText(""),
     "$.competencies[0].description", ""),
    ("at least one behaviour", lambda e: e.c_behaviours.setPlainText(""), "$.competencies[0].behaviours", ""),
    ("behaviour length", lambda e: e.c_behaviours.setPlainText(LONG), "$.competencies[0].behaviours[0]", "1000"),
    ("anchor required", lambda e: e.anchor_edits["3"].setPlainText(""), "$.competencies[0].assessment", ""),
    ("anchor length", lambda e: e.anchor_edits["5"].setPlainText(LONG), "$.competencies[0].assessment", "1000"),
    ("gate criterion required", lambda e: (gate(e), e.g_criterion.setPlainText("")), "$.competencies[9].assessment",
     ""),
    ("gate example length", lambda e: (gate(e), e.g_fail.setPlainText(LONG)), "$.competencies[9].assessment",
     "1000"),
]


@pytest.mark.parametrize(("rule", "action", "path", "words"), BREAKS, ids=[b[0] for b in BREAKS])
def test_every_schema_rule_can_be_broken_from_the_form_and_is_reported(
        qtbot: QtBot, admin_context: AppContext, tmp_path: Path, rule: str, action: Callable[[RubricEditor], object],
        path: str, words: str) -> None:
    editor = open_editor(qtbot, admin_context)
    editor.check()
    assert editor.issues == []
    editor.tabs.setCurrentIndex(0 if path.startswith(("$.id", "$.version", "$.title", "$.desc", "$.coach")) else 1)
    if path.startswith("$.competencies[0]"):
        editor.competency_list.setCurrentRow(0)
    action(editor)
    editor.check()
    found = [i for i in editor.issues if i.path.startswith(path)]
    assert found, f"{rule}: {[str(i) for i in editor.issues]}"
    assert any(words in i.message for i in found), [str(i) for i in found]
    assert not editor.save_button.isEnabled()
    shown = [editor.problem_list.item(n).text() for n in range(editor.problem_list.count())]
    assert f"{found[0].path}\n      {found[0].message}" in shown
    # the CLI says the same: `rubric validate` on the same document lists the same problems
    target = tmp_path / "edited.json"
    target.write_text(json.dumps(editor.document), "utf-8")
    with pytest.raises(DocumentInvalidError) as raised:
        rubrics.validate_rubric_file(target)
    assert [(i.path, i.message) for i in raised.value.issues] == [(i.path, i.message) for i in editor.issues]
    # a problem takes the user to its field
    problem = next(editor.problem_list.item(n) for n in range(editor.problem_list.count())
                   if editor.problem_list.item(n).text().startswith(found[0].path))
    editor.go_to_problem(problem)
    assert editor.tabs.currentIndex() in (0, 1)


def test_number_fields_and_choices_come_from_the_schema(qtbot: QtBot, admin_context: AppContext) -> None:
    editor = open_editor(qtbot, admin_context)
    schema = rubrics.rubric_schema()
    evidence = schema["properties"]["evidence_requirements"]["properties"]
    competency = schema["$defs"]["competency"]["properties"]
    rule = evidence["min_items_per_scored_competency"]
    assert (editor.min_items_spin.minimum(), editor.min_items_spin.maximum()) == (rule["minimum"], rule["maximum"])
    rule = competency["min_evidence_items"]
    assert (editor.c_minimum.minimum(), editor.c_minimum.maximum()) == (rule["minimum"], rule["maximum"])
    assert editor.clip_spin.maximum() == evidence["max_clip_seconds"]["maximum"]
    assert editor.clip_spin.minimum() > evidence["max_clip_seconds"]["exclusiveMinimum"]
    assert [editor.c_category.itemData(i) for i in range(editor.c_category.count())] == competency["category"]["enum"]
    assert [editor.c_type.itemData(i) for i in range(editor.c_type.count())] == \
        competency["assessment"]["properties"]["type"]["enum"]


def test_an_edit_saved_as_a_new_version(qtbot: QtBot, admin_context: AppContext,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(page_module, "show_info", lambda _p, title, _t: told.append(title))
    page = RubricsPage(admin_context)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.edit_button.click()
    editor = page.active_editor
    assert editor is not None
    assert editor.version_edit.text() == "1.1"  # the next free number
    editor.check()
    assert not editor.save_button.isEnabled()
    assert "change something" in editor.save_button.toolTip()
    select(editor, "active_listening")
    editor.anchor_edits["3"].setPlainText("Two accurate summaries; the coachee confirms being understood.")
    editor.c_own_minimum.setChecked(True)
    editor.c_minimum.setValue(2)
    editor.add_competency("gate")
    editor.c_id.setText("records_consent")
    editor.c_title.setText("Confirms recording consent")
    editor.c_description.setPlainText("Checks at the start that the coachee agreed to the recording.")
    editor.c_behaviours.setPlainText("Names the recording and its purpose\nOffers to stop it")
    editor.g_criterion.setPlainText("Consent to record is confirmed in the first minute.")
    editor.c_type.setCurrentIndex(0)  # to a scale and back: the criterion is kept aside, then restored
    assert editor.scale_page.isVisibleTo(editor)
    assert not editor.gate_page.isVisibleTo(editor)
    editor.c_type.setCurrentIndex(1)
    assert editor.g_criterion.toPlainText() == "Consent to record is confirmed in the first minute."
    editor.move_competency(-1)
    assert editor.document["competencies"][-2]["id"] == "records_consent"
    editor.check()
    assert editor.issues == []
    assert "write a change note" in editor.save_button.toolTip()
    editor.note_edit.setText("Listening anchor 3 tightened after the October round; consent gate added.")
    assert editor.save_button.isEnabled()
    editor.tabs.setCurrentIndex(3)
    changes = [editor.change_list.item(i).text() for i in range(editor.change_list.count())]
    assert "Competency added: Confirms recording consent (records_consent)" in changes
    assert "Listens actively (active_listening): anchor 3 reworded" in changes
    assert "Listens actively (active_listening): min evidence items changed" in changes
    assert "Two accurate summaries" in editor.diff_view.toPlainText()
    for size in ((1100, 700), (1600, 1000)):
        editor.resize(*size)
        editor.tabs.setCurrentIndex(3)
        QApplication.processEvents()
        screenshot(editor, f"rubric-editor-changes-{size[0]}x{size[1]}")
        editor.tabs.setCurrentIndex(0)
        QApplication.processEvents()
        screenshot(editor, f"rubric-editor-rubric-{size[0]}x{size[1]}")
        editor.tabs.setCurrentIndex(1)
        QApplication.processEvents()
        screenshot(editor, f"rubric-editor-{size[0]}x{size[1]}")
    editor.save()
    assert told == ["New version saved"]
    assert page.version_list.count() == 2
    assert page.selected_id() == editor.saved_id
    assert "Edited from grow-icf-core@1.0: Listening anchor 3 tightened" in page.viewer.toPlainText()
    assert "Confirms recording consent" in page.viewer.toPlainText()
    screenshot(page, "rubrics-edited-1100x700")


def test_leaving_with_changes_asks_first(qtbot: QtBot, admin_context: AppContext,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    editor = open_editor(qtbot, admin_context)
    asked: list[str] = []
    monkeypatch.setattr(editor_module, "confirm", lambda _p, title, _t, _a: asked.append(title) or False)
    editor.title_edit.setText("A clearer title")
    editor.reject()
    assert asked == ["Discard the changes?"]
    assert editor.isVisible()


def test_the_rubrics_page_exports_json_and_the_page_for_coaches(qtbot: QtBot, admin_context: AppContext,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(page_module, "show_info", lambda _p, _title, text: told.append(text))
    page = RubricsPage(admin_context)
    qtbot.addWidget(page)
    page.show()
    version = page.selected_id()
    assert version is not None
    monkeypatch.setattr(page_module.QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(tmp_path / "for-coaches"), "PDF (*.pdf)"))
    page.export_pdf_button.click()
    assert (tmp_path / "for-coaches.pdf").read_bytes().startswith(b"%PDF-")
    page.export_to(version, tmp_path / "rubric.json", "json")
    assert json.loads((tmp_path / "rubric.json").read_text("utf-8"))["id"] == "grow-icf-core"
    assert told == [f"Saved for-coaches.pdf in {tmp_path}.", f"Saved rubric.json in {tmp_path}."]
