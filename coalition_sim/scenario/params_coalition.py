"""Parameter groups of the coalition: commitment, fatigue, engagement, standing, ties, tension,
enforcement and outcome thresholds. Each parameter is declared once here with its meaning,
range, default and source (:func:`coalition_sim.scenario.fields.param`).

Seeds: ``[S18]`` the 2018 analysis of the cancelled Kim-Trump summit, ``[S20]`` the 2020
analysis 'Donald Trump's Own Version of Muddling Through on North Korea'.
"""

from __future__ import annotations

from .fields import Strict, param

__all__ = [
    "CommitmentParams",
    "EnforcementParams",
    "EngagementParams",
    "FatigueParams",
    "OutcomeParams",
    "StandingParams",
    "TensionParams",
    "TieParams",
]


class CommitmentParams(Strict):
    pull_rate: float = param(
        0.08,
        0,
        1,
        "Weekly share of the gap to tie-weighted partners' commitment closed.",
        "[S18] 'can the US maintain its North Korea coalition?': coordination pulls members.",
    )
    anchor_rate: float = param(
        0.05,
        0,
        1,
        "Weekly share of the gap to the actor's set-point closed (the set-point is its own "
        "anchor displaced by fatigue, unconsulted US moves, the DPRK's engagement and granted "
        "relief).",
        "Interests change slowly; without shocks commitment returns to its anchor. About a "
        "14-week half-life: Chinese enforcement followed each 2016-17 resolution within a "
        "quarter (coal suspension 19 Feb 2017 after UNSCR 2321 of 30 Nov 2016).",
    )
    conventional_response: float = param(
        0.10,
        0,
        1,
        "Commitment rise after a conventional test, x security weight x headroom x habituation.",
        "A set value (a modelling choice): the record's conventional launches drew statements, "
        "not new UN resolutions (none followed the 2019 SRBM tests [S20] lists: 'KN-23, "
        "KN-24, KN-25'), so the response is small beside a strategic test's.",
    )
    strategic_response: float = param(
        1.0,
        0,
        1,
        "Commitment rise after a strategic test, x security weight x headroom x habituation.",
        "UNSCR 2270/2321/2371/2375/2397 each followed a nuclear or ICBM test (2016-17).",
    )
    habituation: float = param(
        0.3,
        0,
        20,
        "Damping of the test response per unit of remembered tests: response / (1 + h M).",
        "A modelling assumption (no seed passage or study says repeated tests move partners "
        "less); the record it must not contradict: each 2016-17 nuclear or ICBM test still "
        "drew a UNSC resolution adopted 15-0. Set, not fitted: not identified by the fits "
        "(docs/calibration/identification.md).",
    )
    test_memory_fade: float = param(
        0.04,
        0,
        1,
        "Weekly fading of the remembered-test count M.",
        "A modelling choice: a memory of about 25 weeks (1 / 0.04). Set, not fitted: not "
        "identified by the fits (docs/calibration/identification.md).",
    )
    unilateral_cost: float = param(
        0.25,
        0,
        2,
        "Fall of a partner's set-point per unit of remembered unconsulted US summit decisions "
        "x stability weight.",
        "[S18] Trump agreed to meet Kim 'quickly and without consultation ... from the South "
        "Koreans'. Responses to tests are not snubs: UNSCR 2270-2397 were drafted with China "
        "and adopted 15-0.",
    )
    unilateral_fade: float = param(
        0.05,
        0,
        1,
        "Weekly fading of the memory of unconsulted US moves.",
        "A modelling choice: a memory of about 20 weeks (1 / 0.05); no source dates how long "
        "a snub is remembered. Set, not fitted: inert in the Morris screening "
        "(docs/calibration/screening/screening.md).",
    )
    engagement_pull: float = param(
        0.3,
        0,
        1,
        "Fall of a partner's set-point per unit of DPRK engagement x stability weight (the "
        "open negotiating table).",
        "[S18] South Korea and China 'greatly prefer the ... relationship to play out at the "
        "negotiating table': an engaging DPRK gives them a reason to ease (2018: inter-Korean "
        "summits of 27 Apr, 26 May and 18-20 Sep; Kim-Xi meetings of Mar, May and Jun).",
    )
    relief_leakage: float = param(
        0.6,
        0,
        2,
        "Fall of a partner's set-point per unit of relief granted by agreements x economy weight.",
        "[S18] relief 'would signal to the rest of the world that it's finally okay to engage "
        "and seal deals'; Early (2015): commercial busting follows the signal.",
    )
    fatigue_erosion: float = param(
        0.2,
        0,
        1,
        "Fall of a partner's set-point at full sanctions fatigue per unit of DPRK engagement "
        "(F x e_DPRK: fatigue acts when there is a table to move to).",
        "[S18] South Korea and China 'getting fed up with ... maximum pressure, and greatly "
        "prefer ... the negotiating table' (May 2018). China tightened through 2017 with a DPRK "
        "refusing talks and loosened in 2018 after the Kim-Xi meetings (Mar, May, Jun 2018).",
    )
    posture_effect: float = param(
        0.1,
        0,
        1,
        "Rise (escalation) or fall (compromise) of the leader's set-point while the posture holds.",
        "[S20] the US choice after a test: escalate, compromise or sideline; 2017's 'maximum "
        "pressure' raised US enforcement (Treasury designations, secondary sanctions EO 13810).",
    )
    noise: float = param(
        0.015,
        0,
        0.2,
        "Std of weekly commitment noise per unit volatility.",
        "[S18] 'prone to unexpected outbursts, statements, and policy shifts'; the size is a "
        "set value (a modelling choice).",
    )


class FatigueParams(Strict):
    growth: float = param(
        0.06,
        0,
        1,
        "Weekly fatigue growth per unit effective pressure x economy weight.",
        "[S18] fatigue grows under 'maximum pressure' without talks.",
    )
    recovery: float = param(
        0.03,
        0,
        1,
        "Weekly share of sanctions fatigue that fades (talks stop its growth).",
        "[S18] partners 'prefer the ... relationship to play out at the negotiating table'; "
        "fatigue lasts months (about a 23-week half-life), not forever.",
    )
    engagement_effect: float = param(
        0.5,
        0,
        1,
        "Rise in target engagement per unit fatigue (fatigued partners want talks).",
        "[S18] fatigue turns into a preference for negotiation.",
    )


class EngagementParams(Strict):
    adjust_rate: float = param(
        0.15,
        0,
        1,
        "Weekly share of the gap to target engagement closed.",
        "A set value (a modelling choice): diplomatic postures shift over weeks, not days.",
    )
    noise: float = param(
        0.02,
        0,
        0.2,
        "Std of weekly engagement noise per unit volatility.",
        "[S18] unpredictable statements.",
    )
    influence_level: float = param(
        0.8,
        0,
        1,
        "Target engagement while the DPRK seeks influence.",
        "[S20] 2018 'influence-seeking policy': engagement, summitry, test moratorium.",
    )
    autonomy_level: float = param(
        0.1,
        0,
        1,
        "Target engagement while the DPRK seeks autonomy.",
        "[S20] Kim 'essentially refused ... to return to the negotiation table' (Dec 2019).",
    )
    compromise_boost: float = param(
        0.3,
        0,
        1,
        "Rise in the leader's target engagement under a compromise posture.",
        "[S20] 'compromising below the maximum goal of full denuclearization'.",
    )
    talks_boost: float = param(
        0.3,
        0,
        1,
        "Rise in the leader's engagement set-point while a summit is proposed or scheduled.",
        "[S18] a meeting 'both Kim and Trump really want'; they engaged 'rather delicately'.",
    )
    test_hit: float = param(
        0.2,
        0,
        1,
        "Leader engagement lost in the week of a strategic test.",
        "[S18] 'Barring a severe uptick in tensions and hostilities' the summit happens.",
    )


class StandingParams(Strict):
    anchor_rate: float = param(
        0.02,
        0,
        1,
        "Weekly relaxation of standing toward its initial level.",
        "Approval is sticky: it returns toward its baseline absent news.",
    )
    reference_adapt: float = param(
        0.01,
        0,
        1,
        "Weekly adaptation of the reference point toward current standing.",
        "Reference points adapt slowly to the status quo (Kahneman and Tversky 1979).",
    )
    noise: float = param(
        0.01,
        0,
        0.2,
        "Std of weekly standing noise per unit volatility.",
        "A set value (a modelling choice): domestic politics outside the model move a "
        "leader's standing a little every week; no record number.",
    )
    test_cost_leader: float = param(
        0.08,
        0,
        1,
        "Leader standing loss after a strategic test.",
        "[S20] a test before the election: 'diplomacy will be seen as having failed entirely'.",
    )
    provocation_gain_target: float = param(
        0.03,
        0,
        1,
        "Target leader standing gain after a provocation.",
        "[S20] 'major provocations could reinforce his power at home'.",
    )
    sanctions_cost_target: float = param(
        0.01,
        0,
        1,
        "Weekly target standing loss per unit effective pressure.",
        "[S20] 'absence of prospects for easing of the tough ... sanctions regime'.",
    )


class TieParams(Strict):
    pull_treaty_ally: float = param(
        1.0,
        0,
        1,
        "Pull weight of a treaty-ally tie.",
        "A set value (a modelling choice): treaty allies coordinate most, so theirs is the "
        "largest weight (1), and the other ties' weights are set relative to it.",
    )
    pull_partner: float = param(
        0.6,
        0,
        1,
        "Pull weight of a partner tie.",
        "A set value (a modelling choice): partners coordinate less bindingly than treaty "
        "allies (0.6 of their weight).",
    )
    pull_rival: float = param(
        0.4,
        0,
        1,
        "Pull weight of a rival tie.",
        "US-China rivalry, yet UNSCR 2270, 2321, 2371, 2375 and 2397 were each negotiated "
        "between Washington and Beijing and adopted 15-0: the channel carried coordination.",
    )
    divergence_memory: float = param(
        0.1,
        0,
        1,
        "Weekly update weight of the running mean of commitment divergence.",
        "Strain comes from 'sustained' divergence, not one week's.",
    )
    tolerance: float = param(
        0.3,
        0,
        1,
        "Divergence a tie tolerates before it strains.",
        "Allies absorb moderate differences in enforcement: the US-China gap of 2016 "
        "('strategic patience' against lax Chinese enforcement) did not stop five joint "
        "resolutions.",
    )
    strengthen: float = param(
        0.03,
        0,
        1,
        "Weekly share of the gap to the tie's initial (institutional) strength recovered.",
        "Treaties and trade partnerships outlast a quarrel: a strained or snubbed tie recovers "
        "over months (the US-ROK alliance after 2018's unconsulted moves).",
    )
    strain: float = param(
        0.15,
        0,
        1,
        "Weekly weakening per unit of divergence above tolerance, x the tie's strength.",
        "[S18] 'the coalition could fracture': sustained divergence strains a tie over months.",
    )


class TensionParams(Strict):
    decay: float = param(
        0.04,
        0,
        1,
        "Weekly decay of military tension.",
        "A modelling choice: geometric fading, a half-life of about 17 weeks; [S18] 'Barring a "
        "severe uptick in tensions and hostilities' (tension is a level that subsides). Set, "
        "not fitted: weak in the Morris screening, below the bar for a fit "
        "(docs/calibration/screening/screening.md).",
    )
    conventional: float = param(
        0.04,
        0,
        1,
        "Tension added by a conventional test.",
        "[S20] the SRBM/SLBM tests of 2019 are not the 'red line' of nuclear and long-range "
        "tests, so a small step; its size is a set value, inert in the Morris screening "
        "(docs/calibration/screening/screening.md).",
    )
    strategic: float = param(
        0.25,
        0,
        1,
        "Tension added by a strategic test.",
        "2017: 'threats of nuclear war' after ICBM and nuclear tests.",
    )
    escalation: float = param(
        0.35,
        0,
        1,
        "Tension added when the leader chooses escalation.",
        "[S20] 'escalate militarily'.",
    )
    crisis_threshold: float = param(
        0.85,
        0,
        1,
        "Tension at which a military crisis is declared.",
        "[S20] 'a military conflict with unpredictable consequences'.",
    )


class EnforcementParams(Strict):
    defection_threshold: float = param(
        0.4,
        0,
        1,
        "Commitment below which a partner largely stops enforcing (smooth, see softness).",
        "Haggard and Noland (2017): China's enforcement was uneven, lax when Beijing's "
        "commitment was low.",
    )
    defection_softness: float = param(
        0.08,
        0.01,
        1,
        "Width of the defection step: enforcement = c x logistic((c - threshold) / softness).",
        "A modelling choice: enforcement erodes over a range of commitment, not at a switch "
        "(no on/off mechanism); the width is a set value (weak in the Morris screening of "
        "earlier fits, a candidate at 0.5.3's point, held [[fixed]]: 2016-18 has one crossing "
        "by China to tell it from the threshold; docs/calibration/screening/screening.md).",
    )
    trade_weight: float = param(
        0.5,
        0,
        1,
        "Weight of trade share (against material capability) in an actor's enforcement capacity.",
        "Haggard and Noland (2017): sanctions bite through trade, and China carries most of it.",
    )
    leakage: float = param(
        0.03,
        0,
        1,
        "Weekly DPRK relief gained per unit of unwinding (1 - pressure / initial pressure) x "
        "headroom.",
        "Early (2015): busting by commercial partners restores a target's trade when "
        "enforcement lapses.",
    )


class OutcomeParams(Strict):
    fracture_cohesion: float = param(
        0.3,
        0,
        1,
        "Coalition cohesion below which the coalition counts as fractured.",
        "[S18] 'the coalition could fracture'.",
    )
    unwind_ratio: float = param(
        0.6,
        0,
        1,
        "Effective pressure below this share of its initial level = unwound.",
        "[S18] 'the pressure campaign could unwind'.",
    )
    isolation_threshold: float = param(
        0.5,
        0,
        1,
        "US isolation at or above which the US is 'alone and sidelined'.",
        "[S18] 'the US could find itself alone and sidelined'.",
    )
    track_memory: int = param(
        26,
        1,
        260,
        "Weeks a held summit keeps the diplomatic track active.",
        "Working-level talks follow a summit for months (Pompeo's visits to Pyongyang after "
        "Singapore ran into October 2018).",
        unit="weeks",
    )
