from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supervisor_app.core.roles import Role
from supervisor_app.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from supervisor_app.services import accounts, rubrics
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from supervisor_app.store.models import AuditEvent, User
from tests.conftest import login


def user_count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_first_admin_gets_argon2id_hash_and_the_default_rubric(db: Database) -> None:
    assert accounts.needs_first_admin(db)
    actor = accounts.create_first_admin(db, "  Priya ", "Priya Shah", "correct-horse")
    assert actor.username == "priya"
    assert actor.role is Role.ADMIN
    with db.transaction() as session:
        assert session.scalars(select(User.password_hash)).one().startswith("$argon2id$")
    assert [r.rubric_key for r in rubrics.list_rubrics(db, actor)] == ["grow-icf-core"]
    assert not accounts.needs_first_admin(db)


def test_second_first_admin_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ConflictError):
        accounts.create_first_admin(db, "mallory", "Mallory", "correct-horse")
    assert user_count(db) == 1


@pytest.mark.parametrize(("username", "password", "field"), [
    ("x", "long-enough", "username"),
    ("bad name", "long-enough", "username"),
    ("alice", "short", "password"),
    ("alice1234", "ALICE1234", "password"),
])
def test_bad_first_admin_input_changes_nothing(db: Database, username: str, password: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        accounts.create_first_admin(db, username, "", password)
    assert caught.value.field == field
    assert user_count(db) == 0


def test_authentication(db: Database, admin: Actor) -> None:
    assert accounts.authenticate(db, "ROOT", "correct-horse").user_id == admin.user_id
    with pytest.raises(AuthenticationError, match="wrong password"):
        accounts.authenticate(db, "root", "wrong")
    with pytest.raises(AuthenticationError, match="wrong password"):
        accounts.authenticate(db, "nobody", "correct-horse")


def test_deactivated_user_cannot_sign_in(db: Database, admin: Actor) -> None:
    row = accounts.create_user(db, admin, "tom", "Tom", Role.RATER, "tom-password")
    accounts.update_user(db, admin, row.id, active=False)
    with pytest.raises(AuthenticationError, match="deactivated"):
        accounts.authenticate(db, "tom", "tom-password")


def test_only_admins_manage_users(demo_db: Database) -> None:
    for name in ("maria", "aisha", "helen"):
        actor = login(demo_db, name)
        with pytest.raises(PermissionDeniedError):
            accounts.list_users(demo_db, actor)
        with pytest.raises(PermissionDeniedError):
            accounts.create_user(demo_db, actor, "eve", "Eve", Role.ADMIN, "eve-password")
    assert user_count(demo_db) == 7


def test_duplicate_user_name(db: Database, admin: Actor) -> None:
    with pytest.raises(ConflictError, match="already exists"):
        accounts.create_user(db, admin, "Root", "Other", Role.RATER, "other-password")


def test_last_admin_is_protected(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="last active administrator"):
        accounts.update_user(db, admin, admin.user_id, role=Role.RATER)
    with pytest.raises(ValidationError, match="your own account"):
        accounts.update_user(db, admin, admin.user_id, active=False)
    second = accounts.create_user(db, admin, "second", "Second", Role.ADMIN, "second-password")
    accounts.update_user(db, admin, admin.user_id, role=Role.SUPERVISOR)
    assert accounts.authenticate(db, "second", "second-password").user_id == second.id


def test_password_changes(db: Database, admin: Actor) -> None:
    rater = accounts.create_user(db, admin, "tom", "Tom", Role.RATER, "tom-password")
    tom = accounts.authenticate(db, "tom", "tom-password")
    with pytest.raises(AuthenticationError, match="current password"):
        accounts.set_password(db, tom, rater.id, "new-password", current_password="guess")
    accounts.set_password(db, tom, rater.id, "new-password", current_password="tom-password")
    accounts.authenticate(db, "tom", "new-password")
    with pytest.raises(PermissionDeniedError):
        accounts.set_password(db, tom, admin.user_id, "hijacked-password")
    accounts.set_password(db, admin, rater.id, "reset-by-admin")
    accounts.authenticate(db, "tom", "reset-by-admin")


def test_user_changes_are_audited(db: Database, admin: Actor) -> None:
    row = accounts.create_user(db, admin, "tom", "Tom", Role.RATER, "tom-password")
    accounts.update_user(db, admin, row.id, role=Role.SUPERVISOR)
    with db.transaction() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["user.create", "user.update"]
