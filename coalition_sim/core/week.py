"""One week of the model, in phases shared by the Mesa model and the ensemble engine.

A week is: :func:`observe` (shared context from the frozen state), the actors' decisions
(:func:`decide_actors`, :func:`decide_target`, :func:`decide_leader`), their commits
(:func:`commit_actors`, :func:`commit_target`, :func:`commit_leader`), and the model-level
resolution (:func:`resolve_world`: summit process, ties, tension, events). Every actor decides
from the same frozen state before any commits, so the update is simultaneous.

All arrays carry the replicate on their leading axis. The Mesa model runs R = 1 and lets each
agent decide for its own column; :func:`step` runs the same phases for all columns at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from enum import IntEnum
from types import SimpleNamespace
from typing import Any

import numpy as np
from pydantic import BaseModel

from ..scenario.names import ACTOR_FIELDS, INTEREST_FIELDS
from ..scenario.schema import TIE_TYPES, EventKind, Params, Role, Scenario, TieType
from . import rules
from .events import EVENT_INDEX, EVENT_KINDS
from .streams import WORLD, Draw, seed_keys, uniforms

__all__ = [
    "EVENT_KINDS",
    "Mode",
    "ParamArrays",
    "Posture",
    "State",
    "Structure",
    "SummitState",
    "compile_params",
    "initial_state",
    "observe",
    "resolve_world",
    "step",
]


class SummitState(IntEnum):
    """The summit process: proposed -> scheduled -> held, or cancelled (maybe revived)."""

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


_ACTOR_DRAWS = np.array(
    [Draw.COMMIT_NOISE, Draw.ENGAGE_NOISE, Draw.STANDING_NOISE, Draw.OUTBURST, Draw.SHIFT,
     Draw.SHIFT_SIGN, Draw.SIGNAL]
)  # fmt: skip
_ROLE_DRAWS = np.array(
    [Draw.CANCEL, Draw.HEDGE, Draw.CONSULT, Draw.MODE, Draw.PROVOCATION, Draw.ACCEPT,
     Draw.RESPONSE]
)  # fmt: skip
_WORLD_DRAWS = np.array([Draw.PROPOSE, Draw.HOLD, Draw.REVIVE])


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


# --------------------------------------------------------------------------- parameters

_ACTOR_FIELDS = ACTOR_FIELDS
_INTEREST_FIELDS = INTEREST_FIELDS


class ParamArrays(SimpleNamespace):
    """Parameters as arrays: ``p.<group>.<name>`` is (R,), ``p.actor.<name>`` is (R, A),
    ``p.strength0`` is (R, A, A). Rows are replicates, so every replicate may differ."""

    @property
    def n_rows(self) -> int:
        return self.actor.capability.shape[0]

    def take(self, rows: np.ndarray) -> ParamArrays:
        """A copy holding only ``rows`` (or repeating them)."""
        return _map_arrays(self, lambda a: a[rows])

    @staticmethod
    def concat(parts: list[ParamArrays]) -> ParamArrays:
        """Stack parameter rows of several engines with the same structure."""
        return _zip_arrays(parts, lambda arrs: np.concatenate(arrs, axis=0))


def _map_arrays(ns: Any, fn: Any) -> Any:
    out = type(ns)()
    for key, val in vars(ns).items():
        setattr(out, key, fn(val) if isinstance(val, np.ndarray) else _map_arrays(val, fn))
    return out


def _zip_arrays(parts: list[Any], fn: Any) -> Any:
    out = type(parts[0])()
    for key, val in vars(parts[0]).items():
        items = [vars(p)[key] for p in parts]
        setattr(out, key, fn(items) if isinstance(val, np.ndarray) else _zip_arrays(items, fn))
    return out


def _group_arrays(model: BaseModel, rows: int) -> SimpleNamespace:
    ns = SimpleNamespace()
    for name in type(model).model_fields:
        setattr(ns, name, np.full(rows, float(getattr(model, name))))
    return ns


def compile_params(scn: Scenario, rows: int = 1) -> ParamArrays:
    """The scenario's parameters as arrays with ``rows`` identical replicate rows."""
    p = ParamArrays()
    for group in Params.model_fields:
        setattr(p, group, _group_arrays(getattr(scn.params, group), rows))
    clock = SimpleNamespace(
        pandemic_weeks=np.full(rows, float(scn.clock.pandemic_weeks)),
        pandemic_narrowing=np.full(rows, scn.clock.pandemic_narrowing),
        election_horizon=np.full(rows, float(scn.clock.election_horizon)),
    )
    p.clock = clock
    actor = SimpleNamespace()
    for name in _ACTOR_FIELDS:
        row = np.array([float(getattr(a, name)) for a in scn.actors])
        setattr(actor, name, np.tile(row, (rows, 1)))
    for name in _INTEREST_FIELDS:
        row = np.array([getattr(a.interests, name) for a in scn.actors])
        setattr(actor, name, np.tile(row, (rows, 1)))
    p.actor = actor
    index = {a: i for i, a in enumerate(scn.actor_ids)}
    n = len(index)
    w0 = np.zeros((n, n))
    for tie in scn.ties:
        i, j = index[tie.a], index[tie.b]
        w0[i, j] = w0[j, i] = tie.strength
    p.strength0 = np.tile(w0, (rows, 1, 1))
    p.mode0 = np.full(rows, float(Mode[scn.dprk_mode.upper()]))
    p.relief0 = np.full(rows, scn.dprk_relief)
    p.prestige0 = np.full(rows, scn.dprk_prestige)
    p.programme0 = np.full(rows, scn.dprk_programme)
    return p


def pull_weights(p: ParamArrays, struct: Structure) -> np.ndarray:
    """(R, A, A) pull weight of each coalition tie from its type; zero elsewhere."""
    by_type = np.stack(
        [p.ties.pull_treaty_ally, p.ties.pull_partner, p.ties.pull_rival, p.ties.pull_adversary],
        axis=-1,
    )  # (R, 4)
    tt = struct.tie_type
    out = by_type[:, np.where(tt >= 0, tt, 0)]  # (R, A, A)
    # only coalition members pull on commitment: the target's 'commitment' is its defiance
    within = (tt >= 0) & (struct.coalition[:, None] > 0) & (struct.coalition[None, :] > 0)
    return np.where(within, out, 0.0)


# --------------------------------------------------------------------------- state


@dataclass
class State:
    """Everything that changes during a run, as arrays with the replicate on axis 0."""

    commitment: np.ndarray  # (R, A)
    engagement: np.ndarray
    standing: np.ndarray
    reference: np.ndarray
    fatigue: np.ndarray
    silence: np.ndarray  # (R, A) int: weeks since the actor last sent a dialogue signal
    outburst_counterpart: np.ndarray  # (R, A) bool, this week's
    outburst_third_party: np.ndarray
    shift: np.ndarray
    strength: np.ndarray  # (R, A, A)
    divergence: np.ndarray
    mode: np.ndarray  # (R,) int8 Mode
    summit: np.ndarray  # (R,) int8 SummitState
    summit_timer: np.ndarray  # (R,) int32
    hedged: np.ndarray  # (R,) bool
    relief: np.ndarray  # (R,) DPRK economic relief obtained
    prestige: np.ndarray  # (R,) DPRK prestige obtained
    security: np.ndarray  # (R,) DPRK perceived regime security
    programme: np.ndarray  # (R,) DPRK weapons-programme momentum in [0, 1]
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


def initial_state(p: ParamArrays, struct: Structure) -> State:
    """The state at step 0 from the scenario's initial values (one row per replicate)."""
    r, a = p.actor.capability.shape
    zeros_i = np.zeros(r, dtype=np.int32)
    false_r = np.zeros(r, dtype=bool)
    false_ra = np.zeros((r, a), dtype=bool)
    st = State(
        commitment=p.actor.commitment.copy(),
        engagement=p.actor.engagement.copy(),
        standing=p.actor.standing.copy(),
        reference=p.actor.reference.copy(),
        fatigue=np.zeros((r, a)),
        silence=np.zeros((r, a), dtype=np.int32),
        outburst_counterpart=false_ra.copy(),
        outburst_third_party=false_ra.copy(),
        shift=false_ra.copy(),
        strength=p.strength0.copy(),
        divergence=np.zeros((r, a, a)),
        mode=p.mode0.astype(np.int8),
        summit=np.zeros(r, dtype=np.int8),
        summit_timer=zeros_i.copy(),
        hedged=false_r.copy(),
        relief=p.relief0.copy(),
        prestige=p.prestige0.copy(),
        security=p.target.security0.copy(),
        programme=p.programme0.copy(),
        tension=np.zeros(r),
        posture=np.zeros(r, dtype=np.int8),
        posture_age=zeros_i.copy(),
        provocation=np.zeros(r, dtype=np.int8),
        snub=false_r.copy(),
        since_summit=np.full(r, 1 << 20, dtype=np.int32),
        pressure0=np.zeros(r),
        fractured=false_r.copy(),
        unwound=false_r.copy(),
        isolated=false_r.copy(),
        crisis=false_r.copy(),
        canceller=np.full(r, -1, dtype=np.int16),
        target_accept=false_r.copy(),
        target_cancel=false_r.copy(),
        target_hedge=false_r.copy(),
        planned_provocation=np.zeros(r, dtype=np.int8),
        planned_mode=p.mode0.astype(np.int8),
        leader_accept=false_r.copy(),
        leader_consult=false_r.copy(),
        leader_cancel=false_r.copy(),
        leader_hedge=false_r.copy(),
        response=np.zeros(r, dtype=np.int8),
        counts=np.zeros((r, len(EVENT_KINDS)), dtype=np.int32),
    )
    st.metrics = measure(st, p, struct)
    st.pressure0 = st.metrics["effective_pressure"].copy()
    return st


def measure(st: State, p: ParamArrays, struct: Structure) -> dict[str, np.ndarray]:
    """The model reporters: cohesion, effective pressure and US isolation, per replicate."""
    return {
        "cohesion": rules.cohesion(st.commitment, st.strength, struct.coalition_pairs),
        "effective_pressure": rules.effective_pressure(
            st.commitment, p.actor.capability, struct.coalition
        ),
        "us_isolation": rules.us_isolation(
            st.commitment, p.actor.capability, struct.leader, struct.partners
        ),
    }


# --------------------------------------------------------------------------- phase 1: observe


@dataclass
class Context:
    """What every actor observes at the start of a week (computed once, shared)."""

    step: int
    pressure: np.ndarray
    cohesion: np.ndarray
    isolation: np.ndarray
    diplomacy: np.ndarray  # bool: a diplomatic track is active
    proximity: np.ndarray  # US election proximity in [0, 1]
    pandemic: np.ndarray  # bool
    room: np.ndarray  # room for dialogue, 1 - narrowing * pandemic
    patron: np.ndarray  # patrons' tie-weighted commitment
    mediation: np.ndarray  # mediators' effort x engagement, in [0, 1]
    destabilisation: np.ndarray  # max(US isolation, tension)
    both_want: np.ndarray  # bool: both leaders want the meeting ([S18])
    pull: np.ndarray  # (R, A, A) tie pull weights
    keys: np.ndarray  # (R,) uint64 stream keys


def observe(st: State, p: ParamArrays, struct: Structure, t: int, keys: np.ndarray) -> Context:
    """Phase 1: the shared picture of the world at the start of week ``t``."""
    m = st.metrics
    summit = st.summit
    diplomacy = (
        (summit == SummitState.PROPOSED)
        | (summit == SummitState.SCHEDULED)
        | (st.since_summit < p.outcomes.track_memory)
    )
    wte = struct.weeks_to_election(t)
    proximity = rules.election_proximity(np.full(p.n_rows, float(wte)), p.clock.election_horizon)
    pandemic = (t >= struct.pandemic_start) & (t < struct.pandemic_start + p.clock.pandemic_weeks)
    room = 1.0 - p.clock.pandemic_narrowing * pandemic
    patron_w = st.strength[:, struct.target, :] * struct.patrons
    patron_total = rules.rowsum(patron_w)
    patron = np.where(
        patron_total > 0,
        rules.rowsum(patron_w * st.commitment) / np.where(patron_total > 0, patron_total, 1.0),
        0.0,
    )
    mediation = np.clip(rules.rowsum(p.actor.mediation * st.engagement), 0.0, 1.0)
    want = p.volatility.want_threshold
    talks_on = (summit == SummitState.PROPOSED) | (summit == SummitState.SCHEDULED)
    both_want = (
        talks_on
        & (st.engagement[:, struct.leader] >= want)
        & (st.engagement[:, struct.target] >= want)
    )
    return Context(
        step=t,
        pressure=m["effective_pressure"],
        cohesion=m["cohesion"],
        isolation=m["us_isolation"],
        diplomacy=diplomacy,
        proximity=proximity,
        pandemic=np.broadcast_to(pandemic, (p.n_rows,)).copy(),
        room=room,
        patron=patron,
        mediation=mediation,
        destabilisation=np.maximum(m["us_isolation"], st.tension),
        both_want=both_want,
        pull=pull_weights(p, struct),
        keys=keys,
    )


# --------------------------------------------------------------------------- phase 2: decide


@dataclass
class ActorPlan:
    """What the actors in ``cols`` intend for next week (arrays (R, k))."""

    cols: np.ndarray
    commitment: np.ndarray
    engagement: np.ndarray
    standing: np.ndarray
    reference: np.ndarray
    fatigue: np.ndarray
    signal: np.ndarray
    outburst_counterpart: np.ndarray
    outburst_third_party: np.ndarray
    shift: np.ndarray


def _col(x: np.ndarray) -> np.ndarray:
    return x[:, None]


def decide_actors(
    st: State, ctx: Context, p: ParamArrays, struct: Structure, cols: np.ndarray
) -> ActorPlan:
    """Phase 2: each actor's commitment, engagement, standing, fatigue and volatility events.

    ``cols`` are the deciding actors (one for a Mesa agent, all for the ensemble). Fancy
    indexing copies every slice into a contiguous array, so results do not depend on ``cols``.
    """
    cols = np.asarray(cols)
    u = uniforms(ctx.keys, ctx.step, cols, _ACTOR_DRAWS)
    a = p.actor
    vol = a.volatility[:, cols]
    c = st.commitment[:, cols]
    e = st.engagement[:, cols]
    s = st.standing[:, cols]
    is_target = cols == struct.target
    is_leader = cols == struct.leader
    principal = is_target | is_leader

    fatigue = rules.fatigue_update(
        st.fatigue[:, cols],
        _col(ctx.pressure),
        a.economy[:, cols],
        _col(ctx.diplomacy),
        _col(p.fatigue.growth),
        _col(p.fatigue.recovery),
    )
    fatigue = np.where(is_target, 0.0, fatigue)

    # commitment: coalition members follow the coalition rule; the target's defiance follows
    # its mode: it drifts toward 1 - (the mode's engagement level).
    gap = rules.alliance_gap(st.commitment, st.strength[:, cols, :], ctx.pull[:, cols, :], cols)
    posture = _col(st.posture)
    push = np.where(
        posture == Posture.ESCALATE, 1.0, np.where(posture == Posture.COMPROMISE, -1.0, 0.0)
    )
    posture_push = np.where(is_leader, push * _col(p.commitment.posture_effect), 0.0)
    member_c = rules.commitment_update(
        c,
        a.commitment[:, cols],
        gap,
        a.conformity[:, cols],
        fatigue,
        a.security[:, cols],
        a.stability[:, cols],
        _col(st.provocation),
        _col(ctx.destabilisation),
        posture_push,
        rules.uniform_noise(u[..., 0], _col(p.commitment.noise) * vol),
        _col(p.commitment.pull_rate),
        _col(p.commitment.anchor_rate),
        _col(p.commitment.conventional_response),
        _col(p.commitment.strategic_ratchet),
        _col(p.commitment.fatigue_erosion),
        _col(p.commitment.stability_pullback),
    )
    influence = _col(st.mode == Mode.INFLUENCE)
    mode_level = np.where(
        influence, _col(p.engagement.influence_level), _col(p.engagement.autonomy_level)
    )
    defiance = np.clip(
        c
        + _col(p.engagement.adjust_rate) * ((1.0 - mode_level) - c)
        + rules.uniform_noise(u[..., 0], _col(p.commitment.noise) * vol),
        0.0,
        1.0,
    )
    commitment = np.where(is_target, defiance, member_c)

    # engagement: drift toward a role-specific target, narrowed by the pandemic
    leader_base = (
        a.engagement[:, cols]
        + _col(p.engagement.compromise_boost) * (posture == Posture.COMPROMISE)
        - _col(p.engagement.sideline_drop) * (posture == Posture.SIDELINE)
    )
    base = np.where(is_target, mode_level, np.where(is_leader, leader_base, a.engagement[:, cols]))
    target_e = rules.engagement_target(
        base, fatigue, _col(p.fatigue.engagement_effect), _col(ctx.room)
    )
    shift = u[..., 4] < _col(p.volatility.shift_rate) * vol
    shift_step = np.where(u[..., 5] < 0.5, -1.0, 1.0) * _col(p.volatility.shift_size) * shift
    engagement = np.clip(
        e
        + _col(p.engagement.adjust_rate) * (target_e - e)
        + rules.uniform_noise(u[..., 1], _col(p.engagement.noise) * vol)
        + shift_step,
        0.0,
        1.0,
    )

    # domestic standing and its reference point
    sanctions = np.where(is_target, _col(p.standing.sanctions_cost_target * ctx.pressure), 0.0)
    standing = np.clip(
        s
        + _col(p.standing.anchor_rate) * (a.standing[:, cols] - s)
        - sanctions
        + rules.uniform_noise(u[..., 2], _col(p.standing.noise) * vol),
        0.0,
        1.0,
    )
    ref = st.reference[:, cols]
    reference = ref + _col(p.standing.reference_adapt) * (s - ref)

    # outbursts: at the counterpart unless both leaders want the meeting ([S18])
    outburst = principal & (u[..., 3] < _col(p.volatility.outburst_rate) * vol)
    at_counterpart = outburst & ~_col(ctx.both_want)
    signal = (u[..., 6] < e * _col(ctx.room)) & ~at_counterpart
    return ActorPlan(
        cols=cols,
        commitment=commitment,
        engagement=engagement,
        standing=standing,
        reference=reference,
        fatigue=fatigue,
        signal=signal,
        outburst_counterpart=at_counterpart,
        outburst_third_party=outburst & ~at_counterpart,
        shift=shift,
    )


@dataclass
class TargetPlan:
    mode: np.ndarray
    provocation: np.ndarray
    accept: np.ndarray
    cancel: np.ndarray
    hedge: np.ndarray


def _role_draws(ctx: Context, actor: int) -> np.ndarray:
    return uniforms(ctx.keys, ctx.step, [actor], _ROLE_DRAWS)[:, 0, :]


def _wants_to_cancel(
    st: State, struct: Structure, p: ParamArrays, me: int, other: int, u: np.ndarray
) -> np.ndarray:
    """Insecurity dilemma ([S18]): with a summit scheduled and the counterpart silent for
    ``insecurity_weeks``, an actor that fears being stood up cancels first."""
    quiet = st.silence[:, other] >= p.summit.insecurity_weeks
    return (st.summit == SummitState.SCHEDULED) & quiet & (u < p.actor.fear_of_snub[:, me])


def decide_target(st: State, ctx: Context, p: ParamArrays, struct: Structure) -> TargetPlan:
    """Phase 2 for the target (DPRK): policy mode, provocation, summit acceptance and cancel."""
    t, ld = struct.target, struct.leader
    u = _role_draws(ctx, t)
    a = p.actor
    tp = p.target
    autonomy = st.mode == Mode.AUTONOMY
    payoff = (
        a.security[:, t] * st.security
        + a.economy[:, t] * st.relief
        + a.prestige[:, t] * st.prestige
    )
    lure = (
        st.engagement[:, ld] * (a.economy[:, t] * ctx.pressure + a.prestige[:, t]) + ctx.mediation
    ) * ctx.room
    p_switch = rules.mode_switch_probability(
        autonomy, payoff, lure, st.snub.astype(np.float64), tp.aspiration,
        tp.to_autonomy_logit0, tp.disappointment_slope, tp.snub_shock,
        tp.to_influence_logit0, tp.lure_slope,
    )  # fmt: skip
    switch = u[:, 3] < p_switch
    mode = np.where(switch, 1 - st.mode, st.mode).astype(np.int8)

    vulnerability = np.maximum(0.0, st.reference[:, t] - st.standing[:, t])
    p_conv, p_strat = rules.provocation_probabilities(
        autonomy, ctx.proximity, vulnerability, ctx.diplomacy.astype(np.float64), ctx.patron,
        tp.conventional_logit0, tp.conventional_autonomy, tp.strategic_logit0,
        tp.strategic_autonomy, tp.election_leverage, tp.vulnerability_slope,
        tp.diplomacy_restraint, tp.patron_restraint,
        a.economy[:, t] * st.relief + a.prestige[:, t] * st.prestige, tp.stake_restraint,
        st.programme, tp.programme_slope,
    )  # fmt: skip
    level = rules.provocation_level(u[:, 4], p_conv, p_strat)
    sp = p.summit
    accept = (
        u[:, 5]
        < rules.logistic(sp.target_accept_logit0 + sp.target_accept_influence * (~autonomy))
        * ctx.room
    )
    return TargetPlan(
        mode=mode,
        provocation=level,
        accept=accept,
        cancel=_wants_to_cancel(st, struct, p, t, ld, u[:, 0]),
        hedge=u[:, 1] < a.hedging[:, t],
    )


@dataclass
class LeaderPlan:
    accept: np.ndarray
    consult: np.ndarray
    cancel: np.ndarray
    hedge: np.ndarray
    response: np.ndarray


def decide_leader(st: State, ctx: Context, p: ParamArrays, struct: Structure) -> LeaderPlan:
    """Phase 2 for the leader (US): prospect-theory choices on the summit and after tests.

    The summit is a gamble: its downside weighs more as an election nears ([S20]); its value
    is judged from standing relative to the reference point ([S18] 'domain of losses').
    """
    ld, t = struct.leader, struct.target
    u = _role_draws(ctx, ld)
    pr = p.prospect
    gap = st.standing[:, ld] - st.reference[:, ld]
    election_weight = 1.0 + pr.election_aversion * ctx.proximity
    kt = (pr.alpha, pr.beta, pr.loss_aversion)
    summit_adv = rules.prospect_advantage(
        gap,
        pr.summit_upside * (1.0 + p.actor.prestige[:, ld]),
        pr.summit_downside * election_weight,
        pr.summit_success,
        *kt,
    )
    accept = u[:, 5] < rules.logistic(pr.accept_logit0 + pr.sensitivity * summit_adv) * ctx.room

    # after a strategic test: compromise, sideline or escalate ([S20])
    # values relative to the sure option, sidelining (column 1)
    values = np.stack(
        [
            rules.prospect_advantage(
                gap, pr.compromise_upside, pr.compromise_downside * election_weight,
                pr.compromise_success, *kt, sure_loss=pr.sideline_cost,
            ),
            np.zeros_like(gap),
            rules.prospect_advantage(
                gap, pr.escalate_upside, pr.escalate_downside * election_weight,
                pr.escalate_success, *kt, sure_loss=pr.sideline_cost,
            ),
        ],
        axis=-1,
    )  # fmt: skip
    probs = rules.response_probabilities(values, pr.sensitivity)
    u_r = u[:, 6]
    choice = np.where(
        u_r < probs[:, 0],
        Posture.COMPROMISE,
        np.where(u_r < probs[:, 0] + probs[:, 1], Posture.SIDELINE, Posture.ESCALATE),
    )
    responding = st.provocation == 2
    return LeaderPlan(
        accept=accept,
        consult=u[:, 2] < p.actor.consults[:, ld],
        cancel=_wants_to_cancel(st, struct, p, ld, t, u[:, 0]),
        hedge=u[:, 1] < p.actor.hedging[:, ld],
        response=np.where(responding, choice, Posture.NONE).astype(np.int8),
    )


# --------------------------------------------------------------------------- phase 3: commit


def commit_actors(st: State, plan: ActorPlan, cols: np.ndarray) -> None:
    """Phase 3: write the actors' plans into the shared state."""
    st.commitment[:, cols] = plan.commitment
    st.engagement[:, cols] = plan.engagement
    st.standing[:, cols] = plan.standing
    st.reference[:, cols] = plan.reference
    st.fatigue[:, cols] = plan.fatigue
    st.silence[:, cols] = np.where(plan.signal, 0, st.silence[:, cols] + 1)
    st.outburst_counterpart[:, cols] = plan.outburst_counterpart
    st.outburst_third_party[:, cols] = plan.outburst_third_party
    st.shift[:, cols] = plan.shift


def commit_target(st: State, plan: TargetPlan) -> None:
    st.target_accept = plan.accept
    st.target_cancel = plan.cancel
    st.target_hedge = plan.hedge
    st.planned_provocation = plan.provocation
    st.planned_mode = plan.mode


def commit_leader(st: State, plan: LeaderPlan) -> None:
    st.leader_accept = plan.accept
    st.leader_consult = plan.consult
    st.leader_cancel = plan.cancel
    st.leader_hedge = plan.hedge
    st.response = plan.response


# --------------------------------------------------------------------------- phase 4: resolve


def _clip01(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


def _apply_scheduled(st: State, struct: Structure, t: int, ev: dict[str, np.ndarray]) -> tuple:
    """Scenario events due this week: forced proposals and tests, mode changes, shocks."""
    forced_test = 0
    forced_proposal = False
    index = {a: i for i, a in enumerate(struct.ids)}
    for event in struct.events.get(t, ()):
        ev["scheduled_event"][:] = True
        if event.kind is EventKind.SUMMIT_PROPOSAL:
            forced_proposal = True
        elif event.kind is EventKind.STRATEGIC_TEST:
            forced_test = 2
        elif event.kind is EventKind.CONVENTIONAL_TEST:
            forced_test = max(forced_test, 1)
        elif event.kind is EventKind.DPRK_MODE:
            st.planned_mode[:] = Mode[event.mode.upper()]
        elif event.kind is EventKind.SHOCK:
            arr = getattr(st, event.variable)
            i = index[event.actor]
            arr[:, i] = _clip01(arr[:, i] + event.value)
    return forced_test, forced_proposal


def _summit_process(
    st: State, ctx: Context, p: ParamArrays, struct: Structure, u: np.ndarray,
    forced_proposal: bool, ev: dict[str, np.ndarray],
) -> None:  # fmt: skip
    """The summit state machine ([S18]): proposed -> scheduled -> held (agreement or no deal),
    or cancelled first by the side that fears being stood up; a hedged cancellation can be
    revived."""
    ld, tg = struct.leader, struct.target
    sp = p.summit
    s, timer = st.summit, st.summit_timer
    mean_e = (st.engagement[:, ld] + st.engagement[:, tg]) / 2.0
    new_s, new_timer = s.copy(), timer + 1

    # none -> proposed (mediation and engagement raise the chance; the pandemic narrows it)
    idle = (s == SummitState.NONE) | (
        forced_proposal & (s != SummitState.PROPOSED) & (s != SummitState.SCHEDULED)
    )
    p_prop = (
        rules.logistic(
            sp.proposal_logit0 + sp.mediation_slope * ctx.mediation + sp.engagement_slope * mean_e
        )
        * ctx.room
    )
    propose = idle & ((u[:, 0] < p_prop) | forced_proposal)

    # proposed -> scheduled when both accept; the leader may not consult its allies
    pending = s == SummitState.PROPOSED
    agree = pending & st.leader_accept & st.target_accept
    lapse = pending & ~agree & (timer + 1 >= sp.proposal_expiry)
    unconsulted = agree & ~st.leader_consult

    # scheduled -> cancelled (insecurity dilemma) or -> held on the date
    scheduled = s == SummitState.SCHEDULED
    lc, tc = scheduled & st.leader_cancel, scheduled & st.target_cancel
    cancel = lc | tc
    fear = p.actor.fear_of_snub
    by_leader = lc & (~tc | (fear[:, ld] >= fear[:, tg]))
    hedge = np.where(by_leader, st.leader_hedge, st.target_hedge)
    due = scheduled & ~cancel & (timer <= 1)
    p_agree = rules.logistic(
        sp.agreement_logit0
        + sp.agreement_engagement * mean_e
        + sp.agreement_compromise * (st.posture == Posture.COMPROMISE)
    )
    agreement = due & (u[:, 1] < p_agree)
    no_deal = due & ~agreement

    # cancelled -> scheduled again (hedged only), or back to none
    cancelled = s == SummitState.CANCELLED
    revivable = cancelled & st.hedged & (timer < sp.revival_window)
    p_rev = rules.logistic(sp.revival_logit0 + sp.revival_engagement * mean_e) * ctx.room
    revive = revivable & ~propose & (u[:, 2] < p_rev)
    limit = np.where(st.hedged, sp.revival_window, sp.cooldown)
    expire = cancelled & ~revive & ~propose & (timer + 1 >= limit)
    done = (s == SummitState.HELD) & ~propose & (timer + 1 >= sp.cooldown)

    new_s = np.select(
        [propose, agree | revive, cancel, due, lapse | expire | done],
        [SummitState.PROPOSED, SummitState.SCHEDULED, SummitState.CANCELLED, SummitState.HELD,
         SummitState.NONE],
        new_s,
    ).astype(np.int8)  # fmt: skip
    new_timer = np.select(
        [propose | cancel | due | lapse | expire | done, agree, revive, scheduled],
        [0, sp.lead_weeks.astype(np.int32), sp.revival_lead.astype(np.int32), timer - 1],
        new_timer,
    ).astype(np.int32)
    st.summit, st.summit_timer = new_s, new_timer
    st.hedged = np.where(cancel, hedge, st.hedged)
    st.canceller = np.where(cancel, np.where(by_leader, ld, tg), st.canceller).astype(np.int16)
    fresh = agree | revive  # a newly set date: both sides' silence counts from now
    st.silence[:, ld] = np.where(fresh, 0, st.silence[:, ld])
    st.silence[:, tg] = np.where(fresh, 0, st.silence[:, tg])

    # a hedged cancellation by the leader is a bargaining signal ([S18])
    signal = cancel & by_leader & hedge
    st.engagement[:, tg] = _clip01(st.engagement[:, tg] + sp.hedge_signal * signal)

    # acting without consulting treaty allies costs those ties ([S18])
    cost = (sp.unconsulted_cost * unconsulted)[:, None] * struct.leader_allies
    st.strength[:, ld, :] = _clip01(st.strength[:, ld, :] - cost)
    st.strength[:, :, ld] = _clip01(st.strength[:, :, ld] - cost)

    # what a held summit delivers
    held = due
    sg = p.standing
    gain = sg.summit_gain * held + sg.agreement_gain * agreement
    for i in (ld, tg):
        st.standing[:, i] = _clip01(st.standing[:, i] + gain)
    tp = p.target
    st.prestige = _clip01(st.prestige + tp.summit_prestige * (1.0 - st.prestige) * held)
    st.relief = _clip01(st.relief + tp.agreement_relief * (1.0 - st.relief) * agreement)
    st.security = _clip01(st.security + tp.agreement_security * (1.0 - st.security) * agreement)
    st.tension = _clip01(st.tension - p.tension.summit_relief * held)
    st.snub = no_deal
    st.since_summit = np.where(held, 0, st.since_summit + 1).astype(np.int32)
    st.posture = np.where(agreement, Posture.NONE, st.posture).astype(np.int8)

    for name, flag in (
        ("summit_proposed", propose), ("summit_scheduled", agree),
        ("unconsulted_decision", unconsulted), ("summit_lapsed", lapse),
        ("summit_cancelled", cancel), ("summit_revived", revive), ("summit_held", held),
        ("agreement", agreement), ("no_deal", no_deal),
    ):  # fmt: skip
        ev[name] = flag


def resolve_world(
    st: State, ctx: Context, p: ParamArrays, struct: Structure
) -> dict[str, np.ndarray]:
    """Phase 4: model-level consequences of the committed decisions; returns this week's events.

    Order: scheduled events, mode change, provocation and the leader's response, outbursts,
    the summit process, the target's interest states, ties, tension, failure modes, clock.
    """
    t = ctx.step
    r = p.n_rows
    ld, tg = struct.leader, struct.target
    ev = {name: np.zeros(r, dtype=bool) for name in EVENT_KINDS}
    u = uniforms(ctx.keys, t, [WORLD], _WORLD_DRAWS)[:, 0, :]
    forced_test, forced_proposal = _apply_scheduled(st, struct, t, ev)

    # DPRK policy mode
    ev["mode_influence"] = (st.planned_mode == Mode.INFLUENCE) & (st.mode == Mode.AUTONOMY)
    ev["mode_autonomy"] = (st.planned_mode == Mode.AUTONOMY) & (st.mode == Mode.INFLUENCE)
    st.mode = st.planned_mode.copy()

    # provocations: tension, standing at home ([S20]) and the leader's loss after a test
    level = np.maximum(st.planned_provocation, forced_test).astype(np.int8)
    conv, strat = level == 1, level == 2
    ev["conventional_test"], ev["strategic_test"] = conv, strat
    tension = st.tension + p.tension.conventional * conv + p.tension.strategic * strat
    st.standing[:, tg] = _clip01(
        st.standing[:, tg] + p.standing.provocation_gain_target * (level > 0)
    )
    st.standing[:, ld] = _clip01(st.standing[:, ld] - p.standing.test_cost_leader * strat)
    st.provocation = level

    # the leader's response to last week's strategic test ([S20])
    resp = st.response
    for name, code in (("us_compromise", Posture.COMPROMISE), ("us_sideline", Posture.SIDELINE),
                       ("us_escalate", Posture.ESCALATE)):  # fmt: skip
        ev[name] = resp == code
    new_choice = resp != Posture.NONE
    st.posture_age = np.where(new_choice, 0, st.posture_age + 1).astype(np.int32)
    expired = st.posture_age >= p.prospect.posture_weeks
    st.posture = np.where(new_choice, resp, np.where(expired, Posture.NONE, st.posture)).astype(
        np.int8
    )
    escalate = resp == Posture.ESCALATE
    tension = tension + p.tension.escalation * escalate
    st.security = _clip01(st.security - p.target.escalation_threat * escalate)

    # outbursts aimed at the counterpart cost its engagement and add tension ([S18])
    vp = p.volatility
    by_leader = st.outburst_counterpart[:, ld]
    by_target = st.outburst_counterpart[:, tg]
    st.engagement[:, tg] = _clip01(st.engagement[:, tg] - vp.outburst_engagement_hit * by_leader)
    st.engagement[:, ld] = _clip01(st.engagement[:, ld] - vp.outburst_engagement_hit * by_target)
    tension = tension + vp.outburst_tension * (by_leader.astype(float) + by_target)
    ev["outburst_counterpart"] = st.outburst_counterpart.any(axis=1)
    ev["outburst_third_party"] = st.outburst_third_party.any(axis=1)
    ev["policy_shift"] = st.shift.any(axis=1)
    st.tension = _clip01(tension)

    _summit_process(st, ctx, p, struct, u, forced_proposal, ev)

    # the target's interest states drift between events
    tp = p.target
    st.relief = st.relief * (1.0 - tp.relief_decay * ctx.pressure)
    st.prestige = st.prestige * (1.0 - tp.prestige_decay)
    st.security = _clip01(st.security + tp.security_recovery * (tp.security0 - st.security))
    st.programme = rules.programme_update(
        st.programme, st.mode == Mode.AUTONOMY, tp.programme_growth, tp.programme_decay
    )

    # coalition ties
    tie = p.ties
    st.strength, st.divergence = rules.tie_update(
        st.strength, st.divergence, st.commitment, struct.coalition_mask,
        tie.divergence_memory, tie.tolerance, tie.strengthen, tie.strain,
    )  # fmt: skip

    # tension decays; a military crisis is declared when it crosses the threshold
    st.tension = st.tension * (1.0 - p.tension.decay)
    crisis = st.tension >= p.tension.crisis_threshold
    ev["military_crisis"] = crisis & ~st.crisis
    st.crisis = crisis

    # the seed's three failure modes ([S18]), logged when first crossed
    st.metrics = measure(st, p, struct)
    m, oc = st.metrics, p.outcomes
    fractured = m["cohesion"] < oc.fracture_cohesion
    unwound = m["effective_pressure"] < oc.unwind_ratio * st.pressure0
    isolated = m["us_isolation"] >= oc.isolation_threshold
    ev["coalition_fracture"] = fractured & ~st.fractured
    ev["pressure_unwound"] = unwound & ~st.unwound
    ev["us_isolated"] = isolated & ~st.isolated
    st.fractured, st.unwound, st.isolated = fractured, unwound, isolated

    # the exogenous clock
    ev["election"][:] = bool(np.any(struct.election_steps == t))
    ev["pandemic_start"][:] = t == struct.pandemic_start
    ev["pandemic_end"] = t == struct.pandemic_start + p.clock.pandemic_weeks

    st.counts += np.stack([ev[name] for name in EVENT_KINDS], axis=1)
    return ev


def step(st: State, p: ParamArrays, struct: Structure, t: int, keys: np.ndarray) -> dict:
    """One week for every replicate and every actor at once (the ensemble's path)."""
    ctx = observe(st, p, struct, t, keys)
    cols = struct.cols
    actors = decide_actors(st, ctx, p, struct, cols)
    target = decide_target(st, ctx, p, struct)
    leader = decide_leader(st, ctx, p, struct)
    commit_actors(st, actors, cols)
    commit_target(st, target)
    commit_leader(st, leader)
    return resolve_world(st, ctx, p, struct)


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
