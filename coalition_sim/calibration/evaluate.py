"""Score a fit on the record: posterior predictive, prior predictive, calibrated point and
schema defaults against the naive baselines (issue 19; the rules are in :mod:`.scores`).

Every forecaster is an ensemble of runs of the target file's history starts:

- ``posterior``: ``draws`` runs per start, each with its parameters drawn from the posterior
  by its run seed (:meth:`Posterior.values_for`), as ``run --posterior`` does;
- ``prior``: ``draws`` runs per start, parameters from a scrambled Sobol design of the prior
  box (one run per point);
- ``calibrated``: ``draws`` replicates at the posterior's weighted median of every fitted
  parameter (the point ``configs/history/calibrated_*.toml`` hold);
- ``defaults``: ``draws`` replicates of the start scenarios as written (schema defaults for
  the fitted parameters).

Run seeds are fixed by (seed, start, point, replicate): the same forecaster with and without
``overrides`` (dotted name -> value, applied to every run after the parameter draw; the
mechanism ablations use them) runs on the same seeds and the same parameter draws, so their
difference is the switched-off mechanism's, not noise of the draw (common random numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.ensemble import run_seeds
from ..engine.posterior import Posterior
from ..scenario.names import with_values
from .distance import prior_design
from .fit import coverage
from .scores import ScoreRow, score_table, skill
from .stats import per_run_statistics
from .targets import Prior, Statistic, Targets

__all__ = ["FORECASTERS", "Evaluation", "evaluate", "forecast_runs", "posterior_median"]

FORECASTERS = ("posterior", "prior", "calibrated", "defaults")


def posterior_median(post: Posterior) -> dict[str, float]:
    """Weighted median of every fitted parameter: the calibrated point."""
    return post.median()


def _with(targets: Targets, names: Sequence[str], overrides: Mapping[str, float]) -> Targets:
    """Targets whose fitted columns are ``names`` and whose start scenarios carry
    ``overrides`` (a fitted name that is overridden is dropped from the columns)."""
    scns = targets.scenarios
    if overrides:
        scns = {k: with_values(s, dict(overrides)) for k, s in scns.items()}
    keep = [n for n in names if n not in overrides]
    priors = [Prior(n, 0.0, 1.0, "") for n in keep]
    return dataclasses.replace(targets, scenarios=scns, priors=priors)


def forecast_runs(
    targets: Targets,
    how: str,
    draws: int,
    seed: int,
    post: Posterior | None = None,
    stats: Sequence[Statistic] | None = None,
    overrides: Mapping[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Per-run values of ``stats`` (default: all) for one forecaster (module docstring)."""
    stats = list(targets.statistics if stats is None else stats)
    overrides = dict(overrides or {})
    out: dict[str, np.ndarray] = {}
    for s, key in enumerate(targets.scenarios):
        mine = [st for st in stats if st.scenario == key]
        if not mine:
            continue
        sub0 = dataclasses.replace(targets, scenarios={key: targets.scenarios[key]})
        if how == "posterior":
            assert post is not None
            seeds = run_seeds(seed + s, np.arange(draws), np.zeros(draws, dtype=np.int64))
            vals = post.values_for(seeds)
            sub = _with(sub0, post.names, overrides)
            theta = np.column_stack([vals[n] for n in sub.names]) if sub.names else None
            reps, n_pts = 1, draws
        elif how == "prior":
            design = prior_design(targets.priors, draws, seed + 7919 * (s + 1))
            sub = _with(sub0, targets.names, overrides)
            cols = [targets.names.index(n) for n in sub.names]
            theta, reps, n_pts = design[:, cols], 1, draws
        elif how == "calibrated":
            assert post is not None
            point = posterior_median(post)
            sub = _with(sub0, post.names, overrides)
            theta = np.array([[point[n] for n in sub.names]]) if sub.names else None
            reps, n_pts = draws, 1
        elif how == "defaults":
            sub, theta, reps, n_pts = _with(sub0, [], overrides), None, draws, 1
        else:
            raise ValueError(f"unknown forecaster {how!r}; one of {', '.join(FORECASTERS)}")
        if theta is None:
            theta = np.zeros((n_pts, 0))
        # seeds: (seed + s, point i, replicate j) -> one point x draws replicates and draws
        # points x one replicate get different keys; both are fixed by (seed, start)
        out.update(per_run_statistics(sub, theta, reps, seed + s, stats=mine))
    return out


@dataclass
class Evaluation:
    """Scores of every forecaster and baseline, skill per group, coverage beside them."""

    statistics: list[Statistic]
    fitting_years: list[int]
    rows: list[ScoreRow]
    skill: dict[str, dict[str, dict[str, dict[str, float]]]]  # forecaster -> baseline -> group
    coverage: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    runs: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistics": [s.name for s in self.statistics],
            "fitting_years": self.fitting_years,
            "scores": [r.to_dict() for r in self.rows],
            "skill": self.skill,
            "coverage": self.coverage,
        }


def evaluate(
    targets: Targets,
    post: Posterior | None,
    stats: Sequence[Statistic] | None = None,
    fitting_years: Sequence[int] | None = None,
    draws: int = 1000,
    seed: int = 20190101,
    forecasters: Sequence[str] = FORECASTERS,
    overrides: Mapping[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    baseline_targets: Targets | None = None,
) -> Evaluation:
    """Score ``forecasters`` on ``stats`` (default: every statistic of the target file)
    against the naive baselines of ``fitting_years`` (default: the years of ``stats``), read
    from ``baseline_targets`` (default: ``targets``; a held-out file passes the calibration's
    record, :mod:`coalition_sim.validation.holdout`)."""
    say = progress or (lambda _m: None)
    stats = list(targets.statistics if stats is None else stats)
    years = sorted(set(fitting_years if fitting_years is not None else (s.year for s in stats)))
    runs: dict[str, dict[str, np.ndarray]] = {}
    for how in forecasters:
        if how in ("posterior", "calibrated") and post is None:
            continue
        say(f"scores: {how} forecast, {draws} runs per start")
        runs[how] = forecast_runs(targets, how, draws, seed, post, stats, overrides)
    rows = score_table(baseline_targets or targets, stats, runs, years)
    sk = {how: {b: skill(rows, how, b) for b in ("climatology", "poisson")} for how in runs}
    cov = {how: coverage(stats, r) for how, r in runs.items()}
    return Evaluation(stats, years, rows, sk, cov, runs)
