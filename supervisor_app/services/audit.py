"""The audit trail: append-only, each event hash-chained to the one before, so tampering shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervisor_app.core.roles import Permission
from supervisor_app.services.context import Actor, require
from supervisor_app.store import chain
from supervisor_app.store.db import Database
from supervisor_app.store.models import AuditEvent, utc_now

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"


def _event_hash(prev_hash: str, at: dt.datetime, actor_name: str, action: str, entity_type: str,
                entity_id: str, reason: str, details: dict[str, Any]) -> str:
    payload = json.dumps([prev_hash, at.isoformat(), actor_name, action, entity_type, entity_id, reason, details],
                         sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(session: Session, actor: Actor | None, action: str, entity_type: str, entity_id: object,
           details: dict[str, Any] | None = None, reason: str = "") -> AuditEvent:
    """Append one event inside the caller's transaction (after every other writer's: see `store.chain`)."""
    prev_hash = chain.lock_and_read_tip(session) or GENESIS_HASH
    at = utc_now()
    actor_name = actor.username if actor else SYSTEM_ACTOR
    clean_details = details or {}
    event = AuditEvent(
        at=at, actor_id=actor.user_id if actor else None, actor_name=actor_name, action=action,
        entity_type=entity_type, entity_id=str(entity_id), reason=reason, details=clean_details,
        prev_hash=prev_hash,
        hash=_event_hash(prev_hash, at, actor_name, action, entity_type, str(entity_id), reason, clean_details),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    reason: str
    details: dict[str, Any]

    @property
    def record(self) -> str:
        """The record in the words people use ("transcript line 19", not "transcript_segment 19")."""
        word = RECORD_WORDS.get(self.entity_type, self.entity_type.replace("_", " "))
        return f"{word} {self.entity_id}".strip()


RECORD_WORDS = {"transcript_segment": "transcript line", "rubric_version": "rubric version",
                "calibration_round": "calibration round", "audit_cycle": "audit cycle", "consent": "consent record",
                "redaction_term": "redaction term", "program_setting": "program setting", "setting": "setting",
                "gold_standard": "gold standard", "legal_hold": "legal hold", "database": "database"}


def list_events(db: Database, actor: Actor, limit: int = 500) -> list[AuditEntry]:
    require(actor, Permission.VIEW_AUDIT_LOG)
    with db.transaction() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
        return [AuditEntry(e.id, e.at, e.actor_name, e.action, e.entity_type, e.entity_id, e.reason, e.details)
                for e in events]


def verify_chain(db: Database, actor: Actor) -> list[int]:
    """Ids of events whose hash or link does not match; empty when the trail is intact."""
    require(actor, Permission.VIEW_AUDIT_LOG)
    with db.transaction() as session:
        return broken_events(session)


def broken_events(session: Session) -> list[int]:
    broken: list[int] = []
    expected_prev = GENESIS_HASH
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        recomputed = _event_hash(event.prev_hash, event.at, event.actor_name, event.action, event.entity_type,
                                 event.entity_id, event.reason, event.details)
        if event.prev_hash != expected_prev or recomputed != event.hash:
            broken.append(event.id)
        expected_prev = event.hash
    return broken


def head(session: Session) -> tuple[str, int]:
    """The newest event's hash (the fingerprint of everything recorded so far) and the number of events."""
    last, count = chain.tip_and_count(session)
    return last or GENESIS_HASH, count
