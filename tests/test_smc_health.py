"""The resample-move sampler (issue 19, item 3): systematic resampling, a population that
stays within its tolerance with equal weights, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT
from numpy.testing import assert_allclose

from coalition_sim.calibration.fit import restrict
from coalition_sim.calibration.smc import smc, systematic_resample
from coalition_sim.calibration.targets import load_targets
from coalition_sim.scenario.loading import ConfigError


def test_systematic_resampling_keeps_floor_or_ceil_of_n_w() -> None:
    rng = np.random.default_rng(3)
    w = np.array([0.5, 0.25, 0.125, 0.125])
    idx = systematic_resample(w, rng)
    counts = np.bincount(idx, minlength=4)
    assert counts.sum() == 4
    assert_allclose(counts, [2, 1, 0.5, 0.5], atol=0.51)  # floor(n w) or ceil(n w)
    for seed in range(20):
        w = np.random.default_rng(seed).dirichlet(np.ones(7))
        c = np.bincount(systematic_resample(w, np.random.default_rng(seed)), minlength=7)
        assert np.all(c >= np.floor(7 * w) - 1e-9) and np.all(c <= np.ceil(7 * w) + 1e-9)


@pytest.fixture(scope="module")
def sub():
    return restrict(load_targets(ROOT / "configs" / "calibration" / "targets.toml"), 2016)


def test_mcmc_scheme_keeps_an_equal_weight_population_inside_its_tolerance(sub) -> None:
    res = smc(sub, particles=16, replicates=2, seed=4, max_generations=3, scheme="mcmc",
              moves=2, min_acceptance=0.01)  # fmt: skip
    assert len(res.generations) >= 2
    assert_allclose(res.weights, 1 / 16)
    assert np.all(res.distance <= res.epsilon + 1e-12)
    for g in res.generations[1:]:
        assert g.ess_after == 16 and 1 <= g.unique <= 16
        assert 0 <= g.move_acceptance <= 1
    lo = np.array([p.low for p in sub.priors])
    hi = np.array([p.high for p in sub.priors])
    assert np.all(res.theta >= lo) and np.all(res.theta <= hi)
    again = smc(sub, particles=16, replicates=2, seed=4, max_generations=3, scheme="mcmc",
                moves=2, min_acceptance=0.01)  # fmt: skip
    assert np.array_equal(res.theta, again.theta)


def test_bad_scheme_and_moves_are_refused(sub) -> None:
    with pytest.raises(ConfigError, match="scheme must be one of"):
        smc(sub, particles=8, replicates=1, seed=1, scheme="nuts")
    with pytest.raises(ConfigError, match="needs moves"):
        smc(sub, particles=8, replicates=1, seed=1, scheme="mcmc", moves=0)
