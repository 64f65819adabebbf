"""The compiled phases of a week up to the commits, in the ODD's order (section 1.3): the
context every actor observes (phase 1, :func:`observe_phase`), each actor's decision
(phase 2: :func:`decide_actor`, :func:`decide_target`, :func:`decide_leader`) and the commits
(phase 3). Each works on one replicate row ``r`` of the state record and is inlined into the
entry kernels (:mod:`coalition_sim.core.kernels`); the equations are the named rules of
:mod:`coalition_sim.core.rules`, called here in the ODD's order (docs/ODD.md, 3.4).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rules as R
from .codes import (
    ActorConst,
    ActorField,
    Clock,
    Context,
    LeaderPlan,
    Mode,
    Plan,
    Posture,
    ProvocationLevel,
    SummitState,
    TargetPlan,
)
from .jit import compiled, phase
from .libm import power
from .rules.prospect import POWER_ANCHORS
from .streams import WEEKLY_DRAWS, Draw, WeekDraw, draw

__all__ = [
    "actor_constants",
    "capacity_shares",
    "clock_context",
    "commit_actor",
    "commit_leader",
    "commit_target",
    "decide_actor",
    "decide_leader",
    "decide_target",
    "leader_appetite",
    "leader_appetite_bounds",
    "measure_row",
    "observe_phase",
    "prospect_anchors",
    "pull_matrix",
]


@phase
def weeks_to_election(g: Any, t: int) -> int:
    for k in range(g.election_steps.shape[0]):
        if g.election_steps[k] >= t:
            return g.election_steps[k] - t
    return -1


@phase
def pull_matrix(pf: Any, g: Any, out: np.ndarray) -> None:
    """Pull weight of each coalition tie from its type; zero elsewhere (only coalition
    members pull on commitment: the target's 'commitment' is its defiance)."""
    a = out.shape[0]
    for i in range(a):
        for j in range(a):
            out[i, j] = R.tie_pull_weight(
                kind=g.tie_type[i, j],
                members=g.coalition[i] > 0 and g.coalition[j] > 0,
                treaty_ally=pf.ties_pull_treaty_ally,
                partner=pf.ties_pull_partner,
                rival=pf.ties_pull_rival,
            )


@phase
def capacity_shares(pf: Any, pa: np.ndarray, g: Any, out: np.ndarray) -> None:
    """Each actor's enforcement capacity into ``out`` (A,): a function of the parameters only,
    so the kernels compute it once per parameter set, not every week."""
    R.enforcement_capacity(
        capability=pa[ActorField.CAPABILITY],
        trade=pa[ActorField.TRADE],
        coalition=g.coalition,
        trade_weight=pf.enforcement_trade_weight,
        out=out,
    )


@phase
def measure_row(
    r: int, s: Any, pf: Any, g: Any, capacity: np.ndarray, shares: np.ndarray
) -> None:  # fmt: skip
    """The reporters of row ``r``: cohesion, effective pressure, US isolation (``capacity``
    from :func:`capacity_shares` of the row's parameters; ``shares`` (A,) is working space
    for the actors' enforcing shares, computed once for both reporters that read them)."""
    c = s.commitment[r]
    s.cohesion[r] = R.cohesion(commitment=c, strength=s.strength[r], pairs=g.pairs)
    R.enforcing_shares(
        commitment=c,
        capacity=capacity,
        threshold=pf.enforcement_defection_threshold,
        softness=pf.enforcement_defection_softness,
        out=shares,
    )
    s.effective_pressure[r] = R.effective_pressure(commitment=c, capacity=capacity, shares=shares)
    s.us_isolation[r] = R.us_isolation(
        commitment=c, capacity=capacity, leader=g.leader, partners=g.partners, shares=shares
    )


@phase
def actor_constants(pf: Any, pa: np.ndarray, out: np.ndarray) -> None:
    """Each actor's products of parameters that its weekly decision multiplies by, into
    ``out`` (A, :class:`ActorConst`): the noises' standard deviations, the chances of a shift
    and an outburst, the weights of the commitment rule and its set-point. Functions of the
    parameters only: the ensemble kernel tables them once per parameter set (as the pull
    matrix), so a week reads one number where it would multiply two; each is the product its
    rule defines (:func:`decide_actor` calls the rules' weighted forms), so the same number."""
    for i in range(out.shape[0]):
        vol = pa[ActorField.VOLATILITY, i]
        security = pa[ActorField.SECURITY, i]
        out[i, ActorConst.COMMITMENT_SD] = R.noise_sd(noise=pf.commitment_noise, volatility=vol)
        out[i, ActorConst.ENGAGEMENT_SD] = R.noise_sd(noise=pf.engagement_noise, volatility=vol)
        out[i, ActorConst.STANDING_SD] = R.noise_sd(noise=pf.standing_noise, volatility=vol)
        out[i, ActorConst.SHIFT_CHANCE] = R.volatile_chance(
            rate=pf.volatility_shift_rate, volatility=vol
        )
        out[i, ActorConst.OUTBURST_CHANCE] = R.volatile_chance(
            rate=pf.volatility_outburst_rate, volatility=vol
        )
        (
            out[i, ActorConst.PULL_WEIGHT],
            out[i, ActorConst.CONVENTIONAL_WEIGHT],
            out[i, ActorConst.STRATEGIC_WEIGHT],
        ) = R.commitment_weights(
            conformity=pa[ActorField.CONFORMITY, i],
            security=security,
            p_pull=pf.commitment_pull_rate,
            p_conventional=pf.commitment_conventional_response,
            p_strategic=pf.commitment_strategic_response,
        )
        (
            out[i, ActorConst.UNILATERAL_WEIGHT],
            out[i, ActorConst.ENGAGEMENT_WEIGHT],
            out[i, ActorConst.RELIEF_WEIGHT],
        ) = R.setpoint_weights(
            stability=pa[ActorField.STABILITY, i],
            economy=pa[ActorField.ECONOMY, i],
            unilateral_cost=pf.commitment_unilateral_cost,
            engagement_pull=pf.commitment_engagement_pull,
            relief_leakage=pf.commitment_relief_leakage,
        )


@phase
def clock_context(t: int, pf: Any, g: Any, out: np.ndarray) -> None:
    """The part of week ``t``'s context that depends on the calendar and the parameters only
    (``out``, :class:`Clock` slots): the election's proximity (3.4.6, [S20]) and its weight on
    a gamble's downside, the pandemic and the room it leaves for dialogue ([S20]). The
    ensemble kernel tables it once per parameter set for the weeks it runs."""
    proximity = R.election_proximity(
        weeks_to_election=float(weeks_to_election(g, t)), horizon=pf.clock_election_horizon
    )
    out[Clock.PROXIMITY] = proximity
    out[Clock.ELECTION_WEIGHT] = R.election_weight(
        proximity=proximity, aversion=pf.prospect_election_aversion
    )
    pandemic = R.pandemic_clock(t=t, start=g.pandemic_start, weeks=pf.clock_pandemic_weeks)[0]
    out[Clock.PANDEMIC] = pandemic
    out[Clock.ROOM] = R.room_for_dialogue(pandemic=pandemic, narrowing=pf.clock_pandemic_narrowing)


@phase
def observe_phase(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, ctx: np.ndarray, clock: np.ndarray
) -> None:  # fmt: skip
    """Phase 1: the shared picture of the world at the start of week ``t`` (``clock``: the
    week's :func:`clock_context`)."""
    ld, tg = g.leader, g.target
    summit = s.summit[r]
    ctx[Context.PRESSURE] = s.effective_pressure[r]
    ctx[Context.COHESION] = s.cohesion[r]
    ctx[Context.ISOLATION] = s.us_isolation[r]
    ctx[Context.DIPLOMACY] = R.diplomatic_track(
        summit=summit, since_summit=s.since_summit[r], track_memory=pf.outcomes_track_memory
    )
    # the clock's part, a function of the week and the parameters only (:func:`clock_context`)
    ctx[Context.PROXIMITY] = clock[Clock.PROXIMITY]
    ctx[Context.PANDEMIC] = clock[Clock.PANDEMIC]
    ctx[Context.ROOM] = clock[Clock.ROOM]
    ctx[Context.ELECTION_WEIGHT] = clock[Clock.ELECTION_WEIGHT]
    # the leader's standing gap (3.4.6)
    ctx[Context.STANDING_GAP] = s.standing[r, ld] - s.reference[r, ld]
    ctx[Context.PATRON] = R.patron_commitment(
        strength_to_target=s.strength[r, tg], patrons=g.patrons, commitment=s.commitment[r]
    )
    ctx[Context.MEDIATION] = R.heeded_mediation(
        mediation=R.mediation_level(mediation=pa[ActorField.MEDIATION], engagement=s.engagement[r]),
        autonomy=s.mode[r] == Mode.AUTONOMY,
        shunning=pf.target_mediator_shunning,
    )
    ctx[Context.TALKS_ON] = summit in (SummitState.PROPOSED, SummitState.SCHEDULED)
    ctx[Context.BOTH_WANT] = R.both_want_meeting(
        summit=summit,
        leader_engagement=s.engagement[r, ld],
        target_engagement=s.engagement[r, tg],
        threshold=pf.volatility_want_threshold,
    )


@phase
def decide_actor(
    r: int, i: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, u: np.ndarray,
    ctx: np.ndarray, pull: np.ndarray, k: np.ndarray, plan: np.ndarray,
) -> None:  # fmt: skip
    """Phase 2: actor ``i``'s fatigue, commitment, engagement, standing and volatility events
    for next week, from the frozen state (writes only ``plan``). ``u``: the week's uniform
    numbers (:func:`coalition_sim.core.streams.week_uniforms`); ``k``: the actor's row of
    :func:`actor_constants`."""
    ld, tg = g.leader, g.target
    is_target, is_leader = i == tg, i == ld
    at = i * WEEKLY_DRAWS
    u_commit = u[at + Draw.COMMIT_NOISE]
    u_engage = u[at + Draw.ENGAGE_NOISE]
    u_standing = u[at + Draw.STANDING_NOISE]
    # a number that cannot change the outcome is replaced by 1.0 (never passes a `u < p`
    # test): only the principals lash out; the sign of a shift matters only when there is one
    u_outburst = u[at + Draw.OUTBURST] if is_target or is_leader else 1.0
    u_shift = u[at + Draw.SHIFT]
    shifts = R.shift_happens(u_shift=u_shift, chance=k[ActorConst.SHIFT_CHANCE])
    u_sign = u[at + Draw.SHIFT_SIGN] if shifts else 1.0
    u_signal = u[at + Draw.SIGNAL]
    diplomacy = ctx[Context.DIPLOMACY] > 0
    room = ctx[Context.ROOM]
    # 3.4.1 sanctions fatigue (coalition members only; the target's stays 0)
    fatigue = R.fatigue_update(
        fatigue=s.fatigue[r, i],
        pressure=ctx[Context.PRESSURE],
        economy=pa[ActorField.ECONOMY, i],
        diplomacy=diplomacy,
        growth=pf.fatigue_growth,
        recovery=pf.fatigue_recovery,
    )
    if is_target:
        fatigue = 0.0
    # 3.4.1 commitment: coalition members follow the coalition rule; the target's defiance
    # follows its policy mode
    c = s.commitment[r, i]
    c0 = s.anchor[r, i]
    noise = R.uniform_noise(u=u_commit, sd=k[ActorConst.COMMITMENT_SD])
    mode_level = R.mode_engagement_level(
        influence=s.mode[r] == Mode.INFLUENCE,
        influence_level=pf.engagement_influence_level,
        autonomy_level=pf.engagement_autonomy_level,
    )
    if is_target:
        commitment = R.defiance_update(
            defiance=c, mode_level=mode_level, adjust_rate=pf.engagement_adjust_rate, noise=noise
        )
    else:
        gap = R.alliance_gap(
            commitment=s.commitment[r], strength=s.strength[r, i], pull=pull[i], i=i
        )
        partner = g.partners[i] > 0
        push = (
            R.posture_push(posture=s.posture[r], effect=pf.commitment_posture_effect)
            if is_leader
            else 0.0
        )
        setpoint = R.weighted_setpoint(
            c0=c0,
            fatigue=fatigue,
            unilateral=s.unilateral[r] * partner,
            target_engagement=s.engagement[r, tg] * partner,
            relief=s.granted[r] * partner,
            posture_push=push,
            fatigue_erosion=pf.commitment_fatigue_erosion,
            unilateral_weight=k[ActorConst.UNILATERAL_WEIGHT],
            engagement_weight=k[ActorConst.ENGAGEMENT_WEIGHT],
            relief_weight=k[ActorConst.RELIEF_WEIGHT],
        )
        commitment = R.weighted_commitment_update(
            c=c,
            setpoint=setpoint,
            gap=gap,
            provocation=s.provocation[r],
            noise=noise,
            p_anchor=pf.commitment_anchor_rate,
            pull_weight=k[ActorConst.PULL_WEIGHT],
            conventional_weight=k[ActorConst.CONVENTIONAL_WEIGHT],
            strategic_weight=k[ActorConst.STRATEGIC_WEIGHT],
            habituation=R.habituation_factor(
                memory=s.alarm[r], habituation=pf.commitment_habituation
            ),
        )
    # 3.4.1 engagement: drift toward a role-specific set-point, narrowed by the pandemic,
    # with noise and occasional policy shifts
    base = pa[ActorField.ENGAGEMENT, i]
    if is_target:
        base = mode_level
    elif is_leader:
        base = R.talks_engagement(
            base=R.leader_engagement_base(
                base=base, posture=s.posture[r], compromise_boost=pf.engagement_compromise_boost
            ),
            talks_on=ctx[Context.TALKS_ON] > 0,
            boost=pf.engagement_talks_boost,
        )
    target = R.engagement_target(
        base=base, fatigue=fatigue, fatigue_effect=pf.fatigue_engagement_effect, room=room
    )
    shifted, shift_step = R.policy_shift(
        u_shift=u_shift,
        u_sign=u_sign,
        chance=k[ActorConst.SHIFT_CHANCE],
        size=pf.volatility_shift_size,
    )
    engagement = R.engagement_update(
        engagement=s.engagement[r, i],
        target=target,
        adjust_rate=pf.engagement_adjust_rate,
        noise=R.uniform_noise(u=u_engage, sd=k[ActorConst.ENGAGEMENT_SD]),
        shift_step=shift_step,
    )
    # 3.4.1 domestic standing and its reference point
    st = s.standing[r, i]
    standing = R.standing_update(
        standing=st,
        baseline=pa[ActorField.STANDING, i],
        anchor_rate=pf.standing_anchor_rate,
        sanctions_cost=R.sanctions_standing_cost(
            is_target=is_target,
            cost=pf.standing_sanctions_cost_target,
            pressure=ctx[Context.PRESSURE],
        ),
        noise=R.uniform_noise(u=u_standing, sd=k[ActorConst.STANDING_SD]),
    )
    reference = R.reference_update(
        reference=s.reference[r, i], standing=st, adapt=pf.standing_reference_adapt
    )
    # 3.4.8 outbursts at the counterpart unless both leaders want the meeting ([S18])
    at_counterpart, at_third = R.outbursts(
        u=u_outburst,
        principal=is_target or is_leader,
        chance=k[ActorConst.OUTBURST_CHANCE],
        both_want=ctx[Context.BOTH_WANT] > 0,
    )
    signal = R.dialogue_signal(
        u=u_signal, engagement=s.engagement[r, i], room=room, at_counterpart=at_counterpart
    )
    plan[Plan.COMMITMENT] = commitment
    plan[Plan.ENGAGEMENT] = engagement
    plan[Plan.STANDING] = standing
    plan[Plan.REFERENCE] = reference
    plan[Plan.FATIGUE] = fatigue
    plan[Plan.SIGNAL] = signal
    plan[Plan.OUTBURST_COUNTERPART] = at_counterpart
    plan[Plan.OUTBURST_THIRD_PARTY] = at_third
    plan[Plan.SHIFT] = shifted


@phase
def decide_target(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, u: np.ndarray,
    ctx: np.ndarray, plan: np.ndarray,
) -> None:  # fmt: skip
    """Phase 2 for the target (DPRK): policy mode (3.4.4), provocation (3.4.5), summit
    acceptance, cancel and hedge (3.4.7)."""
    tg, ld = g.target, g.leader
    autonomy = s.mode[r] == Mode.AUTONOMY
    room = ctx[Context.ROOM]
    # policy mode: disappointment pushes it to autonomy, lure to influence
    payoff = R.target_payoff(
        security_weight=pa[ActorField.SECURITY, tg],
        economy_weight=pa[ActorField.ECONOMY, tg],
        prestige_weight=pa[ActorField.PRESTIGE, tg],
        security=s.security[r],
        relief=s.relief[r],
        prestige=s.prestige[r],
    )
    lure = R.engagement_lure(
        leader_engagement=s.engagement[r, ld],
        economy_weight=pa[ActorField.ECONOMY, tg],
        prestige_weight=pa[ActorField.PRESTIGE, tg],
        pressure=ctx[Context.PRESSURE],
        relief=s.relief[r],
        mediation=ctx[Context.MEDIATION],
        room=room,
    )
    z_switch = R.mode_switch_logit(
        autonomy=autonomy,
        payoff=payoff,
        lure=lure,
        rebuff=s.rebuff[r],
        aspiration=pf.target_aspiration,
        to_autonomy0=pf.target_to_autonomy_logit0,
        disappointment_slope=pf.target_disappointment_slope,
        snub_shock=pf.target_snub_shock,
        to_influence0=pf.target_to_influence_logit0,
        lure_slope=pf.target_lure_slope,
    )
    after = s.commitment.shape[1] * WEEKLY_DRAWS  # the week's numbers after the actors' block
    # u < mode_switch_probability, drawn without the logistic where its bracket decides
    switch = R.logistic_below(u=u[after + WeekDraw.MODE], z=z_switch, scale=1.0)
    mode = R.next_mode(switch=switch, mode=s.mode[r])
    # provocation rung
    vulnerable = R.vulnerability(reference=s.reference[r, tg], standing=s.standing[r, tg])
    z_conv, z_strat = R.provocation_logits(
        autonomy=autonomy,
        vulnerability=vulnerable,
        diplomacy=ctx[Context.DIPLOMACY],
        patron=ctx[Context.PATRON],
        conventional0=pf.target_conventional_logit0,
        conventional_autonomy=pf.target_conventional_autonomy,
        strategic0=pf.target_strategic_logit0,
        strategic_autonomy=pf.target_strategic_autonomy,
        vulnerability_slope=pf.target_vulnerability_slope,
        restraint=pf.target_diplomacy_restraint,
        patron_restraint=pf.target_patron_restraint,
        election=R.election_leverage(
            proximity=ctx[Context.PROXIMITY],
            vulnerability=vulnerable,
            scale=pf.target_vulnerability_scale,
            leverage=pf.target_election_leverage,
            restraint=pf.target_election_restraint,
        ),
        inward=R.inward_turn(pandemic=ctx[Context.PANDEMIC], inward=pf.clock_pandemic_inward),
        stake=R.engagement_stake(
            economy_weight=pa[ActorField.ECONOMY, tg],
            relief=s.relief[r],
            prestige_weight=pa[ActorField.PRESTIGE, tg],
            prestige=s.prestige[r],
        ),
        stake_restraint=pf.target_stake_restraint,
        programme=s.programme[r],
        programme_slope=pf.target_programme_slope,
    )
    level = R.provocation_rung(u=u[after + WeekDraw.PROVOCATION], z_conv=z_conv, z_strat=z_strat)
    # the summit decisions exist only where there is something to decide: accept a pending
    # proposal; cancel, and whether to hedge, with a summit scheduled (otherwise False, and
    # their numbers are not drawn: the other draws do not change)
    pending = s.summit[r] == SummitState.PROPOSED
    scheduled = s.summit[r] == SummitState.SCHEDULED
    plan[TargetPlan.MODE] = mode
    plan[TargetPlan.PROVOCATION] = level
    # u < target_accept_probability, without the logistic where its bracket decides
    plan[TargetPlan.ACCEPT] = pending and R.logistic_below(
        u=draw(key, tg, Draw.ACCEPT),
        z=R.target_accept_logit(
            autonomy=autonomy,
            logit0=pf.summit_target_accept_logit0,
            influence_bonus=pf.summit_target_accept_influence,
        ),
        scale=room,
    )
    plan[TargetPlan.CANCEL] = R.wants_to_cancel(
        scheduled=scheduled,
        counterpart_silence=s.silence[r, ld],
        insecurity_weeks=pf.summit_insecurity_weeks,
        u=draw(key, tg, Draw.CANCEL) if scheduled else 1.0,
        fear_of_snub=pa[ActorField.FEAR_OF_SNUB, tg],
    )
    plan[TargetPlan.HEDGE] = scheduled and draw(key, tg, Draw.HEDGE) < R.hedging_chance(
        hedging=pa[ActorField.HEDGING, tg], tension=s.tension[r]
    )


@phase
def leader_appetite(pf: Any, pa: np.ndarray, g: Any, ctx: np.ndarray) -> float:
    """3.4.6 The leader's appetite for the summit, a prospect-theory gamble judged from the
    week's standing gap ([S18] 'domain of losses'), its downside weighted by the election
    ([S20]): ``State.leader_appetite``, from the week's context (phase 1)."""
    return R.summit_appetite(
        x=ctx[Context.STANDING_GAP],
        prestige_weight=pa[ActorField.PRESTIGE, g.leader],
        election_weight=ctx[Context.ELECTION_WEIGHT],
        sensitivity=pf.prospect_sensitivity,
        upside=pf.prospect_summit_upside,
        downside=pf.prospect_summit_downside,
        success=pf.prospect_summit_success,
        alpha=pf.prospect_alpha,
        beta=pf.prospect_beta,
        lam=pf.prospect_loss_aversion,
    )


@compiled
def prospect_anchors(pf: Any, out: np.ndarray) -> None:
    """``out`` (2, 7): the anchors' powers ``y ** alpha`` and ``y ** beta`` of one parameter
    set (:data:`coalition_sim.core.rules.prospect.POWER_ANCHORS`), for
    :func:`leader_appetite_bounds`. A compiled function, not an inlined phase: inlined as
    numba IR into the kernel, its loop over the module's array left every row unchanged."""
    for k in range(POWER_ANCHORS.shape[0]):
        out[0, k] = power(POWER_ANCHORS[k], pf.prospect_alpha)
        out[1, k] = power(POWER_ANCHORS[k], pf.prospect_beta)


@phase
def leader_appetite_bounds(
    pf: Any, pa: np.ndarray, g: Any, ctx: np.ndarray, anchors: np.ndarray
) -> tuple[float, float]:  # fmt: skip
    """Bounds of :func:`leader_appetite` without its ``pow`` (:func:`rules.summit_appetite_bounds`
    on the same arguments; ``anchors`` from :func:`prospect_anchors`)."""
    return R.summit_appetite_bounds(
        x=ctx[Context.STANDING_GAP],
        prestige_weight=pa[ActorField.PRESTIGE, g.leader],
        election_weight=ctx[Context.ELECTION_WEIGHT],
        sensitivity=pf.prospect_sensitivity,
        upside=pf.prospect_summit_upside,
        downside=pf.prospect_summit_downside,
        success=pf.prospect_summit_success,
        alpha=pf.prospect_alpha,
        beta=pf.prospect_beta,
        lam=pf.prospect_loss_aversion,
        anchors_alpha=anchors[0],
        anchors_beta=anchors[1],
    )


@phase
def decide_leader(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, ctx: np.ndarray,
    plan: np.ndarray, eager: bool, anchors: np.ndarray,
) -> None:  # fmt: skip
    """Phase 2 for the leader (US): prospect-theory choices on the summit and after tests.

    The summit is a gamble: its downside weighs more as an election nears ([S20]); its value
    is judged from standing relative to the reference point ([S18] 'domain of losses').
    With ``eager`` False (the ensemble kernel) the appetite (three ``pow``) is computed here
    only when a pending proposal's acceptance draw falls where its bounds
    (:func:`leader_appetite_bounds`) do not settle it, else left as NaN for the summit process
    to compute if it reads it and for the kernel to fill in after a row's last week: the
    same numbers and the same decisions, computed where they are read.
    """
    ld, tg = g.leader, g.target
    gap, weight = ctx[Context.STANDING_GAP], ctx[Context.ELECTION_WEIGHT]
    alpha, beta, lam = pf.prospect_alpha, pf.prospect_beta, pf.prospect_loss_aversion
    pending = s.summit[r] == SummitState.PROPOSED
    appetite = leader_appetite(pf, pa, g, ctx) if eager else np.nan
    # 3.4.6 after last week's strategic test: compromise, sideline or escalate ([S20]),
    # values relative to the sure option, sidelining
    response = Posture.NONE.value
    if s.provocation[r] == ProvocationLevel.STRATEGIC:
        sure = pf.prospect_sideline_cost
        v_compromise = R.gamble_value(
            x=gap,
            upside=pf.prospect_compromise_upside,
            downside=pf.prospect_compromise_downside,
            success=pf.prospect_compromise_success,
            election_weight=weight,
            alpha=alpha,
            beta=beta,
            lam=lam,
            sure_loss=sure,
        )
        v_escalate = R.gamble_value(
            x=gap,
            upside=pf.prospect_escalate_upside,
            downside=pf.prospect_escalate_downside,
            success=pf.prospect_escalate_success,
            election_weight=weight,
            alpha=alpha,
            beta=beta,
            lam=lam,
            sure_loss=sure,
        )
        p0, p1, _ = R.response_probabilities(
            v0=v_compromise,
            v1=0.0,
            v2=v_escalate,
            sensitivity=pf.prospect_sensitivity,
            o0=R.compromise_open(diplomacy=ctx[Context.DIPLOMACY] > 0),
            o1=0.0,
            o2=-R.inward_turn(pandemic=ctx[Context.PANDEMIC], inward=pf.clock_pandemic_inward),
        )
        response = R.choose_response(u=draw(key, ld, Draw.RESPONSE), p_compromise=p0, p_sideline=p1)
    # as for the target: accept (and consult) only with a proposal pending, cancel and hedge
    # only with a summit scheduled
    scheduled = s.summit[r] == SummitState.SCHEDULED
    accept = False
    if pending:
        u_accept = draw(key, ld, Draw.ACCEPT)
        settled = -1  # u < the acceptance chance for every appetite within its bounds (1), none (0)
        if np.isnan(appetite):
            a_lo, a_hi = leader_appetite_bounds(pf, pa, g, ctx, anchors)
            settled = R.logistic_settled(
                u=u_accept,
                z_lo=R.leader_accept_logit(appetite=a_lo, logit0=pf.prospect_accept_logit0),
                z_hi=R.leader_accept_logit(appetite=a_hi, logit0=pf.prospect_accept_logit0),
                scale=ctx[Context.ROOM],
            )
        if settled < 0:
            if np.isnan(appetite):
                appetite = leader_appetite(pf, pa, g, ctx)
            accept = u_accept < R.leader_accept_probability(
                appetite=appetite, logit0=pf.prospect_accept_logit0, room=ctx[Context.ROOM]
            )
        else:
            accept = settled == 1
    plan[LeaderPlan.ACCEPT] = accept
    plan[LeaderPlan.CONSULT] = pending and (
        R.consults_allies(u=draw(key, ld, Draw.CONSULT), consults=pa[ActorField.CONSULTS, ld])
    )
    plan[LeaderPlan.CANCEL] = R.wants_to_cancel(
        scheduled=scheduled,
        counterpart_silence=s.silence[r, tg],
        insecurity_weeks=pf.summit_insecurity_weeks,
        u=draw(key, ld, Draw.CANCEL) if scheduled else 1.0,
        fear_of_snub=pa[ActorField.FEAR_OF_SNUB, ld],
        tension_hazard=R.tension_cancel_hazard(
            tension=s.tension[r], tension_cancel=pf.summit_tension_cancel
        ),
    )
    plan[LeaderPlan.HEDGE] = scheduled and draw(key, ld, Draw.HEDGE) < R.hedging_chance(
        hedging=pa[ActorField.HEDGING, ld], tension=s.tension[r]
    )
    plan[LeaderPlan.RESPONSE] = response
    plan[LeaderPlan.APPETITE] = appetite


@phase
def commit_actor(r: int, i: int, s: Any, plan: np.ndarray) -> None:
    """Phase 3: write actor ``i``'s plan into the shared state."""
    s.commitment[r, i] = plan[Plan.COMMITMENT]
    s.engagement[r, i] = plan[Plan.ENGAGEMENT]
    s.standing[r, i] = plan[Plan.STANDING]
    s.reference[r, i] = plan[Plan.REFERENCE]
    s.fatigue[r, i] = plan[Plan.FATIGUE]
    s.silence[r, i] = 0 if plan[Plan.SIGNAL] > 0 else s.silence[r, i] + 1
    s.outburst_counterpart[r, i] = plan[Plan.OUTBURST_COUNTERPART] > 0
    s.outburst_third_party[r, i] = plan[Plan.OUTBURST_THIRD_PARTY] > 0
    s.shift[r, i] = plan[Plan.SHIFT] > 0


@phase
def commit_target(r: int, s: Any, plan: np.ndarray) -> None:
    s.planned_mode[r] = int(plan[TargetPlan.MODE])
    s.planned_provocation[r] = int(plan[TargetPlan.PROVOCATION])
    s.target_accept[r] = plan[TargetPlan.ACCEPT] > 0
    s.target_cancel[r] = plan[TargetPlan.CANCEL] > 0
    s.target_hedge[r] = plan[TargetPlan.HEDGE] > 0


@phase
def commit_leader(r: int, s: Any, plan: np.ndarray) -> None:
    s.leader_accept[r] = plan[LeaderPlan.ACCEPT] > 0
    s.leader_consult[r] = plan[LeaderPlan.CONSULT] > 0
    s.leader_cancel[r] = plan[LeaderPlan.CANCEL] > 0
    s.leader_hedge[r] = plan[LeaderPlan.HEDGE] > 0
    s.response[r] = int(plan[LeaderPlan.RESPONSE])
    s.leader_appetite[r] = plan[LeaderPlan.APPETITE]
