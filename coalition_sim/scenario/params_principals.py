"""Parameter groups of the two principals and their summitry: the leader's prospect theory,
the target's (DPRK) choices, the summit process and leader volatility. Each parameter is
declared once here with its meaning, range, default and source
(:func:`coalition_sim.scenario.fields.param`).

Seeds: ``[S18]`` the 2018 analysis of the cancelled Kim-Trump summit, ``[S20]`` the 2020
analysis 'Donald Trump's Own Version of Muddling Through on North Korea'.
"""

from __future__ import annotations

from .fields import Strict, param

__all__ = [
    "ProspectParams",
    "SummitParams",
    "TargetParams",
    "VolatilityParams",
]


class ProspectParams(Strict):
    alpha: float = param(
        0.88,
        0.05,
        1,
        "Curvature of the value function for gains.",
        "Tversky and Kahneman (1992) median estimate.",
    )
    beta: float = param(
        0.88,
        0.05,
        1,
        "Curvature of the value function for losses.",
        "Tversky and Kahneman (1992) median estimate.",
    )
    loss_aversion: float = param(
        2.25,
        1,
        5,
        "Loss aversion lambda.",
        "Tversky and Kahneman (1992) median estimate.",
    )
    sensitivity: float = param(
        8.0,
        0,
        50,
        "Logit slope on the prospect-value advantage of a risky option.",
        "A set value (a modelling choice): scales value differences (standing units) into "
        "choice odds; screened, not identified by the fits (the target file's [[fixed]]).",
    )
    summit_upside: float = param(
        0.25,
        0,
        1,
        "Standing gained if a summit gamble succeeds (x (1 + prestige weight)).",
        "[S18] 'hoping to win big so as to turn around his political fortunes'.",
    )
    summit_downside: float = param(
        0.15,
        0,
        1,
        "Standing lost if a summit gamble fails.",
        "[S18] 'North Korea does offer a host of pitfalls'.",
    )
    summit_success: float = param(
        0.5,
        0,
        1,
        "Leader's subjective chance that a summit succeeds.",
        "A set value, the middle of the scale: [S18] says predictions 'should be issued with "
        "great caution' (and still expects the summit to happen); fitted to 2016-18 since "
        "0.4 (docs/calibration/).",
    )
    accept_logit0: float = param(
        -2.5,
        -20,
        20,
        "Weekly logit of accepting a proposed summit at zero value advantage.",
        "Summit offers are answered within weeks (March 2018: within a day).",
    )
    posture_weeks: int = param(
        26,
        1,
        520,
        "Weeks a response posture (compromise, sideline, escalate) lasts.",
        "[S20] sidelining holds 'as long as there is no additional nuclear or ICBM test'.",
        unit="weeks",
    )
    election_aversion: float = param(
        2.0,
        0,
        10,
        "Extra weight on a gamble's downside at full election proximity.",
        "[S20] 'with a crucial election ahead, Trump is unlikely to want to risk ... failure'.",
    )
    sideline_cost: float = param(
        0.15,
        0,
        1,
        "Sure standing loss of sidelining the issue after a strategic test.",
        "[S20] sidelining works only 'as long as there is no additional nuclear or ICBM test' "
        "and the freeze was 'Trump's only achievement': after a strategic test, doing nothing "
        "costs (2016-17: every test was answered with sanctions).",
    )
    compromise_upside: float = param(
        0.12,
        0,
        1,
        "Gain if a compromise below full denuclearisation works.",
        "[S20] compromise is one of the three US choices.",
    )
    compromise_downside: float = param(
        0.10,
        0,
        1,
        "Loss if the compromise fails.",
        "[S20] a failure in negotiations.",
    )
    compromise_success: float = param(
        0.5,
        0,
        1,
        "Subjective chance a compromise works.",
        "[S20] no tangible progress so far.",
    )
    escalate_upside: float = param(
        0.4,
        0,
        1,
        "Gain if military escalation forces a climb-down.",
        "[S20] escalation is one of the three US choices.",
    )
    escalate_downside: float = param(
        0.4,
        0,
        1,
        "Loss if escalation ends in conflict.",
        "[S20] 'a military conflict with unpredictable consequences'.",
    )
    escalate_success: float = param(
        0.45,
        0,
        1,
        "Subjective chance escalation succeeds.",
        "[S18] relations careened 'from name calling and threats of nuclear war' to talks: "
        "threats were seen to work, yet [S20] 'unpredictable consequences' keep it below even.",
    )


class TargetParams(Strict):
    aspiration: float = param(
        0.35,
        0,
        1,
        "Interest-weighted payoff engagement must deliver to keep the target engaged.",
        "[S18] Kim wants security guarantees, economic relief and prestige.",
    )
    to_autonomy_logit0: float = param(
        -5.0,
        -20,
        20,
        "Weekly logit of turning to autonomy-seeking at zero disappointment.",
        "[S20] relations 'noticeably cooled again since 2019' and Kim refused to return to "
        "talks in December 2019 'in the absence of prospects for easing' of sanctions; the "
        "timing (about a year after the 2018 turn) is the record's, not [S20]'s.",
    )
    disappointment_slope: float = param(
        8.0,
        0,
        50,
        "Logit slope on disappointment (aspiration minus payoff).",
        "[S20] 'in the absence of prospects for easing of ... sanctions'.",
    )
    snub_shock: float = param(
        3.0,
        0,
        20,
        "Extra logit of turning to autonomy per unit of the memory of summits held without "
        "agreement (1 the week after one).",
        "Record: the Hanoi summit ended without agreement (28 Feb 2019); [S20] relations "
        "'noticeably cooled again since 2019' ([S20] does not name Hanoi: linking the two is "
        "the model's reading).",
    )
    rebuff_fade: float = param(
        0.02,
        0,
        1,
        "Weekly fading of the DPRK's memory of summits held without agreement.",
        "[S20]: relations 'noticeably cooled again since 2019' (written May 2020, 15 months "
        "after Hanoi's summit without agreement, which [S20] does not name), and Kim refused to "
        "return to talks ten months after it (December 2019 plenum): a memory of about a year "
        "(1 / 0.02 = 50 weeks), a set value, not fitted (the 2016-18 record has no summit "
        "without agreement).",
    )
    to_influence_logit0: float = param(
        -7.0,
        -20,
        20,
        "Weekly logit of turning to influence-seeking at zero lure.",
        "[S20] 'influence-seeking policy of 2018'.",
    )
    lure_slope: float = param(
        6.0,
        0,
        50,
        "Logit slope on the lure of engagement (what talks could deliver).",
        "[S18] 'Kim wants credible promises ... aid packages, removing sanctions'.",
    )
    relief_decay: float = param(
        0.01,
        0,
        1,
        "Weekly erosion of economic relief per unit effective pressure.",
        "[S20] 'the absence of prospects for easing of the tough international sanctions "
        "regime'; the rate is a set value (a modelling choice), inert in the Morris screening "
        "(docs/calibration/screening/screening.md).",
    )
    prestige_decay: float = param(
        0.01,
        0,
        1,
        "Weekly fading of summit prestige.",
        "A modelling choice: summit prestige ([S18] Kim would 'bask in the praise') fades "
        "without a new meeting; the rate is a set value, inert in the Morris screening "
        "(docs/calibration/screening/screening.md).",
    )
    security0: float = param(
        0.5,
        0,
        1,
        "Baseline perceived regime security (0 = imminent threat, 1 = guaranteed).",
        "[S18] Kim wants 'credible promises that the US won't attempt to topple' the regime "
        "(what security means); the value, the middle of the scale, is a set value: not "
        "identified by the fits (docs/calibration/identification.md).",
    )
    security_recovery: float = param(
        0.02,
        0,
        1,
        "Weekly recovery of perceived regime security toward its baseline.",
        "A modelling choice: perceived security returns to its baseline once threats stop "
        "(about a 50-week time constant); a set value, inert in the Morris screening "
        "(docs/calibration/screening/screening.md).",
    )
    summit_prestige: float = param(
        0.35,
        0,
        1,
        "Prestige gained when a summit is held.",
        "[S18] standing 'on the world stage alongside Trump ... as a peer'.",
    )
    agreement_relief: float = param(
        0.4,
        0,
        1,
        "Economic relief gained from an agreement.",
        "[S18] 'removing sanctions'.",
    )
    escalation_threat: float = param(
        0.3,
        0,
        1,
        "Security lost when the leader escalates.",
        "[S20] 'escalate militarily'.",
    )
    conventional_logit0: float = param(
        -4.6,
        -20,
        20,
        "Weekly logit of a conventional test in influence mode (about 1%).",
        "2018: no launches during the influence-seeking moratorium (CNS database).",
    )
    conventional_autonomy: float = param(
        4.0,
        0,
        20,
        "Added logit of a conventional test in autonomy mode (to about 35%/week).",
        "2016-17: 16 and 12 conventional launch days (CNS database); [S20] conventional "
        "testing 'considerably ramped up' in 2019.",
    )
    strategic_logit0: float = param(
        -7.0,
        -20,
        20,
        "Weekly logit of a strategic (ICBM/nuclear) test in influence mode.",
        "[S20] Pyongyang 'restrained from both long-range ... and further nuclear tests'.",
    )
    strategic_autonomy: float = param(
        3.5,
        0,
        20,
        "Added logit of a strategic test in autonomy mode (about 3%/week before programme momentum).",
        "2016-17: 3 nuclear tests and 3 ICBM launches in two years (6 strategic-test weeks, "
        "CNS database).",
    )
    election_leverage: float = param(
        1.0,
        0,
        20,
        "Added strategic-test logit at full US election proximity when Kim is fully vulnerable.",
        "[S20] 'this vulnerability represents a source of leverage that could be exploited'.",
    )
    programme_growth: float = param(
        0.03,
        0,
        1,
        "Weekly growth of weapons-programme momentum while seeking autonomy.",
        "[S20] 'promised to pursue military modernization'; ICBM work matured over 2016-17.",
    )
    programme_decay: float = param(
        0.02,
        0,
        1,
        "Weekly fading of programme momentum while seeking influence.",
        "2018 testing moratorium: development slowed while Pyongyang sought influence.",
    )
    programme_slope: float = param(
        2.0,
        0,
        20,
        "Added strategic-test logit per unit of programme momentum.",
        "2017's three ICBM tests came as the Hwasong-14/15 programme matured.",
    )
    stake_restraint: float = param(
        10.0,
        0,
        50,
        "Strategic-test logit reduction per unit of what engagement has delivered.",
        "[S20] restraint while the situation is 'preferable to any expected retaliation'; "
        "the size is a set value (a modelling choice).",
    )
    vulnerability_slope: float = param(
        4.0,
        0,
        50,
        "Added logit per unit of the leader's shortfall below reference standing.",
        "[S20] 'if Kim Jong-un perceives his domestic position to be vulnerable'.",
    )
    election_restraint: float = param(
        3.0,
        0,
        20,
        "Strategic-test logit reduction at full US election proximity when Kim feels secure.",
        "[S20] restraint if 'the current situation is perceived as relatively permissive and "
        "stable and thus considered preferable to any expected retaliation'.",
    )
    vulnerability_scale: float = param(
        0.1,
        0.01,
        1,
        "Shortfall of Kim's standing below reference at which he counts as fully vulnerable.",
        "[S20] 'if Kim Jong-un perceives his domestic position to be vulnerable, he may "
        "conclude that major provocations could reinforce his power at home'.",
    )
    mediator_shunning: float = param(
        0.8,
        0,
        1,
        "Share of mediation the DPRK ignores while it seeks autonomy.",
        "[S20] in autonomy mode Kim 'essentially refused' the US envoy's (Biegun's) "
        "invitation to return to talks (December 2019); the record, not the seed: Seoul kept "
        "offering talks and cooperation through 2019-20 (Moon's New Year address of 2020) and "
        "Pyongyang ignored them, demolishing the inter-Korean liaison office on 16 June 2020. "
        "That a mediator's offers are refused alike is the model's reading. Set from these, "
        "not fitted: the 2016-18 record identifies a lower value, which they contradict "
        "(docs/revisions.md).",
    )
    diplomacy_restraint: float = param(
        2.0,
        0,
        20,
        "Logit reduction while a diplomatic track is active.",
        "Record: the 20 April 2018 moratorium came with the summit track, and no strategic "
        "test followed while it lasted; [S20] 'the freeze in North Korean nuclear and "
        "long-range ballistic missile tests ultimately is Trump's only achievement'.",
    )
    patron_restraint: float = param(
        1.0,
        0,
        20,
        "Logit reduction per unit of the patrons' tie-weighted commitment.",
        "Chinese enforcement restrains Pyongyang (China is DPRK's treaty ally).",
    )


class SummitParams(Strict):
    proposal_logit0: float = param(
        -5.5,
        -20,
        20,
        "Weekly logit of a summit proposal with no mediation, engagement or counted appetite.",
        "Leader-level summits are rare: none 1994-2017.",
    )
    mediation_slope: float = param(
        4.0,
        0,
        50,
        "Added logit per unit of mediation (mediators' effort x engagement).",
        "[S18] the South Koreans 'acted as a mediator between Washington and Pyongyang'; "
        "record: ROK envoys carried Kim's invitation to Washington (8 Mar 2018).",
    )
    engagement_slope: float = param(
        4.0,
        0,
        50,
        "Added logit per unit of the two leaders' mean engagement.",
        "[S18] 'a personal, direct Kim-Trump meeting something both ... really want'.",
    )
    target_accept_logit0: float = param(
        -4.0,
        -20,
        20,
        "Weekly logit that the target accepts a proposal in autonomy mode.",
        "[S20] Kim refused Biegun's invitation in autonomy mode.",
    )
    target_accept_influence: float = param(
        5.0,
        0,
        20,
        "Added acceptance logit in influence mode.",
        "[S20] 2018 summitry.",
    )
    lead_weeks: int = param(
        14,
        1,
        52,
        "Weeks from scheduling to the summit date.",
        "8 March 2018 acceptance to 12 June 2018 Singapore: 14 weeks.",
        unit="weeks",
    )
    proposal_expiry: int = param(
        8,
        1,
        52,
        "Weeks a proposal stays open before it lapses.",
        "A set value (a modelling choice): unanswered overtures lapse within a season; the "
        "2018 record has no lapsed proposal to set it from.",
        unit="weeks",
    )
    insecurity_weeks: int = param(
        2,
        1,
        26,
        "Weeks of counterpart silence before the fear of being stood up bites.",
        "[S18] 'in the week or two prior to Trump's cancellation, dialogue ... had slowed'.",
        unit="weeks",
    )
    revival_logit0: float = param(
        -3.0,
        -20,
        20,
        "Weekly logit of reviving a hedged cancellation at zero engagement.",
        "[S18] 'talks ... have picked up again'.",
    )
    revival_engagement: float = param(
        4.0,
        0,
        50,
        "Added revival logit per unit mean engagement of the two leaders.",
        "[S18] both 'really want' the meeting.",
    )
    revival_window: int = param(
        12,
        1,
        104,
        "Weeks a hedged cancellation stays revivable.",
        "[S18] 'whether in June or later down the line'.",
        unit="weeks",
    )
    revival_lead: int = param(
        2,
        1,
        52,
        "Weeks from revival to the summit date.",
        "Cancelled 24 May 2018, revived about 1 June, held 12 June: under two weeks.",
        unit="weeks",
    )
    agreement_logit0: float = param(
        -2.0,
        -20,
        20,
        "Logit of agreement at a held summit with zero engagement.",
        "Leader summits often end without a deal (Reykjavik 1986); [S20] the risk of 'a "
        "failure in negotiations'.",
    )
    agreement_engagement: float = param(
        2.5,
        0,
        20,
        "Added agreement logit per unit mean engagement of the two leaders.",
        "Singapore 2018 produced a joint statement when both were engaged. It is the model's "
        "'agreement': no UN sanction was lifted, but partners read it as the signal to ease "
        "(the US suspended the August 2018 exercises; China and Russia called for easing "
        "sanctions at the UN in autumn 2018), which is what `granted` carries (ODD 3.4.1).",
    )
    agreement_compromise: float = param(
        1.5,
        0,
        20,
        "Added agreement logit under a compromise posture.",
        "[S20] a deal needs 'compromising below the maximum goal'.",
    )
    tension_cancel: float = param(
        0.3,
        0,
        1,
        "Leader's weekly chance of cancelling a scheduled summit per unit of tension.",
        "[S18] 'Barring a severe uptick in tensions and hostilities, I still expect the ... "
        "summit to happen'.",
    )
    leader_initiative: float = param(
        0.5,
        0,
        1,
        "Share of the leader's summit-acceptance logit (prospect value) that enters the "
        "proposal logit while the DPRK seeks influence.",
        "[S18] a leader in a 'domain of losses' gambles on summitry: Trump agreed to meet "
        "'quickly', accepting the invitation of an influence-seeking DPRK ([S20], 2018).",
    )
    hedge_signal: float = param(
        0.15,
        0,
        1,
        "Target engagement gained when the leader cancels but leaves the door open.",
        "[S18] the letter 'was a bargaining move'; Pyongyang answered with a 'restrained' reply.",
    )
    cooldown: int = param(
        26,
        1,
        260,
        "Weeks after a summit or closed cancellation before a new proposal.",
        "Half a year: a new leader-level meeting needs months of working-level preparation "
        "(Singapore, June 2018, and Hanoi, February 2019, were eight months apart; the "
        "inter-Korean summits of 2018 came in April and September, with an unprepared "
        "one-day meeting on 26 May between them).",
        unit="weeks",
    )
    unconsulted_cost: float = param(
        0.12,
        0,
        1,
        "Tie strength lost with each treaty ally the leader fails to consult.",
        "[S18] Trump agreed 'without consultation' of the South Koreans.",
    )


class VolatilityParams(Strict):
    outburst_rate: float = param(
        0.15,
        0,
        1,
        "Weekly outburst probability per unit volatility.",
        "[S18] 'prone to unexpected outbursts'.",
    )
    outburst_engagement_hit: float = param(
        0.15,
        0,
        1,
        "Engagement lost by the counterpart hit by an outburst.",
        "[S18] 'avoiding big missteps that could sabotage talks'.",
    )
    outburst_tension: float = param(
        0.05,
        0,
        1,
        "Tension added by an outburst at the counterpart.",
        "2017 'name calling and threats of nuclear war'.",
    )
    want_threshold: float = param(
        0.5,
        0,
        1,
        "Engagement at which a leader 'wants the meeting'.",
        "A set value, the middle of the engagement scale; [S18] outbursts 'targeted ... Pence "
        "and ... Bolton, not Trump himself' (a leader who wants the meeting is not the "
        "target of one).",
    )
    shift_rate: float = param(
        0.03,
        0,
        1,
        "Weekly policy-shift probability per unit volatility.",
        "[S18] 'unexpected ... policy shifts'.",
    )
    shift_size: float = param(
        0.25,
        0,
        1,
        "Size of a policy shift in engagement (up or down at even odds).",
        "[S18] careening 'from name calling ... to the prospect of rapprochement'.",
    )
