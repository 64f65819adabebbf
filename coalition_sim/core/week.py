"""One week of the model, compiled: phases shared by the Mesa model and the ensemble engine.

A week is: :func:`observe` (shared context from the frozen state), the actors' decisions
(:func:`decide_actors`, :func:`decide_target`, :func:`decide_leader`), their commits
(:func:`commit_actors`, :func:`commit_target`, :func:`commit_leader`), and the model-level
resolution (:func:`resolve_world`: summit process, ties, tension, events). Every actor decides
from the same frozen state before any commits, so the update is simultaneous.

Each phase is a numba-compiled function of one replicate (``_observe``, ``_decide_actor``,
``_decide_target``, ``_decide_leader``, ``_commit_*``, ``_resolve_world``) built from the rules
in :mod:`coalition_sim.core.rules`. The ensemble's kernel (:func:`advance`) loops over
replicates and weeks and calls them in the order above, drawing its random numbers from the
counter-based streams inside the loop; the Mesa agents call the very same compiled phases for
their own column through the Python wrappers below. State arrays carry the replicate on their
leading axis; parameters are stored once per distinct parameter set (:class:`ParamArrays`).
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import BaseModel

from ..scenario.names import ACTOR_FIELDS, INTEREST_FIELDS
from ..scenario.schema import TIE_TYPES, EventKind, Params, Role, Scenario, TieType
from . import rules as R
from .events import EVENT_INDEX, EVENT_KINDS
from .jit import compiled, inlined
from .params import GROUPS, ActorArrays, ClockArrays, ParamArrays, check_schema
from .rules import Mode, Posture, ProvocationLevel, SummitState
from .streams import WORLD, Draw, draw, seed_keys, step_key

__all__ = [
    "EVENT_KINDS",
    "Mode",
    "ParamArrays",
    "Posture",
    "ProvocationLevel",
    "State",
    "Structure",
    "SummitState",
    "advance",
    "compile_params",
    "initial_state",
    "observe",
    "resolve_world",
    "step",
]


N_EVENTS = len(EVENT_KINDS)
# Event slots as plain ints for the compiled code. Compiled kernels are cached on disk and
# freeze these numbers, so the order is spelled out here and checked against the event table.
_KERNEL_EVENT_ORDER = (
    "summit_proposed", "summit_scheduled", "unconsulted_decision", "summit_lapsed",
    "summit_cancelled", "summit_revived", "summit_held", "agreement", "no_deal",
    "conventional_test", "strategic_test", "outburst_counterpart", "outburst_third_party",
    "policy_shift", "mode_influence", "mode_autonomy", "us_compromise", "us_sideline",
    "us_escalate", "military_crisis", "coalition_fracture", "pressure_unwound", "us_isolated",
    "election", "pandemic_start", "pandemic_end", "scheduled_event",
)  # fmt: skip
if EVENT_KINDS != _KERNEL_EVENT_ORDER:
    raise ImportError("core/events.py changed the event order: update _KERNEL_EVENT_ORDER")
(E_PROPOSED, E_SCHEDULED, E_UNCONSULTED, E_LAPSED, E_CANCELLED, E_REVIVED, E_HELD, E_AGREEMENT,
 E_NO_DEAL, E_CONVENTIONAL, E_STRATEGIC, E_OUTBURST_CP, E_OUTBURST_TP, E_SHIFT, E_MODE_INFLUENCE,
 E_MODE_AUTONOMY, E_COMPROMISE, E_SIDELINE, E_ESCALATE, E_CRISIS, E_FRACTURE, E_UNWOUND,
 E_ISOLATED, E_ELECTION, E_PANDEMIC_START, E_PANDEMIC_END, E_SCHEDULED_EVENT) = range(N_EVENTS)  # fmt: skip

# draw slots (plain ints for the compiled code)
D_COMMIT, D_ENGAGE, D_STANDING, D_OUTBURST, D_SHIFT, D_SHIFT_SIGN, D_SIGNAL = (
    int(Draw.COMMIT_NOISE), int(Draw.ENGAGE_NOISE), int(Draw.STANDING_NOISE), int(Draw.OUTBURST),
    int(Draw.SHIFT), int(Draw.SHIFT_SIGN), int(Draw.SIGNAL),
)  # fmt: skip
D_CANCEL, D_HEDGE, D_CONSULT, D_MODE, D_PROVOCATION, D_ACCEPT, D_RESPONSE = (
    int(Draw.CANCEL), int(Draw.HEDGE), int(Draw.CONSULT), int(Draw.MODE), int(Draw.PROVOCATION),
    int(Draw.ACCEPT), int(Draw.RESPONSE),
)  # fmt: skip
D_PROPOSE, D_HOLD, D_REVIVE = int(Draw.PROPOSE), int(Draw.HOLD), int(Draw.REVIVE)
W_ACTOR = WORLD

# state codes (plain ints for the compiled code)
S_NONE, S_PROPOSED, S_SCHEDULED, S_CANCELLED, S_HELD = 0, 1, 2, 3, 4
M_INFLUENCE, M_AUTONOMY = 0, 1
P_NONE, P_COMPROMISE, P_SIDELINE, P_ESCALATE = 0, 1, 2, 3
L_NONE, L_CONVENTIONAL, L_STRATEGIC = 0, 1, 2
K_PROPOSAL, K_STRATEGIC, K_CONVENTIONAL, K_MODE, K_SHOCK = 0, 1, 2, 3, 4
_EVENT_CODES = {
    EventKind.SUMMIT_PROPOSAL: K_PROPOSAL,
    EventKind.STRATEGIC_TEST: K_STRATEGIC,
    EventKind.CONVENTIONAL_TEST: K_CONVENTIONAL,
    EventKind.DPRK_MODE: K_MODE,
    EventKind.SHOCK: K_SHOCK,
}
_SHOCK_VARIABLES = ("commitment", "engagement", "standing", "anchor")

#: Fields of the kernel's structure record (numba reads it as a named tuple).
Kernel = namedtuple(
    "Kernel",
    "tie_type coalition partners pairs leader_allies patrons leader target election_steps "
    "pandemic_start ev_step ev_kind ev_mode ev_var ev_actor ev_value",
)


# --------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Structure:
    """What every replicate of one engine shares: actors, tie types, calendar and events."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    roles: tuple[Role, ...]
    leader: int
    target: int
    tie_type: np.ndarray  # (A, A) int8, -1 = no tie, else index into TIE_TYPES
    coalition: np.ndarray  # (A,) float 1.0 for non-target actors
    partners: np.ndarray  # (A,) float 1.0 for coalition actors other than the leader
    coalition_pairs: np.ndarray  # (n, 2) tied coalition pairs i < j
    coalition_mask: np.ndarray  # (A, A) bool: tied coalition pairs (both directions)
    leader_allies: np.ndarray  # (A,) bool: treaty allies of the leader
    patrons: np.ndarray  # (A,) bool: treaty allies or partners of the target
    start_date: dt.date
    election_steps: np.ndarray  # steps (1-based) in which a US election falls
    pandemic_start: int  # step in which the pandemic starts; huge if none
    events: dict[int, tuple[Any, ...]]  # step -> scheduled events

    @property
    def n_actors(self) -> int:
        return len(self.ids)

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.n_actors)

    @classmethod
    def from_scenario(cls, scn: Scenario) -> Structure:
        ids = tuple(scn.actor_ids)
        index = {a: i for i, a in enumerate(ids)}
        n = len(ids)
        roles = tuple(a.role for a in scn.actors)
        leader = roles.index(Role.LEADER)
        target = roles.index(Role.TARGET)
        tie_type = np.full((n, n), -1, dtype=np.int8)
        for tie in scn.ties:
            i, j = index[tie.a], index[tie.b]
            tie_type[i, j] = tie_type[j, i] = TIE_TYPES.index(tie.type)
        coalition = np.array([r is not Role.TARGET for r in roles], dtype=np.float64)
        partners = coalition.copy()
        partners[leader] = 0.0
        pairs = [
            (i, j)
            for i in range(n)
            for j in range(i + 1, n)
            if tie_type[i, j] >= 0 and coalition[i] and coalition[j]
        ]
        mask = np.zeros((n, n), dtype=bool)
        for i, j in pairs:
            mask[i, j] = mask[j, i] = True
        ally = TIE_TYPES.index(TieType.TREATY_ALLY)
        partner = TIE_TYPES.index(TieType.PARTNER)
        leader_allies = tie_type[leader] == ally
        patrons = np.isin(tie_type[target], [ally, partner])
        events: dict[int, list[Any]] = {}
        for ev in scn.events:
            events.setdefault(scn.step_of(ev.date), []).append(ev)
        start = scn.clock.pandemic_start
        return cls(
            ids=ids,
            names=tuple(a.name for a in scn.actors),
            roles=roles,
            leader=leader,
            target=target,
            tie_type=tie_type,
            coalition=coalition,
            partners=partners,
            coalition_pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2),
            coalition_mask=mask,
            leader_allies=leader_allies,
            patrons=patrons,
            start_date=scn.start_date,
            election_steps=np.array(
                sorted(scn.step_of(d) for d in scn.clock.us_elections if d >= scn.start_date),
                dtype=np.int64,
            ),
            pandemic_start=scn.step_of(start) if start is not None else 1 << 40,
            events={k: tuple(v) for k, v in events.items()},
        )

    def date_of(self, step: int) -> dt.date:
        return self.start_date + dt.timedelta(weeks=step)

    def weeks_to_election(self, step: int) -> int:
        """Weeks from ``step`` to the next election step (-1 if none is ahead)."""
        ahead = self.election_steps[self.election_steps >= step]
        return int(ahead[0] - step) if ahead.size else -1

    @cached_property
    def kernel(self) -> Any:
        """The structure as the compiled phases read it (a :data:`Kernel` named tuple)."""
        index = {a: i for i, a in enumerate(self.ids)}
        rows = [(t, ev) for t in sorted(self.events) for ev in self.events[t]]
        return Kernel(
            tie_type=self.tie_type.astype(np.int64),
            coalition=self.coalition.astype(np.float64),
            partners=self.partners.astype(np.float64),
            pairs=np.ascontiguousarray(self.coalition_pairs, dtype=np.int64),
            leader_allies=self.leader_allies.astype(np.float64),
            patrons=self.patrons.astype(np.float64),
            leader=int(self.leader),
            target=int(self.target),
            election_steps=self.election_steps.astype(np.int64),
            pandemic_start=int(self.pandemic_start),
            ev_step=np.array([t for t, _ in rows], dtype=np.int64),
            ev_kind=np.array([_EVENT_CODES[ev.kind] for _, ev in rows], dtype=np.int64),
            ev_mode=np.array(
                [Mode[ev.mode.upper()] if ev.kind is EventKind.DPRK_MODE else 0 for _, ev in rows],
                dtype=np.int64,
            ),
            ev_var=np.array(
                [
                    _SHOCK_VARIABLES.index(ev.variable) if ev.kind is EventKind.SHOCK else 0
                    for _, ev in rows
                ],
                dtype=np.int64,
            ),
            ev_actor=np.array(
                [index[ev.actor] if ev.kind is EventKind.SHOCK else 0 for _, ev in rows],
                dtype=np.int64,
            ),
            ev_value=np.array(
                [float(ev.value) if ev.kind is EventKind.SHOCK else 0.0 for _, ev in rows],
                dtype=np.float64,
            ),
        )


# --------------------------------------------------------------------------- parameters

_ACTOR_FIELDS = ACTOR_FIELDS
_INTEREST_FIELDS = INTEREST_FIELDS


check_schema(Params, _ACTOR_FIELDS + _INTEREST_FIELDS)

#: Actor parameters in the kernel's (S, field, A) array, in this fixed order (the compiled
#: code indexes them by the constants below, so the order lives here, not in the schema).
KERNEL_ACTOR_FIELDS: tuple[str, ...] = (
    "capability", "commitment", "engagement", "standing", "reference", "volatility",
    "conformity", "mediation", "fear_of_snub", "hedging", "consults", "trade", "security",
    "economy", "prestige", "stability",
)  # fmt: skip
(A_CAPABILITY, A_COMMITMENT, A_ENGAGEMENT, A_STANDING, A_REFERENCE, A_VOLATILITY, A_CONFORMITY,
 A_MEDIATION, A_FEAR, A_HEDGING, A_CONSULTS, A_TRADE, A_SECURITY, A_ECONOMY, A_PRESTIGE,
 A_STABILITY) = range(len(KERNEL_ACTOR_FIELDS))  # fmt: skip
assert sorted(KERNEL_ACTOR_FIELDS) == sorted(_ACTOR_FIELDS + _INTEREST_FIELDS)

_SCALAR_EXTRAS = ("mode0", "relief0", "prestige0", "programme0")


def _group_arrays(model: BaseModel, rows: int) -> Any:
    values = {name: np.full(rows, float(getattr(model, name))) for name in type(model).model_fields}
    return GROUPS[_GROUP_OF[type(model)]](**values)


_GROUP_OF = {f.annotation: name for name, f in Params.model_fields.items()}


def compile_params(scn: Scenario, rows: int = 1) -> ParamArrays:
    """The scenario's parameters, stored once and shared by ``rows`` replicate rows."""
    groups = {group: _group_arrays(getattr(scn.params, group), 1) for group in Params.model_fields}
    clock = ClockArrays(
        pandemic_weeks=np.full(1, float(scn.clock.pandemic_weeks)),
        pandemic_narrowing=np.full(1, scn.clock.pandemic_narrowing),
        pandemic_inward=np.full(1, scn.clock.pandemic_inward),
        election_horizon=np.full(1, float(scn.clock.election_horizon)),
    )
    columns: dict[str, np.ndarray] = {}
    for name in _ACTOR_FIELDS:
        columns[name] = np.array([[float(getattr(a, name)) for a in scn.actors]])
    for name in _INTEREST_FIELDS:
        columns[name] = np.array([[getattr(a.interests, name) for a in scn.actors]])
    index = {a: i for i, a in enumerate(scn.actor_ids)}
    n = len(index)
    w0 = np.zeros((1, n, n))
    for tie in scn.ties:
        i, j = index[tie.a], index[tie.b]
        w0[0, i, j] = w0[0, j, i] = tie.strength
    return ParamArrays(
        **groups,
        clock=clock,
        actor=ActorArrays(**columns),
        strength0=w0,
        mode0=np.full(1, float(Mode[scn.dprk_mode.upper()])),
        relief0=np.full(1, scn.dprk_relief),
        prestige0=np.full(1, scn.dprk_prestige),
        programme0=np.full(1, scn.dprk_programme),
        index=np.zeros(rows, dtype=np.intp),
    )


def _scalar_fields(p: ParamArrays) -> list[tuple[str, np.ndarray]]:
    out = []
    for group in (*Params.model_fields, "clock"):
        rec = getattr(p, group)
        out += [(f"{group}_{f.name}", getattr(rec, f.name)) for f in fields(rec)]
    out += [(name, getattr(p, name)) for name in _SCALAR_EXTRAS]
    return out


@dataclass(frozen=True)
class Packed:
    """Parameters as the kernel reads them: one record per stored parameter set (``pf``,
    fields ``<group>_<name>``), actor parameters (S, field, A), initial strengths (S, A, A)
    and each replicate row's stored set (``prow``)."""

    pf: np.ndarray
    pa: np.ndarray
    s0: np.ndarray
    prow: np.ndarray


def pack(p: ParamArrays) -> Packed:
    """Pack ``p`` for the compiled phases (cost: one pass over the stored sets, not rows)."""
    n = p.n_stored
    cols = _scalar_fields(p)
    pf = np.empty(n, dtype=np.dtype([(name, np.float64) for name, _ in cols], align=True))
    for name, arr in cols:
        if arr.shape != (n,):
            raise ValueError(f"parameter {name} has shape {arr.shape}, expected ({n},)")
        pf[name] = arr
    a = p.actor.capability.shape[1]
    pa = np.empty((n, len(KERNEL_ACTOR_FIELDS), a))
    for k, name in enumerate(KERNEL_ACTOR_FIELDS):
        pa[:, k, :] = getattr(p.actor, name)
    s0 = np.ascontiguousarray(p.strength0, dtype=np.float64)
    return Packed(pf, pa, s0, np.ascontiguousarray(p.row_index(), dtype=np.int64))


# --------------------------------------------------------------------------- state


@dataclass
class State:
    """Everything that changes during a run, as arrays with the replicate on axis 0."""

    commitment: np.ndarray  # (R, A)
    anchor: np.ndarray  # (R, A) the commitment each actor returns to without shocks
    engagement: np.ndarray
    standing: np.ndarray
    reference: np.ndarray
    fatigue: np.ndarray
    silence: np.ndarray  # (R, A) int: weeks since the actor last sent a dialogue signal
    outburst_counterpart: np.ndarray  # (R, A) bool, this week's
    outburst_third_party: np.ndarray
    shift: np.ndarray
    strength: np.ndarray  # (R, A, A)
    tie_baseline: np.ndarray  # (R, A, A) each tie's institutional (initial) strength
    divergence: np.ndarray
    mode: np.ndarray  # (R,) int8 Mode
    summit: np.ndarray  # (R,) int8 SummitState
    summit_timer: np.ndarray  # (R,) int32
    hedged: np.ndarray  # (R,) bool
    relief: np.ndarray  # (R,) DPRK economic relief obtained
    prestige: np.ndarray  # (R,) DPRK prestige obtained
    security: np.ndarray  # (R,) DPRK perceived regime security
    programme: np.ndarray  # (R,) DPRK weapons-programme momentum in [0, 1]
    alarm: np.ndarray  # (R,) the coalition's fading memory of tests (habituation)
    unilateral: np.ndarray  # (R,) fading memory of the leader's unconsulted moves
    tension: np.ndarray  # (R,) military tension
    posture: np.ndarray  # (R,) int8 Posture
    posture_age: np.ndarray  # (R,) int32 weeks since the posture was chosen
    provocation: np.ndarray  # (R,) int8 provocation rung of the last week
    snub: np.ndarray  # (R,) bool: last week's summit ended without relief
    since_summit: np.ndarray  # (R,) int32 weeks since the last held summit
    pressure0: np.ndarray  # (R,) effective pressure at the start
    fractured: np.ndarray  # (R,) bool: cohesion currently below the fracture line
    unwound: np.ndarray
    isolated: np.ndarray
    crisis: np.ndarray  # (R,) bool: tension currently at or above the crisis threshold
    canceller: np.ndarray  # (R,) int16 actor index of the last cancellation (-1 none)
    # role decisions committed by the leader and target agents, read by resolve_world
    target_accept: np.ndarray
    target_cancel: np.ndarray
    target_hedge: np.ndarray
    planned_provocation: np.ndarray
    planned_mode: np.ndarray
    leader_accept: np.ndarray
    leader_consult: np.ndarray
    leader_cancel: np.ndarray
    leader_hedge: np.ndarray
    leader_appetite: np.ndarray  # (R,) float: the leader's summit-gamble logit this week
    response: np.ndarray  # (R,) int8 Posture chosen this week (NONE = no new choice)
    counts: np.ndarray  # (R, len(EVENT_KINDS)) int32
    metrics: dict[str, np.ndarray] = field(default_factory=dict)

    def copy(self) -> State:
        return State(
            **{  # type: ignore[arg-type]
                f.name: (
                    {k: v.copy() for k, v in getattr(self, f.name).items()}
                    if f.name == "metrics"
                    else getattr(self, f.name).copy()
                )
                for f in fields(self)
            }
        )


#: dtype of every state array the compiled phases read and write.
STATE_DTYPES: dict[str, Any] = {f.name: np.float64 for f in fields(State) if f.name != "metrics"}
STATE_DTYPES.update(
    silence=np.int32, outburst_counterpart=np.bool_, outburst_third_party=np.bool_,
    shift=np.bool_, mode=np.int8, summit=np.int8, summit_timer=np.int32, hedged=np.bool_,
    posture=np.int8, posture_age=np.int32, provocation=np.int8, snub=np.bool_,
    since_summit=np.int32, fractured=np.bool_, unwound=np.bool_, isolated=np.bool_,
    crisis=np.bool_, canceller=np.int16, target_accept=np.bool_, target_cancel=np.bool_,
    target_hedge=np.bool_, planned_provocation=np.int8, planned_mode=np.int8,
    leader_accept=np.bool_, leader_consult=np.bool_, leader_cancel=np.bool_,
    leader_hedge=np.bool_, response=np.int8, counts=np.int32,
)  # fmt: skip
METRIC_NAMES = ("cohesion", "effective_pressure", "us_isolation")
StateArrays = namedtuple("StateArrays", [*STATE_DTYPES, *METRIC_NAMES])  # type: ignore[misc]


def arrays(st: State) -> Any:
    """The state as the compiled phases read it; arrays of another dtype or layout (set by a
    caller) are converted in place on ``st`` first."""
    out = {}
    for name, dtype in STATE_DTYPES.items():
        arr = getattr(st, name)
        if arr.dtype != dtype or not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr, dtype=dtype)
            setattr(st, name, arr)
        out[name] = arr
    for name in METRIC_NAMES:
        arr = st.metrics[name]
        if arr.dtype != np.float64 or not arr.flags.c_contiguous:
            arr = st.metrics[name] = np.ascontiguousarray(arr, dtype=np.float64)
        out[name] = arr
    return StateArrays(**out)


def initial_state(p: ParamArrays, struct: Structure) -> State:
    """The state at step 0 from the scenario's initial values (one row per replicate)."""
    r, a = p.n_rows, p.actor.capability.shape[1]
    idx = p.row_index()
    zeros: dict[str, Any] = {
        name: np.zeros((r, a) if name in _PER_ACTOR else (r,), dtype=dtype)
        for name, dtype in STATE_DTYPES.items()
        if name not in ("strength", "tie_baseline", "divergence", "counts")
    }
    st = State(
        **zeros,
        strength=p.strength0[idx].astype(np.float64),
        tie_baseline=p.strength0[idx].astype(np.float64),
        divergence=np.zeros((r, a, a)),
        counts=np.zeros((r, N_EVENTS), dtype=np.int32),
    )  # fmt: skip
    for name in ("commitment", "engagement", "standing", "reference"):
        st.__dict__[name][:] = getattr(p.actor, name)[idx]
    st.anchor[:] = p.actor.commitment[idx]
    st.mode[:] = p.mode0[idx]
    st.planned_mode[:] = p.mode0[idx]
    st.relief[:] = p.relief0[idx]
    st.prestige[:] = p.prestige0[idx]
    st.security[:] = p.target.security0[idx]
    st.programme[:] = p.programme0[idx]
    st.since_summit[:] = 1 << 20
    st.canceller[:] = -1
    st.metrics = {name: np.zeros(r) for name in METRIC_NAMES}
    pk = pack(p)
    _measure_rows(arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, np.empty(struct.n_actors))
    st.pressure0[:] = st.metrics["effective_pressure"]
    return st


_PER_ACTOR = {
    "commitment", "anchor", "engagement", "standing", "reference", "fatigue", "silence",
    "outburst_counterpart", "outburst_third_party", "shift",
}  # fmt: skip


def measure(st: State, p: ParamArrays, struct: Structure) -> dict[str, np.ndarray]:
    """The model reporters: cohesion, effective pressure and US isolation, per replicate
    (recomputed from ``st`` into its ``metrics``)."""
    pk = pack(p)
    _measure_rows(arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, np.empty(struct.n_actors))
    return st.metrics


# --------------------------------------------------------------------------- compiled phases

# what every actor observes at the start of a week: one slot each in the context vector
(C_PRESSURE, C_COHESION, C_ISOLATION, C_DIPLOMACY, C_PROXIMITY, C_PANDEMIC, C_ROOM, C_PATRON,
 C_MEDIATION, C_TALKS_ON, C_DESTABILISATION, C_BOTH_WANT) = range(12)  # fmt: skip
CONTEXT_FIELDS = (
    "pressure", "cohesion", "isolation", "diplomacy", "proximity", "pandemic", "room", "patron",
    "mediation", "talks_on", "destabilisation", "both_want",
)  # fmt: skip
# an actor's plan: one slot each
(Q_COMMITMENT, Q_ENGAGEMENT, Q_STANDING, Q_REFERENCE, Q_FATIGUE, Q_SIGNAL, Q_OUTBURST_CP,
 Q_OUTBURST_TP, Q_SHIFT) = range(9)  # fmt: skip
PLAN_FIELDS = (
    "commitment", "engagement", "standing", "reference", "fatigue", "signal",
    "outburst_counterpart", "outburst_third_party", "shift",
)  # fmt: skip
TARGET_FIELDS = ("mode", "provocation", "accept", "cancel", "hedge")
LEADER_FIELDS = ("accept", "consult", "cancel", "hedge", "response", "appetite")

phase = inlined
kernel = compiled


@phase
def _weeks_to_election(g: Any, t: int) -> int:
    for k in range(g.election_steps.shape[0]):
        if g.election_steps[k] >= t:
            return g.election_steps[k] - t
    return -1


@phase
def _pull_matrix(pf: Any, g: Any, out: np.ndarray) -> None:
    """Pull weight of each coalition tie from its type; zero elsewhere (only coalition
    members pull on commitment: the target's 'commitment' is its defiance)."""
    a = out.shape[0]
    for i in range(a):
        for j in range(a):
            tt = g.tie_type[i, j]
            w = 0.0
            if tt >= 0 and g.coalition[i] > 0 and g.coalition[j] > 0:
                if tt == 0:
                    w = pf.ties_pull_treaty_ally
                elif tt == 1:
                    w = pf.ties_pull_partner
                elif tt == 2:
                    w = pf.ties_pull_rival
                else:
                    w = pf.ties_pull_adversary
            out[i, j] = w


@phase
def _measure(r: int, s: Any, pf: Any, pa: np.ndarray, g: Any, capacity: np.ndarray) -> None:
    """The reporters of row ``r``: cohesion, effective pressure, US isolation."""
    R.enforcement_capacity(
        pa[A_CAPABILITY], pa[A_TRADE], g.coalition, pf.enforcement_trade_weight, capacity
    )
    c = s.commitment[r]
    s.cohesion[r] = R.cohesion(c, s.strength[r], g.pairs)
    s.effective_pressure[r] = R.effective_pressure(
        c, capacity, pf.enforcement_defection_threshold, pf.enforcement_defection_softness
    )
    s.us_isolation[r] = R.us_isolation(c, capacity, g.leader, g.partners)


@kernel
def _measure_rows(
    s: Any, pfs: np.ndarray, pas: np.ndarray, prow: np.ndarray, g: Any, capacity: np.ndarray
) -> None:
    for r in range(prow.shape[0]):
        _measure(r, s, pfs[prow[r]], pas[prow[r]], g, capacity)


@phase
def _observe(r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, ctx: np.ndarray) -> None:
    """Phase 1: the shared picture of the world at the start of week ``t``."""
    ld, tg = g.leader, g.target
    summit = s.summit[r]
    ctx[C_PRESSURE] = s.effective_pressure[r]
    ctx[C_COHESION] = s.cohesion[r]
    ctx[C_ISOLATION] = s.us_isolation[r]
    ctx[C_DIPLOMACY] = R.diplomatic_track(summit, s.since_summit[r], pf.outcomes_track_memory)
    ctx[C_PROXIMITY] = R.election_proximity(
        float(_weeks_to_election(g, t)), pf.clock_election_horizon
    )
    pandemic = t >= g.pandemic_start and t < g.pandemic_start + pf.clock_pandemic_weeks
    ctx[C_PANDEMIC] = pandemic
    ctx[C_ROOM] = R.room_for_dialogue(pandemic, pf.clock_pandemic_narrowing)
    ctx[C_PATRON] = R.patron_commitment(s.strength[r, tg], g.patrons, s.commitment[r])
    ctx[C_MEDIATION] = R.heeded_mediation(
        R.mediation_level(pa[A_MEDIATION], s.engagement[r]),
        s.mode[r] == M_AUTONOMY,
        pf.target_mediator_shunning,
    )
    ctx[C_TALKS_ON] = summit in (S_PROPOSED, S_SCHEDULED)
    ctx[C_DESTABILISATION] = s.tension[r]
    ctx[C_BOTH_WANT] = R.both_want_meeting(
        summit, s.engagement[r, ld], s.engagement[r, tg], pf.volatility_want_threshold
    )


@phase
def _decide_actor(
    r: int, i: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64,
    ctx: np.ndarray, pull: np.ndarray, plan: np.ndarray,
) -> None:  # fmt: skip
    """Phase 2: actor ``i``'s fatigue, commitment, engagement, standing and volatility events
    for next week, from the frozen state (writes only ``plan``)."""
    ld, tg = g.leader, g.target
    is_target, is_leader = i == tg, i == ld
    vol = pa[A_VOLATILITY, i]
    u_commit = draw(key, i, D_COMMIT)
    u_engage = draw(key, i, D_ENGAGE)
    u_standing = draw(key, i, D_STANDING)
    u_outburst = draw(key, i, D_OUTBURST)
    u_shift = draw(key, i, D_SHIFT)
    u_sign = draw(key, i, D_SHIFT_SIGN)
    u_signal = draw(key, i, D_SIGNAL)
    diplomacy = ctx[C_DIPLOMACY] > 0
    room = ctx[C_ROOM]
    # 3.4.1 sanctions fatigue (coalition members only; the target's stays 0)
    fatigue = R.fatigue_update(
        s.fatigue[r, i], ctx[C_PRESSURE], pa[A_ECONOMY, i], diplomacy, pf.fatigue_growth,
        pf.fatigue_recovery,
    )  # fmt: skip
    if is_target:
        fatigue = 0.0
    # 3.4.2 commitment: coalition members follow the coalition rule; the target's defiance
    # follows its policy mode
    c = s.commitment[r, i]
    c0 = s.anchor[r, i]
    noise = R.uniform_noise(u_commit, pf.commitment_noise * vol)
    mode_level = R.mode_engagement_level(
        s.mode[r] == M_INFLUENCE, pf.engagement_influence_level, pf.engagement_autonomy_level
    )
    if is_target:
        commitment = R.defiance_update(c, mode_level, pf.engagement_adjust_rate, noise)
    else:
        gap = R.alliance_gap(s.commitment[r], s.strength[r, i], pull[i], i)
        partner = g.partners[i] > 0
        push = R.posture_push(s.posture[r], pf.commitment_posture_effect) if is_leader else 0.0
        setpoint = R.commitment_setpoint(
            c0, fatigue, pa[A_ECONOMY, i], pa[A_STABILITY, i], s.tension[r],
            s.unilateral[r] * partner, s.engagement[r, tg] * partner, s.relief[r] * partner,
            push, pf.commitment_fatigue_erosion, pf.commitment_stability_pullback,
            pf.commitment_unilateral_cost, pf.commitment_engagement_pull,
            pf.commitment_relief_leakage,
        )  # fmt: skip
        commitment = R.commitment_update(
            c, setpoint, gap, pa[A_CONFORMITY, i], pa[A_SECURITY, i], s.provocation[r], noise,
            pf.commitment_pull_rate, pf.commitment_anchor_rate,
            pf.commitment_conventional_response, pf.commitment_strategic_response,
            R.habituation_factor(s.alarm[r], pf.commitment_habituation),
        )  # fmt: skip
    # 3.4.3 engagement: drift toward a role-specific set-point, narrowed by the pandemic,
    # with noise and occasional policy shifts
    base = pa[A_ENGAGEMENT, i]
    if is_target:
        base = mode_level
    elif is_leader:
        base = R.talks_engagement(
            R.leader_engagement_base(
                base, s.posture[r], pf.engagement_compromise_boost, pf.engagement_sideline_drop
            ),
            ctx[C_TALKS_ON] > 0,
            pf.engagement_talks_boost,
        )
    target = R.engagement_target(base, fatigue, pf.fatigue_engagement_effect, room)
    shifted, shift_step = R.policy_shift(
        u_shift, u_sign, pf.volatility_shift_rate, pf.volatility_shift_size, vol
    )
    engagement = R.engagement_update(
        s.engagement[r, i], target, pf.engagement_adjust_rate,
        R.uniform_noise(u_engage, pf.engagement_noise * vol), shift_step,
    )  # fmt: skip
    # 3.4.4 domestic standing and its reference point
    st = s.standing[r, i]
    sanctions = pf.standing_sanctions_cost_target * ctx[C_PRESSURE] if is_target else 0.0
    standing = R.standing_update(
        st, pa[A_STANDING, i], pf.standing_anchor_rate, sanctions,
        R.uniform_noise(u_standing, pf.standing_noise * vol),
    )  # fmt: skip
    reference = R.reference_update(s.reference[r, i], st, pf.standing_reference_adapt)
    # 3.4.6 outbursts at the counterpart unless both leaders want the meeting ([S18])
    at_counterpart, at_third = R.outbursts(
        u_outburst, is_target or is_leader, pf.volatility_outburst_rate, vol,
        ctx[C_BOTH_WANT] > 0,
    )  # fmt: skip
    signal = R.dialogue_signal(u_signal, s.engagement[r, i], room, at_counterpart)
    plan[Q_COMMITMENT] = commitment
    plan[Q_ENGAGEMENT] = engagement
    plan[Q_STANDING] = standing
    plan[Q_REFERENCE] = reference
    plan[Q_FATIGUE] = fatigue
    plan[Q_SIGNAL] = signal
    plan[Q_OUTBURST_CP] = at_counterpart
    plan[Q_OUTBURST_TP] = at_third
    plan[Q_SHIFT] = shifted


@phase
def _decide_target(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, ctx: np.ndarray,
    plan: np.ndarray,
) -> None:  # fmt: skip
    """Phase 2 for the target (DPRK): policy mode, provocation, summit acceptance and cancel
    (3.4.5)."""
    tg, ld = g.target, g.leader
    autonomy = s.mode[r] == M_AUTONOMY
    room = ctx[C_ROOM]
    # policy mode: disappointment pushes it to autonomy, lure to influence
    payoff = R.target_payoff(
        pa[A_SECURITY, tg], pa[A_ECONOMY, tg], pa[A_PRESTIGE, tg], s.security[r], s.relief[r],
        s.prestige[r],
    )  # fmt: skip
    lure = R.engagement_lure(
        s.engagement[r, ld], pa[A_ECONOMY, tg], pa[A_PRESTIGE, tg], ctx[C_PRESSURE],
        s.relief[r], ctx[C_MEDIATION], room,
    )  # fmt: skip
    p_switch = R.mode_switch_probability(
        autonomy, payoff, lure, 1.0 if s.snub[r] else 0.0, pf.target_aspiration,
        pf.target_to_autonomy_logit0, pf.target_disappointment_slope, pf.target_snub_shock,
        pf.target_to_influence_logit0, pf.target_lure_slope,
    )  # fmt: skip
    mode = R.next_mode(draw(key, tg, D_MODE), p_switch, s.mode[r])
    # provocation rung
    vulnerable = R.vulnerability(s.reference[r, tg], s.standing[r, tg])
    p_conv, p_strat = R.provocation_probabilities(
        autonomy, vulnerable, ctx[C_DIPLOMACY], ctx[C_PATRON], pf.target_conventional_logit0,
        pf.target_conventional_autonomy, pf.target_strategic_logit0,
        pf.target_strategic_autonomy, pf.target_vulnerability_slope,
        pf.target_diplomacy_restraint, pf.target_patron_restraint,
        R.election_leverage(
            ctx[C_PROXIMITY], vulnerable, pf.target_vulnerability_scale,
            pf.target_election_leverage, pf.target_election_restraint,
        ),
        pf.clock_pandemic_inward * ctx[C_PANDEMIC],
        R.engagement_stake(pa[A_ECONOMY, tg], s.relief[r], pa[A_PRESTIGE, tg], s.prestige[r]),
        pf.target_stake_restraint, s.programme[r], pf.target_programme_slope,
    )  # fmt: skip
    level = R.provocation_level(draw(key, tg, D_PROVOCATION), p_conv, p_strat)
    p_accept = R.target_accept_probability(
        autonomy, pf.summit_target_accept_logit0, pf.summit_target_accept_influence, room
    )
    plan[0] = mode
    plan[1] = level
    plan[2] = draw(key, tg, D_ACCEPT) < p_accept
    plan[3] = R.wants_to_cancel(
        s.summit[r] == S_SCHEDULED, s.silence[r, ld], pf.summit_insecurity_weeks,
        draw(key, tg, D_CANCEL), pa[A_FEAR, tg],
    )  # fmt: skip
    plan[4] = draw(key, tg, D_HEDGE) < R.hedging_chance(pa[A_HEDGING, tg], s.tension[r])


@phase
def _decide_leader(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, ctx: np.ndarray,
    plan: np.ndarray,
) -> None:  # fmt: skip
    """Phase 2 for the leader (US): prospect-theory choices on the summit and after tests.

    The summit is a gamble: its downside weighs more as an election nears ([S20]); its value
    is judged from standing relative to the reference point ([S18] 'domain of losses').
    """
    ld, tg = g.leader, g.target
    gap = s.standing[r, ld] - s.reference[r, ld]
    weight = R.election_weight(ctx[C_PROXIMITY], pf.prospect_election_aversion)
    alpha, beta, lam = pf.prospect_alpha, pf.prospect_beta, pf.prospect_loss_aversion
    # 3.4.7 the summit as a prospect-theory gamble judged from the standing gap ([S18])
    appetite = pf.prospect_sensitivity * R.prospect_advantage(
        gap, pf.prospect_summit_upside * (1.0 + pa[A_PRESTIGE, ld]),
        pf.prospect_summit_downside * weight, pf.prospect_summit_success, alpha, beta, lam,
    )  # fmt: skip
    p_accept = R.logistic(pf.prospect_accept_logit0 + appetite) * ctx[C_ROOM]
    # 3.4.7 after last week's strategic test: compromise, sideline or escalate ([S20]),
    # values relative to the sure option, sidelining
    response = P_NONE
    if s.provocation[r] == L_STRATEGIC:
        sure = pf.prospect_sideline_cost
        v_compromise = R.prospect_advantage(
            gap, pf.prospect_compromise_upside, pf.prospect_compromise_downside * weight,
            pf.prospect_compromise_success, alpha, beta, lam, sure,
        )  # fmt: skip
        v_escalate = R.prospect_advantage(
            gap, pf.prospect_escalate_upside, pf.prospect_escalate_downside * weight,
            pf.prospect_escalate_success, alpha, beta, lam, sure,
        )  # fmt: skip
        p0, p1, _ = R.response_probabilities(
            v_compromise, 0.0, v_escalate, pf.prospect_sensitivity,
            R.compromise_open(ctx[C_DIPLOMACY] > 0), 0.0,
            -pf.clock_pandemic_inward * ctx[C_PANDEMIC],
        )  # fmt: skip
        response = R.choose_response(draw(key, ld, D_RESPONSE), p0, p1)
    plan[0] = draw(key, ld, D_ACCEPT) < p_accept
    plan[1] = draw(key, ld, D_CONSULT) < pa[A_CONSULTS, ld]
    plan[2] = R.wants_to_cancel(
        s.summit[r] == S_SCHEDULED, s.silence[r, tg], pf.summit_insecurity_weeks,
        draw(key, ld, D_CANCEL), pa[A_FEAR, ld], pf.summit_tension_cancel * s.tension[r],
    )  # fmt: skip
    plan[3] = draw(key, ld, D_HEDGE) < R.hedging_chance(pa[A_HEDGING, ld], s.tension[r])
    plan[4] = response
    plan[5] = appetite


@phase
def _commit_actor(r: int, i: int, s: Any, plan: np.ndarray) -> None:
    """Phase 3: write actor ``i``'s plan into the shared state."""
    s.commitment[r, i] = plan[Q_COMMITMENT]
    s.engagement[r, i] = plan[Q_ENGAGEMENT]
    s.standing[r, i] = plan[Q_STANDING]
    s.reference[r, i] = plan[Q_REFERENCE]
    s.fatigue[r, i] = plan[Q_FATIGUE]
    s.silence[r, i] = 0 if plan[Q_SIGNAL] > 0 else s.silence[r, i] + 1
    s.outburst_counterpart[r, i] = plan[Q_OUTBURST_CP] > 0
    s.outburst_third_party[r, i] = plan[Q_OUTBURST_TP] > 0
    s.shift[r, i] = plan[Q_SHIFT] > 0


@phase
def _commit_target(r: int, s: Any, plan: np.ndarray) -> None:
    s.planned_mode[r] = int(plan[0])
    s.planned_provocation[r] = int(plan[1])
    s.target_accept[r] = plan[2] > 0
    s.target_cancel[r] = plan[3] > 0
    s.target_hedge[r] = plan[4] > 0


@phase
def _commit_leader(r: int, s: Any, plan: np.ndarray) -> None:
    s.leader_accept[r] = plan[0] > 0
    s.leader_consult[r] = plan[1] > 0
    s.leader_cancel[r] = plan[2] > 0
    s.leader_hedge[r] = plan[3] > 0
    s.response[r] = int(plan[4])
    s.leader_appetite[r] = plan[5]


@phase
def _resolve_world(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, ctx: np.ndarray,
    capacity: np.ndarray, ev: np.ndarray,
) -> None:  # fmt: skip
    """Phase 4: model-level consequences of the committed decisions; this week's events go
    to ``ev`` and are added to the counters. The steps run in the ODD's order (section 1.3,
    phase 4)."""
    ld, tg = g.leader, g.target
    a = s.commitment.shape[1]
    ev[:] = False
    # 4.1 scenario events due this week: forced proposals and tests, mode changes, shocks
    forced_test = L_NONE
    forced_proposal = False
    for k in range(g.ev_step.shape[0]):
        if g.ev_step[k] != t:
            continue
        ev[E_SCHEDULED_EVENT] = True
        kind = g.ev_kind[k]
        if kind == K_PROPOSAL:
            forced_proposal = True
        elif kind == K_STRATEGIC:
            forced_test = L_STRATEGIC
        elif kind == K_CONVENTIONAL:
            forced_test = max(forced_test, L_CONVENTIONAL)
        elif kind == K_MODE:
            s.planned_mode[r] = g.ev_mode[k]
        else:
            j, var = g.ev_actor[k], g.ev_var[k]
            if var == 0:
                s.commitment[r, j] = R.clip01(s.commitment[r, j] + g.ev_value[k])
            elif var == 1:
                s.engagement[r, j] = R.clip01(s.engagement[r, j] + g.ev_value[k])
            elif var == 2:
                s.standing[r, j] = R.clip01(s.standing[r, j] + g.ev_value[k])
            else:  # a slow, documented cause (a change of government) moves the anchor
                s.anchor[r, j] = R.clip01(s.anchor[r, j] + g.ev_value[k])
    # 4.2 the planned DPRK mode takes effect; a change is logged
    ev[E_MODE_INFLUENCE] = s.planned_mode[r] == M_INFLUENCE and s.mode[r] == M_AUTONOMY
    ev[E_MODE_AUTONOMY] = s.planned_mode[r] == M_AUTONOMY and s.mode[r] == M_INFLUENCE
    s.mode[r] = s.planned_mode[r]
    # 4.3 the provocation rung: tension, the DPRK's standing at home ([S20] 'major
    # provocations could reinforce his power at home') and the leader's loss after a
    # strategic test
    level = max(s.planned_provocation[r], forced_test)
    conv, strat = level == L_CONVENTIONAL, level == L_STRATEGIC
    ev[E_CONVENTIONAL], ev[E_STRATEGIC] = conv, strat
    tension = s.tension[r] + pf.tension_conventional * conv + pf.tension_strategic * strat
    s.standing[r, tg] = R.clip01(
        s.standing[r, tg] + pf.standing_provocation_gain_target * (level > 0)
    )
    s.standing[r, ld] = R.clip01(s.standing[r, ld] - pf.standing_test_cost_leader * strat)
    s.engagement[r, ld] = R.clip01(s.engagement[r, ld] - pf.engagement_test_hit * strat)
    s.alarm[r] = R.test_memory_update(  # the tests before the one about to be answered
        s.alarm[r], s.provocation[r], pf.commitment_test_memory_fade,
        pf.commitment_conventional_response / max(pf.commitment_strategic_response, 1e-9),
    )  # fmt: skip
    s.provocation[r] = level
    # 4.4 the leader's response to last week's strategic test sets its posture ([S20]);
    # escalation adds tension and lowers DPRK security
    resp = s.response[r]
    ev[E_COMPROMISE] = resp == P_COMPROMISE
    ev[E_SIDELINE] = resp == P_SIDELINE
    ev[E_ESCALATE] = resp == P_ESCALATE
    s.posture[r], s.posture_age[r] = R.posture_update(
        s.posture[r], s.posture_age[r], resp, pf.prospect_posture_weeks
    )
    escalate = resp == P_ESCALATE
    s.security[r] = R.clip01(s.security[r] - pf.target_escalation_threat * escalate)
    unconsulted_response = resp != P_NONE and not s.leader_consult[r]
    tension = tension + pf.tension_escalation * escalate
    # 4.5 outbursts at the counterpart cost its engagement and add tension ([S18])
    by_leader, by_target = s.outburst_counterpart[r, ld], s.outburst_counterpart[r, tg]
    hit = pf.volatility_outburst_engagement_hit
    s.engagement[r, tg] = R.outburst_engagement_cost(s.engagement[r, tg], by_leader, hit)
    s.engagement[r, ld] = R.outburst_engagement_cost(s.engagement[r, ld], by_target, hit)
    tension = tension + pf.volatility_outburst_tension * ((1.0 if by_leader else 0.0) + by_target)
    for j in range(a):
        ev[E_OUTBURST_CP] |= s.outburst_counterpart[r, j]
        ev[E_OUTBURST_TP] |= s.outburst_third_party[r, j]
        ev[E_SHIFT] |= s.shift[r, j]
    s.tension[r] = R.clip01(tension)
    _summit_process(r, s, pf, pa, g, key, t, ctx, forced_proposal, unconsulted_response, ev)
    # 4.7 the DPRK's interest states drift: relief erodes under pressure, prestige fades,
    # security recovers, the weapons programme builds or fades with the mode
    pressure = ctx[C_PRESSURE]
    relief = R.relief_erosion(s.relief[r], pf.target_relief_decay, pressure)
    s.relief[r] = R.leakage_relief(relief, pressure, s.pressure0[r], pf.enforcement_leakage)
    s.prestige[r] = R.prestige_fade(s.prestige[r], pf.target_prestige_decay)
    s.security[r] = R.security_recovery(
        s.security[r], pf.target_security_recovery, pf.target_security0
    )
    s.programme[r] = R.programme_update(
        s.programme[r], s.mode[r] == M_AUTONOMY, pf.target_programme_growth,
        pf.target_programme_decay,
    )  # fmt: skip
    # 4.8 coalition ties strengthen with coordination and strain with divergence
    for k in range(g.pairs.shape[0]):
        i, j = g.pairs[k, 0], g.pairs[k, 1]
        ci, cj = s.commitment[r, i], s.commitment[r, j]
        for x, y, d in ((i, j, abs(ci - cj)), (j, i, abs(cj - ci))):
            s.strength[r, x, y], s.divergence[r, x, y] = R.tie_update(
                s.strength[r, x, y], s.divergence[r, x, y], d, pf.ties_divergence_memory,
                pf.ties_tolerance, pf.ties_strengthen, pf.ties_strain, s.tie_baseline[r, x, y],
            )  # fmt: skip
    # 4.9 tension decays; a military crisis is declared when it crosses the threshold
    s.tension[r] = R.tension_decay(s.tension[r], pf.tension_decay)
    crisis = s.tension[r] >= pf.tension_crisis_threshold
    ev[E_CRISIS] = crisis and not s.crisis[r]
    s.crisis[r] = crisis
    # 4.10 reporters are measured and the seed's three failure modes ([S18]) logged when
    # first crossed
    _measure(r, s, pf, pa, g, capacity)
    fractured, unwound, isolated = R.failure_modes(
        s.cohesion[r], s.effective_pressure[r], s.us_isolation[r], s.pressure0[r],
        pf.outcomes_fracture_cohesion, pf.outcomes_unwind_ratio,
        pf.outcomes_isolation_threshold,
    )  # fmt: skip
    ev[E_FRACTURE] = fractured and not s.fractured[r]
    ev[E_UNWOUND] = unwound and not s.unwound[r]
    ev[E_ISOLATED] = isolated and not s.isolated[r]
    s.fractured[r], s.unwound[r], s.isolated[r] = fractured, unwound, isolated
    # 4.11 the exogenous clock events; the week's events are added to the counters
    for k in range(g.election_steps.shape[0]):
        if g.election_steps[k] == t:
            ev[E_ELECTION] = True
    ev[E_PANDEMIC_START] = t == g.pandemic_start
    ev[E_PANDEMIC_END] = t == g.pandemic_start + pf.clock_pandemic_weeks
    for k in range(ev.shape[0]):
        s.counts[r, k] += ev[k]


@phase
def _summit_process(
    r: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, t: int, ctx: np.ndarray,
    forced_proposal: bool, unconsulted_response: bool, ev: np.ndarray,
) -> None:  # fmt: skip
    """4.6 The summit state machine ([S18]): proposed -> scheduled -> held (agreement or no
    deal), or cancelled first by the side that fears being stood up; a hedged cancellation
    can be revived. Transitions, then the new state and timer, then what they cost or
    deliver."""
    ld, tg = g.leader, g.target
    a = s.commitment.shape[1]
    summit, timer = s.summit[r], s.summit_timer[r]
    room = ctx[C_ROOM]
    mean_e = (s.engagement[r, ld] + s.engagement[r, tg]) / 2.0
    # none -> proposed (mediation and engagement raise the chance; the pandemic narrows it)
    idle = summit == S_NONE or (forced_proposal and summit != S_PROPOSED and summit != S_SCHEDULED)
    propose = False
    if idle:  # (chances are computed only where they can matter: same draws, same results)
        p_prop = R.proposal_probability(
            pf.summit_proposal_logit0 + pf.summit_leader_initiative * s.leader_appetite[r],
            pf.summit_mediation_slope, ctx[C_MEDIATION], pf.summit_engagement_slope, mean_e,
            room,
        )  # fmt: skip
        propose = draw(key, W_ACTOR, D_PROPOSE) < p_prop or forced_proposal
    # proposed -> scheduled when both accept; the leader may not consult its allies
    pending = summit == S_PROPOSED
    agree = pending and s.leader_accept[r] and s.target_accept[r]
    lapse = pending and not agree and timer + 1 >= pf.summit_proposal_expiry
    # scheduled -> cancelled (insecurity dilemma) or -> held on the date
    scheduled = summit == S_SCHEDULED
    lc, tc = scheduled and s.leader_cancel[r], scheduled and s.target_cancel[r]
    cancel = lc or tc
    by_leader = R.first_canceller(lc, tc, pa[A_FEAR, ld], pa[A_FEAR, tg])
    due = scheduled and not cancel and timer <= 1
    agreement = False
    if due:
        p_agree = R.agreement_probability(
            pf.summit_agreement_logit0, pf.summit_agreement_engagement, mean_e,
            pf.summit_agreement_compromise, s.posture[r] == P_COMPROMISE,
        )  # fmt: skip
        agreement = draw(key, W_ACTOR, D_HOLD) < p_agree
    # cancelled -> scheduled again (readily if hedged, rarely if closed), or back to none
    cancelled = summit == S_CANCELLED
    limit = pf.summit_revival_window if s.hedged[r] else pf.summit_cooldown
    revivable = cancelled and timer < limit
    revive = False
    if revivable and not propose:
        p_rev = R.revival_probability(
            pf.summit_revival_logit0, pf.summit_revival_engagement, mean_e, room, s.hedged[r],
            pf.summit_closed_revival_penalty,
        )  # fmt: skip
        revive = draw(key, W_ACTOR, D_REVIVE) < p_rev
    unconsulted = (agree and not s.leader_consult[r]) or unconsulted_response
    hedge = s.leader_hedge[r] if by_leader else s.target_hedge[r]
    held = due
    no_deal = due and not agreement
    expire = cancelled and not revive and not propose and timer + 1 >= limit
    done = summit == S_HELD and not propose and timer + 1 >= pf.summit_cooldown
    # the summit state and timer after this week's transitions; who cancelled, whether the
    # door stays open, and the silence clocks of a freshly set date
    if propose:
        s.summit[r] = S_PROPOSED
    elif agree or revive:
        s.summit[r] = S_SCHEDULED
    elif cancel:
        s.summit[r] = S_CANCELLED
    elif held:
        s.summit[r] = S_HELD
    elif lapse or expire or done:
        s.summit[r] = S_NONE
    if propose or cancel or held or lapse or expire or done:
        s.summit_timer[r] = 0
    elif agree:
        s.summit_timer[r] = int(pf.summit_lead_weeks)
    elif revive:
        s.summit_timer[r] = int(pf.summit_revival_lead)
    elif summit == S_SCHEDULED:
        s.summit_timer[r] = timer - 1
    else:
        s.summit_timer[r] = timer + 1
    if cancel:
        s.hedged[r] = hedge
        s.canceller[r] = ld if by_leader else tg
    if agree or revive:  # a newly set date: both sides' silence counts from now
        s.silence[r, ld] = 0
        s.silence[r, tg] = 0
    # what the transitions cost or deliver: a hedged cancellation signals ([S18]), an
    # unconsulted acceptance strains treaty ties ([S18]), a held summit brings standing,
    # prestige, tension relief and, with agreement, relief and security
    signal = cancel and by_leader and hedge
    s.engagement[r, tg] = R.clip01(s.engagement[r, tg] + pf.summit_hedge_signal * signal)
    s.unilateral[r] = s.unilateral[r] * (1.0 - pf.commitment_unilateral_fade) + unconsulted
    cost = pf.summit_unconsulted_cost * unconsulted
    for j in range(a):
        s.strength[r, ld, j] = R.clip01(s.strength[r, ld, j] - cost * g.leader_allies[j])
    for j in range(a):
        s.strength[r, j, ld] = R.clip01(s.strength[r, j, ld] - cost * g.leader_allies[j])
    gain = pf.standing_summit_gain * held + pf.standing_agreement_gain * agreement
    s.standing[r, ld] = R.clip01(s.standing[r, ld] + gain)
    s.standing[r, tg] = R.clip01(s.standing[r, tg] + gain)
    s.standing[r, ld] = R.clip01(s.standing[r, ld] - pf.standing_no_deal_cost * no_deal)
    s.prestige[r] = R.grow_toward_one(s.prestige[r], pf.target_summit_prestige, held)
    s.relief[r] = R.grow_toward_one(s.relief[r], pf.target_agreement_relief, agreement)
    s.security[r] = R.grow_toward_one(s.security[r], pf.target_agreement_security, agreement)
    s.tension[r] = R.clip01(s.tension[r] - pf.tension_summit_relief * held)
    s.snub[r] = no_deal
    s.since_summit[r] = 0 if held else s.since_summit[r] + 1
    if agreement:
        s.posture[r] = P_NONE
    ev[E_PROPOSED] = propose
    ev[E_SCHEDULED] = agree
    ev[E_UNCONSULTED] = unconsulted
    ev[E_LAPSED] = lapse
    ev[E_CANCELLED] = cancel
    ev[E_REVIVED] = revive
    ev[E_HELD] = held
    ev[E_AGREEMENT] = agreement
    ev[E_NO_DEAL] = no_deal


@phase
def _week(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, pull: np.ndarray,
    ctx: np.ndarray, plans: np.ndarray, target_plan: np.ndarray, leader_plan: np.ndarray,
    capacity: np.ndarray, ev: np.ndarray,
) -> None:  # fmt: skip
    """One week of row ``r``: observe, every actor decides, every actor commits, resolve.
    ``key`` is the replicate's stream key; its week key is computed once here."""
    key = step_key(key, t)
    _observe(r, t, s, pf, pa, g, ctx)
    a = plans.shape[0]
    for i in range(a):
        _decide_actor(r, i, t, s, pf, pa, g, key, ctx, pull, plans[i])
    _decide_target(r, t, s, pf, pa, g, key, ctx, target_plan)
    _decide_leader(r, t, s, pf, pa, g, key, ctx, leader_plan)
    for i in range(a):
        _commit_actor(r, i, s, plans[i])
    _commit_target(r, s, target_plan)
    _commit_leader(r, s, leader_plan)
    _resolve_world(r, t, s, pf, pa, g, key, ctx, capacity, ev)


@kernel
def _advance(
    s: Any, pfs: np.ndarray, pas: np.ndarray, prow: np.ndarray, g: Any, keys: np.ndarray,
    t0: int, t1: int, events: np.ndarray, record_at: np.ndarray, traj: np.ndarray, w: Any,
) -> None:  # fmt: skip
    """Weeks t0..t1-1 for every row, row by row (a row's weeks stay in cache). ``events``
    (R, N_EVENTS) receives the last week's events; at the steps in ``record_at`` the
    reporters, tension and commitments are copied to ``traj`` (R, len(record_at), 4 + A)."""
    a = s.commitment.shape[1]
    pull, ctx, plans, capacity = w.pull, w.ctx, w.plans, w.capacity
    target_plan, leader_plan = w.target_plan, w.leader_plan
    last = -1
    for r in range(prow.shape[0]):
        pr = prow[r]
        pf, pa = pfs[pr], pas[pr]
        if pr != last:
            _pull_matrix(pf, g, pull)
            last = pr
        slot = 0
        for t in range(t0, t1):
            _week(r, t, s, pf, pa, g, keys[r], pull, ctx, plans, target_plan, leader_plan,
                  capacity, events[r])  # fmt: skip
            while slot < record_at.shape[0] and record_at[slot] < t:
                slot += 1
            if slot < record_at.shape[0] and record_at[slot] == t:
                traj[r, slot, 0] = s.cohesion[r]
                traj[r, slot, 1] = s.effective_pressure[r]
                traj[r, slot, 2] = s.us_isolation[r]
                traj[r, slot, 3] = s.tension[r]
                for i in range(a):
                    traj[r, slot, 4 + i] = s.commitment[r, i]


# ----------------------------------------------------------------- row wrappers (Mesa path)


@kernel
def _observe_rows(s, pfs, pas, prow, g, t, out):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        _observe(r, t, s, pfs[prow[r]], pas[prow[r]], g, out[r])


@kernel
def _decide_actor_rows(s, pfs, pas, prow, g, keys, t, ctx, cols, out, pull):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        pf = pfs[prow[r]]
        _pull_matrix(pf, g, pull)
        for k in range(cols.shape[0]):
            _decide_actor(
                r, cols[k], t, s, pf, pas[prow[r]], g, step_key(keys[r], t), ctx[r], pull, out[r, k]
            )


@kernel
def _decide_role_rows(s, pfs, pas, prow, g, keys, t, ctx, leader, out):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        if leader:
            _decide_leader(
                r, t, s, pfs[prow[r]], pas[prow[r]], g, step_key(keys[r], t), ctx[r], out[r]
            )
        else:
            _decide_target(
                r, t, s, pfs[prow[r]], pas[prow[r]], g, step_key(keys[r], t), ctx[r], out[r]
            )


@kernel
def _commit_rows(s, cols, plans, role, role_plan):  # type: ignore[no-untyped-def]
    for r in range(plans.shape[0]):
        for k in range(cols.shape[0]):
            _commit_actor(r, cols[k], s, plans[r, k])
        if role == 1:
            _commit_target(r, s, role_plan[r])
        elif role == 2:
            _commit_leader(r, s, role_plan[r])


@kernel
def _resolve_rows(s, pfs, pas, prow, g, keys, t, ctx, events, capacity):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        _resolve_world(r, t, s, pfs[prow[r]], pas[prow[r]], g, step_key(keys[r], t), ctx[r], capacity,
                       events[r])  # fmt: skip


# --------------------------------------------------------------------------- Python entry points


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
            flags = ("diplomacy", "pandemic", "talks_on", "both_want")
            return col > 0 if name in flags else col
        raise AttributeError(name)


def pull_weights(p: ParamArrays, struct: Structure) -> np.ndarray:
    """(S, A, A) pull weight of each coalition tie from its type, per stored parameter set;
    zero elsewhere."""
    pk = pack(p)
    a = struct.n_actors
    out = np.empty((p.n_stored, a, a))
    for k in range(p.n_stored):
        _pull_matrix(pk.pf[k], struct.kernel, out[k])
    return out


def _keys(keys: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(keys, dtype=np.uint64)


def observe(st: State, p: ParamArrays, struct: Structure, t: int, keys: np.ndarray) -> Context:
    """Phase 1: the shared picture of the world at the start of week ``t``."""
    pk = pack(p)
    values = np.empty((p.n_rows, len(CONTEXT_FIELDS)))
    _observe_rows(arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, t, values)
    return Context(step=t, values=values, packed=pk, keys=_keys(keys))


@dataclass
class ActorPlan:
    """What the actors in ``cols`` intend for next week: (R, k, len(PLAN_FIELDS))."""

    cols: np.ndarray
    values: np.ndarray

    def __getattr__(self, name: str) -> np.ndarray:
        if name in PLAN_FIELDS:
            col = self.values[:, :, PLAN_FIELDS.index(name)]
            return col if PLAN_FIELDS.index(name) < Q_SIGNAL else col > 0
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
    st: State, ctx: Context, p: ParamArrays, struct: Structure, cols: np.ndarray
) -> ActorPlan:
    """Phase 2: each actor's fatigue, commitment, engagement, standing and volatility events
    (``cols`` are the deciding actors: one for a Mesa agent, all for the ensemble). Reads
    the frozen state only."""
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    pk = ctx.packed
    out = np.empty((p.n_rows, cols.size, len(PLAN_FIELDS)))
    _decide_actor_rows(
        arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, ctx.keys, ctx.step, ctx.values, cols,
        out, np.empty((struct.n_actors, struct.n_actors)),
    )  # fmt: skip
    return ActorPlan(cols, out)


def _decide_role(st: State, ctx: Context, p: ParamArrays, struct: Structure, leader: bool):  # type: ignore[no-untyped-def]
    pk = ctx.packed
    out = np.empty((p.n_rows, len(LEADER_FIELDS) if leader else len(TARGET_FIELDS)))
    _decide_role_rows(
        arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, ctx.keys, ctx.step, ctx.values,
        leader, out,
    )  # fmt: skip
    return out


def decide_target(st: State, ctx: Context, p: ParamArrays, struct: Structure) -> TargetPlan:
    """Phase 2 for the target (DPRK): policy mode, provocation, summit acceptance and cancel."""
    return TargetPlan(_decide_role(st, ctx, p, struct, False))


def decide_leader(st: State, ctx: Context, p: ParamArrays, struct: Structure) -> LeaderPlan:
    """Phase 2 for the leader (US): prospect-theory choices on the summit and after tests."""
    return LeaderPlan(_decide_role(st, ctx, p, struct, True))


_NO_ROLE = np.empty((0, 0))


def commit_actors(st: State, plan: ActorPlan, cols: np.ndarray) -> None:
    """Phase 3: write the actors' plans into the shared state."""
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    _commit_rows(arrays(st), cols, plan.values, 0, np.empty((plan.values.shape[0], 0)))


def commit_target(st: State, plan: TargetPlan) -> None:
    r = plan.values.shape[0]
    _commit_rows(arrays(st), np.empty(0, dtype=np.int64), np.empty((r, 0, 0)), 1, plan.values)


def commit_leader(st: State, plan: LeaderPlan) -> None:
    r = plan.values.shape[0]
    _commit_rows(arrays(st), np.empty(0, dtype=np.int64), np.empty((r, 0, 0)), 2, plan.values)


def _event_dict(events: np.ndarray) -> dict[str, np.ndarray]:
    return {name: events[:, k].copy() for k, name in enumerate(EVENT_KINDS)}


def resolve_world(
    st: State, ctx: Context, p: ParamArrays, struct: Structure
) -> dict[str, np.ndarray]:
    """Phase 4: model-level consequences of the committed decisions; returns this week's events."""
    pk = ctx.packed
    events = np.zeros((p.n_rows, N_EVENTS), dtype=np.bool_)
    _resolve_rows(
        arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, ctx.keys, ctx.step, ctx.values, events,
        np.empty(struct.n_actors),
    )  # fmt: skip
    return _event_dict(events)


_NO_RECORD = np.empty(0, dtype=np.int64)

#: Working buffers of the kernel (the compiled code runs without a memory manager, so it
#: allocates nothing: no reference counting in the loop).
Scratch = namedtuple("Scratch", "pull ctx plans capacity target_plan leader_plan")


def _scratch(a: int) -> Any:
    return Scratch(
        pull=np.empty((a, a)),
        ctx=np.empty(len(CONTEXT_FIELDS)),
        plans=np.empty((a, len(PLAN_FIELDS))),
        capacity=np.empty(a),
        target_plan=np.empty(len(TARGET_FIELDS)),
        leader_plan=np.empty(len(LEADER_FIELDS)),
    )


def advance(
    st: State,
    p: ParamArrays | Packed,
    struct: Structure,
    keys: np.ndarray,
    t0: int,
    t1: int,
    record_at: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weeks ``t0`` .. ``t1 - 1`` for every row in the compiled kernel (the ensemble's path).

    Returns (events of the last week (R, N_EVENTS) bool, trajectory (R, len(record_at),
    4 + A): cohesion, effective pressure, US isolation, tension and each actor's commitment
    after each step in ``record_at``)."""
    pk = p if isinstance(p, Packed) else pack(p)
    r, a = st.commitment.shape
    at = _NO_RECORD if record_at is None else np.ascontiguousarray(record_at, dtype=np.int64)
    traj = np.zeros((r, at.size, 4 + a))
    events = np.zeros((r, N_EVENTS), dtype=np.bool_)
    _advance(
        arrays(st), pk.pf, pk.pa, pk.prow, struct.kernel, _keys(keys), t0, t1, events, at, traj,
        _scratch(a),
    )  # fmt: skip
    return events, traj


def step(st: State, p: ParamArrays, struct: Structure, t: int, keys: np.ndarray) -> dict:
    """One week for every replicate and every actor (the ensemble's path); returns the
    week's events."""
    events, _ = advance(st, p, struct, keys, t, t + 1)
    return _event_dict(events)


# --------------------------------------------------------------------------- outcomes


def outcomes(st: State) -> dict[str, np.ndarray]:
    """Per-replicate outcome flags from the event counters (True = happened in the run).

    'muddling_through' ([S20]) is neither breakthrough nor breakdown: no agreement, no
    military crisis and no strategic test.
    """
    c = {name: st.counts[:, EVENT_INDEX[name]] > 0 for name in EVENT_KINDS}
    flags = {
        "summit_held": c["summit_held"],
        "agreement": c["agreement"],
        "coalition_fractured": c["coalition_fracture"],
        "pressure_unwound": c["pressure_unwound"],
        "us_isolated": c["us_isolated"],
        "strategic_test": c["strategic_test"],
        "military_crisis": c["military_crisis"],
        "summit_cancelled": c["summit_cancelled"],
        "summit_revived": c["summit_revived"],
    }
    flags["muddling_through"] = ~(
        flags["agreement"] | flags["military_crisis"] | flags["strategic_test"]
    )
    return flags


def make_keys(seeds: np.ndarray | int) -> np.ndarray:
    """Stream keys for replicate seeds (re-exported for callers of :func:`step`)."""
    return seed_keys(seeds)
