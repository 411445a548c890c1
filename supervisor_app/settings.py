"""User settings: a small JSON file in the data folder, keyed by an enum, with a schema version.

A missing or unreadable file gives the defaults (a corrupt one is kept aside, never silently overwritten).
"""

from __future__ import annotations

import json
import logging
import os
from enum import StrEnum
from pathlib import Path

from supervisor_app.files import atomic_write_text

SETTINGS_SCHEMA_VERSION = 1

log = logging.getLogger(__name__)

JsonValue = str | int | float | bool | None | list[str] | dict[str, object]


class SettingKey(StrEnum):
    LAST_USERNAME = "last_username"
    WINDOW_GEOMETRY = "window_geometry"
    LAST_AREA = "last_area"
    LAST_IMPORT_FOLDER = "last_import_folder"
    SHOW_INACTIVE_COACHES = "show_inactive_coaches"
    TRANSCRIPTION = "transcription"
    CALIBRATION_RULE = "calibration_rule"  # read once, to move it into the database (program_settings)
    PSEUDONYM_KEY = "pseudonym_key"  # likewise
    EXPORT = "export"
    ROSTER_MAPPING = "roster_mapping"


DEFAULTS: dict[SettingKey, JsonValue] = {
    SettingKey.LAST_USERNAME: None,
    SettingKey.WINDOW_GEOMETRY: None,
    SettingKey.LAST_AREA: None,  # the window picks its home area (main_window.home_area)
    SettingKey.LAST_IMPORT_FOLDER: None,
    SettingKey.SHOW_INACTIVE_COACHES: False,
    SettingKey.TRANSCRIPTION: None,
    SettingKey.CALIBRATION_RULE: {"within_one_share": 0.8, "same_gate_decisions": True},
    SettingKey.PSEUDONYM_KEY: None,
    SettingKey.EXPORT: None,
    SettingKey.ROSTER_MAPPING: None,
}


class Settings:
    def __init__(self, file: Path) -> None:
        self._file = file
        self._values: dict[SettingKey, JsonValue] = dict(DEFAULTS)
        self._load()

    def _load(self) -> None:
        if not self._file.exists():
            return
        try:
            raw = json.loads(self._file.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or not isinstance(raw.get("values"), dict):
                raise ValueError("not a settings object")
        except (OSError, ValueError) as exc:
            aside = self._file.with_suffix(".corrupt.json")
            log.warning("Settings file %s unreadable (%s); kept as %s, using defaults", self._file, exc, aside)
            os.replace(self._file, aside)
            return
        for name, value in raw["values"].items():
            try:
                key = SettingKey(name)
            except ValueError:
                continue
            self._values[key] = value

    def get(self, key: SettingKey) -> JsonValue:
        return self._values[key]

    def set(self, key: SettingKey, value: JsonValue) -> None:
        self._values[key] = value
        self._save()

    def _save(self) -> None:
        payload = {"schema_version": SETTINGS_SCHEMA_VERSION,
                   "values": {key.value: value for key, value in self._values.items()}}
        atomic_write_text(self._file, json.dumps(payload, indent=2))
