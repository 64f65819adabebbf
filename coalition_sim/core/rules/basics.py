"""Building blocks every rule uses: clipping, the logistic link and scaled uniform noise.

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import math

import numpy as np

from ..jit import compiled as rule
from ..libm import exp

__all__ = [
    "SQRT12",
    "clip01",
    "fading_memory",
    "logistic",
    "logistic_below",
    "logistic_bracket",
    "logistic_settled",
    "uniform_noise",
]

SQRT12 = math.sqrt(12.0)


@rule
def clip01(x: float) -> float:
    """x clipped to [0, 1] (NaN stays NaN, as with ``np.clip``).

    A numerical utility with no behavioural content: it keeps shares, levels and
    probabilities in their unit range; no source is needed or claimed."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@rule
def fading_memory(memory: float, happened: bool, fade: float) -> float:
    """M' = M (1 - fade) + [happened]: a memory of events that fades geometrically.

    A numerical utility with no behavioural content of its own: the memories that call it
    (:func:`coalition_sim.core.rules.coalition.unilateral_memory_update`,
    :func:`coalition_sim.core.rules.target.rebuff_memory_update`) say what is remembered, why
    and for how long. Bounded by 1 / fade when the event comes every week."""
    return memory * (1.0 - fade) + happened


@rule
def logistic(x: float) -> float:
    """The logistic function 1 / (1 + exp(-x)).

    A numerical utility with no behavioural content of its own. That the choices with
    several drivers (a test's rung, the DPRK's mode, a summit's acceptance, the leader's
    response, a proposal, a revival) are logistics of a linear index (a logit link) is a
    modelling choice, the standard one for binary and multinomial choice (McFadden 1974); the
    single-driver chances (an outburst, a hedge, a cancellation, consulting allies) are plain
    probabilities instead (ODD 2.9). The indices themselves are the rules that call it."""
    return 1.0 / (1.0 + exp(-x))


@rule
def uniform_noise(u: float, sd: float) -> float:
    """Zero-mean noise with standard deviation ``sd`` from a uniform number in [0, 1).

    A scaled uniform (not a Gaussian) keeps the draw a single cheap, exactly reproducible
    arithmetic step. [S18]: leaders 'prone to unexpected outbursts, statements, and policy
    shifts' - noise is scaled by volatility at the call site.
    """
    return (u - 0.5) * SQRT12 * sd


#: logistic(z) on the grid z = -40, -40 + 1/8, ..., 40 + 1/8 (Python's ``math.exp`` is the C
#: library's, as in compiled code), each widened by a relative margin of 1e-9: a bracket
#: [lo_k, hi_k] of logistic(z) for z in [z_k, z_k + 1/8), far wider than the few units in the
#: last place that separate the computed logistic from the exact one (the C library's ``exp``
#: is within one).
_GRID_LOW, _GRID_STEPS = -40.0, 8.0
_GRID = np.array([1.0 / (1.0 + math.exp(-(_GRID_LOW + k / _GRID_STEPS))) for k in range(642)])
LOGISTIC_LO = _GRID[:-1] * (1.0 - 1e-9)
LOGISTIC_HI = _GRID[1:] * (1.0 + 1e-9)


@rule
def logistic_bracket(z: float) -> tuple[float, float]:
    """(lo, hi) with lo < logistic(z) < hi, from a table (no ``exp``); (-1, 2) outside
    [-40, 40) and for NaN, which decides nothing. A numerical utility of the compiled core
    (:func:`logistic_below`), with no behavioural content."""
    if _GRID_LOW <= z < -_GRID_LOW:  # (False for NaN)
        k = int((z - _GRID_LOW) * _GRID_STEPS)
        return LOGISTIC_LO[k], LOGISTIC_HI[k]
    return -1.0, 2.0


@rule
def logistic_below(u: float, z: float, scale: float) -> bool:
    """``u < logistic(z) * scale`` (``scale`` >= 0), the same answer for every input, without
    computing the exponential when :func:`logistic_bracket` settles it: with a uniform
    ``u``, the table decides all but about 3% of the draws (a bracket spans at most 1/32).
    A chance that is only compared with its draw (a mode switch, a proposal) need not be
    computed to the last bit to be drawn exactly. A numerical utility with no behavioural
    content."""
    lo, hi = logistic_bracket(z)
    if u < lo * scale:
        return True
    if u >= hi * scale:
        return False
    return u < logistic(z) * scale


@rule
def logistic_settled(u: float, z_lo: float, z_hi: float, scale: float) -> int:
    """Whether ``u < logistic(z) * scale`` for every ``z`` between ``z_lo`` and ``z_hi``
    (either order) (1), for none (0), or it depends on ``z`` (-1, also for NaN bounds):
    :func:`logistic_below` for a logit known only within bounds (``scale`` >= 0).
    A numerical utility with no behavioural content."""
    if z_hi < z_lo:
        z_lo, z_hi = z_hi, z_lo
    elif not z_lo <= z_hi:  # NaN
        return -1
    lo, _ = logistic_bracket(z_lo)
    _, hi = logistic_bracket(z_hi)
    if u < lo * scale:
        return 1
    if u >= hi * scale:
        return 0
    return -1
