"""Gwet's AC1 (nominal) and AC2 (weighted, for ordinal scales) for any number of raters with missing ratings,
with the standard error and confidence interval of Gwet (2008; Handbook of Inter-Rater Reliability, 4th ed.,
2014, ch. 2–3), written here from the formulas (irrCAC, the reference implementation, is GPL).

With n units, r_i raters of unit i, r_ik of them choosing category k, weights w_kl and q categories:
  r*_ik = Σ_l w_kl r_il,  p_a|i = Σ_k r_ik (r*_ik − 1) / (r_i (r_i − 1))  for units with r_i ≥ 2,
  p_a = mean of p_a|i over those n' units,  π_k = (1/n) Σ_i r_ik / r_i,
  p_e = T_w / (q (q − 1)) · Σ_k π_k (1 − π_k)  with T_w = Σ_kl w_kl,  AC = (p_a − p_e) / (1 − p_e).
The variance is the linearised one: per unit  ac_i = (n/n')(p_a|i − p_e)/(1 − p_e)  (0 for units with one rater),
p_e|i = T_w/(q(q−1)) Σ_k (r_ik/r_i)(1 − π_k),  ac*_i = ac_i − 2 (1 − AC)(p_e|i − p_e)/(1 − p_e), and
var = Σ (ac*_i − AC)² / (n (n − 1)); the interval uses Student's t with n − 1 degrees of freedom, capped at 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]


class Weights(StrEnum):
    IDENTITY = "identity"  # AC1
    LINEAR = "linear"
    QUADRATIC = "quadratic"


def weight_matrix(categories: Sequence[float], weights: Weights) -> Matrix:
    """Gwet's weights from the category values: 1 − |k − l| / (max − min), or its square form."""
    values = np.asarray(categories, dtype=float)
    if weights is Weights.IDENTITY or len(values) < 2:
        return np.eye(len(values))
    span = values.max() - values.min()
    distance = np.abs(values[:, None] - values[None, :]) / span
    return np.asarray(1.0 - (distance if weights is Weights.LINEAR else distance ** 2), dtype=float)


def category_counts(matrix: Matrix, categories: Sequence[float]) -> Matrix:
    """Units × categories: how many raters put each unit in each category (NaN ratings left out)."""
    values = np.asarray(categories, dtype=float)
    return np.stack([(matrix == value).sum(axis=1) for value in values], axis=1).astype(float)


@dataclass(frozen=True)
class GwetResult:
    value: float
    standard_error: float
    ci: tuple[float, float]
    percent_agreement: float
    chance_agreement: float
    units: int


def gwet(matrix: Matrix, categories: Sequence[float], weights: Weights = Weights.IDENTITY,
         confidence: float = 0.95) -> GwetResult | None:
    """AC1/AC2 of a units × raters matrix (NaN = not rated); None when fewer than two units have two ratings or
    only one category exists."""
    q = len(categories)
    rated = matrix[(~np.isnan(matrix)).sum(axis=1) >= 1]
    n = rated.shape[0]
    if q < 2 or n < 2:
        return None
    counts = category_counts(rated, categories)
    w = weight_matrix(categories, weights)
    r = counts.sum(axis=1)
    several = r >= 2
    n2 = int(several.sum())
    if n2 < 2:
        return None
    weighted = counts @ w.T
    pa_i = np.zeros(n)
    pa_i[several] = (counts[several] * (weighted[several] - 1)).sum(axis=1) / (r[several] * (r[several] - 1))
    pa = float(pa_i[several].mean())
    pi = (counts / r[:, None]).mean(axis=0)
    scale = w.sum() / (q * (q - 1))
    pe = float(scale * (pi * (1 - pi)).sum())
    if pe >= 1:
        return None
    value = (pa - pe) / (1 - pe)
    ac_i = np.where(several, (n / n2) * (pa_i - pe) / (1 - pe), 0.0)
    pe_i = scale * ((counts / r[:, None]) @ (1 - pi))
    ac_star = ac_i - 2 * (1 - value) * (pe_i - pe) / (1 - pe)
    variance = float(((ac_star - value) ** 2).sum() / (n * (n - 1)))
    error = variance ** 0.5
    from scipy.stats import t as t_distribution  # imported when needed: scipy.stats is slow to import

    margin = float(t_distribution.ppf(1 - (1 - confidence) / 2, n - 1)) * error
    return GwetResult(float(value), error, (float(value - margin), float(min(1.0, value + margin))), pa, pe, n)
