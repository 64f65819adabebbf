"""The coalition's rules: alliance pull, commitment, fatigue, enforcement, cohesion,
isolation and tie dynamics ([S18] 'can the US maintain its North Korea coalition?').

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import numpy as np

from ..codes import ProvocationLevel, TieKind
from ..jit import compiled as rule
from .basics import clip01, fading_memory, logistic

__all__ = [
    "alliance_gap",
    "cohesion",
    "commitment_setpoint",
    "commitment_update",
    "commitment_weights",
    "conventional_alarm_weight",
    "effective_pressure",
    "enforcement",
    "enforcement_capacity",
    "enforcing_share",
    "enforcing_shares",
    "engagement_target",
    "fatigue_update",
    "habituation_factor",
    "leakage_relief",
    "setpoint_weights",
    "test_memory_update",
    "tie_pull_weight",
    "tie_update",
    "unconsulted_tie_cost",
    "unilateral_memory_update",
    "us_isolation",
    "weighted_commitment_update",
    "weighted_setpoint",
]


@rule
def tie_pull_weight(
    kind: int, members: bool, treaty_ally: float, partner: float, rival: float
) -> float:
    """The pull weight of a tie of type ``kind`` (``TieKind``; -1 = no tie) between two
    coalition members (``members``; 0 otherwise: the target's 'commitment' is its
    defiance, ODD 3.4.1): ``treaty_ally``, ``partner`` or ``rival``; an adversary tie does
    not pull. [S18] 'can the US maintain its North Korea coalition?': alignment runs through
    ties. That the weight depends on the tie's type (treaty above partner above rival) is a
    modelling choice; the three weights are the schema's ``params.ties.pull_*``."""
    w = 0.0
    if kind >= 0 and members:
        if kind == TieKind.TREATY_ALLY:
            w = treaty_ally
        elif kind == TieKind.PARTNER:
            w = partner
        elif kind == TieKind.RIVAL:
            w = rival
    return w


@rule
def alliance_gap(commitment: np.ndarray, strength: np.ndarray, pull: np.ndarray, i: int) -> float:
    """Tie-weighted pull of actor ``i``'s partners on its commitment.

    gap_i = sum_j w_ij (c_j - c_i) / max(1, sum_j w_ij) with w = strength x type pull, so a
    weak tie pulls less than a strong one (the total pull is normalised only once the ties
    add up to more than one). ``strength`` and ``pull`` are row ``i`` of the tie matrices.
    [S18] 'can the US maintain its North Korea coalition?': alignment runs through ties,
    stronger for treaty allies than for rivals.
    """
    w0 = strength[0] * pull[0]
    total = w0
    weighted = w0 * commitment[0]
    for j in range(1, commitment.shape[0]):
        w = strength[j] * pull[j]
        total += w
        weighted += w * commitment[j]
    return (weighted - total * commitment[i]) / max(total, 1.0)


@rule
def habituation_factor(memory: float, habituation: float) -> float:
    """1 / (1 + h M): the share of its first-time response a test still draws after M
    remembered tests (diminishing effect, not a ratchet).

    No seed passage or study states that repeated tests move partners less: that is a
    modelling assumption, and the hyperbolic form a modelling choice (bounded in (0, 1],
    equal to 1 with no memory). The record it must not contradict: each 2016-17 nuclear or
    ICBM test still drew a UNSC resolution adopted 15-0 (2270, 2321, 2371, 2375, 2397). The
    damping ``h`` (``params.commitment.habituation``) is a set value: the Morris screening
    finds it a fit candidate on the coalition part only and the fits did not identify it
    (docs/calibration/identification.md)."""
    return 1.0 / (1.0 + habituation * memory)


@rule
def test_memory_update(memory: float, level: int, fade: float, conventional_weight: float) -> float:
    """M' = M (1 - fade) + [strategic] + w_conv [conventional]: the coalition's memory of
    recent tests, each weighted by the alarm it raises.

    [S20] separates the 'testing of conventional weapons' (SRBMs, an SLBM) from the 'red
    line' of 'further nuclear and/or long-range missile tests': a strategic test counts 1, a
    conventional one ``w_conv`` (:func:`conventional_alarm_weight`). The geometric fade is a
    modelling choice; ``fade`` (``params.commitment.test_memory_fade``, about a 25-week
    memory) is a set value, not identified by the fits (docs/calibration/identification.md).
    """
    add = 0.0
    if level == ProvocationLevel.STRATEGIC:
        add = 1.0
    elif level == ProvocationLevel.CONVENTIONAL:
        add = conventional_weight
    return memory * (1.0 - fade) + add


@rule
def conventional_alarm_weight(conventional_response: float, strategic_response: float) -> float:
    """What a conventional test adds to the coalition's test memory, a strategic test adding
    1: the ratio of the two test responses, so each test counts by the alarm it raises
    (ODD 3.4.1). [S20] SRBM/SLBM tests were not the 'red line' of 'nuclear and/or long-range
    missile tests'. Re-using the response ratio instead of a weight of its own is a modelling
    choice (no new parameter); the floor 1e-9 only guards a zero strategic response."""
    return conventional_response / max(strategic_response, 1e-9)


@rule
def commitment_setpoint(
    c0: float,
    fatigue: float,
    economy: float,
    stability: float,
    unilateral: float,
    target_engagement: float,
    relief: float,
    posture_push: float,
    fatigue_erosion: float,
    unilateral_cost: float,
    engagement_pull: float,
    relief_leakage: float,
) -> float:
    """The commitment a coalition member relaxes toward this week: its own anchor ``c0``
    displaced by bounded forces, clipped to [0, 1]:

    c* = c0 + push - stability x unilateral_cost x U
            - e_DPRK x (engagement_pull x stability + fatigue_erosion x F)
            - relief_leakage x economy x relief

    Fatigue loosens a partner when there is a table to move to: [S18] South Korea and China
    'are getting fed up with Trump's campaign of "maximum pressure," and greatly prefer the
    US-North Korean relationship to play out at the negotiating table' (May 2018). The
    record dates the loosening: under the maximum pressure of 2017, with a DPRK refusing
    talks, China tightened (coal suspension of 19 Feb 2017, the sectoral bans of Aug-Sep
    2017, UNSCR 2371/2375/2397 adopted 15-0); it loosened in 2018, once Pyongyang engaged
    (Kim-Xi meetings of Mar, May and Jun 2018; inter-Korean summits of Apr, May and Sep).
    So both a partner's stability interest and its fatigue act through the DPRK's
    engagement e_DPRK (the open table); a refusing DPRK leaves them little to act on.
    Military tension does not lower the set-point (it was highest in 2017, when China
    tightened). Snubs ([S18] 'without consultation', U) and relief (Early 2015: busting
    follows the signal that 'it's finally okay to engage') lower it as before.

    Every term is bounded (F, e_DPRK, relief in [0, 1]; U a fading memory), so the
    set-point stays in a band around the anchor whatever the horizon, and returns when the
    forces fade. ``push`` is the leader's posture (:func:`posture_push`); partners pass 0,
    and the leader passes 0 for U, e_DPRK and relief (they are partners' reasons), so
    fatigue moves only partners' set-points.
    """
    w_unilateral, w_engagement, w_relief = setpoint_weights(
        stability=stability,
        economy=economy,
        unilateral_cost=unilateral_cost,
        engagement_pull=engagement_pull,
        relief_leakage=relief_leakage,
    )
    return weighted_setpoint(
        c0=c0,
        fatigue=fatigue,
        unilateral=unilateral,
        target_engagement=target_engagement,
        relief=relief,
        posture_push=posture_push,
        fatigue_erosion=fatigue_erosion,
        unilateral_weight=w_unilateral,
        engagement_weight=w_engagement,
        relief_weight=w_relief,
    )


@rule
def setpoint_weights(
    stability: float,
    economy: float,
    unilateral_cost: float,
    engagement_pull: float,
    relief_leakage: float,
) -> tuple[float, float, float]:
    """The actor's weights of three forces of :func:`commitment_setpoint`: (stability x
    unilateral_cost, engagement_pull x stability, relief_leakage x economy). Functions of the
    parameters only, so the ensemble kernel tables them per actor once per run
    (``decide.actor_constants``) and calls :func:`weighted_setpoint`: the same products, so
    the same numbers. [S18]: partners 'fed up' with maximum pressure; a stable partner weighs
    snubs and an engaging DPRK more, an exposed economy leaked relief."""
    return stability * unilateral_cost, engagement_pull * stability, relief_leakage * economy


@rule
def weighted_setpoint(
    c0: float,
    fatigue: float,
    unilateral: float,
    target_engagement: float,
    relief: float,
    posture_push: float,
    fatigue_erosion: float,
    unilateral_weight: float,
    engagement_weight: float,
    relief_weight: float,
) -> float:
    """:func:`commitment_setpoint` from the actor's :func:`setpoint_weights`:
    clip(c0 + push - w_U x U - e_DPRK x (w_e + fatigue_erosion x F) - w_r x relief).
    [S18] South Korea and China 'greatly prefer the US-North Korean relationship to play out
    at the negotiating table' (the sources of each force: :func:`commitment_setpoint`)."""
    shift = (
        posture_push
        - unilateral_weight * unilateral
        - target_engagement * (engagement_weight + fatigue_erosion * fatigue)
        - relief_weight * relief
    )
    return clip01(c0 + shift)


@rule
def fatigue_update(
    fatigue: float,
    pressure: float,
    economy: float,
    diplomacy: bool,
    growth: float,
    recovery: float,
) -> float:
    """Sanctions fatigue grows under pressure without talks and always fades.

    F' = clip(F + g * P * w_econ * (1 - D) * (1 - F) - rho * F). [S18]: 'South Korea and China
    are getting fed up with Trump's campaign of maximum pressure, and greatly prefer ... the
    negotiating table'. ``diplomacy`` (D) is 1 while a diplomatic track is active (talks stop
    the growth). Under steady pressure P without talks F settles at
    g P w / (g P w + rho) < 1: fatigue is a level, not a clock, and as it lowers commitment
    it lowers the pressure that feeds it (a stabilising loop).
    """
    d = 1.0 if diplomacy else 0.0
    grown = fatigue + growth * pressure * economy * (1.0 - d) * (1.0 - fatigue)
    return clip01(grown - recovery * fatigue)


@rule
def commitment_update(
    c: float,
    setpoint: float,
    gap: float,
    conformity: float,
    security: float,
    provocation: int,
    noise: float,
    p_pull: float,
    p_anchor: float,
    p_conventional: float,
    p_strategic: float,
    habituation: float = 1.0,
) -> float:
    """One week of a coalition member's pressure commitment, clipped to [0, 1].

    c' = c + anchor*(c* - c) + conformity*pull*gap + response*security*(1 - c)*habituation
         + noise

    ``setpoint`` c* is :func:`commitment_setpoint` (the actor's anchor displaced by bounded
    fatigue, snubs, the DPRK's engagement, granted relief and, for the leader, its posture).
    A test kicks commitment up (UNSC resolutions 2270, 2321, 2371, 2375 and 2397 followed
    the 2016-17 tests, all 15-0), the more so for security-minded members, less for a
    coalition that remembers many tests (``habituation``, :func:`habituation_factor`), and
    the kick fades through the anchor: no ratchet. ``gap`` is :func:`alliance_gap`, which
    pulls both ways. Without shocks the update is a contraction toward the network's fixed
    point (docs/ODD.md, 3.4.1 'Equilibrium'): dc'/dc = 1 - anchor - conformity*pull*W /
    max(1, W), with W the actor's total tie weight, in (-1, 1) across the schema's ranges
    but for their joint corners.
    """
    pull, conventional, strategic = commitment_weights(
        conformity=conformity,
        security=security,
        p_pull=p_pull,
        p_conventional=p_conventional,
        p_strategic=p_strategic,
    )
    return weighted_commitment_update(
        c=c,
        setpoint=setpoint,
        gap=gap,
        provocation=provocation,
        noise=noise,
        p_anchor=p_anchor,
        pull_weight=pull,
        conventional_weight=conventional,
        strategic_weight=strategic,
        habituation=habituation,
    )


@rule
def commitment_weights(
    conformity: float, security: float, p_pull: float, p_conventional: float, p_strategic: float
) -> tuple[float, float, float]:
    """The actor's weights of :func:`commitment_update`: (conformity x pull, conventional
    response x security, strategic response x security). Functions of the parameters only,
    tabled per actor once per run by the ensemble kernel, as :func:`setpoint_weights`.
    [S18] 'can the US maintain its North Korea coalition?': conformity carries the pull of
    the ties; security-minded members answered the 2016-17 tests (UNSCR 2270-2397, 15-0)."""
    return conformity * p_pull, p_conventional * security, p_strategic * security


@rule
def weighted_commitment_update(
    c: float,
    setpoint: float,
    gap: float,
    provocation: int,
    noise: float,
    p_anchor: float,
    pull_weight: float,
    conventional_weight: float,
    strategic_weight: float,
    habituation: float = 1.0,
) -> float:
    """:func:`commitment_update` from the actor's :func:`commitment_weights`:
    clip(c + anchor (c* - c) + w_pull gap + w_response (1 - c) habituation + noise), with
    w_response the weight of this week's test (0 without one). The sources: [S18] and the
    UNSC resolutions of 2016-17, as for :func:`commitment_update`."""
    response = 0.0
    if provocation == ProvocationLevel.STRATEGIC:
        response = strategic_weight
    elif provocation == ProvocationLevel.CONVENTIONAL:
        response = conventional_weight
    delta = (
        p_anchor * (setpoint - c) + pull_weight * gap + response * (1.0 - c) * habituation + noise
    )
    return clip01(c + delta)


@rule
def engagement_target(base: float, fatigue: float, fatigue_effect: float, room: float) -> float:
    """Engagement an actor drifts toward: baseline plus fatigue's push to talk, times room.

    [S18] fatigued partners 'prefer the ... relationship to play out at the negotiating
    table'; [S20] the pandemic 'further narrowed the space for dialogue' (``room`` < 1).
    """
    return clip01(base + fatigue_effect * fatigue) * room


@rule
def enforcement_capacity(
    capability: np.ndarray,
    trade: np.ndarray,
    coalition: np.ndarray,
    trade_weight: float,
    out: np.ndarray,
) -> None:
    """Each coalition actor's share of the power to squeeze the target, written to ``out``
    (A,), summing to 1: (1 - tw) x its capability share + tw x its share of the target's
    trade (capability only when no coalition actor trades with the target). Haggard and
    Noland (2017): China carries most of North Korea's trade, so its enforcement decides
    most of the pressure."""
    n = capability.shape[0]
    cap_total = capability[0] * coalition[0]
    tr_total = trade[0] * coalition[0]
    for j in range(1, n):
        cap_total += capability[j] * coalition[j]
        tr_total += trade[j] * coalition[j]
    for j in range(n):
        cap_share = capability[j] * coalition[j] / cap_total
        tr_share = trade[j] * coalition[j] / tr_total if tr_total > 0 else cap_share
        out[j] = (1.0 - trade_weight) * cap_share + trade_weight * tr_share


@rule
def enforcing_share(commitment: float, threshold: float, softness: float) -> float:
    """The share of its commitment an actor still enforces: logistic((c - thr) / s).

    Below its threshold a partner largely stops enforcing (defection), smoothly, not at a
    switch. Drezner (1999); Haggard and Noland (2017) on China's uneven enforcement."""
    return logistic((commitment - threshold) / softness)


@rule
def enforcing_shares(
    commitment: np.ndarray,
    capacity: np.ndarray,
    threshold: float,
    softness: float,
    out: np.ndarray,
) -> None:
    """:func:`enforcing_share` of every actor with enforcement capacity into ``out`` (A,),
    once per week for both reporters that read it (:func:`effective_pressure`,
    :func:`us_isolation`): the logistic is the costliest step of the reporters. An actor
    without capacity (the target) gets 0.0: no term reads it. Drezner (1999): a partner
    defects when enforcement costs it more than it gains."""
    for j in range(commitment.shape[0]):
        if capacity[j] != 0.0:
            out[j] = enforcing_share(commitment[j], threshold, softness)
        else:
            out[j] = 0.0


@rule
def enforcement(commitment: float, share: float) -> float:
    """How much of its commitment an actor actually enforces: c x its enforcing share
    (:func:`enforcing_share`). Drezner (1999); Haggard and Noland (2017)."""
    return commitment * share


@rule
def effective_pressure(commitment: np.ndarray, capacity: np.ndarray, shares: np.ndarray) -> float:
    """Capacity-weighted enforcement of the coalition: P = sum_j k_j x enforcement(c_j)
    (``shares`` from :func:`enforcing_shares`; capacity is 0 for the target, whose term is
    skipped: it adds +0.0).

    [S18] 'the pressure campaign could unwind': P is that campaign's pressure. Weighting each
    member's enforcement by its capacity (:func:`enforcement_capacity`) follows Haggard and
    Noland (2017, *Hard Target*): China carries most of North Korea's trade, so its
    enforcement decides most of the pressure. The additive sum is a modelling choice."""
    acc = 0.0
    for j in range(commitment.shape[0]):
        if capacity[j] != 0.0:
            acc += capacity[j] * enforcement(commitment[j], shares[j])
    return acc


@rule
def leakage_relief(relief: float, pressure: float, pressure0: float, leakage: float) -> float:
    """As the campaign unwinds, busting trade restores the target's relief:
    clip(relief + leakage x max(0, 1 - P / P0) x (1 - relief)), no leakage when P0 = 0.
    Early (2015)."""
    unwinding = 1.0 - pressure / pressure0 if pressure0 > 0 else 0.0
    return clip01(relief + leakage * max(0.0, unwinding) * (1.0 - relief))


@rule
def cohesion(commitment: np.ndarray, strength: np.ndarray, pairs: np.ndarray) -> float:
    """Mean over coalition ties of strength x (1 - commitment divergence), in [0, 1].

    [S18] 'the coalition could fracture': cohesion falls when ties weaken or members' levels
    of enforcement drift apart.
    """
    n = pairs.shape[0]
    if n == 0:  # no coalition ties: nothing that could fracture
        return 1.0
    acc = 0.0
    for k in range(n):
        i, j = pairs[k, 0], pairs[k, 1]
        acc += strength[i, j] * (1.0 - abs(commitment[i] - commitment[j]))
    return acc / n


@rule
def us_isolation(
    commitment: np.ndarray,
    capacity: np.ndarray,
    leader: int,
    partners: np.ndarray,
    shares: np.ndarray,
) -> float:
    """How far the leader is left alone by partners who have stopped enforcing:

    I = sum_j k_j max(0, c_L - c_j) d_j / sum_j k_j over partners j, with k the enforcement
    capacity and d_j = 1 - share_j the share of partner j that has defected (``shares`` from
    :func:`enforcing_shares`, as for :func:`effective_pressure`). [S18]: 'the
    US could find itself alone and sidelined'. Being more hawkish than partners who still
    enforce is not isolation: in 2016-17 Washington was well ahead of Beijing and every
    sanctions resolution (UNSCR 2270, 2321, 2371, 2375, 2397) was still adopted 15-0 with
    China's vote. I is 0 when every partner is at least as committed as the leader or well
    above its enforcement threshold, and near c_L when no partner applies pressure.
    """
    lead = commitment[leader]
    total = 0.0
    gap = 0.0
    for j in range(commitment.shape[0]):
        w = capacity[j] * partners[j]
        total += w
        if w != 0.0:  # a zero weight adds +0.0
            defected = 1.0 - shares[j]
            gap += w * max(0.0, lead - commitment[j]) * defected
    return gap / total if total > 0 else 0.0


@rule
def unilateral_memory_update(memory: float, unconsulted: bool, fade: float) -> float:
    """U' = U (1 - fade) + [unconsulted]: the fading memory of the leader's unconsulted summit
    decisions, which lowers partners' set-points (:func:`commitment_setpoint`). [S18] Trump
    agreed to meet Kim 'quickly and without consultation ... from the South Koreans'. The
    geometric fade is a modelling choice; the rate is ``params.commitment.unilateral_fade``."""
    return fading_memory(memory=memory, happened=unconsulted, fade=fade)


@rule
def unconsulted_tie_cost(
    strength: float, unconsulted: bool, treaty_ally: bool, cost: float
) -> float:
    """An unconsulted summit decision costs each tie between the leader and a treaty ally
    ``cost`` of strength: clip(w - cost [unconsulted] [treaty ally]) (ODD 3.4.2). [S18] Trump
    agreed 'quickly and without consultation—apparently, neither from his staff nor from the
    South Koreans, who've acted as a mediator'."""
    return clip01(strength - cost * unconsulted * treaty_ally)


@rule
def tie_update(
    strength: float,
    divergence: float,
    distance: float,
    memory: float,
    tolerance: float,
    strengthen: float,
    strain: float,
    baseline: float = 1.0,
) -> tuple[float, float]:
    """Sustained divergence strains a coalition tie; otherwise it returns to its
    institutional strength (treaty, trade partnership).

    D' = D + m * (|c_i - c_j| - D);  w' = clip(w + s+ (w0 - w) - s- w max(0, D' - tol)).
    ``distance`` is |c_i - c_j|, ``baseline`` w0 the tie's initial strength; returns
    (w', D'). Under a steady divergence D the tie settles at w0 s+ / (s+ + s- max(0, D - tol))
    > 0: a strained tie is weaker, not severed, and a snub's cost fades. [S18]: 'the
    coalition could fracture'.
    """
    div = divergence + memory * (distance - divergence)
    back = strengthen * (baseline - strength)
    down = strain * strength * max(0.0, div - tolerance)
    return clip01(strength + back - down), div
