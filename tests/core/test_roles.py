from __future__ import annotations

import pytest

from supervisor_app.core.roles import Permission, Role, allows, parse_role


def test_admin_may_do_everything() -> None:
    assert all(allows(Role.ADMIN, p) for p in Permission)


@pytest.mark.parametrize(("role", "permission", "expected"), [
    (Role.SUPERVISOR, Permission.MANAGE_COACHES, True),
    (Role.SUPERVISOR, Permission.MANAGE_USERS, False),
    (Role.RATER, Permission.VIEW_RUBRICS, True),
    (Role.RATER, Permission.VIEW_COACHES, False),
    (Role.HR_VIEWER, Permission.VIEW_COACHES, True),
    (Role.HR_VIEWER, Permission.MANAGE_COACHES, False),
    (Role.HR_VIEWER, Permission.IMPORT_RUBRICS, False),
])
def test_role_matrix(role: Role, permission: Permission, expected: bool) -> None:
    assert allows(role, permission) is expected


def test_parse_role() -> None:
    assert parse_role("HR viewer") is Role.HR_VIEWER
    assert parse_role("rater") is Role.RATER
    with pytest.raises(ValueError, match="hr_viewer"):
        parse_role("boss")
