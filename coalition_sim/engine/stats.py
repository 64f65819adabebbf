"""Small statistics shared by experiments and calibration (which do not import each other)."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["wilson_interval"]


def wilson_interval(
    k: np.ndarray | int, n: np.ndarray | int, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials: unlike the normal approximation it
    stays inside [0, 1] and is sensible at p = 0 or 1, which rare outcomes often hit."""
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    z = stats.norm.ppf(0.5 + confidence / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z**2 / (4.0 * n**2))
    # at k = 0 (k = n) the bound is 0 (1) exactly; the formula leaves a rounding residue there
    # (4e-19 in a table reads as a real chance)
    lo = np.where((k == 0) & (n > 0), 0.0, np.clip(centre - half, 0.0, 1.0))[()]
    hi = np.where((k == n) & (n > 0), 1.0, np.clip(centre + half, 0.0, 1.0))[()]
    return lo, hi
