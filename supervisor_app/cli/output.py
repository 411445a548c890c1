"""Printing for people and for scripts: tables, JSON, warnings. User text never reaches the terminal raw.

A title, a rationale or a file name can hold terminal control sequences (`ESC]0;…BEL` retitles the window,
`ESC[2J` clears it); every table cell and message shows control characters visibly instead (`\\x1b`, `\\u009b`).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import unicodedata
from collections.abc import Sequence

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _shown_as_is(char: str) -> bool:
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Zl", "Zp"):  # controls, lone surrogates, line/paragraph separators
        return False
    if category == "Cn":  # unassigned, incl. the non-characters U+FFFE/U+FFFF
        return False
    return char not in _BIDI_CONTROLS  # direction overrides can disguise what a line says


def visible(text: str) -> str:
    """`text` with control characters, lone surrogates and direction overrides escaped (`\\x1b`, `\\u202e`);
    newlines are kept, everything printable is unchanged."""
    return "".join(char if char == "\n" or _shown_as_is(char) else _escape(char) for char in text)


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return visible(str(value)).replace("\n", " ")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[cell(value) for value in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print("(none)")


def say(text: str) -> None:
    """A line of output that may carry user text."""
    print(visible(text))


def warn(text: str) -> None:
    print(f"warning: {visible(text)}", file=sys.stderr)


def print_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings:
        warn(warning)


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(payload: object) -> str:
    """Strict JSON (no NaN or Infinity, which JSON does not have); non-ASCII text as is, escapes for the rest."""
    return json.dumps(payload, indent=2, default=_json_default, ensure_ascii=False, allow_nan=False)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def print_json(payload: object) -> None:
    # json escapes C0 controls itself; DEL, C1 controls, lone surrogates and direction overrides are escaped here
    # (as JSON escapes, so the output still parses) so that a terminal never acts on them
    print("".join(c if c == "\n" or _shown_as_is(c) else _json_escape(c) for c in to_json(payload)))
