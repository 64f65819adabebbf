"""The model as an EMA Workbench ``Model``: uncertainties, levers and outcomes from our catalogue.

Why: exploratory modelling (XLRM; Kwakkel 2017, *The Exploratory Modeling Workbench*) is the
EMA Workbench's job: sampling futures and policies (``perform_experiments``), scenario
discovery (PRIM, CART), feature scoring, robust optimisation. Rather than re-implement any of
it, this module hands EMA a model function whose parameters are the project's own: the
uncertainties and levers are :func:`coalition_sim.scenario.levers.concrete` of the scenario
(the catalogue that says what a government chooses and what nobody controls). Their bounds
are, by default, the plausible range of the screening: the scenario's value x [1/2, 2] within
the schema range (:func:`coalition_sim.scenario.names.plausible_range`; ``ranges="schema"``
for the schema's whole valid range, which puts most futures in another regime: a weekly
fatigue growth of 1, a logit of 20). The pandemic's uncertainties are left out of a scenario
without a pandemic (they move nothing there). Integer parameters (weeks) are sampled as reals
and rounded in the model function, so that EMA's PRIM, which writes fractional box limits into
the experiment columns, works on them. EMA 3 wants names that are Python identifiers, so
they are the project's Mesa keyword spelling, where each ``__`` stands for one dot of the
dotted name (``fatigue__growth`` is ``params.fatigue.growth``, ``actors__USA__consults`` is
``actors.USA.consults``; :func:`coalition_sim.scenario.names.kwarg_of`), the same columns
``mesa.batch_run`` gives.

Each experiment runs ``replicates`` replicates of one parameter point on the batched engine
(the scenario is compiled once per process). Outcomes are the share of replicates in which
each outcome flag of :data:`coalition_sim.core.events.OUTCOMES` happened and the replicate
mean of each final metric (:data:`coalition_sim.engine.ensemble.METRICS`). Every experiment
uses the same replicate seeds (common random numbers), so a difference between two
experiments is the parameters', not the noise's (and the replicate noise is shared by all
futures: EMA's analyses see each experiment's share from ``replicates`` runs), and an
experiment replays exactly with ``run_ensemble(scenario, replicates, seed=seed,
overrides={name_of_kwarg(k): v ...})`` (EMA's columns are the keyword spelling; round the
weeks, as the model does).

>>> from ema_workbench import perform_experiments
>>> model = ema_model("summit_2018", replicates=50)
>>> experiments, outcomes = perform_experiments(model, scenarios=40, policies=2)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.events import OUTCOMES
from ..engine.ensemble import METRICS, Ensemble
from ..scenario.levers import Role, concrete, is_parameter, role_of
from ..scenario.library import resolve_scenario
from ..scenario.loading import ConfigError
from ..scenario.names import (
    ParamSpec,
    kwarg_of,
    name_of_kwarg,
    parameter_specs,
    plausible_range,
)
from ..scenario.schema import Scenario
from ..scenario.seeds import checked_seed, whole_number

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


def _names(chosen: object, what: str) -> list[str]:
    """``uncertainties=`` / ``levers=`` as a list of names: a bare string is one name (it was
    taken letter by letter: "'f' is not one of ..."); anything but strings is refused."""
    if isinstance(chosen, str):
        return [chosen]
    names = list(chosen) if isinstance(chosen, Iterable) else None
    if names is None or not all(isinstance(c, str) for c in names):
        raise ConfigError(
            f"{what} must be a list of parameter names (or one name), not {chosen!r:.60}"
        )
    return names


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
        points = {}
        for k, v in values.items():
            name = name_of_kwarg(k)
            spec = ens.specs[name]
            points[name] = [float(round(v)) if spec.integer else v]  # weeks: sampled as reals
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
    uncertainties: Sequence[str] | str | None = None,
    levers: Sequence[str] | str | None = None,
    name: str = "coalition",
    ranges: str = "plausible",
) -> Any:
    """An ``ema_workbench.Model`` of ``scenario``.

    ``uncertainties`` / ``levers``: subsets of the catalogue's concrete names, dotted or in
    keyword spelling (default: all of them but the pandemic's in a scenario without one); a
    single string is one name (not its characters); a name that is not one is a ConfigError
    (which says so when it is the other role: a lever given as an uncertainty). ``ranges``: ``"plausible"`` (default: the
    scenario's value x [1/2, 2] within the schema range, the screening's rule) or
    ``"schema"`` (the whole valid range). ``seed`` defaults to the scenario's. EMA's names
    are the keyword spelling. Bad arguments are one-line ConfigErrors, here, not inside
    ``perform_experiments``.
    """
    with warnings.catch_warnings():  # ema_workbench warns about optional extras on import
        warnings.simplefilter("ignore")
        from ema_workbench import Model, RealParameter, ScalarOutcome

    whole_number(replicates, "replicates", 1)
    if steps is not None:
        whole_number(steps, "steps", 1, unit="weeks")
    if ranges not in ("plausible", "schema"):
        raise ConfigError(f"ranges must be 'plausible' or 'schema', not {ranges!r}")
    scn = resolve_scenario(scenario)
    seed = scn.seed if seed is None else checked_seed(seed)
    ens = Ensemble(scn, steps=steps)  # the scenario's own values, for the plausible ranges

    arg = {Role.UNCERTAINTY: "uncertainties", Role.LEVER: "levers"}  # the keyword arguments

    def pick(role: Role, chosen: Sequence[str] | str | None) -> list[Any]:
        known = parameters_of(scn, role)
        if chosen is None:
            names = list(known)
            if scn.clock.pandemic_start is None:  # nothing for the pandemic's terms to move
                names = [n for n in names if not n.startswith("clock.pandemic_")]
        else:
            names = _names(chosen, arg[role])
        params = []
        for n in (name_of_kwarg(c) for c in names):
            if n not in known:
                other = role_of(n) if is_parameter(n) else None
                if other in arg and other is not role:  # a lever given as an uncertainty
                    raise ConfigError(
                        f"{arg[role]}: '{n}' is {other.phrase}, not {role.phrase}; "
                        f"pass it in {arg[other]}="
                    )
                raise ConfigError(
                    f"{arg[role]}: '{n}' is not one of the {arg[role]} of scenario "
                    f"'{scn.name}' ({', '.join(known)})"
                )
            s = known[n]
            lo, hi = float(s.lo), float(s.hi)
            if ranges == "plausible":
                lo, hi = plausible_range(lo, hi, ens.value_of(n))
            # weeks too are sampled as reals (and rounded in the model): EMA's PRIM writes
            # fractional limits into the columns, which an integer column refuses
            params.append(RealParameter(kwarg_of(n), lo, hi))
        return params

    model = Model(name, function=CoalitionExperiment(scn, replicates, seed, steps))
    model.uncertainties = pick(Role.UNCERTAINTY, uncertainties)
    model.levers = pick(Role.LEVER, levers)
    model.outcomes = [ScalarOutcome(o) for o in outcome_names()]
    return model
