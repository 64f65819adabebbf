"""The compiled phase 4 of a week, in the ODD's order (section 1.3, phase 4; 4.1-4.11):
scheduled events, the DPRK mode, the provocation rung, the leader's response, outbursts, the
summit state machine (:func:`summit_process`, 4.6), the DPRK's interest states, ties,
tension, the reporters and failure modes, and the clock events. Works on one replicate row
and is inlined into the entry kernels (:mod:`coalition_sim.core.kernels`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rules as R
from .codes import (
    ActorField,
    Context,
    Event,
    Mode,
    Posture,
    ProvocationLevel,
    ScheduledKind,
    SummitState,
)
from .decide import leader_appetite, leader_appetite_bounds, measure_row
from .jit import phase
from .streams import WEEKLY_DRAWS, WORLD, Draw, WeekDraw, draw

__all__ = ["resolve_drift", "resolve_world", "summit_process"]


@phase
def resolve_world(
    r: int, t: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, ctx: np.ndarray,
    ev: np.ndarray,
) -> bool:  # fmt: skip
    """Phase 4, steps 4.1-4.5: model-level consequences of the committed decisions, in the
    ODD's order (section 1.3, phase 4); this week's events go to ``ev``. Returns whether a
    scheduled event forces a summit proposal this week. The kernels then run
    :func:`summit_process` (4.6) and :func:`resolve_drift` (4.7-4.11) in turn: three phases
    side by side rather than nested, because numba copies an inlined phase's IR block by
    block (a phase inside an inlined phase made the compile quadratic)."""
    ld, tg = g.leader, g.target
    a = s.commitment.shape[1]
    ev[:] = False
    # 4.1 scenario events due this week: forced proposals and tests, mode changes, shocks
    forced_test = ProvocationLevel.NONE.value
    forced_proposal = False
    for k in range(g.ev_step.shape[0]):
        if g.ev_step[k] != t:
            continue
        ev[Event.SCHEDULED_EVENT] = True
        kind = g.ev_kind[k]
        if kind == ScheduledKind.PROPOSAL:
            forced_proposal = True
        elif kind == ScheduledKind.STRATEGIC:
            forced_test = ProvocationLevel.STRATEGIC.value
        elif kind == ScheduledKind.CONVENTIONAL:
            forced_test = max(forced_test, ProvocationLevel.CONVENTIONAL.value)
        elif kind == ScheduledKind.MODE:
            s.planned_mode[r] = g.ev_mode[k]
        else:
            j, var = g.ev_actor[k], g.ev_var[k]
            if var == 0:
                s.commitment[r, j] = R.scheduled_shock(
                    level=s.commitment[r, j], value=g.ev_value[k]
                )
            elif var == 1:
                s.engagement[r, j] = R.scheduled_shock(
                    level=s.engagement[r, j], value=g.ev_value[k]
                )
            elif var == 2:
                s.standing[r, j] = R.scheduled_shock(level=s.standing[r, j], value=g.ev_value[k])
            else:  # a slow, documented cause (a change of government) moves the anchor
                s.anchor[r, j] = R.scheduled_shock(level=s.anchor[r, j], value=g.ev_value[k])
    # 4.2 the planned DPRK mode takes effect; a change is logged
    ev[Event.MODE_INFLUENCE] = s.planned_mode[r] == Mode.INFLUENCE and s.mode[r] == Mode.AUTONOMY
    ev[Event.MODE_AUTONOMY] = s.planned_mode[r] == Mode.AUTONOMY and s.mode[r] == Mode.INFLUENCE
    s.mode[r] = s.planned_mode[r]
    # 4.3 the provocation rung: tension, the DPRK's standing at home ([S20] 'major
    # provocations could reinforce his power at home') and the leader's loss after a
    # strategic test
    level = max(s.planned_provocation[r], forced_test)
    conv, strat = level == ProvocationLevel.CONVENTIONAL, level == ProvocationLevel.STRATEGIC
    ev[Event.CONVENTIONAL_TEST], ev[Event.STRATEGIC_TEST] = conv, strat
    s.standing[r, tg] = R.provocation_standing_gain(
        standing=s.standing[r, tg], provoked=level > 0, gain=pf.standing_provocation_gain_target
    )
    s.standing[r, ld] = R.test_standing_cost(
        standing=s.standing[r, ld], strategic=strat, cost=pf.standing_test_cost_leader
    )
    s.engagement[r, ld] = R.test_engagement_hit(
        engagement=s.engagement[r, ld], strategic=strat, hit=pf.engagement_test_hit
    )
    s.alarm[r] = R.test_memory_update(  # the tests before the one about to be answered
        memory=s.alarm[r],
        level=s.provocation[r],
        fade=pf.commitment_test_memory_fade,
        conventional_weight=R.conventional_alarm_weight(
            conventional_response=pf.commitment_conventional_response,
            strategic_response=pf.commitment_strategic_response,
        ),
    )
    s.provocation[r] = level
    # 4.4 the leader's response to last week's strategic test sets its posture ([S20]);
    # escalation adds tension and lowers DPRK security
    resp = s.response[r]
    ev[Event.US_COMPROMISE] = resp == Posture.COMPROMISE
    ev[Event.US_SIDELINE] = resp == Posture.SIDELINE
    ev[Event.US_ESCALATE] = resp == Posture.ESCALATE
    s.posture[r], s.posture_age[r] = R.posture_update(
        posture=s.posture[r],
        age=s.posture_age[r],
        response=resp,
        posture_weeks=pf.prospect_posture_weeks,
    )
    escalate = resp == Posture.ESCALATE
    s.security[r] = R.escalation_threat(
        security=s.security[r], escalate=escalate, threat=pf.target_escalation_threat
    )
    # 4.5 outbursts at the counterpart cost its engagement and add tension ([S18])
    by_leader, by_target = s.outburst_counterpart[r, ld], s.outburst_counterpart[r, tg]
    hit = pf.volatility_outburst_engagement_hit
    s.engagement[r, tg] = R.outburst_engagement_cost(
        engagement=s.engagement[r, tg], hit_by_counterpart=by_leader, hit=hit
    )
    s.engagement[r, ld] = R.outburst_engagement_cost(
        engagement=s.engagement[r, ld], hit_by_counterpart=by_target, hit=hit
    )
    for j in range(a):
        ev[Event.OUTBURST_COUNTERPART] |= s.outburst_counterpart[r, j]
        ev[Event.OUTBURST_THIRD_PARTY] |= s.outburst_third_party[r, j]
        ev[Event.POLICY_SHIFT] |= s.shift[r, j]
    # the week's tension shocks (3.4.11: tests, escalation, outbursts), clipped once
    s.tension[r] = R.tension_update(
        tension=s.tension[r],
        conventional=conv,
        strategic=strat,
        escalate=escalate,
        leader_outburst=by_leader,
        target_outburst=by_target,
        conventional_step=pf.tension_conventional,
        strategic_step=pf.tension_strategic,
        escalation_step=pf.tension_escalation,
        outburst_step=pf.volatility_outburst_tension,
    )
    return forced_proposal


@phase
def resolve_drift(
    r: int, t: int, s: Any, pf: Any, g: Any, ctx: np.ndarray, capacity: np.ndarray,
    shares: np.ndarray, ev: np.ndarray,
) -> None:  # fmt: skip
    """Phase 4, steps 4.7-4.11 (after :func:`summit_process`): the DPRK's interest states,
    ties, tension, the reporters and failure modes, the clock events; the week's events are
    added to the counters."""
    # 4.7 the DPRK's interest states drift: relief erodes under pressure, prestige fades,
    # security recovers, the weapons programme builds or fades with the mode
    pressure = ctx[Context.PRESSURE]
    relief = R.relief_erosion(relief=s.relief[r], decay=pf.target_relief_decay, pressure=pressure)
    s.granted[r] = R.relief_erosion(
        relief=s.granted[r], decay=pf.target_relief_decay, pressure=pressure
    )
    s.relief[r] = R.leakage_relief(
        relief=relief, pressure=pressure, pressure0=s.pressure0[r], leakage=pf.enforcement_leakage
    )
    s.prestige[r] = R.prestige_fade(prestige=s.prestige[r], decay=pf.target_prestige_decay)
    s.security[r] = R.security_recovery(
        security=s.security[r], rate=pf.target_security_recovery, baseline=pf.target_security0
    )
    s.programme[r] = R.programme_update(
        programme=s.programme[r],
        autonomy=s.mode[r] == Mode.AUTONOMY,
        growth=pf.target_programme_growth,
        decay=pf.target_programme_decay,
    )
    # 4.8 coalition ties strain with divergence and recover toward their institutional strength
    for k in range(g.pairs.shape[0]):
        i, j = g.pairs[k, 0], g.pairs[k, 1]
        ci, cj = s.commitment[r, i], s.commitment[r, j]
        for x, y, d in ((i, j, abs(ci - cj)), (j, i, abs(cj - ci))):
            s.strength[r, x, y], s.divergence[r, x, y] = R.tie_update(
                strength=s.strength[r, x, y],
                divergence=s.divergence[r, x, y],
                distance=d,
                memory=pf.ties_divergence_memory,
                tolerance=pf.ties_tolerance,
                strengthen=pf.ties_strengthen,
                strain=pf.ties_strain,
                baseline=s.tie_baseline[r, x, y],
            )
    # 4.9 tension decays; a military crisis is declared when it crosses the threshold
    s.tension[r] = R.tension_decay(tension=s.tension[r], decay=pf.tension_decay)
    crisis = R.military_crisis(tension=s.tension[r], threshold=pf.tension_crisis_threshold)
    ev[Event.MILITARY_CRISIS] = crisis and not s.crisis[r]
    s.crisis[r] = crisis
    # 4.10 reporters are measured and the seed's three failure modes ([S18]) logged when
    # first crossed
    measure_row(r, s, pf, g, capacity, shares)
    fractured, unwound, isolated = R.failure_modes(
        cohesion_now=s.cohesion[r],
        pressure_now=s.effective_pressure[r],
        isolation_now=s.us_isolation[r],
        pressure0=s.pressure0[r],
        fracture_cohesion=pf.outcomes_fracture_cohesion,
        unwind_ratio=pf.outcomes_unwind_ratio,
        isolation_threshold=pf.outcomes_isolation_threshold,
    )
    ev[Event.COALITION_FRACTURE] = fractured and not s.fractured[r]
    ev[Event.PRESSURE_UNWOUND] = unwound and not s.unwound[r]
    ev[Event.US_ISOLATED] = isolated and not s.isolated[r]
    s.fractured[r], s.unwound[r], s.isolated[r] = fractured, unwound, isolated
    # 4.11 the exogenous clock events; the week's events are added to the counters
    for k in range(g.election_steps.shape[0]):
        if g.election_steps[k] == t:
            ev[Event.ELECTION] = True
    _, ev[Event.PANDEMIC_START], ev[Event.PANDEMIC_END] = R.pandemic_clock(
        t=t, start=g.pandemic_start, weeks=pf.clock_pandemic_weeks
    )
    for k in range(ev.shape[0]):
        s.counts[r, k] += ev[k]


@phase
def _proposal_logit(
    pf: Any, ctx: np.ndarray, appetite: float, mean_e: float, seeks: bool
) -> float:  # fmt: skip
    return R.proposal_logit(
        logit0=pf.summit_proposal_logit0,
        initiative=pf.summit_leader_initiative,
        appetite=appetite,
        mediation_slope=pf.summit_mediation_slope,
        mediation=ctx[Context.MEDIATION],
        engagement_slope=pf.summit_engagement_slope,
        mean_engagement=mean_e,
        target_seeks_influence=seeks,
    )


@phase
def summit_process(
    r: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, u: np.ndarray, t: int,
    ctx: np.ndarray, forced_proposal: bool, ev: np.ndarray, anchors: np.ndarray,
) -> None:  # fmt: skip
    """4.6 The summit state machine ([S18]): proposed -> scheduled -> held (agreement or no
    deal), or cancelled first by the side that fears being stood up; a hedged cancellation
    can be revived. Transitions, then the new state and timer, then what they cost or
    deliver."""
    ld, tg = g.leader, g.target
    a = s.commitment.shape[1]
    summit, timer = s.summit[r], s.summit_timer[r]
    room = ctx[Context.ROOM]
    mean_e = (s.engagement[r, ld] + s.engagement[r, tg]) / 2.0
    # none -> proposed (the leader's appetite while the DPRK seeks influence, mediation and
    # engagement raise the chance; the pandemic narrows it)
    idle = summit == SummitState.NONE or (
        forced_proposal and summit != SummitState.PROPOSED and summit != SummitState.SCHEDULED
    )
    propose = False
    if idle:  # (chances are computed only where they can matter: same draws, same results)
        seeks = s.mode[r] == Mode.INFLUENCE
        u_propose = u[a * WEEKLY_DRAWS + WeekDraw.PROPOSE]  # (WORLD, Draw.PROPOSE)
        appetite = s.leader_appetite[r]
        settled = -1  # u < the proposal chance for every appetite within its bounds (1), none (0)
        if seeks and np.isnan(appetite):
            # left to be computed where read (decide_leader): first try the appetite's bounds
            a_lo, a_hi = leader_appetite_bounds(pf, pa, g, ctx, anchors)
            settled = R.logistic_settled(
                u=u_propose,
                z_lo=_proposal_logit(pf, ctx, a_lo, mean_e, seeks),
                z_hi=_proposal_logit(pf, ctx, a_hi, mean_e, seeks),
                scale=room,
            )
        if settled < 0:
            if seeks and np.isnan(appetite):
                appetite = leader_appetite(pf, pa, g, ctx)
                s.leader_appetite[r] = appetite
            # u < proposal_probability, without the logistic where its bracket decides
            z_prop = _proposal_logit(pf, ctx, appetite, mean_e, seeks)
            propose = R.logistic_below(u=u_propose, z=z_prop, scale=room) or forced_proposal
        else:
            propose = settled == 1 or forced_proposal
    # proposed -> scheduled when both accept; the leader may not consult its allies
    pending = summit == SummitState.PROPOSED
    agree = pending and s.leader_accept[r] and s.target_accept[r]
    lapse = pending and not agree and R.times_up(timer=timer, weeks=pf.summit_proposal_expiry)
    # scheduled -> cancelled (insecurity dilemma) or -> held on the date
    scheduled = summit == SummitState.SCHEDULED
    lc, tc = scheduled and s.leader_cancel[r], scheduled and s.target_cancel[r]
    cancel = lc or tc
    by_leader = R.first_canceller(
        leader_cancels=lc,
        target_cancels=tc,
        leader_fear=pa[ActorField.FEAR_OF_SNUB, ld],
        target_fear=pa[ActorField.FEAR_OF_SNUB, tg],
    )
    due = scheduled and not cancel and timer <= 1
    agreement = False
    if due:
        p_agree = R.agreement_probability(
            logit0=pf.summit_agreement_logit0,
            engagement_slope=pf.summit_agreement_engagement,
            mean_engagement=mean_e,
            compromise_bonus=pf.summit_agreement_compromise,
            compromising=s.posture[r] == Posture.COMPROMISE,
        )
        agreement = draw(key, WORLD, Draw.HOLD) < p_agree
    # cancelled -> scheduled again (only if hedged), or back to none
    cancelled = summit == SummitState.CANCELLED
    limit = R.revival_limit(
        hedged=s.hedged[r], revival_window=pf.summit_revival_window, cooldown=pf.summit_cooldown
    )
    revive = False
    if (
        R.revivable(cancelled=cancelled, hedged=s.hedged[r], timer=timer, limit=limit)
        and not propose
    ):
        p_rev = R.revival_probability(
            logit0=pf.summit_revival_logit0,
            slope=pf.summit_revival_engagement,
            mean_engagement=mean_e,
            room=room,
        )
        revive = draw(key, WORLD, Draw.REVIVE) < p_rev
    # an unconsulted decision is the leader agreeing to a summit without its allies ([S18]:
    # Trump agreed 'quickly and without consultation ... from the South Koreans'); the
    # responses to the 2016-17 tests were worked out with partners (UNSCR 2270-2397 drafted
    # with China and adopted 15-0; THAAD and the drills with Seoul), so they are not snubs
    unconsulted = agree and not s.leader_consult[r]
    hedge = s.leader_hedge[r] if by_leader else s.target_hedge[r]
    held = due
    no_deal = due and not agreement
    expire = cancelled and not revive and not propose and R.times_up(timer=timer, weeks=limit)
    done = (
        summit == SummitState.HELD
        and not propose
        and R.times_up(timer=timer, weeks=pf.summit_cooldown)
    )
    # the summit state and timer after this week's transitions; who cancelled, whether the
    # door stays open, and the silence clocks of a freshly set date
    if propose:
        s.summit[r] = SummitState.PROPOSED
    elif agree or revive:
        s.summit[r] = SummitState.SCHEDULED
    elif cancel:
        s.summit[r] = SummitState.CANCELLED
    elif held:
        s.summit[r] = SummitState.HELD
    elif lapse or expire or done:
        s.summit[r] = SummitState.NONE
    if propose or cancel or held or lapse or expire or done:
        s.summit_timer[r] = 0
    elif agree:
        s.summit_timer[r] = int(pf.summit_lead_weeks)
    elif revive:
        s.summit_timer[r] = int(pf.summit_revival_lead)
    elif summit == SummitState.SCHEDULED:
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
    # unconsulted acceptance strains treaty ties ([S18]), a held summit brings prestige and,
    # with agreement, relief (summits' standing gains and costs, tension relief and an
    # agreement's security gain moved nothing measurable and were removed: issue 18 screening)
    s.engagement[r, tg] = R.hedge_signal_engagement(
        engagement=s.engagement[r, tg],
        signalled=cancel and by_leader and hedge,
        signal=pf.summit_hedge_signal,
    )
    s.unilateral[r] = R.unilateral_memory_update(
        memory=s.unilateral[r], unconsulted=unconsulted, fade=pf.commitment_unilateral_fade
    )
    for j in range(a):
        s.strength[r, ld, j] = R.unconsulted_tie_cost(
            strength=s.strength[r, ld, j],
            unconsulted=unconsulted,
            treaty_ally=g.leader_allies[j],
            cost=pf.summit_unconsulted_cost,
        )
    for j in range(a):
        s.strength[r, j, ld] = R.unconsulted_tie_cost(
            strength=s.strength[r, j, ld],
            unconsulted=unconsulted,
            treaty_ally=g.leader_allies[j],
            cost=pf.summit_unconsulted_cost,
        )
    s.prestige[r] = R.grow_toward_one(
        level=s.prestige[r], rate=pf.target_summit_prestige, happened=held
    )
    s.relief[r] = R.grow_toward_one(
        level=s.relief[r], rate=pf.target_agreement_relief, happened=agreement
    )
    s.granted[r] = R.grow_toward_one(
        level=s.granted[r], rate=pf.target_agreement_relief, happened=agreement
    )
    s.rebuff[r] = R.rebuff_memory_update(
        memory=s.rebuff[r], no_deal=no_deal, fade=pf.target_rebuff_fade
    )
    s.since_summit[r] = 0 if held else s.since_summit[r] + 1
    if agreement:
        s.posture[r] = Posture.NONE
    ev[Event.SUMMIT_PROPOSED] = propose
    ev[Event.SUMMIT_SCHEDULED] = agree
    ev[Event.UNCONSULTED_DECISION] = unconsulted
    ev[Event.SUMMIT_LAPSED] = lapse
    ev[Event.SUMMIT_CANCELLED] = cancel
    ev[Event.SUMMIT_REVIVED] = revive
    ev[Event.SUMMIT_HELD] = held
    ev[Event.AGREEMENT] = agreement
    ev[Event.NO_DEAL] = no_deal
