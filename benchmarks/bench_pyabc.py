"""pyabc (one particle per model call) against the batched population Monte Carlo of
``coalition_sim.calibration.smc``, same targets, distance and replicates.

pyabc is not a dependency; run in an environment that has it and this project importable:

    python benchmarks/bench_pyabc.py PARTICLES GENERATIONS

Measured on the 2-core shared machine with the compiled core (2 December 2026, one process
each, BLAS threads pinned, K = 20 runs per particle and start, first generation only), run with
``uv run --frozen --with pyabc python benchmarks/bench_pyabc.py N 1`` (pyabc 0.13.0):

- N = 200 (load average 10.6 before, 11.4 after): pyabc 668 model calls in 202 s = 302 ms per
  particle; the batched fit 400 proposals in 9.5 s = 24 ms per particle: 13x.
- N = 40 (load 9.3): pyabc 117 calls in 31 s = 267 ms; batched 80 proposals in 3.9 s = 49 ms: 5x
  (a small generation fills the batched engine less).

Before the compiled core (numpy engine) the same comparison gave 1.76 s against 35 ms (50x):
the compiled core made single runs about six times cheaper, which narrows the gap that batching
closes; batching still wins by an order of magnitude at the fit's population sizes.
"""

# ruff: noqa: E402  (BLAS threads are pinned before numpy is imported)

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # BLAS threads pinned: the timings compare one process each
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyabc

from coalition_sim.calibration.distance import distance
from coalition_sim.calibration.smc import smc
from coalition_sim.calibration.stats import simulate_stats
from coalition_sim.calibration.targets import load_targets

T = load_targets(Path(__file__).resolve().parents[1] / "configs" / "calibration" / "targets.toml")
K = 20
names = T.names
safe = {n: f"p{k}" for k, n in enumerate(names)}
counter = [0]


def model(par):
    theta = np.array([[par[safe[n]] for n in names]])
    counter[0] += 1
    s = simulate_stats(T, theta, K, 7, first_point=counter[0])[0]
    return {st.name: float(s[k]) for k, st in enumerate(T.statistics)}


def dist(x, x0):
    return float(distance(T, {k: np.array([v]) for k, v in x.items()}, K)[0])


prior = pyabc.Distribution(
    **{safe[p.name]: pyabc.RV("uniform", p.low, p.high - p.low) for p in T.priors}
)
obs = {st.name: st.observed for st in T.statistics}
N, G = int(sys.argv[1]), int(sys.argv[2])
print(f"load average before: {os.getloadavg()[0]:.1f}")
abc = pyabc.ABCSMC(model, prior, dist, population_size=N, sampler=pyabc.sampler.SingleCoreSampler())
db = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "abc.db")
abc.new(db, obs)
t0 = time.perf_counter()
h = abc.run(max_nr_populations=G)
dt = time.perf_counter() - t0
print(
    f"pyabc: {N} particles x {G} generations: {counter[0]} model calls in {dt:.1f} s = "
    f"{dt / counter[0] * 1000:.0f} ms per particle"
)
t0 = time.perf_counter()
r = smc(T, N, K, 7, max_generations=G)
dt2 = time.perf_counter() - t0
props = sum(g.proposed for g in r.generations)
print(
    f"batched fit: {N} particles x {G} generations: {props} proposals in {dt2:.1f} s = "
    f"{dt2 / props * 1000:.0f} ms per particle"
)
print(
    f"ratio: {dt / counter[0] / (dt2 / props):.0f}x; load average after: {os.getloadavg()[0]:.1f}"
)
