"""The ensemble engine: identity with the Mesa model step by step, seeds, parameter rows."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.core import events
from coalition_sim.core import week as dyn
from coalition_sim.engine.ensemble import Ensemble, run_ensemble, run_seeds
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.scenario.names import parameter_specs

STATE_FIELDS = [f.name for f in dataclasses.fields(dyn.State) if f.name != "metrics"]

# parameter points per scenario: floats, an integer, actor fields and a full interest vector
POINTS = {
    "baseline": {
        "params.fatigue.growth": [0.01, 0.12],
        "summit.lead_weeks": [3, 10],  # short form, integer parameter
        "actors.ROK.mediation": [0.0, 0.9],
        "clock.election_horizon": [10, 40],
    },
    "summit_2018": {
        "params.volatility.outburst_rate": [0.05, 0.4],
        "actors.USA.fear_of_snub": [0.9, 0.1],
        "actors.ROK.interests.security": [0.1, 0.5],
        "actors.ROK.interests.economy": [0.5, 0.1],
        "actors.ROK.interests.prestige": [0.1, 0.1],
        "actors.ROK.interests.stability": [0.3, 0.3],
    },
    "max_pressure_2017": {"params.ties.strain": [0.0, 0.6], "params.target.aspiration": [0.1, 0.6]},
    "muddling_2020": {"clock.pandemic_weeks": [4, 80], "params.prospect.loss_aversion": [1.0, 3.0]},
    "regional_six": {
        "params.commitment.pull_rate": [0.2, 0.02],
        "actors.JPN.volatility": [0.9, 0.1],
    },
}


def _assert_rows_equal(mesa_state: dyn.State, ens_state: dyn.State, row: int, where: str) -> None:
    for name in STATE_FIELDS:
        a = getattr(mesa_state, name)[0]
        b = getattr(ens_state, name)[row]
        assert np.array_equal(a, b), f"{where}: state.{name} differs"
    for key, val in mesa_state.metrics.items():
        assert np.array_equal(val[0], ens_state.metrics[key][row]), f"{where}: metric {key}"


@pytest.mark.parametrize(
    "name",
    [n if n == "summit_2018" else pytest.param(n, marks=pytest.mark.slow) for n in sorted(POINTS)],
)  # one scenario in the quick loop, all in the full suite
def test_mesa_and_ensemble_rows_are_identical_step_by_step(name: str) -> None:
    """Rows set by the ensemble's row path equal CoalitionModel built with the same values
    as keyword arguments, in every state array after every week, for two seeds each."""
    points = POINTS[name]
    ens = Ensemble(name, steps=40)
    if name == "regional_six":
        assert "actors.JPN.volatility" in ens.specs
    n_points, reps = 2, 2
    p = ens.params(points, replicates=reps)
    seeds = ens.seeds(seed=17, n_points=n_points, replicates=reps)
    models = []
    for row in range(n_points * reps):
        i = row // reps
        kwargs = {k.replace(".", "__"): v[i] for k, v in points.items()}
        models.append(CoalitionModel(name, rng=int(seeds[row]), steps=40, **kwargs))
    for t, st in ens.iterate(p, seeds):
        for row, model in enumerate(models):
            if t > 0:
                model.step()
            _assert_rows_equal(model.state, st, row, f"{name} row {row} week {t}")
    assert t == 40
    # the points really differ (else the test would prove little)
    assert not np.array_equal(st.commitment[0], st.commitment[2])


def test_run_seeds_are_a_pure_function_of_base_point_and_replicate() -> None:
    i = np.repeat(np.arange(50), 7)
    j = np.tile(np.arange(7), 50)
    whole = run_seeds(99, i, j)
    parts = np.concatenate([run_seeds(99, i[k : k + 13], j[k : k + 13]) for k in range(0, 350, 13)])
    np.testing.assert_array_equal(whole, parts)
    np.testing.assert_array_equal(run_seeds(99, i[::-1], j[::-1]), whole[::-1])
    assert len(np.unique(whole)) == whole.size
    assert whole.max() < 2**63
    assert not np.array_equal(run_seeds(98, i, j), whole)
    np.testing.assert_array_equal(Ensemble.seeds(99, 50, 7), whole)
    np.testing.assert_array_equal(Ensemble.seeds(99, 10, 7, first_point=5), whole[35:105])


def test_blocks_and_row_order_do_not_change_results() -> None:
    ens = Ensemble("summit_2018", steps=30)
    p = ens.params({"fatigue.growth": [0.0, 0.05, 0.1]}, replicates=5)
    seeds = ens.seeds(3, 3, 5)
    a = ens.run(p, seeds, every=10)
    b = ens.run(p, seeds, every=10, block=4)
    assert a.final.equals(b.final)
    assert a.trajectories.equals(b.trajectories)
    perm = np.random.default_rng(0).permutation(15)
    c = ens.run(p.take(perm), seeds[perm])
    np.testing.assert_array_equal(
        c.final["effective_pressure"].to_numpy(), a.final["effective_pressure"].to_numpy()[perm]
    )


def test_trajectories_end_at_the_final_values() -> None:
    ens = Ensemble("baseline", steps=25)
    p = ens.params(replicates=6)
    res = ens.run(p, Ensemble.seeds(1, 1, 6), every=10)
    tr = res.trajectories
    assert sorted(tr["step"].unique()) == [0, 10, 20, 25]
    last = tr[tr["step"] == 25].reset_index(drop=True)
    for col in ("cohesion", "effective_pressure", "us_isolation", "tension", "commitment_ROK"):
        np.testing.assert_array_equal(last[col].to_numpy(), res.final[col].to_numpy())


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"params.fatigue.growth": [1.5]}, "out of range [0, 1]"),
        ({"params.commitment.noise": [0.3]}, "out of range [0, 0.2]"),
        ({"summit.lead_weeks": [4.5]}, "must be a whole number"),
        ({"params.fatigue.growht": [0.1]}, "did you mean 'params.fatigue.growth'"),
        ({"actors.XYZ.volatility": [0.1]}, "unknown parameter"),
        ({"actors.ROK.interests.security": [0.9]}, "must sum to 1"),
        ({"fatigue.growth": [0.1, 0.2], "ties.strain": [0.1]}, "different lengths"),
        ({"fatigue.growth": [float("nan")]}, "out of range"),
    ],
)
def test_bad_parameter_values_are_one_line_config_errors(values: dict, needle: str) -> None:
    ens = Ensemble("baseline")
    with pytest.raises(ConfigError, match=None) as info:
        ens.params(values)
    msg = str(info.value)
    assert needle in msg
    assert "\n" not in msg


def test_parameter_specs_cover_the_parameter_table() -> None:
    from coalition_sim.scenario.names import parameter_table

    specs = parameter_specs(Ensemble("baseline").scenario)
    table = {r["name"] for r in parameter_table()}
    for name in table:
        if name.startswith("params."):
            assert name in specs, name
    for name in ("clock.pandemic_weeks", "clock.pandemic_narrowing", "clock.election_horizon"):
        assert name in specs, name
    assert specs["params.summit.lead_weeks"].integer
    assert specs["actors.DPRK.interests.economy"].column == 1


def test_run_ensemble_for_the_ui_is_fast_and_consistent() -> None:
    run_ensemble("baseline", 20, seed=1, steps=5)  # warm imports
    t0 = time.perf_counter()
    out = run_ensemble("baseline", 500, seed=1, steps=104, overrides={"fatigue.growth": 0.08})
    wall = time.perf_counter() - t0
    assert wall < 4.0  # about 0.3 s on the 2-core dev machine; loose bound for busy CI
    assert len(out["final"]) == 500
    for k, v in out["probabilities"].items():
        assert v == pytest.approx(out["final"][k].mean())
    assert out["trajectories"]["step"].max() == 104
    again = run_ensemble("baseline", 500, seed=1, steps=104, overrides={"fatigue.growth": 0.08})
    assert again["final"].equals(out["final"])
    # replicate 7 replays exactly in the Mesa model
    m = CoalitionModel("baseline", rng=int(out["seeds"][7]), fatigue__growth=0.08).run()
    assert m.outcomes() == {k: bool(out["final"][k][7]) for k in events.OUTCOMES}
    assert m.effective_pressure == out["final"]["effective_pressure"][7]


def test_a_shared_parameter_set_is_stored_once_and_broadcast() -> None:
    """Replicates of one point share one stored parameter set; the results equal those of
    a copy storing one set per row."""
    ens = Ensemble("summit_2018", steps=30)
    one = ens.params(None, replicates=5000)
    assert one.n_rows == 5000 and one.n_stored == 1
    two = ens.params({"params.fatigue.growth": [0.01, 0.1]}, replicates=40)
    assert two.n_rows == 80 and two.n_stored == 2
    seeds = ens.seeds(3, 2, 40)
    shared = ens.run(two, seeds).final
    copied = ens.run(two.expand(), seeds).final
    assert two.expand().n_stored == 80
    pd.testing.assert_frame_equal(shared, copied)


def test_the_default_block_bounds_the_state_and_holds_ten_thousand_runs() -> None:
    """A block's state stays within ``BLOCK_BYTES`` (but for the 256-row floor), and 10,000
    runs of a 4-actor scenario are one block: no table is joined, so none is copied."""
    from coalition_sim.core.rowrec import record_bytes
    from coalition_sim.engine import ensemble as E

    for a in (3, 4, 6, 64):
        rows = E.block_rows(a)
        assert rows == 256 or rows * record_bytes(a) <= E.BLOCK_BYTES < (rows + 1) * record_bytes(a)
    assert E.block_rows(4) >= 10_000
