"""The ABC distance and the prior design, shared by the rejection fit (:mod:`.estimate`) and the
sequential one (:mod:`.smc`), siblings that both stand on this module (issue 21 item 5).

Distance of a candidate (``DISTANCE`` says the same in words, and ``fit.json`` stores it):

    d = sum over count statistics   ((mean simulated weeks - observed) / sqrt(max(observed, 1)))**2
      + sum over yes/no statistics  -2 log(max(simulated share of runs with the fact, 1 / (K + 1)))
      + sum over timing, tightening and continuous coalition statistics
                                    ((mean simulated - observed) / scale)**2

Every term is on one scale, a deviance (-2 log likelihood up to a constant): a squared
z-score is the deviance of a normal observation, and -2 log p that of a yes/no fact given
probability p. (Until 0.3.0 the yes/no terms were -log p, half their deviance: a fact the
candidate could not reproduce cost at most log 21 = 3.0 beside squared z-scores of the same
evidential weight that cost twice as much, so the fit gave the record's facts half the say of
its counts and dates.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import qmc

from .target_models import BINARY_KINDS, Prior, Targets

__all__ = ["DISTANCE", "distance", "prior_design"]

DISTANCE = (
    "sum over count statistics of ((mean simulated weeks - observed) / sqrt(max(observed, 1)))^2 "
    "+ sum over binary facts (and the coalition's binary statistics: shift, above, below, held) of "
    "-2 log(max(simulated share of runs with the fact, 1/(K+1))) "
    "+ sum over timing and tightening statistics of ((mean simulated - observed) / scale)^2, "
    "scale stated per statistic in the target file; each term times its weight (every term a "
    "deviance: -2 log likelihood up to a constant)"
)


def prior_design(priors: Sequence[Prior], n: int, seed: int) -> np.ndarray:
    """(n, d) candidates: a scrambled Sobol sequence scaled to the uniform prior box.

    Sobol fills the box more evenly than i.i.d. draws for the same n (lower discrepancy),
    which matters when only a few percent of candidates are kept. ``n`` need not be a power
    of two (scipy warns about balance then; the warning is silenced, the points are fine).
    """
    import warnings

    sampler = qmc.Sobol(d=len(priors), scramble=True, seed=np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        unit = sampler.random(n)
    lo = np.array([p.low for p in priors])
    hi = np.array([p.high for p in priors])
    return qmc.scale(unit, lo, hi)


def distance(targets: Targets, values: dict[str, np.ndarray], replicates: int) -> np.ndarray:
    """The ABC distance (see :data:`DISTANCE`) per candidate; 0 only for a perfect match."""
    d: np.ndarray | float = 0.0
    floor = 1.0 / (replicates + 1)
    for st in targets.statistics:
        v = np.asarray(values[st.name], dtype=np.float64)
        if st.kind in BINARY_KINDS:
            d = d - 2.0 * st.weight * np.log(np.maximum(v, floor))
        else:
            scale = st.scale if st.scale > 0 else np.sqrt(max(st.observed, 1.0))
            d = d + st.weight * ((v - st.observed) / scale) ** 2
    return np.asarray(d, dtype=np.float64)
