"""The compiled entry kernels, called from Python: the ensemble's loop over rows and weeks
(:func:`advance_rows`, each week the phases in the ODD's order) and the per-phase row loops the
Mesa agents call (:func:`observe_rows` ... :func:`resolve_rows`).
They release the GIL (:data:`coalition_sim.core.jit.kernel`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .decide import (
    actor_constants,
    capacity_shares,
    clock_context,
    commit_actor,
    commit_leader,
    commit_target,
    decide_actor,
    decide_leader,
    decide_target,
    leader_appetite,
    measure_row,
    observe_phase,
    prospect_anchors,
    pull_matrix,
)
from .jit import kernel
from .resolve import resolve_drift, resolve_world, summit_process
from .rowrec import load_row, row_record, store_row
from .streams import step_key, week_uniforms

__all__ = [
    "advance_rows",
    "commit_rows",
    "decide_actor_rows",
    "decide_role_rows",
    "measure_rows",
    "observe_rows",
    "pull_rows",
    "resolve_rows",
]


@kernel
def measure_rows(
    s: Any, pfs: np.ndarray, pas: np.ndarray, prow: np.ndarray, g: Any, capacity: np.ndarray,
    shares: np.ndarray,
) -> None:  # fmt: skip
    for r in range(prow.shape[0]):
        capacity_shares(pfs[prow[r]], pas[prow[r]], g, capacity)
        measure_row(r, s, pfs[prow[r]], g, capacity, shares)


@kernel
def advance_rows(
    s: Any, pfs: np.ndarray, pas: np.ndarray, prow: np.ndarray, g: Any, keys: np.ndarray,
    t0: int, t1: int, events: np.ndarray, record_at: np.ndarray, traj: np.ndarray,
    first: int, w: Any, buf: np.ndarray,
) -> None:  # fmt: skip
    """Weeks t0..t1-1 for every row, row by row: the row is copied into one record in
    ``buf`` (:mod:`.rowrec`; its weeks run on that record, ``r = 0``) and back. ``events``
    (R, N_EVENTS) receives the last week's events; at the step ``record_at[k]`` the
    reporters, tension and the first ``V - 4`` commitments are copied to ``traj[:, r, first +
    k]`` (``traj`` is (V, R, S): variable-major, the layout of the ensemble's tables, so the
    caller copies nothing)."""
    a = s.commitment.shape[1]
    n_actor_vars = min(a, traj.shape[0] - 4)
    pull, ctx, plans, capacity, shares, u = w.pull, w.ctx, w.plans, w.capacity, w.shares, w.u
    anchors, clocks, consts = w.anchors, w.clocks, w.consts
    target_plan, leader_plan = w.target_plan, w.leader_plan
    last = -1
    rec: Any = row_record(s, buf, a)  # type: ignore[call-arg]  # (numba intrinsic)
    for r in range(prow.shape[0]):
        load_row(rec, s, r)
        pr = prow[r]
        pf, pa = pfs[pr], pas[pr]
        if pr != last:  # what depends on the parameters only: once per parameter set
            pull_matrix(pf, g, pull)
            capacity_shares(pf, pa, g, capacity)
            prospect_anchors(pf, anchors)
            actor_constants(pf, pa, consts)
            for t in range(t0, t1):
                clock_context(t, pf, g, clocks[t - t0])
            last = pr
        slot = 0
        for t in range(t0, t1):
            # one week of row r, the phases in the ODD's order (section 1.3): observe, every
            # actor decides from the frozen state, every actor commits, resolve. The phases
            # are inlined here directly, not through a nested phase: numba copies an inlined
            # function's IR block by block, so a phase that inlines phases costs far more to
            # compile
            week_key = step_key(keys[r], t)
            week_uniforms(week_key, g.week_slots, u)
            observe_phase(0, t, rec, pf, pa, g, ctx, clocks[t - t0])
            for i in range(a):
                decide_actor(0, i, t, rec, pf, pa, g, u, ctx, pull, consts[i], plans[i])
            decide_target(0, t, rec, pf, pa, g, week_key, u, ctx, target_plan)
            decide_leader(0, t, rec, pf, pa, g, week_key, ctx, leader_plan, False, anchors)
            for i in range(a):
                commit_actor(0, i, rec, plans[i])
            commit_target(0, rec, target_plan)
            commit_leader(0, rec, leader_plan)
            forced = resolve_world(0, t, rec, pf, pa, g, week_key, ctx, events[r])
            summit_process(0, rec, pf, pa, g, week_key, u, t, ctx, forced, events[r], anchors)
            resolve_drift(0, t, rec, pf, g, ctx, capacity, shares, events[r])
            while slot < record_at.shape[0] and record_at[slot] < t:
                slot += 1
            if slot < record_at.shape[0] and record_at[slot] == t:
                at = first + slot
                traj[0, r, at] = rec.cohesion[0]
                traj[1, r, at] = rec.effective_pressure[0]
                traj[2, r, at] = rec.us_isolation[0]
                traj[3, r, at] = rec.tension[0]
                for i in range(n_actor_vars):
                    traj[4 + i, r, at] = rec.commitment[0, i]
        if np.isnan(rec.leader_appetite[0]):  # the last week's, where no phase read it
            rec.leader_appetite[0] = leader_appetite(pf, pa, g, ctx)
        store_row(rec, s, r)


# ----------------------------------------------------------------- row kernels (Mesa path)


@kernel
def observe_rows(s, pfs, pas, prow, g, t, out, clock):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        clock_context(t, pfs[prow[r]], g, clock)
        observe_phase(r, t, s, pfs[prow[r]], pas[prow[r]], g, out[r], clock)


@kernel
def decide_actor_rows(s, pfs, pas, prow, g, keys, t, ctx, cols, out, pull, u, consts):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        pf, pa = pfs[prow[r]], pas[prow[r]]
        pull_matrix(pf, g, pull)
        actor_constants(pf, pa, consts)
        week_uniforms(step_key(keys[r], t), g.week_slots, u)
        for k in range(cols.shape[0]):
            i = cols[k]
            decide_actor(r, i, t, s, pf, pa, g, u, ctx[r], pull, consts[i], out[r, k])


@kernel
def decide_role_rows(s, pfs, pas, prow, g, keys, t, ctx, leader, out, u, anchors):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        if leader:  # (eager: the appetite every week, its bounds unused)
            prospect_anchors(pfs[prow[r]], anchors)
            decide_leader(
                r,
                t,
                s,
                pfs[prow[r]],
                pas[prow[r]],
                g,
                step_key(keys[r], t),
                ctx[r],
                out[r],
                True,
                anchors,
            )
        else:
            key = step_key(keys[r], t)
            week_uniforms(key, g.week_slots, u)
            decide_target(r, t, s, pfs[prow[r]], pas[prow[r]], g, key, u, ctx[r], out[r])


@kernel
def commit_rows(s, cols, plans, role, role_plan):  # type: ignore[no-untyped-def]
    for r in range(plans.shape[0]):
        for k in range(cols.shape[0]):
            commit_actor(r, cols[k], s, plans[r, k])
        if role == 1:
            commit_target(r, s, role_plan[r])
        elif role == 2:
            commit_leader(r, s, role_plan[r])


@kernel
def resolve_rows(s, pfs, pas, prow, g, keys, t, ctx, events, capacity, shares, u, anchors):  # type: ignore[no-untyped-def]
    for r in range(prow.shape[0]):
        pf, pa = pfs[prow[r]], pas[prow[r]]
        key = step_key(keys[r], t)
        week_uniforms(key, g.week_slots, u)
        prospect_anchors(pf, anchors)
        capacity_shares(pf, pa, g, capacity)
        forced = resolve_world(r, t, s, pf, pa, g, key, ctx[r], events[r])
        summit_process(r, s, pf, pa, g, key, u, t, ctx[r], forced, events[r], anchors)
        resolve_drift(r, t, s, pf, g, ctx[r], capacity, shares, events[r])


@kernel
def pull_rows(pfs: np.ndarray, g: Any, out: np.ndarray) -> None:
    """The tie pull weights of every stored parameter set into ``out`` (S, A, A)."""
    for k in range(pfs.shape[0]):
        pull_matrix(pfs[k], g, out[k])
