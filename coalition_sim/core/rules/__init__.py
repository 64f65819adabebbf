"""The model's decision rules: small pure functions, compiled with numba.

Each rule works on one replicate: scalars, or one actor row (shape (A,)) where a rule sums
over actors. The compiled phases (:mod:`coalition_sim.core.phases`) call them inside the loop
over replicates, with keyword arguments in the ODD's order, and the Mesa agents run the very
same compiled phases for their own column, so there is one copy of every rule. They are plain
functions to call from Python too (``rules.logistic(0.3)``), which is how the mechanism tests
probe them. Randomness never happens here: uniform numbers are passed in from
:mod:`coalition_sim.core.streams`.

One module per part of the week (``basics``, ``context``, ``coalition``, ``actors``,
``target``, ``prospect``, ``world``); every rule cites its source in its docstring.
Sums over actors are explicit left-to-right loops, so their rounding never depends on how
many replicates run beside each other. Transcendentals are the C library's ``exp`` and
``pow`` in every caller.

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

from ..codes import Mode, Posture, ProvocationLevel, SummitState
from .actors import (
    defiance_update,
    dialogue_signal,
    engagement_update,
    leader_engagement_base,
    mode_engagement_level,
    outbursts,
    policy_shift,
    posture_push,
    reference_update,
    standing_update,
    talks_engagement,
)
from .basics import (
    clip01,
    logistic,
    uniform_noise,
)
from .coalition import (
    alliance_gap,
    cohesion,
    commitment_setpoint,
    commitment_update,
    effective_pressure,
    enforcement,
    enforcement_capacity,
    engagement_target,
    fatigue_update,
    habituation_factor,
    leakage_relief,
    test_memory_update,
    tie_update,
    us_isolation,
)
from .context import (
    both_want_meeting,
    diplomatic_track,
    mediation_level,
    patron_commitment,
    room_for_dialogue,
)
from .prospect import (
    choose_response,
    compromise_open,
    election_proximity,
    election_weight,
    kt_value,
    posture_update,
    prospect_advantage,
    response_probabilities,
)
from .target import (
    election_leverage,
    engagement_lure,
    engagement_stake,
    heeded_mediation,
    mode_switch_probability,
    next_mode,
    programme_update,
    provocation_level,
    provocation_probabilities,
    target_accept_probability,
    target_payoff,
    vulnerability,
    wants_to_cancel,
)
from .world import (
    agreement_probability,
    failure_modes,
    first_canceller,
    grow_toward_one,
    hedging_chance,
    outburst_engagement_cost,
    prestige_fade,
    proposal_probability,
    relief_erosion,
    revival_probability,
    security_recovery,
    tension_decay,
)

__all__ = [
    "Mode",
    "Posture",
    "ProvocationLevel",
    "SummitState",
    "agreement_probability",
    "alliance_gap",
    "both_want_meeting",
    "choose_response",
    "clip01",
    "cohesion",
    "commitment_setpoint",
    "commitment_update",
    "compromise_open",
    "defiance_update",
    "dialogue_signal",
    "diplomatic_track",
    "effective_pressure",
    "election_leverage",
    "election_proximity",
    "election_weight",
    "enforcement",
    "enforcement_capacity",
    "engagement_lure",
    "engagement_stake",
    "engagement_target",
    "engagement_update",
    "failure_modes",
    "fatigue_update",
    "first_canceller",
    "grow_toward_one",
    "habituation_factor",
    "hedging_chance",
    "heeded_mediation",
    "kt_value",
    "leader_engagement_base",
    "leakage_relief",
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
    "security_recovery",
    "standing_update",
    "talks_engagement",
    "target_accept_probability",
    "target_payoff",
    "tension_decay",
    "test_memory_update",
    "tie_update",
    "uniform_noise",
    "us_isolation",
    "vulnerability",
    "wants_to_cancel",
]
