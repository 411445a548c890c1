"""Edit one evidence item: its time range, the quoted words, a tag and a note."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QPlainTextEdit,
    QWidget,
)

from supervisor_app.core.reviews import Evidence, Tag
from supervisor_app.ui.widgets.labels import finish_form


class EvidenceDialog(QDialog):
    def __init__(self, item: Evidence, duration_s: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._item = item
        self.setWindowTitle("Evidence")
        self.setMinimumWidth(520)
        self.start_spin = QDoubleSpinBox()
        self.end_spin = QDoubleSpinBox()
        for spin, value in ((self.start_spin, item.start_s), (self.end_spin, item.end_s)):
            spin.setRange(0.0, duration_s)
            spin.setDecimals(1)
            spin.setSuffix(" s")
            spin.setValue(value)
        self.quote_edit = QPlainTextEdit(item.quote)
        self.quote_edit.setMaximumHeight(80)
        self.tag_combo = QComboBox()
        self.tag_combo.addItem("(no tag)", "")
        for tag in Tag:
            self.tag_combo.addItem(tag.value, tag.value)
        self.tag_combo.setCurrentIndex(max(self.tag_combo.findData(item.tag), 0))
        self.note_edit = QPlainTextEdit(item.note)
        self.note_edit.setMaximumHeight(80)
        form = QFormLayout()
        form.addRow("&Start", self.start_spin)
        form.addRow("&End", self.end_spin)
        form.addRow("&Quote", self.quote_edit)
        form.addRow("&Tag", self.tag_combo)
        form.addRow("&Note", self.note_edit)
        self.error_label = finish_form(self, form, accept_text="OK")

    def value(self) -> Evidence:
        return Evidence(self._item.competency_id, self.start_spin.value(), self.end_spin.value(),
                        " ".join(self.quote_edit.toPlainText().split()), str(self.tag_combo.currentData()),
                        self.note_edit.toPlainText().strip(), self._item.id)

    def on_buttons_accepted(self) -> None:
        if self.end_spin.value() <= self.start_spin.value():
            self.error_label.show_message("The end must come after the start.")
            return
        self.accept()
