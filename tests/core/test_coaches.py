from __future__ import annotations

import datetime as dt

import pytest

from supervisor_app.core.coaches import (
    CoachLevel,
    RecertificationStatus,
    add_months,
    parse_level,
    recertification_status,
    supervision_warnings,
)


@pytest.mark.parametrize(("text", "level"), [
    ("Senior Coach", CoachLevel.SENIOR), ("senior_coach", CoachLevel.SENIOR),
    ("certified internal coach", CoachLevel.CERTIFIED), ("  Coach-in-Training ", CoachLevel.IN_TRAINING),
])
def test_parse_level_accepts_labels_and_values(text: str, level: CoachLevel) -> None:
    assert parse_level(text) is level


def test_parse_level_lists_valid_levels() -> None:
    with pytest.raises(ValueError, match="Senior Coach"):
        parse_level("Grandmaster")


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 1, 15), 18) == dt.date(2026, 7, 15)


@pytest.mark.parametrize(("certified", "today", "expected"), [
    (dt.date(2025, 6, 1), dt.date(2026, 5, 31), RecertificationStatus.CURRENT),
    (dt.date(2025, 6, 1), dt.date(2026, 6, 1), RecertificationStatus.DUE),
    (dt.date(2025, 6, 1), dt.date(2026, 11, 30), RecertificationStatus.DUE),
    (dt.date(2025, 6, 1), dt.date(2026, 12, 1), RecertificationStatus.OVERDUE),
    (None, dt.date(2026, 12, 1), RecertificationStatus.UNKNOWN),
])
def test_recertification_window_is_12_to_18_months(certified: dt.date | None, today: dt.date,
                                                    expected: RecertificationStatus) -> None:
    assert recertification_status(CoachLevel.CERTIFIED, certified, today) is expected


def test_coach_in_training_is_not_certified() -> None:
    assert recertification_status(CoachLevel.IN_TRAINING, None, dt.date(2026, 1, 1)) is \
        RecertificationStatus.NOT_CERTIFIED


def test_supervision_warning_only_above_fifteen() -> None:
    assert supervision_warnings({"Maria": 15, "James": 3}) == []
    [warning] = supervision_warnings({"Maria": 16, "James": 3})
    assert "Maria supervises 16 active coaches" in warning
    assert "8–15" in warning
