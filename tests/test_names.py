"""One parameter spelling, accepted by every entry point through the one resolver
(``coalition_sim.scenario.names``), and one scenario folder honoured everywhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CONFIGS

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.cli.main import main
from coalition_sim.engine.ensemble import Ensemble
from coalition_sim.experiments.sweep import plan_sweep
from coalition_sim.scenario.library import load_scenario, resolve_scenario
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.scenario.names import canonical_key, value_of, with_values
from coalition_sim.scenario.seeds import SEED_LIMIT, parse_seed


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("params.fatigue.growth", "params.fatigue.growth"),
        ("fatigue.growth", "params.fatigue.growth"),
        (" ties.strain ", "params.ties.strain"),  # a params group, not the scenario's tie list
        ("actors.ROK.mediation", "actors.ROK.mediation"),
        ("clock.pandemic_weeks", "clock.pandemic_weeks"),
        ("steps", "steps"),
    ],
)
def test_canonical_key(given: str, canonical: str) -> None:
    assert canonical_key(given) == canonical


def test_every_entry_point_takes_the_dotted_name(tmp_path: Path) -> None:
    base = resolve_scenario("summit_2018")
    # library / CLI --set
    via_set = load_scenario(CONFIGS / "summit_2018.toml", ["params.fatigue.growth=0.07"])
    # the UI and scripts
    via_values = with_values(base, {"params.fatigue.growth": 0.07})
    # Mesa keyword argument: each "__" is one dot
    via_mesa = CoalitionModel("summit_2018", rng=1, fatigue__growth=0.07).scenario_spec
    for scn in (via_set, via_values, via_mesa):
        assert value_of(scn, "params.fatigue.growth") == 0.07
    # the ensemble
    ens = Ensemble(base)
    p = ens.params({"params.fatigue.growth": [0.07]})
    assert np.all(p.fatigue.growth == 0.07)
    # a sweep spec
    spec = tmp_path / "s.toml"
    spec.write_text(
        'name = "n"\nscenario = "summit_2018"\nreplicates = 1\n'
        '[[parameters]]\nname = "params.fatigue.growth"\nvalues = [0.07]\n'
    )
    assert plan_sweep(spec).names == ["params.fatigue.growth"]
    # the command line
    out = tmp_path / "run"
    argv = ["run", "--config", "summit_2018", "--steps", "3", "--no-plot", "--out", str(out),
            "--set", "params.fatigue.growth=0.07"]  # fmt: skip
    assert main(argv) == 0
    assert '"growth": 0.07' in (out / "summary.json").read_text()


def test_an_unknown_name_is_refused_the_same_way_everywhere() -> None:
    base = resolve_scenario("summit_2018")
    with pytest.raises(ConfigError, match="growht"):
        with_values(base, {"params.fatigue.growht": 0.1})
    with pytest.raises(ConfigError, match=r"did you mean 'params\.fatigue\.growth'"):
        Ensemble(base).params({"params.fatigue.growht": [0.1]})
    with pytest.raises(ConfigError, match="growht"):
        CoalitionModel("summit_2018", fatigue__growht=0.1)


def test_sweep_specs_by_name_come_from_the_configured_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "configs"
    (folder / "sweeps").mkdir(parents=True)
    shutil.copy(CONFIGS / "baseline.toml", folder / "mine.toml")
    (folder / "sweeps" / "only_here.toml").write_text(
        'name = "only_here"\nscenario = "mine"\nreplicates = 2\n'
    )
    monkeypatch.setenv("COALITION_SIM_CONFIGS", str(folder))
    plan = plan_sweep("only_here")
    assert plan.spec.name == "only_here" and plan.n_runs == 2


def test_one_seed_rule() -> None:
    assert parse_seed(" 7 ") == 7
    assert parse_seed(SEED_LIMIT - 1) == SEED_LIMIT - 1
    for bad in ("x", "-1", str(SEED_LIMIT), "1.5", ""):
        # every refusal says what is allowed (text that is no number said only "a whole number")
        with pytest.raises(
            ValueError, match=f"^must be a whole number from 0 to {SEED_LIMIT - 1:,}, not "
        ):
            parse_seed(bad)
    with pytest.raises(ValueError):
        CoalitionModel(rng=SEED_LIMIT)
