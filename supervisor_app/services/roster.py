"""Coach roster import from an HRIS export (CSV or XLSX): map columns, preview with row errors, then upsert.

Nothing changes unless every row is valid, or the user chose to skip the invalid ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from supervisor_app.core.coaches import parse_level, text_problems
from supervisor_app.core.roles import Permission, Role
from supervisor_app.errors import ValidationError
from supervisor_app.services import coaches
from supervisor_app.services.agreement_files import read_table
from supervisor_app.services.coaches import CoachInput
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import Coach, User

FIELDS = ("employee_id", "name", "level", "business_unit", "supervisor", "certified_on", "active")
REQUIRED = ("employee_id", "name", "level")
SYNONYMS = {
    "employee_id": ("employee id", "employee_id", "employee number", "emp id", "id", "personnel number"),
    "name": ("name", "full name", "coach", "coach name", "employee name"),
    "level": ("level", "coach level", "grade"),
    "business_unit": ("business unit", "unit", "department", "division", "bu"),
    "supervisor": ("supervisor", "master coach", "assigned supervisor"),
    "certified_on": ("certified on", "certification date", "certified", "certification"),
    "active": ("active", "status", "in program"),
}


@dataclass
class RosterRow:
    line: int
    employee_id: str
    data: CoachInput | None
    errors: list[str] = field(default_factory=list)
    action: str = ""  # create, update, unchanged


@dataclass
class RosterPreview:
    rows: list[RosterRow]
    mapping: dict[str, str]

    @property
    def invalid(self) -> list[RosterRow]:
        return [r for r in self.rows if r.errors]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if not r.errors and r.action == action)


def _by_lower_case(header: list[str]) -> dict[str, str]:
    """The file's column names, keyed by their trimmed lower-case form (matching is case-blind)."""
    return {h.strip().lower(): h.strip() for h in header if h.strip()}


def _mapping(header: list[str], given: dict[str, str] | None) -> dict[str, str]:
    lowered = _by_lower_case(header)
    for name, column in (given or {}).items():
        if column.strip() and column.strip().lower() not in lowered:
            raise ValidationError(f"The file has no column {column!r} (for {name}); columns: "
                                  f"{', '.join(lowered.values())}.")
    mapping = {name: column for name, column in guess_mapping(header, given).items() if column}
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        raise ValidationError(f"No column found for {', '.join(missing)}; choose the file's column for each (on the "
                              "command line: --map name='Full name'). "
                              f"Columns in the file: {', '.join(lowered.values())}.")
    return mapping


def _active(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("", "yes", "y", "true", "1", "active"):
        return True
    if value in ("no", "n", "false", "0", "inactive", "left"):
        return False
    return None


EXPECTED = "employee id, name, level (and optionally business unit, supervisor, certified on, active)"


def read_file(path: Path) -> list[list[str]]:
    """The export's cells as text, header row first (CSV, or the first sheet of an XLSX); a clear error otherwise.
    Read once, then previewed under as many mappings as the user tries."""
    return read_table(path, EXPECTED)


def guess_mapping(header: list[str], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """Field -> column: the remembered choice where the file has that column, else a guess from common names."""
    present = _by_lower_case(header)
    mapping = {}
    for name in FIELDS:
        wanted = (remembered or {}).get(name)
        if wanted is not None and (not wanted.strip() or wanted.strip().lower() in present):
            mapping[name] = present.get(wanted.strip().lower(), "")
            continue
        found = next((present[s] for s in SYNONYMS[name] if s in present), None)
        if found is not None:
            mapping[name] = found
    return mapping


def preview(db: Database, actor: Actor, table: list[list[str]], mapping: dict[str, str] | None = None
            ) -> RosterPreview:
    """Check every row of a file read by `read_file` against the roster; nothing is stored."""
    require(actor, Permission.MANAGE_COACHES)
    header = table[0]
    chosen = _mapping(header, mapping)
    index = {name: [h.strip() for h in header].index(column) for name, column in chosen.items()}
    with db.transaction() as session:
        supervisors = {u.username.lower(): u.id for u in session.scalars(
            select(User).where(User.role == Role.SUPERVISOR.value, User.active.is_(True)))}
        supervisors |= {u.display_name.lower(): u.id for u in session.scalars(
            select(User).where(User.role == Role.SUPERVISOR.value, User.active.is_(True)))}
        existing = {c.employee_id: c for c in session.scalars(select(Coach).where(Coach.employee_id.is_not(None)))}
        snapshot = {key: (c.name, c.level, c.business_unit, c.supervisor_id, c.certified_on, c.active)
                    for key, c in existing.items()}
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        value = {name: (cells[i].strip() if i < len(cells) else "") for name, i in index.items()}
        row = RosterRow(line, value["employee_id"], None)
        rows.append(row)
        if not row.employee_id:
            row.errors.append("missing employee id")
        elif row.employee_id in seen:
            row.errors.append(f"duplicate employee id {row.employee_id!r} (also on line {seen[row.employee_id]})")
        else:
            seen[row.employee_id] = line
        if not value["name"]:
            row.errors.append("missing name")
        else:
            row.errors += [problem for _field, problem in text_problems(
                " ".join(value["name"].split()), " ".join(value.get("business_unit", "").split()), row.employee_id)]
        try:
            level = parse_level(value["level"])
        except ValueError as exc:
            row.errors.append(str(exc))
            continue
        supervisor_id = None
        if value.get("supervisor"):
            supervisor_id = supervisors.get(value["supervisor"].lower())
            if supervisor_id is None:
                row.errors.append(f"no active supervisor called {value['supervisor']!r}")
        certified_on = None
        if value.get("certified_on"):
            try:
                certified_on = dt.date.fromisoformat(value["certified_on"][:10])
            except ValueError:
                row.errors.append(f"certification date {value['certified_on']!r} is not YYYY-MM-DD")
        if certified_on is not None and (certified_on > dt.date.today() or not level.is_certified):
            row.errors.append("a certification date must be in the past and belongs to a certified level")
        active = _active(value.get("active", ""))
        if active is None:
            row.errors.append(f"active {value.get('active')!r} is not yes or no")
        if row.errors:
            continue
        row.data = CoachInput(value["name"], level, value.get("business_unit", ""), supervisor_id, certified_on,
                              row.employee_id, bool(active))
        before = snapshot.get(row.employee_id)
        after = (" ".join(row.data.name.split()), level.value, " ".join(row.data.business_unit.split()),
                 supervisor_id, certified_on, row.data.active)
        row.action = "create" if before is None else "unchanged" if before == after else "update"
    return RosterPreview(rows, chosen)


def apply(db: Database, actor: Actor, plan: RosterPreview, *, skip_invalid: bool = False) -> dict[str, int]:
    """Upsert the valid rows. Refused (nothing changes) when rows are invalid and skipping was not chosen."""
    require(actor, Permission.MANAGE_COACHES)
    if plan.invalid and not skip_invalid:
        raise ValidationError(f"{len(plan.invalid)} row(s) are invalid; fix them or choose to skip them. "
                              "Nothing was imported.")
    with db.transaction() as session:
        ids = dict(session.execute(select(Coach.employee_id, Coach.id).where(Coach.employee_id.is_not(None))).all())
    changes = [(row.line, ids.get(row.employee_id), row.data) for row in plan.rows
               if not row.errors and row.data is not None and row.action != "unchanged"]
    coaches.save_many(db, actor, changes, "roster import")
    return {"created": sum(1 for _line, coach_id, _d in changes if coach_id is None),
            "updated": sum(1 for _line, coach_id, _d in changes if coach_id is not None),
            "unchanged": plan.count("unchanged"), "skipped": len(plan.invalid)}
