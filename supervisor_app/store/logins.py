"""PostgreSQL logins for app users on a team server: one login per person, a member of the group role of their
app role (`<database>_rater`, … made by migration 0006_team_server). The password is PostgreSQL's: we send the
server a SCRAM verifier computed here by libpq, so the password itself never travels in SQL or reaches a log.
On SQLite every function here does nothing."""

from __future__ import annotations

import re

from sqlalchemy import literal_column, select, text
from sqlalchemy.orm import Session

from supervisor_app.core.roles import Role
from supervisor_app.errors import ConflictError, ValidationError
from supervisor_app.store.db import is_server
from supervisor_app.store.models import User

LOGIN_PATTERN = re.compile(r"[a-z_][a-z0-9_.-]{0,62}")


def _quote(session: Session, name: str) -> str:
    return session.get_bind().dialect.identifier_preparer.quote(name)


def group_role(session: Session, role: Role) -> str:
    database = session.scalar(text("SELECT current_database()"))
    return f"{database}_{role.value}"


def check_login_name(login: str) -> str:
    if not LOGIN_PATTERN.fullmatch(login):
        raise ValidationError(f"{login!r} cannot be a server login: use up to 63 lower-case letters, digits, '_', "
                              "'.' or '-', starting with a letter or '_'.", field="login")
    return login


def _verifier(session: Session, login: str, password: str) -> str:
    raw = session.connection().connection.dbapi_connection
    pgconn = getattr(raw, "pgconn", None)
    if pgconn is None:
        raise ConflictError("This database driver cannot prepare a server password; use psycopg 3.")
    verifier: bytes = pgconn.encrypt_password(password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256")
    return verifier.decode("ascii")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ddl(session: Session, statement: str) -> None:
    """Role statements take no bind parameters; sent as written (a SCRAM verifier holds ':' and '=')."""
    session.connection().exec_driver_sql(statement)


def login_exists(session: Session, login: str) -> bool:
    return session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": login}) is not None


def create_login(session: Session, login: str, password: str, role: Role, *, may_create_logins: bool) -> None:
    """The login, in the group of `role`. An administrator's login may create and manage the others'."""
    if not is_server(session):
        return
    check_login_name(login)
    if login_exists(session, login):
        raise ConflictError(f"The server already has a login called {login!r} (perhaps another program's); choose "
                            "another with --login.")
    extra = " CREATEROLE" if may_create_logins else ""
    _ddl(session, f"CREATE ROLE {_quote(session, login)} LOGIN{extra} PASSWORD "
                         f"{_literal(_verifier(session, login, password))} "
                         f"IN ROLE {_quote(session, group_role(session, role))}")
    if may_create_logins:
        for group in Role:
            _ddl(session, f"GRANT {_quote(session, group_role(session, group))} TO {_quote(session, login)} "
                          "WITH ADMIN OPTION")


def change_role(session: Session, login: str, old: Role, new: Role) -> None:
    if not is_server(session) or old == new:
        return
    quoted = _quote(session, login)
    _ddl(session, f"REVOKE {_quote(session, group_role(session, old))} FROM {quoted}")
    _ddl(session, f"GRANT {_quote(session, group_role(session, new))} TO {quoted}")


def set_can_log_in(session: Session, login: str, active: bool) -> None:
    if is_server(session):
        _ddl(session, f"ALTER ROLE {_quote(session, login)} {'LOGIN' if active else 'NOLOGIN'}")


def set_password(session: Session, login: str, password: str) -> None:
    if is_server(session):
        _ddl(session, f"ALTER ROLE {_quote(session, login)} PASSWORD {_literal(_verifier(session, login, password))}")


def signed_in_user(session: Session) -> User | None:
    """On a server: the app user whose login this connection uses (None for the owner's or another login)."""
    if not is_server(session):
        return None
    return session.scalar(select(User).where(User.db_login == literal_column("session_user")))


def connected_login(session: Session) -> str:
    return str(session.scalar(text("SELECT session_user")))
