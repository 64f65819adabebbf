"""Paired intervals: effects of one arm against another run on the same random futures.

Two policies run on common random numbers (the same replicate seeds) give paired outcomes:
replicate j of arm A and replicate j of arm B saw the same draws. The difference of their
means then carries only the noise the policy change itself causes, and its interval must use
the pairing:

- yes/no outcomes: Newcombe's (1998) square-and-add interval for a difference of paired
  proportions (his method 10; Wilson score limits for each margin combined with the
  correlation of the pair, phi corrected as in the paper). Known answer (Fagerland, Lydersen
  and Laake 2017, *Statistical Analysis of Contingency Tables*, ch. 8, Cavo et al. 2012 data
  [[59, 6], [16, 80]]): -0.0621 (95% CI -0.1186 to -0.0046); see tests/test_experiments.py.
- means: a paired bootstrap (resample replicate indices, the same for both arms; percentile
  limits). When every paired difference is zero the interval is exactly [0, 0].
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = [
    "newcombe_paired_counts",
    "newcombe_paired_diff",
    "paired_bootstrap_mean_diff",
    "paired_bootstrap_mean_diffs",
    "wilson",
]


def wilson(k: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (no continuity correction)."""
    if n <= 0:
        raise ValueError("n must be positive")
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def newcombe_paired_counts(
    n11: int, n12: int, n21: int, n22: int, alpha: float = 0.05
) -> tuple[float, float, float]:
    """Difference p1 - p2 of paired proportions and Newcombe's square-and-add interval.

    The table is ``[[n11, n12], [n21, n22]]`` with rows = first arm yes/no and columns =
    second arm yes/no; p1 = (n11 + n12) / N and p2 = (n11 + n21) / N.
    """
    counts = np.array([n11, n12, n21, n22], dtype=np.float64)
    if np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("counts must be non-negative with a positive total")
    n = counts.sum()
    r1, r2, c1, c2 = n11 + n12, n21 + n22, n11 + n21, n12 + n22
    p1, p2 = r1 / n, c1 / n
    est = p1 - p2
    l1, u1 = wilson(r1, n, alpha)
    l2, u2 = wilson(c1, n, alpha)
    if min(r1, r2, c1, c2) == 0:
        phi = 0.0
    else:
        a = float(n11) * n22 - float(n12) * n21
        # Newcombe's correction: shrink a positive cross-product by N/2, never below zero.
        a = a - n / 2.0 if a > n / 2.0 else (a if a < 0 else 0.0)
        phi = a / np.sqrt(float(r1) * r2 * c1 * c2)
    dl1, du2 = p1 - l1, u2 - p2
    dl2, du1 = p2 - l2, u1 - p1
    lo = est - np.sqrt(max(0.0, dl1**2 + du2**2 - 2.0 * phi * dl1 * du2))
    hi = est + np.sqrt(max(0.0, dl2**2 + du1**2 - 2.0 * phi * dl2 * du1))
    return float(est), float(max(-1.0, lo)), float(min(1.0, hi))


def newcombe_paired_diff(
    a: np.ndarray, b: np.ndarray, alpha: float = 0.05
) -> tuple[float, float, float]:
    """mean(a) - mean(b) for paired yes/no outcomes, with Newcombe's interval.

    ``a[j]`` and ``b[j]`` are the outcome of replicate j under the two arms.
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError("a and b must be non-empty 1-d arrays of the same length")
    n11 = int(np.count_nonzero(a & b))
    n12 = int(np.count_nonzero(a & ~b))
    n21 = int(np.count_nonzero(~a & b))
    n22 = a.size - n11 - n12 - n21
    return newcombe_paired_counts(n11, n12, n21, n22, alpha)


def paired_bootstrap_mean_diffs(
    x: np.ndarray, y: np.ndarray, n_boot: int = 2000, alpha: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean(x - y) with paired percentile-bootstrap limits, one resample set for
    all columns (so the columns' intervals are comparable). ``x``, ``y``: (n,) or (n, k)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.shape[0] == 0:
        raise ValueError("x and y must be non-empty arrays of the same shape")
    d = (x - y).reshape(x.shape[0], -1)
    n = d.shape[0]
    est = d.mean(axis=0)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xB007]))
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    boot = weights @ d / n
    lo = np.quantile(boot, alpha / 2.0, axis=0)
    hi = np.quantile(boot, 1.0 - alpha / 2.0, axis=0)
    zero = np.all(d == 0.0, axis=0)  # identical arms: exactly zero, not rounding noise
    est[zero], lo[zero], hi[zero] = 0.0, 0.0, 0.0
    shape = x.shape[1:]
    return est.reshape(shape), lo.reshape(shape), hi.reshape(shape)


def paired_bootstrap_mean_diff(
    x: np.ndarray, y: np.ndarray, n_boot: int = 2000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """mean(x - y) for paired values with a paired percentile-bootstrap interval."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("x and y must be 1-d; use paired_bootstrap_mean_diffs for columns")
    est, lo, hi = paired_bootstrap_mean_diffs(x, y, n_boot, alpha, seed)
    return float(est), float(lo), float(hi)
