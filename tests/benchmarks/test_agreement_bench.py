"""All agreement statistics for 1,000 units x 10 raters x 10 competencies, against a target of one second.

    make benchmarks    (or: .venv/bin/pytest tests/benchmarks/test_agreement_bench.py -s -o addopts="")
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from supervisor_app.core.agreement import Rating, by_competency, quadratic_kappa, rating_matrix
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
        results = by_competency(ratings, bootstrap=0)
        times.append(time.perf_counter() - started)
    overall = results["overall"]
    started = time.perf_counter()
    with_intervals = by_competency(ratings)["overall"]
    bootstrap_s = time.perf_counter() - started
    assert with_intervals.alpha_ordinal_ci is not None
    assert with_intervals.kappa_quadratic_mean_ci is not None
    print_table(f"Every statistic per competency and overall: {UNITS:,} units x {RATERS} raters x {COMPETENCIES} "
                f"competencies ({len(ratings):,} ratings; 3 runs)",
                [("wall time without the bootstrap, median (s)", f"{median(times):.2f}", "< 1"),
                 ("with the bootstrap (2,000 draws for alpha and mean kappa, 11 groups), one run (s)",
                  f"{bootstrap_s:.1f}", "reported"),
                 ("overall ICC(2,1) / alpha (interval)", f"{overall.icc2_1:.3f} / {overall.alpha_interval:.3f}", ""),
                 ("overall AC1 / AC2 quadratic", f"{overall.ac1:.3f} / {overall.ac2_quadratic:.3f}", ""),
                 ("overall alpha (ordinal) 95% bootstrap CI",
                  f"{with_intervals.alpha_ordinal_ci[0]:.3f}–{with_intervals.alpha_ordinal_ci[1]:.3f}", "")],
                ["figure", "value", "target"])
    assert median(times) < 1.0


def _wide_panel(raters: int, units: int = 5) -> list[Rating]:
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 6, size=units)
    return [Rating(f"u{u}", f"r{r}", float(np.clip(truth[u] + rng.integers(-1, 2), 1, 5)), master=r == 0)
            for r in range(raters) for u in range(units)]


def _naive_pairs(ratings: list[Rating]) -> tuple[float, float]:
    """What the command did before: Cohen's kappa and the agreement rates over every pair of raters."""
    _units, raters, matrix = rating_matrix(ratings)
    values = sorted(set(matrix[~np.isnan(matrix)].tolist()))
    kappas, exact, total = [], 0, 0
    for i, j in itertools.combinations(range(len(raters)), 2):
        kappas.append(quadratic_kappa(matrix[:, i].tolist(), matrix[:, j].tolist(), values))
        exact += int((matrix[:, i] == matrix[:, j]).sum())
        total += len(matrix)
    return float(np.nanmean(kappas)), exact / total


def test_a_panel_of_thousands_of_raters() -> None:
    small = _wide_panel(200)
    started = time.perf_counter()
    naive_kappa, naive_exact = _naive_pairs(small)
    naive_s = time.perf_counter() - started
    started = time.perf_counter()
    ours = by_competency(small, bootstrap=0)["overall"]  # like for like: the naive pass has no intervals
    ours_s = time.perf_counter() - started
    large = _wide_panel(6_000)
    started = time.perf_counter()
    large_result = by_competency(large, bootstrap=0)["overall"]
    large_s = time.perf_counter() - started
    started = time.perf_counter()
    by_competency(large)
    large_bootstrap_s = time.perf_counter() - started
    print_table("Every statistic for a wide panel (5 units each): the app (kappa over a seeded sample of 2,000 pairs "
                "beyond that many, agreement rates counted per unit) against all pairs",
                [("200 raters (19,900 pairs): wall time (s)", f"{ours_s:.2f}", f"{naive_s:.2f}",
                  f"{ours_s / naive_s:.3f}"),
                 ("200 raters: mean kappa / exact agreement", f"{ours.kappa_quadratic_mean:.3f} / "
                  f"{ours.exact_agreement:.3f}", f"{naive_kappa:.3f} / {naive_exact:.3f}", ""),
                 ("6,000 raters (17,997,000 pairs): wall time (s)", f"{large_s:.2f}",
                  f"not run (about {naive_s * 17_997_000 / 19_900 / 60:.0f} min at the 200-rater pace)", ""),
                 ("6,000 raters with the bootstrap intervals (s)", f"{large_bootstrap_s:.2f}", "", "")],
                ["figure", "app", "all pairs", "ratio"])
    assert abs(ours.exact_agreement - naive_exact) < 1e-9
    assert abs(ours.kappa_quadratic_mean - naive_kappa) < 0.05
    assert large_s < 30
    assert large_result.n_raters == 6_000
