"""One week of the model from Python: the entry points shared by the Mesa model and the
ensemble engine.

A week is: :func:`observe` (shared context from the frozen state), the actors' decisions
(:func:`decide_actors`, :func:`decide_target`, :func:`decide_leader`), their commits
(:func:`commit_actors`, :func:`commit_target`, :func:`commit_leader`), and the model-level
resolution (:func:`resolve_world`: summit process, ties, tension, events). Every actor decides
from the same frozen state before any commits, so the update is simultaneous.

The core is cut by job: codes (:mod:`.codes`), the structure record (:mod:`.structure`), the
parameters as the kernel reads them (:mod:`.params`), the state (:mod:`.state`), the compiled
phases in the ODD's weekly order (:mod:`.decide`, :mod:`.resolve`), the compiled entry
kernels (:mod:`.kernels`) and these Python wrappers. The ensemble's :func:`advance` runs all
weeks of every row in one kernel call; the Mesa agents call the very same compiled phases for
their own column through the wrappers below. State arrays carry the replicate on their
leading axis; parameters are stored once per distinct parameter set (:class:`ParamArrays`).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import codes
from . import kernels as K
from .codes import Mode, Posture, ProvocationLevel, SummitState
from .events import EVENT_INDEX, EVENT_KINDS, OUTCOMES
from .params import Packed, ParamArrays, compile_params, pack
from .rowrec import record_bytes
from .rules.prospect import POWER_ANCHORS
from .state import DERIVED, METRIC_NAMES, STATE_DTYPES, State, arrays, blank_state
from .streams import seed_keys
from .structure import Structure

__all__ = [
    "CONTEXT_FIELDS",
    "EVENT_INDEX",
    "EVENT_KINDS",
    "LEADER_FIELDS",
    "METRIC_NAMES",
    "PLAN_FIELDS",
    "STATE_DTYPES",
    "TARGET_FIELDS",
    "ActorPlan",
    "Context",
    "LeaderPlan",
    "Mode",
    "Packed",
    "ParamArrays",
    "Posture",
    "ProvocationLevel",
    "State",
    "Structure",
    "SummitState",
    "TargetPlan",
    "advance",
    "arrays",
    "commit_actors",
    "commit_leader",
    "commit_target",
    "compile_params",
    "decide_actors",
    "decide_leader",
    "decide_target",
    "initial_state",
    "make_keys",
    "measure",
    "observe",
    "outcome_flags",
    "outcomes",
    "pack",
    "pull_weights",
    "resolve_world",
    "step",
]

N_EVENTS = len(codes.Event)
CONTEXT_FIELDS = codes.names(codes.Context)
PLAN_FIELDS = codes.names(codes.Plan)
TARGET_FIELDS = codes.names(codes.TargetPlan)
LEADER_FIELDS = codes.names(codes.LeaderPlan)


def initial_state(p: ParamArrays, struct: Structure, packed: Packed | None = None) -> State:
    """The state at step 0 from the state table's initial values (one row per replicate);
    the reporters are measured and ``pressure0`` is the initial effective pressure.
    ``packed``: ``pack(p)`` if the caller has it (saves packing again)."""
    st = blank_state(p)
    measure(st, p if packed is None else packed, struct)
    for name, reporter in DERIVED:
        getattr(st, name)[:] = st.metrics[reporter]
    return st


def measure(st: State, p: ParamArrays | Packed, struct: Structure) -> dict[str, np.ndarray]:
    """The model reporters: cohesion, effective pressure and US isolation, per replicate
    (recomputed from ``st`` into its ``metrics``)."""
    pk = p if isinstance(p, Packed) else pack(p)
    a = struct.n_actors
    K.measure_rows(arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, np.empty(a), np.empty(a))
    return st.metrics


@dataclass
class Context:
    """What every actor observes at the start of a week (computed once, shared): one row of
    :data:`CONTEXT_FIELDS` per replicate, plus the packed parameters and stream keys the
    week's other phases use."""

    step: int
    values: np.ndarray  # (R, len(CONTEXT_FIELDS))
    packed: Packed
    keys: np.ndarray  # (R,) uint64 stream keys

    def __getattr__(self, name: str) -> np.ndarray:
        if name in CONTEXT_FIELDS:
            col = self.values[:, CONTEXT_FIELDS.index(name)]
            return col > 0 if name in codes.CONTEXT_FLAGS else col
        raise AttributeError(name)


def pull_weights(p: ParamArrays, struct: Structure) -> np.ndarray:
    """(S, A, A) pull weight of each coalition tie from its type, per stored parameter set;
    zero elsewhere."""
    a = struct.n_actors
    out = np.empty((p.n_stored, a, a))
    K.pull_rows(pack(p).pf, struct.kernel, out)
    return out


def _keys(keys: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(keys, dtype=np.uint64)


def observe(
    st: State, p: ParamArrays | Packed, struct: Structure, t: int, keys: np.ndarray
) -> Context:
    """Phase 1: the shared picture of the world at the start of week ``t``. Pass the packed
    parameters (:func:`pack`, once per run) to save packing them every week."""
    pk = p if isinstance(p, Packed) else pack(p)
    values = np.empty((pk.prow.shape[0], len(CONTEXT_FIELDS)))
    K.observe_rows(
        arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, t, values, np.empty(CLOCK_SLOTS)
    )
    return Context(step=t, values=values, packed=pk, keys=_keys(keys))


@dataclass
class ActorPlan:
    """What the actors in ``cols`` intend for next week: (R, k, len(PLAN_FIELDS))."""

    cols: np.ndarray
    values: np.ndarray

    def __getattr__(self, name: str) -> np.ndarray:
        if name in PLAN_FIELDS:
            col = self.values[:, :, PLAN_FIELDS.index(name)]
            return col if PLAN_FIELDS.index(name) < codes.Plan.SIGNAL else col > 0
        raise AttributeError(name)


@dataclass
class TargetPlan:
    """The target's intentions: (R, len(TARGET_FIELDS))."""

    values: np.ndarray


@dataclass
class LeaderPlan:
    """The leader's intentions: (R, len(LEADER_FIELDS))."""

    values: np.ndarray


def decide_actors(
    st: State, ctx: Context, p: ParamArrays | Packed, struct: Structure, cols: np.ndarray
) -> ActorPlan:
    """Phase 2: each actor's fatigue, commitment, engagement, standing and volatility events
    (``cols`` are the deciding actors: one for a Mesa agent, all for the ensemble). Reads
    the frozen state only."""
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    pk = ctx.packed
    out = np.empty((ctx.values.shape[0], cols.size, len(PLAN_FIELDS)))
    K.decide_actor_rows(
        arrays(st),
        pk.pf,
        pk.pa,
        pk.prow,
        struct.kernel,
        ctx.keys,
        ctx.step,
        ctx.values,
        cols,
        out,
        np.empty((struct.n_actors, struct.n_actors)),
        np.empty(struct.kernel.week_slots.shape[0]),
        np.empty((struct.n_actors, ACTOR_CONSTS)),
    )
    return ActorPlan(cols, out)


def _decide_role(st: State, ctx: Context, p: ParamArrays | Packed, struct: Structure, leader: bool):  # type: ignore[no-untyped-def]
    pk = ctx.packed
    out = np.empty((ctx.values.shape[0], len(LEADER_FIELDS) if leader else len(TARGET_FIELDS)))
    K.decide_role_rows(
        arrays(st),
        pk.pf,
        pk.pa,
        pk.prow,
        struct.kernel,
        ctx.keys,
        ctx.step,
        ctx.values,
        leader,
        out,
        np.empty(struct.kernel.week_slots.shape[0]),
        np.empty((2, POWER_ANCHORS.shape[0])),
    )
    return out


def decide_target(
    st: State, ctx: Context, p: ParamArrays | Packed, struct: Structure
) -> TargetPlan:
    """Phase 2 for the target (DPRK): policy mode, provocation, summit acceptance and cancel."""
    return TargetPlan(_decide_role(st, ctx, p, struct, False))


def decide_leader(
    st: State, ctx: Context, p: ParamArrays | Packed, struct: Structure
) -> LeaderPlan:
    """Phase 2 for the leader (US): prospect-theory choices on the summit and after tests."""
    return LeaderPlan(_decide_role(st, ctx, p, struct, True))


_NO_ROLE = np.empty((0, 0))


def commit_actors(st: State, plan: ActorPlan, cols: np.ndarray) -> None:
    """Phase 3: write the actors' plans into the shared state."""
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    K.commit_rows(arrays(st), cols, plan.values, 0, np.empty((plan.values.shape[0], 0)))


def commit_target(st: State, plan: TargetPlan) -> None:
    r = plan.values.shape[0]
    K.commit_rows(arrays(st), np.empty(0, dtype=np.int64), np.empty((r, 0, 0)), 1, plan.values)


def commit_leader(st: State, plan: LeaderPlan) -> None:
    r = plan.values.shape[0]
    K.commit_rows(arrays(st), np.empty(0, dtype=np.int64), np.empty((r, 0, 0)), 2, plan.values)


def _event_dict(events: np.ndarray) -> dict[str, np.ndarray]:
    return {name: events[:, k].copy() for k, name in enumerate(EVENT_KINDS)}


def resolve_world(
    st: State, ctx: Context, p: ParamArrays | Packed, struct: Structure
) -> dict[str, np.ndarray]:
    """Phase 4: model-level consequences of the committed decisions; returns this week's events."""
    pk = ctx.packed
    events = np.zeros((ctx.values.shape[0], len(codes.Event)), dtype=np.bool_)
    K.resolve_rows(
        arrays(st),
        pk.pf,
        pk.pa,
        pk.prow,
        struct.kernel,
        ctx.keys,
        ctx.step,
        ctx.values,
        events,
        np.empty(struct.n_actors),
        np.empty(struct.n_actors),
        np.empty(struct.kernel.week_slots.shape[0]),
        np.empty((2, POWER_ANCHORS.shape[0])),
    )
    return _event_dict(events)


_NO_RECORD = np.empty(0, dtype=np.int64)
CLOCK_SLOTS = len(codes.Clock)
ACTOR_CONSTS = len(codes.ActorConst)

#: Working buffers of the kernel (the compiled code runs without a memory manager, so it
#: allocates nothing: no reference counting in the loop).
Scratch = namedtuple(
    "Scratch", "pull ctx plans capacity shares target_plan leader_plan u anchors clocks consts"
)


def _scratch(a: int, weeks: int, uniforms: int) -> Any:
    return Scratch(
        pull=np.empty((a, a)),
        ctx=np.empty(len(CONTEXT_FIELDS)),
        plans=np.empty((a, len(PLAN_FIELDS))),
        capacity=np.empty(a),
        shares=np.empty(a),
        target_plan=np.empty(len(TARGET_FIELDS)),
        leader_plan=np.empty(len(LEADER_FIELDS)),
        u=np.empty(uniforms),
        anchors=np.empty((2, POWER_ANCHORS.shape[0])),
        clocks=np.empty((max(weeks, 0), CLOCK_SLOTS)),
        consts=np.empty((a, ACTOR_CONSTS)),
    )


def advance(
    st: State,
    p: ParamArrays | Packed,
    struct: Structure,
    keys: np.ndarray,
    t0: int,
    t1: int,
    record_at: np.ndarray | None = None,
    out: np.ndarray | None = None,
    first: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Weeks ``t0`` .. ``t1 - 1`` for every row in the compiled kernel (the ensemble's path).

    Returns (events of the last week (R, len(codes.Event)) bool, trajectory (R, len(record_at),
    4 + A): cohesion, effective pressure, US isolation, tension and each actor's commitment
    after each step in ``record_at``).

    ``out``: a float64 (V, R, S) array, variable-major, to write the trajectory into instead
    (step ``record_at[k]`` in column ``first + k``; V = 4 + the first V - 4 actors'
    commitments), then returned as it is. The ensemble hands the kernel its table's own array
    this way: no zeroed buffer and no transposing copy."""
    pk = p if isinstance(p, Packed) else pack(p)
    r, a = st.commitment.shape
    at = _NO_RECORD if record_at is None else np.ascontiguousarray(record_at, dtype=np.int64)
    traj = np.zeros((4 + a, r, first + at.size)) if out is None else out
    if traj.ndim != 3 or traj.shape[1] != r or not 4 <= traj.shape[0] <= 4 + a:
        raise ValueError(f"out of shape {traj.shape} for {r} rows and {a} actors")
    if first < 0 or first + at.size > traj.shape[2]:
        raise ValueError(f"out of shape {traj.shape} has no room for {at.size} steps from {first}")
    events = np.zeros((r, len(codes.Event)), dtype=np.bool_)
    K.advance_rows(
        arrays(st),
        pk.pf,
        pk.pa,
        pk.prow,
        struct.kernel,
        _keys(keys),
        t0,
        t1,
        events,
        at,
        traj,
        first,
        _scratch(a, t1 - t0, struct.kernel.week_slots.shape[0]),
        np.empty(record_bytes(a), dtype=np.uint8),
    )
    return events, (traj if out is not None else traj[:, :, first:].transpose(1, 2, 0))


def step(st: State, p: ParamArrays, struct: Structure, t: int, keys: np.ndarray) -> dict:
    """One week for every replicate and every actor (the ensemble's path); returns the
    week's events."""
    events, _ = advance(st, p, struct, keys, t, t + 1)
    return _event_dict(events)


# --------------------------------------------------------------------------- outcomes


#: The event counter behind each outcome flag but the last (:data:`.events.OUTCOMES` order).
_OUTCOME_EVENTS = (
    "summit_held", "agreement", "coalition_fracture", "pressure_unwound", "us_isolated",
    "strategic_test", "military_crisis", "summit_cancelled", "summit_revived",
)  # fmt: skip
_OUTCOME_COUNTERS = np.array([EVENT_INDEX[name] for name in _OUTCOME_EVENTS], dtype=np.intp)
_AGREEMENT, _CRISIS, _TEST = (
    _OUTCOME_EVENTS.index(name) for name in ("agreement", "military_crisis", "strategic_test")
)


def outcome_flags(st: State) -> np.ndarray:
    """(len(OUTCOMES), R) bool, one row per outcome of :data:`.events.OUTCOMES`, each row
    contiguous: the ensemble's final table takes it as one block (no column-by-column
    assembly); :func:`outcomes` names its rows."""
    flags = np.empty((len(OUTCOMES), st.counts.shape[0]), dtype=np.bool_)
    np.greater(st.counts.T[_OUTCOME_COUNTERS], 0, out=flags[:-1])
    # 'muddling_through' ([S20]): no agreement, no military crisis and no strategic test
    np.logical_or(flags[_AGREEMENT], flags[_CRISIS], out=flags[-1])
    np.logical_or(flags[-1], flags[_TEST], out=flags[-1])
    np.logical_not(flags[-1], out=flags[-1])
    return flags


def outcomes(st: State) -> dict[str, np.ndarray]:
    """Per-replicate outcome flags from the event counters (True = happened in the run).

    'muddling_through' ([S20]) is neither breakthrough nor breakdown: no agreement, no
    military crisis and no strategic test.
    """
    return dict(zip(OUTCOMES, outcome_flags(st), strict=True))


def make_keys(seeds: np.ndarray | int) -> np.ndarray:
    """Stream keys for replicate seeds (re-exported for callers of :func:`step`)."""
    return seed_keys(seeds)
