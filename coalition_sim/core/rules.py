"""The model's decision rules: small pure functions, compiled with numba.

Each rule works on one replicate: scalars, or one actor row (shape (A,)) where a rule sums
over actors. The compiled weekly kernel (:mod:`coalition_sim.core.week`) calls them inside its
loop over replicates, and the Mesa agents run the very same compiled phases for their own
column, so there is one copy of every rule. They are plain functions to call from Python too
(``rules.logistic(0.3)``), which is how the mechanism tests probe them.
Randomness never happens here: uniform numbers are passed in from
:mod:`coalition_sim.core.streams`.

Sums over actors are explicit left-to-right loops (:func:`rowsum`), so their rounding never
depends on how many replicates run beside each other. Transcendentals are the C library's
``exp`` and ``pow`` in every caller.

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np

from .jit import compiled

__all__ = [
    "Mode",
    "Posture",
    "ProvocationLevel",
    "SummitState",
    "agreement_probability",
    "alliance_gap",
    "both_want_meeting",
    "choose_response",
    "cohesion",
    "commitment_setpoint",
    "commitment_update",
    "compromise_open",
    "defiance_update",
    "dialogue_signal",
    "diplomatic_track",
    "effective_pressure",
    "election_proximity",
    "election_weight",
    "engagement_lure",
    "engagement_stake",
    "engagement_target",
    "engagement_update",
    "failure_modes",
    "fatigue_update",
    "first_canceller",
    "grow_toward_one",
    "kt_value",
    "leader_engagement_base",
    "logistic",
    "mediation_level",
    "mode_engagement_level",
    "mode_switch_probability",
    "next_mode",
    "outburst_engagement_cost",
    "outbursts",
    "patron_commitment",
    "policy_shift",
    "posture_push",
    "posture_update",
    "prestige_fade",
    "programme_update",
    "proposal_probability",
    "prospect_advantage",
    "provocation_level",
    "provocation_probabilities",
    "reference_update",
    "relief_erosion",
    "response_probabilities",
    "revival_probability",
    "room_for_dialogue",
    "rowsum",
    "security_recovery",
    "standing_update",
    "target_accept_probability",
    "target_payoff",
    "tension_decay",
    "tie_update",
    "uniform_noise",
    "us_isolation",
    "vulnerability",
    "wants_to_cancel",
]

SQRT12 = math.sqrt(12.0)

#: Every rule is compiled (and cached on disk) by the core's one decorator.
rule = compiled


class SummitState(IntEnum):
    """The summit process: proposed -> scheduled -> held, or cancelled (maybe revived)."""

    NONE = 0
    PROPOSED = 1
    SCHEDULED = 2
    CANCELLED = 3
    HELD = 4


class Mode(IntEnum):
    """DPRK policy mode ([S20]): influence-seeking (2018) or autonomy-seeking (2019-20)."""

    INFLUENCE = 0
    AUTONOMY = 1


class Posture(IntEnum):
    """The leader's stance after a strategic test ([S20]'s three choices)."""

    NONE = 0
    COMPROMISE = 1
    SIDELINE = 2
    ESCALATE = 3


class ProvocationLevel(IntEnum):
    """The DPRK's weekly provocation rung ([S20]): none, conventional (SRBM/SLBM), strategic
    (ICBM or nuclear: the US 'red line')."""

    NONE = 0
    CONVENTIONAL = 1
    STRATEGIC = 2


# Codes as plain ints for compiled code (numba reads module globals as constants).
_PROPOSED, _SCHEDULED = 1, 2
_CONVENTIONAL, _STRATEGIC = 1, 2
_COMPROMISE, _SIDELINE, _ESCALATE = 1, 2, 3


@rule
def clip01(x: float) -> float:
    """x clipped to [0, 1] (NaN stays NaN, as with ``np.clip``)."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@rule
def rowsum(x: np.ndarray) -> float:
    """Sum of a row, strictly left to right (rounding independent of batching)."""
    acc = x[0]
    for j in range(1, x.shape[0]):
        acc += x[j]
    return acc


@rule
def logistic(x: float) -> float:
    """The logistic function; every weekly hazard in the model is a logit-linear index."""
    return 1.0 / (1.0 + math.exp(-x))


@rule
def uniform_noise(u: float, sd: float) -> float:
    """Zero-mean noise with standard deviation ``sd`` from a uniform number in [0, 1).

    A scaled uniform (not a Gaussian) keeps the draw a single cheap, exactly reproducible
    arithmetic step. [S18]: leaders 'prone to unexpected outbursts, statements, and policy
    shifts' - noise is scaled by volatility at the call site.
    """
    return (u - 0.5) * SQRT12 * sd


# --------------------------------------------------------------------------- coalition


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
    remembered tests (diminishing effect, not a ratchet)."""
    return 1.0 / (1.0 + habituation * memory)


@rule
def test_memory_update(memory: float, level: int, fade: float, conventional_weight: float) -> float:
    """M' = M (1 - fade) + [strategic] + w_conv [conventional]: the coalition's memory of
    recent tests, each weighted by the alarm it raises."""
    add = 0.0
    if level == _STRATEGIC:
        add = 1.0
    elif level == _CONVENTIONAL:
        add = conventional_weight
    return memory * (1.0 - fade) + add


@rule
def commitment_setpoint(
    c0: float,
    fatigue: float,
    economy: float,
    stability: float,
    tension: float,
    unilateral: float,
    target_engagement: float,
    relief: float,
    posture_push: float,
    fatigue_erosion: float,
    stability_pullback: float,
    unilateral_cost: float,
    engagement_pull: float,
    relief_leakage: float,
) -> float:
    """The commitment a coalition member relaxes toward this week: its own anchor ``c0``
    displaced by bounded forces, clipped to [0, 1]:

    c* = c0 + push - fatigue_erosion x F
            - stability x (pullback x tension + unilateral_cost x U + engagement_pull x e_DPRK)
            - relief_leakage x economy x relief

    Every term is bounded (F, tension, e_DPRK, relief in [0, 1]; U a fading memory), so the
    set-point stays in a band around the anchor whatever the horizon: the coalition loosens
    under fatigue ([S18] partners 'fed up with ... maximum pressure'), risk ([S18] ROK and
    China 'greatly prefer ... the negotiating table'), snubs ([S18] 'without consultation'),
    an engaging DPRK and relief (Early 2015: busting follows the signal that 'it's finally
    okay to engage'), and returns when these fade. ``push`` is the leader's posture
    (:func:`posture_push`); partners pass 0, and the leader passes 0 for U, e_DPRK and
    relief (they are partners' reasons). ``security`` is unused here (tests act through the
    kick of :func:`commitment_update`) and kept out of the set-point on purpose: alarm fades.
    """
    shift = (
        posture_push
        - fatigue_erosion * fatigue
        - stability
        * (
            stability_pullback * tension
            + unilateral_cost * unilateral
            + engagement_pull * target_engagement
        )
        - relief_leakage * economy * relief
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

    F' = F + g * P * w_econ * (1 - D) * (1 - F) - rho * F. [S18]: 'South Korea and China
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
    fatigue, risk, snubs, engagement and relief). A test kicks commitment up (UNSC
    resolutions 2270, 2321, 2371, 2375 and 2397 followed the 2016-17 tests, all 15-0), the
    more so for security-minded members, less for a coalition that remembers many tests
    (``habituation``, :func:`habituation_factor`), and the kick fades through the anchor: no
    ratchet. ``gap`` is :func:`alliance_gap`, which pulls both ways. Without shocks the
    update is a contraction toward the network's fixed point (docs/ODD.md, 3.4.1
    'Equilibrium'): 0 < dc'/dc = 1 - anchor - conformity*pull*W < 1.
    """
    response = 0.0
    if provocation == _STRATEGIC:
        response = p_strategic
    elif provocation == _CONVENTIONAL:
        response = p_conventional
    delta = (
        p_anchor * (setpoint - c)
        + conformity * p_pull * gap
        + response * security * (1.0 - c) * habituation
        + noise
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
def enforcement(commitment: float, threshold: float, softness: float) -> float:
    """How much of its commitment an actor actually enforces: c x logistic((c - thr) / s).

    Below its threshold a partner largely stops enforcing (defection), smoothly, not at a
    switch. Drezner (1999); Haggard and Noland (2017) on China's uneven enforcement."""
    return commitment * logistic((commitment - threshold) / softness)


@rule
def effective_pressure(
    commitment: np.ndarray, capacity: np.ndarray, threshold: float, softness: float
) -> float:
    """Capacity-weighted enforcement of the coalition (capacity is 0 for the target)."""
    acc = capacity[0] * enforcement(commitment[0], threshold, softness)
    for j in range(1, commitment.shape[0]):
        acc += capacity[j] * enforcement(commitment[j], threshold, softness)
    return acc


@rule
def leakage_relief(relief: float, pressure: float, pressure0: float, leakage: float) -> float:
    """As the campaign unwinds, busting trade restores the target's relief:
    relief + leakage x max(0, 1 - P / P0) x (1 - relief). Early (2015)."""
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
    commitment: np.ndarray, capacity: np.ndarray, leader: int, partners: np.ndarray
) -> float:
    """Graded distance between the leader's position and its partners':

    I = sum_j k_j max(0, c_L - c_j) / sum_j k_j over partners j, with k the enforcement
    capacity; 0 when every partner is at least as committed as the leader, near c_L when
    none applies pressure. [S18]: 'the US could find itself alone and sidelined'.
    """
    lead = commitment[leader]
    w = capacity[0] * partners[0]
    total = w
    gap = w * max(0.0, lead - commitment[0])
    for j in range(1, commitment.shape[0]):
        w = capacity[j] * partners[j]
        total += w
        gap += w * max(0.0, lead - commitment[j])
    return gap / total if total > 0 else 0.0


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

    D' = D + m * (|c_i - c_j| - D);  w' = w + s+ (w0 - w) - s- w max(0, D' - tol).
    ``distance`` is |c_i - c_j|, ``baseline`` w0 the tie's initial strength; returns
    (w', D'). Under a steady divergence D the tie settles at w0 s+ / (s+ + s- max(0, D - tol))
    > 0: a strained tie is weaker, not severed, and a snub's cost fades. [S18]: 'the
    coalition could fracture'.
    """
    div = divergence + memory * (distance - divergence)
    back = strengthen * (baseline - strength)
    down = strain * strength * max(0.0, div - tolerance)
    return clip01(strength + back - down), div


# --------------------------------------------------------------------------- clock


@rule
def election_proximity(weeks_to_election: float, horizon: float) -> float:
    """0 far from an election, rising linearly to 1 in its week; 0 when none is ahead.

    [S20] 'in the year of U.S. presidential elections' the leader avoids risk and the
    target sees leverage.
    """
    if weeks_to_election < 0:
        return 0.0
    return clip01(1.0 - weeks_to_election / horizon)


# --------------------------------------------------------------------------- prospect theory


@rule
def kt_value(x: float, alpha: float, beta: float, lam: float) -> float:
    """Kahneman-Tversky value function: x^a for gains, -lambda (-x)^b for losses.

    Tversky and Kahneman (1992). [S18]: 'Trump is operating from a domain of losses, and in
    that domain individuals ... are more likely to make risky decisions'.
    """
    if x >= 0:
        return abs(x) ** alpha
    return -lam * abs(x) ** beta


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
    e0 = math.exp(z0 - top)
    e1 = math.exp(z1 - top)
    e2 = math.exp(z2 - top)
    total = e0 + e1 + e2
    return e0 / total, e1 / total, e2 / total


# --------------------------------------------------------------------------- target (DPRK)


@rule
def mode_switch_probability(
    autonomy: bool,
    payoff: float,
    lure: float,
    snub: float,
    aspiration: float,
    to_autonomy0: float,
    disappointment_slope: float,
    snub_shock: float,
    to_influence0: float,
    lure_slope: float,
) -> float:
    """Weekly chance that the DPRK switches policy mode.

    Influence-seeking turns to autonomy when engagement disappoints (interest-weighted payoff
    below aspiration; a summit without relief adds a shock); autonomy turns to influence when
    engagement lures (what relief and prestige talks could bring). [S20]: the 2019 return to
    an 'autonomy-seeking' policy 'in the absence of prospects for easing of ... sanctions'.
    """
    if autonomy:
        return logistic(to_influence0 + lure_slope * lure)
    return logistic(to_autonomy0 + disappointment_slope * (aspiration - payoff) + snub_shock * snub)


@rule
def election_leverage(
    proximity: float, vulnerability: float, scale: float, leverage: float, restraint: float
) -> float:
    """The DPRK's pre-election strategic-test logit: leverage if Kim is vulnerable at home,
    restraint if he is secure, both growing as the election nears.

    prox x (leverage v - restraint (1 - v)), v = min(1, vulnerability / scale). [S20] 'North
    Korea's actions will depend on whether strategic or domestic political considerations
    prevail': restraint if the situation is 'relatively permissive and stable', a major
    provocation if Kim 'perceives his domestic position to be vulnerable'.
    """
    v = clip01(vulnerability / scale)
    return proximity * (leverage * v - restraint * (1.0 - v))


@rule
def provocation_probabilities(
    autonomy: bool,
    vulnerability: float,
    diplomacy: float,
    patron: float,
    conventional0: float,
    conventional_autonomy: float,
    strategic0: float,
    strategic_autonomy: float,
    vulnerability_slope: float,
    restraint: float,
    patron_restraint: float,
    election: float = 0.0,
    inward: float = 0.0,
    stake: float = 0.0,
    stake_restraint: float = 0.0,
    programme: float = 0.0,
    programme_slope: float = 0.0,
) -> tuple[float, float]:
    """Weekly chances of a conventional and of a strategic test.

    Both rise with autonomy mode and the leader's domestic vulnerability ([S20] 'major
    provocations could reinforce his power at home'); both fall with an active diplomatic
    track, with the patrons' pressure and with a pandemic that turns Pyongyang inward
    (``inward``, [S20]). A strategic test also carries the pre-election term
    (:func:`election_leverage`), falls with the stake engagement has delivered (relief,
    prestige: [S20] restraint while the situation is 'preferable to any expected
    retaliation') and rises with the momentum of the weapons programme.
    """
    shared = (
        vulnerability_slope * vulnerability
        - restraint * diplomacy
        - patron_restraint * patron
        - inward
    )
    aut = 1.0 if autonomy else 0.0
    p_conv = logistic(conventional0 + conventional_autonomy * aut + shared)
    p_strat = logistic(
        strategic0
        + strategic_autonomy * aut
        + programme_slope * programme
        + election
        + shared
        - stake_restraint * stake
    )
    return p_conv, p_strat


@rule
def programme_update(programme: float, autonomy: bool, growth: float, decay: float) -> float:
    """Weapons-programme momentum: builds while the DPRK seeks autonomy, fades while it
    seeks influence. P' = P + g (1 - P) if autonomy else P - d P.

    [S20] the December 2019 plenum 'promised to pursue military modernization' and
    'threatened to unveil a new strategic weapon'; 2017's ICBM tests followed two years of
    development, so strategic tests come as the programme matures, not at a flat rate.
    """
    if autonomy:
        return programme + growth * (1.0 - programme)
    return programme - decay * programme


@rule
def provocation_level(u: float, p_conv: float, p_strat: float) -> int:
    """The ladder from one uniform: 2 strategic (ICBM/nuclear, the US red line), 1 conventional
    (SRBM/SLBM), 0 none. At most one rung a week."""
    if u < p_strat:
        return _STRATEGIC
    if u < p_strat + (1.0 - p_strat) * p_conv:
        return _CONVENTIONAL
    return 0


# --------------------------------------------------------------------------- the week's context


@rule
def diplomatic_track(summit: int, since_summit: int, track_memory: float) -> bool:
    """A diplomatic track is active while a summit is proposed or scheduled and for
    ``track_memory`` weeks after one is held (working-level talks; [S18] 'talks ... have
    picked up again')."""
    return summit in (_PROPOSED, _SCHEDULED) or since_summit < track_memory


@rule
def room_for_dialogue(pandemic: bool, narrowing: float) -> float:
    """1 normally; 1 - narrowing while the pandemic lasts. [S20] the pandemic 'further narrowed
    the space for dialogue'."""
    return 1.0 - narrowing * pandemic


@rule
def patron_commitment(
    strength_to_target: np.ndarray, patrons: np.ndarray, commitment: np.ndarray
) -> float:
    """Tie-weighted commitment of the target's patrons (0 if it has none): how much of the
    pressure its treaty ally and partners actually apply (Haggard and Noland 2017, *Hard
    Target*: China's enforcement decides how much pressure reaches the DPRK)."""
    w = strength_to_target[0] * patrons[0]
    total = w
    weighted = w * commitment[0]
    for j in range(1, commitment.shape[0]):
        w = strength_to_target[j] * patrons[j]
        total += w
        weighted += w * commitment[j]
    return weighted / total if total > 0 else 0.0


@rule
def mediation_level(mediation: np.ndarray, engagement: np.ndarray) -> float:
    """Sum of mediators' effort x their engagement, capped at 1. [S18] 'the South Koreans,
    who've acted as a mediator between Washington and Pyongyang'."""
    acc = mediation[0] * engagement[0]
    for j in range(1, mediation.shape[0]):
        acc += mediation[j] * engagement[j]
    return clip01(acc)


@rule
def both_want_meeting(
    summit: int, leader_engagement: float, target_engagement: float, threshold: float
) -> bool:
    """Talks are on and both leaders' engagement is at least ``threshold``: [S18] the meeting is
    'something both Kim and Trump really want', so they avoid 'big missteps'."""
    talks_on = summit in (_PROPOSED, _SCHEDULED)
    return talks_on and leader_engagement >= threshold and target_engagement >= threshold


# --------------------------------------------------------------------------- every actor's week


@rule
def posture_push(posture: int, effect: float) -> float:
    """The leader's own commitment drift from its standing posture: +effect while escalating,
    -effect while compromising, 0 otherwise ([S20]'s three US choices)."""
    push = 0.0
    if posture == _ESCALATE:
        push = 1.0
    elif posture == _COMPROMISE:
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
def leader_engagement_base(
    base: float, posture: int, compromise_boost: float, sideline_drop: float
) -> float:
    """The leader's engagement set-point: its baseline, raised under a compromise posture and
    lowered while it sidelines the issue ([S20])."""
    return (base + compromise_boost * (posture == _COMPROMISE)) - sideline_drop * (
        posture == _SIDELINE
    )


@rule
def talks_engagement(base: float, talks_on: bool, boost: float) -> float:
    """While a summit is proposed or scheduled the leader's set-point rises: [S18] a meeting
    'something both Kim and Trump really want'."""
    return base + boost * talks_on


@rule
def policy_shift(
    u_shift: float, u_sign: float, rate: float, size: float, volatility: float
) -> tuple[bool, float]:
    """A sudden jump in engagement, up or down at even odds; chance rate x volatility.

    [S18] leaders 'prone to unexpected outbursts, statements, and policy shifts', careening
    'from name calling ... to the prospect of rapprochement'. Returns (shifted, step).
    """
    shifted = u_shift < rate * volatility
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
def outbursts(
    u: float, principal: bool, rate: float, volatility: float, both_want: bool
) -> tuple[bool, bool]:
    """The two leaders lash out with chance rate x volatility; at the counterpart unless both
    want the meeting, then at third parties. [S18] 'recent outbursts by North Korea have
    targeted Veep Mike Pence and NSA John Bolton, not Trump himself'. Returns (at the
    counterpart, at a third party)."""
    outburst = principal and u < rate * volatility
    at_counterpart = outburst and not both_want
    return at_counterpart, outburst and not at_counterpart


@rule
def dialogue_signal(u: float, engagement: float, room: float, at_counterpart: bool) -> bool:
    """An actor sends a dialogue signal with chance engagement x room, never in a week it
    lashes out at the counterpart. [S18] silence before the cancellation: 'zero of the usual
    requisite planning and coordination'."""
    return u < engagement * room and not at_counterpart


# --------------------------------------------------------------------------- the target's choices


@rule
def target_payoff(
    security_weight: float,
    economy_weight: float,
    prestige_weight: float,
    security: float,
    relief: float,
    prestige: float,
) -> float:
    """Interest-weighted value of what the DPRK holds: [S18] Kim's three interests, 'regime
    security, economic factors, and prestige'."""
    return security_weight * security + economy_weight * relief + prestige_weight * prestige


@rule
def engagement_lure(
    leader_engagement: float,
    economy_weight: float,
    prestige_weight: float,
    pressure: float,
    relief: float,
    mediation: float,
    room: float,
) -> float:
    """What engagement could bring the DPRK: an engaged US offers relief from the pressure
    still biting (less once busting has brought relief anyway: an unwound campaign lowers
    the need to negotiate) and prestige ([S18] 'a Bugs Bunny-sized carrot'); mediators add
    to it; the pandemic narrows it ([S20])."""
    offer = economy_weight * pressure * (1.0 - relief) + prestige_weight
    return (leader_engagement * offer + mediation) * room


@rule
def heeded_mediation(mediation: float, autonomy: bool, shunning: float) -> float:
    """Mediation the DPRK listens to: it shuns a share of it while seeking autonomy ([S20]
    Kim 'essentially refused' to return to talks)."""
    return mediation * (1.0 - shunning * autonomy)


@rule
def next_mode(u: float, p_switch: float, mode: int) -> int:
    """The policy mode after this week's switch draw."""
    return 1 - mode if u < p_switch else mode


@rule
def vulnerability(reference: float, standing: float) -> float:
    """A leader's shortfall of standing below its reference point ([S20] 'if Kim Jong-un
    perceives his domestic position to be vulnerable')."""
    return max(0.0, reference - standing)


@rule
def engagement_stake(
    economy_weight: float, relief: float, prestige_weight: float, prestige: float
) -> float:
    """What engagement has delivered that a strategic test would put at risk ([S20] restraint
    while the situation is 'preferable to any expected retaliation')."""
    return economy_weight * relief + prestige_weight * prestige


@rule
def target_accept_probability(
    autonomy: bool, logit0: float, influence_bonus: float, room: float
) -> float:
    """Weekly chance the DPRK accepts a pending proposal: low in autonomy mode ([S20] Kim
    'essentially refused' Biegun's invitation), high in influence mode (2018)."""
    return logistic(logit0 + influence_bonus * (not autonomy)) * room


@rule
def wants_to_cancel(
    scheduled: bool,
    counterpart_silence: int,
    insecurity_weeks: float,
    u: float,
    fear_of_snub: float,
    tension_hazard: float = 0.0,
) -> bool:
    """Insecurity dilemma ([S18]): with a summit scheduled and the counterpart silent for
    ``insecurity_weeks``, an actor that fears being stood up cancels first. A leader may
    also call the meeting off in rising hostility (``tension_hazard``: [S18] 'barring a
    severe uptick in tensions and hostilities'); the two hazards combine."""
    fear = fear_of_snub if counterpart_silence >= insecurity_weeks else 0.0
    hazard = 1.0 - (1.0 - fear) * (1.0 - tension_hazard)
    return scheduled and u < hazard


# --------------------------------------------------------------------------- the leader's choices


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
        return _COMPROMISE
    if u < p_compromise + p_sideline:
        return _SIDELINE
    return _ESCALATE


# --------------------------------------------------------------------------- the world's week


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


@rule
def outburst_engagement_cost(engagement: float, hit_by_counterpart: bool, hit: float) -> float:
    """An outburst at the counterpart costs its engagement ([S18] 'big missteps that could
    sabotage talks')."""
    return clip01(engagement - hit * hit_by_counterpart)


@rule
def proposal_probability(
    logit0: float,
    mediation_slope: float,
    mediation: float,
    engagement_slope: float,
    mean_engagement: float,
    room: float,
) -> float:
    """Weekly chance of a summit proposal: mediation ([S18] ROK envoys) and the two leaders'
    engagement raise it; the pandemic narrows it ([S20])."""
    return (
        logistic(logit0 + mediation_slope * mediation + engagement_slope * mean_engagement) * room
    )


@rule
def agreement_probability(
    logit0: float,
    engagement_slope: float,
    mean_engagement: float,
    compromise_bonus: float,
    compromising: bool,
) -> float:
    """Chance a held summit yields an agreement: engaged leaders (Singapore 2018) and a
    compromise posture ([S20] 'compromising below the maximum goal') raise it."""
    return logistic(logit0 + engagement_slope * mean_engagement + compromise_bonus * compromising)


@rule
def revival_probability(
    logit0: float,
    slope: float,
    mean_engagement: float,
    room: float,
    hedged: bool,
    closed_penalty: float,
) -> float:
    """Weekly chance a cancelled summit is revived ([S18] 'talks ... have picked up again'),
    narrowed by the pandemic; a cancellation that closed the door is revived far more rarely
    (``closed_penalty`` logits less), a hedged one readily ([S18] the letter 'soft pedaled
    the cancellation')."""
    return logistic(logit0 + slope * mean_engagement - closed_penalty * (not hedged)) * room


@rule
def hedging_chance(hedging: float, tension: float) -> float:
    """Chance a cancellation leaves the door open: the actor's hedging, less in hostile
    times (x (1 - tension)). [S18] the letter was soft because relations were warm ('beautiful
    gesture'); a cancellation amid 'a severe uptick in tensions and hostilities' is not."""
    return hedging * (1.0 - tension)


@rule
def first_canceller(
    leader_cancels: bool, target_cancels: bool, leader_fear: float, target_fear: float
) -> bool:
    """True where the leader is the one who cancels: it alone wants to, or both do and it
    fears the snub at least as much ([S18]: Trump 'pre-emptively scuppered' the meeting)."""
    return leader_cancels and (not target_cancels or leader_fear >= target_fear)


@rule
def grow_toward_one(level: float, rate: float, happened: bool) -> float:
    """level + rate (1 - level) where ``happened``: a gain with diminishing headroom (prestige,
    relief and security from a held summit or agreement, [S18])."""
    return clip01(level + rate * (1.0 - level) * happened)


@rule
def relief_erosion(relief: float, decay: float, pressure: float) -> float:
    """Enforcement claws back economic relief in proportion to effective pressure."""
    return relief * (1.0 - decay * pressure)


@rule
def prestige_fade(prestige: float, decay: float) -> float:
    """Summit prestige fades unless renewed."""
    return prestige * (1.0 - decay)


@rule
def security_recovery(security: float, rate: float, baseline: float) -> float:
    """Perceived regime security returns toward its baseline once threats stop."""
    return clip01(security + rate * (baseline - security))


@rule
def tension_decay(tension: float, decay: float) -> float:
    """Military tension fades without new shocks."""
    return tension * (1.0 - decay)


@rule
def failure_modes(
    cohesion_now: float,
    pressure_now: float,
    isolation_now: float,
    pressure0: float,
    fracture_cohesion: float,
    unwind_ratio: float,
    isolation_threshold: float,
) -> tuple[bool, bool, bool]:
    """[S18]'s three risks: 'the coalition could fracture, the pressure campaign could unwind,
    and the US could find itself alone and sidelined'. Returns (fractured, unwound,
    isolated) as currently true."""
    return (
        cohesion_now < fracture_cohesion,
        pressure_now < unwind_ratio * pressure0,
        isolation_now >= isolation_threshold,
    )
