"""The audit trail's tip, read so that concurrent writers append one after another.

On a team server every writer takes one transaction-scoped advisory lock before it reads the tip, so the chain
never forks (two events naming the same predecessor); the lock goes with the commit or rollback. The tip is read
through a SECURITY DEFINER function, because most logins may append to the trail but not read it. SQLite has
one writer at a time already.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from supervisor_app.store.db import is_server
from supervisor_app.store.models import AuditEvent

AUDIT_CHAIN_LOCK = 0x43_53_41_55  # "CSAU": any constant shared by every writer of this database


def lock_and_read_tip(session: Session) -> str | None:
    """The newest event's hash, with the right to append after it until this transaction ends."""
    if is_server(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
        tip: str | None = session.scalar(text("SELECT cs_audit_tip()"))
        return tip
    return session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()


def tip_and_count(session: Session) -> tuple[str | None, int]:
    """The newest event's hash and how many events there are, for every login (no lock)."""
    if is_server(session):
        row = session.execute(text("SELECT cs_audit_tip(), cs_audit_count()")).one()
        return row[0], int(row[1])
    last = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return last, session.scalar(select(func.count()).select_from(AuditEvent)) or 0
