"""Reading JSON documents that people hand us (rubrics, review drafts) strictly and within bounds.

Python's `json` accepts what JSON does not (NaN, Infinity), keeps the last of two equal keys silently, recurses
without limit on nesting and turns a 5,000-digit number into an int it then cannot print. Each of those would
switch a rule off or crash later, so each is refused here with its JSON path; and the number of problems listed
for one document is capped, so a file with 45,000 mistakes gives a readable report, not 360,000 lines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema import ValidationError as SchemaError

from supervisor_app.errors import DocumentInvalidError, Issue

MAX_DEPTH = 64
MAX_NUMBER_CHARS = 40
MAX_ISSUES = 50


class _RefusedError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RefusedError(f"the key {key!r} appears twice in one object; keep one (JSON readers disagree on "
                           "which one counts)")
        result[key] = value
    return result


def _constant(name: str) -> float:
    raise _RefusedError(f"{name} is not a number JSON allows; write a finite number")


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _RefusedError(f"a number with {len(text)} digits is far too large here")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _RefusedError(f"a number written with {len(text)} characters is far too long here")
    value = float(text)
    if not math.isfinite(value):
        raise _RefusedError(f"{text} is too large to be a number here")
    return value


def _walk(document: object) -> Iterator[tuple[str, object, int]]:
    """Every value with its JSON path and depth, without recursion."""
    stack: list[tuple[str, object, int]] = [("$", document, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, dict):
            stack.extend((f"{path}.{key}" if key.isidentifier() else f"{path}[{key!r}]", item, depth + 1)
                         for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item, depth + 1) for index, item in enumerate(value))


def _lone_surrogate(text: str) -> int | None:
    return next((i for i, char in enumerate(text) if 0xD800 <= ord(char) <= 0xDFFF), None)


def _structure_issues(document: object) -> list[Issue]:
    issues = []
    for path, value, depth in _walk(document):
        if depth > MAX_DEPTH:
            return [Issue(path, f"nested more than {MAX_DEPTH} levels deep; no document of ours is")]
        texts = [value] if isinstance(value, str) else list(value) if isinstance(value, dict) else []
        for text in texts:
            if (at := _lone_surrogate(text)) is not None:
                issues.append(Issue(path, f"contains \\u{ord(text[at]):04x}, half of a character pair, at position "
                                          f"{at}: that is not text; remove it or retype the text"))
    return issues


def decode_json(data: bytes, source: str, max_bytes: int) -> object:
    """Decode UTF-8 JSON bytes strictly; DocumentInvalidError says what is wrong and where."""
    if len(data) > max_bytes:
        raise DocumentInvalidError(source, [Issue("$", f"the file is {len(data):,} bytes; at most {max_bytes:,} "
                                                       "bytes are read")])
    if not data.strip():
        raise DocumentInvalidError(source, [Issue("$", "the file is empty; expected a JSON object")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentInvalidError(source, [Issue("$", f"not UTF-8 text (bad byte at offset {exc.start}); "
                                                       "save the file as UTF-8 JSON")]) from exc
    try:
        document = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer,
                              parse_float=_float)
    except _RefusedError as exc:
        raise DocumentInvalidError(source, [Issue("$", exc.message)]) from None
    except json.JSONDecodeError as exc:
        raise DocumentInvalidError(source, [Issue("$", f"not valid JSON: {exc.msg} at line {exc.lineno}, "
                                                       f"column {exc.colno}")]) from exc
    except RecursionError:
        raise DocumentInvalidError(source, [Issue("$", f"nested more than {MAX_DEPTH} levels deep; no document "
                                                       "of ours is")]) from None
    issues = _structure_issues(document)
    if issues:
        raise DocumentInvalidError(source, issues)
    return document


def describe_schema_error(error: SchemaError) -> str:
    """A schema error in words the author of the file understands."""
    validator = error.validator
    value = error.validator_value
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required field {missing!r}"
    if validator == "additionalProperties":
        return f"unknown field(s): {error.message.split('(')[-1].rstrip(')')}"
    if validator == "type":
        return f"must be of type {value}, not {type(error.instance).__name__}"
    if validator in ("enum", "const"):
        allowed = value if isinstance(value, list) else [value]
        return f"must be one of {', '.join(repr(item) for item in allowed)}, not {_short(error.instance)}"
    if validator == "minItems":
        return f"needs at least {value} item{'s' if value != 1 else ''}"
    if validator == "maxItems":
        return f"allows at most {value} items"
    if validator in ("minLength", "pattern") and isinstance(error.instance, str) and not error.instance.strip():
        return "must not be empty"
    if validator == "pattern":
        hint = error.schema.get("x-hint", f"expected the form {value}") if isinstance(error.schema, dict) else value
        return f"{_short(error.instance)} is not allowed here: {hint}"
    if validator == "maxLength":
        return f"is longer than {value} characters"
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{_short(error.instance)} is out of range ({validator} {value})"
    return error.message[:300]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def schema_issues(document: object, schema: Mapping[str, Any],
                  describe: Callable[[SchemaError], str] = describe_schema_error) -> tuple[list[Issue], bool]:
    """The schema's complaints about `document`, at most MAX_ISSUES of them, and whether there are more (the
    validator is not asked for the rest: 45,000 of them cost gigabytes)."""
    validator = Draft202012Validator(schema)
    errors = list(islice(validator.iter_errors(document), MAX_ISSUES + 1))
    more = len(errors) > MAX_ISSUES
    errors = sorted(errors[:MAX_ISSUES], key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [Issue(error.json_path, describe(error)) for error in errors], more


def check_against(document: object, schema: Mapping[str, Any], source: str) -> None:
    """Raise DocumentInvalidError with the schema's complaints, if it has any."""
    issues, more = schema_issues(document, schema)
    if issues:
        raise DocumentInvalidError(source, issues, more=more)
