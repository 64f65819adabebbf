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
from typing import Any

import numpy as np
from pydantic import BaseModel

from ..scenario.names import ACTOR_FIELDS, INTEREST_FIELDS
from ..scenario.schema import TIE_TYPES, EventKind, Params, Role, Scenario, TieType
from . import rules
from .events import EVENT_INDEX, EVENT_KINDS
from .params import GROUPS, ActorArrays, ClockArrays, ParamArrays, check_schema
from .rules import Mode, Posture, ProvocationLevel, SummitState
from .streams import WORLD, Draw, seed_keys, uniforms

__all__ = [
    "EVENT_KINDS",
    "Mode",
    "ParamArrays",
    "Posture",
    "ProvocationLevel",
    "State",
    "Structure",
    "SummitState",
    "compile_params",
    "initial_state",
    "observe",
    "resolve_world",
    "step",
]


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


check_schema(Params, _ACTOR_FIELDS + _INTEREST_FIELDS)


def _group_arrays(model: BaseModel, rows: int) -> Any:
    values = {name: np.full(rows, float(getattr(model, name))) for name in type(model).model_fields}
    return GROUPS[_GROUP_OF[type(model)]](**values)


_GROUP_OF = {f.annotation: name for name, f in Params.model_fields.items()}


def compile_params(scn: Scenario, rows: int = 1) -> ParamArrays:
    """The scenario's parameters as arrays with ``rows`` identical replicate rows."""
    groups = {
        group: _group_arrays(getattr(scn.params, group), rows) for group in Params.model_fields
    }
    clock = ClockArrays(
        pandemic_weeks=np.full(rows, float(scn.clock.pandemic_weeks)),
        pandemic_narrowing=np.full(rows, scn.clock.pandemic_narrowing),
        pandemic_inward=np.full(rows, scn.clock.pandemic_inward),
        election_horizon=np.full(rows, float(scn.clock.election_horizon)),
    )
    columns: dict[str, np.ndarray] = {}
    for name in _ACTOR_FIELDS:
        row = np.array([float(getattr(a, name)) for a in scn.actors])
        columns[name] = np.tile(row, (rows, 1))
    for name in _INTEREST_FIELDS:
        row = np.array([getattr(a.interests, name) for a in scn.actors])
        columns[name] = np.tile(row, (rows, 1))
    index = {a: i for i, a in enumerate(scn.actor_ids)}
    n = len(index)
    w0 = np.zeros((n, n))
    for tie in scn.ties:
        i, j = index[tie.a], index[tie.b]
        w0[i, j] = w0[j, i] = tie.strength
    return ParamArrays(
        **groups,
        clock=clock,
        actor=ActorArrays(**columns),
        strength0=np.tile(w0, (rows, 1, 1)),
        mode0=np.full(rows, float(Mode[scn.dprk_mode.upper()])),
        relief0=np.full(rows, scn.dprk_relief),
        prestige0=np.full(rows, scn.dprk_prestige),
        programme0=np.full(rows, scn.dprk_programme),
    )


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
        alarm=np.zeros(r),
        unilateral=np.zeros(r),
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
        leader_appetite=np.zeros(r),
        response=np.zeros(r, dtype=np.int8),
        counts=np.zeros((r, len(EVENT_KINDS)), dtype=np.int32),
    )
    st.metrics = measure(st, p, struct)
    st.pressure0 = st.metrics["effective_pressure"].copy()
    return st


def measure(st: State, p: ParamArrays, struct: Structure) -> dict[str, np.ndarray]:
    """The model reporters: cohesion, effective pressure and US isolation, per replicate."""
    capacity = rules.enforcement_capacity(
        p.actor.capability, p.actor.trade, struct.coalition, p.enforcement.trade_weight
    )
    pe = p.enforcement
    enforced = rules.enforcement(
        st.commitment, pe.defection_threshold[:, None], pe.defection_softness[:, None]
    )
    return {
        "cohesion": rules.cohesion(st.commitment, st.strength, struct.coalition_pairs),
        "effective_pressure": rules.effective_pressure(enforced, capacity),
        "us_isolation": rules.us_isolation(st.commitment, capacity, struct.leader, struct.partners),
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
    mediation: np.ndarray  # mediation the DPRK heeds: effort x engagement, less shunning
    talks_on: np.ndarray  # bool: a summit is proposed or scheduled
    destabilisation: np.ndarray  # max(US isolation, tension)
    both_want: np.ndarray  # bool: both leaders want the meeting ([S18])
    pull: np.ndarray  # (R, A, A) tie pull weights
    keys: np.ndarray  # (R,) uint64 stream keys


def observe(st: State, p: ParamArrays, struct: Structure, t: int, keys: np.ndarray) -> Context:
    """Phase 1: the shared picture of the world at the start of week ``t``."""
    m = st.metrics
    wte = struct.weeks_to_election(t)
    proximity = rules.election_proximity(np.full(p.n_rows, float(wte)), p.clock.election_horizon)
    pandemic = (t >= struct.pandemic_start) & (t < struct.pandemic_start + p.clock.pandemic_weeks)
    return Context(
        step=t,
        pressure=m["effective_pressure"],
        cohesion=m["cohesion"],
        isolation=m["us_isolation"],
        diplomacy=rules.diplomatic_track(st.summit, st.since_summit, p.outcomes.track_memory),
        proximity=proximity,
        pandemic=np.broadcast_to(pandemic, (p.n_rows,)).copy(),
        room=rules.room_for_dialogue(pandemic, p.clock.pandemic_narrowing),
        patron=rules.patron_commitment(
            st.strength[:, struct.target, :], struct.patrons, st.commitment
        ),
        mediation=rules.heeded_mediation(
            rules.mediation_level(p.actor.mediation, st.engagement),
            st.mode == Mode.AUTONOMY,
            p.target.mediator_shunning,
        ),
        talks_on=(st.summit == SummitState.PROPOSED) | (st.summit == SummitState.SCHEDULED),
        destabilisation=np.maximum(m["us_isolation"], st.tension),
        both_want=rules.both_want_meeting(
            st.summit,
            st.engagement[:, struct.leader],
            st.engagement[:, struct.target],
            p.volatility.want_threshold,
        ),
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


@dataclass
class _Deciders:
    """The deciding actors' columns and this week's actor draws (shared by the steps below)."""

    cols: np.ndarray
    u: np.ndarray  # (R, k, len(_ACTOR_DRAWS))
    volatility: np.ndarray  # (R, k)
    is_target: np.ndarray  # (k,) bool
    is_leader: np.ndarray


def _fatigue_step(st: State, ctx: Context, p: ParamArrays, d: _Deciders) -> np.ndarray:
    """3.4.1 Sanctions fatigue (coalition members only; the target's stays 0)."""
    fatigue = rules.fatigue_update(
        st.fatigue[:, d.cols],
        pressure=_col(ctx.pressure),
        economy=p.actor.economy[:, d.cols],
        diplomacy=_col(ctx.diplomacy),
        growth=_col(p.fatigue.growth),
        recovery=_col(p.fatigue.recovery),
    )
    return np.where(d.is_target, 0.0, fatigue)


def _mode_level(st: State, p: ParamArrays) -> np.ndarray:
    return rules.mode_engagement_level(
        _col(st.mode == Mode.INFLUENCE),
        _col(p.engagement.influence_level),
        _col(p.engagement.autonomy_level),
    )


def _commitment_step(
    st: State, ctx: Context, p: ParamArrays, struct: Structure, d: _Deciders, fatigue: np.ndarray
) -> np.ndarray:
    """3.4.2 Commitment: coalition members follow the coalition rule; the target's defiance
    follows its policy mode."""
    cols, a, pc = d.cols, p.actor, p.commitment
    c = st.commitment[:, cols]
    c0 = a.commitment[:, cols]
    gap = rules.bounded_pull(
        rules.alliance_gap(st.commitment, st.strength[:, cols, :], ctx.pull[:, cols, :], cols),
        c,
        c0,
        _col(pc.pull_ceiling),
    )
    partner = (struct.partners[cols] > 0)[None, :]
    drag = rules.partner_drag(
        commitment=c,
        economy=a.economy[:, cols],
        stability=a.stability[:, cols],
        trade=a.trade[:, cols],
        unilateral=_col(st.unilateral),
        target_engagement=_col(st.engagement[:, struct.target]),
        relief=_col(st.relief),
        economic_cost=_col(pc.economic_cost),
        unilateral_cost=_col(pc.unilateral_cost),
        engagement_pull=_col(pc.engagement_pull),
        relief_leakage=_col(pc.relief_leakage),
    )
    push = np.where(d.is_leader, rules.posture_push(_col(st.posture), _col(pc.posture_effect)), 0.0)
    noise = rules.uniform_noise(d.u[..., 0], _col(pc.noise) * d.volatility)
    member = rules.commitment_update(
        c,
        c0=c0,
        gap=gap,
        conformity=a.conformity[:, cols],
        fatigue=fatigue,
        security=a.security[:, cols],
        stability=a.stability[:, cols],
        provocation=_col(st.provocation),
        destabilisation=_col(ctx.destabilisation),
        posture_push=push,
        noise=noise,
        p_pull=_col(pc.pull_rate),
        p_anchor=_col(pc.anchor_rate),
        p_conventional=_col(pc.conventional_response),
        p_strategic=_col(pc.strategic_response),
        p_erosion=_col(pc.fatigue_erosion),
        p_pullback=_col(pc.stability_pullback),
        habituation=_col(rules.habituation_factor(st.alarm, pc.habituation)),
        drag=np.where(partner, drag, 0.0),
    )
    defiance = rules.defiance_update(
        c, mode_level=_mode_level(st, p), adjust_rate=_col(p.engagement.adjust_rate), noise=noise
    )
    return np.where(d.is_target, defiance, member)


def _engagement_step(
    st: State, ctx: Context, p: ParamArrays, d: _Deciders, fatigue: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """3.4.3 Engagement: drift toward a role-specific set-point, narrowed by the pandemic,
    with noise and occasional policy shifts. Returns (engagement, shifted)."""
    cols, pe = d.cols, p.engagement
    base0 = p.actor.engagement[:, cols]
    leader_base = rules.talks_engagement(
        rules.leader_engagement_base(
            base0, _col(st.posture), _col(pe.compromise_boost), _col(pe.sideline_drop)
        ),
        _col(ctx.talks_on),
        _col(pe.talks_boost),
    )
    base = np.where(d.is_target, _mode_level(st, p), np.where(d.is_leader, leader_base, base0))
    target = rules.engagement_target(
        base, fatigue, _col(p.fatigue.engagement_effect), _col(ctx.room)
    )
    shifted, shift_step = rules.policy_shift(
        d.u[..., 4],
        d.u[..., 5],
        rate=_col(p.volatility.shift_rate),
        size=_col(p.volatility.shift_size),
        volatility=d.volatility,
    )
    engagement = rules.engagement_update(
        st.engagement[:, cols],
        target=target,
        adjust_rate=_col(pe.adjust_rate),
        noise=rules.uniform_noise(d.u[..., 1], _col(pe.noise) * d.volatility),
        shift_step=shift_step,
    )
    return engagement, shifted


def _standing_step(
    st: State, ctx: Context, p: ParamArrays, d: _Deciders
) -> tuple[np.ndarray, np.ndarray]:
    """3.4.4 Domestic standing and its reference point. Returns (standing, reference)."""
    cols, ps = d.cols, p.standing
    s = st.standing[:, cols]
    sanctions = np.where(d.is_target, _col(ps.sanctions_cost_target * ctx.pressure), 0.0)
    standing = rules.standing_update(
        s,
        baseline=p.actor.standing[:, cols],
        anchor_rate=_col(ps.anchor_rate),
        sanctions_cost=sanctions,
        noise=rules.uniform_noise(d.u[..., 2], _col(ps.noise) * d.volatility),
    )
    reference = rules.reference_update(st.reference[:, cols], s, _col(ps.reference_adapt))
    return standing, reference


def decide_actors(
    st: State, ctx: Context, p: ParamArrays, struct: Structure, cols: np.ndarray
) -> ActorPlan:
    """Phase 2: each actor's fatigue, commitment, engagement, standing and volatility events.

    ``cols`` are the deciding actors (one for a Mesa agent, all for the ensemble). Fancy
    indexing copies every slice into a contiguous array, so results do not depend on ``cols``.
    """
    cols = np.asarray(cols)
    d = _Deciders(
        cols=cols,
        u=uniforms(ctx.keys, ctx.step, cols, _ACTOR_DRAWS),
        volatility=p.actor.volatility[:, cols],
        is_target=cols == struct.target,
        is_leader=cols == struct.leader,
    )
    fatigue = _fatigue_step(st, ctx, p, d)
    commitment = _commitment_step(st, ctx, p, struct, d, fatigue)
    engagement, shifted = _engagement_step(st, ctx, p, d, fatigue)
    standing, reference = _standing_step(st, ctx, p, d)
    # 3.4.6 outbursts at the counterpart unless both leaders want the meeting ([S18])
    at_counterpart, at_third = rules.outbursts(
        d.u[..., 3],
        principal=d.is_target | d.is_leader,
        rate=_col(p.volatility.outburst_rate),
        volatility=d.volatility,
        both_want=_col(ctx.both_want),
    )
    signal = rules.dialogue_signal(
        d.u[..., 6], st.engagement[:, cols], _col(ctx.room), at_counterpart
    )
    return ActorPlan(
        cols=cols,
        commitment=commitment,
        engagement=engagement,
        standing=standing,
        reference=reference,
        fatigue=fatigue,
        signal=signal,
        outburst_counterpart=at_counterpart,
        outburst_third_party=at_third,
        shift=shifted,
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
    st: State, p: ParamArrays, me: int, other: int, u: np.ndarray, tension_hazard: Any = 0.0
) -> np.ndarray:
    return rules.wants_to_cancel(
        st.summit == SummitState.SCHEDULED,
        st.silence[:, other],
        p.summit.insecurity_weeks,
        u,
        p.actor.fear_of_snub[:, me],
        tension_hazard,
    )


def _target_mode(st: State, ctx: Context, p: ParamArrays, t: int, ld: int, u: np.ndarray):
    """3.4.5 The DPRK's policy mode: disappointment pushes it to autonomy, lure to influence."""
    a, tp = p.actor, p.target
    payoff = rules.target_payoff(
        a.security[:, t], a.economy[:, t], a.prestige[:, t], st.security, st.relief, st.prestige
    )
    lure = rules.engagement_lure(
        st.engagement[:, ld], a.economy[:, t], a.prestige[:, t], ctx.pressure, st.relief,
        ctx.mediation, ctx.room,
    )  # fmt: skip
    p_switch = rules.mode_switch_probability(
        st.mode == Mode.AUTONOMY,
        payoff=payoff,
        lure=lure,
        snub=st.snub.astype(np.float64),
        aspiration=tp.aspiration,
        to_autonomy0=tp.to_autonomy_logit0,
        disappointment_slope=tp.disappointment_slope,
        snub_shock=tp.snub_shock,
        to_influence0=tp.to_influence_logit0,
        lure_slope=tp.lure_slope,
    )
    return rules.next_mode(u, p_switch, st.mode)


def _target_provocation(
    st: State, ctx: Context, p: ParamArrays, t: int, u: np.ndarray
) -> np.ndarray:
    """3.4.5 The DPRK's provocation rung this week."""
    a, tp = p.actor, p.target
    vulnerable = rules.vulnerability(st.reference[:, t], st.standing[:, t])
    p_conv, p_strat = rules.provocation_probabilities(
        st.mode == Mode.AUTONOMY,
        vulnerability=vulnerable,
        diplomacy=ctx.diplomacy.astype(np.float64),
        patron=ctx.patron,
        conventional0=tp.conventional_logit0,
        conventional_autonomy=tp.conventional_autonomy,
        strategic0=tp.strategic_logit0,
        strategic_autonomy=tp.strategic_autonomy,
        vulnerability_slope=tp.vulnerability_slope,
        restraint=tp.diplomacy_restraint,
        patron_restraint=tp.patron_restraint,
        election=rules.election_leverage(
            ctx.proximity,
            vulnerable,
            scale=tp.vulnerability_scale,
            leverage=tp.election_leverage,
            restraint=tp.election_restraint,
        ),
        inward=p.clock.pandemic_inward * ctx.pandemic,
        stake=rules.engagement_stake(a.economy[:, t], st.relief, a.prestige[:, t], st.prestige),
        stake_restraint=tp.stake_restraint,
        programme=st.programme,
        programme_slope=tp.programme_slope,
    )
    return rules.provocation_level(u, p_conv, p_strat)


def decide_target(st: State, ctx: Context, p: ParamArrays, struct: Structure) -> TargetPlan:
    """Phase 2 for the target (DPRK): policy mode, provocation, summit acceptance and cancel."""
    t, ld = struct.target, struct.leader
    u = _role_draws(ctx, t)
    sp = p.summit
    p_accept = rules.target_accept_probability(
        st.mode == Mode.AUTONOMY, sp.target_accept_logit0, sp.target_accept_influence, ctx.room
    )
    return TargetPlan(
        mode=_target_mode(st, ctx, p, t, ld, u[:, 3]),
        provocation=_target_provocation(st, ctx, p, t, u[:, 4]),
        accept=u[:, 5] < p_accept,
        cancel=_wants_to_cancel(st, p, t, ld, u[:, 0]),
        hedge=u[:, 1] < rules.hedging_chance(p.actor.hedging[:, t], st.tension),
    )


@dataclass
class LeaderPlan:
    accept: np.ndarray
    consult: np.ndarray
    cancel: np.ndarray
    hedge: np.ndarray
    response: np.ndarray
    appetite: np.ndarray


def _summit_appetite(p: ParamArrays, ld: int, gap: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """3.4.7 The summit as a prospect-theory gamble judged from the standing gap ([S18]):
    sensitivity x value advantage, in logits (positive in a domain of losses)."""
    pr = p.prospect
    summit_adv = rules.prospect_advantage(
        gap,
        pr.summit_upside * (1.0 + p.actor.prestige[:, ld]),
        pr.summit_downside * weight,
        pr.summit_success,
        pr.alpha,
        pr.beta,
        pr.loss_aversion,
    )
    return pr.sensitivity * summit_adv


def _leader_response(
    st: State, ctx: Context, p: ParamArrays, gap: np.ndarray, weight: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """3.4.7 After last week's strategic test: compromise, sideline or escalate ([S20]);
    values relative to the sure option, sidelining (column 1)."""
    pr = p.prospect
    kt = (pr.alpha, pr.beta, pr.loss_aversion)
    values = np.stack(
        [
            rules.prospect_advantage(
                gap, pr.compromise_upside, pr.compromise_downside * weight,
                pr.compromise_success, *kt, sure_loss=pr.sideline_cost,
            ),
            np.zeros_like(gap),
            rules.prospect_advantage(
                gap, pr.escalate_upside, pr.escalate_downside * weight,
                pr.escalate_success, *kt, sure_loss=pr.sideline_cost,
            ),
        ],
        axis=-1,
    )  # fmt: skip
    inward = np.stack(
        [np.zeros_like(gap), np.zeros_like(gap), -p.clock.pandemic_inward * ctx.pandemic], axis=-1
    )
    probs = rules.response_probabilities(values, pr.sensitivity, inward)
    choice = rules.choose_response(u, probs)
    responding = st.provocation == ProvocationLevel.STRATEGIC
    return np.where(responding, choice, Posture.NONE).astype(np.int8)


def decide_leader(st: State, ctx: Context, p: ParamArrays, struct: Structure) -> LeaderPlan:
    """Phase 2 for the leader (US): prospect-theory choices on the summit and after tests.

    The summit is a gamble: its downside weighs more as an election nears ([S20]); its value
    is judged from standing relative to the reference point ([S18] 'domain of losses').
    """
    ld, t = struct.leader, struct.target
    u = _role_draws(ctx, ld)
    gap = st.standing[:, ld] - st.reference[:, ld]
    weight = rules.election_weight(ctx.proximity, p.prospect.election_aversion)
    appetite = _summit_appetite(p, ld, gap, weight)
    p_accept = rules.logistic(p.prospect.accept_logit0 + appetite) * ctx.room
    return LeaderPlan(
        accept=u[:, 5] < p_accept,
        consult=u[:, 2] < p.actor.consults[:, ld],
        cancel=_wants_to_cancel(st, p, ld, t, u[:, 0], p.summit.tension_cancel * st.tension),
        hedge=u[:, 1] < rules.hedging_chance(p.actor.hedging[:, ld], st.tension),
        response=_leader_response(st, ctx, p, gap, weight, u[:, 6]),
        appetite=appetite,
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
    st.leader_appetite = plan.appetite
    st.response = plan.response


# --------------------------------------------------------------------------- phase 4: resolve


def _clip01(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


def _apply_scheduled(
    st: State, struct: Structure, t: int, ev: dict[str, np.ndarray]
) -> tuple[int, bool]:
    """4.1 Scenario events due this week: forced proposals and tests, mode changes, shocks."""
    forced_test = ProvocationLevel.NONE
    forced_proposal = False
    index = {a: i for i, a in enumerate(struct.ids)}
    for event in struct.events.get(t, ()):
        ev["scheduled_event"][:] = True
        if event.kind is EventKind.SUMMIT_PROPOSAL:
            forced_proposal = True
        elif event.kind is EventKind.STRATEGIC_TEST:
            forced_test = ProvocationLevel.STRATEGIC
        elif event.kind is EventKind.CONVENTIONAL_TEST:
            forced_test = max(forced_test, ProvocationLevel.CONVENTIONAL)
        elif event.kind is EventKind.DPRK_MODE:
            st.planned_mode[:] = Mode[event.mode.upper()]
        elif event.kind is EventKind.SHOCK:
            arr = getattr(st, event.variable)
            i = index[event.actor]
            arr[:, i] = _clip01(arr[:, i] + event.value)
    return int(forced_test), forced_proposal


def _resolve_mode(st: State, ev: dict[str, np.ndarray]) -> None:
    """4.2 The planned DPRK mode takes effect; a change is logged."""
    ev["mode_influence"] = (st.planned_mode == Mode.INFLUENCE) & (st.mode == Mode.AUTONOMY)
    ev["mode_autonomy"] = (st.planned_mode == Mode.AUTONOMY) & (st.mode == Mode.INFLUENCE)
    st.mode = st.planned_mode.copy()


def _resolve_provocation(
    st: State, p: ParamArrays, struct: Structure, forced_test: int, ev: dict[str, np.ndarray]
) -> np.ndarray:
    """4.3 The provocation rung: tension, the DPRK's standing at home ([S20] 'major
    provocations could reinforce his power at home') and the leader's loss after a strategic
    test. Returns tension before clipping."""
    ld, tg = struct.leader, struct.target
    level = np.maximum(st.planned_provocation, forced_test).astype(np.int8)
    conv = level == ProvocationLevel.CONVENTIONAL
    strat = level == ProvocationLevel.STRATEGIC
    ev["conventional_test"], ev["strategic_test"] = conv, strat
    tension = st.tension + p.tension.conventional * conv + p.tension.strategic * strat
    st.standing[:, tg] = _clip01(
        st.standing[:, tg] + p.standing.provocation_gain_target * (level > 0)
    )
    st.standing[:, ld] = _clip01(st.standing[:, ld] - p.standing.test_cost_leader * strat)
    st.engagement[:, ld] = _clip01(st.engagement[:, ld] - p.engagement.test_hit * strat)
    pc = p.commitment
    st.alarm = rules.test_memory_update(
        st.alarm,
        st.provocation,
        fade=pc.test_memory_fade,
        conventional_weight=pc.conventional_response / np.maximum(pc.strategic_response, 1e-9),
    )  # the tests before the one about to be answered
    st.provocation = level
    return tension


def _resolve_response(
    st: State, p: ParamArrays, tension: np.ndarray, ev: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """4.4 The leader's response to last week's strategic test sets its posture ([S20]);
    escalation adds tension and lowers DPRK security. Returns (tension, whether the
    response was chosen without consulting the allies)."""
    resp = st.response
    for name, code in (("us_compromise", Posture.COMPROMISE), ("us_sideline", Posture.SIDELINE),
                       ("us_escalate", Posture.ESCALATE)):  # fmt: skip
        ev[name] = resp == code
    st.posture, st.posture_age = rules.posture_update(
        st.posture, st.posture_age, resp, p.prospect.posture_weeks
    )
    escalate = resp == Posture.ESCALATE
    st.security = _clip01(st.security - p.target.escalation_threat * escalate)
    unconsulted = (resp != Posture.NONE) & ~st.leader_consult
    return tension + p.tension.escalation * escalate, unconsulted


def _resolve_outbursts(
    st: State, p: ParamArrays, struct: Structure, tension: np.ndarray, ev: dict[str, np.ndarray]
) -> None:
    """4.5 Outbursts at the counterpart cost its engagement and add tension ([S18]); tension
    is clipped."""
    ld, tg = struct.leader, struct.target
    vp = p.volatility
    by_leader = st.outburst_counterpart[:, ld]
    by_target = st.outburst_counterpart[:, tg]
    hit = vp.outburst_engagement_hit
    st.engagement[:, tg] = rules.outburst_engagement_cost(st.engagement[:, tg], by_leader, hit)
    st.engagement[:, ld] = rules.outburst_engagement_cost(st.engagement[:, ld], by_target, hit)
    tension = tension + vp.outburst_tension * (by_leader.astype(float) + by_target)
    ev["outburst_counterpart"] = st.outburst_counterpart.any(axis=1)
    ev["outburst_third_party"] = st.outburst_third_party.any(axis=1)
    ev["policy_shift"] = st.shift.any(axis=1)
    st.tension = _clip01(tension)


@dataclass
class SummitStep:
    """This week's transitions of the summit state machine (each (R,) bool)."""

    propose: np.ndarray
    agree: np.ndarray
    unconsulted: np.ndarray
    lapse: np.ndarray
    cancel: np.ndarray
    by_leader: np.ndarray  # among cancellations: the leader cancelled first
    hedge: np.ndarray  # among cancellations: the door is left open
    held: np.ndarray
    agreement: np.ndarray
    no_deal: np.ndarray
    revive: np.ndarray
    expire: np.ndarray
    done: np.ndarray


def _summit_transitions(
    st: State, ctx: Context, p: ParamArrays, struct: Structure, u: np.ndarray,
    forced_proposal: bool,
) -> SummitStep:  # fmt: skip
    """4.6 Which transitions of the summit state machine fire this week ([S18])."""
    ld, tg = struct.leader, struct.target
    sp = p.summit
    s, timer = st.summit, st.summit_timer
    mean_e = (st.engagement[:, ld] + st.engagement[:, tg]) / 2.0

    # none -> proposed (mediation and engagement raise the chance; the pandemic narrows it)
    idle = (s == SummitState.NONE) | (
        forced_proposal & (s != SummitState.PROPOSED) & (s != SummitState.SCHEDULED)
    )
    p_prop = rules.proposal_probability(
        logit0=sp.proposal_logit0 + sp.leader_initiative * st.leader_appetite,
        mediation_slope=sp.mediation_slope,
        mediation=ctx.mediation,
        engagement_slope=sp.engagement_slope,
        mean_engagement=mean_e,
        room=ctx.room,
    )
    propose = idle & ((u[:, 0] < p_prop) | forced_proposal)

    # proposed -> scheduled when both accept; the leader may not consult its allies
    pending = s == SummitState.PROPOSED
    agree = pending & st.leader_accept & st.target_accept
    lapse = pending & ~agree & (timer + 1 >= sp.proposal_expiry)

    # scheduled -> cancelled (insecurity dilemma) or -> held on the date
    scheduled = s == SummitState.SCHEDULED
    lc, tc = scheduled & st.leader_cancel, scheduled & st.target_cancel
    cancel = lc | tc
    fear = p.actor.fear_of_snub
    by_leader = rules.first_canceller(lc, tc, fear[:, ld], fear[:, tg])
    due = scheduled & ~cancel & (timer <= 1)
    p_agree = rules.agreement_probability(
        logit0=sp.agreement_logit0,
        engagement_slope=sp.agreement_engagement,
        mean_engagement=mean_e,
        compromise_bonus=sp.agreement_compromise,
        compromising=st.posture == Posture.COMPROMISE,
    )
    agreement = due & (u[:, 1] < p_agree)

    # cancelled -> scheduled again (readily if hedged, rarely if closed), or back to none
    cancelled = s == SummitState.CANCELLED
    limit = np.where(st.hedged, sp.revival_window, sp.cooldown)
    revivable = cancelled & (timer < limit)
    p_rev = rules.revival_probability(
        logit0=sp.revival_logit0, slope=sp.revival_engagement, mean_engagement=mean_e,
        room=ctx.room, hedged=st.hedged, closed_penalty=sp.closed_revival_penalty,
    )  # fmt: skip
    revive = revivable & ~propose & (u[:, 2] < p_rev)
    return SummitStep(
        propose=propose,
        agree=agree,
        unconsulted=agree & ~st.leader_consult,
        lapse=lapse,
        cancel=cancel,
        by_leader=by_leader,
        hedge=np.where(by_leader, st.leader_hedge, st.target_hedge),
        held=due,
        agreement=agreement,
        no_deal=due & ~agreement,
        revive=revive,
        expire=cancelled & ~revive & ~propose & (timer + 1 >= limit),
        done=(s == SummitState.HELD) & ~propose & (timer + 1 >= sp.cooldown),
    )


def _summit_advance(st: State, p: ParamArrays, struct: Structure, x: SummitStep) -> None:
    """4.6 The summit state and timer after this week's transitions; who cancelled, whether
    the door stays open, and the silence clocks of a freshly set date."""
    ld, tg = struct.leader, struct.target
    sp = p.summit
    s, timer = st.summit, st.summit_timer
    reset = x.propose | x.cancel | x.held | x.lapse | x.expire | x.done
    st.summit = np.select(
        [x.propose, x.agree | x.revive, x.cancel, x.held, x.lapse | x.expire | x.done],
        [SummitState.PROPOSED, SummitState.SCHEDULED, SummitState.CANCELLED, SummitState.HELD,
         SummitState.NONE],
        s.copy(),
    ).astype(np.int8)  # fmt: skip
    st.summit_timer = np.select(
        [reset, x.agree, x.revive, s == SummitState.SCHEDULED],
        [0, sp.lead_weeks.astype(np.int32), sp.revival_lead.astype(np.int32), timer - 1],
        timer + 1,
    ).astype(np.int32)
    st.hedged = np.where(x.cancel, x.hedge, st.hedged)
    st.canceller = np.where(x.cancel, np.where(x.by_leader, ld, tg), st.canceller).astype(np.int16)
    fresh = x.agree | x.revive  # a newly set date: both sides' silence counts from now
    st.silence[:, ld] = np.where(fresh, 0, st.silence[:, ld])
    st.silence[:, tg] = np.where(fresh, 0, st.silence[:, tg])


def _summit_consequences(st: State, p: ParamArrays, struct: Structure, x: SummitStep) -> None:
    """4.6 What the transitions cost or deliver: a hedged cancellation signals ([S18]), an
    unconsulted acceptance strains treaty ties ([S18]), a held summit brings standing,
    prestige, tension relief and, with agreement, relief and security."""
    ld, tg = struct.leader, struct.target
    sp, sg, tp = p.summit, p.standing, p.target
    signal = x.cancel & x.by_leader & x.hedge
    st.engagement[:, tg] = _clip01(st.engagement[:, tg] + sp.hedge_signal * signal)

    st.unilateral = st.unilateral * (1.0 - p.commitment.unilateral_fade) + x.unconsulted
    cost = (sp.unconsulted_cost * x.unconsulted)[:, None] * struct.leader_allies
    st.strength[:, ld, :] = _clip01(st.strength[:, ld, :] - cost)
    st.strength[:, :, ld] = _clip01(st.strength[:, :, ld] - cost)

    held = x.held
    gain = sg.summit_gain * held + sg.agreement_gain * x.agreement
    for i in (ld, tg):
        st.standing[:, i] = _clip01(st.standing[:, i] + gain)
    st.standing[:, ld] = _clip01(st.standing[:, ld] - sg.no_deal_cost * x.no_deal)
    st.prestige = rules.grow_toward_one(st.prestige, tp.summit_prestige, held)
    st.relief = rules.grow_toward_one(st.relief, tp.agreement_relief, x.agreement)
    st.security = rules.grow_toward_one(st.security, tp.agreement_security, x.agreement)
    st.tension = _clip01(st.tension - p.tension.summit_relief * held)
    st.snub = x.no_deal
    st.since_summit = np.where(held, 0, st.since_summit + 1).astype(np.int32)
    st.posture = np.where(x.agreement, Posture.NONE, st.posture).astype(np.int8)


def _summit_process(
    st: State, ctx: Context, p: ParamArrays, struct: Structure, u: np.ndarray,
    forced_proposal: bool, unconsulted_response: np.ndarray, ev: dict[str, np.ndarray],
) -> None:  # fmt: skip
    """4.6 The summit state machine ([S18]): proposed -> scheduled -> held (agreement or no
    deal), or cancelled first by the side that fears being stood up; a hedged cancellation
    can be revived."""
    x = _summit_transitions(st, ctx, p, struct, u, forced_proposal)
    x.unconsulted = x.unconsulted | unconsulted_response
    _summit_advance(st, p, struct, x)
    _summit_consequences(st, p, struct, x)
    for name, flag in (
        ("summit_proposed", x.propose), ("summit_scheduled", x.agree),
        ("unconsulted_decision", x.unconsulted), ("summit_lapsed", x.lapse),
        ("summit_cancelled", x.cancel), ("summit_revived", x.revive), ("summit_held", x.held),
        ("agreement", x.agreement), ("no_deal", x.no_deal),
    ):  # fmt: skip
        ev[name] = flag


def _resolve_interests(st: State, ctx: Context, p: ParamArrays) -> None:
    """4.7 The DPRK's interest states drift: relief erodes under pressure, prestige fades,
    security recovers, the weapons programme builds or fades with the mode."""
    tp = p.target
    st.relief = rules.relief_erosion(st.relief, tp.relief_decay, ctx.pressure)
    st.relief = rules.leakage_relief(st.relief, ctx.pressure, st.pressure0, p.enforcement.leakage)
    st.prestige = rules.prestige_fade(st.prestige, tp.prestige_decay)
    st.security = rules.security_recovery(st.security, tp.security_recovery, tp.security0)
    st.programme = rules.programme_update(
        st.programme, st.mode == Mode.AUTONOMY, tp.programme_growth, tp.programme_decay
    )


def _resolve_ties(st: State, p: ParamArrays, struct: Structure) -> None:
    """4.8 Coalition ties strengthen with coordination and strain with divergence."""
    tie = p.ties
    st.strength, st.divergence = rules.tie_update(
        st.strength,
        st.divergence,
        st.commitment,
        mask=struct.coalition_mask,
        memory=tie.divergence_memory,
        tolerance=tie.tolerance,
        strengthen=tie.strengthen,
        strain=tie.strain,
    )


def _resolve_tension(st: State, p: ParamArrays, ev: dict[str, np.ndarray]) -> None:
    """4.9 Tension decays; a military crisis is declared when it crosses the threshold."""
    st.tension = rules.tension_decay(st.tension, p.tension.decay)
    crisis = st.tension >= p.tension.crisis_threshold
    ev["military_crisis"] = crisis & ~st.crisis
    st.crisis = crisis


def _resolve_outcomes(
    st: State, p: ParamArrays, struct: Structure, ev: dict[str, np.ndarray]
) -> None:
    """4.10 Reporters are measured and the seed's three failure modes ([S18]) logged when
    first crossed."""
    st.metrics = measure(st, p, struct)
    m, oc = st.metrics, p.outcomes
    fractured, unwound, isolated = rules.failure_modes(
        m["cohesion"],
        m["effective_pressure"],
        m["us_isolation"],
        st.pressure0,
        fracture_cohesion=oc.fracture_cohesion,
        unwind_ratio=oc.unwind_ratio,
        isolation_threshold=oc.isolation_threshold,
    )
    ev["coalition_fracture"] = fractured & ~st.fractured
    ev["pressure_unwound"] = unwound & ~st.unwound
    ev["us_isolated"] = isolated & ~st.isolated
    st.fractured, st.unwound, st.isolated = fractured, unwound, isolated


def _resolve_clock(
    st: State, p: ParamArrays, struct: Structure, t: int, ev: dict[str, np.ndarray]
) -> None:
    """4.11 The exogenous clock events; the week's events are added to the counters."""
    ev["election"][:] = bool(np.any(struct.election_steps == t))
    ev["pandemic_start"][:] = t == struct.pandemic_start
    ev["pandemic_end"] = np.equal(t, struct.pandemic_start + p.clock.pandemic_weeks)
    st.counts += np.stack([ev[name] for name in EVENT_KINDS], axis=1)


def resolve_world(
    st: State, ctx: Context, p: ParamArrays, struct: Structure
) -> dict[str, np.ndarray]:
    """Phase 4: model-level consequences of the committed decisions; returns this week's events.

    The steps run in the ODD's order (section 1.3, phase 4).
    """
    t = ctx.step
    ev = {name: np.zeros(p.n_rows, dtype=bool) for name in EVENT_KINDS}
    u = uniforms(ctx.keys, t, [WORLD], _WORLD_DRAWS)[:, 0, :]
    forced_test, forced_proposal = _apply_scheduled(st, struct, t, ev)
    _resolve_mode(st, ev)
    tension = _resolve_provocation(st, p, struct, forced_test, ev)
    tension, unconsulted_response = _resolve_response(st, p, tension, ev)
    _resolve_outbursts(st, p, struct, tension, ev)
    _summit_process(st, ctx, p, struct, u, forced_proposal, unconsulted_response, ev)
    _resolve_interests(st, ctx, p)
    _resolve_ties(st, p, struct)
    _resolve_tension(st, p, ev)
    _resolve_outcomes(st, p, struct, ev)
    _resolve_clock(st, p, struct, t, ev)
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
