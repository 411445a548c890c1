"""The demo data set: users with documented passwords, a dozen coaches, the default rubric."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select

from supervisor_app.core.coaches import parse_level
from supervisor_app.core.roles import Permission, parse_role
from supervisor_app.errors import PermissionDeniedError
from supervisor_app.paths import bundled_path
from supervisor_app.services import accounts, audit, rubrics
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import Coach, User


@dataclass(frozen=True)
class DemoResult:
    users_added: int
    coaches_added: int
    rubric_added: bool

    @property
    def message(self) -> str:
        if not (self.users_added or self.coaches_added or self.rubric_added):
            return "The demo data set is already loaded; nothing changed."
        return (f"Demo data loaded: {self.users_added} users, {self.coaches_added} coaches"
                f"{', the default rubric' if self.rubric_added else ''}.")


def demo_document() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(bundled_path("resources", "demo", "demo.json").read_text("utf-8")))


def load_demo(db: Database, actor: Actor | None) -> DemoResult:
    """Load the demo set. Into an empty database anyone may; otherwise only an administrator. Idempotent."""
    document = demo_document()
    with db.transaction() as session:
        has_users = bool(session.scalar(select(func.count()).select_from(User)))
        if has_users:
            if actor is None:
                raise PermissionDeniedError("This database already has users: log in as an administrator "
                                            "(--user) to add the demo data set.")
            require(actor, Permission.LOAD_DEMO)
        users_added = 0
        for spec in document["users"]:
            if session.scalar(select(User.id).where(User.username == spec["username"])) is None:
                accounts.insert_user(session, spec["username"], spec["display_name"], parse_role(spec["role"]),
                                      spec["password"])
                users_added += 1
        rubric = rubrics.install_default_rubric(session, actor)
        user_ids = dict(session.execute(select(User.username, User.id)).all())
        coaches_added = 0
        for spec in document["coaches"]:
            if session.scalar(select(Coach.id).where(Coach.employee_id == spec["employee_id"])) is not None:
                continue
            session.add(Coach(
                employee_id=spec["employee_id"], name=spec["name"], level=parse_level(spec["level"]).value,
                business_unit=spec["business_unit"], supervisor_id=user_ids.get(spec["supervisor"]),
                active=spec.get("active", True),
                certified_on=dt.date.fromisoformat(spec["certified_on"]) if spec.get("certified_on") else None,
            ))
            coaches_added += 1
        result = DemoResult(users_added, coaches_added, rubric.created)
        audit.record(session, actor, "demo.load", "database", "demo",
                     {"users": users_added, "coaches": coaches_added, "rubric": rubric.created})
        return result
