"""Seams with the ecosystem (issue 21): EMA Workbench, pandas and xarray results, the catalogue."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import coalition_sim
from coalition_sim import (
    CoalitionModel,
    ConfigError,
    EnsembleRun,
    Role,
    concrete,
    load_scenario,
    parameter_specs,
    run_ensemble,
)
from coalition_sim.core.events import OUTCOMES
from coalition_sim.integrations.ema import ema_model, outcome_names
from coalition_sim.scenario.names import name_of_kwarg

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench import SequentialEvaluator, perform_experiments
    from ema_workbench.analysis import feature_scoring


def test_perform_experiments_runs_the_model_through_the_adapter() -> None:
    model = ema_model("summit_2018", replicates=8, steps=30, seed=11, ranges="schema")
    scn = load_scenario("summit_2018")
    specs = parameter_specs(scn)
    # uncertainties, levers and bounds are the project's catalogue and schema; a scenario
    # without a pandemic leaves out the pandemic's terms (they move nothing there)
    names = lambda ps: [name_of_kwarg(p.name) for p in ps]  # noqa: E731
    assert scn.clock.pandemic_start is None
    assert names(model.uncertainties) == [
        n for n in concrete(scn, Role.UNCERTAINTY) if not n.startswith("clock.pandemic_")
    ]
    assert names(model.levers) == list(concrete(scn, Role.LEVER))
    assert "actors__USA__consults" in {lv.name for lv in model.levers}  # EMA: identifiers
    for p in [*model.uncertainties, *model.levers]:
        spec = specs[name_of_kwarg(p.name)]
        assert (p.lower_bound, p.upper_bound) == (spec.lo, spec.hi), p.name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(scenarios=6, policies=2)
    assert len(experiments) == 12 and set(outcomes) == set(outcome_names())
    for name in OUTCOMES:
        assert outcomes[name].shape == (12,) and np.all(
            (outcomes[name] >= 0) & (outcomes[name] <= 1)
        )
    # an experiment replays exactly through the public API (same seeds: common random numbers)
    row = experiments.iloc[3]
    values = {  # weeks are sampled as reals and rounded by the model, so here too
        (n := name_of_kwarg(p.name)): float(round(row[p.name]) if specs[n].integer else row[p.name])
        for p in [*model.uncertainties, *model.levers]
    }
    again = run_ensemble("summit_2018", 8, seed=11, steps=30, overrides=values, every=0)
    for name in OUTCOMES:
        assert outcomes[name][3] == pytest.approx(again.probabilities[name], abs=1e-12)
    assert outcomes["mean_cohesion"][3] == pytest.approx(again.final["cohesion"].mean())
    # EMA's own analysis takes the results unchanged
    x = experiments[[u.name for u in model.uncertainties]]
    scores = feature_scoring.get_feature_scores_all(x, {"mean_cohesion": outcomes["mean_cohesion"]})
    assert set(scores.index) == set(x.columns)


def test_perform_experiments_top_level_call_and_subsets() -> None:
    model = ema_model("baseline", replicates=4, steps=10,
                      uncertainties=["params.fatigue.growth"], levers=["actors.USA.hedging"])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=2)
    assert {"fatigue__growth", "actors__USA__hedging"} <= set(experiments.columns)
    assert len(outcomes["summit_held"]) == 6
    with pytest.raises(
        ConfigError,
        match=r"'params\.fatigue\.growht' is not one of the uncertainties of scenario 'baseline' \(",
    ):
        ema_model("baseline", uncertainties=["params.fatigue.growht"])


def test_ema_model_names_are_a_list_or_one_name_and_a_lever_is_called_a_lever() -> None:
    """A bare string was read letter by letter ("'f' is not one of scenario 'baseline''s
    uncertaintys"); a lever passed as an uncertainty was only "not one of"."""
    model = ema_model("baseline", uncertainties="fatigue__growth", levers="actors.USA.hedging")
    assert [u.name for u in model.uncertainties] == ["fatigue__growth"]
    assert [lv.name for lv in model.levers] == ["actors__USA__hedging"]
    with pytest.raises(ConfigError, match=r"^uncertainties: 'actors\.USA\.consults' is a lever, "
                       r"not an uncertainty; pass it in levers=$"):  # fmt: skip
        ema_model("baseline", uncertainties=["actors.USA.consults"])
    with pytest.raises(
        ConfigError, match="is an uncertainty, not a lever; pass it in uncertainties="
    ):
        ema_model("baseline", levers=["fatigue__growth"])
    with pytest.raises(ConfigError, match="levers must be a list of parameter names"):
        ema_model("baseline", levers=5)  # type: ignore[arg-type]


def test_run_ensemble_returns_a_typed_result_with_xarray() -> None:
    out = run_ensemble("summit_2018", 12, seed=5, steps=20, every=5)
    assert isinstance(out, EnsembleRun)
    assert isinstance(out.probabilities, pd.Series)
    assert list(out.probabilities.index) == list(OUTCOMES)
    for name in OUTCOMES:
        assert out.probabilities[name] == pytest.approx(out.final[name].mean())
    # the old dict reading still works
    assert (
        out["probabilities"] is out.probabilities and "final" in out and len(out) == 7
    )  # the six fields and inputs
    with pytest.raises(KeyError):
        out["nope"]
    da = out.to_xarray()
    assert da.dims == ("replicate", "step", "variable")
    assert da.shape == (12, 5, len(out.variables))  # steps 0, 5, 10, 15, 20
    assert list(da["step"].values) == [0, 5, 10, 15, 20]
    assert "commitment_USA" in list(da["variable"].values)
    traj = out.trajectories
    assert traj is not None
    want = traj[(traj["row"] == 7) & (traj["step"] == 15)]["effective_pressure"].item()
    assert da.sel(replicate=7, step=15, variable="effective_pressure").item() == want
    assert int(da["seed"][7]) == int(out.seeds[7])
    # replicate 7 replays in the Mesa model from its seed
    m = CoalitionModel("summit_2018", rng=int(out.seeds[7]), steps=20).run()
    assert m.cohesion == da.sel(replicate=7, step=20, variable="cohesion").item()
    # the API's one error type, as for every other bad argument (it was a bare ValueError)
    with pytest.raises(ConfigError, match="every >= 1"):
        run_ensemble("summit_2018", 2, seed=5, steps=3, every=0).to_xarray()


def test_events_frame_is_the_event_log_as_a_table() -> None:
    m = CoalitionModel("summit_2018", rng=3).run()
    frame = m.events_frame()
    assert list(frame.columns) == ["step", "date", "actor", "event", "details"]
    assert len(frame) == len(m.event_log) > 0
    assert frame.to_dict("records") == m.event_log
    assert set(frame["event"]) <= set(coalition_sim.EVENT_KINDS)


def test_catalogue_and_levers_are_public() -> None:
    for name in ("parameter_specs", "ParamSpec", "CATALOGUE", "Role", "role_of", "levers",
                 "uncertainties", "concrete", "EnsembleRun"):  # fmt: skip
        assert name in coalition_sim.__all__ and getattr(coalition_sim, name) is not None
    assert coalition_sim.role_of("actors.ROK.mediation") is Role.LEVER
    assert "params.fatigue.growth" in coalition_sim.uncertainties()


def test_default_bounds_are_plausible_and_prim_works_on_the_experiments() -> None:
    # the default bounds are the screening's rule (the scenario's value x [1/2, 2]), not the
    # schema's valid range (a weekly fatigue growth of 1 put most futures in collapse)
    model = ema_model("summit_2018", replicates=6, steps=20, levers=[],
                      uncertainties=["clock.election_horizon", "params.fatigue.growth"])  # fmt: skip
    bounds = {u.name: (u.lower_bound, u.upper_bound) for u in model.uncertainties}
    assert bounds["clock__election_horizon"] == (13.0, 52.0)  # 26 weeks x [1/2, 2]
    assert bounds["fatigue__growth"] == pytest.approx((0.03, 0.12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = perform_experiments(model, scenarios=40)
        # weeks are sampled as reals (rounded in the model): EMA's PRIM writes fractional box
        # limits into the columns, which an integer column refused (pandas 3)
        from ema_workbench.analysis import prim

        x = experiments.drop(columns=["scenario", "policy", "model"])
        y = outcomes["mean_cohesion"] > np.median(outcomes["mean_cohesion"])
        assert prim.Prim(x, y).find_box() is not None


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [({"replicates": 2.5}, "replicates must be a whole number"),
     ({"seed": -1}, "seed must be a whole number from 0"),
     ({"steps": 0}, "steps must be a whole number of weeks"),
     ({"ranges": "wide"}, "ranges must be 'plausible' or 'schema'")],
)  # fmt: skip
def test_ema_model_refuses_bad_arguments_when_built(kwargs, says) -> None:
    with pytest.raises(ConfigError, match=says):
        ema_model("summit_2018", **kwargs)


def test_an_ensemble_result_says_what_it_is_of() -> None:
    out = run_ensemble("summit_2018", 6, seed=5, steps=12,
                       overrides={"params.fatigue.growth": 0.08})  # fmt: skip
    assert out.inputs["seed"] == 5 and out.inputs["n_replicates"] == 6
    assert out.inputs["steps"] == 12 and out.inputs["overrides"] == {"params.fatigue.growth": 0.08}
    attrs = out.to_xarray().attrs
    assert attrs["seed"] == 5 and attrs["version"] == out.inputs["version"] != "unknown"
    assert '"params.fatigue.growth": 0.08' in attrs["overrides"]  # netCDF-safe: a string
