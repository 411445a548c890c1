"""Agreement statistics against published reference values."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from scipy.stats import f as f_distribution

from supervisor_app.core import bootstrap
from supervisor_app.core.agreement import (
    CalibrationRule,
    Rating,
    agreement,
    alpha_band,
    by_competency,
    calibrated,
    icc,
    icc_band,
    kappa_band,
    quadratic_kappa,
    rating_matrix,
)
from supervisor_app.core.gwet import Weights, gwet

# Shrout & Fleiss (1979), Table 2: six targets rated by four judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
                         dtype=float)
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four observers, twelve units, gaps.
KRIPPENDORFF = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
                [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
                [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
                [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
# Fleiss (1971) as tabulated on the kappa's usual worked example: 10 subjects, 14 raters, 5 categories.
FLEISS = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1], [7, 7, 0, 0, 0],
          [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def test_icc_forms_match_shrout_and_fleiss() -> None:
    result = icc(SHROUT_FLEISS)
    assert round(result.icc2_1, 2) == 0.29  # published to two decimals
    assert round(result.icc2_k, 2) == 0.62
    assert round(result.icc3_1, 2) == 0.71
    assert result.icc2_1 == pytest.approx(0.290, abs=0.0005)
    assert result.icc3_1 == pytest.approx(0.715, abs=0.0005)
    assert result.icc2_1_ci == pytest.approx((0.019, 0.761), abs=0.0005)
    assert result.icc3_1_ci == pytest.approx((0.342, 0.946), abs=0.0005)


def test_icc2k_interval_is_mcgraw_and_wong_case_a_k() -> None:
    """McGraw & Wong (1996) Table 7, ICC(A,k), computed independently of the Spearman-Brown route used."""
    data = SHROUT_FLEISS
    n, k = data.shape
    grand = data.mean()
    msr = k * ((data.mean(1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((data.mean(0) - grand) ** 2).sum() / (k - 1)
    mse = (((data - grand) ** 2).sum() - msr * (n - 1) - msc * (k - 1)) / ((n - 1) * (k - 1))
    single = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    a, b = k * single / (n * (1 - single)), 1 + k * single * (n - 1) / (n * (1 - single))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    f1, f2 = f_distribution.ppf(0.975, n - 1, v), f_distribution.ppf(0.975, v, n - 1)
    lower = n * (msr - f1 * mse) / (f1 * (msc - mse) + n * msr)
    upper = n * (f2 * msr - mse) / (msc - mse + n * f2 * msr)
    assert icc(data).icc2_k_ci == pytest.approx((lower, upper), abs=1e-9)
    assert icc(data).icc2_k_ci == pytest.approx((0.071, 0.927), abs=0.0005)


def _ratings(rows: list[list[int | None]]) -> list[Rating]:
    return [Rating(f"u{unit}", f"r{rater}", float(value)) for rater, row in enumerate(rows)
            for unit, value in enumerate(row) if value is not None]


def test_krippendorff_alpha_matches_the_worked_example() -> None:
    result = agreement(_ratings(KRIPPENDORFF))
    assert result.alpha_nominal == pytest.approx(0.743, abs=0.0005)
    assert result.alpha_ordinal == pytest.approx(0.815, abs=0.0005)
    assert result.alpha_interval == pytest.approx(0.849, abs=0.0005)
    assert result.n_units == 12
    assert any("lack a score" in w for w in result.warnings)


def test_fleiss_kappa_matches_the_worked_example() -> None:
    ratings = []
    for subject, counts in enumerate(FLEISS):
        labels = [category for category, count in enumerate(counts, start=1) for _ in range(count)]
        ratings += [Rating(f"s{subject}", f"rater{i}", float(label)) for i, label in enumerate(labels)]
    assert agreement(ratings).fleiss_kappa == pytest.approx(0.210, abs=0.0005)


def test_quadratic_kappa_limits_and_a_hand_computed_case() -> None:
    assert quadratic_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)
    assert quadratic_kappa([1, 2, 3], [3, 2, 1], [1, 2, 3]) == pytest.approx(-1.0)
    # 2x2 by hand: observed 0.8 on the diagonal, chance 0.5 -> kappa 0.6 (weights are 0/1 for two categories)
    assert quadratic_kappa([1, 1, 1, 1, 2, 2, 2, 2, 1, 2], [1, 1, 1, 1, 2, 2, 2, 2, 2, 1], [1, 2]) == \
        pytest.approx(0.6)


def test_agreement_rates_bias_and_calibration() -> None:
    ratings = []
    master_scores = [3, 4, 2, 5, 3, 4]
    for unit, gold in enumerate(master_scores):
        ratings.append(Rating(str(unit), "master", gold, "listening", master=True))
        ratings.append(Rating(str(unit), "lenient", min(gold + 1, 5), "listening"))
        ratings.append(Rating(str(unit), "severe", gold - 2, "listening"))
        ratings.append(Rating(str(unit), "lenient", 1.0, "follow_up"))
        ratings.append(Rating(str(unit), "master", 1.0, "follow_up", master=True))
        ratings.append(Rating(str(unit), "severe", 0.0 if unit == 0 else 1.0, "follow_up"))
    results = by_competency(ratings)
    listening = results["listening"]
    assert listening.bias["lenient"]["vs_master"] == pytest.approx(5 / 6)
    assert listening.bias["severe"]["vs_master"] == pytest.approx(-2.0)
    assert listening.bias["master"]["vs_master"] is None
    assert 0 < listening.exact_agreement < listening.adjacent_agreement < 1  # type: ignore[operator]
    assert set(results) == {"listening", "follow_up", "overall"}
    assert results["overall"].n_units == 12
    gates = {"follow_up": True}
    assert calibrated(ratings, "lenient", gates, CalibrationRule()) is True
    assert calibrated(ratings, "severe", gates, CalibrationRule()) is False
    assert calibrated([r for r in ratings if not r.master], "lenient", gates, CalibrationRule()) is None


def test_too_few_units_and_raters_are_flagged() -> None:
    few = agreement([Rating("a", "x", 1), Rating("a", "y", 2), Rating("b", "x", 3), Rating("b", "y", 3)])
    assert any("too unstable" in w for w in few.warnings)
    alone = agreement([Rating("a", "x", 1)])
    assert alone.warnings == ["Agreement needs at least two raters."]


def test_bands_and_their_sources() -> None:
    assert (icc_band(0.49).label, icc_band(0.75).label, icc_band(0.91).label) == ("poor", "good", "excellent")
    assert icc_band(0.8).source == "Koo & Li 2016"
    assert [kappa_band(v).label for v in (-0.1, 0.1, 0.3, 0.5, 0.7, 0.9)] == [
        "poor", "slight", "fair", "moderate", "substantial", "almost perfect"]
    assert [alpha_band(v).label for v in (0.6, 0.7, 0.85)] == ["unreliable", "tentative", "reliable"]


# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: twelve units, four raters, five categories, gaps (the
# irrCAC package's cac.raw4raters); published AC1 and weighted AC2 with standard errors and 95 % intervals.
GWET = [[1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4],
        [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, None, 3, None]]
GWET_PUBLISHED = {  # weights: (percent agreement, chance agreement, coefficient, standard error, interval)
    Weights.IDENTITY: (0.818, 0.190, 0.775, 0.143, (0.461, 1.0)),
    Weights.LINEAR: (0.939, 0.571, 0.859, 0.117, (0.600, 1.0)),
    Weights.QUADRATIC: (0.975, 0.714, 0.914, 0.104, (0.685, 1.0)),
}


def _gwet_matrix() -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in GWET], dtype=float)


@pytest.mark.parametrize("weights", list(Weights))
def test_gwet_ac1_and_ac2_match_the_published_example(weights: Weights) -> None:
    found = gwet(_gwet_matrix(), [1, 2, 3, 4, 5], weights)
    assert found is not None
    pa, pe, value, error, (low, high) = GWET_PUBLISHED[weights]
    assert (round(found.percent_agreement, 3), round(found.chance_agreement, 3)) == (pa, pe)
    assert (round(found.value, 3), round(found.standard_error, 3)) == (value, error)
    assert (round(found.ci[0], 3), round(found.ci[1], 3)) == (low, high)


def test_gwet_ac1_of_the_two_rater_contingency_example() -> None:
    # Gwet's 3 × 3 abstractors table (irrCAC cont3x3abstractors): AC1 0.849, standard error 0.043
    table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    rows = [[a + 1, b + 1] for a in range(3) for b in range(3) for _ in range(table[a][b])]
    found = gwet(np.array(rows, dtype=float), [1, 2, 3])
    assert found is not None
    assert (round(found.value, 3), round(found.standard_error, 3)) == (0.849, 0.043)


def test_gwet_figures_reach_the_agreement_result_and_degenerate_input_gives_none() -> None:
    ratings = [Rating(str(u), f"r{r}", float(v)) for u, row in enumerate(GWET) for r, v in enumerate(row)
               if v is not None]
    result = agreement(ratings, categories=[1, 2, 3, 4, 5])
    assert (round(result.ac1 or 0, 3), round(result.ac2_linear or 0, 3), round(result.ac2_quadratic or 0, 3)) == (
        0.775, 0.859, 0.914)
    assert result.ac1_ci is not None
    assert round(result.ac1_ci[0], 3) == 0.461
    assert result.bands()["ac1"].label == "substantial"
    assert gwet(np.array([[1.0, 1.0], [1.0, 1.0]]), [1.0]) is None  # one category
    assert gwet(np.array([[1.0, np.nan], [2.0, 2.0]]), [1.0, 2.0]) is None  # one unit with two ratings


def test_bootstrap_intervals_are_reproducible_and_cover_the_estimate() -> None:
    rng = np.random.default_rng(9)
    truth = rng.integers(1, 6, size=40)
    ratings = [Rating(f"u{u}", f"r{r}", float(np.clip(truth[u] + rng.integers(-1, 2), 1, 5)))
               for u in range(40) for r in range(4)]
    first, again = agreement(ratings), agreement(ratings)
    assert first.alpha_ordinal_ci == again.alpha_ordinal_ci
    assert first.kappa_quadratic_mean_ci == again.kappa_quadratic_mean_ci
    assert first.bootstrap_draws == bootstrap.DRAWS
    for estimate, interval in ((first.alpha_ordinal, first.alpha_ordinal_ci),
                               (first.kappa_quadratic_mean, first.kappa_quadratic_mean_ci)):
        assert estimate is not None
        assert interval is not None
        assert interval[0] < estimate < interval[1]
        assert interval[1] - interval[0] < 0.5
    other = bootstrap.alpha_interval(rating_matrix(ratings)[2], [1, 2, 3, 4, 5], seed=1)
    assert other is not None
    assert (other.low, other.high) != first.alpha_ordinal_ci
    assert agreement(ratings, bootstrap=0).alpha_ordinal_ci is None


def test_the_vectorised_redraw_equals_the_reference_figures_on_the_full_sample() -> None:
    matrix = np.array([[np.nan if v is None else v for v in row] for row in np.array(KRIPPENDORFF, dtype=object).T],
                      dtype=float)
    direct = bootstrap.ordinal_alpha(bootstrap.unit_coincidences(matrix, [1, 2, 3, 4, 5]).sum(axis=0))
    assert float(direct) == pytest.approx(krippendorff.alpha(reliability_data=matrix.T, level_of_measurement="ordinal",
                                                             value_domain=[1, 2, 3, 4, 5]))


def test_rater_effects_per_competency_find_a_lenient_and_a_hedging_rater() -> None:
    rng = np.random.default_rng(21)
    ratings = []
    for competency in ("listening", "questioning"):
        truth = rng.integers(1, 6, size=30)
        for unit, value in enumerate(truth):
            ratings.append(Rating(f"u{unit}", "master", float(value), competency, master=True))
            ratings.append(Rating(f"u{unit}", "steady", float(value), competency))
            lenient = min(5, value + 1) if competency == "questioning" else value  # lenient on one competency only
            ratings.append(Rating(f"u{unit}", "lenient", float(lenient), competency))
            ratings.append(Rating(f"u{unit}", "hedger", 3.0, competency))  # always the middle of the scale
    results = by_competency(ratings, bootstrap=0)
    assert results["listening"].bias["lenient"]["vs_master"] == pytest.approx(0.0)
    assert results["questioning"].bias["lenient"]["vs_master"] > 0.6
    assert results["questioning"].bias["steady"]["vs_master"] == pytest.approx(0.0)
    for competency in ("listening", "questioning"):
        middle = results[competency].central_tendency
        assert middle["hedger"]["share_mid"] == 1.0
        assert middle["hedger"]["vs_panel"] is not None
        assert middle["hedger"]["vs_panel"] > 0.5
        assert (middle["steady"]["share_mid"] or 0) < 0.4
    gates = [Rating(f"u{u}", r, float(u % 2), "contracting") for u in range(6) for r in ("a", "b")]
    assert by_competency(gates, bootstrap=0)["contracting"].central_tendency == {}  # a gate has no middle


def test_a_competency_is_called_unreliable_only_with_enough_units() -> None:
    rng = np.random.default_rng(4)
    noisy = [Rating(f"u{u}", f"r{r}", float(rng.integers(1, 6))) for u in range(12) for r in range(3)]
    reason = agreement(noisy, bootstrap=0).unreliable()
    assert reason is not None
    assert "alpha" in reason
    assert agreement(noisy[:12], bootstrap=0).unreliable() is None  # four units: too few to judge
    steady = [Rating(f"u{u}", f"r{r}", float(1 + u % 5)) for u in range(12) for r in range(3)]
    assert agreement(steady, bootstrap=0).unreliable() is None
