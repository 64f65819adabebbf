"""Confidence intervals for paired counterfactuals on common random numbers.

Two arms of an experiment run on the *same* replicate seeds, so replicate ``i`` of arm A and
replicate ``i`` of arm B share every random draw the mechanism under test does not change.
Their outcomes are paired, and a paired interval is much narrower than one that treats the
arms as independent samples.

- :func:`newcombe_paired` - difference of two paired proportions, Newcombe's (1998) hybrid
  score interval ("method 10": Wilson intervals of the two margins combined with the
  correlation of the pairs, phi corrected as in the paper). Newcombe, R. G. (1998) Improved
  confidence intervals for the difference between binomial proportions based on paired
  data. *Statistics in Medicine* 17: 2635-2650.
- :func:`newcombe_unpaired` - the same square-and-add construction for two independent
  proportions (Newcombe 1998, *Statistics in Medicine* 17: 873-890, method 10), for shares
  whose denominators are episodes rather than replicates.
- :func:`wilson` - the Wilson score interval of one proportion.
- :func:`paired_bootstrap` - difference of means of paired values, percentile interval
  of the mean of the per-pair differences (resampling pairs, seeded).
- :func:`bootstrap_ratio` - a ratio of sums in one arm (e.g. the share of cancellations
  made by the leader), resampling replicates.

Every function returns an :class:`Interval` (estimate, low, high, n). Resampling is seeded and
explicit, so the same inputs give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ..engine.stats import wilson_interval

__all__ = [
    "Interval",
    "bootstrap_ratio",
    "newcombe_paired",
    "newcombe_paired_counts",
    "newcombe_unpaired",
    "paired_bootstrap",
    "wilson",
    "z_value",
]

DEFAULT_BOOT = 2000


@dataclass(frozen=True)
class Interval:
    """A point estimate with its two-sided confidence interval."""

    estimate: float
    low: float
    high: float
    n: int
    method: str

    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0


def z_value(conf: float) -> float:
    """Two-sided standard normal quantile for confidence level ``conf`` (1.96 at 0.95)."""
    if not 0.0 < conf < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {conf}")
    return NormalDist().inv_cdf(0.5 + conf / 2.0)


def _wilson_bounds(k: int, n: int, conf: float) -> tuple[float, float]:
    """THE Wilson interval (:func:`coalition_sim.engine.stats.wilson_interval`) of one count;
    the whole of [0, 1] for no trials."""
    if n <= 0:
        return 0.0, 1.0
    lo, hi = wilson_interval(k, n, conf)
    return float(lo), float(hi)


def wilson(successes: np.ndarray | int, n: int | None = None, conf: float = 0.95) -> Interval:
    """Wilson score interval of a proportion: a bool array, or a count with ``n``."""
    if n is None:
        arr = np.asarray(successes, dtype=bool)
        k, n = int(arr.sum()), int(arr.size)
    else:
        k = int(successes)  # type: ignore[arg-type]
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"need 0 <= successes <= n, got {k} of {n}")
    z_value(conf)  # the level's check
    lo, hi = _wilson_bounds(k, n, conf)
    return Interval(k / n if n else float("nan"), lo, hi, n, "Wilson")


def newcombe_paired(a: np.ndarray, b: np.ndarray, conf: float = 0.95) -> Interval:
    """P(a) - P(b) for paired booleans (pair ``i`` = replicate ``i`` of both arms).

    Newcombe (1998) method 10: with the 2x2 table of pairs (e both, f only a, g only b,
    h neither), Wilson intervals (l1, u1) of P(a) and (l2, u2) of P(b), and phi the
    correlation of the pairs (numerator e h - f g reduced by n/2 when it exceeds n/2, set
    to 0 between 0 and n/2):
    low  = D - sqrt((p1 - l1)^2 - 2 phi (p1 - l1)(u2 - p2) + (u2 - p2)^2)
    high = D + sqrt((p2 - l2)^2 - 2 phi (p2 - l2)(u1 - p1) + (u1 - p1)^2).
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"need two equal-length non-empty 1-d arrays, got {a.shape}, {b.shape}")
    n = a.size
    e = int(np.sum(a & b))
    f = int(np.sum(a & ~b))
    g = int(np.sum(~a & b))
    h = n - e - f - g
    return newcombe_paired_counts(e, f, g, h, conf)


def newcombe_paired_counts(e: int, f: int, g: int, h: int, conf: float = 0.95) -> Interval:
    """:func:`newcombe_paired` from the counts of the paired 2x2 table."""
    n = e + f + g + h
    z_value(conf)  # the level's check
    p1, p2 = (e + f) / n, (e + g) / n
    l1, u1 = _wilson_bounds(e + f, n, conf)
    l2, u2 = _wilson_bounds(e + g, n, conf)
    margins = (e + f) * (g + h) * (e + g) * (f + h)
    phi = 0.0
    if margins > 0:
        num = float(e * h - f * g)
        if num > n / 2:
            num -= n / 2
        elif num >= 0:
            num = 0.0
        phi = num / math.sqrt(margins)
    d = p1 - p2
    dl = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    du = (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2
    return Interval(
        d, max(-1.0, d - math.sqrt(max(dl, 0.0))), min(1.0, d + math.sqrt(max(du, 0.0))), n,
        "Newcombe paired",
    )  # fmt: skip


def newcombe_unpaired(k1: int, n1: int, k2: int, n2: int, conf: float = 0.95) -> Interval:
    """k1/n1 - k2/n2 for independent samples: Newcombe's square-and-add hybrid score
    interval (1998, method 10). Empty samples give the uninformative interval [-1, 1]."""
    if n1 <= 0 or n2 <= 0:
        return Interval(float("nan"), -1.0, 1.0, max(n1, 0) + max(n2, 0), "Newcombe unpaired")
    z_value(conf)  # the level's check
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = _wilson_bounds(k1, n1, conf)
    l2, u2 = _wilson_bounds(k2, n2, conf)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high), n1 + n2, "Newcombe unpaired")


def _percentile(stats: np.ndarray, conf: float) -> tuple[float, float]:
    alpha = 1.0 - conf
    lo, hi = np.quantile(stats, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(lo), float(hi)


#: Resample indices drawn at once. Above it the resamples are drawn in blocks from the same
#: seeded generator, so memory stays near 270 MB (indices and values) whatever the number of
#: pairs: a 400,000-pair comparison drew 13 GB of indices at once (review of issue 20). Below
#: it nothing changes (the same numbers as before).
RESAMPLE_BLOCK = 1 << 24


def _resampled(
    n: int, n_boot: int, rng: np.random.Generator, stat: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``stat`` of ``n_boot`` resamples of ``n`` items (``stat`` maps a (k, n) index array to
    k values), the indices drawn in blocks of at most :data:`RESAMPLE_BLOCK`."""
    if n_boot * n <= RESAMPLE_BLOCK:
        return stat(rng.integers(0, n, size=(n_boot, n)))
    rows = max(1, RESAMPLE_BLOCK // n)
    out = np.empty(n_boot)
    for start in range(0, n_boot, rows):
        k = min(rows, n_boot - start)
        out[start : start + k] = stat(rng.integers(0, n, size=(k, n)))
    return out


def paired_bootstrap(
    a: np.ndarray,
    b: np.ndarray,
    conf: float = 0.95,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
) -> Interval:
    """mean(a) - mean(b) for paired values: percentile interval of the mean per-pair
    difference over ``n_boot`` resamples of the pairs (Efron and Tibshirani 1993, ch. 13)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"need two equal-length non-empty 1-d arrays, got {a.shape}, {b.shape}")
    d = a - b
    rng = np.random.default_rng(seed)
    means = _resampled(d.size, n_boot, rng, lambda idx: d[idx].mean(axis=1))
    lo, hi = _percentile(means, conf)
    return Interval(float(d.mean()), lo, hi, int(d.size), "paired bootstrap")


def bootstrap_ratio(
    num: np.ndarray,
    den: np.ndarray,
    conf: float = 0.95,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
) -> Interval:
    """sum(num) / sum(den) over replicates (e.g. leader cancellations / all cancellations),
    percentile interval resampling replicates. NaN estimate when ``den`` sums to 0."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    total = den.sum()
    if total <= 0:
        return Interval(float("nan"), 0.0, 1.0, int(num.size), "bootstrap ratio")
    rng = np.random.default_rng(seed)

    def ratio(idx: np.ndarray) -> np.ndarray:
        dens = den[idx].sum(axis=1)
        return num[idx].sum(axis=1) / np.where(dens > 0, dens, np.nan)

    ratios = _resampled(num.size, n_boot, rng, ratio)
    ratios = ratios[np.isfinite(ratios)]
    lo, hi = _percentile(ratios, conf)
    return Interval(float(num.sum() / total), lo, hi, int(num.size), "bootstrap ratio")
