"""The leader's choices: prospect theory (Tversky and Kahneman 1992) on the summit gamble and
on the response to a strategic test ([S18] 'domain of losses'; [S20] the three US choices),
and the election clock that weighs them.

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import math

from ..codes import Posture
from ..jit import compiled as rule
from ..libm import exp, power
from .basics import clip01, logistic

__all__ = [
    "choose_response",
    "compromise_open",
    "consults_allies",
    "election_proximity",
    "election_weight",
    "gamble_value",
    "kt_value",
    "leader_accept_probability",
    "posture_update",
    "prospect_advantage",
    "response_probabilities",
    "summit_appetite",
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
def leader_accept_probability(appetite: float, logit0: float, room: float) -> float:
    """Weekly chance the leader accepts a pending proposal: logistic(logit0 + appetite) x
    room (ODD 3.4.6). [S18] the summit as a gamble taken from a 'domain of losses'; [S20]
    the pandemic 'further narrowed the space for dialogue' (``room``)."""
    return logistic(logit0 + appetite) * room


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
