"""Local accounts: Argon2id password hashes, roles, first-run admin, log-in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supervisor_app.core.roles import Permission, Role
from supervisor_app.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from supervisor_app.services import audit, rubrics
from supervisor_app.services.context import Actor, require
from supervisor_app.store import logins
from supervisor_app.store.db import Database, is_server
from supervisor_app.store.models import User, utc_now

MIN_PASSWORD_LENGTH = 8
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool


def _row(user: User) -> UserRow:
    return UserRow(user.id, user.username, user.display_name, Role(user.role), user.active)


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.display_name, Role(user.role))


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise ValidationError(
            f"User name {username!r} is not allowed: use 2–64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.", field="username")
    return name


def _check_password(password: str, username: str) -> None:
    if not _is_text(password):
        raise ValidationError("The password holds bytes that are not text (check the terminal's encoding); "
                              "type it again.", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if password.strip().lower() == username.lower():
        raise ValidationError("The password must not be the user name.", field="password")


def _clean_display_name(display_name: str, username: str) -> str:
    name = " ".join(display_name.split()) or username
    if len(name) > 200:
        raise ValidationError("The display name is longer than 200 characters.", field="display_name")
    return name


def needs_first_admin(db: Database) -> bool:
    """True while the database has no user at all (first run)."""
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(User)) == 0


SERVER_LOGIN = "server-login"  # in place of a password hash: this user signs in with their server login


def insert_user(session: Session, username: str, display_name: str, role: Role, password: str,
                login: str | None = None) -> User:
    """With `login` (team server only): the person's own PostgreSQL login is created too, with this password,
    which PostgreSQL keeps (we keep no hash of it)."""
    name = normalise_username(username)
    _check_password(password, name)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ConflictError(f"A user named {name!r} already exists.")
    if login is not None:
        if not is_server(session):
            raise ValidationError("Server logins exist only on a team server (a postgresql:// database).",
                                  field="login")
        logins.create_login(session, login, password, role, may_create_logins=role is Role.ADMIN)
    user = User(username=name, display_name=_clean_display_name(display_name, name),
                password_hash=SERVER_LOGIN if login is not None else _hasher.hash(password), role=role.value,
                active=True, db_login=login)
    session.add(user)
    session.flush()
    return user


def create_first_admin(db: Database, username: str, display_name: str, password: str,
                       login: str | None = None) -> Actor:
    """The first account of a new database, and the bundled default rubric; refused once any user exists. On a
    team server (`server init`) with `login`: the administrator's own login, which may add the others'."""
    with db.transaction() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise ConflictError("This database already has users; ask an administrator to add your account.")
        user = insert_user(session, username, display_name, Role.ADMIN, password, login)
        actor = actor_of(user)
        audit.record(session, actor, "user.create_first_admin", "user", user.id, {"username": user.username})
        rubrics.install_default_rubric(session, actor)
        return actor


def _is_text(value: str) -> bool:
    """False for a string holding half of a UTF-16 pair (from bytes that were not UTF-8), which no hash takes."""
    return not any("\ud800" <= char <= "\udfff" for char in value)


def authenticate(db: Database, username: str, password: str) -> Actor:
    failure = AuthenticationError("Unknown user name or wrong password.")
    if not (_is_text(username) and _is_text(password)):
        raise failure
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise failure
        if user.db_login is not None and user.password_hash == SERVER_LOGIN:
            raise AuthenticationError(f"{user.username!r} signs in with their own server login "
                                      f"({user.db_login!r}): connect as that login (see the README, team server).")
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise failure from None
        if not user.active:
            raise AuthenticationError(f"The account {user.username!r} is deactivated; ask an administrator.")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at = utc_now()
        actor = actor_of(user)
        audit.record(session, actor, "user.login", "user", user.id)
        return actor


def server_sign_in(db: Database) -> Actor | None:
    """On a team server: the user whose PostgreSQL login this connection uses (the server checked the password).
    None when the connection's login is no user's (the owner's, used to set the server up)."""
    with db.transaction() as session:
        user = logins.signed_in_user(session)
        if user is None:
            return None
        if not user.active:
            raise AuthenticationError(f"The account {user.username!r} is deactivated; ask an administrator.")
        user.last_login_at = utc_now()
        actor = actor_of(user)
        audit.record(session, actor, "user.login", "user", user.id, {"login": user.db_login})
        return actor


def list_users(db: Database, actor: Actor) -> list[UserRow]:
    require(actor, Permission.MANAGE_USERS)
    with db.transaction() as session:
        return [_row(u) for u in session.scalars(select(User).order_by(User.username))]


def create_user(db: Database, actor: Actor, username: str, display_name: str, role: Role, password: str,
                login: str | None = None) -> UserRow:
    require(actor, Permission.MANAGE_USERS)
    with db.transaction() as session:
        user = insert_user(session, username, display_name, role, password, login)
        audit.record(session, actor, "user.create", "user", user.id,
                     {"username": user.username, "role": role.value, **({"login": login} if login else {})})
        return _row(user)


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"There is no user with id {user_id}.")
    return user


def find_user_id(db: Database, actor: Actor, username: str) -> int:
    """The id of the user with this name (for the CLI, which names users)."""
    require(actor, Permission.MANAGE_USERS)
    with db.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == username.strip().lower()))
        if user_id is None:
            raise NotFoundError(f"There is no user named {username!r}.")
        return user_id


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == Role.ADMIN.value, User.active.is_(True))) or 0


def update_user(db: Database, actor: Actor, user_id: int, *, display_name: str | None = None,
                role: Role | None = None, active: bool | None = None) -> UserRow:
    require(actor, Permission.MANAGE_USERS)
    with db.transaction() as session:
        user = _get_user(session, user_id)
        changes: dict[str, str] = {}
        if display_name is not None:
            user.display_name = _clean_display_name(display_name, user.username)
            changes["display_name"] = user.display_name
        demoting = role is not None and role is not Role.ADMIN and user.role == Role.ADMIN.value
        deactivating = active is False and user.active
        if user.id == actor.user_id and deactivating:
            raise ValidationError("You cannot deactivate your own account.", field="active")
        is_active_admin = user.role == Role.ADMIN.value and user.active
        if (demoting or deactivating) and is_active_admin and _active_admins(session) <= 1:
            raise ValidationError("This is the last active administrator; make another user an administrator first.",
                                  field="role" if demoting else "active")
        if role is not None:
            if user.db_login is not None:
                logins.change_role(session, user.db_login, Role(user.role), role)
            user.role = role.value
            changes["role"] = role.value
        if active is not None:
            if user.db_login is not None:
                logins.set_can_log_in(session, user.db_login, active)
            user.active = active
            changes["active"] = str(active)
        audit.record(session, actor, "user.update", "user", user.id, changes)
        return _row(user)


def set_password(db: Database, actor: Actor, user_id: int, new_password: str,
                 current_password: str | None = None) -> None:
    """Administrators reset anyone's password; everyone changes their own with the current one (a server login's
    current password was checked by the server when it connected)."""
    with db.transaction() as session:
        user = _get_user(session, user_id)
        server_login = user.db_login is not None and user.password_hash == SERVER_LOGIN
        if user.id == actor.user_id and not actor.can(Permission.MANAGE_USERS) and not server_login:
            try:
                _hasher.verify(user.password_hash, current_password or "")
            except (VerificationError, InvalidHashError):
                raise AuthenticationError("The current password is wrong.") from None
        elif user.id != actor.user_id:
            require(actor, Permission.MANAGE_USERS)
        _check_password(new_password, user.username)
        if server_login and user.db_login is not None:
            logins.set_password(session, user.db_login, new_password)
        else:
            user.password_hash = _hasher.hash(new_password)
        audit.record(session, actor, "user.set_password", "user", user.id)
