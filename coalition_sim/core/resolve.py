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
from .decide import measure_row
from .jit import phase
from .streams import WORLD, Draw, draw

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
                s.commitment[r, j] = R.clip01(s.commitment[r, j] + g.ev_value[k])
            elif var == 1:
                s.engagement[r, j] = R.clip01(s.engagement[r, j] + g.ev_value[k])
            elif var == 2:
                s.standing[r, j] = R.clip01(s.standing[r, j] + g.ev_value[k])
            else:  # a slow, documented cause (a change of government) moves the anchor
                s.anchor[r, j] = R.clip01(s.anchor[r, j] + g.ev_value[k])
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
    tension = s.tension[r] + pf.tension_conventional * conv + pf.tension_strategic * strat
    s.standing[r, tg] = R.clip01(
        s.standing[r, tg] + pf.standing_provocation_gain_target * (level > 0)
    )
    s.standing[r, ld] = R.clip01(s.standing[r, ld] - pf.standing_test_cost_leader * strat)
    s.engagement[r, ld] = R.clip01(s.engagement[r, ld] - pf.engagement_test_hit * strat)
    s.alarm[r] = R.test_memory_update(  # the tests before the one about to be answered
        s.alarm[r],
        s.provocation[r],
        pf.commitment_test_memory_fade,
        pf.commitment_conventional_response / max(pf.commitment_strategic_response, 1e-9),
    )
    s.provocation[r] = level
    # 4.4 the leader's response to last week's strategic test sets its posture ([S20]);
    # escalation adds tension and lowers DPRK security
    resp = s.response[r]
    ev[Event.US_COMPROMISE] = resp == Posture.COMPROMISE
    ev[Event.US_SIDELINE] = resp == Posture.SIDELINE
    ev[Event.US_ESCALATE] = resp == Posture.ESCALATE
    s.posture[r], s.posture_age[r] = R.posture_update(
        s.posture[r], s.posture_age[r], resp, pf.prospect_posture_weeks
    )
    escalate = resp == Posture.ESCALATE
    s.security[r] = R.clip01(s.security[r] - pf.target_escalation_threat * escalate)
    tension = tension + pf.tension_escalation * escalate
    # 4.5 outbursts at the counterpart cost its engagement and add tension ([S18])
    by_leader, by_target = s.outburst_counterpart[r, ld], s.outburst_counterpart[r, tg]
    hit = pf.volatility_outburst_engagement_hit
    s.engagement[r, tg] = R.outburst_engagement_cost(s.engagement[r, tg], by_leader, hit)
    s.engagement[r, ld] = R.outburst_engagement_cost(s.engagement[r, ld], by_target, hit)
    tension = tension + pf.volatility_outburst_tension * ((1.0 if by_leader else 0.0) + by_target)
    for j in range(a):
        ev[Event.OUTBURST_COUNTERPART] |= s.outburst_counterpart[r, j]
        ev[Event.OUTBURST_THIRD_PARTY] |= s.outburst_third_party[r, j]
        ev[Event.POLICY_SHIFT] |= s.shift[r, j]
    s.tension[r] = R.clip01(tension)
    return forced_proposal


@phase
def resolve_drift(
    r: int, t: int, s: Any, pf: Any, g: Any, ctx: np.ndarray, capacity: np.ndarray,
    ev: np.ndarray,
) -> None:  # fmt: skip
    """Phase 4, steps 4.7-4.11 (after :func:`summit_process`): the DPRK's interest states,
    ties, tension, the reporters and failure modes, the clock events; the week's events are
    added to the counters."""
    # 4.7 the DPRK's interest states drift: relief erodes under pressure, prestige fades,
    # security recovers, the weapons programme builds or fades with the mode
    pressure = ctx[Context.PRESSURE]
    relief = R.relief_erosion(s.relief[r], pf.target_relief_decay, pressure)
    s.granted[r] = R.relief_erosion(s.granted[r], pf.target_relief_decay, pressure)
    s.relief[r] = R.leakage_relief(relief, pressure, s.pressure0[r], pf.enforcement_leakage)
    s.prestige[r] = R.prestige_fade(s.prestige[r], pf.target_prestige_decay)
    s.security[r] = R.security_recovery(
        s.security[r], pf.target_security_recovery, pf.target_security0
    )
    s.programme[r] = R.programme_update(
        s.programme[r],
        s.mode[r] == Mode.AUTONOMY,
        pf.target_programme_growth,
        pf.target_programme_decay,
    )
    # 4.8 coalition ties strain with divergence and recover toward their institutional strength
    for k in range(g.pairs.shape[0]):
        i, j = g.pairs[k, 0], g.pairs[k, 1]
        ci, cj = s.commitment[r, i], s.commitment[r, j]
        for x, y, d in ((i, j, abs(ci - cj)), (j, i, abs(cj - ci))):
            s.strength[r, x, y], s.divergence[r, x, y] = R.tie_update(
                s.strength[r, x, y],
                s.divergence[r, x, y],
                d,
                pf.ties_divergence_memory,
                pf.ties_tolerance,
                pf.ties_strengthen,
                pf.ties_strain,
                s.tie_baseline[r, x, y],
            )
    # 4.9 tension decays; a military crisis is declared when it crosses the threshold
    s.tension[r] = R.tension_decay(s.tension[r], pf.tension_decay)
    crisis = s.tension[r] >= pf.tension_crisis_threshold
    ev[Event.MILITARY_CRISIS] = crisis and not s.crisis[r]
    s.crisis[r] = crisis
    # 4.10 reporters are measured and the seed's three failure modes ([S18]) logged when
    # first crossed
    measure_row(r, s, pf, g, capacity)
    fractured, unwound, isolated = R.failure_modes(
        s.cohesion[r],
        s.effective_pressure[r],
        s.us_isolation[r],
        s.pressure0[r],
        pf.outcomes_fracture_cohesion,
        pf.outcomes_unwind_ratio,
        pf.outcomes_isolation_threshold,
    )
    ev[Event.COALITION_FRACTURE] = fractured and not s.fractured[r]
    ev[Event.PRESSURE_UNWOUND] = unwound and not s.unwound[r]
    ev[Event.US_ISOLATED] = isolated and not s.isolated[r]
    s.fractured[r], s.unwound[r], s.isolated[r] = fractured, unwound, isolated
    # 4.11 the exogenous clock events; the week's events are added to the counters
    for k in range(g.election_steps.shape[0]):
        if g.election_steps[k] == t:
            ev[Event.ELECTION] = True
    ev[Event.PANDEMIC_START] = t == g.pandemic_start
    ev[Event.PANDEMIC_END] = t == g.pandemic_start + pf.clock_pandemic_weeks
    for k in range(ev.shape[0]):
        s.counts[r, k] += ev[k]


@phase
def summit_process(
    r: int, s: Any, pf: Any, pa: np.ndarray, g: Any, key: np.uint64, t: int, ctx: np.ndarray,
    forced_proposal: bool, ev: np.ndarray,
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
    # none -> proposed (mediation and engagement raise the chance; the pandemic narrows it)
    idle = summit == SummitState.NONE or (
        forced_proposal and summit != SummitState.PROPOSED and summit != SummitState.SCHEDULED
    )
    propose = False
    if idle:  # (chances are computed only where they can matter: same draws, same results)
        p_prop = R.proposal_probability(
            pf.summit_proposal_logit0 + pf.summit_leader_initiative * s.leader_appetite[r],
            pf.summit_mediation_slope,
            ctx[Context.MEDIATION],
            pf.summit_engagement_slope,
            mean_e,
            room,
        )
        propose = draw(key, WORLD, Draw.PROPOSE) < p_prop or forced_proposal
    # proposed -> scheduled when both accept; the leader may not consult its allies
    pending = summit == SummitState.PROPOSED
    agree = pending and s.leader_accept[r] and s.target_accept[r]
    lapse = pending and not agree and timer + 1 >= pf.summit_proposal_expiry
    # scheduled -> cancelled (insecurity dilemma) or -> held on the date
    scheduled = summit == SummitState.SCHEDULED
    lc, tc = scheduled and s.leader_cancel[r], scheduled and s.target_cancel[r]
    cancel = lc or tc
    by_leader = R.first_canceller(
        lc, tc, pa[ActorField.FEAR_OF_SNUB, ld], pa[ActorField.FEAR_OF_SNUB, tg]
    )
    due = scheduled and not cancel and timer <= 1
    agreement = False
    if due:
        p_agree = R.agreement_probability(
            pf.summit_agreement_logit0,
            pf.summit_agreement_engagement,
            mean_e,
            pf.summit_agreement_compromise,
            s.posture[r] == Posture.COMPROMISE,
        )
        agreement = draw(key, WORLD, Draw.HOLD) < p_agree
    # cancelled -> scheduled again (readily if hedged, rarely if closed), or back to none
    cancelled = summit == SummitState.CANCELLED
    limit = pf.summit_revival_window if s.hedged[r] else pf.summit_cooldown
    revivable = cancelled and timer < limit
    revive = False
    if revivable and not propose:
        p_rev = R.revival_probability(
            pf.summit_revival_logit0,
            pf.summit_revival_engagement,
            mean_e,
            room,
            s.hedged[r],
            pf.summit_closed_revival_logit0,
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
    expire = cancelled and not revive and not propose and timer + 1 >= limit
    done = summit == SummitState.HELD and not propose and timer + 1 >= pf.summit_cooldown
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
    signal = cancel and by_leader and hedge
    s.engagement[r, tg] = R.clip01(s.engagement[r, tg] + pf.summit_hedge_signal * signal)
    s.unilateral[r] = s.unilateral[r] * (1.0 - pf.commitment_unilateral_fade) + unconsulted
    cost = pf.summit_unconsulted_cost * unconsulted
    for j in range(a):
        s.strength[r, ld, j] = R.clip01(s.strength[r, ld, j] - cost * g.leader_allies[j])
    for j in range(a):
        s.strength[r, j, ld] = R.clip01(s.strength[r, j, ld] - cost * g.leader_allies[j])
    s.prestige[r] = R.grow_toward_one(s.prestige[r], pf.target_summit_prestige, held)
    s.relief[r] = R.grow_toward_one(s.relief[r], pf.target_agreement_relief, agreement)
    s.granted[r] = R.grow_toward_one(s.granted[r], pf.target_agreement_relief, agreement)
    s.snub[r] = no_deal
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
