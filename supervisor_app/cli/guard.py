"""The one place where a command's failure becomes a message: ours in our words, anything else in one line that
says where the details are. No traceback ever reaches the user; the log keeps it for a bug report."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from supervisor_app.cli.output import visible
from supervisor_app.errors import SupervisorError

log = logging.getLogger("supervisor_app")
ERROR_LOG = "cli-errors.log"
INTERRUPTED = 130


def _write_log(logs_dir: Path | None, exc: BaseException) -> Path | None:
    if logs_dir is None:
        return None
    target = logs_dir / ERROR_LOG
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} {' '.join(map(repr, sys.argv[1:]))}\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return target


def _unexpected(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "there was not enough memory for this input"
    detail = visible(str(exc))[:200]
    return f"{type(exc).__name__}{': ' + detail if detail else ''}"


def guarded(run: Callable[[], int], logs_dir: Callable[[], Path | None]) -> int:
    """Run a command; every failure is one line on stderr and an exit code (1 for errors, 130 for Ctrl+C)."""
    try:
        return run()
    except SupervisorError as exc:
        print(f"error: {visible(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; nothing more was changed.", file=sys.stderr)
        return INTERRUPTED
    except SQLAlchemyError as exc:  # the database refused: say what it said, never the SQL
        where = _write_log(logs_dir(), exc)
        reason = visible(str(getattr(exc, "orig", None) or type(exc).__name__))[:200]
        details = f" Details are in {where}." if where else ""
        print(f"error: the database could not complete this ({reason}); nothing was changed. Check that the "
              f"database file or server is reachable and writable.{details}", file=sys.stderr)
        return 1
    except Exception as exc:
        log.debug("unexpected failure", exc_info=exc)
        where = _write_log(logs_dir(), exc)
        details = f" Details are in {where}." if where else ""
        print(f"error: this command failed unexpectedly ({_unexpected(exc)}); nothing more was changed.{details} "
              "Please report it with that file.", file=sys.stderr)
        return 1
