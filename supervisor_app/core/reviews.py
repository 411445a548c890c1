"""Reviews as plain data: scores, evidence, the rubric's rules at submission, and feedback for the coach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from supervisor_app.core.rubric import Rubric
from supervisor_app.core.transcripts import Segment, clock

FEEDBACK_DUE_AFTER = dt.timedelta(hours=48)
NOTE_MAX = 4000


class Tag(StrEnum):
    STRENGTH = "strength"
    GROWTH_AREA = "growth area"
    ASKED_OPEN_QUESTION = "asked open question"
    ADVISED_TOLD = "advised/told"
    REFLECTED = "reflected"
    SUMMARISED = "summarised"

    @property
    def is_growth(self) -> bool:
        return self in (Tag.GROWTH_AREA, Tag.ADVISED_TOLD)


@dataclass(frozen=True)
class Evidence:
    competency_id: str
    start_s: float
    end_s: float
    quote: str = ""
    tag: str = ""
    note: str = ""
    id: int | None = None


@dataclass(frozen=True)
class CompetencyScore:
    competency_id: str
    score: int | None = None
    gate_passed: bool | None = None
    not_observed: bool = False
    rationale: str = ""

    @property
    def decided(self) -> bool:
        return self.not_observed or self.score is not None or self.gate_passed is not None


@dataclass(frozen=True)
class ReviewContent:
    scores: Mapping[str, CompetencyScore] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()

    def evidence_for(self, competency_id: str) -> list[Evidence]:
        return sorted((e for e in self.evidence if e.competency_id == competency_id), key=lambda e: e.start_s)


def numeric_value(score: int | None, gate_passed: bool | None) -> float | None:
    """A score as a number for statistics: the 1–5 score, or 1/0 for a passed/failed gate; None if undecided."""
    if score is not None:
        return float(score)
    return None if gate_passed is None else (1.0 if gate_passed else 0.0)


def check_score(rubric: Rubric, score: CompetencyScore) -> str | None:
    """Why this score cannot be stored for this rubric, or None."""
    try:
        competency = rubric.competency(score.competency_id)
    except KeyError:
        return f"{score.competency_id!r} is not a competency of {rubric.key}."
    if competency.is_gate and score.score is not None:
        return f"{competency.title} is a pass/fail gate; decide pass or fail, not a 1–5 score."
    if not competency.is_gate and score.gate_passed is not None:
        return f"{competency.title} is scored 1–5, not pass/fail."
    if score.score is not None and score.score not in competency.anchors:
        return f"{competency.title}: {score.score} is not on the 1–5 scale."
    if score.not_observed and (score.score is not None or score.gate_passed is not None):
        return f"{competency.title}: a competency marked 'not observed' has no score."
    if len(score.rationale) > NOTE_MAX:
        return f"{competency.title}: the rationale is longer than {NOTE_MAX} characters."
    return None


def check_evidence(rubric: Rubric, item: Evidence, duration_s: float) -> str | None:
    try:
        competency = rubric.competency(item.competency_id)
    except KeyError:
        return f"{item.competency_id!r} is not a competency of {rubric.key}."
    if not 0 <= item.start_s < item.end_s <= duration_s + 0.5:
        return (f"Evidence for {competency.title} must lie inside the recording (0–{clock(duration_s)}) and end "
                "after it starts.")
    limit = rubric.evidence.max_clip_seconds
    if limit is not None and item.end_s - item.start_s > limit:
        return f"Evidence clips are at most {limit:.0f} s long in this rubric; pick a shorter moment."
    if item.tag and item.tag not in {t.value for t in Tag}:
        return f"Unknown evidence tag {item.tag!r}; use one of: {', '.join(t.value for t in Tag)}."
    if len(item.note) > NOTE_MAX or len(item.quote) > NOTE_MAX:
        return f"Evidence notes and quotes are at most {NOTE_MAX} characters."
    return None


def submission_problems(rubric: Rubric, content: ReviewContent) -> list[str]:
    """Every rule the review still breaks; empty when it may be submitted."""
    problems = []
    for competency in rubric.competencies:
        score = content.scores.get(competency.id, CompetencyScore(competency.id))
        evidence = content.evidence_for(competency.id)
        if not score.decided:
            kind = "decide pass or fail" if competency.is_gate else "give a score"
            problems.append(f"{competency.title}: {kind}, or mark it 'not observed'.")
            continue
        if score.not_observed:
            continue
        needed = competency.min_evidence_items
        if competency.is_gate and rubric.evidence.gate_decision_requires_evidence:
            needed = max(needed, 1)
        if len(evidence) < needed:
            have = "none yet" if not evidence else f"only {len(evidence)} so far"
            moments = "one moment" if needed == 1 else f"{needed} moments"
            problems.append(f"{competency.title}: pin {moments} of evidence from the recording ({have}).")
        if rubric.evidence.require_transcript_quote and any(not e.quote.strip() for e in evidence):
            problems.append(f"{competency.title}: every evidence item needs the quoted words.")
    return problems


MEETS_STANDARD_SCORE = 3


def below_standard(rubric: Rubric, scores: Sequence[CompetencyScore]) -> list[str]:
    """The competencies that keep a review from meeting the standard: a core competency scored under
    MEETS_STANDARD_SCORE, or a failed gate (titles, in the rubric's order)."""
    given = {s.competency_id: s for s in scores}
    low = []
    for competency in rubric.competencies:
        score = given.get(competency.id)
        if score is None or score.not_observed:
            continue
        if score.gate_passed is False or (competency.category.value == "core" and score.score is not None
                                          and score.score < MEETS_STANDARD_SCORE):
            low.append(competency.title)
    return low


def quote_for_range(segments: Sequence[Segment], start_s: float, end_s: float) -> str:
    """The words said between start and end: word timings where known, else whole overlapping segments."""
    words: list[str] = []
    for segment in segments:
        if segment.end_s <= start_s or segment.start_s >= end_s:
            continue
        if segment.words and not segment.edited:
            words.extend(w[2].strip() for w in segment.words if w[1] > start_s and w[0] < end_s)
        else:
            words.append(segment.text)
    return " ".join(w for w in words if w)


def long_date(day: dt.date) -> str:
    """A date as a letter writes it: "6 October 2026"."""
    return f"{day.day} {day:%B %Y}"


def feedback_text(rubric: Rubric, content: ReviewContent, coach_name: str, recording_label: str) -> str:
    """A first draft of written feedback, gathered from tagged evidence; the reviewer edits it."""
    strengths, growth = [], []
    for competency in rubric.competencies:
        for item in content.evidence_for(competency.id):
            line = f"- {competency.title} ({clock(item.start_s)}): “{item.quote.strip()}”"
            if item.note.strip():
                line += f" — {item.note.strip()}"
            tag = Tag(item.tag) if item.tag in {t.value for t in Tag} else None
            if tag is not None and tag.is_growth:
                growth.append(line)
            elif tag is not None:
                strengths.append(line)
    scored = []
    for competency in rubric.competencies:
        score = content.scores.get(competency.id)
        if score is None or not score.decided:
            continue
        if score.not_observed:
            value = "not observed"
        elif competency.is_gate:
            value = "pass" if score.gate_passed else "not yet met"
        else:
            value = f"{score.score}/5"
        scored.append(f"- {competency.title}: {value}")
    parts = [f"Feedback for {coach_name} on {recording_label}", "",
             "What went well:", *(strengths or ["- No single moment was picked out this time."]), "",
             "To work on next:", *(growth or ["- Nothing in particular this time: keep practising what works."]),
             "",
             f"Scores against {rubric.title} v{rubric.version}:", *scored]
    return "\n".join(parts) + "\n"
