"""The acting user, as every service function receives it, and the permission check."""

from __future__ import annotations

from dataclasses import dataclass

from supervisor_app.core.roles import Permission, Role, allows
from supervisor_app.errors import PermissionDeniedError


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise PermissionDeniedError(
            f"{actor.display_name} ({actor.role.label}) may not {permission.value.replace('_', ' ')}. "
            "Ask an administrator if you need this."
        )
