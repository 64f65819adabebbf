"""The leader's choices: prospect theory (Tversky and Kahneman 1992) on the summit gamble and
on the response to a strategic test ([S18] 'domain of losses'; [S20] the three US choices),
and the election clock that weighs them.

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import math

import numpy as np

from ..codes import Posture
from ..jit import compiled as rule
from ..libm import exp, power
from .basics import clip01, logistic

__all__ = [
    "POWER_ANCHORS",
    "choose_response",
    "compromise_open",
    "consults_allies",
    "election_proximity",
    "election_weight",
    "gamble_value",
    "kt_value",
    "kt_value_bounds",
    "leader_accept_logit",
    "leader_accept_probability",
    "posture_update",
    "power_bounds",
    "prospect_advantage",
    "response_probabilities",
    "summit_appetite",
    "summit_appetite_bounds",
]


@rule
def kt_value(x: float, alpha: float, beta: float, lam: float) -> float:
    """Kahneman-Tversky value function: x^a for gains, -lambda (-x)^b for losses.

    Tversky and Kahneman (1992). [S18]: 'Trump is operating from a domain of losses, and in
    that domain individuals ... are more likely to make risky decisions'.
    """
    if x >= 0:
        return power(abs(x), alpha)
    return -lam * power(abs(x), beta)


@rule
def prospect_advantage(
    x: float,
    upside: float,
    downside: float,
    success: float,
    alpha: float,
    beta: float,
    lam: float,
    sure_loss: float = 0.0,
) -> float:
    """Value of a two-outcome gamble over a sure option, seen from standing gap ``x``.

    V = p v(x + up) + (1 - p) v(x - down) - v(x - sure_loss). Convexity in losses makes the
    gamble look better in the domain of losses than in gains (the summit gamble of [S18]).
    """
    gamble = success * kt_value(x + upside, alpha, beta, lam) + (1.0 - success) * kt_value(
        x - downside, alpha, beta, lam
    )
    return gamble - kt_value(x - sure_loss, alpha, beta, lam)


@rule
def gamble_value(
    x: float,
    upside: float,
    downside: float,
    success: float,
    election_weight: float,
    alpha: float,
    beta: float,
    lam: float,
    sure_loss: float = 0.0,
) -> float:
    """A(up, down x ew, p, sure) of ODD 3.4.6: :func:`prospect_advantage` of a gamble whose
    downside weighs ``election_weight`` times more as an election nears. [S20] 'With a
    crucial election ahead, Trump is unlikely to want to risk either a failure in
    negotiations or enter into a military conflict'; the value function is Kahneman and
    Tversky's (1979). Scaling the downside (not the probability) is a modelling choice."""
    return prospect_advantage(
        x, upside, downside * election_weight, success, alpha, beta, lam, sure_loss
    )


@rule
def summit_appetite(
    x: float,
    prestige_weight: float,
    election_weight: float,
    sensitivity: float,
    upside: float,
    downside: float,
    success: float,
    alpha: float,
    beta: float,
    lam: float,
) -> float:
    """The leader's appetite for the summit, in logits (``State.leader_appetite``):
    sensitivity x A(upside (1 + prestige weight), downside x ew, success, 0), judged from the
    standing gap ``x`` (ODD 3.4.6). [S18] 'Trump is operating from a "domain of losses," and
    in that domain individuals ... are more likely to make risky decisions ... He's hoping to
    win big'; the prestige weight raises the upside: 'He would get to credibly proclaim
    himself as a global statesman'."""
    return sensitivity * gamble_value(
        x, upside * (1.0 + prestige_weight), downside, success, election_weight, alpha, beta, lam
    )


@rule
def leader_accept_logit(appetite: float, logit0: float) -> float:
    """The logit of :func:`leader_accept_probability`: logit0 + appetite (ODD 3.4.6; [S18]
    the summit as a gamble taken from a 'domain of losses')."""
    return logit0 + appetite


@rule
def leader_accept_probability(appetite: float, logit0: float, room: float) -> float:
    """Weekly chance the leader accepts a pending proposal: logistic(logit0 + appetite) x
    room (ODD 3.4.6). [S18] the summit as a gamble taken from a 'domain of losses'; [S20]
    the pandemic 'further narrowed the space for dialogue' (``room``)."""
    return logistic(leader_accept_logit(appetite=appetite, logit0=logit0)) * room


#: Where :func:`power_bounds` knows ``y ** exponent`` (computed once per parameter set by the
#: kernel: ``anchors[k] = y_k ** exponent``); beyond the last, nothing is bounded.
POWER_ANCHORS = np.array([0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0])


@rule
def power_bounds(y: float, exponent: float, anchors: np.ndarray) -> tuple[float, float]:
    """(lo, hi) around the C library's ``y ** exponent`` for 0 <= y <= 4 and 0 < exponent
    <= 1, from the powers at :data:`POWER_ANCHORS` (``anchors``) and no ``pow``: the power is
    concave, so above the chord between the anchors around ``y`` and below the tangent at
    either; both widened by 1e-12 (relative and absolute) for the C library's last-place
    error and this arithmetic's. (-inf, inf) elsewhere. A numerical utility with no
    behavioural content (:func:`summit_appetite_bounds`)."""
    if not (0.0 < exponent <= 1.0 and 0.0 <= y <= 4.0):
        return -math.inf, math.inf
    k = 0
    while k < 5 and y > POWER_ANCHORS[k + 1]:
        k += 1
    y0, y1 = POWER_ANCHORS[k], POWER_ANCHORS[k + 1]
    p0, p1 = anchors[k], anchors[k + 1]
    lo = p0 + (p1 - p0) * ((y - y0) / (y1 - y0))
    hi = min(p1, p1 + exponent * p1 / y1 * (y - y1))
    if k > 0:
        hi = min(hi, p0 + exponent * p0 / y0 * (y - y0))
    return lo * (1.0 - 1e-12) - 1e-12, hi * (1.0 + 1e-12) + 1e-12


@rule
def kt_value_bounds(
    x: float, alpha: float, beta: float, lam: float, anchors_alpha: np.ndarray,
    anchors_beta: np.ndarray,
) -> tuple[float, float]:  # fmt: skip
    """(lo, hi) around :func:`kt_value` (Tversky and Kahneman 1992) without ``pow``, from
    :func:`power_bounds`; the loss side scaled by ``-lam`` (``lam`` >= 0) in the same
    floating-point operation as :func:`kt_value`, so the bounds hold for its rounded value."""
    if x >= 0:
        return power_bounds(abs(x), alpha, anchors_alpha)
    lo, hi = power_bounds(abs(x), beta, anchors_beta)
    return -lam * hi, -lam * lo


@rule
def summit_appetite_bounds(
    x: float,
    prestige_weight: float,
    election_weight: float,
    sensitivity: float,
    upside: float,
    downside: float,
    success: float,
    alpha: float,
    beta: float,
    lam: float,
    anchors_alpha: np.ndarray,
    anchors_beta: np.ndarray,
) -> tuple[float, float]:
    """(lo, hi) around :func:`summit_appetite` (the same arguments, in the same floating-point
    operations) without its three ``pow``: each value of the gamble replaced by its
    :func:`kt_value_bounds`. With a nonnegative sensitivity and loss aversion and a success
    chance in [0, 1] every operation is monotone and rounding keeps order, so the bounds hold
    for the rounded appetite; (-inf, inf) otherwise. [S18]'s summit gamble; a numerical
    utility that lets a draw the bounds settle skip the appetite (the kernel's proposal and
    acceptance)."""
    if not (sensitivity >= 0.0 and lam >= 0.0 and 0.0 <= success <= 1.0):
        return -math.inf, math.inf
    up = upside * (1.0 + prestige_weight)
    down = downside * election_weight
    w_lo, w_hi = kt_value_bounds(x + up, alpha, beta, lam, anchors_alpha, anchors_beta)
    l_lo, l_hi = kt_value_bounds(x - down, alpha, beta, lam, anchors_alpha, anchors_beta)
    s_lo, s_hi = kt_value_bounds(x - 0.0, alpha, beta, lam, anchors_alpha, anchors_beta)
    lo = success * w_lo + (1.0 - success) * l_lo - s_hi
    hi = success * w_hi + (1.0 - success) * l_hi - s_lo
    return sensitivity * lo, sensitivity * hi


@rule
def consults_allies(u: float, consults: float) -> bool:
    """Whether the leader consults its treaty allies before agreeing to a summit: chance
    ``consults`` (the leader's ``actors.<ID>.consults``). [S18] Trump agreed 'quickly and
    without consultation—apparently, neither from his staff nor from the South Koreans'; an
    unconsulted agreement strains the ties (:func:`unconsulted_tie_cost`)."""
    return u < consults


@rule
def response_probabilities(
    v0: float,
    v1: float,
    v2: float,
    sensitivity: float,
    o0: float = 0.0,
    o1: float = 0.0,
    o2: float = 0.0,
) -> tuple[float, float, float]:
    """Multinomial-logit choice probabilities over three options (values ``v``, added logits
    ``o``).

    [S20] after a strategic test Washington chooses among 'compromising below the maximum goal
    of full denuclearization', sidelining the issue, or escalating militarily. The offsets
    are added logits per option (a pandemic turning Washington inward lowers escalation).
    """
    z0 = sensitivity * v0 + o0
    z1 = sensitivity * v1 + o1
    z2 = sensitivity * v2 + o2
    top = max(z0, max(z1, z2))
    e0 = exp(z0 - top)
    e1 = exp(z1 - top)
    e2 = exp(z2 - top)
    total = e0 + e1 + e2
    return e0 / total, e1 / total, e2 / total


@rule
def election_proximity(weeks_to_election: float, horizon: float) -> float:
    """0 far from an election, rising linearly to 1 in its week; 0 when none is ahead.

    [S20] 'in the year of U.S. presidential elections' the leader avoids risk and the
    target sees leverage.
    """
    if weeks_to_election < 0:
        return 0.0
    return clip01(1.0 - weeks_to_election / horizon)


@rule
def election_weight(proximity: float, aversion: float) -> float:
    """Weight on a gamble's downside as the election nears: [S20] 'with a crucial election
    ahead, Trump is unlikely to want to risk either a failure in negotiations or ... a
    military conflict'."""
    return 1.0 + aversion * proximity


@rule
def compromise_open(diplomacy: bool) -> float:
    """Added logit of the compromise option: 0 while a diplomatic track is active, minus
    infinity otherwise (the option does not exist).

    A compromise 'below the maximum goal of full denuclearization' ([S20]) is something
    offered in a negotiation; with no channel open there is nothing to compromise in. The
    record of 2016-17 (no talks) has sanctions and shows of force after every test - UNSC
    resolutions 2270, 2321, 2371, 2375, 2397, the THAAD decision of July 2016, 'maximum
    pressure' - and no compromise; the 2018 turn came with talks, not as an answer to a test.
    """
    return 0.0 if diplomacy else -math.inf


@rule
def choose_response(u: float, p_compromise: float, p_sideline: float) -> int:
    """Draw compromise, sideline or escalate from the choice probabilities ([S20])."""
    if u < p_compromise:
        return Posture.COMPROMISE.value
    if u < p_compromise + p_sideline:
        return Posture.SIDELINE.value
    return Posture.ESCALATE.value


@rule
def posture_update(posture: int, age: int, response: int, posture_weeks: float) -> tuple[int, int]:
    """A new response sets the posture; a posture lapses after ``posture_weeks`` ([S20]
    sidelining holds 'as long as there is no additional nuclear or ICBM test'). Returns
    (posture, age)."""
    if response != 0:
        return response, 0
    age = age + 1
    if age >= posture_weeks:
        return 0, age
    return posture, age
