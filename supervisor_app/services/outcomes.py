"""The one-page outcomes brief of a quarter's audit, for the program's sponsor: coverage, headline agreement,
strengths and gaps per competency, and the actions that follow. Aggregates only: no coach is named.

Written with fpdf2 (no Qt), so the command line makes the same PDF as the Program page.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from supervisor_app import __version__
from supervisor_app.core.agreement import OVERALL, Rating, by_competency
from supervisor_app.core.reviews import CompetencyScore, below_standard, numeric_value
from supervisor_app.core.roles import Permission
from supervisor_app.core.rubric import Rubric
from supervisor_app.core.sampling import POLICY_MIN_SHARE
from supervisor_app.errors import ValidationError
from supervisor_app.files import atomic_target
from supervisor_app.services import audit, audits, rubrics
from supervisor_app.services.context import Actor, require
from supervisor_app.services.pdf_document import PdfDocument
from supervisor_app.store.db import Database
from supervisor_app.store.models import Assignment, AuditCycle, Review, ReviewScore, RubricVersion

MIN_FOR_AGREEMENT = 2  # double-scored sessions needed before an agreement figure is shown


@dataclass(frozen=True)
class CompetencyOutcome:
    title: str
    mean: float | None  # 1–5 competencies
    pass_rate: float | None  # gates
    reviews: int


@dataclass(frozen=True)
class Outcomes:
    quarter: str
    status: str
    frame: int
    sampled: int
    reviewed: int
    needs_recording: int
    open_assignments: int
    double_scored: int
    icc: float | None
    alpha: float | None
    within_one: float | None
    competencies: tuple[CompetencyOutcome, ...]
    below_standard: int
    gaps: tuple[tuple[str, int], ...]  # competency title -> reviews below the standard on it

    @property
    def coverage(self) -> float:
        return self.reviewed / self.frame if self.frame else 0.0


def outcomes(db: Database, actor: Actor, quarter_text: str) -> Outcomes:
    require(actor, Permission.RUN_AUDITS)
    cycle = audits.get_cycle(db, actor, quarter_text)
    with db.snapshot() as session:
        row = session.scalar(select(AuditCycle).where(AuditCycle.quarter == cycle.quarter))
        assert row is not None
        version = session.get(RubricVersion, row.rubric_version_id)
        assert version is not None
        rubric: Rubric = rubrics.stored_rubric(version.document)
        done = list(session.execute(select(Assignment, Review).join(Review, Review.id == Assignment.review_id)
                                    .where(Assignment.cycle_id == row.id, Assignment.state == audits.SUBMITTED)))
        open_count = len(list(session.scalars(select(Assignment.id).where(
            Assignment.cycle_id == row.id, Assignment.state.in_((audits.ASSIGNED, audits.IN_PROGRESS))))))
        scores: dict[int, list[CompetencyScore]] = {}
        for score in session.scalars(select(ReviewScore).where(ReviewScore.review_id.in_([r.id for _a, r in done]))):
            scores.setdefault(score.review_id, []).append(CompetencyScore(score.competency_id, score.score,
                                                                          score.gate_passed, score.not_observed))
    per_recording: dict[int, list[tuple[str, list[CompetencyScore]]]] = {}
    for assignment, review in done:
        per_recording.setdefault(assignment.recording_id, []).append((str(review.rater_id), scores.get(review.id, [])))
    ratings = [Rating(f"#{recording}", rater, value, s.competency_id)
               for recording, reviews in per_recording.items() if len(reviews) > 1
               for rater, given in reviews for s in given
               if not s.not_observed and (value := numeric_value(s.score, s.gate_passed)) is not None]
    double = sum(len(r) > 1 for r in per_recording.values())
    overall = by_competency(ratings).get(OVERALL) if double >= MIN_FOR_AGREEMENT and ratings else None
    results = []
    gaps: dict[str, int] = {}
    below = 0
    for _assignment, review in done:
        low = below_standard(rubric, scores.get(review.id, []))
        below += bool(low)
        for title in low:
            gaps[title] = gaps.get(title, 0) + 1
    for competency in rubric.competencies:
        given = [s for r in scores.values() for s in r if s.competency_id == competency.id and not s.not_observed]
        numbers = [float(s.score) for s in given if s.score is not None]
        gates = [bool(s.gate_passed) for s in given if s.gate_passed is not None]
        results.append(CompetencyOutcome(competency.title, statistics.fmean(numbers) if numbers else None,
                                         sum(gates) / len(gates) if gates else None, len(given)))
    reviewed = sum(c.done and not c.excused_reason for c in cycle.sample)
    return Outcomes(cycle.quarter, cycle.status, cycle.frame_size, len(cycle.sample), reviewed,
                    sum(c.recording_id is None for c in cycle.sample), open_count, double,
                    overall.icc2_1 if overall else None, overall.alpha_ordinal if overall else None,
                    overall.adjacent_agreement if overall else None, tuple(results), below,
                    tuple(sorted(gaps.items(), key=lambda item: (-item[1], item[0]))))


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _figure(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.0%}" if percent else f"{value:.2f}"


def write_brief(db: Database, actor: Actor, quarter_text: str, target: Path) -> Outcomes:
    """The one-page PDF, written atomically; the audit trail records it."""
    if target.suffix.lower() != ".pdf":
        raise ValidationError(f"{target.name}: the brief is saved with the .pdf extension.")
    found = outcomes(db, actor, quarter_text)
    pdf = PdfDocument()
    pdf.set_title(f"Coaching audit {found.quarter}: outcomes brief")
    pdf.set_creator(f"Coaching Supervisor {__version__}")
    pdf.add_page()
    pdf.heading(f"Coaching audit {found.quarter} — outcomes brief", 17)
    pdf.paragraph(f"Cycle {found.status} · prepared {dt.date.today():%d %B %Y} · aggregates only: no coach is named.",
                  9, (95, 102, 112))
    pdf.ln(2)
    target_share = float(POLICY_MIN_SHARE)
    pdf.heading("Coverage")
    verdict = "meets" if found.coverage >= target_share else "does not yet meet"
    pending = [text for number, text in (
        (found.open_assignments, f"{_count(found.open_assignments, 'review')} still open"),
        (found.needs_recording, f"{_count(found.needs_recording, 'sampled coach', 'sampled coaches')} still owing a "
                                "recorded session")) if number]
    pdf.paragraph(f"{found.reviewed} of {found.frame} active coaches reviewed ({found.coverage:.0%}), which {verdict} "
                  f"the program's rule of at least {target_share:.0%} a quarter. {found.sampled} were drawn at random "
                  "from the roster" + (f"; {' and '.join(pending)}." if pending else ", and every review is in."))
    pdf.heading("Agreement between reviewers")
    if found.icc is None and found.alpha is None:
        pdf.paragraph(f"{_count(found.double_scored, 'session')} scored by two reviewers; at least "
                      f"{MIN_FOR_AGREEMENT} are needed before an agreement figure means anything.")
    else:
        pdf.paragraph(f"On the {found.double_scored} sessions scored blind by two reviewers: ICC(2,1) "
                      f"{_figure(found.icc)}, Krippendorff's alpha (ordinal) {_figure(found.alpha)}, scores within ±1 "
                      f"{_figure(found.within_one, True)}. (ICC ≥ 0.75 is good; alpha ≥ 0.80 customary"
                      + ("; with fewer than 5 sessions these figures are unstable" if found.double_scored < 5 else "")
                      + ".)")
    pdf.heading("Strengths and gaps per competency")
    pdf.set_font(pdf.family, "B", 9.5)
    pdf.set_fill_color(238, 241, 245)
    for text, width in (("Competency", 96), ("Mean (1–5)", 30), ("Gate passed", 30), ("Reviews", 18)):
        pdf.cell(width, 6.5, pdf.text_of(text), border=0, fill=True)
    pdf.ln(6.5)
    pdf.set_font(pdf.family, "", 9.5)
    scored = sorted(found.competencies, key=lambda c: -(c.mean if c.mean is not None else
                                                        (c.pass_rate or 0) * 5))
    for outcome in scored:
        pdf.set_text_color(55, 65, 81)
        pdf.cell(96, 6, pdf.text_of(outcome.title[:60]))
        pdf.cell(30, 6, _figure(outcome.mean))
        pdf.cell(30, 6, _figure(outcome.pass_rate, True))
        pdf.cell(18, 6, str(outcome.reviews), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    strengths = [c.title for c in scored if c.mean is not None and c.mean >= 4][:3]
    weakest = [c.title for c in reversed(scored) if c.mean is not None and c.mean < 3][:3]
    pdf.paragraph("Strengths: " + (", ".join(strengths) if strengths else "none scored 4 or more on average yet") +
                  ". Gaps: " + (", ".join(weakest) if weakest else "no competency averages below 3") + ".")
    pdf.heading("Actions")
    actions = []
    if found.below_standard:
        worst = ", ".join(f"{title} ({count})" for title, count in found.gaps[:3])
        actions.append(f"{_count(found.below_standard, 'reviewed session')} below the standard — chiefly {worst}: "
                       "each coach concerned gets a corrective-coaching plan with a re-review date.")
    if found.coverage < target_share:
        actions.append("Complete the open reviews and collect the missing recordings to reach the 20 % coverage.")
    if found.double_scored < MIN_FOR_AGREEMENT:
        actions.append("Score a share of next quarter's sessions blind by two reviewers to measure agreement.")
    actions.append("Recalibrate the panel on the weakest competencies at the next monthly calibration round.")
    for number, action in enumerate(actions, start=1):
        pdf.paragraph(f"{number}. {action}")
    pdf.set_y(-14)
    pdf.paragraph(f"Coaching Supervisor {__version__} · the sample is re-derivable from its recorded frame and seed "
                  "(docs/audit-sampling.md).", 7.5, (120, 126, 134))
    with atomic_target(target) as tmp:
        pdf.output(str(tmp))
    with db.transaction() as session:
        audit.record(session, actor, "audit_cycle.brief", "audit_cycle", found.quarter, {"file": target.name})
    return found
