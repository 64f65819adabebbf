"""The model's decision rules: small pure functions on numpy arrays.

Every function takes arrays whose leading axis is the replicate, so one call serves a single
Mesa agent (R = 1, one actor column) and the ensemble engine (R replicates, every actor) alike.
Randomness never happens here: uniform numbers are passed in from :mod:`coalition_sim.core.streams`.

Two habits keep results bit-identical whatever the array shapes: sums over the actor axis are
written as explicit left-to-right loops (:func:`rowsum`), never ``np.sum`` or ``@``, whose
summation order depends on the memory layout; and arrays are contiguous before a transcendental
function sees them (fancy indexing in the callers guarantees that).

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

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
    "commitment_update",
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

SQRT12 = np.sqrt(12.0)


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


def rowsum(x: np.ndarray) -> np.ndarray:
    """Sum over the last axis, strictly left to right (layout-independent rounding)."""
    acc = x[..., 0].copy()
    for j in range(1, x.shape[-1]):
        acc += x[..., j]
    return acc


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function; every weekly hazard in the model is a logit-linear index."""
    return 1.0 / (1.0 + np.exp(-np.ascontiguousarray(x)))


def uniform_noise(u: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Zero-mean noise with standard deviation ``sd`` from a uniform number in [0, 1).

    A scaled uniform (not a Gaussian) keeps the draw a single cheap, exactly reproducible
    arithmetic step. [S18]: leaders 'prone to unexpected outbursts, statements, and policy
    shifts' - noise is scaled by volatility at the call site.
    """
    return (u - 0.5) * SQRT12 * sd


# --------------------------------------------------------------------------- coalition


def alliance_gap(
    commitment: np.ndarray, strength: np.ndarray, pull: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Tie-weighted pull of each actor's partners on its commitment, shape (R, k).

    gap_i = sum_j w_ij (c_j - c_i) / max(1, sum_j w_ij) with w = strength x type pull, so a
    weak tie pulls less than a strong one (the total pull is normalised only once the ties
    add up to more than one). ``strength`` and ``pull`` are (R, k, A) rows of the tie matrix
    for the actors in ``cols``. [S18] 'can the US maintain its North Korea coalition?':
    alignment runs through ties, stronger for treaty allies than for rivals.
    """
    w = strength * pull
    total = rowsum(w)
    weighted = rowsum(w * commitment[:, None, :])
    own = commitment[:, cols]
    return (weighted - total * own) / np.maximum(total, 1.0)


def bounded_pull(gap: np.ndarray, c: np.ndarray, c0: np.ndarray, ceiling: np.ndarray):
    """Upward pull fades as a partner rises above its own preference: it is scaled by
    clip(1 - (c - c0) / ceiling, 0, 1); downward pull is unchanged. [S18] South Korea and
    China 'greatly prefer' the negotiating table: allies follow the US only so far."""
    headroom = np.clip(1.0 - (c - c0) / ceiling, 0.0, 1.0)
    return np.where(gap > 0, gap * headroom, gap)


def habituation_factor(memory: np.ndarray, habituation: np.ndarray) -> np.ndarray:
    """1 / (1 + h M): the share of its first-time response a test still draws after M
    remembered tests (diminishing effect, not a ratchet)."""
    return 1.0 / (1.0 + habituation * memory)


def test_memory_update(
    memory: np.ndarray,
    level: np.ndarray,
    *,
    fade: np.ndarray,
    conventional_weight: np.ndarray,
) -> np.ndarray:
    """M' = M (1 - fade) + [strategic] + w_conv [conventional]: the coalition's memory of
    recent tests, each weighted by the alarm it raises."""
    add = np.where(
        level == ProvocationLevel.STRATEGIC,
        1.0,
        np.where(level == ProvocationLevel.CONVENTIONAL, conventional_weight, 0.0),
    )
    return memory * (1.0 - fade) + add


def partner_drag(
    *,
    commitment: np.ndarray,
    economy: np.ndarray,
    stability: np.ndarray,
    trade: np.ndarray,
    unilateral: np.ndarray,
    target_engagement: np.ndarray,
    relief: np.ndarray,
    economic_cost: np.ndarray,
    unilateral_cost: np.ndarray,
    engagement_pull: np.ndarray,
    relief_leakage: np.ndarray,
) -> np.ndarray:
    """Weekly commitment a coalition partner sheds for reasons of its own, >= 0:

    economic_cost x economy x trade x c          (Drezner 1999: enforcement costs trade)
    + unilateral_cost x stability x U            ([S18] decisions 'without consultation')
    + engagement_pull x stability x e_DPRK       ([S18] partners prefer the negotiating table)
    + relief_leakage x economy x relief          (Early 2015: busting follows relief)
    """
    return (
        economic_cost * economy * trade * commitment
        + unilateral_cost * stability * unilateral
        + engagement_pull * stability * target_engagement
        + relief_leakage * economy * relief
    )


def fatigue_update(
    fatigue: np.ndarray,
    *,
    pressure: np.ndarray,
    economy: np.ndarray,
    diplomacy: np.ndarray,
    growth: np.ndarray,
    recovery: np.ndarray,
) -> np.ndarray:
    """Sanctions fatigue grows under pressure without talks and fades while talks run.

    F' = F + g * P * w_econ * (1 - D) * (1 - F) - rho * D * F. [S18]: 'South Korea and China
    are getting fed up with Trump's campaign of maximum pressure, and greatly prefer ... the
    negotiating table'. ``diplomacy`` (D) is 1 while a diplomatic track is active.
    """
    d = diplomacy.astype(np.float64)
    grown = fatigue + growth * pressure * economy * (1.0 - d) * (1.0 - fatigue)
    return np.clip(grown - recovery * d * fatigue, 0.0, 1.0)


def commitment_update(
    c: np.ndarray,
    *,
    c0: np.ndarray,
    gap: np.ndarray,
    conformity: np.ndarray,
    fatigue: np.ndarray,
    security: np.ndarray,
    stability: np.ndarray,
    provocation: np.ndarray,
    destabilisation: np.ndarray,
    posture_push: np.ndarray,
    noise: np.ndarray,
    p_pull: np.ndarray,
    p_anchor: np.ndarray,
    p_conventional: np.ndarray,
    p_strategic: np.ndarray,
    p_erosion: np.ndarray,
    p_pullback: np.ndarray,
    habituation: np.ndarray | float = 1.0,
    drag: np.ndarray | float = 0.0,
) -> np.ndarray:
    """One week of a coalition member's pressure commitment, clipped to [0, 1].

    c' = c + conformity*pull*gap + anchor*(c0 - c) + response*security*(1 - c)*habituation
         - erosion*F - drag - pullback*stability*destab + posture + noise

    A test draws a response (UNSC resolutions followed the 2016-17 tests) that shrinks with
    the tests the coalition remembers (``habituation``, :func:`habituation_factor`) and fades
    through the anchor: no ratchet. Fatigue erodes ([S18] partners 'fed up'); ``drag`` is
    what a partner sheds for its own reasons (:func:`partner_drag`); stability-minded actors
    pull back when pressure looks unilateral or destabilising ([S18] China and ROK).
    """
    response = np.where(
        provocation == ProvocationLevel.STRATEGIC,
        p_strategic,
        np.where(provocation == ProvocationLevel.CONVENTIONAL, p_conventional, 0),
    )
    delta = (
        conformity * p_pull * gap
        + p_anchor * (c0 - c)
        + response * security * (1.0 - c) * habituation
        - p_erosion * fatigue
        - drag
        - p_pullback * stability * destabilisation
        + posture_push
        + noise
    )
    return np.clip(c + delta, 0.0, 1.0)


def engagement_target(
    base: np.ndarray, fatigue: np.ndarray, fatigue_effect: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """Engagement an actor drifts toward: baseline plus fatigue's push to talk, times room.

    [S18] fatigued partners 'prefer the ... relationship to play out at the negotiating
    table'; [S20] the pandemic 'further narrowed the space for dialogue' (``room`` < 1).
    """
    return np.clip(base + fatigue_effect * fatigue, 0.0, 1.0) * room


def enforcement_capacity(
    capability: np.ndarray, trade: np.ndarray, coalition: np.ndarray, trade_weight: np.ndarray
) -> np.ndarray:
    """Each coalition actor's share of the power to squeeze the target, (R, A), summing to 1:
    (1 - tw) x its capability share + tw x its share of the target's trade (capability only
    when no coalition actor trades with the target). Haggard and Noland (2017): China
    carries most of North Korea's trade, so its enforcement decides most of the pressure."""
    cap = capability * coalition
    cap_share = cap / rowsum(cap)[:, None]
    tr = trade * coalition
    total = rowsum(tr)[:, None]
    tr_share = np.where(total > 0, tr / np.where(total > 0, total, 1.0), cap_share)
    tw = trade_weight[:, None]
    return (1.0 - tw) * cap_share + tw * tr_share


def enforcement(commitment: np.ndarray, threshold: np.ndarray, softness: np.ndarray) -> np.ndarray:
    """How much of its commitment an actor actually enforces: c x logistic((c - thr) / s).

    Below its threshold a partner largely stops enforcing (defection), smoothly, not at a
    switch. Drezner (1999); Haggard and Noland (2017) on China's uneven enforcement."""
    return commitment * logistic((commitment - threshold) / softness)


def effective_pressure(enforced: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Capacity-weighted enforcement of the coalition (capacity is 0 for the target)."""
    return rowsum(capacity * enforced)


def leakage_relief(
    relief: np.ndarray, pressure: np.ndarray, pressure0: np.ndarray, leakage: np.ndarray
) -> np.ndarray:
    """As the campaign unwinds, busting trade restores the target's relief:
    relief + leakage x max(0, 1 - P / P0) x (1 - relief). Early (2015)."""
    unwinding = np.where(
        pressure0 > 0, 1.0 - pressure / np.where(pressure0 > 0, pressure0, 1.0), 0.0
    )
    return np.clip(relief + leakage * np.maximum(0.0, unwinding) * (1.0 - relief), 0.0, 1.0)


def cohesion(commitment: np.ndarray, strength: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Mean over coalition ties of strength x (1 - commitment divergence), in [0, 1].

    [S18] 'the coalition could fracture': cohesion falls when ties weaken or members' levels
    of enforcement drift apart.
    """
    if len(pairs) == 0:  # no coalition ties: nothing that could fracture
        return np.ones(commitment.shape[0])
    acc = np.zeros(commitment.shape[0])
    for i, j in pairs:
        acc += strength[:, i, j] * (1.0 - np.abs(commitment[:, i] - commitment[:, j]))
    return acc / len(pairs)


def us_isolation(
    commitment: np.ndarray, capacity: np.ndarray, leader: int, partners: np.ndarray
) -> np.ndarray:
    """Graded distance between the leader's position and its partners':

    I = sum_j k_j max(0, c_L - c_j) / sum_j k_j over partners j, with k the enforcement
    capacity; 0 when every partner is at least as committed as the leader, near c_L when
    none applies pressure. [S18]: 'the US could find itself alone and sidelined'.
    """
    lead = commitment[:, leader]
    w = capacity * partners
    total = rowsum(w)
    gap = rowsum(w * np.maximum(0.0, lead[:, None] - commitment))
    return np.where(total > 0, gap / np.where(total > 0, total, 1.0), 0.0)


def tie_update(
    strength: np.ndarray,
    divergence: np.ndarray,
    commitment: np.ndarray,
    *,
    mask: np.ndarray,
    memory: np.ndarray,
    tolerance: np.ndarray,
    strengthen: np.ndarray,
    strain: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sustained divergence strains a tie; coordination strengthens it.

    D' = D + m * (|c_i - c_j| - D);  w' = w + s+ (1 - w) max(0, tol - D') - s- w max(0, D' - tol).
    Only ``mask`` entries (coalition ties) move. [S18]: 'the coalition could fracture'.
    """
    d = np.abs(commitment[:, :, None] - commitment[:, None, :])
    m = memory[:, None, None]
    tol = tolerance[:, None, None]
    div = np.where(mask, divergence + m * (d - divergence), divergence)
    up = strengthen[:, None, None] * (1.0 - strength) * np.maximum(0.0, tol - div)
    down = strain[:, None, None] * strength * np.maximum(0.0, div - tol)
    new = np.where(mask, np.clip(strength + up - down, 0.0, 1.0), strength)
    return new, div


# --------------------------------------------------------------------------- clock


def election_proximity(weeks_to_election: np.ndarray, horizon: np.ndarray) -> np.ndarray:
    """0 far from an election, rising linearly to 1 in its week; 0 when none is ahead.

    [S20] 'in the year of U.S. presidential elections' the leader avoids risk and the
    target sees leverage.
    """
    prox = 1.0 - weeks_to_election / horizon
    return np.where(weeks_to_election >= 0, np.clip(prox, 0.0, 1.0), 0.0)


# --------------------------------------------------------------------------- prospect theory


def kt_value(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Kahneman-Tversky value function: x^a for gains, -lambda (-x)^b for losses.

    Tversky and Kahneman (1992). [S18]: 'Trump is operating from a domain of losses, and in
    that domain individuals ... are more likely to make risky decisions'.
    """
    ax = np.ascontiguousarray(np.abs(x))
    gain = np.power(ax, alpha)
    loss = -lam * np.power(ax, beta)
    return np.where(x >= 0, gain, loss)


def prospect_advantage(
    x: np.ndarray,
    upside: np.ndarray,
    downside: np.ndarray,
    success: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    lam: np.ndarray,
    sure_loss: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Value of a two-outcome gamble over a sure option, seen from standing gap ``x``.

    V = p v(x + up) + (1 - p) v(x - down) - v(x - sure_loss). Convexity in losses makes the
    gamble look better in the domain of losses than in gains (the summit gamble of [S18]).
    """
    gamble = success * kt_value(x + upside, alpha, beta, lam) + (1.0 - success) * kt_value(
        x - downside, alpha, beta, lam
    )
    return gamble - kt_value(x - sure_loss, alpha, beta, lam)


def response_probabilities(
    values: np.ndarray, sensitivity: np.ndarray, offsets: np.ndarray | float = 0.0
) -> np.ndarray:
    """Multinomial-logit choice probabilities over options on the last axis.

    [S20] after a strategic test Washington chooses among 'compromising below the maximum goal
    of full denuclearization', sidelining the issue, or escalating militarily. ``offsets``
    are added logits per option (a pandemic turning Washington inward lowers escalation).
    """
    z = sensitivity[:, None] * values + offsets
    z = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(np.ascontiguousarray(z))
    return e / rowsum(e)[:, None]


# --------------------------------------------------------------------------- target (DPRK)


def mode_switch_probability(
    autonomy: np.ndarray,
    *,
    payoff: np.ndarray,
    lure: np.ndarray,
    snub: np.ndarray,
    aspiration: np.ndarray,
    to_autonomy0: np.ndarray,
    disappointment_slope: np.ndarray,
    snub_shock: np.ndarray,
    to_influence0: np.ndarray,
    lure_slope: np.ndarray,
) -> np.ndarray:
    """Weekly chance that the DPRK switches policy mode.

    Influence-seeking turns to autonomy when engagement disappoints (interest-weighted payoff
    below aspiration; a summit without relief adds a shock); autonomy turns to influence when
    engagement lures (what relief and prestige talks could bring). [S20]: the 2019 return to
    an 'autonomy-seeking' policy 'in the absence of prospects for easing of ... sanctions'.
    """
    leave_influence = logistic(
        to_autonomy0 + disappointment_slope * (aspiration - payoff) + snub_shock * snub
    )
    leave_autonomy = logistic(to_influence0 + lure_slope * lure)
    return np.where(autonomy, leave_autonomy, leave_influence)


def election_leverage(
    proximity: np.ndarray,
    vulnerability: np.ndarray,
    *,
    scale: np.ndarray,
    leverage: np.ndarray,
    restraint: np.ndarray,
) -> np.ndarray:
    """The DPRK's pre-election strategic-test logit: leverage if Kim is vulnerable at home,
    restraint if he is secure, both growing as the election nears.

    prox x (leverage v - restraint (1 - v)), v = min(1, vulnerability / scale). [S20] 'North
    Korea's actions will depend on whether strategic or domestic political considerations
    prevail': restraint if the situation is 'relatively permissive and stable', a major
    provocation if Kim 'perceives his domestic position to be vulnerable'.
    """
    v = np.clip(vulnerability / scale, 0.0, 1.0)
    return proximity * (leverage * v - restraint * (1.0 - v))


def provocation_probabilities(
    autonomy: np.ndarray,
    *,
    vulnerability: np.ndarray,
    diplomacy: np.ndarray,
    patron: np.ndarray,
    conventional0: np.ndarray,
    conventional_autonomy: np.ndarray,
    strategic0: np.ndarray,
    strategic_autonomy: np.ndarray,
    vulnerability_slope: np.ndarray,
    restraint: np.ndarray,
    patron_restraint: np.ndarray,
    election: np.ndarray | float = 0.0,
    inward: np.ndarray | float = 0.0,
    stake: np.ndarray | float = 0.0,
    stake_restraint: np.ndarray | float = 0.0,
    programme: np.ndarray | float = 0.0,
    programme_slope: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
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
    aut = autonomy.astype(np.float64)
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


def programme_update(
    programme: np.ndarray, autonomy: np.ndarray, growth: np.ndarray, decay: np.ndarray
) -> np.ndarray:
    """Weapons-programme momentum: builds while the DPRK seeks autonomy, fades while it
    seeks influence. P' = P + g (1 - P) if autonomy else P - d P.

    [S20] the December 2019 plenum 'promised to pursue military modernization' and
    'threatened to unveil a new strategic weapon'; 2017's ICBM tests followed two years of
    development, so strategic tests come as the programme matures, not at a flat rate.
    """
    return np.where(autonomy, programme + growth * (1.0 - programme), programme - decay * programme)


def provocation_level(u: np.ndarray, p_conv: np.ndarray, p_strat: np.ndarray) -> np.ndarray:
    """The ladder from one uniform: 2 strategic (ICBM/nuclear, the US red line), 1 conventional
    (SRBM/SLBM), 0 none. At most one rung a week."""
    conv_edge = p_strat + (1.0 - p_strat) * p_conv
    level = np.where(
        u < p_strat,
        ProvocationLevel.STRATEGIC,
        np.where(u < conv_edge, ProvocationLevel.CONVENTIONAL, ProvocationLevel.NONE),
    )
    return level.astype(np.int8)


# --------------------------------------------------------------------------- the week's context


def diplomatic_track(
    summit: np.ndarray, since_summit: np.ndarray, track_memory: np.ndarray
) -> np.ndarray:
    """A diplomatic track is active while a summit is proposed or scheduled and for
    ``track_memory`` weeks after one is held (working-level talks; [S18] 'talks ... have
    picked up again')."""
    return (
        (summit == SummitState.PROPOSED)
        | (summit == SummitState.SCHEDULED)
        | (since_summit < track_memory)
    )


def room_for_dialogue(pandemic: np.ndarray | bool, narrowing: np.ndarray) -> np.ndarray:
    """1 normally; 1 - narrowing while the pandemic lasts. [S20] the pandemic 'further narrowed
    the space for dialogue'."""
    return 1.0 - narrowing * pandemic


def patron_commitment(
    strength_to_target: np.ndarray, patrons: np.ndarray, commitment: np.ndarray
) -> np.ndarray:
    """Tie-weighted commitment of the target's patrons (0 if it has none): how much of the
    pressure its treaty ally and partners actually apply (Haggard and Noland 2017, *Hard
    Target*: China's enforcement decides how much pressure reaches the DPRK)."""
    w = strength_to_target * patrons
    total = rowsum(w)
    return np.where(total > 0, rowsum(w * commitment) / np.where(total > 0, total, 1.0), 0.0)


def mediation_level(mediation: np.ndarray, engagement: np.ndarray) -> np.ndarray:
    """Sum of mediators' effort x their engagement, capped at 1. [S18] 'the South Koreans,
    who've acted as a mediator between Washington and Pyongyang'."""
    return np.clip(rowsum(mediation * engagement), 0.0, 1.0)


def both_want_meeting(
    summit: np.ndarray,
    leader_engagement: np.ndarray,
    target_engagement: np.ndarray,
    threshold: np.ndarray,
) -> np.ndarray:
    """Talks are on and both leaders' engagement is at least ``threshold``: [S18] the meeting is
    'something both Kim and Trump really want', so they avoid 'big missteps'."""
    talks_on = (summit == SummitState.PROPOSED) | (summit == SummitState.SCHEDULED)
    return talks_on & (leader_engagement >= threshold) & (target_engagement >= threshold)


# --------------------------------------------------------------------------- every actor's week


def posture_push(posture: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """The leader's own commitment drift from its standing posture: +effect while escalating,
    -effect while compromising, 0 otherwise ([S20]'s three US choices)."""
    push = np.where(
        posture == Posture.ESCALATE, 1.0, np.where(posture == Posture.COMPROMISE, -1.0, 0.0)
    )
    return push * effect


def mode_engagement_level(
    influence: np.ndarray, influence_level: np.ndarray, autonomy_level: np.ndarray
) -> np.ndarray:
    """The DPRK's engagement set-point in each policy mode ([S20]: the 'influence-seeking'
    policy of 2018 against the 'autonomy-seeking' policy of 2019-20)."""
    return np.where(influence, influence_level, autonomy_level)


def defiance_update(
    defiance: np.ndarray, *, mode_level: np.ndarray, adjust_rate: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """The target's defiance drifts toward 1 - (its mode's engagement level), plus noise.

    [S20] in autonomy mode Pyongyang 'repeatedly reaffirm[ed] the necessity ... to further
    develop its defense capabilities'; in influence mode it courted talks.
    """
    return np.clip(defiance + adjust_rate * ((1.0 - mode_level) - defiance) + noise, 0.0, 1.0)


def leader_engagement_base(
    base: np.ndarray, posture: np.ndarray, compromise_boost: np.ndarray, sideline_drop: np.ndarray
) -> np.ndarray:
    """The leader's engagement set-point: its baseline, raised under a compromise posture and
    lowered while it sidelines the issue ([S20])."""
    return (base + compromise_boost * (posture == Posture.COMPROMISE)) - sideline_drop * (
        posture == Posture.SIDELINE
    )


def talks_engagement(base: np.ndarray, talks_on: np.ndarray, boost: np.ndarray) -> np.ndarray:
    """While a summit is proposed or scheduled the leader's set-point rises: [S18] a meeting
    'something both Kim and Trump really want'."""
    return base + boost * talks_on


def policy_shift(
    u_shift: np.ndarray,
    u_sign: np.ndarray,
    *,
    rate: np.ndarray,
    size: np.ndarray,
    volatility: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A sudden jump in engagement, up or down at even odds; chance rate x volatility.

    [S18] leaders 'prone to unexpected outbursts, statements, and policy shifts', careening
    'from name calling ... to the prospect of rapprochement'. Returns (shifted, step).
    """
    shifted = u_shift < rate * volatility
    step = np.where(u_sign < 0.5, -1.0, 1.0) * size * shifted
    return shifted, step


def engagement_update(
    engagement: np.ndarray,
    *,
    target: np.ndarray,
    adjust_rate: np.ndarray,
    noise: np.ndarray,
    shift_step: np.ndarray,
) -> np.ndarray:
    """Engagement closes a share of the gap to its set-point each week, plus noise and any
    policy shift; diplomatic postures move over weeks ([S18] 'in the week or two')."""
    return np.clip(engagement + adjust_rate * (target - engagement) + noise + shift_step, 0.0, 1.0)


def standing_update(
    standing: np.ndarray,
    *,
    baseline: np.ndarray,
    anchor_rate: np.ndarray,
    sanctions_cost: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """Domestic standing relaxes toward its baseline, minus the bite of sanctions (target
    only: [S20] 'the absence of prospects for easing of the tough ... sanctions regime'),
    plus noise."""
    return np.clip(
        standing + anchor_rate * (baseline - standing) - sanctions_cost + noise, 0.0, 1.0
    )


def reference_update(reference: np.ndarray, standing: np.ndarray, adapt: np.ndarray) -> np.ndarray:
    """The prospect-theory reference point adapts slowly to standing (Kahneman and Tversky
    1979); standing below it is the [S18] 'domain of losses'."""
    return reference + adapt * (standing - reference)


def outbursts(
    u: np.ndarray,
    *,
    principal: np.ndarray,
    rate: np.ndarray,
    volatility: np.ndarray,
    both_want: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The two leaders lash out with chance rate x volatility; at the counterpart unless both
    want the meeting, then at third parties. [S18] 'recent outbursts by North Korea have
    targeted Veep Mike Pence and NSA John Bolton, not Trump himself'. Returns (at the
    counterpart, at a third party)."""
    outburst = principal & (u < rate * volatility)
    at_counterpart = outburst & ~both_want
    return at_counterpart, outburst & ~at_counterpart


def dialogue_signal(
    u: np.ndarray, engagement: np.ndarray, room: np.ndarray, at_counterpart: np.ndarray
) -> np.ndarray:
    """An actor sends a dialogue signal with chance engagement x room, never in a week it
    lashes out at the counterpart. [S18] silence before the cancellation: 'zero of the usual
    requisite planning and coordination'."""
    return (u < engagement * room) & ~at_counterpart


# --------------------------------------------------------------------------- the target's choices


def target_payoff(
    security_weight: np.ndarray,
    economy_weight: np.ndarray,
    prestige_weight: np.ndarray,
    security: np.ndarray,
    relief: np.ndarray,
    prestige: np.ndarray,
) -> np.ndarray:
    """Interest-weighted value of what the DPRK holds: [S18] Kim's three interests, 'regime
    security, economic factors, and prestige'."""
    return security_weight * security + economy_weight * relief + prestige_weight * prestige


def engagement_lure(
    leader_engagement: np.ndarray,
    economy_weight: np.ndarray,
    prestige_weight: np.ndarray,
    pressure: np.ndarray,
    relief: np.ndarray,
    mediation: np.ndarray,
    room: np.ndarray,
) -> np.ndarray:
    """What engagement could bring the DPRK: an engaged US offers relief from the pressure
    still biting (less once busting has brought relief anyway: an unwound campaign lowers
    the need to negotiate) and prestige ([S18] 'a Bugs Bunny-sized carrot'); mediators add
    to it; the pandemic narrows it ([S20])."""
    offer = economy_weight * pressure * (1.0 - relief) + prestige_weight
    return (leader_engagement * offer + mediation) * room


def heeded_mediation(
    mediation: np.ndarray, autonomy: np.ndarray, shunning: np.ndarray
) -> np.ndarray:
    """Mediation the DPRK listens to: it shuns a share of it while seeking autonomy ([S20]
    Kim 'essentially refused' to return to talks)."""
    return mediation * (1.0 - shunning * autonomy)


def next_mode(u: np.ndarray, p_switch: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """The policy mode after this week's switch draw."""
    return np.where(u < p_switch, 1 - mode, mode).astype(np.int8)


def vulnerability(reference: np.ndarray, standing: np.ndarray) -> np.ndarray:
    """A leader's shortfall of standing below its reference point ([S20] 'if Kim Jong-un
    perceives his domestic position to be vulnerable')."""
    return np.maximum(0.0, reference - standing)


def engagement_stake(
    economy_weight: np.ndarray,
    relief: np.ndarray,
    prestige_weight: np.ndarray,
    prestige: np.ndarray,
) -> np.ndarray:
    """What engagement has delivered that a strategic test would put at risk ([S20] restraint
    while the situation is 'preferable to any expected retaliation')."""
    return economy_weight * relief + prestige_weight * prestige


def target_accept_probability(
    autonomy: np.ndarray, logit0: np.ndarray, influence_bonus: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """Weekly chance the DPRK accepts a pending proposal: low in autonomy mode ([S20] Kim
    'essentially refused' Biegun's invitation), high in influence mode (2018)."""
    return logistic(logit0 + influence_bonus * (~autonomy)) * room


def wants_to_cancel(
    scheduled: np.ndarray,
    counterpart_silence: np.ndarray,
    insecurity_weeks: np.ndarray,
    u: np.ndarray,
    fear_of_snub: np.ndarray,
    tension_hazard: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Insecurity dilemma ([S18]): with a summit scheduled and the counterpart silent for
    ``insecurity_weeks``, an actor that fears being stood up cancels first. A leader may
    also call the meeting off in rising hostility (``tension_hazard``: [S18] 'barring a
    severe uptick in tensions and hostilities'); the two hazards combine."""
    quiet = counterpart_silence >= insecurity_weeks
    fear = np.where(quiet, fear_of_snub, 0.0)
    hazard = 1.0 - (1.0 - fear) * (1.0 - tension_hazard)
    return scheduled & (u < hazard)


# --------------------------------------------------------------------------- the leader's choices


def election_weight(proximity: np.ndarray, aversion: np.ndarray) -> np.ndarray:
    """Weight on a gamble's downside as the election nears: [S20] 'with a crucial election
    ahead, Trump is unlikely to want to risk either a failure in negotiations or ... a
    military conflict'."""
    return 1.0 + aversion * proximity


def choose_response(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Draw compromise, sideline or escalate from the (R, 3) choice probabilities ([S20])."""
    return np.where(
        u < probs[:, 0],
        Posture.COMPROMISE,
        np.where(u < probs[:, 0] + probs[:, 1], Posture.SIDELINE, Posture.ESCALATE),
    )


# --------------------------------------------------------------------------- the world's week


def posture_update(
    posture: np.ndarray, age: np.ndarray, response: np.ndarray, posture_weeks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A new response sets the posture; a posture lapses after ``posture_weeks`` ([S20]
    sidelining holds 'as long as there is no additional nuclear or ICBM test')."""
    new_choice = response != Posture.NONE
    age = np.where(new_choice, 0, age + 1).astype(np.int32)
    expired = age >= posture_weeks
    posture = np.where(new_choice, response, np.where(expired, Posture.NONE, posture))
    return posture.astype(np.int8), age


def outburst_engagement_cost(
    engagement: np.ndarray, hit_by_counterpart: np.ndarray, hit: np.ndarray
) -> np.ndarray:
    """An outburst at the counterpart costs its engagement ([S18] 'big missteps that could
    sabotage talks')."""
    return np.clip(engagement - hit * hit_by_counterpart, 0.0, 1.0)


def proposal_probability(
    *,
    logit0: np.ndarray,
    mediation_slope: np.ndarray,
    mediation: np.ndarray,
    engagement_slope: np.ndarray,
    mean_engagement: np.ndarray,
    room: np.ndarray,
) -> np.ndarray:
    """Weekly chance of a summit proposal: mediation ([S18] ROK envoys) and the two leaders'
    engagement raise it; the pandemic narrows it ([S20])."""
    return (
        logistic(logit0 + mediation_slope * mediation + engagement_slope * mean_engagement) * room
    )


def agreement_probability(
    *,
    logit0: np.ndarray,
    engagement_slope: np.ndarray,
    mean_engagement: np.ndarray,
    compromise_bonus: np.ndarray,
    compromising: np.ndarray,
) -> np.ndarray:
    """Chance a held summit yields an agreement: engaged leaders (Singapore 2018) and a
    compromise posture ([S20] 'compromising below the maximum goal') raise it."""
    return logistic(logit0 + engagement_slope * mean_engagement + compromise_bonus * compromising)


def revival_probability(
    *,
    logit0: np.ndarray,
    slope: np.ndarray,
    mean_engagement: np.ndarray,
    room: np.ndarray,
    hedged: np.ndarray,
    closed_penalty: np.ndarray,
) -> np.ndarray:
    """Weekly chance a cancelled summit is revived ([S18] 'talks ... have picked up again'),
    narrowed by the pandemic; a cancellation that closed the door is revived far more rarely
    (``closed_penalty`` logits less), a hedged one readily ([S18] the letter 'soft pedaled
    the cancellation')."""
    return logistic(logit0 + slope * mean_engagement - closed_penalty * ~hedged) * room


def hedging_chance(hedging: np.ndarray, tension: np.ndarray) -> np.ndarray:
    """Chance a cancellation leaves the door open: the actor's hedging, less in hostile
    times (x (1 - tension)). [S18] the letter was soft because relations were warm ('beautiful
    gesture'); a cancellation amid 'a severe uptick in tensions and hostilities' is not."""
    return hedging * (1.0 - tension)


def first_canceller(
    leader_cancels: np.ndarray,
    target_cancels: np.ndarray,
    leader_fear: np.ndarray,
    target_fear: np.ndarray,
) -> np.ndarray:
    """True where the leader is the one who cancels: it alone wants to, or both do and it
    fears the snub at least as much ([S18]: Trump 'pre-emptively scuppered' the meeting)."""
    return leader_cancels & (~target_cancels | (leader_fear >= target_fear))


def grow_toward_one(level: np.ndarray, rate: np.ndarray, happened: np.ndarray) -> np.ndarray:
    """level + rate (1 - level) where ``happened``: a gain with diminishing headroom (prestige,
    relief and security from a held summit or agreement, [S18])."""
    return np.clip(level + rate * (1.0 - level) * happened, 0.0, 1.0)


def relief_erosion(relief: np.ndarray, decay: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Enforcement claws back economic relief in proportion to effective pressure."""
    return relief * (1.0 - decay * pressure)


def prestige_fade(prestige: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """Summit prestige fades unless renewed."""
    return prestige * (1.0 - decay)


def security_recovery(security: np.ndarray, rate: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Perceived regime security returns toward its baseline once threats stop."""
    return np.clip(security + rate * (baseline - security), 0.0, 1.0)


def tension_decay(tension: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """Military tension fades without new shocks."""
    return tension * (1.0 - decay)


def failure_modes(
    cohesion_now: np.ndarray,
    pressure_now: np.ndarray,
    isolation_now: np.ndarray,
    pressure0: np.ndarray,
    *,
    fracture_cohesion: np.ndarray,
    unwind_ratio: np.ndarray,
    isolation_threshold: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[S18]'s three risks: 'the coalition could fracture, the pressure campaign could unwind,
    and the US could find itself alone and sidelined'. Returns (fractured, unwound,
    isolated) as currently true."""
    return (
        cohesion_now < fracture_cohesion,
        pressure_now < unwind_ratio * pressure0,
        isolation_now >= isolation_threshold,
    )
