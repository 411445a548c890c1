"""Internal coaches: the people whose sessions are reviewed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supervisor_app.core.coaches import (
    CoachLevel,
    RecertificationStatus,
    recertification_status,
    supervision_warnings,
    text_problems,
)
from supervisor_app.core.roles import Permission, Role
from supervisor_app.errors import ConflictError, NotFoundError, SupervisorError, ValidationError
from supervisor_app.services import audit
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import Coach, User


@dataclass(frozen=True)
class CoachInput:
    name: str
    level: CoachLevel
    business_unit: str = ""
    supervisor_id: int | None = None
    certified_on: dt.date | None = None
    employee_id: str | None = None
    active: bool = True


@dataclass(frozen=True)
class CoachRow:
    id: int
    name: str
    employee_id: str | None
    level: CoachLevel
    business_unit: str
    supervisor_id: int | None
    supervisor_name: str
    active: bool
    certified_on: dt.date | None
    recertification: RecertificationStatus

    def as_input(self) -> CoachInput:
        return CoachInput(self.name, self.level, self.business_unit, self.supervisor_id, self.certified_on,
                          self.employee_id, self.active)


@dataclass(frozen=True)
class CoachSaved:
    coach: CoachRow
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SupervisorChoice:
    id: int
    display_name: str


def _row(coach: Coach, today: dt.date) -> CoachRow:
    level = CoachLevel(coach.level)
    return CoachRow(
        id=coach.id, name=coach.name, employee_id=coach.employee_id, level=level,
        business_unit=coach.business_unit, supervisor_id=coach.supervisor_id,
        supervisor_name=coach.supervisor.display_name if coach.supervisor else "",
        active=coach.active, certified_on=coach.certified_on,
        recertification=recertification_status(level, coach.certified_on, today),
    )


def _validated(session: Session, data: CoachInput, today: dt.date, coach_id: int | None) -> CoachInput:
    name = " ".join(data.name.split())
    unit = " ".join(data.business_unit.split())
    employee_id = (data.employee_id or "").strip() or None
    for field_name, problem in text_problems(name, unit, employee_id or ""):
        raise ValidationError(problem, field=field_name)
    if employee_id is not None:
        clash = session.scalar(select(Coach).where(Coach.employee_id == employee_id, Coach.id != (coach_id or -1)))
        if clash is not None:
            raise ConflictError(f"Employee id {employee_id!r} already belongs to {clash.name}.")
    if data.certified_on is not None:
        if data.certified_on > today:
            raise ValidationError("The certification date is in the future.", field="certified_on")
        if not data.level.is_certified:
            raise ValidationError("A Coach in Training has no certification date: clear the date or choose a "
                                  "certified level.", field="certified_on")
    if data.supervisor_id is not None:
        supervisor = session.get(User, data.supervisor_id)
        if supervisor is None or supervisor.role != Role.SUPERVISOR.value:
            raise ValidationError("The assigned supervisor must be a user with the supervisor role.",
                                  field="supervisor_id")
        if not supervisor.active:
            raise ValidationError(f"{supervisor.display_name} is deactivated; choose an active supervisor.",
                                  field="supervisor_id")
    return CoachInput(name, data.level, unit, data.supervisor_id, data.certified_on, employee_id, data.active)


def _load_warnings(session: Session, supervisor_id: int | None) -> list[str]:
    if supervisor_id is None:
        return []
    count = session.scalar(select(func.count()).select_from(Coach)
                           .where(Coach.supervisor_id == supervisor_id, Coach.active.is_(True))) or 0
    supervisor = session.get(User, supervisor_id)
    name = supervisor.display_name if supervisor else f"user {supervisor_id}"
    return supervision_warnings({name: count})


_AUDITED_FIELDS = ("name", "level", "business_unit", "supervisor_id", "certified_on", "employee_id", "active")


def _snapshot(coach: Coach) -> dict[str, str]:
    return {name: str(getattr(coach, name)) for name in _AUDITED_FIELDS}


def _apply(coach: Coach, data: CoachInput) -> dict[str, str]:
    """Copy validated input onto the record; return the fields that changed, for the audit trail."""
    before = _snapshot(coach)
    coach.name, coach.level, coach.business_unit = data.name, data.level.value, data.business_unit
    coach.supervisor_id, coach.certified_on = data.supervisor_id, data.certified_on
    coach.employee_id, coach.active = data.employee_id, data.active
    return {key: value for key, value in _snapshot(coach).items() if before.get(key) != value}


def _today() -> dt.date:
    return dt.date.today()


def list_coaches(db: Database, actor: Actor, *, include_inactive: bool = False) -> list[CoachRow]:
    require(actor, Permission.VIEW_COACHES)
    today = _today()
    with db.transaction() as session:
        query = select(Coach).order_by(Coach.name, Coach.id)
        if not include_inactive:
            query = query.where(Coach.active.is_(True))
        return [_row(c, today) for c in session.scalars(query)]


def get_coach(db: Database, actor: Actor, coach_id: int) -> CoachRow:
    require(actor, Permission.VIEW_COACHES)
    with db.transaction() as session:
        return _row(_get(session, coach_id), _today())


def _get(session: Session, coach_id: int) -> Coach:
    coach = session.get(Coach, coach_id)
    if coach is None:
        raise NotFoundError(f"There is no coach with id {coach_id}.")
    return coach


def add_coach(db: Database, actor: Actor, data: CoachInput) -> CoachSaved:
    require(actor, Permission.MANAGE_COACHES)
    today = _today()
    with db.transaction() as session:
        clean = _validated(session, data, today, None)
        coach = Coach()
        changes = _apply(coach, clean)
        session.add(coach)
        session.flush()
        audit.record(session, actor, "coach.create", "coach", coach.id, changes)
        return CoachSaved(_row(coach, today), _load_warnings(session, coach.supervisor_id))


def update_coach(db: Database, actor: Actor, coach_id: int, data: CoachInput, reason: str = "") -> CoachSaved:
    require(actor, Permission.MANAGE_COACHES)
    today = _today()
    with db.transaction() as session:
        coach = _get(session, coach_id)
        clean = _validated(session, data, today, coach_id)
        changes = _apply(coach, clean)
        if changes:
            session.flush()
            audit.record(session, actor, "coach.update", "coach", coach.id, changes, reason)
        session.refresh(coach)
        return CoachSaved(_row(coach, today), _load_warnings(session, coach.supervisor_id))


def save_many(db: Database, actor: Actor, items: list[tuple[int, int | None, CoachInput]], reason: str) -> None:
    """Create (id None) or update many coaches in ONE transaction: any invalid item changes nothing.

    Items are (source line, coach id or None, data); an error names the line.
    """
    require(actor, Permission.MANAGE_COACHES)
    today = _today()
    with db.transaction() as session:
        for line, coach_id, data in items:
            try:
                clean = _validated(session, data, today, coach_id)
            except SupervisorError as exc:
                raise ValidationError(f"Line {line}: {exc} Nothing was imported.") from exc
            coach = Coach() if coach_id is None else _get(session, coach_id)
            changes = _apply(coach, clean)
            if coach_id is None:
                session.add(coach)
            session.flush()
            audit.record(session, actor, "coach.create" if coach_id is None else "coach.update", "coach", coach.id,
                         changes, reason)


def set_coach_active(db: Database, actor: Actor, coach_id: int, active: bool, reason: str = "") -> CoachSaved:
    current = get_coach(db, actor, coach_id)
    return update_coach(db, actor, coach_id, dataclasses.replace(current.as_input(), active=active), reason)


def supervisor_choices(db: Database, actor: Actor) -> list[SupervisorChoice]:
    require(actor, Permission.VIEW_COACHES)
    with db.transaction() as session:
        users = session.scalars(select(User).where(User.role == Role.SUPERVISOR.value, User.active.is_(True))
                                .order_by(User.display_name))
        return [SupervisorChoice(u.id, u.display_name) for u in users]


def supervision_load_warnings(db: Database, actor: Actor) -> list[str]:
    """One warning per supervisor above the recommended ratio of active coaches."""
    require(actor, Permission.VIEW_COACHES)
    with db.transaction() as session:
        rows = session.execute(
            select(User.display_name, func.count(Coach.id))
            .join(Coach, Coach.supervisor_id == User.id)
            .where(Coach.active.is_(True))
            .group_by(User.id, User.display_name)
        ).all()
        return supervision_warnings(dict(rows))


def find_coach(db: Database, actor: Actor, reference: str) -> CoachRow:
    """The coach named by id, employee id or full name (any case), for the CLI."""
    require(actor, Permission.VIEW_COACHES)
    wanted = reference.strip()
    rows = list_coaches(db, actor, include_inactive=True)
    matches = [r for r in rows if wanted in (str(r.id), r.employee_id or "") or r.name.lower() == wanted.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(f"No coach matches {reference!r}; give an id, an employee id or the full name "
                            "(supervisor-app coach list shows them).")
    raise ValidationError(f"{len(matches)} coaches match {reference!r}; give the id instead.")


def link_account(db: Database, actor: Actor, coach_id: int, username: str | None) -> str:
    """Record which app account is this coach's own (a lead coach who also scores), so that assignments never
    give them their own sessions; None removes the link. Returns a sentence saying what is recorded."""
    require(actor, Permission.MANAGE_COACHES)
    with db.transaction() as session:
        coach = _get(session, coach_id)
        user = None
        if username is not None:
            user = session.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None:
                raise NotFoundError(f"There is no user named {username!r}.")
            other = session.scalar(select(Coach.name).where(Coach.user_id == user.id, Coach.id != coach_id))
            if other is not None:
                raise ConflictError(f"{user.display_name} is already linked to the coach {other}.")
        coach.user_id = user.id if user else None
        audit.record(session, actor, "coach.link_account", "coach", coach.id, {"user": user.username if user else None})
        return (f"{coach.name}'s own account is {user.display_name} ({user.username}): never their own reviewer."
                if user else f"{coach.name} has no linked account.")
