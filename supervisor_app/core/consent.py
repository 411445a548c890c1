"""Consent of a coachee (or for one recording) and what it allows: pure rules, no storage.

A consent record grants scopes on a date, may expire, and any scope may be withdrawn from a date on. For a
recording, the newest record captured for that recording applies; without one, the newest record of its coachee
pseudonym. A scope is then granted, withdrawn, expired, not granted (the record leaves it out) or missing (no
record at all). All but granted refuse, except that missing refuses only when the program requires consent (its
policy), so an installation that has not started recording consent keeps working and sees "no consent
recorded".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    RECORD = "record"
    TRANSCRIBE = "transcribe"
    CALIBRATION = "calibration"
    AUDIT = "audit"
    QUOTE = "quote"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Scope.RECORD: "record the session",
    Scope.TRANSCRIBE: "transcribe it with local AI",
    Scope.CALIBRATION: "use it in calibration and training",
    Scope.AUDIT: "include it in audits",
    Scope.QUOTE: "quote de-identified excerpts to HR",
}


class State(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    NOT_GRANTED = "not granted"  # a consent record exists and leaves this scope out: the coachee did not agree
    MISSING = "missing"  # no consent record at all


@dataclass(frozen=True)
class ConsentRecord:
    id: int
    coachee: str
    recording_id: int | None
    scopes: frozenset[Scope]
    captured_on: dt.date
    expires_on: dt.date | None = None
    withdrawn: Mapping[Scope, dt.date] = field(default_factory=dict)
    document_ref: str = ""


@dataclass(frozen=True)
class Decision:
    scope: Scope
    state: State
    record_id: int | None
    since: dt.date | None = None  # withdrawn or expired on

    def allowed(self, required: bool) -> bool:
        return self.state is State.GRANTED or (self.state is State.MISSING and not required)

    def describe(self) -> str:
        if self.state is State.GRANTED:
            return f"consent to {self.scope.label} (record {self.record_id})"
        if self.state is State.WITHDRAWN:
            return f"consent to {self.scope.label} was withdrawn on {self.since}"
        if self.state is State.EXPIRED:
            return f"consent to {self.scope.label} expired on {self.since}"
        if self.state is State.NOT_GRANTED:
            return f"the coachee's consent (record {self.record_id}) does not cover: {self.scope.label}"
        return f"no consent to {self.scope.label} is recorded"


def applicable(records: Iterable[ConsentRecord], recording_id: int, coachee: str) -> ConsentRecord | None:
    """The record that governs this recording: its own newest one, else its coachee's newest general one."""
    own = [r for r in records if r.recording_id == recording_id]
    general = [r for r in records if r.recording_id is None and r.coachee == coachee and coachee]
    chosen = own or general
    return max(chosen, key=lambda r: (r.captured_on, r.id)) if chosen else None


def decide(record: ConsentRecord | None, scope: Scope, today: dt.date) -> Decision:
    if record is None:
        return Decision(scope, State.MISSING, None)
    if scope not in record.scopes:
        return Decision(scope, State.NOT_GRANTED, record.id)
    withdrawn = record.withdrawn.get(scope)
    if withdrawn is not None and withdrawn <= today:
        return Decision(scope, State.WITHDRAWN, record.id, withdrawn)
    if record.expires_on is not None and record.expires_on < today:
        return Decision(scope, State.EXPIRED, record.id, record.expires_on)
    return Decision(scope, State.GRANTED, record.id)


def summary(record: ConsentRecord | None, today: dt.date) -> str:
    """One cell for a list: which scopes hold, or why none does."""
    if record is None:
        return "no consent recorded"
    decisions = [decide(record, scope, today) for scope in Scope]
    granted = [d.scope.value for d in decisions if d.state is State.GRANTED]
    lost = [f"{d.scope.value} {d.state.value}" for d in decisions if d.state in (State.WITHDRAWN, State.EXPIRED)]
    return ", ".join(granted + lost) or "no scope granted"
