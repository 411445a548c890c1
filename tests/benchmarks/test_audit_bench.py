"""The quarterly draw and the assignment proposal for 5,000 coaches and 200 reviewers (target < 1 s), against
the naive proposal that scans every reviewer for every session.

    .venv/bin/pytest tests/benchmarks/test_audit_bench.py -s -o addopts=""
"""

from __future__ import annotations

import time
from fractions import Fraction

from supervisor_app.core.assignments import Item, may_review, propose
from supervisor_app.core.sampling import FrameMember, Quarter, draw
from tests.benchmarks.conftest import median, print_table

COACHES, REVIEWERS = 5_000, 200
LEVELS = ("Coach in Training", "Certified Internal Coach", "Senior Coach")


def _naive(items: list[Item], reviewers: list[int], independent: bool) -> dict[int, int]:
    loads = dict.fromkeys(reviewers, 0)
    for item in items:
        best = min((r for r in reviewers if may_review(item, r, independent=independent)), key=lambda r: loads[r])
        loads[best] += 1
    return loads


def test_draw_and_proposal_for_a_large_program() -> None:
    frame = [FrameMember(i, LEVELS[i % 3], f"unit {i % 40}", "2026-Q2" if i % 4 else None)
             for i in range(1, COACHES + 1)]
    reviewers = list(range(10_001, 10_001 + REVIEWERS))
    ours, naive = [], []
    for run in range(3):
        started = time.perf_counter()
        sample = draw(frame, Fraction(1, 4), 1234 + run, Quarter(2026, 4), stratify=("level", "unit"),
                      prioritise_unaudited=True)
        items = [Item(c, 100_000 + c, reviewers[c % REVIEWERS] if c % 7 == 0 else None,
                      reviewers[(c * 3) % REVIEWERS]) for c in sample]
        proposal = propose(items, reviewers, seed=1234 + run, independent=True, double_share=Fraction(1, 10))
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        draw(frame, Fraction(1, 4), 1234 + run, Quarter(2026, 4), stratify=("level", "unit"),
             prioritise_unaudited=True)
        naive_loads = _naive(items, reviewers, True)
        naive.append(time.perf_counter() - started)
    spread = max(proposal.loads.values()) - min(proposal.loads.values())
    print_table(f"Draw ({COACHES:,} coaches, 25 %, strata level x unit, priority rule) and proposal "
                f"({REVIEWERS} reviewers, independent, 10 % double-scored); 3 runs",
                [("wall time, median (s)", f"{median(ours):.3f}", f"{median(naive):.3f}",
                  f"{median(ours) / median(naive):.2f}"),
                 ("sessions proposed", len(proposal.assignments), sum(naive_loads.values()), ""),
                 ("reviewer load min-max", f"{min(proposal.loads.values())}-{max(proposal.loads.values())}",
                  f"{min(naive_loads.values())}-{max(naive_loads.values())}", "")],
                ["figure", "app (heap of loads)", "naive (scan every reviewer)", "ratio"])
    assert median(ours) < 1.0
    assert spread <= 1
