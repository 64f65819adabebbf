"""The public API at the package's top level: every name resolves, and a script written
against it alone can run the model, an ensemble and read the names it needs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from conftest import CONFIGS

import coalition_sim
from coalition_sim import (
    EVENT_KINDS,
    OUTCOMES,
    CoalitionModel,
    ConfigError,
    date_of,
    load_scenario,
    run_ensemble,
    step_of,
)


def test_every_public_name_resolves() -> None:
    for name in coalition_sim.__all__:
        assert getattr(coalition_sim, name) is not None, name
    with pytest.raises(AttributeError):
        _ = coalition_sim.no_such_name  # type: ignore[attr-defined]


def test_importing_the_package_does_not_load_mesa() -> None:
    code = "import sys, coalition_sim; print('mesa' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_date_to_step_rule_round_trips() -> None:
    scn = load_scenario(CONFIGS / "summit_2018.toml")
    assert date_of(scn, 0) == scn.start_date
    for step in (1, 2, 20, scn.steps):
        end = date_of(scn, step)
        assert end - date_of(scn, step - 1) == dt.timedelta(weeks=1)
        assert step_of(scn, end - dt.timedelta(days=1)) == step
        assert step_of(scn, end) == step + 1


def test_a_script_against_the_top_level() -> None:
    model = CoalitionModel("summit_2018", rng=3, steps=30, fatigue__growth=0.05).run()
    summary = model.summary()
    assert set(summary["outcomes"]) == set(OUTCOMES)
    assert set(summary["event_counts"]) == set(EVENT_KINDS)
    ens = run_ensemble("summit_2018", n_replicates=20, seed=3, steps=30,
                       overrides={"params.fatigue.growth": 0.05}, every=0)  # fmt: skip
    assert set(ens.probabilities.index) == set(OUTCOMES)
    assert len(ens["final"]) == 20
    with pytest.raises(ConfigError, match=r"fatigue\.growht"):
        run_ensemble("summit_2018", n_replicates=2, overrides={"params.fatigue.growht": 0.1})


def test_all_lists_exactly_the_lazy_names() -> None:
    lazy = set(coalition_sim._HOMES)
    assert set(coalition_sim.__all__) == lazy | {"__version__", "date_of", "step_of"}


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [({"seed": -1}, "seed must be a whole number from 0"),
     ({"overrides": {"params.fatigue.growth": "abc"}}, "override 'params.fatigue.growth'"),
     ({"n_replicates": 2.5}, "n_replicates must be a whole number"),
     ({"every": -1}, "every must be a whole number of weeks")],
)  # fmt: skip
def test_run_ensemble_refuses_bad_arguments_as_config_errors(kwargs, says):
    # README: bad input raises ConfigError with a one-line message (an OverflowError and a
    # bare ValueError came through before)
    with pytest.raises(ConfigError, match=says):
        run_ensemble("summit_2018", **({"n_replicates": 10} | kwargs))


def test_model_rng_out_of_range_is_a_config_error():
    with pytest.raises(ConfigError, match="rng must be an integer"):
        CoalitionModel("summit_2018", rng=-1)


def test_run_ensemble_refuses_more_replicates_than_the_command_line_holds():
    # 10**9 replicates used ~23 GB and were killed; the limit is compare's (one constant)
    from coalition_sim.cli.args import MAX_ROWS as cli_limit
    from coalition_sim.scenario.limits import MAX_ROWS

    assert cli_limit is MAX_ROWS
    with pytest.raises(ConfigError, match=r"n_replicates must be at most 1,000,000") as err:
        run_ensemble("summit_2018", n_replicates=10**9)
    assert "\n" not in str(err.value)
    run_ensemble("summit_2018", n_replicates=2, steps=3)  # the limit is not off by much


def test_trajectory_size_estimate_is_the_table_and_too_big_is_refused(monkeypatch):
    from coalition_sim.engine import ensemble

    out = run_ensemble("summit_2018", n_replicates=3, seed=1, steps=10, every=3)
    traj = out.trajectories
    assert traj is not None
    n_actors = sum(c.startswith("commitment_") for c in traj.columns)
    assert ensemble.trajectory_bytes(3, 10, 3, n_actors) == len(traj) * traj.shape[1] * 8
    assert ensemble.trajectory_bytes(3, 10, 0, n_actors) == 0
    monkeypatch.setattr(ensemble, "total_memory", lambda: 2**20)  # a 1 MiB machine
    with pytest.raises(
        ConfigError, match=r"would need about .* GiB at the peak .*, more than"
    ) as err:
        run_ensemble("summit_2018", n_replicates=10_000, steps=10)
    assert "\n" not in str(err.value)
    run_ensemble("summit_2018", n_replicates=1000, steps=10, every=0)  # no table: runs


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [({"scenario": 123}, "scenario must be a Scenario, a name in configs/.*not int 123"),
     ({"posterior": 42}, "posterior must be the path of a calibration posterior.*not int 42"),
     ({"overrides": ["params.fatigue.growth=0.1"]}, "overrides must be a mapping .* not a list")],
)  # fmt: skip
def test_run_ensemble_wrong_types_are_one_line_config_errors(kwargs, says) -> None:
    """These were TypeError (pathlib's) and AttributeError ('list' has no 'items')."""
    with pytest.raises(ConfigError, match=says) as exc:
        run_ensemble(**{"n_replicates": 2, "steps": 2, **kwargs})
    assert "\n" not in str(exc.value)
