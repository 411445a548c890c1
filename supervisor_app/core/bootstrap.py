"""Bootstrap intervals for the agreement figures that have no closed-form one here: Krippendorff's alpha (ordinal)
and the mean quadratic-weighted Cohen's kappa over rater pairs. Units are resampled with replacement (a seeded
generator, 2,000 draws by default) and the 2.5th and 97.5th percentiles of the redrawn figure are the interval.

Each draw is a vector of how often every unit was drawn; both figures are sums over units of per-unit tables (a
unit's coincidence matrix for alpha, a pair's agreement cell for kappa), so all draws are one matrix product
instead of a loop that recomputes the figure from scratch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from supervisor_app.core.gwet import category_counts

Matrix = npt.NDArray[np.float64]
DRAWS = 2_000
SEED = 20_261_201
LOW, HIGH = 2.5, 97.5


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    draws: int


CELLS_PER_CHUNK = 2_000_000  # draws × units held at once (16 MB), so a large export stays flat in memory


def _draw_chunks(n_units: int, draws: int, seed: int) -> Iterator[Matrix]:
    """How often each unit is drawn, draw by draw, in chunks; the same draws for the same seed."""
    rng = np.random.default_rng(seed)
    per_chunk = max(1, CELLS_PER_CHUNK // n_units)
    for start in range(0, draws, per_chunk):
        size = min(per_chunk, draws - start)
        yield rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=size).astype(float)


def unit_coincidences(matrix: Matrix, categories: Sequence[float]) -> Matrix:
    """Units × q × q: each pairable unit's contribution to Krippendorff's coincidence matrix."""
    counts = category_counts(matrix, categories)
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    pairs = counts[:, :, None] * counts[:, None, :] - np.einsum("uc,ck->uck", counts, np.eye(counts.shape[1]))
    return np.asarray(pairs / (m - 1)[:, None, None], dtype=float)


def ordinal_alpha(coincidences: Matrix) -> npt.NDArray[np.float64]:
    """Krippendorff's alpha with the ordinal metric from coincidence matrices (… × q × q)."""
    o = np.asarray(coincidences, dtype=float)
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    cumulative = np.cumsum(n_c, axis=-1)
    q = o.shape[-1]
    low, high = np.minimum.outer(np.arange(q), np.arange(q)), np.maximum.outer(np.arange(q), np.arange(q))
    between = (cumulative[..., high] - np.where(low > 0, cumulative[..., np.maximum(low - 1, 0)], 0.0)
               - (n_c[..., low] + n_c[..., high]) / 2)
    delta = between ** 2
    observed = (o * delta).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-2, -1)) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(1 - observed / expected, dtype=float)


def alpha_interval(matrix: Matrix, categories: Sequence[float], draws: int = DRAWS, seed: int = SEED
                   ) -> Interval | None:
    per_unit = unit_coincidences(matrix, categories)
    if len(per_unit) < 2:
        return None
    redrawn = [ordinal_alpha(np.tensordot(chunk, per_unit, axes=1))
               for chunk in _draw_chunks(len(per_unit), draws, seed)]
    return _interval(np.concatenate(redrawn))


def _kappa_from_cells(cells: Matrix, w: Matrix) -> npt.NDArray[np.float64]:
    """Quadratic-weighted kappa from draws × q × q cross-tables (weights as disagreement, 0 on the diagonal)."""
    total = cells.sum(axis=(-2, -1))
    rows, columns = cells.sum(axis=-1), cells.sum(axis=-2)
    expected = rows[..., :, None] * columns[..., None, :] / total[..., None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(1 - (cells * w).sum(axis=(-2, -1)) / (expected * w).sum(axis=(-2, -1)), dtype=float)


def kappa_mean_interval(complete: Matrix, categories: Sequence[float], pairs: Sequence[tuple[int, int]],
                        draws: int = DRAWS, seed: int = SEED) -> Interval | None:
    """The mean over these rater pairs of quadratic-weighted kappa, redrawn over the complete units."""
    if len(complete) < 2 or not pairs:
        return None
    values = np.asarray(categories, dtype=float)
    q = len(values)
    index = np.searchsorted(values, complete)
    disagreement = (np.subtract.outer(np.arange(q), np.arange(q)) ** 2).astype(float)
    cells = []
    for i, j in pairs:
        cell = np.zeros((len(complete), q * q))
        cell[np.arange(len(complete)), index[:, i] * q + index[:, j]] = 1.0
        cells.append(cell)
    means = []
    for chunk in _draw_chunks(len(complete), draws, seed):
        kappas = np.vstack([_kappa_from_cells((chunk @ cell).reshape(len(chunk), q, q), disagreement)
                            for cell in cells])
        finite = np.isfinite(kappas)
        with np.errstate(all="ignore"):  # a draw where no pair has a kappa (all one category) has no mean
            means.append(np.where(finite, kappas, 0.0).sum(axis=0) / finite.sum(axis=0))
    return _interval(np.concatenate(means))


def _interval(redrawn: npt.NDArray[np.float64]) -> Interval | None:
    finite = redrawn[np.isfinite(redrawn)]
    if len(finite) < len(redrawn) / 2:
        return None
    return Interval(float(np.percentile(finite, LOW)), float(np.percentile(finite, HIGH)), len(finite))
