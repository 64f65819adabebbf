"""The week's shared context: diplomatic track, room for dialogue, the patrons' commitment,
mediation and whether both leaders want the meeting ([S18], [S20]).

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import numpy as np

from ..codes import SummitState
from ..jit import compiled as rule
from .basics import clip01

__all__ = [
    "both_want_meeting",
    "diplomatic_track",
    "inward_turn",
    "mediation_level",
    "pandemic_clock",
    "patron_commitment",
    "room_for_dialogue",
    "scheduled_shock",
]


@rule
def diplomatic_track(summit: int, since_summit: int, track_memory: float) -> bool:
    """A diplomatic track is active while a summit is proposed or scheduled and for
    ``track_memory`` weeks after one is held (working-level talks; [S18] 'talks ... have
    picked up again')."""
    return summit in (SummitState.PROPOSED, SummitState.SCHEDULED) or since_summit < track_memory


@rule
def pandemic_clock(t: int, start: int, weeks: float) -> tuple[bool, bool, bool]:
    """(active, starts, ends) of the pandemic in week ``t``: active for ``weeks`` weeks from
    ``start`` (ODD 3.4.10: ``ps <= t < ps + pandemic_weeks``), starting in week ``start`` and
    ending in week ``start + weeks``. [S20] 'the pandemic and its resulting lockdowns and
    travel restrictions have further narrowed the space for dialogue'; its dates are the
    scenario's (``clock.pandemic_start``, ``clock.pandemic_weeks``)."""
    return t >= start and t < start + weeks, t == start, t == start + weeks


@rule
def inward_turn(pandemic: float, inward: float) -> float:
    """Logits taken off the DPRK's test hazards and the leader's escalation while the
    pandemic lasts: ``inward`` x [pandemic]. [S20] 'a global health crisis that have turned
    the focus of both Washington and Pyongyang inwards'."""
    return inward * pandemic


@rule
def scheduled_shock(level: float, value: float) -> float:
    """A dated scenario event moves an actor's commitment, engagement, standing or anchor:
    clip(level + value) (ODD 3.4.10, ``events[]`` of kind ``shock``). The dates and sizes are
    the scenario's, each with its documented cause (e.g. Moon Jae-in's inauguration on 10 May
    2017 moves the ROK's anchor in ``configs/history/start_2016.toml``)."""
    return clip01(level + value)


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
    talks_on = summit in (SummitState.PROPOSED, SummitState.SCHEDULED)
    return talks_on and leader_engagement >= threshold and target_engagement >= threshold
