"""The audit workbook for HR: what leaves the building, so it must be right, safe and readable.

Scope: a revealed calibration round, a chosen set of reviews, or the reviews submitted in a date range. Sheets:
Summary, Scores, Agreement, Raters, Evidence, Method. Reviews of a round that is still blind are never exported.
Roles: supervisors and administrators may export everything; HR viewers (and anyone who asks for it) get
aggregates only — no rationale, no quotes, no notes. The file is written to a temporary name and renamed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from supervisor_app import __version__
from supervisor_app.core.agreement import OVERALL, Agreement, CalibrationRule, Rating, by_competency, calibrated
from supervisor_app.core.coaches import CoachLevel
from supervisor_app.core.consent import Scope
from supervisor_app.core.drift import BIAS_THRESHOLD, rater_drift
from supervisor_app.core.reviews import MEETS_STANDARD_SCORE, numeric_value
from supervisor_app.core.roles import Permission
from supervisor_app.core.rubric import Category
from supervisor_app.errors import NotFoundError, PermissionDeniedError, SupervisorError, ValidationError
from supervisor_app.files import UnwritableFileError, atomic_target
from supervisor_app.services import audit, consent, drift, redaction, rubrics
from supervisor_app.services.audits import REASSIGNED, SUBMITTED, quarter_of
from supervisor_app.services.context import Actor, require
from supervisor_app.services.xlsx import Column, Kind, SheetWriter, Typed, clean_text, discard, new_workbook
from supervisor_app.store import logins
from supervisor_app.store.db import Database
from supervisor_app.store.models import (
    Assignment,
    AuditCycle,
    AuditEvent,
    AuditSample,
    CalibrationRound,
    Coach,
    EvidenceItem,
    Recording,
    Review,
    ReviewScore,
    RoundRecording,
    RubricVersion,
    User,
    utc_now,
)

EXPORT_ACTION = "export.workbook"
COVERAGE_TARGET = 0.20  # quarterly audit: at least 20 % of active coaches
STREAM_BATCH = 2000
RED, AMBER, GREEN, DARK_GREEN = "F4C7C3", "FCE8B2", "D9EAD3", "B6D7A8"

Progress = Callable[[int, int], bool]  # (rows done, rows in total) -> keep going


class ExportCancelledError(SupervisorError):
    """The user stopped the export; no file was written."""


@dataclass(frozen=True)
class ExportScope:
    """Exactly one of: a calibration round, explicit review ids, a date range of submission (inclusive), or a
    quarter's audit cycle."""
    round_id: int | None = None
    review_ids: tuple[int, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    quarter: str | None = None

    def check(self) -> None:
        chosen = sum((self.round_id is not None, bool(self.review_ids), self.start is not None or self.end is not None,
                      self.quarter is not None))
        if chosen != 1:
            raise ValidationError("Choose one scope: a calibration round, a set of reviews, a date range or an audit "
                                  "cycle.")
        if (self.start is None) != (self.end is None):
            raise ValidationError("A date range needs both a start and an end date.")
        if self.start and self.end and self.start > self.end:
            raise ValidationError(f"The range starts ({self.start}) after it ends ({self.end}); swap the dates.")
        if self.end is not None and self.end >= dt.date.max:
            raise ValidationError(f"{self.end} is the last day of the calendar; give a real end date.")


@dataclass(frozen=True)
class ExportOptions:
    pseudonyms: bool = False  # coaches as stable pseudonyms instead of names
    aggregates_only: bool = False  # forced for roles that may not read reviews
    pseudonym_key: str = ""  # secret that keeps pseudonyms stable across exports; empty: this workbook only
    rule: CalibrationRule = field(default_factory=CalibrationRule)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    reviews: int
    score_rows: int
    evidence_rows: int
    aggregates_only: bool
    sha256: str
    fingerprint: str


@dataclass(frozen=True)
class _Review:
    recording_id: int
    rater: str
    rubric_version_id: int
    coach_id: int


@dataclass(frozen=True)
class _Competency:
    id: str
    title: str
    is_gate: bool
    core: bool
    order: int


@dataclass
class _Facts:
    """Everything the aggregate sheets need, gathered in one pass over the scores (numbers only)."""
    scope_text: str
    reviews: dict[int, _Review]
    competencies: dict[str, _Competency]
    codes: dict[int, str]
    master: str | None
    agreement: dict[str, Agreement] = field(default_factory=dict)
    ratings: list[Rating] = field(default_factory=list)
    meets_standard: int = 0
    below_standard: dict[int, list[str]] = field(default_factory=dict)  # review id -> the competencies concerned
    score_rows: int = 0
    evidence_rows: int = 0
    per_competency: dict[str, list[float]] = field(default_factory=dict)
    gates_per_competency: dict[str, list[int]] = field(default_factory=dict)  # [passed, decided]
    per_rater: dict[str, list[float]] = field(default_factory=dict)
    first_session: dt.date | None = None
    last_session: dt.date | None = None
    first_submitted: dt.datetime | None = None
    last_submitted: dt.datetime | None = None
    active_coaches: int = 0
    cycle_quarter: str | None = None

    @property
    def reviews_per_rater(self) -> Counter[str]:
        return Counter(review.rater for review in self.reviews.values())

    @property
    def gates_passed(self) -> int:
        return sum(passed for passed, _decided in self.gates_per_competency.values())

    @property
    def gate_decisions(self) -> int:
        return sum(decided for _passed, decided in self.gates_per_competency.values())

    @property
    def coaches_reviewed(self) -> int:
        return len({review.coach_id for review in self.reviews.values()})

    @property
    def recordings(self) -> int:
        return len({review.recording_id for review in self.reviews.values()})

    @property
    def multi_rated(self) -> set[int]:
        """Recordings scored by two or more raters: only these feed the agreement statistics."""
        raters: dict[int, set[str]] = defaultdict(set)
        for review in self.reviews.values():
            raters[review.recording_id].add(review.rater)
        return {recording for recording, names in raters.items() if len(names) >= 2}


class _Names:
    """Coach names, or pseudonyms keyed by a secret (stable across exports when the key is kept)."""

    def __init__(self, session: Session, pseudonyms: bool, key: str) -> None:
        self.pseudonyms = pseudonyms
        self.stable = bool(key)
        self._key = (key or secrets.token_hex(32)).encode()
        self._names = dict(session.execute(select(Coach.id, Coach.name)).all())

    def coach(self, coach_id: int) -> str:
        if not self.pseudonyms:
            return self._names.get(coach_id, "")
        digest = hmac.new(self._key, str(coach_id).encode(), hashlib.sha256).hexdigest()
        return f"Coach {digest[:8].upper()}"


@dataclass(frozen=True)
class ExportableRound:
    id: int
    title: str
    status: str


def exportable_rounds(db: Database, actor: Actor) -> list[ExportableRound]:
    """Revealed and closed rounds, the latest revealed first (a blind round is never exported)."""
    require(actor, Permission.EXPORT_AGGREGATES)
    with db.transaction() as session:
        rows = session.scalars(select(CalibrationRound).where(CalibrationRound.status != "open")
                               .order_by(CalibrationRound.revealed_at.desc(), CalibrationRound.id.desc()))
        return [ExportableRound(r.id, r.title, r.status) for r in rows]


def exportable_cycles(db: Database, actor: Actor) -> list[str]:
    """The quarters with an audit cycle, newest first."""
    require(actor, Permission.EXPORT_AGGREGATES)
    with db.transaction() as session:
        return list(session.scalars(select(AuditCycle.quarter).order_by(AuditCycle.quarter.desc())))


@dataclass(frozen=True)
class PastExport:
    at: dt.datetime
    by: str
    file_name: str
    scope: str
    aggregates_only: bool
    sha256: str


def recent_exports(db: Database, actor: Actor, limit: int = 20) -> list[PastExport]:
    """Workbooks exported before, newest first, from the audit trail: your own (administrators: everyone's)."""
    require(actor, Permission.EXPORT_AGGREGATES)
    query = select(AuditEvent).where(AuditEvent.action == EXPORT_ACTION)
    if not actor.can(Permission.VIEW_AUDIT_LOG):
        query = query.where(AuditEvent.actor_id == actor.user_id)
    with db.transaction() as session:
        events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
        return [PastExport(e.at, e.actor_name, e.entity_id, str(e.details.get("scope", "")),
                           bool(e.details.get("aggregates_only")), str(e.details.get("sha256", "")))
                for e in events]


def _scope_filter(session: Session, scope: ExportScope) -> tuple[Any, str, CalibrationRound | None]:
    """The WHERE clause selecting the scope's submitted reviews, a description, and the round if any."""
    not_blind = or_(Review.round_id.is_(None), Review.round_id.in_(
        select(CalibrationRound.id).where(CalibrationRound.status != "open")))
    submitted = and_(Review.status == "submitted", Review.gold_standard_id.is_(None))  # practice never counts
    if scope.quarter is not None:
        cycle = _cycle_of(session, scope.quarter)
        done = select(Assignment.review_id).where(Assignment.cycle_id == cycle.id, Assignment.state == SUBMITTED)
        return (and_(submitted, Review.id.in_(done)), f"Audit cycle {cycle.quarter} ({cycle.status})", None)
    if scope.round_id is not None:
        calibration = session.get(CalibrationRound, scope.round_id)
        if calibration is None:
            raise NotFoundError(f"There is no calibration round {scope.round_id}.")
        if calibration.status == "open":
            raise PermissionDeniedError(f"Round {calibration.id} ({calibration.title}) is still blind; export it "
                                        "after the reveal.")
        return (and_(submitted, Review.round_id == calibration.id),
                f"Calibration round {calibration.id}: {calibration.title} ({calibration.status})", calibration)
    if scope.review_ids:
        wanted = set(scope.review_ids)
        found = set(session.scalars(select(Review.id).where(Review.id.in_(wanted), submitted, not_blind)))
        if missing := sorted(wanted - found):
            raise ValidationError("These reviews cannot be exported (unknown, not submitted, superseded or in a "
                                  f"round that is still blind): {', '.join(map(str, missing))}.")
        return and_(Review.id.in_(wanted), submitted), f"{len(wanted)} selected review(s)", None
    assert scope.start is not None
    assert scope.end is not None
    start = dt.datetime.combine(scope.start, dt.time(), dt.UTC)
    end = dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time(), dt.UTC)
    return (and_(submitted, not_blind, Review.submitted_at >= start, Review.submitted_at < end),
            f"Reviews submitted {scope.start:%Y-%m-%d} to {scope.end:%Y-%m-%d} (UTC)", None)


def _cycle_of(session: Session, quarter_text: str) -> AuditCycle:
    quarter = quarter_of(quarter_text)
    cycle = session.scalar(select(AuditCycle).where(AuditCycle.quarter == quarter.label))
    if cycle is None:
        raise NotFoundError(f"There is no audit cycle for {quarter.label}.")
    return cycle


def _competencies(session: Session, version_ids: set[int]) -> dict[str, _Competency]:
    found: dict[str, _Competency] = {}
    for row in session.scalars(select(RubricVersion).where(RubricVersion.id.in_(version_ids))
                               .order_by(RubricVersion.id)):  # newest version last: its titles win
        for order, competency in enumerate(rubrics.parse_rubric_document(row.document).competencies):
            found[competency.id] = _Competency(competency.id, competency.title, competency.is_gate,
                                               competency.category is Category.CORE, order)
    return found


def _gather(session: Session, scope: ExportScope) -> tuple[_Facts, Any]:
    where, scope_text, calibration = _scope_filter(session, scope)
    rows = session.execute(
        select(Review.id, Review.recording_id, User.display_name, Review.rubric_version_id, Recording.coach_id,
               Recording.session_date, Review.submitted_at)
        .join(User, User.id == Review.rater_id).join(Recording, Recording.id == Review.recording_id)
        .where(where)).all()
    if not rows:
        raise ValidationError(f"Nothing to export: no submitted reviews in {scope_text[0].lower()}{scope_text[1:]}.")
    reviews = {r[0]: _Review(r[1], r[2], r[3], r[4]) for r in rows}
    competencies = _competencies(session, {r.rubric_version_id for r in reviews.values()})
    codes: dict[int, str] = {}
    if calibration is not None:
        codes = dict(session.execute(select(RoundRecording.recording_id, RoundRecording.code)
                                     .where(RoundRecording.round_id == calibration.id)).all())
    master = None
    if calibration is not None and calibration.master_id is not None:
        master = session.scalar(select(User.display_name).where(User.id == calibration.master_id))
    facts = _Facts(scope_text, reviews, competencies, codes, master)
    facts.cycle_quarter = _cycle_of(session, scope.quarter).quarter if scope.quarter is not None else None
    sessions = [r[5] for r in rows if r[5] is not None]
    facts.first_session, facts.last_session = (min(sessions), max(sessions)) if sessions else (None, None)
    submitted = [r[6] for r in rows if r[6] is not None]
    facts.first_submitted, facts.last_submitted = min(submitted), max(submitted)
    facts.active_coaches = session.scalar(select(func.count()).select_from(Coach).where(Coach.active.is_(True))) or 0
    _score_facts(session, where, facts)
    facts.evidence_rows = session.scalar(select(func.count()).select_from(EvidenceItem).join(
        Review, Review.id == EvidenceItem.review_id).where(where)) or 0
    return facts, where


def _score_facts(session: Session, where: Any, facts: _Facts) -> None:
    multi = facts.multi_rated
    scored: set[int] = set()
    stmt = (select(ReviewScore.review_id, ReviewScore.competency_id, ReviewScore.score, ReviewScore.gate_passed,
                   ReviewScore.not_observed).join(Review, Review.id == ReviewScore.review_id).where(where)
            .execution_options(yield_per=STREAM_BATCH))
    for review_id, competency_id, score, gate, not_observed in session.execute(stmt):
        facts.score_rows += 1
        review = facts.reviews[review_id]
        info = facts.competencies.get(competency_id)
        scored.add(review_id)
        if gate is not None:
            counts = facts.gates_per_competency.setdefault(competency_id, [0, 0])
            counts[0], counts[1] = counts[0] + int(gate), counts[1] + 1
        if score is not None:
            facts.per_competency.setdefault(competency_id, []).append(float(score))
            facts.per_rater.setdefault(review.rater, []).append(float(score))
        low = score is not None and info is not None and info.core and score < MEETS_STANDARD_SCORE
        if low or gate is False:
            facts.below_standard.setdefault(review_id, []).append(info.title if info else competency_id)
        value = None if not_observed else numeric_value(score, gate)
        if value is not None and review.recording_id in multi:
            unit = facts.codes.get(review.recording_id, f"#{review.recording_id}")
            facts.ratings.append(Rating(unit, review.rater, value, competency_id, master=review.rater == facts.master))
    facts.meets_standard = len(scored) - len(facts.below_standard)
    facts.agreement = by_competency(facts.ratings) if facts.ratings else {}


EXTRA_AGREEMENT_COLUMNS = (
    Column("Alpha ordinal 95% CI low (bootstrap)", Kind.STAT), Column("Alpha ordinal 95% CI high", Kind.STAT),
    Column("Weighted kappa 95% CI low (bootstrap)", Kind.STAT), Column("Weighted kappa 95% CI high", Kind.STAT),
    Column("Gwet AC1", Kind.STAT), Column("AC1 95% CI low", Kind.STAT), Column("AC1 95% CI high", Kind.STAT),
    Column("Gwet AC2 linear", Kind.STAT), Column("AC2 linear 95% CI low", Kind.STAT),
    Column("AC2 linear 95% CI high", Kind.STAT), Column("Gwet AC2 quadratic", Kind.STAT),
    Column("AC2 quadratic 95% CI low", Kind.STAT), Column("AC2 quadratic 95% CI high", Kind.STAT))


def _extra_agreement(result: Agreement | None) -> list[float | None]:
    """The bootstrap intervals and Gwet's coefficients with their intervals, in EXTRA_AGREEMENT_COLUMNS order."""
    if result is None:
        return [None] * len(EXTRA_AGREEMENT_COLUMNS)
    cells: list[float | None] = []
    for interval in (result.alpha_ordinal_ci, result.kappa_quadratic_mean_ci):
        cells += [interval[0], interval[1]] if interval else [None, None]
    for value, interval in ((result.ac1, result.ac1_ci), (result.ac2_linear, result.ac2_linear_ci),
                            (result.ac2_quadratic, result.ac2_quadratic_ci)):
        cells += [value, *(interval if interval else (None, None))]
    return cells


SMALL_CELL = 5  # aggregates only: a cell describing fewer reviews than this is suppressed
SUPPRESSED = f"< {SMALL_CELL}"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _on_own_server_login(db: Database) -> bool:
    """True when this connection is a person's own team-server login (row-level security applies to it)."""
    if db.is_sqlite:
        return False
    with db.transaction() as session:
        return logins.signed_in_user(session) is not None


def export_audit(db: Database, actor: Actor, scope: ExportScope, target: Path,
                 options: ExportOptions | None = None, progress: Progress | None = None, *,
                 streaming: bool = True) -> ExportResult:
    """Write the audit workbook to `target` (.xlsx); nothing is written if anything fails or is cancelled."""
    options = options or ExportOptions()
    scope.check()
    if target.suffix.lower() != ".xlsx":
        raise ValidationError(f"{target.name}: the workbook must be saved with the .xlsx extension.")
    require(actor, Permission.EXPORT_AGGREGATES)  # full content needs READ_ALL_REVIEWS as well:
    aggregates_only = options.aggregates_only or not actor.can(Permission.READ_ALL_REVIEWS)
    if not actor.can(Permission.READ_ALL_REVIEWS) and _on_own_server_login(db):
        return _export_from_views(db, actor, target)
    with db.snapshot() as session:
        facts, where = _gather(session, scope)
        fingerprint, events = audit.head(session)
        intact = not audit.broken_events(session)
        names = _Names(session, options.pseudonyms, options.pseudonym_key)
        drift_series = drift.bias_series(session)
        now = utc_now()
        footer = (f"Exported {now:%Y-%m-%d %H:%M} UTC by {actor.display_name} · Coaching Supervisor {__version__} · "
                  f"audit trail {fingerprint[:16]}")
        total = facts.score_rows + (facts.evidence_rows if not aggregates_only else 0)
        counter = _Counter(total, progress)
        workbook = new_workbook(streaming=streaming)
        try:
            context = _Sheets(workbook, facts, names, options, aggregates_only, footer)
            context.summary(actor, now, fingerprint, events, intact)
            context.scores(session, where, counter)
            context.agreement_sheet()
            context.raters(drift_series)
            context.evidence(session, where, counter)
            if facts.cycle_quarter is not None:
                context.audit_cycle(session, _cycle_of(session, facts.cycle_quarter))
            context.method()
        except BaseException:
            discard(workbook)
            raise
        _properties(workbook, facts, actor, now, fingerprint, aggregates_only, names)
        try:
            with atomic_target(target) as tmp:
                workbook.save(tmp)
                digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        except UnwritableFileError:
            discard(workbook)
            raise
    with db.transaction() as session:
        audit.record(session, actor, EXPORT_ACTION, "export", target.name,
                     {"scope": facts.scope_text, "reviews": len(facts.reviews), "score_rows": facts.score_rows,
                      "aggregates_only": aggregates_only, "pseudonyms": options.pseudonyms, "sha256": digest})
    return ExportResult(target, len(facts.reviews), facts.score_rows,
                        0 if aggregates_only else facts.evidence_rows, aggregates_only, digest, fingerprint)


def _export_from_views(db: Database, actor: Actor, target: Path) -> ExportResult:
    """HR on their own team-server login: the database lets that login read only the aggregate views, so the
    workbook is made from them — per coach and quarter, reviews and per-competency means, with cells describing
    fewer than five reviews suppressed; every quarter the views hold, whatever scope was chosen. Nothing else can
    be exported from such a login."""
    with db.snapshot() as session:
        scores = session.execute(text(
            "SELECT coach_name, level, business_unit, quarter, competency_id, scored, mean_score, gates_passed, "
            "gate_decisions FROM hr_competency_scores ORDER BY quarter, coach_name, competency_id")).all()
        counts = session.execute(text(
            "SELECT coach_name, level, business_unit, quarter, submitted_reviews FROM hr_review_counts "
            "ORDER BY quarter, coach_name")).all()
        titles: dict[str, str] = {}
        for document in session.scalars(select(RubricVersion.document).order_by(RubricVersion.id)):
            titles.update({c["id"]: c.get("title", c["id"]) for c in document.get("competencies", [])
                           if isinstance(c, dict) and "id" in c})
    now = utc_now()
    footer = f"Exported {now:%Y-%m-%d %H:%M} UTC by {actor.display_name} · Coaching Supervisor {__version__}"
    workbook = new_workbook(streaming=False)

    def shown(value: object, reviews: int) -> object:
        return value if reviews >= SMALL_CELL else SUPPRESSED

    note = (f"Aggregates only, from the team server's HR views: cells describing fewer than {SMALL_CELL} reviews "
            f"show “{SUPPRESSED}”.", "cs_note")
    reviews_sheet = SheetWriter(workbook, "Reviews", [Column("Quarter"), Column("Coach"), Column("Level"),
                                                      Column("Business unit"), Column("Submitted reviews", Kind.INT)],
                                footer=footer, first_row=3)
    reviews_sheet.write([(q, name, CoachLevel(level).label, unit, shown(n, n)) for name, level, unit, q, n in counts],
                        preamble=[("Submitted reviews per coach and quarter", "cs_title"), note])
    scores_sheet = SheetWriter(workbook, "Scores", [
        Column("Quarter"), Column("Coach"), Column("Level"), Column("Competency", max_width=36),
        Column("Scored", Kind.INT), Column("Mean score", Kind.DECIMAL), Column("Gate pass rate", Kind.PERCENT)],
        footer=footer, first_row=3)
    scores_sheet.write([
        (q, name, CoachLevel(level).label, titles.get(competency, competency), shown(scored, max(scored, decisions)),
         shown(mean, scored) if mean is not None else "", shown(passed / decisions, decisions) if decisions else "")
        for name, level, _unit, q, competency, scored, mean, passed, decisions in scores],
        preamble=[("Scores per coach, competency and quarter", "cs_title"), note])
    try:
        with atomic_target(target) as tmp:
            workbook.save(tmp)
            digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    finally:
        discard(workbook)
    total = sum(n for *_rest, n in counts)
    with db.transaction() as session:
        audit.record(session, actor, EXPORT_ACTION, "export", target.name,
                     {"scope": "HR views", "reviews": total, "score_rows": len(scores), "aggregates_only": True,
                      "sha256": digest})
    return ExportResult(target, total, len(scores), 0, True, digest, "")


class _Counter:
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self._progress = total, 0, progress

    def tick(self, rows: Iterator[Sequence[object]]) -> Iterator[Sequence[object]]:
        for row in rows:
            yield row
            self.done += 1
            if self._progress is not None and self.done % 500 == 0 and not self._progress(self.done, self.total):
                raise ExportCancelledError("Export cancelled; no file was written.")
        if self._progress is not None and not self._progress(self.done, self.total):
            raise ExportCancelledError("Export cancelled; no file was written.")


def _properties(workbook: Any, facts: _Facts, actor: Actor, now: dt.datetime, fingerprint: str,
                aggregates_only: bool, names: _Names) -> None:
    scope = clean_text(facts.scope_text)[0][:250]  # user text (a round title) in XML: no control characters
    props = workbook.properties
    props.title = "Coaching audit results"
    props.subject = scope
    props.creator = f"Coaching Supervisor {__version__}"
    props.lastModifiedBy = clean_text(actor.display_name)[0][:250]
    props.created = props.modified = now.replace(tzinfo=None)
    props.keywords = "coaching; audit; calibration; agreement"
    props.description = ("Aggregates only" if aggregates_only else "Full results") + (
        "; coaches as pseudonyms" if names.pseudonyms else "; coaches by name")
    props.category = "Audit"
    for name, value in (("Audit trail fingerprint", fingerprint), ("App version", __version__),
                        ("Scope", scope), ("Content", "aggregates only" if aggregates_only
                                                           else "full")):
        workbook.custom_doc_props.append(StringProperty(name=name, value=value))


def _fill(color: str) -> PatternFill:
    return PatternFill("solid", start_color=color, end_color=color)


def _bands(sheet: Any, cells: str, below: Sequence[tuple[float, str]], top: str) -> None:
    """Colour a numeric column by bands (the first bound the value is under wins; above all, `top`); blank cells,
    which a plain "less than" rule would take for 0, stay white."""
    first = cells.split(":")[0]
    for bound, color in below:
        sheet.conditional_formatting.add(cells, FormulaRule(formula=[f"AND(ISNUMBER({first}),{first}<{bound})"],
                                                            fill=_fill(color), stopIfTrue=True))
    sheet.conditional_formatting.add(cells, FormulaRule(formula=[f"ISNUMBER({first})"], fill=_fill(top),
                                                        stopIfTrue=True))


class _Sheets:
    """The six sheets, written in order (a streaming workbook cannot go back)."""

    def __init__(self, workbook: Any, facts: _Facts, names: _Names, options: ExportOptions, aggregates_only: bool,
                 footer: str) -> None:
        self.workbook, self.facts, self.names, self.options = workbook, facts, names, options
        self.aggregates_only, self.footer = aggregates_only, footer
        self._redact: redaction.QuoteRedactor | None = None

    def redactor(self, session: Session) -> redaction.QuoteRedactor:
        """One redactor for the Scores and Evidence sheets (it reads the names, terms and decisions once)."""
        if self._redact is None:
            self._redact = redaction.quote_redactor(session, {r.recording_id for r in self.facts.reviews.values()})
        return self._redact

    def _sheet(self, title: str, columns: Sequence[Column], first_row: int = 1) -> SheetWriter:
        return SheetWriter(self.workbook, title, columns, footer=self.footer, first_row=first_row)

    # ------------------------------------------------------------ Summary
    def summary(self, actor: Actor, now: dt.datetime, fingerprint: str, events: int, intact: bool) -> None:
        f = self.facts
        sheet = self._sheet("Summary", [Column("Item", width=34), Column("Value", width=66, left=True),
                                        Column("What it means", Kind.WRAP, width=80)], first_row=3)
        overall = f.agreement.get(OVERALL)
        pct, dec = Kind.PERCENT, Kind.STAT
        coverage = _share(f.coaches_reviewed, f.active_coaches)
        status = [v for v in self._calibration_status().values() if v is not None]
        rows: list[tuple[str, object, str]] = [
            ("Scope", f.scope_text, "Which reviews this workbook covers. Reviews of a calibration round that is "
             "still blind are never included; only the current version of an amended review counts."),
            *([("Audit cycle", f.cycle_quarter, "The quarter's audit: the Audit cycle sheet shows the frame, share, "
                "seed and strata of the draw, every sampled coach, their reviewers and where each review stands.")]
              if f.cycle_quarter else []),
            ("Exported", Typed(now, Kind.DATETIME), "When this file was written (UTC)."),
            ("Exported by", actor.display_name, "The user who exported it (recorded in the audit trail)."),
            ("Coach identity", "pseudonyms" if self.names.pseudonyms else "names",
             ("Coaches appear as pseudonyms; " + ("the same coach gets the same pseudonym in every export from this "
              "installation." if self.names.stable else "pseudonyms are consistent within this workbook only."))
             if self.names.pseudonyms else "Coaches appear by name."),
            ("Content", "aggregates only" if self.aggregates_only else "full",
             "Aggregates only: no review, rationale, quote, evidence note, coachee or rater name; cells describing "
             f"fewer than {SMALL_CELL} reviews show “< {SMALL_CELL}” (the HR viewer role always gets this)."
             if self.aggregates_only else "Includes each rater's rationale and quoted evidence."),
            ("Sessions from", Typed(f.first_session, Kind.DATE), "Earliest session date among the reviewed "
             "recordings."),
            ("Sessions to", Typed(f.last_session, Kind.DATE), "Latest session date."),
            ("Submitted from", Typed(f.first_submitted, Kind.DATETIME), "First review submission in scope (UTC)."),
            ("Submitted to", Typed(f.last_submitted, Kind.DATETIME), "Last review submission in scope (UTC)."),
            ("Reviews", Typed(len(f.reviews), Kind.INT), "Submitted reviews in scope (one rater, one recording)."),
            ("Recordings", Typed(f.recordings, Kind.INT), "Distinct recorded sessions reviewed."),
            ("Recordings scored by 2+ raters", Typed(len(f.multi_rated), Kind.INT),
             "Only these feed the agreement statistics."),
            ("Coaches reviewed", Typed(f.coaches_reviewed, Kind.INT), "Distinct coaches whose sessions were reviewed."),
            ("Active coaches", Typed(f.active_coaches, Kind.INT), "Active coaches in the roster at export time."),
            ("Coverage", Typed(coverage, pct), f"Coaches reviewed ÷ active coaches. The quarterly audit samples at "
             f"least {COVERAGE_TARGET:.0%} of active coaches."),
            ("Coverage target met", "n/a" if coverage is None else "yes" if coverage >= COVERAGE_TARGET else "no",
             f"Whether coverage reaches {COVERAGE_TARGET:.0%}."),
            ("Raters", Typed(len(f.reviews_per_rater), Kind.INT), "People who scored reviews in scope."),
            ("Score rows", Typed(f.score_rows, Kind.INT), "Review × competency rows (sheet Scores)."),
            ("Evidence items", Typed(f.evidence_rows, Kind.INT), "Time-stamped moments cited as evidence."),
            ("Agreement: ICC(2,1)", Typed(overall.icc2_1 if overall else None, dec),
             "Absolute agreement of single raters over all competencies pooled; "
             + (f"band: {overall.bands()['icc2_1'].label} (Koo & Li 2016)." if overall and overall.icc2_1 is not None
                else "not computable (needs recordings scored by two or more raters).")),
            ("Agreement: Krippendorff's alpha (ordinal)", Typed(overall.alpha_ordinal if overall else None, dec),
             "Chance-corrected agreement; 0.800 customary, 0.667 lowest tentative bound" + (
                 f"; band: {overall.bands()['alpha_ordinal'].label}." if overall and overall.alpha_ordinal is not None
                 else ".")),
            ("Agreement: within ±1", Typed(overall.adjacent_agreement if overall else None, pct),
             "Share of rater pairs whose scores differ by at most one point."),
            ("Agreement: exact", Typed(overall.exact_agreement if overall else None, pct),
             "Share of rater pairs giving the same score."),
            ("Gate pass rate", Typed(_share(f.gates_passed, f.gate_decisions), pct),
             "Passed gate decisions ÷ gate decisions"
             + ("." if self.aggregates_only else f" ({f.gates_passed} of {f.gate_decisions}).")),
            ("Reviews meeting the standard", Typed(_share(f.meets_standard, len(f.reviews)), pct),
             f"Reviews with every scored core competency at {MEETS_STANDARD_SCORE} or above and no failed gate"
             + ("." if self.aggregates_only else f" ({f.meets_standard} of {len(f.reviews)}).")),
            ("Raters calibrated", f"{sum(status)} of {len(status)}" if status else "n/a",
             "Raters meeting the calibration rule against the master (see Method); n/a without a master score set."),
            ("Audit trail", f"{'intact' if intact else 'BROKEN'}, {events} events",
             "Whether the tamper-evident audit trail verified at export time."),
            ("Audit fingerprint", fingerprint, "Hash of the newest audit-trail event at export time: it identifies "
             "the exact state of the data this workbook was made from."),
        ]
        if self.aggregates_only and len(f.reviews) < SMALL_CELL:  # too few reviews for any figure about them
            derived = {"Reviews", "Recordings", "Recordings scored by 2+ raters", "Coaches reviewed", "Coverage",
                       "Coverage target met", "Raters", "Score rows", "Evidence items", "Gate pass rate",
                       "Reviews meeting the standard", "Raters calibrated"}
            rows = [(item, SUPPRESSED if item in derived or item.startswith("Agreement") else value, meaning)
                    for item, value, meaning in rows]
        sheet.write(rows, preamble=[("Coaching audit results", "cs_title"), (f.scope_text, "cs_note")])

    def _calibration_status(self) -> dict[str, bool | None]:
        f = self.facts
        if f.master is None:
            return {}
        gates = {c.id: c.is_gate for c in f.competencies.values()}
        return {rater: calibrated(f.ratings, rater, gates, self.options.rule)
                for rater in sorted(f.reviews_per_rater) if rater != f.master}

    # ------------------------------------------------------------ Scores
    def scores(self, session: Session, where: Any, counter: _Counter) -> None:
        if self.aggregates_only:
            self._score_aggregates(session, where)
            return
        columns = [Column("Review", Kind.INT), Column("Session date", Kind.DATE), Column("Coach"),
                   Column("Level"), Column("Coachee"), Column("Recording"), Column("Rater"), Column("Round"),
                   Column("Competency", max_width=36), Column("Type"), Column("Core"), Column("Score", Kind.INT),
                   Column("Gate decision"), Column("Not observed"), Column("Submitted (UTC)", Kind.DATETIME)]
        if not self.aggregates_only:
            columns.append(Column("Rationale", Kind.WRAP, width=60))
        sheet = self._sheet("Scores", columns)
        stmt = (
            select(Review.id, Recording.session_date, Recording.coach_id, Coach.level, Recording.coachee_pseudonym,
                   Review.recording_id, User.display_name, CalibrationRound.title, ReviewScore.competency_id,
                   ReviewScore.score, ReviewScore.gate_passed, ReviewScore.not_observed, Review.submitted_at,
                   ReviewScore.rationale)
            .join(ReviewScore, ReviewScore.review_id == Review.id).join(User, User.id == Review.rater_id)
            .join(Recording, Recording.id == Review.recording_id).join(Coach, Coach.id == Recording.coach_id)
            .outerjoin(CalibrationRound, CalibrationRound.id == Review.round_id)
            .where(where).order_by(Review.id, ReviewScore.id).execution_options(yield_per=STREAM_BATCH))

        redact = self.redactor(session)

        def rows() -> Iterator[Sequence[object]]:
            for (review_id, session_date, coach_id, level, coachee, recording_id, rater, round_title, competency_id,
                 score, gate, not_observed, submitted, rationale) in session.execute(stmt):
                info = self.facts.competencies.get(competency_id)
                row: list[object] = [
                    review_id, session_date, self.names.coach(coach_id), CoachLevel(level).label, coachee,
                    self.facts.codes.get(recording_id, f"#{recording_id}"), rater, round_title or "",
                    info.title if info else competency_id, "gate" if info and info.is_gate else "scale",
                    "" if info is None else "core" if info.core else "discretionary", score,
                    "" if gate is None else "pass" if gate else "not yet met", "yes" if not_observed else "",
                    submitted]
                if not self.aggregates_only:
                    row.append(redact(recording_id, rationale))
                yield row

        sheet.write(counter.tick(rows()))
        score_column = 11
        sheet.sheet.conditional_formatting.add(sheet.column_range(score_column), ColorScaleRule(
            start_type="num", start_value=1, start_color="E67C73", mid_type="num", mid_value=3,
            mid_color="FFD666", end_type="num", end_value=5, end_color="57BB8A"))
        gate_range = sheet.column_range(12)
        sheet.sheet.conditional_formatting.add(gate_range, FormulaRule(
            formula=[f'{gate_range.split(":")[0]}="not yet met"'], fill=_fill(RED)))

    def _score_aggregates(self, session: Session, where: Any) -> None:
        """Aggregates only: per coach and competency, and for all coaches, how many reviews and what they gave;
        no review, rater, coachee or recording appears, and a cell describing fewer than SMALL_CELL reviews shows
        "< 5" (the count included), so no single review can be read back from a small group."""
        columns = [Column("Coach"), Column("Level"), Column("Competency", max_width=36), Column("Type"),
                   Column("Core"), Column("Reviews", Kind.INT), Column("Mean score", Kind.DECIMAL),
                   Column("Gate pass rate", Kind.PERCENT)]
        sheet = self._sheet("Scores", columns, first_row=3)
        stmt = (select(Recording.coach_id, Coach.level, ReviewScore.competency_id,
                       func.count(func.distinct(Review.id)), func.count(ReviewScore.score), func.avg(ReviewScore.score),
                       func.count(ReviewScore.gate_passed),
                       func.sum(case((ReviewScore.gate_passed.is_(True), 1), else_=0)))
                .join(ReviewScore, ReviewScore.review_id == Review.id)
                .join(Recording, Recording.id == Review.recording_id).join(Coach, Coach.id == Recording.coach_id)
                .where(where, ReviewScore.not_observed.is_(False))
                .group_by(Recording.coach_id, Coach.level, ReviewScore.competency_id))
        groups = session.execute(stmt).all()
        order = {c.id: c.order for c in self.facts.competencies.values()}
        totals: dict[str, list[float]] = {}
        lines: list[list[object]] = []
        for coach_id, level, competency_id, reviews, scored, mean, decisions, passes in sorted(
                groups, key=lambda g: (self.names.coach(g[0]), order.get(g[2], 99))):
            total = totals.setdefault(competency_id, [0, 0, 0.0, 0, 0])
            total[0] += reviews
            total[1] += scored
            total[2] += float(mean or 0) * scored
            total[3] += decisions
            total[4] += int(passes or 0)
            lines.append(self._aggregate_row(self.names.coach(coach_id), CoachLevel(level).label, competency_id,
                                             reviews, float(mean) if mean is not None else None,
                                             _share(int(passes or 0), decisions) if decisions else None))
        program = [self._aggregate_row("All coaches", "", competency_id, int(t[0]), t[2] / t[1] if t[1] else None,
                                       _share(int(t[4]), int(t[3])) if t[3] else None)
                   for competency_id, t in sorted(totals.items(), key=lambda item: order.get(item[0], 99))]
        sheet.write([*program, *lines], preamble=[
            ("Scores (aggregates)", "cs_title"),
            (f"Aggregates only: per coach and competency. Cells describing fewer than {SMALL_CELL} reviews show "
             f"“< {SMALL_CELL}”.", "cs_note")])

    def _aggregate_row(self, coach: str, level: str, competency_id: str, reviews: int, mean: float | None,
                       gate_rate: float | None) -> list[object]:
        info = self.facts.competencies.get(competency_id)
        small = reviews < SMALL_CELL
        return [coach, level, info.title if info else competency_id, "gate" if info and info.is_gate else "scale",
                "" if info is None else "core" if info.core else "discretionary",
                SUPPRESSED if small else reviews, SUPPRESSED if small else mean,
                SUPPRESSED if small and gate_rate is not None else gate_rate]

    # ------------------------------------------------------------ Agreement
    def agreement_sheet(self) -> None:
        f = self.facts
        columns = [Column("Competency", max_width=36), Column("Type"), Column("Core"), Column("Units", Kind.INT),
                   Column("Raters", Kind.INT), Column("Scores given", Kind.INT), Column("Mean score", Kind.DECIMAL),
                   Column("Gate pass rate", Kind.PERCENT), Column("ICC(2,1)", Kind.STAT),
                   Column("ICC(2,1) 95% CI low", Kind.STAT), Column("ICC(2,1) 95% CI high", Kind.STAT),
                   Column("ICC band (Koo & Li)"), Column("ICC(2,k)", Kind.STAT), Column("ICC(3,1)", Kind.STAT),
                   Column("Alpha ordinal", Kind.STAT), Column("Alpha band (Krippendorff)"),
                   Column("Alpha interval", Kind.STAT), Column("Alpha nominal", Kind.STAT),
                   Column("Weighted kappa (mean of pairs)", Kind.STAT), Column("Fleiss kappa", Kind.STAT),
                   Column("Exact agreement", Kind.PERCENT), Column("Within ±1", Kind.PERCENT),
                   *EXTRA_AGREEMENT_COLUMNS, Column("Notes", Kind.WRAP, width=60)]
        sheet = self._sheet("Agreement", columns)
        ordered = sorted(f.competencies.values(), key=lambda c: c.order)

        def row(title: str, kind: str, core: str, result: Agreement | None, scores: list[float],
                gate_rate: float | None) -> list[object]:
            bands = result.bands() if result else {}
            ci = result.icc2_1_ci if result else None
            if self.aggregates_only and len(scores) < SMALL_CELL:
                return [title, kind, core, *[SUPPRESSED] * (19 + len(EXTRA_AGREEMENT_COLUMNS)),
                        f"Fewer than {SMALL_CELL} scores: not shown in an aggregates-only export."]
            return [title, kind, core, result.n_units if result else 0, result.n_raters if result else 0, len(scores),
                    statistics.fmean(scores) if scores else None, gate_rate,
                    result.icc2_1 if result else None, ci[0] if ci else None, ci[1] if ci else None,
                    bands["icc2_1"].label if "icc2_1" in bands else "",
                    result.icc2_k if result else None, result.icc3_1 if result else None,
                    result.alpha_ordinal if result else None,
                    bands["alpha_ordinal"].label if "alpha_ordinal" in bands else "",
                    result.alpha_interval if result else None, result.alpha_nominal if result else None,
                    result.kappa_quadratic_mean if result else None, result.fleiss_kappa if result else None,
                    result.exact_agreement if result else None, result.adjacent_agreement if result else None,
                    *_extra_agreement(result),
                    " ".join(result.warnings) if result else "Not scored by two or more raters on the same recording."]

        all_scores = [s for values in f.per_competency.values() for s in values]
        lines = [row("All competencies (pooled)", "", "", f.agreement.get(OVERALL), all_scores,
                     _share(f.gates_passed, f.gate_decisions))]
        for competency in ordered:
            passed, total = f.gates_per_competency.get(competency.id, [0, 0])
            lines.append(row(competency.title, "gate" if competency.is_gate else "scale",
                             "core" if competency.core else "discretionary", f.agreement.get(competency.id),
                             f.per_competency.get(competency.id, []),
                             _share(passed, total) if competency.is_gate else None))
        sheet.write(lines)
        ws = sheet.sheet
        for column in (8, 12, 13):
            _bands(ws, sheet.column_range(column), ((0.5, RED), (0.75, AMBER), (0.9, GREEN)), DARK_GREEN)
        _bands(ws, sheet.column_range(14), ((0.667, RED), (0.8, AMBER)), GREEN)
        within = sheet.column_range(21)
        ws.conditional_formatting.add(within, FormulaRule(
            formula=[f"AND(ISNUMBER({within.split(':')[0]}),{within.split(':')[0]}<{self.options.rule.within_one_share})"],
            fill=_fill(RED), font=Font(color="9C0006")))
        sheet.bar_chart("Agreement per competency", 0, [20, 21], "B" + str(sheet.last_row + 3),
                        y_title="share of rater pairs", y_range=(0, 1), skip_first=True, number_format="0%")

    # ------------------------------------------------------------ Raters
    def raters(self, series: dict[str, list[float]]) -> None:
        f = self.facts
        columns = [Column("Rater"), Column("Reviews in scope", Kind.INT), Column("Mean score given", Kind.DECIMAL),
                   Column("Bias vs master", Kind.SIGNED), Column("Bias vs panel mean", Kind.SIGNED),
                   Column("Calibrated"), Column("Rounds with a master (all time)", Kind.INT),
                   Column("Latest round bias", Kind.SIGNED), Column("Smoothed bias (EWMA)", Kind.SIGNED),
                   Column("Drift flag"), Column("Why flagged", Kind.WRAP, width=44)]
        sheet = self._sheet("Raters", columns)
        bias = f.agreement[OVERALL].bias if OVERALL in f.agreement else {}
        status = self._calibration_status()
        lines = []
        reviews_per_rater = f.reviews_per_rater
        for number, rater in enumerate(sorted(reviews_per_rater), start=1):
            given = f.per_rater.get(rater, [])
            history = series.get(rater, [])
            trend = rater_drift(rater, history, BIAS_THRESHOLD) if history else None
            calibrated_text = "master" if rater == f.master else {True: "yes", False: "no", None: "n/a"}[
                status.get(rater)]
            line: list[object] = [
                rater, reviews_per_rater[rater], statistics.fmean(given) if given else None,
                bias.get(rater, {}).get("vs_master"), bias.get(rater, {}).get("vs_panel"), calibrated_text,
                len(history), history[-1] if history else None, trend.ewma[-1] if trend else None,
                "yes" if trend and trend.flagged else "no" if trend else "n/a", trend.reason if trend else ""]
            if self.aggregates_only:  # raters are people too: numbered, and a small count says nothing more
                line[0] = "Master" if rater == f.master else f"Rater {number}"
                if reviews_per_rater[rater] < SMALL_CELL:
                    line[1:] = [SUPPRESSED] * (len(line) - 1)
                else:
                    line[10] = ""
            lines.append(line)
        sheet.write(lines)
        ws = sheet.sheet
        for column in (3, 4, 7, 8):
            ws.conditional_formatting.add(sheet.column_range(column), CellIsRule(
                operator="notBetween", formula=[str(-BIAS_THRESHOLD), str(BIAS_THRESHOLD)], fill=_fill(AMBER)))
        for column, bad in ((5, "no"), (9, "yes")):
            cells = sheet.column_range(column)
            ws.conditional_formatting.add(cells, FormulaRule(formula=[f'{cells.split(":")[0]}="{bad}"'],
                                                             fill=_fill(RED), font=Font(color="9C0006")))
        sheet.bar_chart("Bias per rater", 0, [3, 4], "B" + str(sheet.last_row + 3),
                        y_title="points (+ lenient, − severe)")

    # ------------------------------------------------------------ Audit cycle
    def audit_cycle(self, session: Session, cycle: AuditCycle) -> None:
        """The quarter's draw and where each sampled coach stands: frame, share, seed, strata, sample, reviewers and
        states, and each review's outcome (below the standard: the competencies concerned)."""
        sample = session.execute(select(AuditSample, Coach, Recording).join(Coach, Coach.id == AuditSample.coach_id)
                                 .outerjoin(Recording, Recording.id == AuditSample.recording_id)
                                 .where(AuditSample.cycle_id == cycle.id).order_by(AuditSample.position)).all()
        names = dict(session.execute(select(User.id, User.display_name)).all())
        work: dict[int, list[Assignment]] = {}
        for assignment in session.scalars(select(Assignment).where(Assignment.cycle_id == cycle.id,
                                                                   Assignment.state != REASSIGNED)):
            work.setdefault(assignment.recording_id, []).append(assignment)
        below = {review: "below the standard: " + ", ".join(sorted(titles))
                 for review, titles in self.facts.below_standard.items()}
        done = sum(any(a.state == SUBMITTED for a in work.get(row.recording_id or 0, [])) or bool(row.excused_reason)
                   for row, _coach, _recording in sample)
        share = Fraction(cycle.share_numerator, cycle.share_denominator)
        if self.aggregates_only:
            self._audit_cycle_counts(cycle, sample, work, below, done, share)
            return
        columns = [Column("#", Kind.INT, width=5), Column("Coach"), Column("Level"), Column("Business unit"),
                   Column("Session date", Kind.DATE), Column("Reviewers"), Column("State"),
                   Column("Outcome", Kind.WRAP, width=40), Column("Not reviewed because", Kind.WRAP, width=34)]
        sheet = self._sheet("Audit cycle", columns, first_row=3)
        lines = []
        for row, coach, recording in sample:
            given = work.get(row.recording_id or 0, [])
            states = sorted({a.state for a in given})
            outcome = "; ".join(below.get(a.review_id, "meets the standard") for a in given
                                if a.state == SUBMITTED and a.review_id)
            lines.append([row.position + 1, self.names.coach(coach.id), CoachLevel(coach.level).label,
                          coach.business_unit or "", recording.session_date if recording else None,
                          ", ".join(names.get(a.reviewer_id, "?") for a in given),
                          ", ".join(states) or ("needs a recording" if row.recording_id is None else "not assigned"),
                          outcome, row.excused_reason])
        strata = cycle.stratify.replace(",", " × ") or "none"
        sheet.write(lines, preamble=[
            (f"Audit cycle {cycle.quarter} ({cycle.status}): {len(sample)} of {len(cycle.frame)} active coaches drawn "
             f"(share {float(share):.0%}; the program's minimum is 20 %), {done} done", "cs_title"),
            (f"Seed {cycle.seed} · strata {strata} · unaudited first: {'yes' if cycle.prioritise_unaudited else 'no'}"
             f" · independent: {'yes' if cycle.independent else 'no'} · frame SHA-256 {cycle.frame_sha256} · the "
             "draw is re-derivable from these (docs/audit-sampling.md; `supervisor-app audit-cycle verify`)",
             "cs_note")])

    def _audit_cycle_counts(self, cycle: AuditCycle, sample: Sequence[Any], work: dict[int, list[Assignment]],
                            below: dict[int, str], done: int, share: Fraction) -> None:
        """Aggregates only: the quarter's draw as counts, no coach named."""
        states: Counter[str] = Counter()
        for row, _coach, _recording in sample:
            given = work.get(row.recording_id or 0, [])
            if row.excused_reason:
                states["excused"] += 1
            elif row.recording_id is None:
                states["needs a recording"] += 1
            elif not given:
                states["not assigned"] += 1
            elif any(a.state == SUBMITTED and a.review_id in below for a in given):
                states["reviewed: below the standard"] += 1
            elif any(a.state == SUBMITTED for a in given):
                states["reviewed: meets the standard"] += 1
            else:
                states["review in progress"] += 1
        sheet = self._sheet("Audit cycle", [Column("Coaches drawn", width=34), Column("Count", Kind.INT)],
                            first_row=3)
        sheet.write([(state, count if count >= SMALL_CELL else SUPPRESSED) for state, count in sorted(states.items())],
                    preamble=[(f"Audit cycle {cycle.quarter} ({cycle.status}): {len(sample)} of {len(cycle.frame)} "
                               f"active coaches drawn (share {float(share):.0%}), {done} done", "cs_title"),
                              (f"Aggregates only: counts; fewer than {SMALL_CELL} show “< {SMALL_CELL}”.",
                               "cs_note")])

    # ------------------------------------------------------------ Evidence
    def evidence(self, session: Session, where: Any, counter: _Counter) -> None:
        if self.aggregates_only:
            self._evidence_counts(session, where)
            return
        columns = [Column("Review", Kind.INT), Column("Coach"), Column("Recording"), Column("Rater"),
                   Column("Competency", max_width=36), Column("Start", Kind.DURATION), Column("End", Kind.DURATION),
                   Column("Quote", Kind.WRAP, width=70), Column("Tag"), Column("Note", Kind.WRAP, width=40)]
        sheet = self._sheet("Evidence", columns)
        stmt = (
            select(Review.id, Recording.coach_id, Review.recording_id, User.display_name, EvidenceItem.competency_id,
                   EvidenceItem.start_s, EvidenceItem.end_s, EvidenceItem.quote, EvidenceItem.tag, EvidenceItem.note)
            .join(EvidenceItem, EvidenceItem.review_id == Review.id).join(User, User.id == Review.rater_id)
            .join(Recording, Recording.id == Review.recording_id).where(where)
            .order_by(Review.id, EvidenceItem.competency_id, EvidenceItem.start_s)
            .execution_options(yield_per=STREAM_BATCH))

        recording_ids = {r.recording_id for r in self.facts.reviews.values()}
        quotable = set(consent.allowed_ids(session, recording_ids, Scope.QUOTE))
        redact = self.redactor(session)

        def rows() -> Iterator[Sequence[object]]:
            for review_id, coach_id, recording_id, rater, competency_id, start, end, quote, tag, note in \
                    session.execute(stmt):
                info = self.facts.competencies.get(competency_id)
                shown = redact(recording_id, quote) if recording_id in quotable else consent.NO_CONSENT_QUOTE
                yield [review_id, self.names.coach(coach_id), self.facts.codes.get(recording_id, f"#{recording_id}"),
                       rater, info.title if info else competency_id, start, end, shown if quote else "", tag,
                       redact(recording_id, note)]

        sheet.write(counter.tick(rows()))

    def _evidence_counts(self, session: Session, where: Any) -> None:
        sheet = self._sheet("Evidence", [Column("Competency", max_width=36), Column("Tag"),
                                         Column("Evidence items", Kind.INT), Column("Reviews citing", Kind.INT)],
                            first_row=3)
        rows = session.execute(
            select(EvidenceItem.competency_id, EvidenceItem.tag, func.count(),
                   func.count(func.distinct(EvidenceItem.review_id)))
            .join(Review, Review.id == EvidenceItem.review_id).where(where)
            .group_by(EvidenceItem.competency_id, EvidenceItem.tag)).all()
        order = {c.id: c.order for c in self.facts.competencies.values()}
        titles = {c.id: c.title for c in self.facts.competencies.values()}
        sheet.write([[titles.get(c, c), tag or "(no tag)", *((n, reviews) if reviews >= SMALL_CELL
                                                             else (SUPPRESSED, SUPPRESSED))]
                     for c, tag, n, reviews in sorted(rows, key=lambda r: (order.get(r[0], 99), r[1]))],
                    preamble=[("Evidence (counts only)", "cs_title"),
                              ("Aggregates-only export: quotes, notes and time ranges are left out; counts from "
                               f"fewer than {SMALL_CELL} reviews show “< {SMALL_CELL}”.", "cs_note")])

    # ------------------------------------------------------------ Method
    def method(self) -> None:
        rule = self.options.rule
        sheet = self._sheet("Method", [Column("Term", width=34), Column("Definition", Kind.WRAP, width=100)])
        sheet.write([
            ("Review", "One rater scoring one recorded session against one rubric version. Only submitted reviews "
             "count; an amended review counts once, in its latest version."),
            ("Score", "1–5 on a behaviourally anchored scale (5 highest). 'Not observed' means no score."),
            ("Gate", "A pass/fail competency. 'Not yet met' is a fail. For statistics a pass counts 1, a fail 0."),
            ("Core / discretionary", "Core competencies are non-negotiable; discretionary ones are scored when the "
             "session calls for them."),
            ("Reviews meeting the standard", f"Every scored core competency at {MEETS_STANDARD_SCORE} or above and "
             "no failed gate."),
            ("Audit draw", "The quarterly sample: ⌈share × active coaches⌉ (share at least 20 %), allocated to strata "
             "by the largest remainder, each stratum ordered by HMAC-SHA256 of the recorded seed and the coach's id; "
             "anyone holding the frame and seed can re-derive it (docs/audit-sampling.md)."),
            ("Coverage", f"Coaches reviewed ÷ active coaches; the quarterly audit needs at least "
             f"{COVERAGE_TARGET:.0%}."),
            ("Unit of agreement", "One recording × one competency, scored by two or more raters (the Units column; "
             "the pooled row counts every recording × competency). Recordings with a single rater do not enter the "
             "agreement figures."),
            ("ICC(2,1)", "Intraclass correlation, two-way random effects, absolute agreement, single rater (Shrout & "
             "Fleiss 1979; McGraw & Wong 1996), with its 95 % confidence interval. Uses units scored by every rater."),
            ("ICC(2,k)", "As ICC(2,1) for the mean of the k raters: how reliable the panel's average is."),
            ("ICC(3,1)", "Two-way mixed effects, consistency: agreement on ranking, ignoring a rater's constant "
             "leniency or severity."),
            ("ICC bands", "Koo & Li 2016: below 0.50 poor, 0.50–0.75 moderate, 0.75–0.90 good, above 0.90 "
             "excellent. Colours on the Agreement sheet follow these bands."),
            ("Krippendorff's alpha", "Chance-corrected agreement that tolerates missing scores; ordinal (main), "
             "interval and nominal levels. 0.800 customary, 0.667 lowest tentative bound (Krippendorff 2004)."),
            ("Weighted kappa", "Cohen's kappa with quadratic weights for every pair of raters, averaged."),
            ("Fleiss' kappa", "Multi-rater kappa treating scores as categories (Fleiss 1971); bands from Landis & "
             "Koch 1977."),
            ("Exact / within ±1", "Share of rater pairs on the same unit giving the same score / scores at most one "
             "point apart."),
            ("Bias vs master", "A rater's mean score minus the master's on the same units: positive lenient, "
             "negative severe."),
            ("Bias vs panel mean", "A rater's mean score minus the mean of the other raters on the same units."),
            ("Calibration rule", f"A rater is calibrated when at least {rule.within_one_share:.0%} of scale scores "
             "are within ±1 of the master" + (" and every gate decision matches the master's." if
                                                rule.same_gate_decisions else ".")),
            ("Rater drift", f"Bias against the master per revealed round, all rounds to date. Flagged when |bias| "
             f"exceeds {BIAS_THRESHOLD} in two consecutive rounds, or when its exponentially weighted moving average "
             f"does."),
            ("Gwet's AC1 / AC2", "Gwet's agreement coefficients (Gwet 2008; Handbook of Inter-Rater Reliability, "
             "2014): chance-corrected agreement that stays stable when nearly every score is the same, which makes "
             "kappa collapse. AC1 treats scores as categories (use it for gates); AC2 weights near misses, linearly "
             "(1 − |k − l| / 4 on a 1–5 scale) or quadratically (1 − (k − l)² / 16). Intervals: Gwet's standard "
             "error with Student's t (units − 1 degrees of freedom), capped at 1. Read with the Landis & Koch bands."),
            ("Bootstrap intervals", "Krippendorff's alpha (ordinal) and the mean weighted kappa have no closed-form "
             "interval here: the units are drawn again with replacement 2,000 times (fixed seed, so the file is "
             "reproducible) and the 2.5th and 97.5th percentiles of the redrawn figure are the 95 % interval."),
            ("Small numbers", "With fewer than 5 units the agreement figures are unstable; the Notes column says so."),
            ("Blinding", "Reviews of a calibration round that is still blind are never exported."),
            ("Privacy", "HR viewers receive aggregates only: no rationale, quotes or notes. Coachees always appear "
             "by pseudonym; coaches by name or pseudonym as chosen at export."),
            ("Redaction", "Quotes, rationale and evidence notes are redacted: names and identifiers a person accepted "
             "(or has not yet rejected) in the transcript, every name the program knows, its term list, and "
             "e-mail addresses, URLs, phone and employee numbers are replaced by [NAME], [ORG], [PLACE], [EMAIL], "
             "[URL], [PHONE] or [NUMBER]."),
            ("Times", "Dates and times in UTC; evidence times are positions in the recording (h:mm:ss)."),
            ("Text safety", "Text that a spreadsheet could take for a formula is stored as quoted text; characters a "
             "workbook cannot hold are removed; text over 32,767 characters is cut with a marker."),
        ])
