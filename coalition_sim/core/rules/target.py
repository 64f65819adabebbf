"""The target's (DPRK) rules: policy mode, provocation ladder, weapons programme, summit
acceptance and cancellation ([S20] influence- vs autonomy-seeking; [S18] insecurity dilemma).

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

from ..codes import ProvocationLevel
from ..jit import compiled as rule
from .basics import clip01, fading_memory, logistic, logistic_bracket

__all__ = [
    "election_leverage",
    "engagement_lure",
    "engagement_stake",
    "heeded_mediation",
    "mode_switch_logit",
    "mode_switch_probability",
    "next_mode",
    "programme_update",
    "provocation_level",
    "provocation_logits",
    "provocation_probabilities",
    "provocation_rung",
    "provocation_standing_gain",
    "rebuff_memory_update",
    "target_accept_logit",
    "target_accept_probability",
    "target_payoff",
    "tension_cancel_hazard",
    "vulnerability",
    "wants_to_cancel",
]


@rule
def mode_switch_logit(
    autonomy: bool,
    payoff: float,
    lure: float,
    rebuff: float,
    aspiration: float,
    to_autonomy0: float,
    disappointment_slope: float,
    snub_shock: float,
    to_influence0: float,
    lure_slope: float,
) -> float:
    """The logit of the weekly chance that the DPRK switches policy mode
    (:func:`mode_switch_probability`).

    Influence-seeking turns to autonomy when engagement disappoints (interest-weighted payoff
    below aspiration; a summit without relief adds a shock); autonomy turns to influence when
    engagement lures (what relief and prestige talks could bring). [S20]: the 2019 return to
    an 'autonomy-seeking' policy 'in the absence of prospects for easing of ... sanctions'.
    ``rebuff`` is the fading memory of summits held without agreement
    (:func:`rebuff_memory_update`): a failed summit weighs for months, not for a week.
    """
    if autonomy:
        return to_influence0 + lure_slope * lure
    return to_autonomy0 + disappointment_slope * (aspiration - payoff) + snub_shock * rebuff


@rule
def mode_switch_probability(
    autonomy: bool,
    payoff: float,
    lure: float,
    rebuff: float,
    aspiration: float,
    to_autonomy0: float,
    disappointment_slope: float,
    snub_shock: float,
    to_influence0: float,
    lure_slope: float,
) -> float:
    """Weekly chance that the DPRK switches policy mode: the logistic of
    :func:`mode_switch_logit` ([S20] the 2019 return to an 'autonomy-seeking' policy)."""
    return logistic(
        mode_switch_logit(
            autonomy=autonomy,
            payoff=payoff,
            lure=lure,
            rebuff=rebuff,
            aspiration=aspiration,
            to_autonomy0=to_autonomy0,
            disappointment_slope=disappointment_slope,
            snub_shock=snub_shock,
            to_influence0=to_influence0,
            lure_slope=lure_slope,
        )
    )


@rule
def rebuff_memory_update(memory: float, no_deal: bool, fade: float) -> float:
    """B' = B (1 - fade) + [no deal]: the DPRK's fading memory of summits held without
    agreement, which keeps its turn to autonomy likely for months (:func:`mode_switch_probability`).

    [S20], written in May 2020: relations 'have noticeably cooled again since 2019' after the
    summit that brought no relief, and ten months after it, at the December 2019 plenum, Kim
    'essentially refused Steven Biegun's invitation to return to the negotiation table' 'in
    the absence of prospects for easing of the tough international sanctions regime'. The
    geometric fade is a modelling choice; the rate is ``params.target.rebuff_fade``."""
    return fading_memory(memory=memory, happened=no_deal, fade=fade)


@rule
def election_leverage(
    proximity: float, vulnerability: float, scale: float, leverage: float, restraint: float
) -> float:
    """The DPRK's pre-election strategic-test logit: leverage if Kim is vulnerable at home,
    restraint if he is secure, both growing as the election nears.

    prox x (leverage v - restraint (1 - v)), v = clip(vulnerability / scale). [S20] 'North
    Korea's actions will depend on whether strategic or domestic political considerations
    prevail': restraint if the situation is 'relatively permissive and stable', a major
    provocation if Kim 'perceives his domestic position to be vulnerable'.
    """
    v = clip01(vulnerability / scale)
    return proximity * (leverage * v - restraint * (1.0 - v))


@rule
def provocation_logits(
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
    """The logits of the weekly chances of a conventional and of a strategic test
    (:func:`provocation_probabilities`).

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
    z_conv = conventional0 + conventional_autonomy * aut + shared
    z_strat = (
        strategic0
        + strategic_autonomy * aut
        + programme_slope * programme
        + election
        + shared
        - stake_restraint * stake
    )
    return z_conv, z_strat


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
    """Weekly chances of a conventional and of a strategic test: the logistics of
    :func:`provocation_logits` ([S20] the two rungs)."""
    z_conv, z_strat = provocation_logits(
        autonomy=autonomy,
        vulnerability=vulnerability,
        diplomacy=diplomacy,
        patron=patron,
        conventional0=conventional0,
        conventional_autonomy=conventional_autonomy,
        strategic0=strategic0,
        strategic_autonomy=strategic_autonomy,
        vulnerability_slope=vulnerability_slope,
        restraint=restraint,
        patron_restraint=patron_restraint,
        election=election,
        inward=inward,
        stake=stake,
        stake_restraint=stake_restraint,
        programme=programme,
        programme_slope=programme_slope,
    )
    return logistic(z_conv), logistic(z_strat)


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
    (SRBM/SLBM), 0 none. At most one rung a week.

    The rungs are [S20]'s: 'the testing of conventional weapons ... different types of SRBMs
    (KN-23, KN-24, KN-25) as well as one SLBM' against 'further nuclear and/or long-range
    missile tests', 'this red line'. At most one rung a week, the strategic one first, is a
    modelling choice of the weekly step (P(strategic) = p_strat, P(conventional) =
    (1 - p_strat) p_conv)."""
    if u < p_strat:
        return ProvocationLevel.STRATEGIC.value
    if u < p_strat + (1.0 - p_strat) * p_conv:
        return ProvocationLevel.CONVENTIONAL.value
    return ProvocationLevel.NONE.value


@rule
def provocation_rung(u: float, z_conv: float, z_strat: float) -> int:
    """:func:`provocation_level` of the chances ``logistic(z_conv)`` and ``logistic(z_strat)``,
    the same rung for every input, computing them only where their brackets
    (:func:`logistic_bracket`) leave the rung open: the ladder's cuts ``p_strat`` and
    ``p_strat + (1 - p_strat) p_conv`` rise with both chances, so the brackets bound them
    (widened by 1e-12 for the rounding of the sums). As for :func:`logistic_below`: a chance
    only compared with its draw need not be computed to be drawn exactly. [S20]'s rungs, the
    ladder of :func:`provocation_level`; the brackets are a numerical utility."""
    s_lo, s_hi = logistic_bracket(z_strat)
    c_lo, c_hi = logistic_bracket(z_conv)
    if u < s_lo:
        return ProvocationLevel.STRATEGIC.value
    if u >= (s_hi + (1.0 - s_lo) * c_hi) * (1.0 + 1e-12):
        return ProvocationLevel.NONE.value
    if s_hi <= u < (s_lo + (1.0 - s_hi) * c_lo) * (1.0 - 1e-12):
        return ProvocationLevel.CONVENTIONAL.value
    return provocation_level(u=u, p_conv=logistic(z_conv), p_strat=logistic(z_strat))


@rule
def provocation_standing_gain(standing: float, provoked: bool, gain: float) -> float:
    """The DPRK leader's standing at home after a test of either rung: clip(s + gain [test]).
    [S20] 'if Kim Jong-un perceives his domestic position to be vulnerable, he may conclude
    that major provocations could reinforce his power at home by demonstrating strength and
    resolve'. The seed speaks of major provocations; that a conventional test gains as much
    is a modelling choice."""
    return clip01(standing + gain * provoked)


@rule
def target_payoff(
    security_weight: float,
    economy_weight: float,
    prestige_weight: float,
    security: float,
    relief: float,
    prestige: float,
) -> float:
    """Interest-weighted value of what the DPRK holds: [S18] Kim's three interests, '(1)
    regime security, (2) economic factors, and (3) prestige'."""
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
def next_mode(switch: bool, mode: int) -> int:
    """The policy mode after this week's switch draw: the other mode if the draw fell below
    the chance of :func:`mode_switch_probability` (``switch``; the phase tests it with
    :func:`logistic_below` on :func:`mode_switch_logit`).

    [S20] the DPRK's two policies: it 'returned to ... an "autonomy-seeking" policy (as
    opposed to an "influence-seeking" policy of 2018)'. A two-state switch, at most once a
    week with the chance of :func:`mode_switch_probability`, is a modelling choice."""
    return 1 - mode if switch else mode


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
def target_accept_logit(autonomy: bool, logit0: float, influence_bonus: float) -> float:
    """The logit of :func:`target_accept_probability`: low in autonomy mode ([S20] Kim
    'essentially refused' Biegun's invitation), high in influence mode (2018)."""
    return logit0 + influence_bonus * (not autonomy)


@rule
def target_accept_probability(
    autonomy: bool, logit0: float, influence_bonus: float, room: float
) -> float:
    """Weekly chance the DPRK accepts a pending proposal: the logistic of
    :func:`target_accept_logit`, narrowed by the pandemic ([S20])."""
    z = target_accept_logit(autonomy=autonomy, logit0=logit0, influence_bonus=influence_bonus)
    return logistic(z) * room


@rule
def tension_cancel_hazard(tension: float, tension_cancel: float) -> float:
    """The leader's weekly hazard of calling a scheduled summit off in hostile times:
    ``tension_cancel`` x tension (combined with the insecurity dilemma in
    :func:`wants_to_cancel`). [S18] 'Barring a severe uptick in tensions and hostilities, I
    still expect the Kim-Trump summit to happen'; linear in tension: a modelling choice."""
    return tension_cancel * tension


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
