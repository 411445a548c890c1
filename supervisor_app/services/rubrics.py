"""Rubrics: validate files against the JSON Schema, import them as immutable versions, read them back."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervisor_app.core.roles import Permission
from supervisor_app.core.rubric import MAX_RUBRIC_BYTES, Rubric, decode_rubric_bytes, parse_rubric
from supervisor_app.errors import ConflictError, NotFoundError
from supervisor_app.files import read_bounded
from supervisor_app.paths import bundled_path
from supervisor_app.services import audit
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import RubricVersion

DEFAULT_RUBRIC_FILE = ("resources", "rubrics", "grow-icf-core-1.0.json")


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
           source_name: str) -> ImportResult:
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
                        source_name=source_name[:500])
    session.add(row)
    session.flush()
    audit.record(session, actor, "rubric.import", "rubric_version", row.id,
                 {"rubric": rubric.id, "version": rubric.version, "sha256": digest, "source": source_name})
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
