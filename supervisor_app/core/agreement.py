"""Inter-rater agreement for calibration: ICC, Krippendorff's alpha, Cohen's and Fleiss' kappa, Gwet's AC1/AC2,
agreement rates, rater bias, and what each figure means.

Krippendorff's alpha comes from the `krippendorff` package, the kappas from statsmodels; the ICC forms and their
confidence intervals (Shrout & Fleiss 1979; McGraw & Wong 1996) and Gwet's coefficients with their standard
errors (`core.gwet`) are computed here and tested against the published values; alpha and the mean kappa get
bootstrap intervals (`core.bootstrap`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from supervisor_app.core import bootstrap as bootstrapping
from supervisor_app.core.gwet import Weights, gwet

Matrix = npt.NDArray[np.float64]
MIN_UNITS = 5
# Cohen's kappa is a two-rater figure; over a large panel it is averaged over pairs, whose number grows with
# the square of the panel (6,000 raters: 18 million pairs), so beyond this many a seeded sample is used.
MAX_KAPPA_PAIRS = 2_000
KAPPA_SAMPLE_SEED = 20_240_601
OVERALL = "overall"
ALPHA_TENTATIVE = 0.667
ICC_POOR = 0.5


@dataclass(frozen=True)
class Rating:
    unit: str
    rater: str
    score: float
    competency: str = ""
    master: bool = False


@dataclass(frozen=True)
class Band:
    label: str
    source: str


@dataclass(frozen=True)
class CalibrationRule:
    within_one_share: float = 0.80
    same_gate_decisions: bool = True


@dataclass
class Agreement:
    n_units: int
    n_raters: int
    icc2_1: float | None = None
    icc2_1_ci: tuple[float, float] | None = None
    icc2_k: float | None = None
    icc2_k_ci: tuple[float, float] | None = None
    icc3_1: float | None = None
    icc3_1_ci: tuple[float, float] | None = None
    alpha_ordinal: float | None = None
    alpha_interval: float | None = None
    alpha_nominal: float | None = None
    kappa_quadratic_mean: float | None = None
    kappa_quadratic_pairs: dict[str, float] = field(default_factory=dict)
    fleiss_kappa: float | None = None
    exact_agreement: float | None = None
    adjacent_agreement: float | None = None
    ac1: float | None = None
    ac1_se: float | None = None
    ac1_ci: tuple[float, float] | None = None
    ac2_linear: float | None = None
    ac2_linear_se: float | None = None
    ac2_linear_ci: tuple[float, float] | None = None
    ac2_quadratic: float | None = None
    ac2_quadratic_se: float | None = None
    ac2_quadratic_ci: tuple[float, float] | None = None
    alpha_ordinal_ci: tuple[float, float] | None = None
    kappa_quadratic_mean_ci: tuple[float, float] | None = None
    bootstrap_draws: int = 0
    bias: dict[str, dict[str, float | None]] = field(default_factory=dict)
    central_tendency: dict[str, dict[str, float | None]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def unreliable(self) -> str | None:
        """Why this competency's scores are not reliable yet (α < 0.667 or ICC(2,1) < 0.5 with at least five
        units), or None; with fewer units the figures say too little to judge."""
        if self.n_units < MIN_UNITS:
            return None
        reasons = []
        if self.alpha_ordinal is not None and self.alpha_ordinal < ALPHA_TENTATIVE:
            reasons.append(f"alpha {self.alpha_ordinal:.2f} < {ALPHA_TENTATIVE}")
        if self.icc2_1 is not None and self.icc2_1 < ICC_POOR:
            reasons.append(f"ICC(2,1) {self.icc2_1:.2f} < {ICC_POOR}")
        return ", ".join(reasons) or None

    def bands(self) -> dict[str, Band]:
        found = {}
        for name in ("icc2_1", "icc2_k", "icc3_1"):
            if (value := getattr(self, name)) is not None:
                found[name] = icc_band(value)
        for name in ("alpha_ordinal", "alpha_interval", "alpha_nominal"):
            if (value := getattr(self, name)) is not None:
                found[name] = alpha_band(value)
        for name in ("kappa_quadratic_mean", "fleiss_kappa", "ac1", "ac2_linear", "ac2_quadratic"):
            if (value := getattr(self, name)) is not None:
                found[name] = kappa_band(value)
        return found


def icc_band(value: float) -> Band:
    label = "poor" if value < 0.5 else "moderate" if value < 0.75 else "good" if value < 0.9 else "excellent"
    return Band(label, "Koo & Li 2016")


def kappa_band(value: float) -> Band:
    bounds = ((0.0, "poor"), (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"))
    label = next((name for limit, name in bounds if value <= limit), "almost perfect")
    return Band(label, "Landis & Koch 1977")


def alpha_band(value: float) -> Band:
    label = "reliable" if value >= 0.800 else "tentative" if value >= 0.667 else "unreliable"
    return Band(label, "Krippendorff 2004 (0.800 customary, 0.667 lowest tentative)")


# ---------------------------------------------------------------- building blocks


def rating_matrix(ratings: Iterable[Rating]) -> tuple[list[str], list[str], Matrix]:
    """Units × raters, NaN where a rater did not score a unit."""
    rows = list(ratings)
    units = sorted({r.unit for r in rows})
    raters = sorted({r.rater for r in rows})
    matrix = np.full((len(units), len(raters)), np.nan)
    unit_index = {u: i for i, u in enumerate(units)}
    rater_index = {r: i for i, r in enumerate(raters)}
    for rating in rows:
        matrix[unit_index[rating.unit], rater_index[rating.rater]] = rating.score
    return units, raters, matrix


@dataclass(frozen=True)
class IccResult:
    icc2_1: float
    icc2_1_ci: tuple[float, float]
    icc2_k: float
    icc2_k_ci: tuple[float, float]
    icc3_1: float
    icc3_1_ci: tuple[float, float]


def icc(matrix: Matrix, confidence: float = 0.95) -> IccResult:
    """ICC(2,1), ICC(2,k) and ICC(3,1) from a complete units × raters matrix (two-way ANOVA).

    Degenerate panels (no error variance) give NaN, which callers report as undefined.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _icc(matrix, confidence)


def _icc(matrix: Matrix, confidence: float) -> IccResult:
    n, k = matrix.shape
    grand = matrix.mean()
    ss_rows = k * ((matrix.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((matrix.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((matrix - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc = ss_rows / (n - 1), ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    icc2k = (msr - mse) / (msr + (msc - mse) / n)
    icc3 = (msr - mse) / (msr + (k - 1) * mse)
    from scipy.stats import f as f_distribution  # scipy.stats takes 0.6 s to import: only when a figure is asked for

    tail = 1 - (1 - confidence) / 2
    # ICC(3,1): exact F-based interval
    f_value = msr / mse
    f_lower = f_value / f_distribution.ppf(tail, n - 1, (n - 1) * (k - 1))
    f_upper = f_value * f_distribution.ppf(tail, (n - 1) * (k - 1), n - 1)
    icc3_ci = ((f_lower - 1) / (f_lower + k - 1), (f_upper - 1) / (f_upper + k - 1))
    # ICC(2,1) and ICC(2,k): approximate interval with Satterthwaite degrees of freedom (McGraw & Wong 1996)
    a = k * icc2 / (n * (1 - icc2))
    b = 1 + k * icc2 * (n - 1) / (n * (1 - icc2))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    f1 = f_distribution.ppf(tail, n - 1, v)
    f2 = f_distribution.ppf(tail, v, n - 1)
    lower = n * (msr - f1 * mse) / (f1 * (k * msc + (k * n - k - n) * mse) + n * msr)
    upper = n * (f2 * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f2 * msr)
    icc2k_ci = (lower * k / (1 + lower * (k - 1)), upper * k / (1 + upper * (k - 1)))
    return IccResult(float(icc2), (float(lower), float(upper)), float(icc2k),
                     (float(icc2k_ci[0]), float(icc2k_ci[1])), float(icc3), (float(icc3_ci[0]), float(icc3_ci[1])))


def quadratic_kappa(first: Sequence[float], second: Sequence[float], categories: Sequence[float]) -> float:
    """Cohen's kappa with quadratic weights for two raters over the same units."""
    from statsmodels.stats.inter_rater import cohens_kappa

    ordered = np.asarray(categories, dtype=float)
    rows = np.searchsorted(ordered, np.asarray(first, dtype=float))
    columns = np.searchsorted(ordered, np.asarray(second, dtype=float))
    size = len(ordered)
    table = np.bincount(rows * size + columns, minlength=size * size).reshape(size, size).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):  # a rater who never varies gives NaN, filtered later
        return float(cohens_kappa(table, wt="quadratic", return_results=False))


def _fleiss(matrix: Matrix, categories: Sequence[float]) -> float:
    from statsmodels.stats.inter_rater import fleiss_kappa

    counts = np.stack([(matrix == c).sum(axis=1) for c in categories], axis=1)
    return float(fleiss_kappa(counts))


def _pairwise_agreement(matrix: Matrix) -> tuple[float | None, float | None]:
    """Shares of rater pairs (over every unit) that agree exactly and within ±1: counted per unit from the sorted
    scores, so the cost grows with raters × log(raters), not with the square of the panel."""
    exact = adjacent = total = 0
    for row in matrix:
        scores = np.sort(row[~np.isnan(row)])
        n = len(scores)
        if n < 2:
            continue
        total += n * (n - 1) // 2
        _, counts = np.unique(scores, return_counts=True)
        exact += int((counts * (counts - 1) // 2).sum())
        reach = np.searchsorted(scores, scores + 1, side="right")
        adjacent += int((reach - np.arange(n) - 1).sum())
    return (exact / total, adjacent / total) if total else (None, None)


def _bias(matrix: Matrix, raters: Sequence[str], master: str | None) -> dict[str, dict[str, float | None]]:
    result: dict[str, dict[str, float | None]] = {}
    master_column = raters.index(master) if master in raters else None
    scored = ~np.isnan(matrix)
    filled = np.where(scored, matrix, 0.0)
    row_sum, row_count = filled.sum(axis=1), scored.sum(axis=1)
    for j, rater in enumerate(raters):
        others = row_count - scored[:, j]
        rated = scored[:, j] & (others > 0)
        panel_mean = (row_sum[rated] - filled[rated, j]) / others[rated]
        versus_panel = float(np.mean(matrix[rated, j] - panel_mean)) if rated.any() else None
        versus_master = None
        if master_column is not None and j != master_column:
            both = scored[:, j] & scored[:, master_column]
            if both.any():
                versus_master = float(np.mean(matrix[both, j] - matrix[both, master_column]))
        result[rater] = {"vs_master": versus_master, "vs_panel": versus_panel}
    return result


MIDDLE_SCORE = 3.0  # the middle of the 1–5 scale: a rater who gives it far more often than the panel hedges


def _central_tendency(matrix: Matrix, raters: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """Per rater: their share of middle scores, the other raters' share on the same units, and the difference
    (positive = the rater gives the middle score more often than the panel: central tendency)."""
    scored = ~np.isnan(matrix)
    middle = scored & (matrix == MIDDLE_SCORE)
    result: dict[str, dict[str, float | None]] = {}
    for j, rater in enumerate(raters):
        units = scored[:, j]
        others = np.delete(scored[units], j, axis=1)
        given = int(units.sum())
        share = float(middle[units, j].sum() / given) if given else None
        panel_total = int(others.sum())
        panel = float(np.delete(middle[units], j, axis=1).sum() / panel_total) if panel_total else None
        result[rater] = {"share_mid": share, "panel_share_mid": panel,
                         "vs_panel": share - panel if share is not None and panel is not None else None}
    return result


def kappa_pairs(n_raters: int) -> list[tuple[int, int]]:
    """The rater pairs Cohen's kappa is averaged over: all of them up to MAX_KAPPA_PAIRS, beyond that a sample
    drawn with a fixed seed (so a file gives the same figure every time)."""
    total = n_raters * (n_raters - 1) // 2
    if total <= MAX_KAPPA_PAIRS:
        return list(itertools.combinations(range(n_raters), 2))
    rng = np.random.default_rng(KAPPA_SAMPLE_SEED)
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < MAX_KAPPA_PAIRS:
        i, j = sorted(rng.choice(n_raters, size=2, replace=False).tolist())
        chosen.add((i, j))
    return sorted(chosen)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def agreement(ratings: Sequence[Rating], *, categories: Sequence[float] | None = None,
              bootstrap: int = bootstrapping.DRAWS) -> Agreement:
    """Every agreement figure for one set of ratings (one competency, or all pooled); `bootstrap` draws for the
    intervals of alpha and the mean kappa (0: none)."""
    _units, raters, matrix = rating_matrix(ratings)
    return _from_matrix(matrix, raters, {r.rater for r in ratings if r.master}, categories, bootstrap)


def _gwet_figures(result: Agreement, matrix: Matrix, values: Sequence[float]) -> None:
    for name, weights in (("ac1", Weights.IDENTITY), ("ac2_linear", Weights.LINEAR),
                          ("ac2_quadratic", Weights.QUADRATIC)):
        found = gwet(matrix, values, weights)
        if found is not None and math.isfinite(found.value):
            setattr(result, name, found.value)
            setattr(result, f"{name}_se", found.standard_error)
            setattr(result, f"{name}_ci", found.ci)


def _from_matrix(matrix: Matrix, raters: list[str], masters: set[str],
                 categories: Sequence[float] | None = None, bootstrap: int = bootstrapping.DRAWS) -> Agreement:
    n_units = matrix.shape[0]
    master = next(iter(masters)) if len(masters) == 1 else None
    result = Agreement(n_units=n_units, n_raters=len(raters))
    if len(masters) > 1:
        result.warnings.append(f"More than one master rater ({', '.join(sorted(masters))}); bias against the "
                               "master is left out.")
    if len(raters) < 2:
        result.warnings.append("Agreement needs at least two raters.")
        return result
    values = sorted(set(matrix[~np.isnan(matrix)].tolist())) if categories is None else list(categories)
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    if n_units < MIN_UNITS:
        result.warnings.append(f"Only {_count(n_units, 'unit')}: with fewer than {MIN_UNITS} the figures are too "
                               "unstable to mean much.")
    if len(complete) < n_units:
        result.warnings.append(f"{_count(n_units - len(complete), 'unit')} lack a score from some rater: ICC, kappas "
                               "and Fleiss use the complete units only; alpha uses all.")
    if len(complete) >= 2 and np.ptp(complete) > 0:
        icc_values = icc(complete)
        for name in ("icc2_1", "icc2_k", "icc3_1"):
            setattr(result, name, _finite(getattr(icc_values, name)))
        for name in ("icc2_1_ci", "icc2_k_ci", "icc3_1_ci"):
            low, high = getattr(icc_values, name)
            setattr(result, name, (low, high) if math.isfinite(low) and math.isfinite(high) else None)
    if len(values) >= 2:
        import krippendorff

        reliability = matrix.T
        for level in ("ordinal", "interval", "nominal"):
            try:
                value = krippendorff.alpha(reliability_data=reliability, level_of_measurement=level,
                                           value_domain=values if level == "ordinal" else None)
            except ValueError:
                continue
            setattr(result, f"alpha_{level}", _finite(value))
        _gwet_figures(result, matrix, values)
        if bootstrap and result.alpha_ordinal is not None:
            found = bootstrapping.alpha_interval(matrix, values, bootstrap)
            result.alpha_ordinal_ci = (found.low, found.high) if found else None
            result.bootstrap_draws = bootstrap
        if len(complete) >= 2:
            pairs = {}
            chosen = kappa_pairs(len(raters))
            total_pairs = len(raters) * (len(raters) - 1) // 2
            if len(chosen) < total_pairs:
                result.warnings.append(f"Cohen's kappa is the mean over {len(chosen):,} of the {total_pairs:,} rater "
                                       f"pairs, drawn at random with the fixed seed {KAPPA_SAMPLE_SEED}.")
            for i, j in chosen:
                kappa = quadratic_kappa(complete[:, i].tolist(), complete[:, j].tolist(), values)
                if math.isfinite(kappa):
                    pairs[f"{raters[i]}|{raters[j]}"] = kappa
            result.kappa_quadratic_pairs = pairs
            result.kappa_quadratic_mean = float(np.mean(list(pairs.values()))) if pairs else None
            if bootstrap and pairs:
                found = bootstrapping.kappa_mean_interval(complete, values, chosen, bootstrap)
                result.kappa_quadratic_mean_ci = (found.low, found.high) if found else None
            result.fleiss_kappa = _finite(_fleiss(complete, values))
    result.exact_agreement, result.adjacent_agreement = _pairwise_agreement(matrix)
    result.bias = _bias(matrix, raters, master)
    if not set(values) <= {0.0, 1.0}:  # a scale, not a gate
        result.central_tendency = _central_tendency(matrix, raters)
    return result


def by_competency(ratings: Sequence[Rating], *, bootstrap: int = bootstrapping.DRAWS) -> dict[str, Agreement]:
    """Agreement per competency, and `overall` over every (competency, unit) pooled."""
    raters = sorted({r.rater for r in ratings})
    masters = {r.rater for r in ratings if r.master}
    groups: dict[str, list[Rating]] = {}
    for rating in ratings:
        groups.setdefault(rating.competency, []).append(rating)
    matrices = {}
    for competency, group in sorted(groups.items()):
        units = sorted({r.unit for r in group})
        unit_index, rater_index = {u: i for i, u in enumerate(units)}, {r: i for i, r in enumerate(raters)}
        matrix = np.full((len(units), len(raters)), np.nan)
        for rating in group:
            matrix[unit_index[rating.unit], rater_index[rating.rater]] = rating.score
        matrices[competency] = matrix
    result = {c: _from_matrix(_scored_by(m), _raters_of(m, raters), masters, bootstrap=bootstrap)
              for c, m in matrices.items() if c}
    result[OVERALL] = _from_matrix(_scored_by(np.vstack(list(matrices.values()))),
                                   _raters_of(np.vstack(list(matrices.values())), raters), masters,
                                   bootstrap=bootstrap)
    return result


def _raters_of(matrix: Matrix, raters: list[str]) -> list[str]:
    return [rater for j, rater in enumerate(raters) if not np.isnan(matrix[:, j]).all()]


def _scored_by(matrix: Matrix) -> Matrix:
    """Drop the columns of raters who scored nothing here."""
    return matrix[:, ~np.isnan(matrix).all(axis=0)]


def calibration_status(ratings: Sequence[Rating], gates: Mapping[str, bool], rule: CalibrationRule,
                       raters: Iterable[str]) -> dict[str, bool | None]:
    """`calibrated` for many raters, reading the ratings once."""
    by_rater: dict[str, list[Rating]] = {}
    masters = [r for r in ratings if r.master]
    for rating in ratings:
        by_rater.setdefault(rating.rater, []).append(rating)
    return {rater: calibrated([*by_rater.get(rater, []), *masters], rater, gates, rule) for rater in raters}


def calibrated(ratings: Sequence[Rating], rater: str, gates: Mapping[str, bool], rule: CalibrationRule
               ) -> bool | None:
    """The rater-calibration rule against the master; None without a master. `gates` marks gate competencies."""
    masters = {r.rater for r in ratings if r.master}
    if len(masters) != 1:
        return None
    master = next(iter(masters))
    theirs = {(r.competency, r.unit): r.score for r in ratings if r.rater == rater}
    gold = {(r.competency, r.unit): r.score for r in ratings if r.rater == master}
    shared = [key for key in theirs if key in gold]
    scales = [key for key in shared if not gates.get(key[0], False)]
    if scales and sum(abs(theirs[k] - gold[k]) <= 1 for k in scales) / len(scales) < rule.within_one_share:
        return False
    if rule.same_gate_decisions and any(theirs[k] != gold[k] for k in shared if gates.get(k[0], False)):
        return False
    return bool(shared)
