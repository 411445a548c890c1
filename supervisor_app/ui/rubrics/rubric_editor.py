"""The rubric editor: change a stored version's competencies, behaviours, anchors, gates and evidence rules, see
every problem at once (the same JSON-path messages as `rubric validate`) and what changed against the version it
started from side by side, and save it as a new version with a change note. A stored version never changes.

The form edits a copy of the stored JSON document; every edit is checked against the schema a moment later.
Number fields take their ranges from the schema itself, so a value the schema forbids cannot be typed.
"""

from __future__ import annotations

import copy
import difflib
import html
import re
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core import rubric_diff
from supervisor_app.errors import DocumentInvalidError, Issue, SupervisorError
from supervisor_app.services import rubrics
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.messages import confirm, show_error
from supervisor_app.ui.widgets.shortcuts import add_shortcuts

CHECK_DELAY_MS = 150
LEVELS = ("1", "2", "3", "4", "5")
NO_STAGE = "(no stage)"
_COMPETENCY_PATH = re.compile(r"^\$\.competencies\[(\d+)\](.*)$")
_STAGE_PATH = re.compile(r"^\$\.coaching_model\.stages\[(\d+)\]")


def _evidence_rules() -> dict[str, Any]:
    return rubrics.rubric_schema()["properties"]["evidence_requirements"]["properties"]  # type: ignore[no-any-return]


def _competency_rules() -> dict[str, Any]:
    return rubrics.rubric_schema()["$defs"]["competency"]["properties"]  # type: ignore[no-any-return]


def _spin(low: int, high: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    return spin


def _text_box(lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(12 + lines * box.fontMetrics().lineSpacing())
    return box


def _scrolling(widget: QWidget) -> QScrollArea:
    """`widget` at its natural height at the top of a scroll area (the space below stays empty)."""
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(widget)
    column.addStretch(1)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(holder)
    return area


def side_by_side(old: list[str], new: list[str], old_title: str, new_title: str, context: int = 1) -> str:
    """An HTML table of two texts line by line: removed lines red on the left, added green on the right, changed
    yellow on both; unchanged lines more than `context` away from a change folded into '…'."""
    colours = {"delete": ("#fbd9d7", ""), "insert": ("", "#d8f5dd"), "replace": ("#fff4c2", "#fff4c2")}
    rows = [f"<tr><th width='50%'>{html.escape(old_title)}</th><th width='50%'>{html.escape(new_title)}</th></tr>"]
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            keep = set(range(i1, min(i2, i1 + context)) if index else ()) | set(
                range(max(i1, i2 - context), i2) if index < len(opcodes) - 1 else ())
            folded = False
            for offset, line in enumerate(old[i1:i2]):
                if i1 + offset in keep:
                    cell = html.escape(line) or "&nbsp;"
                    rows.append(f"<tr><td>{cell}</td><td>{cell}</td></tr>")
                elif not folded:
                    rows.append("<tr><td class='fold'>…</td><td class='fold'>…</td></tr>")
                    folded = True
            continue
        left, right = old[i1:i2], new[j1:j2]
        for n in range(max(len(left), len(right))):
            cells = []
            for lines, colour in ((left, colours[tag][0]), (right, colours[tag][1])):
                text = html.escape(lines[n]) if n < len(lines) else ""
                cells.append(f"<td bgcolor='{colour}'>{text or '&nbsp;'}</td>" if colour and n < len(lines)
                             else f"<td>{text or '&nbsp;'}</td>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
    if len(opcodes) == 1 and opcodes[0][0] == "equal":
        return "<p>No changes yet.</p>"
    return ("<style>td{vertical-align:top;padding:2px 6px} th{text-align:left;color:#6b7280;padding:4px 6px}"
            " .fold{color:#9ca3af}</style><table width='100%' cellspacing='0'>" + "".join(rows) + "</table>")


class RubricEditor(QDialog):
    def __init__(self, context: AppContext, rubric_version_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.based_on = rubrics.stored_version(context.database, context.actor, rubric_version_id)
        self.original: dict[str, Any] = self.based_on.document
        self.document: dict[str, Any] = copy.deepcopy(self.original)
        summary = self.based_on.summary
        self.document["version"] = rubrics.suggested_version(context.database, context.actor, summary.rubric_key,
                                                             summary.version)
        self.issues: list[Issue] = []
        self.saved_id: int | None = None
        self._loading = False
        self._stash: dict[int, dict[str, Any]] = {}  # an assessment switched away from, to switch back to
        self.setWindowTitle(f"Edit rubric — a new version of {summary.rubric_key}@{summary.version}")
        self.resize(1180, 760)

        self.check_timer = QTimer(self)
        self.check_timer.setSingleShot(True)
        self.check_timer.setInterval(CHECK_DELAY_MS)
        self.check_timer.timeout.connect(self.check)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_rubric_tab(), "&Rubric")
        self.tabs.addTab(self._build_competency_tab(), "&Competencies")
        self.problem_list = QListWidget()
        self.problem_list.setObjectName("problemList")
        self.problem_list.setWordWrap(True)
        self.problem_list.itemActivated.connect(self.go_to_problem)
        self.problem_list.itemClicked.connect(self.go_to_problem)
        self.tabs.addTab(self.problem_list, "&Problems")
        self.tabs.addTab(self._build_changes_tab(), "C&hanges")
        self.tabs.currentChanged.connect(lambda index: index == 3 and self.show_diff())

        self.status_label = QLabel()
        self.status_label.setObjectName("editorStatus")
        self.status_label.setWordWrap(True)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("Change note: what changed and why (kept with the version)")
        self.note_edit.textChanged.connect(lambda _t: self._update_save_button())
        self.save_button = QPushButton("Save as new version")
        self.save_button.setObjectName("primaryButton")
        self.cancel_button = QPushButton("Cancel")
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Change &note"))
        bottom.addWidget(self.note_edit, 1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.cancel_button)
        bottom.itemAt(0).widget().setBuddy(self.note_edit)  # type: ignore[union-attr]
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(bottom)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        add_shortcuts(self, [(QKeySequence("Ctrl+S"), self.save),
                             (QKeySequence("Ctrl+Up"), lambda: self.move_competency(-1)),
                             (QKeySequence("Ctrl+Down"), lambda: self.move_competency(1))])
        self._load_rubric_fields()
        self._fill_competency_list(0)
        self.check()

    # ------------------------------------------------------------------ building

    def _build_rubric_tab(self) -> QWidget:
        self.id_edit = QLineEdit()
        self.version_edit = QLineEdit()
        self.version_edit.setToolTip("A new version number: numbers separated by dots, such as 1.1 or 2.0")
        self.title_edit = QLineEdit()
        self.description_edit = _text_box(3)
        self.model_edit = QLineEdit()
        self.model_description_edit = _text_box(2)
        self.stage_table = QTableWidget(0, 3)
        self.stage_table.setHorizontalHeaderLabels(["Id", "Title", "Description"])
        self.stage_table.horizontalHeader().setStretchLastSection(True)
        self.stage_table.setMinimumHeight(150)
        add_stage, remove_stage = QPushButton("Add stage"), QPushButton("Remove stage")
        stage_buttons = QHBoxLayout()
        stage_buttons.addWidget(add_stage)
        stage_buttons.addWidget(remove_stage)
        stage_buttons.addStretch(1)
        evidence = _evidence_rules()
        minimum = evidence["min_items_per_scored_competency"]
        self.min_items_spin = _spin(minimum["minimum"], minimum["maximum"])
        self.quote_box = QCheckBox("Each evidence item needs a transcript quote")
        self.gate_evidence_box = QCheckBox("A gate decision needs evidence")
        clip = evidence["max_clip_seconds"]
        self.clip_box = QCheckBox("Limit a clip to")
        self.clip_spin = QDoubleSpinBox()
        self.clip_spin.setRange(1.0, float(clip["maximum"]))
        self.clip_spin.setSuffix(" s")
        clip_row = QHBoxLayout()
        clip_row.addWidget(self.clip_box)
        clip_row.addWidget(self.clip_spin)
        clip_row.addStretch(1)
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.addRow("Rubric &id", self.id_edit)
        form.addRow("&Version", self.version_edit)
        form.addRow("&Title", self.title_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Coaching &model", self.model_edit)
        form.addRow("Model description", self.model_description_edit)
        form.addRow("Stages", self.stage_table)
        form.addRow("", stage_buttons)
        form.addRow("Evidence per scored competency (at least)", self.min_items_spin)
        form.addRow("", self.quote_box)
        form.addRow("", self.gate_evidence_box)
        form.addRow("", clip_row)
        for edit, key in ((self.id_edit, "id"), (self.version_edit, "version"), (self.title_edit, "title")):
            edit.textChanged.connect(lambda text, key=key: self._set(self.document, key, text))
        self.description_edit.textChanged.connect(
            lambda: self._set(self.document, "description", self.description_edit.toPlainText()))
        self.model_edit.textChanged.connect(lambda text: self._set(self._model(), "name", text))
        self.model_description_edit.textChanged.connect(
            lambda: self._set(self._model(), "description", self.model_description_edit.toPlainText(), True))
        self.stage_table.itemChanged.connect(self.on_stage_table_item_changed)
        add_stage.clicked.connect(self.add_stage)
        remove_stage.clicked.connect(self.remove_stage)
        self.min_items_spin.valueChanged.connect(
            lambda value: self._set(self._evidence(), "min_items_per_scored_competency", value))
        self.quote_box.toggled.connect(lambda on: self._set(self._evidence(), "require_transcript_quote", on))
        self.gate_evidence_box.toggled.connect(
            lambda on: self._set(self._evidence(), "gate_decision_requires_evidence", on))
        self.clip_box.toggled.connect(lambda _on: self._write_clip())
        self.clip_spin.valueChanged.connect(lambda _v: self._write_clip())
        return _scrolling(form_widget)

    def _build_competency_tab(self) -> QWidget:
        self.competency_list = QListWidget()
        self.competency_list.setObjectName("editorCompetencies")
        self.competency_list.setWordWrap(True)
        self.competency_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.competency_list.currentRowChanged.connect(self.show_competency)
        buttons = {}
        column = QVBoxLayout()
        column.addWidget(self.competency_list, 1)
        grid = QGridLayout()
        for number, (name, label, tip) in enumerate((
                ("scale", "Add 1–5 scale", "A new competency scored on anchored levels 1–5"),
                ("gate", "Add gate", "A new pass/fail competency with its criterion"),
                ("duplicate", "Duplicate", "A copy of the selected competency below it"),
                ("remove", "Remove", "Remove the selected competency from this version"),
                ("up", "Move up", "Ctrl+Up"), ("down", "Move down", "Ctrl+Down"))):
            buttons[name] = QPushButton(label)
            buttons[name].setToolTip(tip)
            grid.addWidget(buttons[name], number // 2, number % 2)
        column.addLayout(grid)
        buttons["scale"].clicked.connect(lambda: self.add_competency("scale"))
        buttons["gate"].clicked.connect(lambda: self.add_competency("gate"))
        buttons["duplicate"].clicked.connect(self.duplicate_competency)
        buttons["remove"].clicked.connect(self.remove_competency)
        buttons["up"].clicked.connect(lambda: self.move_competency(-1))
        buttons["down"].clicked.connect(lambda: self.move_competency(1))
        self.competency_buttons = buttons
        left = QWidget()
        left.setLayout(column)

        self.c_id = QLineEdit()
        self.c_title = QLineEdit()
        self.c_description = _text_box(3)
        self.c_category = QComboBox()
        for value in _competency_rules()["category"]["enum"]:
            self.c_category.addItem(value, value)
        self.c_stage = QComboBox()
        self.c_behaviours = _text_box(5)
        self.c_behaviours.setPlaceholderText("One observable behaviour per line")
        own = _competency_rules()["min_evidence_items"]
        self.c_own_minimum = QCheckBox("Its own minimum of evidence items")
        self.c_minimum = _spin(own["minimum"], own["maximum"])
        minimum_row = QHBoxLayout()
        minimum_row.addWidget(self.c_own_minimum)
        minimum_row.addWidget(self.c_minimum)
        minimum_row.addStretch(1)
        self.c_type = QComboBox()
        self.c_type.addItem("1–5 scale with anchors", "scale")
        self.c_type.addItem("Pass/fail gate", "gate")
        self.anchor_edits = {level: _text_box(2) for level in LEVELS}
        self.scale_page = scale_page = QWidget()
        scale_form = QFormLayout(scale_page)
        scale_form.setContentsMargins(0, 0, 0, 0)
        for level, edit in self.anchor_edits.items():
            scale_form.addRow(f"Anchor {level}", edit)
        self.g_criterion = _text_box(3)
        self.g_pass = _text_box(2)
        self.g_fail = _text_box(2)
        self.gate_page = gate_page = QWidget()
        gate_form = QFormLayout(gate_page)
        gate_form.setContentsMargins(0, 0, 0, 0)
        gate_form.addRow("Criterion", self.g_criterion)
        gate_form.addRow("Pass example", self.g_pass)
        gate_form.addRow("Fail example", self.g_fail)
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.addRow("I&d", self.c_id)
        form.addRow("T&itle", self.c_title)
        form.addRow("Description", self.c_description)
        form.addRow("Cate&gory", self.c_category)
        form.addRow("&Stage", self.c_stage)
        form.addRow("&Behaviours", self.c_behaviours)
        form.addRow("Evidence", minimum_row)
        form.addRow("&Assessment", self.c_type)
        form.addRow(scale_page)
        form.addRow(gate_page)
        self.c_id.textChanged.connect(lambda text: self._set_competency("id", text))
        self.c_title.textChanged.connect(lambda text: self._set_competency("title", text))
        self.c_description.textChanged.connect(
            lambda: self._set_competency("description", self.c_description.toPlainText()))
        self.c_category.currentIndexChanged.connect(
            lambda _i: self._set_competency("category", self.c_category.currentData()))
        self.c_stage.currentIndexChanged.connect(lambda _i: self._set_competency("stage", self.c_stage.currentData()))
        self.c_behaviours.textChanged.connect(self._write_behaviours)
        self.c_own_minimum.toggled.connect(lambda _on: self._write_minimum())
        self.c_minimum.valueChanged.connect(lambda _v: self._write_minimum())
        self.c_type.currentIndexChanged.connect(lambda _i: self.switch_assessment(self.c_type.currentData()))
        for level, edit in self.anchor_edits.items():
            edit.textChanged.connect(lambda level=level, edit=edit: self._set_assessment_text(
                "anchors", edit.toPlainText(), level))
        for key, edit in (("criterion", self.g_criterion), ("pass_example", self.g_pass),
                          ("fail_example", self.g_fail)):
            edit.textChanged.connect(lambda key=key, edit=edit: self._set_assessment_text(key, edit.toPlainText()))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(_scrolling(form_widget))
        splitter.setSizes([300, 860])
        return splitter

    def _build_changes_tab(self) -> QWidget:
        self.change_list = QListWidget()
        self.change_list.setObjectName("changeList")
        self.diff_view = QTextBrowser()
        self.diff_view.setObjectName("diffView")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.change_list)
        splitter.addWidget(self.diff_view)
        splitter.setSizes([140, 460])
        return splitter

    # ------------------------------------------------------------------ the document

    def _model(self) -> dict[str, Any]:
        return self.document.setdefault("coaching_model", {})  # type: ignore[no-any-return]

    def _evidence(self) -> dict[str, Any]:
        return self.document.setdefault("evidence_requirements", {})  # type: ignore[no-any-return]

    def _competencies(self) -> list[dict[str, Any]]:
        return self.document.setdefault("competencies", [])  # type: ignore[no-any-return]

    def _current(self) -> dict[str, Any] | None:
        row = self.competency_list.currentRow()
        items = self._competencies()
        return items[row] if 0 <= row < len(items) else None

    def _set(self, target: dict[str, Any], key: str, value: object, drop_empty: bool = False) -> None:
        if self._loading:
            return
        if drop_empty and value in ("", None):
            target.pop(key, None)
        else:
            target[key] = value
        self.check_timer.start()

    def _set_competency(self, key: str, value: object) -> None:
        current = self._current()
        if current is None or self._loading:
            return
        self._set(current, key, value, drop_empty=key == "stage")
        if key in ("title", "id"):
            self._label_competency(self.competency_list.currentRow())

    def _write_behaviours(self) -> None:
        lines = [line.strip() for line in self.c_behaviours.toPlainText().splitlines() if line.strip()]
        self._set_competency("behaviours", lines)

    def _write_minimum(self) -> None:
        current = self._current()
        self.c_minimum.setEnabled(self.c_own_minimum.isChecked())
        if current is not None:
            self._set(current, "min_evidence_items", self.c_minimum.value() if self.c_own_minimum.isChecked()
                      else None, drop_empty=True)

    def _write_clip(self) -> None:
        self.clip_spin.setEnabled(self.clip_box.isChecked())
        self._set(self._evidence(), "max_clip_seconds", self.clip_spin.value() if self.clip_box.isChecked()
                  else None, drop_empty=True)

    def _set_assessment_text(self, key: str, text: str, level: str | None = None) -> None:
        current = self._current()
        if current is None or self._loading:
            return
        assessment = current.setdefault("assessment", {})
        if level is not None:
            assessment.setdefault("anchors", {})[level] = text
            self.check_timer.start()
        else:
            self._set(assessment, key, text, drop_empty=key != "criterion")

    def switch_assessment(self, kind: str) -> None:
        """Scale ↔ gate; what the competency had before is kept aside, so switching back restores it."""
        current = self._current()
        if current is None or self._loading:
            return
        row = self.competency_list.currentRow()
        previous = current.get("assessment", {})
        if previous.get("type") == kind:
            return
        stashed = self._stash.pop(row, None)
        self._stash[row] = previous
        current["assessment"] = stashed if stashed and stashed.get("type") == kind else (
            {"type": "gate", "criterion": ""} if kind == "gate" else {"type": "scale",
                                                                      "anchors": dict.fromkeys(LEVELS, "")})
        self.show_competency(row)
        self.check_timer.start()

    # ------------------------------------------------------------------ stages

    def _stages(self) -> list[dict[str, Any]]:
        return self._model().setdefault("stages", [])  # type: ignore[no-any-return]

    def _fill_stage_table(self) -> None:
        self._loading = True
        self.stage_table.setRowCount(0)
        for stage in self._stages():
            row = self.stage_table.rowCount()
            self.stage_table.insertRow(row)
            for column, key in enumerate(("id", "title", "description")):
                self.stage_table.setItem(row, column, QTableWidgetItem(str(stage.get(key, ""))))
        self._loading = False
        self._fill_stage_combo()

    def _fill_stage_combo(self) -> None:
        loading, self._loading = self._loading, True
        chosen = self.c_stage.currentData()
        self.c_stage.clear()
        self.c_stage.addItem(NO_STAGE, None)
        for stage in self._stages():
            self.c_stage.addItem(f"{stage.get('title', '')} ({stage.get('id', '')})", stage.get("id"))
        current = self._current()
        wanted = current.get("stage") if current is not None else chosen
        index = self.c_stage.findData(wanted)
        if index < 0 and wanted:  # a stage that no longer exists: shown, so the problem can be seen and fixed
            self.c_stage.addItem(f"{wanted} (unknown stage)", wanted)
            index = self.c_stage.count() - 1
        self.c_stage.setCurrentIndex(max(index, 0))
        self._loading = loading

    def on_stage_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        stages = self._stages()
        key = ("id", "title", "description")[item.column()]
        self._set(stages[item.row()], key, item.text(), drop_empty=key == "description")
        self._fill_stage_combo()

    def add_stage(self) -> None:
        self._stages().append({"id": f"stage_{len(self._stages()) + 1}", "title": "New stage"})
        self._fill_stage_table()
        self.stage_table.setCurrentCell(self.stage_table.rowCount() - 1, 1)
        self.check_timer.start()

    def remove_stage(self) -> None:
        row = self.stage_table.currentRow()
        if 0 <= row < len(self._stages()):
            del self._stages()[row]
            self._fill_stage_table()
            self.check_timer.start()

    # ------------------------------------------------------------------ competencies

    def _label_competency(self, row: int) -> None:
        item = self.competency_list.item(row)
        if item is None:
            return
        competency = self._competencies()[row]
        flagged = any(_COMPETENCY_PATH.match(i.path) and int(_COMPETENCY_PATH.match(i.path).group(1)) == row
                      for i in self.issues)  # type: ignore[union-attr]
        kind = "gate" if competency.get("assessment", {}).get("type") == "gate" else "1–5"
        item.setText(f"{'⚠ ' if flagged else ''}{row + 1}. {competency.get('title', '') or '(untitled)'} · {kind}")

    def _fill_competency_list(self, select: int) -> None:
        self.competency_list.blockSignals(True)
        self.competency_list.clear()
        for _ in self._competencies():
            self.competency_list.addItem(QListWidgetItem())
        for row in range(self.competency_list.count()):
            self._label_competency(row)
        self.competency_list.blockSignals(False)
        if self._competencies():
            self.competency_list.setCurrentRow(min(max(select, 0), len(self._competencies()) - 1))
        self.show_competency(self.competency_list.currentRow())

    def show_competency(self, row: int) -> None:
        items = self._competencies()
        has = 0 <= row < len(items)
        for name in ("duplicate", "remove", "up", "down"):
            self.competency_buttons[name].setEnabled(has)
        if not has:
            return
        competency = items[row]
        self._loading = True
        self.c_id.setText(str(competency.get("id", "")))
        self.c_title.setText(str(competency.get("title", "")))
        self.c_description.setPlainText(str(competency.get("description", "")))
        self.c_category.setCurrentIndex(max(self.c_category.findData(competency.get("category")), 0))
        self._fill_stage_combo()
        self.c_behaviours.setPlainText("\n".join(str(b) for b in competency.get("behaviours", [])))
        own = "min_evidence_items" in competency
        self.c_own_minimum.setChecked(own)
        self.c_minimum.setEnabled(own)
        self.c_minimum.setValue(int(competency.get("min_evidence_items", self._evidence().get(
            "min_items_per_scored_competency", 1))))
        assessment = competency.get("assessment", {})
        gate = assessment.get("type") == "gate"
        self.c_type.setCurrentIndex(1 if gate else 0)
        self.scale_page.setVisible(not gate)
        self.gate_page.setVisible(gate)
        anchors = assessment.get("anchors", {})
        for level, edit in self.anchor_edits.items():
            edit.setPlainText(str(anchors.get(level, "")))
        self.g_criterion.setPlainText(str(assessment.get("criterion", "")))
        self.g_pass.setPlainText(str(assessment.get("pass_example", "")))
        self.g_fail.setPlainText(str(assessment.get("fail_example", "")))
        self._loading = False

    def add_competency(self, kind: str) -> None:
        taken = {c.get("id") for c in self._competencies()}
        number = len(taken) + 1
        while f"new_competency_{number}" in taken:
            number += 1
        assessment = ({"type": "gate", "criterion": ""} if kind == "gate"
                      else {"type": "scale", "anchors": dict.fromkeys(LEVELS, "")})
        self._competencies().append({"id": f"new_competency_{number}", "title": "New competency", "description": "",
                                     "category": "core", "behaviours": [], "assessment": assessment})
        self._fill_competency_list(len(self._competencies()) - 1)
        self.tabs.setCurrentIndex(1)
        self.c_title.setFocus()
        self.c_title.selectAll()
        self.check_timer.start()

    def duplicate_competency(self) -> None:
        current, row = self._current(), self.competency_list.currentRow()
        if current is None:
            return
        twin = copy.deepcopy(current)
        twin["id"] = f"{current.get('id', 'competency')}_copy"[:64]
        twin["title"] = f"{current.get('title', '')} (copy)"
        self._competencies().insert(row + 1, twin)
        self._stash.clear()
        self._fill_competency_list(row + 1)
        self.check_timer.start()

    def remove_competency(self) -> None:
        row = self.competency_list.currentRow()
        if 0 <= row < len(self._competencies()):
            del self._competencies()[row]
            self._stash.clear()
            self._fill_competency_list(row)
            self.check_timer.start()

    def move_competency(self, step: int) -> None:
        row = self.competency_list.currentRow()
        items = self._competencies()
        target = row + step
        if 0 <= row < len(items) and 0 <= target < len(items):
            items[row], items[target] = items[target], items[row]
            self._stash.clear()
            self._fill_competency_list(target)
            self.check_timer.start()

    # ------------------------------------------------------------------ loading the rubric fields

    def _load_rubric_fields(self) -> None:
        self._loading = True
        self.id_edit.setText(str(self.document.get("id", "")))
        self.version_edit.setText(str(self.document.get("version", "")))
        self.title_edit.setText(str(self.document.get("title", "")))
        self.description_edit.setPlainText(str(self.document.get("description", "")))
        self.model_edit.setText(str(self._model().get("name", "")))
        self.model_description_edit.setPlainText(str(self._model().get("description", "")))
        evidence = self._evidence()
        self.min_items_spin.setValue(int(evidence.get("min_items_per_scored_competency", 1)))
        self.quote_box.setChecked(bool(evidence.get("require_transcript_quote", True)))
        self.gate_evidence_box.setChecked(bool(evidence.get("gate_decision_requires_evidence", True)))
        clip = evidence.get("max_clip_seconds")
        self.clip_box.setChecked(clip is not None)
        self.clip_spin.setEnabled(clip is not None)
        self.clip_spin.setValue(float(clip or 180))
        self._loading = False
        self._fill_stage_table()

    # ------------------------------------------------------------------ checking and changes

    def check(self) -> None:
        self.check_timer.stop()
        try:
            rubrics.parse_rubric_document(self.document, "The edited rubric")
            self.issues = []
        except DocumentInvalidError as exc:
            self.issues = list(exc.issues)
        self.problem_list.clear()
        for issue in self.issues:
            item = QListWidgetItem(f"{issue.path}\n      {issue.message}")
            item.setData(Qt.ItemDataRole.UserRole, issue.path)
            self.problem_list.addItem(item)
        if not self.issues:
            self.problem_list.addItem("No problems: the rubric is valid.")
        self.tabs.setTabText(2, f"&Problems ({len(self.issues)})" if self.issues else "&Problems")
        for row in range(self.competency_list.count()):
            self._label_competency(row)
        self.changes = rubric_diff.content_changes(self.original, self.document)
        self.change_list.clear()
        self.change_list.addItems(self.changes or ["No changes yet."])
        self.tabs.setTabText(3, f"C&hanges ({len(self.changes)})" if self.changes else "C&hanges")
        self._update_save_button()

    def show_diff(self) -> None:
        """Both versions side by side, changed lines coloured, unchanged stretches folded (computed when the tab
        is looked at)."""
        summary = self.based_on.summary
        self.diff_view.setHtml(side_by_side(rubric_diff.text_lines(self.original),
                                            rubric_diff.text_lines(self.document),
                                            f"{summary.rubric_key}@{summary.version}",
                                            f"new version {self.document.get('version', '')}"))

    def _update_save_button(self) -> None:
        note = " ".join(self.note_edit.text().split())
        missing = []
        if self.issues:
            missing.append(f"fix the {len(self.issues)} problem{'s' if len(self.issues) != 1 else ''}")
        if not getattr(self, "changes", []):
            missing.append("change something")
        if len(note) < rubrics.NOTE_MIN:
            missing.append("write a change note")
        self.save_button.setEnabled(not missing)
        self.save_button.setToolTip("Save as a new version (Ctrl+S)" if not missing
                                    else "To save: " + ", ".join(missing) + ".")
        count = len(getattr(self, "changes", []))
        self.status_label.setText(
            (f"{len(self.issues)} problem{'s' if len(self.issues) != 1 else ''} — see Problems. " if self.issues
             else "Valid. ") + (f"{count} change{'s' if count != 1 else ''} from "
                                f"{self.based_on.summary.rubric_key}@{self.based_on.summary.version}."
                                if count else "No changes yet.")
            + ("" if not missing else "  To save: " + ", ".join(missing) + "."))

    def go_to_problem(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if not path:
            return
        found = _COMPETENCY_PATH.match(path)
        if found:
            self.tabs.setCurrentIndex(1)
            self.competency_list.setCurrentRow(int(found.group(1)))
            self._competency_field(found.group(2)).setFocus()
            return
        self.tabs.setCurrentIndex(0)
        stage = _STAGE_PATH.match(path)
        if stage:
            self.stage_table.setCurrentCell(int(stage.group(1)), 0)
            self.stage_table.setFocus()
            return
        widget = {"$.id": self.id_edit, "$.version": self.version_edit, "$.title": self.title_edit,
                  "$.description": self.description_edit, "$.coaching_model.name": self.model_edit,
                  "$.coaching_model.stages": self.stage_table,
                  "$.competencies": self.competency_list}.get(path, self.title_edit)
        if widget is self.competency_list:
            self.tabs.setCurrentIndex(1)
        widget.setFocus()

    def _competency_field(self, rest: str) -> QWidget:
        """The form field a competency's problem path (after `$.competencies[n]`) points at."""
        if rest.startswith(".assessment.anchors"):
            return self.anchor_edits.get(rest.rsplit(".", 1)[-1], self.anchor_edits["1"])
        fields: tuple[tuple[str, QWidget], ...] = (
            (".assessment.criterion", self.g_criterion), (".assessment.pass_example", self.g_pass),
            (".assessment.fail_example", self.g_fail), (".assessment", self.g_criterion), (".id", self.c_id),
            (".title", self.c_title), (".description", self.c_description), (".stage", self.c_stage),
            (".behaviours", self.c_behaviours), (".min_evidence_items", self.c_minimum))
        return next((widget for key, widget in fields if rest.startswith(key)), self.c_title)

    # ------------------------------------------------------------------ saving and leaving

    def save(self) -> None:
        self.check()
        if not self.save_button.isEnabled():
            show_error(self, "Not saved yet", self.save_button.toolTip())
            return
        try:
            result = rubrics.save_edited_version(self._context.database, self._context.actor,
                                                 self.based_on.summary.id, self.document, self.note_edit.text())
        except SupervisorError as exc:
            show_error(self, "Not saved", str(exc))
            return
        self.saved_id = result.rubric.id
        self.accept()

    def reject(self) -> None:
        self.check()
        if self.changes and self.saved_id is None and not confirm(
                self, "Discard the changes?", f"{len(self.changes)} change(s) are not saved as a new version. "
                "Discard them?", "Discard"):
            return
        super().reject()
