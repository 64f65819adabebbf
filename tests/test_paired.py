"""Known answers for the paired-interval functions used by the signature suite."""

from __future__ import annotations

import numpy as np
import pytest

from coalition_sim.experiments.paired import (
    bootstrap_ratio,
    newcombe_paired,
    newcombe_paired_counts,
    newcombe_unpaired,
    paired_bootstrap,
    wilson,
)


def test_wilson_known_answer():
    # Newcombe (1998, Stat Med 17: 857) example: 81/263 -> 0.2553 to 0.3662
    ci = wilson(81, 263)
    assert ci.estimate == pytest.approx(81 / 263)
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.2553, 0.3662)
    assert wilson(np.array([True] * 81 + [False] * 182)) == ci


def test_newcombe_unpaired_known_answers():
    # Newcombe (1998, Stat Med 17: 873), method 10: 56/70 - 48/80 and 9/10 - 3/10
    ci = newcombe_unpaired(56, 70, 48, 80)
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.0524, 0.3339)
    ci = newcombe_unpaired(9, 10, 3, 10)
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.1705, 0.8090)


def test_newcombe_paired_known_answer():
    # Fagerland, Lydersen and Laake (2017), ch. 8, Cavo et al. (2012): table 59, 6 / 16, 80
    ci = newcombe_paired_counts(59, 6, 16, 80)
    assert round(ci.estimate, 4) == -0.0621
    assert (round(ci.low, 4), round(ci.high, 4)) == (-0.1186, -0.0046)
    a = np.array([1] * 59 + [1] * 6 + [0] * 16 + [0] * 80, dtype=bool)
    b = np.array([1] * 59 + [0] * 6 + [1] * 16 + [0] * 80, dtype=bool)
    assert newcombe_paired(a, b) == ci


def test_paired_interval_is_narrower_than_unpaired_for_correlated_arms():
    rng = np.random.default_rng(1)
    base = rng.random(2000) < 0.4
    flip = rng.random(2000) < 0.05
    a, b = base | flip, base
    paired = newcombe_paired(a, b)
    unpaired = newcombe_unpaired(int(a.sum()), a.size, int(b.sum()), b.size)
    assert paired.low > 0  # the paired design sees the small shift
    assert paired.high - paired.low < 0.5 * (unpaired.high - unpaired.low)


def test_paired_bootstrap_known_cases():
    x = np.arange(100, dtype=float)
    ci = paired_bootstrap(x + 2.0, x)  # a constant shift: a degenerate interval
    assert ci.estimate == pytest.approx(2.0) and ci.low == pytest.approx(2.0)
    assert ci.high == pytest.approx(2.0)
    rng = np.random.default_rng(0)
    d = rng.normal(0.5, 1.0, 4000)
    ci = paired_bootstrap(d, np.zeros_like(d), seed=3)
    se = d.std(ddof=1) / np.sqrt(d.size)
    assert ci.low == pytest.approx(d.mean() - 1.96 * se, abs=0.01)
    assert ci.high == pytest.approx(d.mean() + 1.96 * se, abs=0.01)
    assert paired_bootstrap(d, np.zeros_like(d), seed=3) == ci  # seeded


def test_bootstrap_ratio():
    num = np.array([1, 0, 1, 1, 0, 1, 1, 1] * 50)
    den = np.ones_like(num)
    ci = bootstrap_ratio(num, den)
    assert ci.estimate == pytest.approx(0.75)
    assert ci.low < 0.75 < ci.high
    assert np.isnan(bootstrap_ratio(num, np.zeros_like(num)).estimate)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        newcombe_paired(np.ones(3, bool), np.ones(4, bool))
    with pytest.raises(ValueError):
        wilson(5, 3)


def test_wilson_bounds_at_none_and_all_are_exact():
    """At k = 0 the lower bound is 0 and at k = n the upper is 1, exactly: the formula's
    rounding residue (4e-19) read in an exported table as a real chance. n = 0 stays NaN."""
    from coalition_sim.engine.stats import wilson_interval

    for n in (1, 7, 500, 12_345):
        assert wilson_interval(0, n)[0] == 0.0 and wilson_interval(n, n)[1] == 1.0
        assert 0.0 < wilson_interval(0, n)[1] < 1.0 and 0.0 < wilson_interval(n, n)[0] < 1.0
    lo, hi = wilson_interval(np.array([0, 3, 10]), np.array([10, 10, 10]))
    assert lo[0] == 0.0 and hi[2] == 1.0 and 0 < lo[1] < 0.3 < hi[1] < 1
    assert all(np.isnan(wilson_interval(0, 0)))


def test_bootstrap_draws_in_blocks_above_the_bound_and_as_before_below(monkeypatch):
    """Below RESAMPLE_BLOCK the resamples are the one (n_boot, n) draw they always were; above
    it they come in blocks from the same seeded generator (memory stays bounded for a
    400,000-pair comparison), reproducibly and with the same interval to within its noise."""
    from coalition_sim.experiments import paired

    rng = np.random.default_rng(3)
    a, b = rng.normal(0.3, 1.0, 400), rng.normal(0.0, 1.0, 400)
    d = a - b
    idx = np.random.default_rng(11).integers(0, d.size, size=(1000, d.size))
    alpha = 1.0 - 0.95  # as paired._percentile
    old = np.quantile(d[idx].mean(axis=1), [alpha / 2.0, 1.0 - alpha / 2.0])
    whole = paired.paired_bootstrap(a, b, n_boot=1000, seed=11)
    assert (whole.low, whole.high) == (float(old[0]), float(old[1]))  # unchanged below the bound
    monkeypatch.setattr(paired, "RESAMPLE_BLOCK", 4_000)  # 10 resamples a block
    blocked = paired.paired_bootstrap(a, b, n_boot=1000, seed=11)
    assert blocked == paired.paired_bootstrap(a, b, n_boot=1000, seed=11)
    assert blocked.estimate == whole.estimate
    se = d.std() / np.sqrt(d.size)
    assert abs(blocked.low - whole.low) < 0.3 * se and abs(blocked.high - whole.high) < 0.3 * se
    num, den = rng.integers(0, 3, 400).astype(float), rng.integers(1, 4, 400).astype(float)
    r1 = paired.bootstrap_ratio(num, den, n_boot=1000, seed=5)
    monkeypatch.setattr(paired, "RESAMPLE_BLOCK", 1_000)  # a block smaller than one resample
    r2 = paired.bootstrap_ratio(num, den, n_boot=1000, seed=5)
    assert (
        r2.estimate == r1.estimate and abs(r2.low - r1.low) < 0.02 and abs(r2.high - r1.high) < 0.02
    )
