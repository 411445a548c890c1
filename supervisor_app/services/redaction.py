"""Redaction with a person in the loop: suggestions stored per transcript segment, accepted or rejected one by
one (or marked by hand), and applied wherever transcript text reaches someone who must not read it raw.

Who reads raw text: the roles that correct transcripts (administrators and supervisors). Everyone else — raters,
every file written for HR — gets the redacted text. Until a person has decided, a suggestion counts as redacted
(a name is withheld by default, not leaked by default), and the rule-based detectors also run at the moment of
rendering, so text corrected or quoted after the last redaction pass is covered too; only a span a person
rejected stays. The optional language model runs in the redaction pass only (its finds are stored suggestions):
it is slow, and rendering must not depend on an optional package.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from supervisor_app.core import redaction as rules
from supervisor_app.core.redaction import Kind, NerEngine, Source, Span, Term
from supervisor_app.core.roles import Permission, allows
from supervisor_app.core.transcripts import Segment
from supervisor_app.errors import ConflictError, NotFoundError, ValidationError
from supervisor_app.services import audit
from supervisor_app.services import ner as ner_module
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    Coach,
    Redaction,
    RedactionTerm,
    Transcript,
    TranscriptSegment,
    User,
    utc_now,
)

SUGGESTED, ACCEPTED, REJECTED = "suggested", "accepted", "rejected"
STATES = (SUGGESTED, ACCEPTED, REJECTED)
_ACTIONS = {SUGGESTED: "undo", ACCEPTED: "accept", REJECTED: "reject"}
TERM_MAX = 200


@dataclass(frozen=True)
class RedactionView:
    id: int
    segment_id: int
    segment_index: int
    start_s: float
    end_s: float
    start_char: int
    end_char: int
    raw: str
    kind: Kind
    source: str
    state: str
    segment_text: str

    @property
    def label(self) -> str:
        return self.kind.label


@dataclass(frozen=True)
class RedactionStatus:
    accepted: int
    suggested: int
    rejected: int

    def describe(self) -> str:
        if not (self.accepted or self.suggested or self.rejected):
            return "no redaction pass yet"
        return (f"{self.accepted} redacted, {self.suggested} to decide (withheld until decided), "
                f"{self.rejected} kept")


@dataclass(frozen=True)
class TermView:
    id: int
    term: str
    kind: Kind


def reads_raw(actor: Actor) -> bool:
    """Whether this role may read transcript text unredacted (the roles that correct transcripts)."""
    return allows(actor.role, Permission.EDIT_TRANSCRIPTS)


def parse_kind(text: str) -> Kind:
    wanted = text.strip().strip("[]").lower()
    for kind in Kind:
        if wanted == kind.value:
            return kind
    raise ValidationError(f"“{text}” is not a kind of identifier; use one of {', '.join(k.value for k in Kind)}.",
                          field="kind")


# ------------------------------------------------------------------ what the detectors know
def known_names(session: Session) -> list[Term]:
    """Every person name the app holds: coaches and users (a coachee's real name belongs in the term list)."""
    names = list(session.scalars(select(Coach.name))) + list(session.scalars(select(User.display_name)))
    return rules.name_terms(names)


def program_terms(session: Session) -> list[Term]:
    return [Term(t, Kind(k)) for t, k in session.execute(select(RedactionTerm.term, RedactionTerm.kind))]


@cache
def ner_engine() -> NerEngine | None:
    """The optional English NER detector (the `redaction` extra), loaded once; None when it is not installed."""
    if find_spec("presidio_analyzer") is None or find_spec(ner_module.MODEL_PACKAGE) is None:
        return None
    return ner_module.engine()


def list_terms(db: Database, actor: Actor) -> list[TermView]:
    require(actor, Permission.EDIT_TRANSCRIPTS)
    with db.transaction() as session:
        rows = session.scalars(select(RedactionTerm).order_by(func.lower(RedactionTerm.term)))
        return [TermView(r.id, r.term, Kind(r.kind)) for r in rows]


def add_term(db: Database, actor: Actor, term: str, kind: Kind = Kind.ORG) -> TermView:
    """A company, client or project name (or a person's real name) that every transcript redacts."""
    require(actor, Permission.MANAGE_USERS)
    clean = " ".join(term.split())
    if len(clean) < 2 or len(clean) > TERM_MAX:
        raise ValidationError(f"A redaction term has 2–{TERM_MAX} characters.", field="term")
    with db.transaction() as session:
        if session.scalar(select(RedactionTerm.id).where(func.lower(RedactionTerm.term) == clean.lower())):
            raise ConflictError(f"“{clean}” is already on the redaction list.")
        row = RedactionTerm(term=clean, kind=kind.value, added_by_id=actor.user_id)
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise ConflictError(f"“{clean}” is already on the redaction list.") from exc
        audit.record(session, actor, "redaction.add_term", "redaction_term", row.id, {"kind": kind.value})
        return TermView(row.id, row.term, kind)


def remove_term(db: Database, actor: Actor, term: str) -> None:
    require(actor, Permission.MANAGE_USERS)
    with db.transaction() as session:
        row = session.scalar(select(RedactionTerm).where(func.lower(RedactionTerm.term) == term.strip().lower()))
        if row is None:
            raise NotFoundError(f"“{term.strip()}” is not on the redaction list.")
        audit.record(session, actor, "redaction.remove_term", "redaction_term", row.id, {"kind": row.kind})
        session.delete(row)


# ------------------------------------------------------------------ the pass over one transcript
def _segments(session: Session, recording_id: int) -> list[TranscriptSegment]:
    transcript = session.scalar(select(Transcript).where(Transcript.recording_id == recording_id))
    if transcript is None:
        raise NotFoundError(f"Recording {recording_id} has no transcript yet; transcribe it first.")
    return list(session.scalars(select(TranscriptSegment).where(TranscriptSegment.transcript_id == transcript.id)
                                .order_by(TranscriptSegment.idx)))


def _view(row: Redaction, segment: TranscriptSegment) -> RedactionView:
    return RedactionView(row.id, segment.id, segment.idx, segment.start_s, segment.end_s, row.start_char,
                         row.end_char, row.raw, Kind(row.kind), row.source, row.state, segment.text)


def _by_segment(session: Session, recording_id: int) -> dict[int, list[Redaction]]:
    """The recording's stored suggestions and decisions, by segment."""
    found: dict[int, list[Redaction]] = defaultdict(list)
    for row in session.scalars(select(Redaction).where(Redaction.recording_id == recording_id)):
        found[row.segment_id].append(row)
    return found


def _overlaps(span: Span, rows: Iterable[Redaction]) -> bool:
    return any(span.start < r.end_char and span.end > r.start_char for r in rows)


def suggest(db: Database, actor: Actor, recording_id: int) -> int:
    """Run the detectors (the language model too, when installed) over the transcript and store what they find
    that no earlier decision covers; returns how many suggestions are new. Decisions already made stay."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    with db.transaction() as session:
        segments = _segments(session, recording_id)
        names, terms, ner = known_names(session), program_terms(session), ner_engine()
        existing = _by_segment(session, recording_id)
        added: dict[str, int] = defaultdict(int)
        for segment in segments:
            for span in rules.suggest(segment.text, names, terms, ner):
                if not _overlaps(span, existing[segment.id]):
                    row = Redaction(recording_id=recording_id, segment_id=segment.id, start_char=span.start,
                                    end_char=span.end, raw=span.text_in(segment.text), kind=span.kind.value,
                                    source=span.source.value, state=SUGGESTED)
                    session.add(row)
                    existing[segment.id].append(row)
                    added[span.kind.value] += 1
        audit.record(session, actor, "redaction.suggest", "recording", recording_id,
                     {"new": dict(added), "language_model": ner is not None})
        return sum(added.values())


def list_for(db: Database, actor: Actor, recording_id: int) -> list[RedactionView]:
    """Every suggestion and decision on the recording's transcript, in reading order."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    with db.transaction() as session:
        segments = {s.id: s for s in _segments(session, recording_id)}
        rows = session.scalars(select(Redaction).where(Redaction.recording_id == recording_id))
        views = [_view(r, segments[r.segment_id]) for r in rows if r.segment_id in segments]
        return sorted(views, key=lambda v: (v.segment_index, v.start_char))


def decide(db: Database, actor: Actor, redaction_id: int, state: str) -> RedactionView:
    """Accept, reject, or put back to undecided (undo) one suggestion."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    if state not in STATES:
        raise ValidationError(f"A redaction is {', '.join(STATES)}; “{state}” is none of them.", field="state")
    with db.transaction() as session:
        row = session.get(Redaction, redaction_id)
        if row is None:
            raise NotFoundError(f"There is no redaction suggestion {redaction_id}.")
        segment = session.get(TranscriptSegment, row.segment_id)
        assert segment is not None  # the foreign key cascades
        if row.state != state:
            row.state = state
            row.decided_by_id, row.decided_at = (None, None) if state == SUGGESTED else (actor.user_id, utc_now())
            audit.record(session, actor, f"redaction.{_ACTIONS[state]}", "redaction", row.id,
                         {"recording": row.recording_id, "kind": row.kind})
        return _view(row, segment)


def mark(db: Database, actor: Actor, segment_id: int, start: int, end: int, kind: Kind) -> RedactionView:
    """Redact a span a detector missed (characters `start`–`end` of the segment's text); accepted at once."""
    require(actor, Permission.EDIT_TRANSCRIPTS)
    with db.transaction() as session:
        segment = session.get(TranscriptSegment, segment_id)
        if segment is None:
            raise NotFoundError(f"There is no transcript segment {segment_id}.")
        text = segment.text
        if 0 <= start < end <= len(text):
            start += len(text[start:end]) - len(text[start:end].lstrip())
            end -= len(text[start:end]) - len(text[start:end].rstrip())
        if not 0 <= start < end <= len(text):
            raise ValidationError(f"Select the words to redact: characters 0–{len(text)} of the segment, "
                                  "at least one.", field="span")
        transcript = session.get(Transcript, segment.transcript_id)
        assert transcript is not None
        span = Span(start, end, kind, Source.MANUAL)
        for row in list(session.scalars(select(Redaction).where(Redaction.segment_id == segment_id))):
            if _overlaps(span, [row]):  # a hand-marked span replaces the suggestions it covers
                if row.state == ACCEPTED and row.start_char <= start and row.end_char >= end:
                    raise ConflictError(f"“{row.raw}” is already redacted as {Kind(row.kind).label}.")
                session.delete(row)
        session.flush()
        row = Redaction(recording_id=transcript.recording_id, segment_id=segment_id, start_char=start, end_char=end,
                        raw=text[start:end], kind=kind.value, source=Source.MANUAL.value, state=ACCEPTED,
                        decided_by_id=actor.user_id, decided_at=utc_now())
        session.add(row)
        session.flush()
        audit.record(session, actor, "redaction.mark", "redaction", row.id,
                     {"recording": transcript.recording_id, "kind": kind.value})
        return _view(row, segment)


def follow_edit(session: Session, segment: TranscriptSegment, old_text: str) -> None:
    """A segment's text was corrected: each redaction moves with its words, or goes when they are gone."""
    for row in list(session.scalars(select(Redaction).where(Redaction.segment_id == segment.id))):
        moved = rules.locate(old_text, segment.text, Span(row.start_char, row.end_char, Kind(row.kind),
                                                          Source(row.source)))
        if moved is None:
            session.delete(row)
        else:
            row.start_char, row.end_char = moved.start, moved.end


def status(session: Session, recording_id: int) -> RedactionStatus:
    rows = session.execute(select(Redaction.state, func.count()).where(Redaction.recording_id == recording_id)
                           .group_by(Redaction.state))
    counts: dict[str, int] = {state: count for state, count in rows}  # noqa: C416 - Row, not a plain pair
    return RedactionStatus(counts.get(ACCEPTED, 0), counts.get(SUGGESTED, 0), counts.get(REJECTED, 0))


# ------------------------------------------------------------------ rendering for those who must not read raw text
def redacted_segments(session: Session, recording_id: int, segments: Sequence[Segment]) -> list[Segment]:
    """The segments as someone without raw access reads them: accepted and undecided spans replaced, and the
    detectors run again so text changed since the last pass is covered; rejected spans stay as spoken."""
    stored = _by_segment(session, recording_id)
    names, terms = known_names(session), program_terms(session)
    result = []
    for segment in segments:
        rows = stored.get(segment.id, [])
        spans = [Span(r.start_char, r.end_char, Kind(r.kind), Source(r.source)) for r in rows if r.state != REJECTED]
        spans += [s for s in rules.suggest(segment.text, names, terms) if not _overlaps(s, rows)]
        result.append(rules.redact_segment(segment, rules.resolve(spans)))
    return result


QuoteRedactor = Callable[[int, str], str]


def quote_redactor(session: Session, recording_ids: Iterable[int]) -> QuoteRedactor:
    """Redacts quotes copied from these recordings' transcripts (the HR workbook, feedback to a coach)."""
    wanted = set(recording_ids)
    withheld: dict[int, set[str]] = defaultdict(set)
    kept: dict[int, set[str]] = defaultdict(set)
    if wanted:
        for recording_id, raw, state in session.execute(
                select(Redaction.recording_id, Redaction.raw, Redaction.state)
                .where(Redaction.recording_id.in_(wanted))):
            (kept if state == REJECTED else withheld)[recording_id].add(raw)
    names, terms = known_names(session), program_terms(session)

    def redact(recording_id: int, quote: str) -> str:
        if not quote:
            return quote
        return rules.redact_quote(quote, withheld.get(recording_id, ()), names, terms,
                                  kept.get(recording_id, set()) - withheld.get(recording_id, set()))

    return redact
