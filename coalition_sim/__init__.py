"""coalition-sim: an agent-based model of the coalition around the US-North Korea standoff.

The names below are the public API, stable from version 0.1: scripts should import from
here (``from coalition_sim import CoalitionModel, run_ensemble``); module paths inside the
package may change. See README.md, "Using the model from Python".

- :class:`CoalitionModel`: the Mesa model (one run, agent by agent; ``mesa.batch_run`` works).
- :class:`Ensemble`, :func:`run_ensemble` (an :class:`EnsembleRun`: ``.final``,
  ``.probabilities``, ``.trajectories``, ``.seeds``, ``.to_xarray()``), :func:`run_seeds`:
  many runs at once, same rules.
- :func:`load_scenario`, :func:`resolve_scenario`, :func:`list_scenarios`,
  :func:`with_values`, :class:`Scenario`, :class:`ConfigError`: scenarios and their errors.
- :func:`parameter_table`, :func:`canonical_key`, :func:`kwarg_of`, :func:`name_of_kwarg`:
  parameter names (``params.fatigue.growth``; Mesa keyword ``fatigue__growth``).
- :func:`parameter_specs`, :class:`ParamSpec`: the catalogue of settable parameters with
  their bounds; :data:`CATALOGUE`, :class:`Role`, :func:`role_of`, :func:`is_parameter`, :func:`levers`,
  :func:`uncertainties`, :func:`concrete`: which are levers and which uncertainties
  (the EMA Workbench adapter is :func:`coalition_sim.integrations.ema.ema_model`).
- :data:`EVENTS`, :data:`EVENT_KINDS`, :data:`OUTCOMES`, :data:`OUTCOME_LABELS`: event and
  outcome names with labels.
- :func:`date_of`, :func:`step_of`: the date-to-step rule. One step is one week; step ``k``
  ends on ``start_date + k weeks``; a date ``d`` falls in step ``(d - start_date).days // 7 + 1``.
- :data:`SEED_LIMIT`, :func:`parse_seed`: seeds are whole numbers in ``[0, 2**63)``.
- :func:`plan_sweep`, :func:`run_sweep`, :func:`read_runs`, :func:`analyze`: sweeps.

Names are loaded on first use, so ``python run.py --help`` does not import Mesa.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.5.4"

if TYPE_CHECKING:
    from .abm.model import CoalitionModel
    from .core.events import EVENT_KINDS, EVENTS, OUTCOME_LABELS, OUTCOMES
    from .engine.ensemble import Ensemble, EnsembleResult, run_ensemble, run_seeds
    from .engine.results import EnsembleRun
    from .experiments.analysis import analyze
    from .experiments.sweep import plan_sweep, read_runs, run_sweep
    from .scenario.levers import (
        CATALOGUE,
        Role,
        concrete,
        is_parameter,
        levers,
        role_of,
        uncertainties,
    )
    from .scenario.library import list_scenarios, load_scenario, resolve_scenario
    from .scenario.loading import ConfigError
    from .scenario.names import (
        ParamSpec,
        canonical_key,
        kwarg_of,
        name_of_kwarg,
        parameter_specs,
        parameter_table,
        with_values,
    )
    from .scenario.schema import Scenario
    from .scenario.seeds import SEED_LIMIT, parse_seed

_HOMES = {
    "CoalitionModel": "abm.model",
    "EVENTS": "core.events",
    "EVENT_KINDS": "core.events",
    "OUTCOMES": "core.events",
    "OUTCOME_LABELS": "core.events",
    "Ensemble": "engine.ensemble",
    "EnsembleResult": "engine.ensemble",
    "run_ensemble": "engine.ensemble",
    "run_seeds": "engine.ensemble",
    "EnsembleRun": "engine.results",
    "CATALOGUE": "scenario.levers",
    "Role": "scenario.levers",
    "concrete": "scenario.levers",
    "is_parameter": "scenario.levers",
    "levers": "scenario.levers",
    "role_of": "scenario.levers",
    "uncertainties": "scenario.levers",
    "ParamSpec": "scenario.names",
    "parameter_specs": "scenario.names",
    "analyze": "experiments.analysis",
    "plan_sweep": "experiments.sweep",
    "read_runs": "experiments.sweep",
    "run_sweep": "experiments.sweep",
    "list_scenarios": "scenario.library",
    "load_scenario": "scenario.library",
    "resolve_scenario": "scenario.library",
    "ConfigError": "scenario.loading",
    "canonical_key": "scenario.names",
    "kwarg_of": "scenario.names",
    "name_of_kwarg": "scenario.names",
    "parameter_table": "scenario.names",
    "with_values": "scenario.names",
    "Scenario": "scenario.schema",
    "SEED_LIMIT": "scenario.seeds",
    "parse_seed": "scenario.seeds",
}

__all__ = [
    "CATALOGUE",
    "EVENTS",
    "EVENT_KINDS",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "SEED_LIMIT",
    "CoalitionModel",
    "ConfigError",
    "Ensemble",
    "EnsembleResult",
    "EnsembleRun",
    "ParamSpec",
    "Role",
    "Scenario",
    "__version__",
    "analyze",
    "canonical_key",
    "concrete",
    "date_of",
    "is_parameter",
    "kwarg_of",
    "levers",
    "list_scenarios",
    "load_scenario",
    "name_of_kwarg",
    "parameter_specs",
    "parameter_table",
    "parse_seed",
    "plan_sweep",
    "read_runs",
    "resolve_scenario",
    "role_of",
    "run_ensemble",
    "run_seeds",
    "run_sweep",
    "step_of",
    "uncertainties",
    "with_values",
]


def date_of(scenario: Scenario, step: int) -> dt.date:
    """Calendar date at the end of ``step`` (one step is one week; step 0 is the start).

    ``step`` is a whole number from 0; anything else is a one-line ConfigError."""
    from .scenario.seeds import whole_number

    # 1.5 gave the 11th of January and True the 8th, -1 a date before the run
    return scenario.date_of(whole_number(step, "step", 0))


def step_of(scenario: Scenario, date: dt.date) -> int:
    """The step during which ``date`` falls (step 1 covers the first week; a date before the
    start gives 0 or less). ``date`` is a ``datetime.date`` (a datetime's day counts)."""
    if isinstance(date, dt.datetime):  # a date's subclass that cannot be taken from a date
        date = date.date()
    if not isinstance(date, dt.date):  # '2018-03-01' ended in a TypeError
        from .scenario.errors import ConfigError

        raise ConfigError(
            f"date must be a datetime.date, e.g. date(2018, 3, 1), not {type(date).__name__} "
            f"{date!r:.40}"
        )
    return scenario.step_of(date)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'coalition_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
