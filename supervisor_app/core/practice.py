"""Practice against a gold standard: a rater's scores beside the reference scoring, competency by competency.

A scale score meets the gold when it is within the tolerance (default ±1); a gate must match. Competencies the
gold left unscored (not observed) are shown but not counted; one the rater left unscored counts as a miss, since
the gold found something to score there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from supervisor_app.core.agreement import CalibrationRule
from supervisor_app.core.reviews import CompetencyScore
from supervisor_app.core.rubric import Rubric

DEFAULT_TOLERANCE = 1
MAX_TOLERANCE = 2


@dataclass(frozen=True)
class GoldScore:
    competency_id: str
    score: int | None
    gate_passed: bool | None
    rationale: str = ""

    @property
    def scored(self) -> bool:
        return self.score is not None or self.gate_passed is not None


@dataclass(frozen=True)
class CompetencyOutcome:
    competency_id: str
    title: str
    is_gate: bool
    mine: str  # "4", "pass", "not observed", "—"
    gold: str
    difference: int | None  # mine − gold on a scale, when both are scores
    counted: bool  # the gold scored it, so it counts towards the result
    met: bool  # within the tolerance (a gate: the same decision)
    gold_rationale: str


@dataclass(frozen=True)
class PracticeOutcome:
    tolerance: int
    competencies: tuple[CompetencyOutcome, ...]

    @property
    def scales(self) -> list[CompetencyOutcome]:
        return [c for c in self.competencies if c.counted and not c.is_gate]

    @property
    def gates(self) -> list[CompetencyOutcome]:
        return [c for c in self.competencies if c.counted and c.is_gate]

    @property
    def scales_met(self) -> int:
        return sum(c.met for c in self.scales)

    @property
    def gates_met(self) -> int:
        return sum(c.met for c in self.gates)

    def meets(self, rule: CalibrationRule) -> bool:
        """The calibration rule applied to this one recording: enough scale scores within the tolerance, every
        gate the same (when the rule asks for it), and something to compare at all."""
        scales, gates = self.scales, self.gates
        if not scales and not gates:
            return False
        if scales and self.scales_met / len(scales) < rule.within_one_share:
            return False
        return not (rule.same_gate_decisions and self.gates_met < len(gates))

    @property
    def summary(self) -> str:
        parts = []
        if self.scales:
            parts.append(f"{self.scales_met} of {len(self.scales)} scores within ±{self.tolerance} of the gold")
        if self.gates:
            parts.append(f"{self.gates_met} of {len(self.gates)} gate decisions the same")
        return "; ".join(parts) or "nothing to compare: the gold scored no competency"


def _label(score: int | None, gate: bool | None, not_observed: bool = False) -> str:
    if gate is not None:
        return "pass" if gate else "fail"
    if score is not None:
        return str(score)
    return "not observed" if not_observed else "—"


def compare(rubric: Rubric, gold: Mapping[str, GoldScore], mine: Mapping[str, CompetencyScore],
            tolerance: int = DEFAULT_TOLERANCE) -> PracticeOutcome:
    outcomes = []
    for competency in rubric.competencies:
        reference = gold.get(competency.id)
        own = mine.get(competency.id)
        score, gate = (own.score, own.gate_passed) if own and not own.not_observed else (None, None)
        counted = reference is not None and reference.scored
        difference: int | None = None
        met = False
        if counted and reference is not None:
            if competency.is_gate:
                met = gate is not None and gate == reference.gate_passed
            elif score is not None and reference.score is not None:
                difference = score - reference.score
                met = abs(difference) <= tolerance
        outcomes.append(CompetencyOutcome(
            competency.id, competency.title, competency.is_gate,
            _label(score, gate, bool(own and own.not_observed)),
            _label(reference.score, reference.gate_passed, True) if reference else "—",
            difference, counted, met, reference.rationale if reference else ""))
    return PracticeOutcome(tolerance, tuple(outcomes))
