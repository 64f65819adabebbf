"""Bad arguments to the Python API beyond run_ensemble (compare, concrete, the Mesa model's
run, the date rule, load_scenario) are one-line ConfigErrors, never another library's
traceback or a silent wrong result."""

from __future__ import annotations

import pytest

from coalition_sim import ConfigError
from coalition_sim.experiments.compare import compare

POLICIES = ["base", "talks: actors.USA.hedging=0.5"]


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [({"policies": "base"}, "policies must be a list of at least two policies.*not one str"),
     ({"replicates": "5"}, "replicates must be a whole number from 1, not '5'"),
     ({"replicates": True}, "replicates must be a whole number from 1, not True"),
     ({"replicates": 10**9}, r"= 2,000,000,000 runs, more than the 1,000,000 a compare holds"),
     ({"seed": -1}, "seed must be a whole number from 0"),
     ({"seed": 1.5}, "seed must be a whole number from 0"),
     ({"n_boot": 0}, "n_boot must be a whole number from 1, not 0"),
     ({"confidence": "0.9"}, r"confidence must be a number in \(0, 1\), not '0.9'"),
     ({"futures": [{"params.fatigue.growth": 0.1}]}, "futures must be a pandas DataFrame")],
)  # fmt: skip
def test_compare_refuses_bad_arguments_in_one_line(kwargs, says) -> None:
    # 'base' ran four arms named b, a, s, e; '5' and '0.9' were TypeErrors; 10**9 replicates
    # were killed by the kernel; a negative seed or n_boot reached numpy
    call = {"policies": POLICIES, "scenario": "summit_2018", "replicates": 2, "steps": 2}
    with pytest.raises(ConfigError, match=says) as exc:
        compare(**(call | kwargs))
    assert "\n" not in str(exc.value)


def test_concrete_takes_a_role_by_value_and_refuses_an_unknown_one() -> None:
    from coalition_sim import Role, concrete, load_scenario

    scn = load_scenario("summit_2018")
    assert concrete(scn, "lever") == concrete(scn, Role.LEVER) != {}  # was {} for "lever"
    with pytest.raises(ConfigError, match=r"role must be one of 'lever', 'uncertainty'.*'levers'"):
        concrete(scn, "levers")


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [({"overrides": {"params.fatigue.growth": True}}, "override 'params.fatigue.growth' = True"),
     ({"overrides": {"params.fatigue.growth": "0.1"}}, "= '0.1' is not a number"),
     ({"steps": 3.0}, "steps must be a whole number of weeks from 1, not 3.0"),
     ({"steps": True}, "steps must be a whole number of weeks from 1, not True")],
)  # fmt: skip
def test_run_ensemble_takes_numbers_not_bools_or_text(kwargs, says) -> None:
    from coalition_sim import run_ensemble

    with pytest.raises(ConfigError, match=says):  # each ran (True as 1.0, 3.0 as 3 weeks)
        run_ensemble("summit_2018", **({"n_replicates": 2, "steps": 2} | kwargs))


@pytest.mark.parametrize("steps", [-2, True, 2.0])
def test_model_run_steps_is_a_whole_number_of_weeks(steps) -> None:
    from coalition_sim import CoalitionModel

    model = CoalitionModel("summit_2018", steps=3)
    with pytest.raises(
        ConfigError, match=f"steps must be a whole number of weeks from 0, not {steps!r}"
    ):
        model.run(steps)  # -2 ran nothing, True one week, 2.0 a TypeError
    assert model.steps == 0
    assert model.run(0).steps == 0
    with pytest.raises(
        ConfigError, match=r"steps must be a whole number of weeks from 1, not 3\.0"
    ):
        CoalitionModel("summit_2018", steps=3.0)


def test_date_rule_and_load_scenario_refuse_wrong_types() -> None:
    import datetime as dt

    from coalition_sim import date_of, load_scenario, step_of

    scn = load_scenario("summit_2018")
    for step in (1.5, True, -1):  # the 11th of January, the 8th, a day before the start
        with pytest.raises(ConfigError, match=f"step must be a whole number from 0, not {step}"):
            date_of(scn, step)
    with pytest.raises(ConfigError, match=r"date must be a datetime\.date.*not str '2018-03-01'"):
        step_of(scn, "2018-03-01")  # type: ignore[arg-type]
    assert step_of(scn, dt.datetime(2018, 1, 3, 12)) == step_of(scn, dt.date(2018, 1, 3)) == 1
    for bad in (None, 3):  # pathlib's TypeError
        with pytest.raises(ConfigError, match="scenario must be a name in configs/ or the path"):
            load_scenario(bad)  # type: ignore[arg-type]


def test_parameter_specs_and_concrete_take_a_scenario_by_name() -> None:
    """``parameter_specs("summit_2018")`` and ``concrete("summit_2018", "lever")`` ended in an
    AttributeError (``'str' object has no attribute 'params'``): a name or path is read as
    ``run_ensemble`` reads it, anything else is the one-line ConfigError of the API."""
    from coalition_sim import concrete, load_scenario, parameter_specs

    scn = load_scenario("summit_2018")
    assert parameter_specs("summit_2018") == parameter_specs(scn)
    assert concrete("summit_2018", "lever") == concrete(scn, "lever")
    for call in (lambda: parameter_specs(3), lambda: concrete({}, "lever")):  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match=r"^scenario must be a Scenario, a name in configs/"):
            call()
