"""Argument types: every value a user types is checked here, with a message that says what to type instead."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from supervisor_app.cli.context import Context
from supervisor_app.core.coaches import CoachLevel, parse_level
from supervisor_app.core.roles import Role, parse_role

# Ids are 64-bit integers in both databases; a longer number is a typing mistake, not a record.
ID_MAX = 2**63 - 1
_NUMBER_MAX_DIGITS = 19


def record_id(text: str) -> int:
    """A database id: a whole number from 1 to 2^63 − 1."""
    cleaned = text.strip()
    if not cleaned.isdecimal() or not cleaned.isascii() or len(cleaned) > _NUMBER_MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not an id; ids are whole numbers such as 12")
    value = int(cleaned)
    if not 1 <= value <= ID_MAX:
        raise argparse.ArgumentTypeError(f"{cleaned[:30]} is not an id; ids are whole numbers from 1 to {ID_MAX}")
    return value


def id_list(what: str) -> Callable[[str], tuple[int, ...]]:
    def parse(text: str) -> tuple[int, ...]:
        parts = [part for part in text.replace(" ", "").split(",") if part]
        if not parts:
            raise argparse.ArgumentTypeError(f"give at least one {what} id, e.g. 12,13,20")
        try:
            return tuple(dict.fromkeys(record_id(part) for part in parts))
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a list of {what} ids; use e.g. 12,13,20") from None
    return parse


def index_list(text: str) -> tuple[int, ...]:
    """Segment numbers such as 0,3,4 (as `transcript show` counts them)."""
    parse = bounded_int(0, 10_000_000)
    parts = [part for part in text.replace(" ", "").split(",") if part]
    if not parts:
        raise argparse.ArgumentTypeError("give at least one segment number, e.g. 0,3,4")
    return tuple(dict.fromkeys(parse(part) for part in parts))


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        cleaned = text.strip()
        digits = cleaned.removeprefix("-")
        if not digits.isdecimal() or not digits.isascii() or len(digits) > _NUMBER_MAX_DIGITS:
            raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a whole number from {low} to {high}")
        value = int(cleaned)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}–{high}")
        return value
    return parse


def finite_float(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text) if len(text) <= 40 else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a number from {low:g} to {high:g}")
        return value
    return parse


MOMENT_MAX_S = 24 * 3600.0


def moment(text: str) -> float:
    """A time in a recording: seconds (62.5) or a clock as `transcript show` prints it (0:01:02, 1:02)."""
    parts = text.strip().split(":")
    try:
        if len(parts) > 3 or any(not p or len(p) > 12 for p in parts):
            raise ValueError
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + float(part)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 <= seconds <= MOMENT_MAX_S:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a time in the recording; use 0:01:02 or 62")
    return seconds


# Dates beyond these years are typing mistakes, and a date at the very end of the calendar cannot have a day
# added to it (an inclusive end date does exactly that).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)


def date(text: str) -> dt.date:
    try:
        value = dt.date.fromisoformat(text.strip()) if len(text) <= 20 else None
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a date; use YYYY-MM-DD")
    if not DATE_MIN <= value <= DATE_MAX:
        raise argparse.ArgumentTypeError(f"{value} is outside {DATE_MIN.year}–{DATE_MAX.year}; check the year")
    return value


def level(text: str) -> CoachLevel:
    try:
        return parse_level(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


Handler = Callable[[Context], int]


def _help(text: str) -> str:
    """argparse formats help strings with %: a literal one ("20 % of coaches") is written twice."""
    return text.replace("%", "%%")


def add(subparsers: Any, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=_help(help_text), description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def group(subparsers: Any, name: str, help_text: str) -> Any:
    """A command group such as `user` or `round`, whose actions are its sub-commands."""
    return subparsers.add_parser(name, help=_help(help_text), description=help_text).add_subparsers(
        dest=f"{name}_command", metavar="ACTION", required=True)
