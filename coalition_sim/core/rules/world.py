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
    "failure_modes",
    "first_canceller",
    "grow_toward_one",
    "hedging_chance",
    "outburst_engagement_cost",
    "prestige_fade",
    "proposal_probability",
    "relief_erosion",
    "revival_probability",
    "security_recovery",
    "tension_decay",
]


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
    closed_logit0: float,
) -> float:
    """Weekly chance a cancelled summit is revived ([S18] 'talks ... have picked up again'),
    narrowed by the pandemic; a hedged cancellation readily, from ``logit0`` ([S18] the letter
    'soft pedaled the cancellation'), one that closed the door rarely, from its own
    ``closed_logit0`` ([S18] 'a closed door just rarely is' walked back): rare in absolute
    terms, not a fixed number of logits below the hedged chance, which the record's one
    (hedged, 8-day) revival fits."""
    return logistic((logit0 if hedged else closed_logit0) + slope * mean_engagement) * room


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
