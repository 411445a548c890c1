from __future__ import annotations

import pytest
from sqlalchemy import text

from supervisor_app.core.roles import Role
from supervisor_app.errors import PermissionDeniedError
from supervisor_app.services import accounts, audit
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database


def test_trail_records_who_did_what(db: Database, admin: Actor) -> None:
    accounts.create_user(db, admin, "tom", "Tom", Role.RATER, "tom-password")
    newest = audit.list_events(db, admin)[0]
    assert (newest.actor, newest.action, newest.details) == ("root", "user.create", {"username": "tom",
                                                                                       "role": "rater"})
    assert audit.verify_chain(db, admin) == []


def test_tampering_is_detected(db: Database, admin: Actor) -> None:
    accounts.create_user(db, admin, "tom", "Tom", Role.RATER, "tom-password")
    events = audit.list_events(db, admin)
    target = events[1].id
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor_name = 'someone-else' WHERE id = :id"), {"id": target})
    assert audit.verify_chain(db, admin) == [target]


def test_deleting_an_event_breaks_the_chain(db: Database, admin: Actor) -> None:
    accounts.create_user(db, admin, "tom", "Tom", Role.RATER, "tom-password")
    accounts.create_user(db, admin, "ann", "Ann", Role.RATER, "ann-password")
    ids = sorted(e.id for e in audit.list_events(db, admin))
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[1]})
    assert audit.verify_chain(db, admin) == [ids[2]]


def test_only_admins_read_the_trail(db: Database, admin: Actor) -> None:
    accounts.create_user(db, admin, "sam", "Sam", Role.SUPERVISOR, "sam-password")
    sam = accounts.authenticate(db, "sam", "sam-password")
    with pytest.raises(PermissionDeniedError, match="may not view audit log"):
        audit.list_events(db, sam)


def test_records_are_named_in_the_words_people_use() -> None:
    """Issue 16, point 10: the audit trail said "transcript_segment 19"."""
    import datetime as dt

    from supervisor_app.services.audit import AuditEntry

    def entry(kind: str, entity: str) -> AuditEntry:
        return AuditEntry(1, dt.datetime.now(dt.UTC), "maria", "x", kind, entity, "", {})

    assert entry("transcript_segment", "19").record == "transcript line 19"
    assert entry("calibration_round", "2").record == "calibration round 2"
    assert entry("review", "7").record == "review 7"
    assert entry("some_new_kind", "3").record == "some new kind 3"
