"""What every command shares: the data folder, the database (opened and migrated on first use), the acting user."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import make_url

from supervisor_app.errors import AuthenticationError, ServerLoginError, ValidationError
from supervisor_app.paths import AppPaths, resolve_database_url, resolve_paths
from supervisor_app.services import accounts, calibration, system
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database

USER_ENV = "SUPERVISOR_USER"
PASSWORD_ENV = "SUPERVISOR_PASSWORD"
NEW_PASSWORD_ENV = "SUPERVISOR_NEW_PASSWORD"


class Context:
    """What a command needs: the paths, the database (opened and migrated on first use), the acting user."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.paths: AppPaths = resolve_paths(args.data_dir)
        self.url = resolve_database_url(self.paths, args.db)
        self._database: Database | None = None

    def database(self) -> Database:
        if self._database is None:
            try:
                opened = system.open_database(self.paths, self.url)
            except ServerLoginError:
                url = make_url(self.url)
                if url.password is not None or not sys.stdin or not sys.stdin.isatty():
                    raise
                password = getpass.getpass(f"Server password for login {url.username or getpass.getuser()}: ")
                self.url = url.set(password=password).render_as_string(hide_password=False)
                opened = system.open_database(self.paths, self.url)
            migration = opened.migration
            if migration.changed and migration.from_revision is None:
                print(f"Created a new database at {opened.database.describe()}.", file=sys.stderr)
            elif migration.changed:
                print(f"Database upgraded from schema {migration.from_revision} to {migration.to_revision} "
                      f"(backup first: {migration.backup}).", file=sys.stderr)
            self._database = opened.database
        return self._database

    def actor(self) -> Actor:
        username = self.args.user or os.environ.get(USER_ENV)
        database = self.database()
        if not database.is_sqlite and (signed_in := accounts.server_sign_in(database)) is not None:
            if username and accounts.normalise_username(username) != signed_in.username:
                raise AuthenticationError(f"This connection's server login belongs to {signed_in.username!r}, not "
                                          f"{username!r}; connect with {username!r}'s own login instead.")
            return signed_in
        if not username:
            raise AuthenticationError(f"This command acts as a user: pass --user NAME (or set {USER_ENV}).")
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = prompt_password(f"Password for {username}: ", PASSWORD_ENV)
        return accounts.authenticate(self.database(), username, password)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()


def reviewer_id(db: Database, actor: Actor, name: str) -> int:
    """An active user who may score or review (admin, supervisor, rater), named by display name or id."""
    candidates = calibration.panel_candidates(db, actor)
    wanted = name.strip().lower()
    match = next((c.id for c in candidates if wanted in (str(c.id), c.display_name.lower())), None)
    if match is None:
        known = ", ".join(c.display_name for c in candidates) or "none"
        raise ValidationError(f"No active user who may score or review is called {name!r}. They are: {known}.",
                              field="user")
    return match


def reviewer_ids(db: Database, actor: Actor, names: str) -> list[int]:
    """Several of them, comma-separated."""
    return [reviewer_id(db, actor, name) for name in names.split(",") if name.strip()]


def prompt_password(prompt: str, env_name: str) -> str:
    if not sys.stdin or not sys.stdin.isatty():
        raise AuthenticationError(f"No terminal to ask for a password: set {env_name} for scripts.")
    return getpass.getpass(prompt)


def new_password(username: str) -> str:
    password = os.environ.get(NEW_PASSWORD_ENV)
    if password is not None:
        return password
    first = prompt_password(f"New password for {username}: ", NEW_PASSWORD_ENV)
    if prompt_password("Repeat the password: ", NEW_PASSWORD_ENV) != first:
        raise ValidationError("The two passwords differ; nothing was changed.")
    return first
