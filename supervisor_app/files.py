"""Writing files so that a crash never leaves half a file: write to a temp name, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from supervisor_app.errors import ValidationError


class UnwritableFileError(ValidationError):
    """A file the user asked for cannot be written there; nothing was written."""


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, on error it is removed.

    Only a regular file (or nothing) is ever replaced: a device, pipe or folder at `target` is refused, since
    renaming over `/dev/null` as root would replace the device itself. A failure of the file system (no room, no
    permission, a missing drive) becomes one message that says nothing was written.
    """
    if target.exists() and not target.is_file():
        raise UnwritableFileError(f"{target} is not a regular file (a folder, device or pipe); choose a file name.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UnwritableFileError(f"Cannot write {target}: {exc.strerror or exc}. Choose another folder or file "
                                  "name; nothing was written.") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise UnwritableFileError(f"Cannot write {target}: {exc.strerror or exc}. Choose another folder or file "
                                  "name; nothing was written.") from exc
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(target: Path, text: str) -> None:
    with atomic_target(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


class UnreadableFileError(ValidationError):
    """A file the user named cannot be read as one: missing, a folder, a pipe or device, too large, no access."""


def open_regular(path: Path, what: str) -> int:
    """Open `path` for reading and return the descriptor, refusing anything but a regular file.

    The open never blocks (a named pipe with no writer would hang a plain open), and the check is made on the
    opened descriptor, so the file checked is the file read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise UnreadableFileError(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise UnreadableFileError(f"{path} is a folder; choose {what} inside it.") from None
    except PermissionError:
        raise UnreadableFileError(f"{path}: you may not read this file (permission denied).") from None
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot be opened ({exc.strerror}).") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a regular file")
        hint = f"choose {what} inside it" if stat.S_ISDIR(mode) else f"choose {what} saved as a file"
        raise UnreadableFileError(f"{path} is {kind}, not a file; {hint}.")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; larger files are refused before they are read."""
    fd = open_regular(path, what)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise UnreadableFileError(f"{path.name} is {size:,} bytes; {what} is at most {limit:,} bytes. "
                                      "Check that this is the right file.")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise UnreadableFileError(f"{path}: reading failed ({exc.strerror}).") from None
    if len(data) > limit:
        raise UnreadableFileError(f"{path.name} grew past {limit:,} bytes while it was read; {what} is at most "
                                  f"{limit:,} bytes.")
    return data
