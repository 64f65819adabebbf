"""Every actor's week: engagement, standing, reference point, outbursts, shifts and dialogue
signals ([S18] leaders 'prone to unexpected outbursts, statements, and policy shifts').

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

from ..codes import Posture
from ..jit import compiled as rule
from .basics import clip01, uniform_noise

__all__ = [
    "actor_noise",
    "defiance_update",
    "dialogue_signal",
    "engagement_update",
    "leader_engagement_base",
    "mode_engagement_level",
    "noise_sd",
    "outbursts",
    "policy_shift",
    "posture_push",
    "reference_update",
    "sanctions_standing_cost",
    "shift_happens",
    "standing_update",
    "talks_engagement",
    "volatile_chance",
]


@rule
def actor_noise(u: float, noise: float, volatility: float) -> float:
    """An actor's weekly noise on commitment, engagement or standing: zero mean, standard
    deviation :func:`noise_sd` (:func:`uniform_noise` of one uniform ``u``). [S18] leaders
    'prone to unexpected outbursts, statements, and policy shifts'. The uniform shape is a
    modelling choice (one exact, cheap draw)."""
    return uniform_noise(u, noise_sd(noise, volatility))


@rule
def noise_sd(noise: float, volatility: float) -> float:
    """The standard deviation of an actor's weekly noise: ``noise`` x ``volatility``.
    [S18] leaders 'prone to unexpected outbursts, statements, and policy shifts': the more
    volatile the actor, the noisier its week. Parameters only: the ensemble kernel tables it
    per actor once per run (``decide.actor_constants``)."""
    return noise * volatility


@rule
def volatile_chance(rate: float, volatility: float) -> float:
    """The weekly chance of a volatility-driven event of an actor (a policy shift, an
    outburst): ``rate`` x ``volatility``. [S18] 'prone to unexpected outbursts, statements,
    and policy shifts'. Parameters only: tabled per actor once per run, as :func:`noise_sd`."""
    return rate * volatility


@rule
def shift_happens(u_shift: float, chance: float) -> bool:
    """Whether an actor's engagement jumps this week: ``u_shift`` < ``chance``
    (:func:`volatile_chance` of the shift rate). [S18] 'prone to unexpected outbursts,
    statements, and policy shifts'."""
    return u_shift < chance


@rule
def sanctions_standing_cost(is_target: bool, cost: float, pressure: float) -> float:
    """The weekly bite of sanctions on the target's domestic standing, ``cost`` x effective
    pressure (0 for every other actor). [S20] Pyongyang 'prioritized economic self-reliance
    (charip) in the absence of prospects for easing of the tough international sanctions
    regime'; linear in pressure: a modelling choice."""
    return cost * pressure if is_target else 0.0


@rule
def posture_push(posture: int, effect: float) -> float:
    """The leader's own commitment drift from its standing posture: +effect while escalating,
    -effect while compromising, 0 otherwise ([S20]'s three US choices)."""
    push = 0.0
    if posture == Posture.ESCALATE:
        push = 1.0
    elif posture == Posture.COMPROMISE:
        push = -1.0
    return push * effect


@rule
def mode_engagement_level(influence: bool, influence_level: float, autonomy_level: float) -> float:
    """The DPRK's engagement set-point in each policy mode ([S20]: the 'influence-seeking'
    policy of 2018 against the 'autonomy-seeking' policy of 2019-20)."""
    return influence_level if influence else autonomy_level


@rule
def defiance_update(defiance: float, mode_level: float, adjust_rate: float, noise: float) -> float:
    """The target's defiance drifts toward 1 - (its mode's engagement level), plus noise.

    [S20] in autonomy mode Pyongyang 'repeatedly reaffirm[ed] the necessity ... to further
    develop its defense capabilities'; in influence mode it courted talks.
    """
    return clip01(defiance + adjust_rate * ((1.0 - mode_level) - defiance) + noise)


@rule
def leader_engagement_base(base: float, posture: int, compromise_boost: float) -> float:
    """The leader's engagement set-point: its baseline, raised under a compromise posture
    ([S20]). (A fall while sidelining, 'sideline_drop', moved nothing measurable in 2016-18 or
    in five-year runs and was removed: issue 18 screening.)"""
    return base + compromise_boost * (posture == Posture.COMPROMISE)


@rule
def talks_engagement(base: float, talks_on: bool, boost: float) -> float:
    """While a summit is proposed or scheduled the leader's set-point rises: [S18] a meeting
    'something both Kim and Trump really want'."""
    return base + boost * talks_on


@rule
def policy_shift(u_shift: float, u_sign: float, chance: float, size: float) -> tuple[bool, float]:
    """A sudden jump in engagement, up or down at even odds, with ``chance``
    (:func:`volatile_chance` of the shift rate).

    [S18] leaders 'prone to unexpected outbursts, statements, and policy shifts', careening
    'from name calling ... to the prospect of rapprochement'. Returns (shifted, step).
    """
    shifted = shift_happens(u_shift, chance)
    sign = -1.0 if u_sign < 0.5 else 1.0
    return shifted, sign * size * shifted


@rule
def engagement_update(
    engagement: float, target: float, adjust_rate: float, noise: float, shift_step: float
) -> float:
    """Engagement closes a share of the gap to its set-point each week, plus noise and any
    policy shift; diplomatic postures move over weeks ([S18] 'in the week or two')."""
    return clip01(engagement + adjust_rate * (target - engagement) + noise + shift_step)


@rule
def standing_update(
    standing: float, baseline: float, anchor_rate: float, sanctions_cost: float, noise: float
) -> float:
    """Domestic standing relaxes toward its baseline, minus the bite of sanctions (target
    only: [S20] 'the absence of prospects for easing of the tough ... sanctions regime'),
    plus noise."""
    return clip01(standing + anchor_rate * (baseline - standing) - sanctions_cost + noise)


@rule
def reference_update(reference: float, standing: float, adapt: float) -> float:
    """The prospect-theory reference point adapts slowly to standing (Kahneman and Tversky
    1979); standing below it is the [S18] 'domain of losses'."""
    return reference + adapt * (standing - reference)


@rule
def outbursts(u: float, principal: bool, chance: float, both_want: bool) -> tuple[bool, bool]:
    """The two leaders lash out with ``chance`` (:func:`volatile_chance` of the outburst
    rate); at the counterpart unless both
    want the meeting, then at third parties. [S18] 'recent outbursts by North Korea have
    targeted Veep Mike Pence and NSA John Bolton, not Trump himself'. Returns (at the
    counterpart, at a third party)."""
    outburst = principal and u < chance
    at_counterpart = outburst and not both_want
    return at_counterpart, outburst and not at_counterpart


@rule
def dialogue_signal(u: float, engagement: float, room: float, at_counterpart: bool) -> bool:
    """An actor sends a dialogue signal with chance engagement x room, never in a week it
    lashes out at the counterpart. [S18] silence before the cancellation: 'zero of the usual
    requisite planning and coordination'."""
    return u < engagement * room and not at_counterpart
