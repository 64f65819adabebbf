"""The world's week: summit transition chances, what a summit delivers, the drift of the
target's interest states, tension and the three failure modes ([S18]).

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

from ..jit import compiled as rule
from .basics import clip01, logistic

__all__ = [
    "agreement_probability",
    "escalation_threat",
    "failure_modes",
    "first_canceller",
    "grow_toward_one",
    "hedge_signal_engagement",
    "hedging_chance",
    "military_crisis",
    "outburst_engagement_cost",
    "prestige_fade",
    "proposal_logit",
    "proposal_probability",
    "relief_erosion",
    "revivable",
    "revival_limit",
    "revival_probability",
    "security_recovery",
    "tension_decay",
    "tension_update",
    "test_engagement_hit",
    "test_standing_cost",
    "times_up",
]


@rule
def tension_update(
    tension: float,
    conventional: bool,
    strategic: bool,
    escalate: bool,
    leader_outburst: bool,
    target_outburst: bool,
    conventional_step: float,
    strategic_step: float,
    escalation_step: float,
    outburst_step: float,
) -> float:
    """X1 of ODD 3.4.11: this week's shocks added to military tension, clipped to [0, 1]:
    a test by its rung, a US escalation, and each principal's outburst at the other.
    [S18] 'a severe uptick in tensions and hostilities', relations that 'careened from name
    calling and threats of nuclear war'; [S20] escalation risks 'a military conflict with
    unpredictable consequences'. Additive steps are a modelling choice; their sizes are
    ``params.tension.*`` and ``params.volatility.outburst_tension``."""
    x = tension + conventional_step * conventional + strategic_step * strategic
    x = x + escalation_step * escalate
    x = x + outburst_step * ((1.0 if leader_outburst else 0.0) + target_outburst)
    return clip01(x)


@rule
def test_standing_cost(standing: float, strategic: bool, cost: float) -> float:
    """The leader's standing after a strategic test: clip(s - cost [strategic]). [S20]
    'Should Pyongyang conduct such a test before the November election, Trump's North Korea
    diplomacy will be seen as having failed entirely'."""
    return clip01(standing - cost * strategic)


@rule
def test_engagement_hit(engagement: float, strategic: bool, hit: float) -> float:
    """The leader's engagement after a strategic test: clip(e - hit [strategic]). [S20] the
    freeze in 'nuclear and long-range ballistic missile tests ultimately is Trump's only
    achievement', so a test breaks it; [S18] 'Barring a severe uptick in tensions and
    hostilities'."""
    return clip01(engagement - hit * strategic)


@rule
def escalation_threat(security: float, escalate: bool, threat: float) -> float:
    """The DPRK's perceived regime security after a US escalation: clip(sec - threat
    [escalate]). [S18] Kim wants 'credible promises that the US won't attempt to topple or
    undermine his regime'; [S20] Washington's third choice is to 'escalate militarily'."""
    return clip01(security - threat * escalate)


@rule
def hedge_signal_engagement(engagement: float, signalled: bool, signal: float) -> float:
    """The DPRK's engagement after a hedged cancellation by the leader: clip(e + signal
    [hedged]). [S18] the letter encouraged Kim to 'not hesitate to call or write' Trump:
    'It was a bargaining move', 'offering enough clues and hope to Kim that the meeting could
    still go as planned'."""
    return clip01(engagement + signal * signalled)


@rule
def military_crisis(tension: float, threshold: float) -> bool:
    """A military crisis while tension is at least ``threshold`` (logged when it becomes
    true). [S20] 'a military conflict with unpredictable consequences'; a threshold on one
    tension index is a modelling choice."""
    return tension >= threshold


@rule
def times_up(timer: int, weeks: float) -> bool:
    """Whether a summit state of age ``timer`` ends this week: timer + 1 >= ``weeks`` (a
    proposal's expiry, a cancellation's revival window or cooldown, a held summit's
    cooldown; ODD 3.4.7). [S18] the summit could go ahead 'with only a minor delay': states
    last weeks, not forever; the durations are ``params.summit.*``."""
    return timer + 1 >= weeks


@rule
def revival_limit(hedged: bool, revival_window: float, cooldown: float) -> float:
    """How long a cancelled summit stays revivable: the revival window after a hedged
    cancellation, the cooldown after a closed one. [S18] a soft-pedalled cancellation
    'offering enough clues and hope to Kim that the meeting could still go as planned, or
    with only a minor delay'."""
    return revival_window if hedged else cooldown


@rule
def outburst_engagement_cost(engagement: float, hit_by_counterpart: bool, hit: float) -> float:
    """An outburst at the counterpart costs its engagement ([S18] 'big missteps that could
    sabotage talks')."""
    return clip01(engagement - hit * hit_by_counterpart)


@rule
def proposal_logit(
    logit0: float,
    initiative: float,
    appetite: float,
    mediation_slope: float,
    mediation: float,
    engagement_slope: float,
    mean_engagement: float,
    target_seeks_influence: bool,
) -> float:
    """The logit of the weekly chance of a summit proposal (:func:`proposal_probability`):
    the leader's appetite for the gamble (``initiative`` x appetite: [S18] 'He's hoping to
    win big'), mediation ([S18] 'the South Koreans, who've acted as a mediator') and the two
    leaders' engagement raise it.

    The appetite counts only while the DPRK seeks influence (0.5.4): [S18]'s gamble is
    'agreeing to meet personally with Kim Jong Un', an invitation of the 'influence-seeking'
    Pyongyang of 2018 ([S20]); while it seeks autonomy there is no meeting to gamble on. The
    record agrees: in 2016-17 the leader was in losses and no summit was proposed (threats
    instead: 'fire and fury', 8 August 2017), while the DPRK refused talks."""
    gamble = initiative * appetite if target_seeks_influence else 0.0
    return logit0 + gamble + mediation_slope * mediation + engagement_slope * mean_engagement


@rule
def proposal_probability(
    logit0: float,
    initiative: float,
    appetite: float,
    mediation_slope: float,
    mediation: float,
    engagement_slope: float,
    mean_engagement: float,
    room: float,
    target_seeks_influence: bool,
) -> float:
    """Weekly chance of a summit proposal: the logistic of :func:`proposal_logit`, narrowed
    by the pandemic (``room``: [S20] it 'further narrowed the space for dialogue')."""
    z = proposal_logit(
        logit0=logit0,
        initiative=initiative,
        appetite=appetite,
        mediation_slope=mediation_slope,
        mediation=mediation,
        engagement_slope=engagement_slope,
        mean_engagement=mean_engagement,
        target_seeks_influence=target_seeks_influence,
    )
    return logistic(z) * room


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
) -> float:
    """Weekly chance a hedged cancellation is revived ([S18] 'talks ... have picked up
    again'), narrowed by the pandemic. Only a hedged cancellation is revivable
    (:func:`revivable`): [S18] explains the 2018 revival by the hedge, the letter that 'soft
    pedaled the cancellation', 'offering enough clues and hope to Kim that the meeting could
    still go as planned'. A cancellation that closed the door is not reopened; a later
    meeting needs a new proposal."""
    return logistic(logit0 + slope * mean_engagement) * room


@rule
def revivable(cancelled: bool, hedged: bool, timer: float, limit: float) -> bool:
    """A cancelled summit can be revived only while the door was left open (``hedged``) and
    within its revival window ([S18]: the revival of 2018 followed the hedge)."""
    return cancelled and hedged and timer < limit


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
    """clip(level + rate (1 - level)) where ``happened``: a gain with diminishing headroom
    (prestige from a held summit; relief and granted relief from an agreement, [S18])."""
    return clip01(level + rate * (1.0 - level) * happened)


@rule
def relief_erosion(relief: float, decay: float, pressure: float) -> float:
    """Enforcement claws back economic relief in proportion to effective pressure:
    relief x (1 - decay x P).

    [S20] Pyongyang's self-reliance 'in the absence of prospects for easing of the tough
    international sanctions regime'; that the pressure which bites is the enforced one
    follows Haggard and Noland (2017). The proportional form is a modelling choice; ``decay``
    (``params.target.relief_decay``) is a set value, inert in the Morris screening
    (docs/calibration/screening/screening.md)."""
    return relief * (1.0 - decay * pressure)


@rule
def prestige_fade(prestige: float, decay: float) -> float:
    """Summit prestige fades unless renewed: prestige x (1 - decay).

    [S18] a summit would let Kim 'stand on the world stage alongside Trump' and 'bask in the
    praise that's likely to be heaped on him': prestige comes from meetings
    (:func:`grow_toward_one`). Its geometric fade without a new meeting is a modelling
    choice; ``decay`` (``params.target.prestige_decay``) is a set value, inert in the Morris
    screening (docs/calibration/screening/screening.md)."""
    return prestige * (1.0 - decay)


@rule
def security_recovery(security: float, rate: float, baseline: float) -> float:
    """Perceived regime security returns toward its baseline once threats stop:
    clip(sec + rate (baseline - sec)).

    [S18] Kim wants 'credible promises that the US won't attempt to topple or undermine his
    regime': security is what a US escalation takes away (:func:`escalation_threat`). Its
    geometric return to the baseline ``params.target.security0`` is a modelling choice;
    ``rate`` (``params.target.security_recovery``) is a set value, inert in the Morris
    screening (docs/calibration/screening/screening.md)."""
    return clip01(security + rate * (baseline - security))


@rule
def tension_decay(tension: float, decay: float) -> float:
    """Military tension fades without new shocks: tension x (1 - decay).

    [S18] 'Barring a severe uptick in tensions and hostilities': tension is a level that
    shocks raise (:func:`tension_update`) and that otherwise subsides (relations 'careened
    from name calling and threats of nuclear war ... to the prospect of rapprochement'). The
    geometric fade is a modelling choice; ``decay`` (``params.tension.decay``) is a set
    value, inert in the Morris screening (docs/calibration/screening/screening.md)."""
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
