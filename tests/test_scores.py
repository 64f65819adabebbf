"""Proper scores and naive baselines (issue 19): known answers, properties, the baselines of
the committed target file, and scoring of a small posterior predictive."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate
from scipy import stats as sps

from coalition_sim.calibration import scores
from coalition_sim.calibration.targets import load_targets

floats = st.floats(-1e3, 1e3, allow_nan=False)


@given(x=floats, y=floats)
def test_crps_of_a_point_forecast_is_the_absolute_error(x: float, y: float) -> None:
    assert_allclose(scores.crps_ensemble([x], y), abs(x - y), atol=1e-9)
    assert_allclose(scores.crps_ensemble([x] * 7, y), abs(x - y), atol=1e-9)


@given(xs=st.lists(floats, min_size=1, max_size=12), y=floats)
@settings(max_examples=60)
def test_crps_ensemble_matches_the_pairwise_definition(xs: list[float], y: float) -> None:
    x = np.array(xs)
    brute = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert_allclose(scores.crps_ensemble(x, y), brute, rtol=1e-9, atol=1e-9)
    assert scores.crps_ensemble(x, y) >= -1e-9


@pytest.mark.parametrize(("mu", "sigma", "y"), [(0.0, 1.0, 0.0), (2.0, 0.5, 3.1), (-4, 3, 1)])
def test_crps_normal_closed_form_against_the_integral(mu: float, sigma: float, y: float) -> None:
    def integrand(x: float) -> float:
        return float((sps.norm.cdf(x, mu, sigma) - (x >= y)) ** 2)

    lo, hi = mu - 12 * sigma, mu + 12 * sigma
    num = (
        integrate.quad(integrand, lo, y, limit=200)[0]
        + integrate.quad(integrand, y, hi, limit=200)[0]
    )
    assert_allclose(scores.crps_normal(mu, sigma, y), num, rtol=1e-6)
    # the standard normal at its mean: (sqrt(2) - 1) / sqrt(pi)
    assert_allclose(scores.crps_normal(0, 1, 0), (np.sqrt(2) - 1) / np.sqrt(np.pi), rtol=1e-12)


def test_crps_of_a_large_normal_ensemble_approaches_the_closed_form() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(1.0, 2.0, 200_000)
    assert_allclose(scores.crps_ensemble(x, 2.5), scores.crps_normal(1.0, 2.0, 2.5), rtol=0.01)


@pytest.mark.parametrize(("lam", "y"), [(0.7, 0), (4.0, 2), (14.0, 0), (14.0, 16)])
def test_crps_poisson_exact_against_a_large_sample(lam: float, y: int) -> None:
    rng = np.random.default_rng(11)
    sample = rng.poisson(lam, 200_000)
    assert_allclose(scores.crps_poisson(lam, y), scores.crps_ensemble(sample, y), rtol=0.02)
    assert scores.crps_poisson(0.0, 3) == 3.0


def test_log_and_brier_scores_known_answers() -> None:
    assert_allclose(scores.log_score(0.25, True), np.log(4))
    assert_allclose(scores.log_score(0.25, False), np.log(4 / 3))
    assert_allclose(scores.brier_score(0.25, True), 0.5625)
    # the Brier score is the CRPS of a 0/1 forecast
    assert_allclose(scores.crps_ensemble([1, 0, 0, 0], 1.0), scores.brier_score(0.25, True))
    # (k + 1/2) / (n + 1): never 0 or 1
    assert_allclose(scores.fact_probability([0, 0, 0]), 0.125)
    assert_allclose(scores.fact_probability([1, 1, 1]), 0.875)


def test_uniform_forecast_crps_closed_form() -> None:
    st_ = dataclasses.replace(_targets().statistics[0], observed=1.0, kind="tightening", scale=1)
    got = scores.score(scores.Forecast("uniform", low=0.0, high=1.0), st_)["score"]
    assert_allclose(got, 1 / 3)  # y^3/3 + (1 - y)^3/3 at y = 1


_CACHE: dict[str, object] = {}


def _targets():  # type: ignore[no-untyped-def]
    if "t" not in _CACHE:
        _CACHE["t"] = load_targets("configs/calibration/targets.toml")
    return _CACHE["t"]


def _stat(name: str):  # type: ignore[no-untyped-def]
    return next(s for s in _targets().statistics if s.name == name)


def test_baselines_of_the_record_for_a_held_out_2018() -> None:
    t = _targets()
    conv = scores.naive_forecasts(t, _stat("conventional_2018"), [2016, 2017])
    assert conv["climatology"].values == (16.0, 12.0)
    assert_allclose(conv["poisson"].rate, 14.0)
    held = scores.naive_forecasts(t, _stat("summit_held_2018"), [2016, 2017])
    assert_allclose(held["base_rate"].probability, 0.5 / 3)  # no summit in 2016 or 2017
    first = scores.naive_forecasts(t, _stat("first_conventional_2016"), [2017, 2018])
    assert first["climatology"].values == (7.0, 53.0)  # no launch in 2018: after the year
    last = scores.naive_forecasts(t, _stat("last_strategic_2016"), [2017, 2018])
    assert last["climatology"].values == (48.0, 0.0)


def test_groups_are_inferred_and_overridable() -> None:
    assert scores.group_of(_stat("conventional_2016")) == "launches"
    assert scores.group_of(_stat("moratorium_2018")) == "launches"
    assert scores.group_of(_stat("summit_held_2018")) == "summitry"
    assert scores.group_of(_stat("summit_week_2018")) == "summitry"
    assert scores.group_of(_stat("tightening_2016_2017")) == "coalition"
    named = dataclasses.replace(_stat("conventional_2016"), group="crisis")
    assert scores.group_of(named) == "crisis"


def test_skill_is_one_for_a_perfect_forecast_and_negative_for_a_bad_one() -> None:
    t = _targets()
    stats = [s for s in t.statistics if s.kind in ("weeks", "fact")]
    perfect = {s.name: np.full(50, s.observed) for s in stats}
    bad = {s.name: np.full(50, s.observed + 30.0 if s.kind == "weeks" else 0.0) for s in stats}
    rows = scores.score_table(t, stats, {"perfect": perfect, "bad": bad}, [2016, 2017, 2018])
    good = scores.skill(rows, "perfect")
    worse = scores.skill(rows, "bad")
    assert good["launches"]["skill"] > 0.9  # the fact floor (k + 1/2) / (n + 1) keeps it < 1
    assert good["summitry"]["skill"] > 0.9
    assert worse["total"]["skill"] < 0
    totals = scores.group_totals(rows, "perfect")
    assert_allclose(totals["total"], sum(v for k, v in totals.items() if k != "total"))


def test_bootstrap_difference_is_zero_for_identical_and_positive_for_worse_runs() -> None:
    t = _targets()
    stats = [s for s in t.statistics if s.kind == "weeks"]
    rng = np.random.default_rng(0)
    a = {s.name: rng.poisson(max(s.observed, 0.5), 300).astype(float) for s in stats}
    same = scores.bootstrap_skill_difference(stats, a, a, resamples=50)
    assert same["total"] == (0.0, 0.0, 0.0)
    b = {k: v + 5.0 for k, v in a.items()}
    worse = scores.bootstrap_skill_difference(stats, a, b, resamples=50)
    est, lo, hi = worse["total"]
    assert lo > 0 and lo <= est <= hi


def test_evaluation_of_the_committed_posterior_beats_the_prior() -> None:
    from coalition_sim.calibration.evaluate import evaluate
    from coalition_sim.engine.posterior import load_posterior

    t = _targets()
    post = load_posterior("configs/calibration/posterior.parquet", check_model=False)
    ev = evaluate(t, post, draws=120, seed=3)
    forecasters = {r.forecaster for r in ev.rows}
    assert {"posterior", "prior", "calibrated", "defaults", "climatology"} <= forecasters
    for g in ("launches", "summitry", "total"):
        assert g in ev.skill["posterior"]["climatology"]
    assert all(np.isfinite(r.score) for r in ev.rows if r.forecaster == "posterior")
    # same seeds and same draws with an empty override: identical runs
    again = evaluate(t, post, draws=120, seed=3, forecasters=["posterior"])
    for k, v in ev.runs["posterior"].items():
        assert_allclose(again.runs["posterior"][k], v)
    # what the fit learned: the posterior predictive scores better than the prior's
    post_total = scores.group_totals(ev.rows, "posterior")["total"]
    assert post_total < scores.group_totals(ev.rows, "prior")["total"]
