"""Transcription settings: model, language, compute type, threads, beam size, batching, VAD filter, word
timestamps."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from supervisor_app.errors import SupervisorError
from supervisor_app.media.transcribe import BUNDLED, COMPUTE_TYPES, TranscriptionSettings
from supervisor_app.settings import SettingKey, Settings
from supervisor_app.ui.widgets.labels import finish_form


def load_settings(settings: Settings) -> TranscriptionSettings:
    stored = settings.get(SettingKey.TRANSCRIPTION)
    try:
        return TranscriptionSettings.from_dict(stored) if isinstance(stored, dict) else TranscriptionSettings()
    except SupervisorError:
        return TranscriptionSettings()


class TranscriptionSettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        current = load_settings(settings)
        self.setWindowTitle("Transcription settings")
        self.setMinimumWidth(520)
        self.model_edit = QLineEdit("" if current.model == BUNDLED else current.model)
        self.model_edit.setPlaceholderText("bundled Whisper base (recommended)")
        browse = QPushButton("Folder…")
        browse.clicked.connect(self.on_browse_clicked)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_edit, 1)
        model_row.addWidget(browse)
        self.language_edit = QLineEdit(current.language or "")
        self.language_edit.setPlaceholderText("detect automatically (or e.g. en, de, fr)")
        self.compute_combo = QComboBox()
        self.compute_combo.addItems(list(COMPUTE_TYPES))
        self.compute_combo.setCurrentText(current.compute_type)
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(0, 64)
        self.threads_spin.setSpecialValueText("all cores")
        self.threads_spin.setValue(current.threads)
        self.beam_spin = QSpinBox()
        self.beam_spin.setRange(1, 10)
        self.beam_spin.setValue(current.beam_size)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(0, 32)
        self.batch_spin.setSpecialValueText("off (one window after the other)")
        self.batch_spin.setValue(current.batch_size)
        self.batch_spin.setToolTip("How many 30-second windows of speech are decoded side by side (needs the VAD "
                                   "filter): faster on a laptop's processor; off decodes them one after the other")
        self.vad_check = QCheckBox("Skip silence and music (VAD filter; prevents invented text)")
        self.vad_check.setChecked(current.vad_filter)
        self.words_check = QCheckBox("Word timestamps (needed to quote evidence precisely)")
        self.words_check.setChecked(current.word_timestamps)
        self.compute_combo.setToolTip("How precisely the model computes: int8 (8-bit whole numbers) is the fastest "
                                      "on a laptop's processor and as accurate for speech; float32 is slower")
        self.beam_spin.setToolTip("How many candidate transcriptions the model keeps open at each step (the beam "
                                  "size): more is slower and only slightly more accurate; 1 is fastest")
        model_label = QLabel("&Model")
        model_label.setBuddy(self.model_edit)  # the field is a row (text and button): the label needs its buddy
        form = QFormLayout()
        form.addRow(model_label, model_row)
        form.addRow("&Language", self.language_edit)
        form.addRow("&Precision (compute type)", self.compute_combo)
        form.addRow("&Threads", self.threads_spin)
        form.addRow("&Search breadth (beam size)", self.beam_spin)
        form.addRow("&Batching (windows at once)", self.batch_spin)
        form.addRow("", self.vad_check)
        form.addRow("", self.words_check)
        note = QLabel("A model name such as 'small' would need a download, which this app never does: use the "
                      "bundled model or a folder with a Whisper model converted for faster-whisper (the "
                      "CTranslate2 format: model.bin, config.json, tokenizer.json, vocabulary).")
        note.setObjectName("hintLabel")
        note.setWordWrap(True)
        self.error_label = finish_form(self, form, note)

    def on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "CTranslate2 Whisper model folder")
        if folder:
            self.model_edit.setText(folder)

    def chosen(self) -> TranscriptionSettings:
        return dataclasses.replace(
            TranscriptionSettings(), model=self.model_edit.text().strip() or BUNDLED,
            language=self.language_edit.text().strip().lower() or None,
            compute_type=self.compute_combo.currentText(), threads=self.threads_spin.value(),
            beam_size=self.beam_spin.value(), batch_size=self.batch_spin.value(),
            vad_filter=self.vad_check.isChecked(),
            word_timestamps=self.words_check.isChecked(),
        ).validated()

    def on_buttons_accepted(self) -> None:
        try:
            chosen = self.chosen()
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self._settings.set(SettingKey.TRANSCRIPTION, chosen.as_dict())
        self.accept()
