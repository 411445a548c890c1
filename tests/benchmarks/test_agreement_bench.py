"""All agreement statistics for 1,000 units x 10 raters x 10 competencies, against a target of one second.

    make benchmarks    (or: .venv/bin/pytest tests/benchmarks/test_agreement_bench.py -s -o addopts="")
"""

from __future__ import annotations

import time

import numpy as np

from supervisor_app.core.agreement import Rating, by_competency
from tests.benchmarks.conftest import median, print_table

UNITS, RATERS, COMPETENCIES = 1000, 10, 10


def _panel() -> list[Rating]:
    rng = np.random.default_rng(11)
    truth = rng.integers(1, 6, size=(COMPETENCIES, UNITS))
    leniency = rng.normal(0, 0.4, size=RATERS)
    ratings = []
    for c in range(COMPETENCIES):
        for u in range(UNITS):
            for r in range(RATERS):
                score = int(np.clip(np.rint(truth[c, u] + leniency[r] + rng.normal(0, 0.7)), 1, 5))
                ratings.append(Rating(f"u{u}", f"r{r}", float(score), f"c{c}", master=r == 0))
    return ratings


def test_all_statistics_for_a_large_panel() -> None:
    ratings = _panel()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        results = by_competency(ratings)
        times.append(time.perf_counter() - started)
    overall = results["overall"]
    print_table(f"Every statistic per competency and overall: {UNITS:,} units x {RATERS} raters x {COMPETENCIES} "
                f"competencies ({len(ratings):,} ratings; 3 runs)",
                [("wall time, median (s)", f"{median(times):.2f}", "< 1"),
                 ("overall ICC(2,1) / alpha (interval)", f"{overall.icc2_1:.3f} / {overall.alpha_interval:.3f}", "")],
                ["figure", "value", "target"])
    assert median(times) < 1.0
