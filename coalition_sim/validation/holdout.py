"""Held-out windows: the fitted model scored on years it never saw (``validate holdout``).

Why: in-sample skill says the fit found parameters that reproduce 2016-2018; it does not say
the mechanisms are right. The years before and after the fitting window (2013-2015: Kim Jong
Un's early years under 'strategic patience'; 2019-2020: Hanoi without a deal, the turn back
to autonomy, the short-range launches from May 2019) are scored with the same statistics,
rules and proper scores as the record, against the same naive baselines built from the
fitting years only (:mod:`coalition_sim.calibration.scores`). Nothing of these years enters
the fit: ``calibrate`` reads ``configs/calibration/targets.toml``; the held-out record is
``configs/validation/holdout.toml`` (a target file without priors,
:class:`coalition_sim.calibration.target_models.HoldoutFile`), each window with its own start
scenario. A negative skill here is a finding about the model, and the report prints it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..calibration.evaluate import FORECASTERS, Evaluation, evaluate, forecast_runs
from ..calibration.scores import bootstrap_skill_difference, skill
from ..calibration.targets import Targets, load_targets
from ..engine.posterior import Posterior
from ..scenario.loading import ConfigError

__all__ = ["Holdout", "Window", "holdout_targets", "run_holdout"]


@dataclass(frozen=True)
class Window:
    """One held-out window: its start scenario and its part of the scores."""

    scenario: str
    label: str  # e.g. "2013-2015"
    evaluation: Evaluation

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "label": self.label, **self.evaluation.to_dict()}


@dataclass(frozen=True)
class Holdout:
    """The held-out scores, window by window, and (if asked) each mechanism ablation's
    change of the window's total scaled score: ``ablations[name][window label]`` = (estimate,
    low, high), ablated - full, positive = the window is forecast worse without it."""

    path: Path
    fitting_years: list[int]
    windows: list[Window]
    ablations: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "fitting_years": self.fitting_years,
            "windows": [w.to_dict() for w in self.windows],
            "ablations": {k: {w: list(v) for w, v in d.items()} for k, d in self.ablations.items()},
        }


def holdout_targets(calibration: Targets, path: str | Path) -> tuple[Targets, Targets]:
    """The held-out file as the forecasters run it (its scenarios and statistics, the
    calibration's priors for the prior predictive) and as the baselines read it (the
    calibration's record and statistics beside the held-out ones, so a baseline is built
    from the fitting years' values of the same definition)."""
    ho = load_targets(path, holdout=True)
    clash = set(ho.scenarios) & set(calibration.scenarios)
    if clash:
        raise ConfigError(f"{path}: scenarios: {sorted(clash)} are calibration starts; a "
                          "held-out window needs a start of its own")  # fmt: skip
    fitting = sorted({st.year for st in calibration.statistics})
    names = {st.name for st in calibration.statistics}
    for st in ho.statistics:
        if st.year in fitting:
            raise ConfigError(
                f"{path}: statistic '{st.name}': year {st.year} is a fitting year "
                f"({fitting[0]}-{fitting[-1]}); a held-out statistic must lie outside them"
            )
        if st.name in names:
            raise ConfigError(
                f"{path}: statistic '{st.name}': a calibration statistic has that name; "
                "give the held-out one its own"
            )
    runs = dataclasses.replace(
        calibration, path=ho.path, name=ho.name, record=ho.record, scenarios=ho.scenarios,
        scenario_paths=ho.scenario_paths, statistics=ho.statistics,
    )  # fmt: skip
    baselines = dataclasses.replace(
        calibration,
        statistics=[*calibration.statistics, *ho.statistics],
        scenarios={**calibration.scenarios, **ho.scenarios},
    )
    return runs, baselines


def _label(targets: Targets, key: str) -> str:
    scn = targets.scenarios[key]
    years = sorted({s.year for s in targets.statistics if s.scenario == key})
    first = min(scn.start_date.year, *years) if years else scn.start_date.year
    last = max(years) if years else scn.date_of(scn.steps).year
    return f"{first}-{last}"


def run_holdout(
    calibration: Targets, post: Posterior, path: str | Path, draws: int, seed: int,
    progress: Callable[[str], None] | None = None, ablations: Sequence[Any] = (),
    resamples: int = 200,
) -> Holdout:  # fmt: skip
    """Score every forecaster on every held-out window (module docstring); with
    ``ablations`` (``validation.ablation.Ablation``), also each mechanism switched off at the
    fitted posterior, on the same runs (the third test of a mechanism: it survives the
    hold-outs), with a paired bootstrap interval."""
    runs, baselines = holdout_targets(calibration, path)
    years = sorted({s.year for s in calibration.statistics})
    say = progress or (lambda _m: None)
    say(f"holdout: {len(runs.statistics)} statistics in {len(runs.scenarios)} windows")
    ev = evaluate(runs, post, draws=draws, seed=seed, fitting_years=years,
                  forecasters=FORECASTERS, progress=say, baseline_targets=baselines)  # fmt: skip
    windows = []
    for key in runs.scenarios:
        mine = [s for s in ev.statistics if s.scenario == key]
        names = {s.name for s in mine}
        rows = [r for r in ev.rows if r.name in names]
        sk = {how: {b: skill(rows, how, b) for b in ("climatology", "poisson")}
              for how in ev.skill}  # fmt: skip
        part = Evaluation(mine, years, rows, sk,
                          {h: [c for c in cov if c.get("name") in names]
                           for h, cov in ev.coverage.items()})  # fmt: skip
        windows.append(Window(key, _label(runs, key), part))
    changes: dict[str, dict[str, tuple[float, float, float]]] = {}
    if ablations:
        full = ev.runs["posterior"]  # the same runs and draws the scores above used
        for ab in ablations:
            say(f"holdout: ablation {ab.name}")
            off = forecast_runs(runs, "posterior", draws, seed, post, overrides=ab.set)
            changes[ab.name] = {}
            for w in windows:
                d = bootstrap_skill_difference(w.evaluation.statistics, full, off, resamples, seed)
                changes[ab.name][w.label] = d["total"]
    return Holdout(runs.path, years, windows, changes)
