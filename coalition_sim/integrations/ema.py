"""The model as an EMA Workbench ``Model``: uncertainties, levers and outcomes from our catalogue.

Why: exploratory modelling (XLRM; Kwakkel 2017, *The Exploratory Modeling Workbench*) is the
EMA Workbench's job: sampling futures and policies (``perform_experiments``), scenario
discovery (PRIM, CART), feature scoring, robust optimisation. Rather than re-implement any of
it, this module hands EMA a model function whose parameters are the project's own: the
uncertainties and levers are :func:`coalition_sim.scenario.levers.concrete` of the scenario
(the catalogue that says what a government chooses and what nobody controls), and their
bounds are the schema's ranges (:func:`coalition_sim.scenario.names.parameter_specs`), so
nothing here can drift from the schema. EMA 3 wants names that are Python identifiers, so
they are the project's Mesa keyword spelling, where each ``__`` stands for one dot of the
dotted name (``fatigue__growth`` is ``params.fatigue.growth``, ``actors__USA__consults`` is
``actors.USA.consults``; :func:`coalition_sim.scenario.names.kwarg_of`), the same columns
``mesa.batch_run`` gives.

Each experiment runs ``replicates`` replicates of one parameter point on the batched engine
(the scenario is compiled once per process). Outcomes are the share of replicates in which
each outcome flag of :data:`coalition_sim.core.events.OUTCOMES` happened and the replicate
mean of each final metric (:data:`coalition_sim.engine.ensemble.METRICS`). Every experiment
uses the same replicate seeds (common random numbers), so a difference between two
experiments is the parameters', not the noise's, and an experiment replays exactly with
``run_ensemble(scenario, replicates, seed=seed, overrides=...)``.

>>> from ema_workbench import perform_experiments
>>> model = ema_model("summit_2018", replicates=50)
>>> experiments, outcomes = perform_experiments(model, scenarios=40, policies=2)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.events import OUTCOMES
from ..engine.ensemble import METRICS, Ensemble
from ..scenario.levers import Role, concrete
from ..scenario.library import resolve_scenario
from ..scenario.loading import ConfigError
from ..scenario.names import ParamSpec, kwarg_of, name_of_kwarg, parameter_specs
from ..scenario.schema import Scenario

__all__ = ["CoalitionExperiment", "ema_model", "outcome_names", "parameters_of"]


def outcome_names() -> list[str]:
    """Outcome names of the EMA model: every outcome flag (a share), then ``mean_<metric>``."""
    return [*OUTCOMES, *(f"mean_{m}" for m in METRICS)]


def parameters_of(scn: Scenario, role: Role) -> dict[str, ParamSpec]:
    """The scenario's levers or uncertainties with their schema ranges (catalogue order).

    A parameter without a finite range cannot be sampled: ConfigError naming it."""
    specs = parameter_specs(scn)
    out = {name: specs[name] for name in concrete(scn, role)}
    for name, spec in out.items():
        if not (np.isfinite(spec.lo) and np.isfinite(spec.hi)):
            raise ConfigError(f"{role} '{name}' has no finite range in the schema")
    return out


class CoalitionExperiment:
    """The EMA model function: keyword arguments by dotted name -> named outcomes.

    A small picklable object (EMA's MultiprocessingEvaluator sends it to workers); the
    compiled scenario is built on first call in each process."""

    def __init__(
        self, scenario: Scenario | str | Path, replicates: int, seed: int, steps: int | None
    ) -> None:
        self.scenario = scenario
        self.replicates = replicates
        self.seed = seed
        self.steps = steps
        self._ens: Ensemble | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_ens": None}

    def __call__(self, **values: float) -> dict[str, float]:
        if self._ens is None:
            self._ens = Ensemble(self.scenario, steps=self.steps)
        ens = self._ens
        points = {name_of_kwarg(k): [v] for k, v in values.items()}
        p = ens.params(points, replicates=self.replicates)
        res = ens.run(p, ens.seeds(self.seed, 1, self.replicates), actors=False)
        out = {name: float(res.final[name].mean()) for name in OUTCOMES}
        out.update({f"mean_{m}": float(res.final[m].mean()) for m in METRICS})
        return out


def ema_model(
    scenario: Scenario | str | Path | None = "summit_2018",
    *,
    replicates: int = 50,
    seed: int | None = None,
    steps: int | None = None,
    uncertainties: Sequence[str] | None = None,
    levers: Sequence[str] | None = None,
    name: str = "coalition",
) -> Any:
    """An ``ema_workbench.Model`` of ``scenario``.

    ``uncertainties`` / ``levers``: subsets of the catalogue's concrete names, dotted or in
    keyword spelling (default: all of them); a name that is not one is a ConfigError.
    ``seed`` defaults to the scenario's. EMA's names are the keyword spelling.
    """
    with warnings.catch_warnings():  # ema_workbench warns about optional extras on import
        warnings.simplefilter("ignore")
        from ema_workbench import IntegerParameter, Model, RealParameter, ScalarOutcome

    if replicates < 1:
        raise ConfigError(f"replicates must be at least 1, got {replicates}")
    scn = resolve_scenario(scenario)
    seed = scn.seed if seed is None else int(seed)

    def pick(role: Role, chosen: Sequence[str] | None) -> list[Any]:
        known = parameters_of(scn, role)
        names = list(known) if chosen is None else list(chosen)
        params = []
        for n in (name_of_kwarg(c) for c in names):
            if n not in known:
                raise ConfigError(
                    f"'{n}' is not one of scenario '{scn.name}''s {role.value}s "
                    f"({', '.join(known)})"
                )
            s = known[n]
            if s.integer:
                params.append(IntegerParameter(kwarg_of(n), int(s.lo), int(s.hi)))
            else:
                params.append(RealParameter(kwarg_of(n), s.lo, s.hi))
        return params

    model = Model(name, function=CoalitionExperiment(scn, replicates, seed, steps))
    model.uncertainties = pick(Role.UNCERTAINTY, uncertainties)
    model.levers = pick(Role.LEVER, levers)
    model.outcomes = [ScalarOutcome(o) for o in outcome_names()]
    return model
