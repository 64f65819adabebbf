"""Summary statistics of the 2016-2018 record for the sequential fit (issue 11).

Beyond the yearly counts and binary facts of :mod:`calibrate`, the record fixes *when* things
happened, and a model that gets the counts right in the wrong weeks generalises badly:

- ``first_week`` / ``last_week``: the week of the year (1 = the week holding 1 January) of the
  first or last week with an event: the first and last conventional launch of a year, the
  first and last strategic test (nuclear test or ICBM launch), the cancellation, revival and
  the summit itself in 2018. A run without the event in that year counts as one week after the
  year's end (first) or week 0 (last), so never-happening is far from any date.
- ``tightening``: the share of strategic tests after which the coalition's mean commitment
  ``lag`` weeks later is above its level the week before the test. In the record every
  nuclear test and ICBM launch of 2016-2017 drew a UN Security Council resolution within
  twelve weeks (2270, 2321, 2371, 2375, 2397): the observed share follows from the dates.

Every statistic is computed per run from one pass over the batched ensemble (all candidate
points and replicates as rows), then averaged over a candidate's replicates. Only weeks up to
the last one any statistic needs are simulated: later weeks cannot change earlier ones
(counter-based random streams keyed by week).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core import events
from ..core import week as dyn
from ..engine.ensemble import Ensemble
from ..engine.runner import compiled
from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from .coalition import CoalitionTracker, last_step
from .target_models import COALITION_KINDS, Statistic, Targets
from .timing import TIMING_EVENTS, TIMING_RULES, parse_extra
from .windows import coalition_commitment, year_steps

__all__ = [
    "EXTRA_KINDS",
    "TIMING_EVENTS",
    "TIMING_RULES",
    "parse_extra",
    "per_run_statistics",
    "simulate_stats",
    "steps_needed",
]

EXTRA_KINDS = ("first_week", "last_week", "tightening")
_FACT_EVENTS = ("summit_held", "summit_cancelled", "summit_revived", "strategic_test")
#: Per-run values that are NaN where a run has nothing to score (no test, no response); a
#: candidate's summary averages the others (0 when none has one).
_MAY_BE_NAN = ("tightening", "unanimity", "share")
_ROWS = 24000  # rows per pass (~40 MB of hit table and coalition history at most)


# --------------------------------------------------------------------------- simulation


def steps_needed(scn: Scenario, stats: Sequence[Statistic]) -> int:
    """The last week any statistic of ``scn`` reads (a tightening window adds its lag)."""
    last = 1
    for st in stats:
        b = year_steps(scn, st.year)[1]
        if st.kind in COALITION_KINDS:
            last = max(last, last_step(st, b))
        else:
            last = max(last, b + (st.lag if st.kind == "tightening" else 0))
    return min(scn.steps, last)


def _stats_of_block(
    ens: Ensemble, stats: Sequence[Statistic], p: dyn.ParamArrays, seeds: np.ndarray, steps: int,
    mor_step: int,
) -> dict[str, np.ndarray]:  # fmt: skip
    scn = ens.scenario
    evs = sorted({st.event for st in stats if st.event} | set(_FACT_EVENTS))
    idx = [events.EVENT_INDEX[e] for e in evs]
    row = {e: k for k, e in enumerate(evs)}
    r = p.n_rows
    hit: np.ndarray = np.zeros((len(evs), steps + 1, r), dtype=bool)
    track = any(st.kind == "tightening" for st in stats)
    coal = np.zeros((steps + 1, r)) if track else None
    mine = [st for st in stats if st.kind in COALITION_KINDS]
    tracker = None
    if mine:
        spans: dict[str, tuple[int, int]] = {}
        for st in mine:
            spans[st.name] = (year_steps(scn, st.first_year or st.year)[0],
                              min(year_steps(scn, st.year)[1], steps))  # fmt: skip
            if st.kind == "ratio":
                y1 = year_steps(scn, st.first_year)
                spans[st.name] = (year_steps(scn, st.year)[0], min(year_steps(scn, st.year)[1],
                                                                   steps))  # fmt: skip
                spans[st.name + ":first"] = (y1[0], min(y1[1], steps))
        tracker = CoalitionTracker(mine, ens.structure, p, steps, spans)
    prev = None
    for t, state in ens.iterate(p, seeds, steps=steps):
        c = state.counts[:, idx]
        if prev is not None:
            hit[:, t, :] = (c > prev).T
        prev = c.copy()
        if coal is not None:
            coal[t] = coalition_commitment(state, ens.structure)
        if tracker is not None:
            tracker.observe(t, state)
    out: dict[str, np.ndarray] = {}
    if tracker is not None:
        out.update(tracker.values(hit[row["strategic_test"]], steps))
    for st in stats:
        if st.kind in COALITION_KINDS:
            continue
        a, b = year_steps(scn, st.year)
        b = min(b, steps)
        n_weeks = b - a + 1
        if st.kind == "weeks":
            out[st.name] = hit[row[st.event], a : b + 1].sum(axis=0).astype(np.float64)
        elif st.kind in ("first_week", "last_week"):
            sub = hit[row[st.event], a : b + 1]
            anyh = sub.any(axis=0)
            if st.kind == "first_week":
                v = np.where(anyh, sub.argmax(axis=0) + 1, n_weeks + 1)
            else:
                v = np.where(anyh, n_weeks - sub[::-1].argmax(axis=0), 0)
            out[st.name] = v.astype(np.float64)
        elif st.kind == "fact":
            out[st.name] = _fact(st, hit, row, max(a, mor_step) if st.fact ==
                                 "moratorium_held" else a, b).astype(np.float64)  # fmt: skip
        else:  # tightening
            assert coal is not None
            a0 = year_steps(scn, st.first_year)[0]
            tests = hit[row["strategic_test"]]
            rose = np.zeros(r)
            count = np.zeros(r)
            for t in range(max(a0, 1), b + 1):
                if t + st.lag > steps:
                    break
                m = tests[t]
                count += m
                rose += m & (coal[t + st.lag] > coal[t - 1])
            with np.errstate(invalid="ignore", divide="ignore"):
                out[st.name] = np.where(count > 0, rose / np.maximum(count, 1), np.nan)
    return out


def _fact(st: Statistic, hit: np.ndarray, row: dict[str, int], a: int, b: int) -> np.ndarray:
    """Binary facts per run over steps [a, b] (for the moratorium: from its week)."""

    def first(e: str) -> np.ndarray:
        sub = hit[row[e], a : b + 1]
        return np.where(sub.any(axis=0), sub.argmax(axis=0), np.iinfo(np.int32).max)

    never = np.iinfo(np.int32).max
    if st.fact == "summit_held":
        return first("summit_held") < never
    if st.fact == "cancelled_before_held":
        held = first("summit_held")
        return (first("summit_cancelled") < held) & (held < never)
    if st.fact == "summit_revived":
        return first("summit_revived") < never
    if st.fact == "moratorium_held":
        return ~hit[row["strategic_test"], a : b + 1].any(axis=0)
    raise ConfigError(f"unknown fact '{st.fact}'")


def per_run_statistics(
    targets: Targets, theta: np.ndarray, replicates: int, seed: int, first_point: int = 0,
    stats: Sequence[Statistic] | None = None, common: bool = False,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Every statistic per run, shape (n * replicates,), rows point-major.

    Point ``first_point + i``, replicate ``j`` of scenario number ``s`` (in the target file's
    order) gets the seed ``run_seeds(seed + s, first_point + i, j)``, as :func:`calibrate.simulate`
    does: a candidate's runs do not depend on how candidates are batched. With ``common``
    every point gets point 0's seeds (common random numbers: differences between points are
    then differences of the parameters, not of the random futures; used by the screening).
    """
    theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    n = theta.shape[0]
    stats = list(targets.statistics if stats is None else stats)
    out: dict[str, np.ndarray] = {}
    record = targets.record
    for s, (key, scn) in enumerate(targets.scenarios.items()):
        mine = [st for st in stats if st.scenario == key]
        if not mine:
            continue
        ens = compiled(scn)
        steps = steps_needed(scn, mine)
        if common:
            seeds = np.tile(ens.seeds(seed + s, 1, replicates), n)
        else:
            seeds = ens.seeds(seed + s, n, replicates, first_point=first_point)
        cols = {nm: theta[:, k] for k, nm in enumerate(targets.names)}
        mor = record.moratorium_announced
        mor_step = scn.step_of(mor) if mor is not None else 1
        parts: dict[str, list[np.ndarray]] = {}
        rows_total = n * replicates
        step_rows = max(replicates, (_ROWS // replicates) * replicates)
        for lo in range(0, rows_total, step_rows):
            hi = min(rows_total, lo + step_rows)
            pts = np.arange(lo // replicates, hi // replicates)
            p = ens.params({k: v[pts] for k, v in cols.items()}, replicates=replicates)
            res = _stats_of_block(ens, mine, p, seeds[lo:hi], steps, mor_step)
            for nm, col in res.items():
                parts.setdefault(nm, []).append(col)
        for nm, chunks in parts.items():
            out[nm] = np.concatenate(chunks)
    return out


def simulate_stats(
    targets: Targets, theta: np.ndarray, replicates: int, seed: int, first_point: int = 0,
    common: bool = False,
) -> np.ndarray:  # fmt: skip
    """(n, m) candidate summaries: the mean over replicates of each statistic, in the target
    file's order. A tightening share with no strategic test in any replicate counts as 0."""
    runs = per_run_statistics(targets, theta, replicates, seed, first_point, common=common)
    n = np.atleast_2d(theta).shape[0]
    cols = []
    for st in targets.statistics:
        v = runs[st.name].reshape(n, replicates)
        if st.kind in _MAY_BE_NAN:
            ok = ~np.isnan(v)
            total = np.where(ok, v, 0.0).sum(axis=1)
            cols.append(np.where(ok.any(axis=1), total / np.maximum(ok.sum(axis=1), 1), 0.0))
        else:
            cols.append(v.mean(axis=1))
    return np.column_stack(cols) if cols else np.zeros((n, 0))
