"""Building blocks every rule uses: clipping, the logistic link and scaled uniform noise.

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import math

from ..jit import compiled as rule
from ..libm import exp

__all__ = [
    "SQRT12",
    "clip01",
    "fading_memory",
    "logistic",
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
