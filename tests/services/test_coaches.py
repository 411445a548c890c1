from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from supervisor_app.core.coaches import CoachLevel, RecertificationStatus
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.services import coaches
from supervisor_app.services.coaches import CoachInput
from supervisor_app.store.db import Database
from tests.conftest import login


def maria_id(db: Database) -> int:
    admin = login(db, "admin")
    return next(c.id for c in coaches.supervisor_choices(db, admin) if c.display_name == "Maria Lopez")


def test_demo_roster(demo_db: Database) -> None:
    admin = login(demo_db, "admin")
    active = coaches.list_coaches(demo_db, admin)
    everyone = coaches.list_coaches(demo_db, admin, include_inactive=True)
    assert len(everyone) == 12
    assert len(active) == 11
    assert {c.level for c in everyone} == set(CoachLevel)


def test_add_edit_deactivate(demo_db: Database) -> None:
    maria = login(demo_db, "maria")
    saved = coaches.add_coach(demo_db, maria, CoachInput("  Ana   Lima ", CoachLevel.CERTIFIED, "Legal",
                                                         maria_id(demo_db), dt.date(2026, 1, 5), "E2001"))
    assert saved.coach.name == "Ana Lima"
    assert saved.coach.supervisor_name == "Maria Lopez"
    assert saved.warnings == []
    edited = coaches.update_coach(demo_db, maria, saved.coach.id,
                                  dataclasses.replace(saved.coach.as_input(), level=CoachLevel.SENIOR))
    assert edited.coach.level is CoachLevel.SENIOR
    coaches.set_coach_active(demo_db, maria, saved.coach.id, False, "left the company")
    assert saved.coach.id not in [c.id for c in coaches.list_coaches(demo_db, maria)]
    assert not coaches.get_coach(demo_db, maria, saved.coach.id).active


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"certified_on": dt.date.today() + dt.timedelta(days=1)}, "certified_on"),
    ({"level": CoachLevel.IN_TRAINING, "certified_on": dt.date(2025, 1, 1)}, "certified_on"),
    ({"employee_id": "E" * 65}, "employee_id"),
])
def test_invalid_input_changes_nothing(demo_db: Database, change: dict[str, object], field: str) -> None:
    admin = login(demo_db, "admin")
    before = coaches.list_coaches(demo_db, admin, include_inactive=True)
    data = dataclasses.replace(CoachInput("Valid Name", CoachLevel.CERTIFIED, certified_on=dt.date(2025, 1, 1)),
                               **change)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        coaches.add_coach(demo_db, admin, data)
    assert caught.value.field == field
    first = before[0]
    with pytest.raises(ValidationError):
        coaches.update_coach(demo_db, admin, first.id, dataclasses.replace(first.as_input(), **change))  # type: ignore[arg-type]
    assert coaches.list_coaches(demo_db, admin, include_inactive=True) == before


def test_supervisor_must_have_the_supervisor_role(demo_db: Database) -> None:
    admin = login(demo_db, "admin")
    with pytest.raises(ValidationError, match="supervisor role"):
        coaches.add_coach(demo_db, admin, CoachInput("Ana", CoachLevel.IN_TRAINING, supervisor_id=admin.user_id))


def test_duplicate_employee_id(demo_db: Database) -> None:
    admin = login(demo_db, "admin")
    with pytest.raises(ConflictError, match="Daniel Fischer"):
        coaches.add_coach(demo_db, admin, CoachInput("Ana", CoachLevel.IN_TRAINING, employee_id="E1001"))


def test_unknown_coach(demo_db: Database) -> None:
    with pytest.raises(NotFoundError):
        coaches.get_coach(demo_db, login(demo_db, "admin"), 9999)


def test_warning_above_fifteen_active_coaches(demo_db: Database) -> None:
    admin = login(demo_db, "admin")
    maria = maria_id(demo_db)
    current = sum(1 for c in coaches.list_coaches(demo_db, admin) if c.supervisor_id == maria)
    saved = None
    for n in range(15 - current):
        saved = coaches.add_coach(demo_db, admin, CoachInput(f"Coach {n}", CoachLevel.IN_TRAINING, supervisor_id=maria))
        assert saved.warnings == []
    saved = coaches.add_coach(demo_db, admin, CoachInput("Sixteenth", CoachLevel.IN_TRAINING, supervisor_id=maria))
    assert saved.warnings
    assert "Maria Lopez supervises 16 active coaches" in saved.warnings[0]
    assert coaches.supervision_load_warnings(demo_db, admin) == saved.warnings
    coaches.set_coach_active(demo_db, admin, saved.coach.id, False)
    assert coaches.supervision_load_warnings(demo_db, admin) == []


def test_roles(demo_db: Database) -> None:
    rater, hr = login(demo_db, "aisha"), login(demo_db, "helen")
    with pytest.raises(PermissionDeniedError):
        coaches.list_coaches(demo_db, rater)
    assert len(coaches.list_coaches(demo_db, hr)) == 11
    with pytest.raises(PermissionDeniedError):
        coaches.add_coach(demo_db, hr, CoachInput("Ana", CoachLevel.IN_TRAINING))


def test_recertification_is_computed(demo_db: Database) -> None:
    rows = {c.name: c for c in coaches.list_coaches(demo_db, login(demo_db, "admin"))}
    assert rows["Sofia Rossi"].recertification is RecertificationStatus.NOT_CERTIFIED
    assert rows["Daniel Fischer"].recertification is RecertificationStatus.OVERDUE  # certified 2024-03-14
