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
