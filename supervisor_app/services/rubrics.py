"""Rubrics: validate files against the JSON Schema, import them as immutable versions, read them back."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervisor_app.core import rubric_diff
from supervisor_app.core.roles import Permission
from supervisor_app.core.rubric import MAX_RUBRIC_BYTES, Rubric, decode_rubric_bytes, parse_rubric
from supervisor_app.errors import ConflictError, NotFoundError, ValidationError
from supervisor_app.files import atomic_target, read_bounded
from supervisor_app.paths import bundled_path
from supervisor_app.services import audit
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import RubricVersion

DEFAULT_RUBRIC_FILE = ("resources", "rubrics", "grow-icf-core-1.0.json")
CHANGES_AUDITED = 40  # the change list kept in the audit trail (a rewrite of everything is one line per item)
NOTE_MIN = 5
NOTE_MAX = 2000


@functools.cache
def rubric_schema() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(bundled_path("schemas", "rubric.schema.json").read_text("utf-8")))


def _read(path: Path) -> bytes:
    return read_bounded(path, MAX_RUBRIC_BYTES, "a rubric .json file")


def parse_rubric_document(document: object, source: str = "The rubric") -> Rubric:
    return parse_rubric(document, rubric_schema(), source=source)


@functools.lru_cache(maxsize=32)
def _parsed_text(text: str) -> Rubric:
    return parse_rubric_document(json.loads(text))


def stored_rubric(document: object) -> Rubric:
    """A stored version's rubric. Checking a document against the schema costs about 10 ms, and every autosave
    reads its rubric: the result is kept per document text (a changed document is a new key, so never stale)."""
    return _parsed_text(json.dumps(document, sort_keys=True, ensure_ascii=False))


def read_rubric_file(path: Path) -> dict[str, Any]:
    """A rubric file's decoded document (check it with `validate_rubric_file`)."""
    document = decode_rubric_bytes(_read(path), source=f"Rubric file {path.name}")
    if not isinstance(document, dict):
        raise ValidationError(f"Rubric file {path.name}: the top level must be a JSON object {{…}}.")
    return document


def validate_rubric_file(path: Path) -> Rubric:
    """Check a rubric file without storing anything; DocumentInvalidError lists every problem by JSON path."""
    source = f"Rubric file {path.name}"
    return parse_rubric_document(decode_rubric_bytes(_read(path), source=source), source)


def _canonical_sha256(document: object) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RubricSummary:
    id: int
    rubric_key: str
    version: str
    title: str
    imported_at: dt.datetime
    competencies: int
    gates: int

    @property
    def label(self) -> str:
        return f"{self.title} — v{self.version}"


@dataclass(frozen=True)
class ImportResult:
    rubric: RubricSummary
    created: bool

    @property
    def message(self) -> str:
        name = f"{self.rubric.rubric_key} version {self.rubric.version}"
        if self.created:
            return f"Imported {name} ({self.rubric.competencies} competencies)."
        return f"{name} is already stored with this content; nothing changed."


def _summary(row: RubricVersion) -> RubricSummary:
    competencies = row.document.get("competencies", [])
    gates = sum(1 for c in competencies if c.get("assessment", {}).get("type") == "gate")
    return RubricSummary(row.id, row.rubric_key, row.version, row.title, row.imported_at, len(competencies), gates)


def _store(session: Session, actor: Actor | None, document: dict[str, Any], rubric: Rubric,
           source_name: str, based_on: RubricVersion | None = None, change_note: str = "") -> ImportResult:
    digest = _canonical_sha256(document)
    existing = session.scalar(select(RubricVersion).where(RubricVersion.rubric_key == rubric.id,
                                                          RubricVersion.version == rubric.version))
    if existing is not None:
        if existing.content_sha256 == digest:
            return ImportResult(_summary(existing), created=False)
        raise ConflictError(
            f"Version {rubric.version} of rubric {rubric.id!r} is already stored with different content, and a "
            "stored version is never changed. Give the file a new version number (e.g. "
            f"{_next_version(rubric.version)}) and import it again."
        )
    row = RubricVersion(rubric_key=rubric.id, version=rubric.version, title=rubric.title, document=document,
                        content_sha256=digest, imported_by_id=actor.user_id if actor else None,
                        source_name=source_name[:500], based_on_id=based_on.id if based_on else None,
                        change_note=change_note)
    session.add(row)
    session.flush()
    details: dict[str, Any] = {"rubric": rubric.id, "version": rubric.version, "sha256": digest,
                               "source": source_name}
    if based_on is not None:
        details |= {"based_on": f"{based_on.rubric_key}@{based_on.version}",
                    "changes": rubric_diff.changes(based_on.document, document)[:CHANGES_AUDITED]}
    audit.record(session, actor, "rubric.edit" if based_on else "rubric.import", "rubric_version", row.id, details,
                 change_note)
    return ImportResult(_summary(row), created=True)


def _next_version(version: str) -> str:
    parts = version.split(".")
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts) if len(parts) > 1 else f"{parts[0]}.1"


def import_rubric(db: Database, actor: Actor, path: Path) -> ImportResult:
    require(actor, Permission.IMPORT_RUBRICS)
    source = f"Rubric file {path.name}"
    document = decode_rubric_bytes(_read(path), source=source)
    rubric = parse_rubric_document(document, source)
    with db.transaction() as session:
        return _store(session, actor, cast(dict[str, Any], document), rubric, path.name)


def install_default_rubric(session: Session, actor: Actor | None) -> ImportResult:
    """Store the bundled default rubric inside the caller's transaction (first run, demo)."""
    path = bundled_path(*DEFAULT_RUBRIC_FILE)
    document = decode_rubric_bytes(path.read_bytes(), source="The bundled default rubric")
    rubric = parse_rubric_document(document, "The bundled default rubric")
    return _store(session, actor, cast(dict[str, Any], document), rubric, path.name)


def list_rubrics(db: Database, actor: Actor) -> list[RubricSummary]:
    require(actor, Permission.VIEW_RUBRICS)
    with db.transaction() as session:
        rows = session.scalars(select(RubricVersion).order_by(RubricVersion.rubric_key, RubricVersion.imported_at))
        return [_summary(row) for row in rows]


def get_rubric(db: Database, actor: Actor, rubric_version_id: int) -> Rubric:
    require(actor, Permission.VIEW_RUBRICS)
    with db.transaction() as session:
        row = session.get(RubricVersion, rubric_version_id)
        if row is None:
            raise NotFoundError(f"There is no stored rubric version with id {rubric_version_id}.")
        return parse_rubric_document(row.document, f"Stored rubric {row.rubric_key} v{row.version}")


def find_rubric_version(db: Database, actor: Actor, reference: str) -> RubricSummary:
    """A stored version named `KEY@VERSION`, `KEY` (its newest import) or a numeric id."""
    require(actor, Permission.VIEW_RUBRICS)
    summaries = list_rubrics(db, actor)
    key, _, version = reference.partition("@")
    matches = [s for s in summaries
               if str(s.id) == reference or (s.rubric_key == key and (not version or s.version == version))]
    if not matches:
        known = ", ".join(f"{s.rubric_key}@{s.version}" for s in summaries) or "none"
        raise NotFoundError(f"No stored rubric matches {reference!r}. Stored: {known}.")
    return matches[-1]


@dataclass(frozen=True)
class StoredVersion:
    """A stored version's document with where it came from (for the editor and exports)."""

    summary: RubricSummary
    document: dict[str, Any]
    based_on: str  # "key@version" it was edited from, or ""
    change_note: str


def stored_version(db: Database, actor: Actor, rubric_version_id: int) -> StoredVersion:
    require(actor, Permission.VIEW_RUBRICS)
    with db.transaction() as session:
        row = session.get(RubricVersion, rubric_version_id)
        if row is None:
            raise NotFoundError(f"There is no stored rubric version with id {rubric_version_id}.")
        parent = session.get(RubricVersion, row.based_on_id) if row.based_on_id else None
        return StoredVersion(_summary(row), copy.deepcopy(row.document),
                             f"{parent.rubric_key}@{parent.version}" if parent else "", row.change_note)


def suggested_version(db: Database, actor: Actor, rubric_key: str, version: str) -> str:
    """The next free version number after `version` for this rubric (1.0 → 1.1, or 1.2 when 1.1 is taken)."""
    taken = {s.version for s in list_rubrics(db, actor) if s.rubric_key == rubric_key}
    candidate = _next_version(version)
    while candidate in taken:
        candidate = _next_version(candidate)
    return candidate


def save_edited_version(db: Database, actor: Actor, based_on_id: int, document: dict[str, Any],
                        change_note: str) -> ImportResult:
    """Store an edited rubric as a new version (never in place) with the version it came from and why it changed.
    Reviews keep the version they were scored against; new reviews and rounds choose the version."""
    require(actor, Permission.IMPORT_RUBRICS)
    note = " ".join(change_note.split())
    if len(note) < NOTE_MIN:
        raise ValidationError(f"Say what changed and why in the change note (at least {NOTE_MIN} characters); it "
                              "is kept with the version and in the audit trail.", field="change_note")
    if len(note) > NOTE_MAX:
        raise ValidationError(f"The change note is {len(note):,} characters; keep it under {NOTE_MAX:,}.",
                              field="change_note")
    rubric = parse_rubric_document(document, "The edited rubric")
    with db.transaction() as session:
        parent = session.get(RubricVersion, based_on_id)
        if parent is None:
            raise NotFoundError(f"There is no stored rubric version with id {based_on_id}.")
        if not rubric_diff.content_changes(parent.document, document):
            raise ConflictError("Nothing but the version number has changed from the version you started from; "
                                "there is nothing to save.")
        result = _store(session, actor, copy.deepcopy(document), rubric, "rubric editor", parent, note)
        if not result.created:
            raise ConflictError(f"Version {rubric.version} of {rubric.id!r} is already stored with exactly this "
                                "content.")
        return result


def export_json(db: Database, actor: Actor, rubric_version_id: int, target: Path) -> Path:
    """The stored version as the JSON `rubric import` reads, indented for people."""
    version = stored_version(db, actor, rubric_version_id)
    with atomic_target(target) as tmp:
        tmp.write_text(json.dumps(version.document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return target
