"""Rules of the trade about internal coaches: levels, supervision ratio, recertification."""

from __future__ import annotations

import calendar
import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

MAX_COACHES_PER_SUPERVISOR = 15
MIN_COACHES_PER_SUPERVISOR = 8
RECERTIFICATION_DUE_MONTHS = 12
RECERTIFICATION_OVERDUE_MONTHS = 18
NAME_MAX_LENGTH = 200
UNIT_MAX_LENGTH = 200
EMPLOYEE_ID_MAX_LENGTH = 64


def text_problems(name: str, business_unit: str, employee_id: str) -> list[tuple[str, str]]:
    """(field, problem) for a coach's text fields: empty name, too long, or control characters (a NUL from a
    broken export, a bell) that no name contains. Whitespace is expected to be collapsed already."""
    problems = []
    if not name:
        problems.append(("name", "Enter the coach's name."))
    for field, value, label, limit in (("name", name, "name", NAME_MAX_LENGTH),
                                       ("business_unit", business_unit, "business unit", UNIT_MAX_LENGTH),
                                       ("employee_id", employee_id, "employee id", EMPLOYEE_ID_MAX_LENGTH)):
        if len(value) > limit:
            problems.append((field, f"The {label} is longer than {limit} characters."))
        if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
            problems.append((field, f"The {label} contains control characters; remove them."))
    return problems


class CoachLevel(StrEnum):
    IN_TRAINING = "coach_in_training"
    CERTIFIED = "certified_internal_coach"
    SENIOR = "senior_coach"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]

    @property
    def is_certified(self) -> bool:
        return self is not CoachLevel.IN_TRAINING


_LEVEL_LABELS = {
    CoachLevel.IN_TRAINING: "Coach in Training",
    CoachLevel.CERTIFIED: "Certified Internal Coach",
    CoachLevel.SENIOR: "Senior Coach",
}


def parse_level(text: str) -> CoachLevel:
    """The level named by `text`: its value or its label, any case, spaces or underscores."""
    wanted = " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    for level in CoachLevel:
        if wanted in (level.value.replace("_", " "), level.label.lower()):
            return level
    valid = ", ".join(level.label for level in CoachLevel)
    raise ValueError(f"Unknown coach level {text!r}; use one of: {valid}.")


class RecertificationStatus(StrEnum):
    NOT_CERTIFIED = "not certified"
    UNKNOWN = "date unknown"
    CURRENT = "current"
    DUE = "due"
    OVERDUE = "overdue"


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def recertification_status(level: CoachLevel, certified_on: dt.date | None, today: dt.date) -> RecertificationStatus:
    """Recertification falls due 12 months after certification and is overdue after 18."""
    if not level.is_certified:
        return RecertificationStatus.NOT_CERTIFIED
    if certified_on is None:
        return RecertificationStatus.UNKNOWN
    if today >= add_months(certified_on, RECERTIFICATION_OVERDUE_MONTHS):
        return RecertificationStatus.OVERDUE
    if today >= add_months(certified_on, RECERTIFICATION_DUE_MONTHS):
        return RecertificationStatus.DUE
    return RecertificationStatus.CURRENT


@dataclass(frozen=True)
class SupervisionLoad:
    supervisor: str
    active_coaches: int

    @property
    def overloaded(self) -> bool:
        return self.active_coaches > MAX_COACHES_PER_SUPERVISOR

    def warning(self) -> str | None:
        if not self.overloaded:
            return None
        return (f"{self.supervisor} supervises {self.active_coaches} active coaches; the recommended ratio is "
                f"one master coach per {MIN_COACHES_PER_SUPERVISOR}–{MAX_COACHES_PER_SUPERVISOR} coaches.")


def supervision_warnings(active_counts: Mapping[str, int]) -> list[str]:
    loads = (SupervisionLoad(name, count) for name, count in sorted(active_counts.items()))
    return [warning for load in loads if (warning := load.warning())]
