"""The codes the compiled core reads: one ``IntEnum`` per kind of code, used directly in
compiled code (numba compiles an ``IntEnum`` member to its integer constant).

Nothing here is copied by hand: :class:`Event` is generated from the event table
(:mod:`coalition_sim.core.events`), :class:`ActorField` from the schema's actor fields
(:mod:`coalition_sim.scenario.names`). Because compiled code freezes these numbers, the
compile-cache stamp (:func:`coalition_sim.core.jit.stamp`) covers :func:`layout`, so a new
event or actor field recompiles every kernel.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from ..scenario.names import ACTOR_FIELDS, INTEREST_FIELDS
from ..scenario.schema import TIE_TYPES
from .events import EVENT_KINDS

__all__ = [
    "ActorConst",
    "ActorField",
    "Context",
    "Event",
    "LeaderPlan",
    "Mode",
    "Plan",
    "Posture",
    "ProvocationLevel",
    "ScheduledKind",
    "SummitState",
    "TargetPlan",
    "TieKind",
    "layout",
]


class SummitState(IntEnum):
    """The summit process: proposed -> scheduled -> held, or cancelled (maybe revived).

    The states are [S18]'s: the 'proposed Kim-Trump summit was called off this week by
    Trump', and 'his meeting with Kim could be back on'. Codes, not behaviour: the
    transitions are the rules of :mod:`coalition_sim.core.rules.world` (ODD 3.4.7)."""

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


class ScheduledKind(IntEnum):
    """Kinds of scenario events as the compiled resolve phase reads them (``Kernel.ev_kind``)."""

    PROPOSAL = 0
    STRATEGIC = 1
    CONVENTIONAL = 2
    MODE = 3
    SHOCK = 4


def _generated(name: str, members: tuple[str, ...], doc: str) -> Any:
    """An ``IntEnum`` whose members are ``members`` (upper-cased) numbered from 0."""
    enum = IntEnum(name, [(m.upper(), k) for k, m in enumerate(members)])  # type: ignore[misc]
    enum.__doc__ = doc
    enum.__module__ = __name__
    return enum


# Generated from the one declaration of each (mypy sees them as Any: their members are data).
#: Tie types as codes (``Structure.tie_type``; -1 = no tie), in the schema's order.
TieKind: Any = _generated(
    "TieKind", tuple(t.name for t in TIE_TYPES), "Tie types as codes (-1 = no tie)."
)
#: Event counters (``State.counts`` columns), generated from the one event table.
Event: Any = _generated(
    "Event", EVENT_KINDS, "Event kinds as counter slots, in the order of ``events.EVENT_KINDS``."
)
#: Actor parameters in the kernel's (S, field, A) array, in the schema's order.
ActorField: Any = _generated(
    "ActorField",
    ACTOR_FIELDS + INTEREST_FIELDS,
    "Rows of the packed actor parameters (schema actor fields, then interests).",
)


class Context(IntEnum):
    """What every actor observes at the start of a week: one slot each in the context vector."""

    PRESSURE = 0
    COHESION = 1
    ISOLATION = 2
    DIPLOMACY = 3
    PROXIMITY = 4
    PANDEMIC = 5
    ROOM = 6
    PATRON = 7
    MEDIATION = 8
    TALKS_ON = 9
    BOTH_WANT = 10
    STANDING_GAP = 11
    ELECTION_WEIGHT = 12


class Clock(IntEnum):
    """The part of a week's context that depends on the calendar and the parameters only
    (``decide.clock_context``): one slot each."""

    PROXIMITY = 0
    PANDEMIC = 1
    ROOM = 2
    ELECTION_WEIGHT = 3


class ActorConst(IntEnum):
    """An actor's products of parameters that its weekly decision multiplies by (3.4.1, 3.4.8):
    constant within a run, so the ensemble kernel tables them once per parameter set
    (``decide.actor_constants``), each computed by the rule that defines it."""

    COMMITMENT_SD = 0  # rules.noise_sd of the commitment noise
    ENGAGEMENT_SD = 1  # rules.noise_sd of the engagement noise
    STANDING_SD = 2  # rules.noise_sd of the standing noise
    SHIFT_CHANCE = 3  # rules.volatile_chance of a policy shift
    OUTBURST_CHANCE = 4  # rules.volatile_chance of an outburst
    PULL_WEIGHT = 5  # rules.commitment_weights
    CONVENTIONAL_WEIGHT = 6
    STRATEGIC_WEIGHT = 7
    UNILATERAL_WEIGHT = 8  # rules.setpoint_weights
    ENGAGEMENT_WEIGHT = 9
    RELIEF_WEIGHT = 10


#: Context slots read as flags by the Python wrappers.
CONTEXT_FLAGS = ("diplomacy", "pandemic", "talks_on", "both_want")


class Plan(IntEnum):
    """An actor's plan for next week: one slot each (the last four are flags)."""

    COMMITMENT = 0
    ENGAGEMENT = 1
    STANDING = 2
    REFERENCE = 3
    FATIGUE = 4
    SIGNAL = 5
    OUTBURST_COUNTERPART = 6
    OUTBURST_THIRD_PARTY = 7
    SHIFT = 8


class TargetPlan(IntEnum):
    """The target's decisions of the week."""

    MODE = 0
    PROVOCATION = 1
    ACCEPT = 2
    CANCEL = 3
    HEDGE = 4


class LeaderPlan(IntEnum):
    """The leader's decisions of the week."""

    ACCEPT = 0
    CONSULT = 1
    CANCEL = 2
    HEDGE = 3
    RESPONSE = 4
    APPETITE = 5


def names(enum: type[IntEnum]) -> tuple[str, ...]:
    """Lower-case member names of ``enum`` in code order (the field names of a record)."""
    return tuple(m.name.lower() for m in enum)  # type: ignore[attr-defined]


_ENUMS: tuple[type[IntEnum], ...] = (
    SummitState, Mode, Posture, ProvocationLevel, ScheduledKind, TieKind, Event, ActorField,
    Context, Clock, ActorConst, Plan, TargetPlan, LeaderPlan,
)  # fmt: skip


def layout() -> str:
    """Every code the compiled core freezes, as text: part of the compile-cache stamp."""
    return repr([(e.__name__, [(m.name, int(m)) for m in e]) for e in _ENUMS])
