"""Benchmark: the same parameter points through mesa.batch_run and the ensemble engine.

Runs, in one process and one sitting, P parameter points x replicates of the full model for
104 weeks (a) with ``mesa.batch_run`` on CoalitionModel with 2 processes and (b) with the
ensemble engine (one process), and prints replicate-steps per second, their ratio and peak
memory. The ensemble is also timed at scale (many more replicates of the same points), which is
how sweeps use it. Each measurement is repeated and the median reported.

    .venv/bin/python benchmarks/bench_ensemble.py [--reps 3] [--batch-runs-per-point 10]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc

import mesa
import numpy as np

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.engine.ensemble import Ensemble

SCENARIO = "baseline"
STEPS = 104
GROWTH = [0.02, 0.04, 0.06, 0.08]  # the parameter points: params.fatigue.growth
SEED = 1234


def bench_batch_run(per_point: int) -> tuple[float, int]:
    """Seconds for len(GROWTH) x per_point runs through mesa.batch_run with 2 processes."""
    seeds = [int(s) for s in Ensemble.seeds(SEED, 1, per_point)]
    t0 = time.perf_counter()
    results = mesa.batch_run(
        CoalitionModel,
        parameters={"scenario": SCENARIO, "steps": STEPS, "fatigue__growth": GROWTH},
        number_processes=2,
        rng=seeds,
        data_collection_period=-1,
        max_steps=STEPS,
        display_progress=False,
    )
    wall = time.perf_counter() - t0
    runs = {r["RunId"] for r in results}  # batch_run returns one row per agent and run
    assert len(runs) == len(GROWTH) * per_point
    assert all(r["Step"] == STEPS for r in results)
    return wall, len(runs)


def bench_ensemble(per_point: int, trace: bool = False) -> tuple[float, int, int]:
    """Seconds for the same points x per_point replicates (compiling the scenario included);
    with ``trace``, the tracemalloc peak in bytes instead of a meaningful time (tracemalloc
    slows numpy allocations several-fold, so memory is measured in a separate pass)."""
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    ens = Ensemble(SCENARIO, steps=STEPS)
    p = ens.params({"params.fatigue.growth": GROWTH}, replicates=per_point)
    seeds = ens.seeds(SEED, len(GROWTH), per_point)
    res = ens.run(p, seeds)
    wall = time.perf_counter() - t0
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert len(res.final) == len(GROWTH) * per_point
    return wall, len(res.final), peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="repeats per measurement (median)")
    ap.add_argument("--batch-runs-per-point", type=int, default=25)
    ap.add_argument("--ensemble-runs-per-point", type=int, default=2500)
    args = ap.parse_args()

    n_pts = len(GROWTH)
    bw = [bench_batch_run(args.batch_runs_per_point) for _ in range(args.reps)]
    b_runs = bw[0][1]
    b_rate = b_runs * STEPS / statistics.median(w for w, _ in bw)

    same = [bench_ensemble(args.batch_runs_per_point) for _ in range(args.reps)]
    s_rate = b_runs * STEPS / statistics.median(w for w, _, _ in same)

    big = [bench_ensemble(args.ensemble_runs_per_point) for _ in range(args.reps)]
    e_runs = big[0][1]
    e_rate = e_runs * STEPS / statistics.median(w for w, _, _ in big)
    e_peak = bench_ensemble(args.ensemble_runs_per_point, trace=True)[2]

    # a sanity check that both paths compute the same thing: one run replayed in Mesa
    ens = Ensemble(SCENARIO, steps=STEPS)
    seed = int(ens.seeds(SEED, 1, 1)[0])
    one = ens.run(ens.params({"params.fatigue.growth": [GROWTH[0]]}), np.array([seed]))
    m = CoalitionModel(SCENARIO, rng=seed, steps=STEPS, fatigue__growth=GROWTH[0]).run()
    assert m.effective_pressure == one.final["effective_pressure"][0]

    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"scenario {SCENARIO}, {STEPS} weeks, {n_pts} parameter points, median of {args.reps}")
    print(f"(a) mesa.batch_run, 2 processes : {b_runs:>6} runs  {b_rate:>12,.0f} replicate-steps/s")
    print(
        f"(b) ensemble, same runs, 1 proc : {b_runs:>6} runs  {s_rate:>12,.0f} replicate-steps/s"
        f"  (ratio {s_rate / b_rate:,.0f}x)"
    )
    print(
        f"(b) ensemble, at scale, 1 proc  : {e_runs:>6} runs  {e_rate:>12,.0f} replicate-steps/s"
        f"  (ratio {e_rate / b_rate:,.0f}x)"
    )
    print(f"ratio ensemble / batch_run(2 procs): {e_rate / b_rate:,.0f}x")
    print(
        f"peak memory: ensemble tracemalloc {e_peak / 2**20:.1f} MiB; max RSS this process "
        f"{self_rss:.0f} MiB, largest batch_run worker {child_rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()
