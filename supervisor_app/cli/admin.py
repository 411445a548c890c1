"""Commands that keep the installation running: the window, versions, demo data, first set-up, the database,
user accounts, the audit trail and the speech model."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, bounded_int, group, role
from supervisor_app.cli.context import PASSWORD_ENV, Context, new_password
from supervisor_app.cli.output import print_json, print_table, say, visible
from supervisor_app.errors import ConfigurationError, DatabaseCorruptError, ValidationError
from supervisor_app.media.model import ensure_bundled_model
from supervisor_app.services import accounts, audit, demo, system
from supervisor_app.store.db import Database


def _has_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_gui(ctx: Context) -> int:
    if not _has_display():
        raise ConfigurationError("No display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
                                 "Start it from a desktop session, or use the headless commands: "
                                 "supervisor-app --help.")
    from supervisor_app.ui.app import run_gui

    return run_gui(ctx.paths, ctx.url)


def cmd_versions(ctx: Context) -> int:
    for name, value in system.versions().items():
        print(f"{name}: {value}")
    return 0


def cmd_demo(ctx: Context) -> int:
    db = ctx.database()
    actor = None if accounts.needs_first_admin(db) else ctx.actor()
    print(demo.load_demo(db, actor, None if ctx.args.minimal else ctx.paths).message)
    if actor is None:
        print("Log in as 'admin' with the password 'demo-admin' (other demo users: see README.md).")
    return 0


def cmd_setup(ctx: Context) -> int:
    username = accounts.normalise_username(ctx.args.admin)
    db = ctx.database()
    if not accounts.needs_first_admin(db):
        raise ValidationError("This database already has users; an administrator adds more with `user add`.")
    actor = accounts.create_first_admin(db, username, ctx.args.display_name or username, new_password(username))
    say(f"Administrator {actor.username!r} created, with the default rubric installed.")
    return 0


def cmd_db_upgrade(ctx: Context) -> int:
    lock = system.InstanceLock(ctx.paths)
    lock.acquire()
    try:
        revision, _ = system.database_status(ctx.database())
        print(f"Database {ctx.database().describe()} is at schema {revision} (newest).")
    finally:
        lock.release()
    return 0


def cmd_db_current(ctx: Context) -> int:
    database = Database(ctx.url)
    try:
        database.check_connection()
        current, head = system.database_status(database)
    finally:
        database.dispose()
    state = "up to date" if current == head else f"needs upgrade to {head}"
    print(f"Database: {database.describe()}\nSchema revision: {current or 'empty'} ({state})")
    return 0


def cmd_db_check(ctx: Context) -> int:
    database = Database(ctx.url)
    try:
        database.check_connection()
        database.quick_check()
        system.database_status(database)
    finally:
        database.dispose()
    print(f"{database.describe()}: integrity check passed.")
    return 0


def cmd_db_backup(ctx: Context) -> int:
    print(f"Backup written: {system.backup_now(ctx.database(), ctx.paths, ctx.actor())}")
    return 0


def cmd_db_restore(ctx: Context) -> int:
    """An administrator restores. Without one to sign in as (no users yet, or a database too damaged to open,
    which is when a restore is needed most) the restore goes ahead and the audit trail says so."""
    try:
        database = ctx.database()
        actor = None if accounts.needs_first_admin(database) else ctx.actor()
    except DatabaseCorruptError as exc:
        print(f"note: the current database cannot be opened ({visible(str(exc)).splitlines()[0][:160]}); "
              "restoring without signing in.", file=sys.stderr)
        database, actor = Database(ctx.url), None
    lock = system.InstanceLock(ctx.paths)
    lock.acquire()
    try:
        safety = system.restore_backup(database, ctx.paths, Path(ctx.args.file), actor)
    finally:
        lock.release()
    say(f"Restored {ctx.args.file}. The previous state was saved as {safety}.")
    return 0


def cmd_user_list(ctx: Context) -> int:
    users = accounts.list_users(ctx.database(), ctx.actor())
    if ctx.args.json:
        print_json([{**dataclasses.asdict(u), "role": u.role.value} for u in users])
    else:
        print_table(["id", "user", "name", "role", "active"],
                    [(u.id, u.username, u.display_name, u.role.value, u.active) for u in users])
    return 0


def cmd_user_add(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    username = accounts.normalise_username(ctx.args.username)
    login = None if db.is_sqlite else (ctx.args.login or username)
    if ctx.args.login and db.is_sqlite:
        raise ValidationError("--login is for a team server (a postgresql:// database); this one is a local file.")
    row = accounts.create_user(db, actor, username, ctx.args.display_name or username, ctx.args.role,
                               new_password(username), login)
    say(f"User {row.username!r} ({row.role.label}) created with id {row.id}"
        + (f", signing in to the server as {login!r}." if login else "."))
    return 0


def cmd_server_init(ctx: Context) -> int:
    """Run with the owner's connection: the schema, group roles and policies, then the first administrator and
    their own login."""
    db = ctx.database()
    if db.is_sqlite:
        raise ConfigurationError("`server init` sets up a team server: pass --db postgresql+psycopg://OWNER@HOST/DB "
                                 "(or SUPERVISOR_DB_URL). A local database needs only `setup`.")
    username = accounts.normalise_username(ctx.args.admin)
    if not accounts.needs_first_admin(db):
        raise ValidationError("This server's database already has users; an administrator adds more with "
                              "`user add`.")
    login = ctx.args.login or username
    actor = accounts.create_first_admin(db, username, ctx.args.display_name or username, new_password(username),
                                        login)
    say(f"The team server at {db.describe()} is ready (schema {system.database_status(db)[0]}). Administrator "
        f"{actor.username!r} signs in as the server login {login!r}; add the others with `user add`.")
    return 0


def cmd_server_status(ctx: Context) -> int:
    db = ctx.database()
    if db.is_sqlite:
        raise ConfigurationError("This is a local database, not a team server.")
    status = system.server_status(db)
    for label, value in status.items():
        print(f"{label}: {value}")
    return 0


def cmd_user_update(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    user_id = accounts.find_user_id(db, actor, ctx.args.username)
    active = None if ctx.args.active is None else ctx.args.active == "yes"
    row = accounts.update_user(db, actor, user_id, display_name=ctx.args.display_name, role=ctx.args.role,
                               active=active)
    say(f"User {row.username!r}: {row.display_name}, {row.role.label}, "
        f"{'active' if row.active else 'deactivated'}.")
    return 0


def cmd_user_passwd(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    target = ctx.args.username or actor.username
    user_id = actor.user_id if target == actor.username else accounts.find_user_id(db, actor, target)
    current = os.environ.get(PASSWORD_ENV) if user_id == actor.user_id else None
    accounts.set_password(db, actor, user_id, new_password(target), current_password=current)
    say(f"Password of {target!r} changed.")
    return 0


def cmd_audit_list(ctx: Context) -> int:
    events = audit.list_events(ctx.database(), ctx.actor(), limit=ctx.args.limit)
    print_table(["id", "when", "who", "action", "record", "reason"],
                [(e.id, e.at, e.actor, e.action, e.record, e.reason) for e in events])
    return 0


def cmd_audit_verify(ctx: Context) -> int:
    broken = audit.verify_chain(ctx.database(), ctx.actor())
    if broken:
        print(f"The audit trail was altered: events {', '.join(map(str, broken[:20]))} do not match their hashes.")
        return 1
    print("The audit trail is intact.")
    return 0


def cmd_model_prepare(ctx: Context) -> int:
    info = ensure_bundled_model(ctx.paths.models_dir)
    print(f"{info.name} is ready in {info.path} (model.bin SHA-256 {info.sha256}).")
    return 0


def register(sub: Any) -> None:
    add(sub, "gui", cmd_gui, "open the main window (the default)")
    add(sub, "versions", cmd_versions, "print the versions of the app and its parts")
    demo_parser = add(sub, "demo", cmd_demo, "load the demo data set: users, coaches, the default rubric, three "
                                             "recorded sessions and a revealed calibration round")
    demo_parser.add_argument("--minimal", action="store_true",
                             help="only users, coaches and the rubric: no recordings, no calibration round")
    setup = add(sub, "setup", cmd_setup, "create the first administrator of a new database")
    setup.add_argument("--admin", required=True, help="user name of the administrator")
    setup.add_argument("--display-name", help="full name shown in the app")

    db = group(sub, "db", "database maintenance")
    add(db, "upgrade", cmd_db_upgrade, "migrate the database to this version's schema (backup first)")
    add(db, "current", cmd_db_current, "show the database's schema revision without changing it")
    add(db, "check", cmd_db_check, "run the integrity check")
    add(db, "backup", cmd_db_backup, "write a verified backup into the backups folder (admin)")
    restore = add(db, "restore", cmd_db_restore,
                  "replace the database with a backup (admin; the current one is kept)")
    restore.add_argument("file", help="backup file to restore")

    user = group(sub, "user", "user accounts (admin)")
    user_list = add(user, "list", cmd_user_list, "list users")
    user_list.add_argument("--json", action="store_true")
    user_add = add(user, "add", cmd_user_add, "add a user")
    user_add.add_argument("username")
    user_add.add_argument("--role", type=role, required=True, help="admin, supervisor, rater or hr_viewer")
    user_add.add_argument("--display-name")
    user_add.add_argument("--login", help="on a team server: the PostgreSQL login to create for them "
                                          "(default: the user name)")
    user_update = add(user, "update", cmd_user_update, "change a user's name, role or active flag")
    user_update.add_argument("username")
    user_update.add_argument("--display-name")
    user_update.add_argument("--role", type=role)
    user_update.add_argument("--active", choices=["yes", "no"])
    passwd = add(user, "passwd", cmd_user_passwd, "change your password, or (admin) another user's")
    passwd.add_argument("username", nargs="?")

    server = group(sub, "server", "a team server (PostgreSQL) shared by the program's laptops")
    init = add(server, "init", cmd_server_init, "with the owner's connection: create the schema, the group roles "
                                                "and access policies, and the first administrator's login")
    init.add_argument("--admin", required=True, help="user name of the administrator")
    init.add_argument("--login", help="their PostgreSQL login (default: the user name)")
    init.add_argument("--display-name", help="full name shown in the app")
    add(server, "status", cmd_server_status, "the server, its schema, and who this connection signs in as")

    model = group(sub, "model", "the speech model")
    add(model, "prepare", cmd_model_prepare, "assemble and verify the bundled Whisper model")

    audit_parser = group(sub, "audit", "the audit trail (admin)")
    audit_list = add(audit_parser, "list", cmd_audit_list, "newest audit events")
    audit_list.add_argument("--limit", type=bounded_int(1, 100_000), default=50)
    add(audit_parser, "verify", cmd_audit_verify, "check that no audit event was altered or removed")
