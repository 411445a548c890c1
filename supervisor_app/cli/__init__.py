"""The headless face of the app: every capability as a command over the same services the GUI uses.

One module per command group (git- and pip-style), over one shared context (`context`), argument types
(`args`), output (`output`) and error guard (`guard`). Run without a command (or with `gui`) to open the main
window.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from supervisor_app import APP_NAME, __version__
from supervisor_app.cli import (
    admin,
    audits,
    coaches,
    governance,
    library,
    practice,
    redaction,
    reports,
    retention,
    reviews,
    rounds,
    rubrics,
    stance,
    transcripts,
)
from supervisor_app.cli.args import Handler
from supervisor_app.cli.context import NEW_PASSWORD_ENV, PASSWORD_ENV, USER_ENV, Context
from supervisor_app.cli.guard import guarded
from supervisor_app.cli.output import visible
from supervisor_app.errors import ConfigurationError
from supervisor_app.paths import DATA_DIR_ENV, DB_URL_ENV

GROUPS = (admin, coaches, rubrics, library, governance, redaction, retention, transcripts, reviews, rounds, practice,
          stance, audits, reports)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supervisor-app",
        description=f"{APP_NAME} {__version__}: score recorded coaching sessions offline. "
                    "Without a command, the main window opens.",
        epilog=f"Commands that act as a user take --user (or {USER_ENV}) and read the password from "
               f"{PASSWORD_ENV} or a prompt. New passwords come from {NEW_PASSWORD_ENV} or a prompt.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--data-dir", help=f"folder for the database, backups and settings (env {DATA_DIR_ENV})")
    parser.add_argument("--db", help=f"SQLAlchemy database URL; default: SQLite in the data folder (env {DB_URL_ENV})")
    parser.add_argument("--user", help=f"act as this user (env {USER_ENV})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in GROUPS:
        module.register(sub)
    return parser


def _robust_streams() -> None:
    """Output that cannot be encoded (a terminal set to ASCII, a file name that is not UTF-8) is escaped instead
    of ending the command with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    _robust_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = getattr(args, "handler", admin.cmd_gui)
    try:
        ctx = Context(args)
    except ConfigurationError as exc:
        print(f"error: {visible(str(exc))}", file=sys.stderr)
        return 1

    def logs_dir() -> Path | None:
        return ctx.paths.logs_dir

    try:
        return guarded(lambda: handler(ctx), logs_dir)
    finally:
        ctx.close()
